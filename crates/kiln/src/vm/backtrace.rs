//! The wasm frames on a store's stack right now (`WasmBacktrace::capture`),
//! across both tiers and nested entries from the host: each entry into wasm
//! is recorded on the store while it runs (`Activation`), and each says
//! how to find its frames while it is suspended in a call out of wasm (the
//! only time host code, and so a capture, can run).

use super::module::ModuleArtifacts;
use super::store::{InstanceId, StoreOpaque};
use super::traphandlers;
use crate::compile::{DefinedFuncIndex, FuncIndex};
use crate::trap::{FrameCollector, FrameInfo, WasmBacktrace};
use std::sync::Arc;

/// A suspended caller in the interpreter (its frame stack holds these).
#[derive(Clone, Copy, Debug)]
pub(crate) struct InterpFrame {
    pub(crate) instance: InstanceId,
    pub(crate) func: FuncIndex,
    pub(crate) pc: usize,
    pub(crate) base: usize,
}

/// One entry into wasm from outside it, while it runs.
pub(crate) struct Activation {
    /// The store's last exit from compiled code when this entry began: the
    /// place where the activation this one is nested in called out. Put
    /// back when this one ends.
    saved_exit: (usize, usize),
    kind: ActivationKind,
}

enum ActivationKind {
    /// Compiled code entered at stack pointer `entry_sp`: its frames are
    /// below it, found from where it last called out.
    Native { entry_sp: usize },
    /// The interpreter: where it was and its frame stack (address and
    /// length), as it published them before calling out.
    Interp { frames: usize, len: usize, at: (InstanceId, FuncIndex, usize) },
}

impl StoreOpaque {
    fn last_exit(&self) -> (usize, usize) {
        let ctx = &self.vm_store_context;
        // SAFETY: the fields are plain words, written only by compiled code
        // of this store, which is suspended while the host runs.
        unsafe { (*ctx.last_wasm_exit_fp.get(), *ctx.last_wasm_exit_pc.get()) }
    }

    /// Records an entry of compiled code at stack pointer `entry_sp`;
    /// returns the depth to give `end_activation`.
    pub(crate) fn begin_native_activation(&mut self, entry_sp: usize) -> usize {
        let saved_exit = self.last_exit();
        self.activations.push(Activation { saved_exit, kind: ActivationKind::Native { entry_sp } });
        self.activations.len() - 1
    }

    /// Records an entry of the interpreter; returns the depth to give
    /// `end_activation`.
    pub(crate) fn begin_interp_activation(&mut self, instance: InstanceId, func: FuncIndex) -> usize {
        let saved_exit = self.last_exit();
        let kind = ActivationKind::Interp { frames: 0, len: 0, at: (instance, func, 0) };
        self.activations.push(Activation { saved_exit, kind });
        self.activations.len() - 1
    }

    /// Where the innermost activation, the interpreter's, is as it calls
    /// out of wasm: at `at`, with the suspended callers `frames`, which
    /// stay as they are until the call returns.
    #[inline]
    pub(crate) fn publish_interp_position(&mut self, frames: &[InterpFrame], at: (InstanceId, FuncIndex, usize)) {
        if let Some(Activation { kind: ActivationKind::Interp { frames: f, len, at: a }, .. }) =
            self.activations.last_mut()
        {
            (*f, *len, *a) = (frames.as_ptr() as usize, frames.len(), at);
        }
    }

    /// Ends the activation at `depth` (and any left above it), putting
    /// back the exit of the one it was nested in.
    pub(crate) fn end_activation(&mut self, depth: usize) {
        let Some(ended) = self.activations.get(depth) else { return };
        let (fp, pc) = ended.saved_exit;
        let ctx = &self.vm_store_context;
        // SAFETY: as in `last_exit`; no compiled code of this store runs
        // while its caller (the host or a tier's entry) is here.
        unsafe {
            *ctx.last_wasm_exit_fp.get() = fp;
            *ctx.last_wasm_exit_pc.get() = pc;
        }
        self.activations.truncate(depth);
    }
}

/// The wasm frames on `store`'s stack now, innermost first.
pub(crate) fn capture(store: &StoreOpaque) -> WasmBacktrace {
    let mut frames = FrameCollector::new();
    let mut exit = store.last_exit();
    for activation in store.activations.iter().rev() {
        match activation.kind {
            ActivationKind::Native { entry_sp } => {
                let (fp, pc) = exit;
                if pc != 0 {
                    let mut pcs = FrameCollector::new();
                    pcs.push(pc);
                    // SAFETY: this activation is suspended in a call out of
                    // compiled code, which recorded `fp`/`pc` (the innermost
                    // one: the store's current exit; the others: saved when
                    // the next entry began), so its frames down from `fp`
                    // are live and below `entry_sp`.
                    unsafe { traphandlers::walk_compiled_frames(fp, entry_sp, &mut pcs) };
                    let (pcs, _) = pcs.finish();
                    let modules = store_modules(store);
                    for frame in pcs.iter().filter_map(|pc| compiled_frame(&modules, *pc)) {
                        frames.push(frame);
                    }
                }
            }
            ActivationKind::Interp { frames: ptr, len, at } => {
                frames.push(interp_frame(store, at.0, at.1, at.2));
                if ptr != 0 {
                    // SAFETY: the interpreter published its frame stack as
                    // it called out, and it stays untouched until that call
                    // returns, which is after this capture (the host code
                    // capturing runs inside it).
                    let callers = unsafe { std::slice::from_raw_parts(ptr as *const InterpFrame, len) };
                    for f in callers.iter().rev() {
                        frames.push(interp_frame(store, f.instance, f.func, f.pc));
                    }
                }
            }
        }
        exit = activation.saved_exit;
    }
    let (frames, omitted) = frames.finish();
    WasmBacktrace { frames, omitted, cause: None }
}

/// The store's modules, each once.
pub(crate) fn store_modules(store: &StoreOpaque) -> Vec<&Arc<ModuleArtifacts>> {
    let mut modules: Vec<&Arc<ModuleArtifacts>> = Vec::new();
    for instance in &store.instances {
        if !modules.iter().any(|m| Arc::ptr_eq(m, &instance.module)) {
            modules.push(&instance.module);
        }
    }
    modules
}

/// The frame of compiled code at `pc`, if it is in one of `modules`.
pub(crate) fn compiled_frame(modules: &[&Arc<ModuleArtifacts>], pc: usize) -> Option<FrameInfo> {
    let (module, (func, offset)) = modules.iter().find_map(|m| m.code.frame_at(pc).map(|f| (m, f)))?;
    Some(FrameInfo::new(module, func, offset))
}

/// The frame of interpreted function `func` of `instance` at `pc`.
pub(crate) fn interp_frame(store: &StoreOpaque, instance: InstanceId, func: FuncIndex, pc: usize) -> FrameInfo {
    let instance = store.instance(instance);
    let defined = DefinedFuncIndex(func.0 - instance.module.info.num_imported_funcs);
    FrameInfo::new(&instance.module, func.0, instance.code().wasm_offset(defined, pc))
}
