//! The threaded executor: each instruction starts with the address of its
//! handler, and each handler ends by jumping to the next instruction's
//! handler (a call in tail position, which LLVM turns into a jump at
//! opt-level 2 and up on x86_64 and aarch64; `build.rs` enables this module
//! only there). The hot state travels in argument registers: the
//! instruction pointer, the frame's slots, memory 0's base and length, the
//! executor's context, and two accumulators (an integer one and an f64
//! one, in a float register) that hand a value from one op to the next
//! (see `handlers` and `encode`). There is no central dispatch loop, so each
//! handler's indirect jump is predicted on its own.
//!
//! This is one of the places outside `vm/` and `jit/` that holds `unsafe`
//! (see ARCHITECTURE.md): like compiled code, handlers trust what the
//! translator produced. The invariants they rely on, all established by
//! `translate` and `encode`:
//! - every slot index of a function's code is below its `frame_size`, and a
//!   frame of that size is allocated before its code runs;
//! - every branch lands on an instruction of the same function;
//! - operand fields match the handler that reads them (`encode` writes both).
//!
//! Handlers never unwind (a host panic is caught where the host is called
//! and re-raised once the executor has returned) and never call another
//! handler except in tail position.

mod encode;
mod handlers;

pub(crate) use encode::{encode, FrameLayout};

use super::ir::CompiledFunc;
use super::{InterpCode, FRAME_OVERHEAD_SLOTS};
use crate::compile::{DefinedFuncIndex, FuncIndex, Interrupts, MemoryIndex};
use crate::trap::{with_backtrace, Trap, WasmBacktrace};
use crate::vm::{self, InstanceId, InterpFrame, ModuleArtifacts, StoreOpaque, ValRaw, ACTIVATION_COST_BYTES};
use anyhow::Result;

/// Where the executor is in a function's code.
pub(crate) type Ip = *const u64;
/// The current frame's first slot.
pub(crate) type Sp = *mut u64;

/// Why the chain of handlers returned.
#[repr(u8)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Done {
    /// The entry function returned; its results are in slots `0..n`.
    Returned,
    /// A trap or an error stopped the code; `Exec` says which and where.
    Stopped,
}

/// An instruction's handler. `sysv64` on x86_64 whatever the OS, so all
/// arguments travel in registers (six integer ones and the f64
/// accumulator; Windows' own convention has four).
#[cfg(target_arch = "x86_64")]
pub(crate) type Handler = unsafe extern "sysv64-unwind" fn(Ip, Sp, *mut u8, usize, *mut Exec, u64, f64) -> Done;
/// An instruction's handler (AAPCS64 passes eight integer and eight float
/// arguments in registers).
#[cfg(not(target_arch = "x86_64"))]
pub(crate) type Handler = unsafe extern "C-unwind" fn(Ip, Sp, *mut u8, usize, *mut Exec, u64, f64) -> Done;

/// Defines a handler with the handlers' ABI.
macro_rules! handler {
    ($(#[$attr:meta])* $name:ident($ip:ident, $sp:ident, $mem:ident, $len:ident, $cx:ident, $acc:ident, $facc:ident) $body:block) => {
        $(#[$attr])*
        #[cfg(target_arch = "x86_64")]
        #[allow(non_snake_case, unused_variables, unused_mut)]
        pub(crate) unsafe extern "sysv64-unwind" fn $name(
            $ip: $crate::interp::threaded::Ip,
            $sp: $crate::interp::threaded::Sp,
            $mem: *mut u8,
            $len: usize,
            $cx: *mut $crate::interp::threaded::Exec,
            $acc: u64,
            $facc: f64,
        ) -> $crate::interp::threaded::Done {
            $body
        }
        $(#[$attr])*
        #[cfg(not(target_arch = "x86_64"))]
        #[allow(non_snake_case, unused_variables, unused_mut)]
        pub(crate) unsafe extern "C-unwind" fn $name(
            $ip: $crate::interp::threaded::Ip,
            $sp: $crate::interp::threaded::Sp,
            $mem: *mut u8,
            $len: usize,
            $cx: *mut $crate::interp::threaded::Exec,
            $acc: u64,
            $facc: f64,
        ) -> $crate::interp::threaded::Done {
            $body
        }
    };
}
pub(crate) use handler;

/// Jumps to the handler of the instruction at `ip` (a call in tail
/// position).
macro_rules! next {
    ($ip:expr, $sp:expr, $mem:expr, $len:expr, $cx:expr, $acc:expr, $facc:expr) => {{
        let ip: $crate::interp::threaded::Ip = $ip;
        // Every instruction starts with its handler's address (`encode`),
        // and `ip` is at an instruction (module invariants); the handler
        // gets the state its instruction expects. (Used inside the
        // handlers' `unsafe` blocks.)
        let h: $crate::interp::threaded::Handler = *(ip as *const $crate::interp::threaded::Handler);
        return h(ip, $sp, $mem, $len, $cx, $acc, $facc);
    }};
}
pub(crate) use next;

/// Stops the code with trap `$t` at the instruction at `$ip`.
macro_rules! trap {
    ($ip:expr, $cx:expr, $t:expr) => {{
        // `$cx` is the live context handlers are given (used inside the
        // handlers' `unsafe` blocks).
        (*$cx).stop($ip, $t);
        return $crate::interp::threaded::Done::Stopped;
    }};
}
pub(crate) use trap;

/// The position a call returns when it stopped the code.
pub(crate) const STOPPED: (Ip, Sp) = (std::ptr::null(), std::ptr::null_mut());

/// The executor's state besides what travels in registers: where the
/// current function and instance are, the frame stack, and why the code
/// stopped.
pub(crate) struct Exec {
    store: *mut StoreOpaque,
    /// This activation's slots; frames are positions in it.
    stack: Vec<u64>,
    stack_base: *mut u64,
    /// Suspended callers, innermost last.
    frames: Vec<InterpFrame>,
    /// Slots this activation may use (frames' overhead included).
    limit: usize,
    /// Bytes of `max_wasm_stack` used by enclosing activations.
    in_use: usize,
    interrupts: Interrupts,
    instance: InstanceId,
    func: FuncIndex,
    /// The current instance's context and its module's functions.
    vmctx: *mut u8,
    module: *const ModuleArtifacts,
    code: *const InterpCode,
    num_imported_funcs: u32,
    /// Memory 0 of the current instance, or null.
    memory0: *const vm::VMMemoryDefinition,
    fuel: *mut i64,
    host_buf: Vec<ValRaw>,
    /// Why the code stopped: a trap, or an error (a host function's, a
    /// limiter's) or a host panic to re-raise.
    trap: Option<Trap>,
    error: Option<anyhow::Error>,
    panic: Option<Box<dyn std::any::Any + Send>>,
    /// Where it stopped: a position inside the stopping instruction.
    stopped_at: usize,
}

impl Exec {
    /// Records a trap at the instruction at `ip`.
    #[inline(always)]
    pub(crate) fn stop(&mut self, ip: Ip, trap: Trap) {
        self.trap = Some(trap);
        self.stopped_at = ip as usize + 8;
    }

    /// Records an error (a trap or not) at the instruction at `ip`.
    fn stop_with(&mut self, ip: Ip, error: anyhow::Error) {
        match error.downcast::<Trap>() {
            Ok(trap) => self.trap = Some(trap),
            Err(error) => self.error = Some(error),
        }
        self.stopped_at = ip as usize + 8;
    }

    /// Memory 0's base and length now.
    #[inline(always)]
    pub(crate) fn memory0(&self) -> (*mut u8, usize) {
        if self.memory0.is_null() {
            (std::ptr::NonNull::dangling().as_ptr(), 0)
        } else {
            // SAFETY: the definition belongs to a memory of this store,
            // boxed for the store's life.
            unsafe { ((*self.memory0).base, (*self.memory0).current_length) }
        }
    }

    fn store(&mut self) -> &mut StoreOpaque {
        // SAFETY: the executor holds the store exclusively while it runs
        // (it was handed `&mut` by its entry); handlers touch it only
        // through here, one borrow at a time.
        unsafe { &mut *self.store }
    }

    /// The code of defined function `func` of the current module, if it
    /// has been translated (a function that has run, or is running, has).
    #[inline(always)]
    pub(crate) fn translated(&self, func: FuncIndex) -> Option<&CompiledFunc> {
        // SAFETY: `func` is a defined function of the current module (the
        // translator emits only those in `Call`), whose code lives as long
        // as the instance.
        unsafe {
            let funcs: &[super::FuncSlot] = &(*self.code).funcs;
            funcs.get_unchecked((func.0 - self.num_imported_funcs) as usize).code.get()
        }
    }

    /// The code of the running function.
    fn running(&self) -> &CompiledFunc {
        self.translated(self.func).expect("a running function is translated")
    }

    /// Makes `instance` (of an interpreted module) the current one.
    fn enter_instance(&mut self, instance: InstanceId) {
        // SAFETY: see `Exec::store`; the store outlives this executor, and
        // the module stays alive with its instance.
        let store = unsafe { &*self.store };
        let inst = store.instance(instance);
        let module: &ModuleArtifacts = &inst.module;
        let vmctx = inst.vmctx().cast::<u8>();
        let memory0 = if module.info.memories.is_empty() {
            std::ptr::null()
        } else {
            inst.memory_def(MemoryIndex(0)) as *const _
        };
        self.code = &**interp_code(module);
        self.num_imported_funcs = module.info.num_imported_funcs;
        self.module = module;
        self.vmctx = vmctx;
        self.memory0 = memory0;
        self.instance = instance;
    }

    /// Slot index of `sp` in the stack.
    #[inline(always)]
    fn base_of(&self, sp: Sp) -> usize {
        // SAFETY: `sp` points into `stack`.
        unsafe { sp.offset_from(self.stack_base) as usize }
    }

    /// Calls interpreted function `callee` of `instance` from the
    /// instruction at `at`, its arguments at slot `args` of the frame at
    /// `sp`: pushes the caller's frame (resuming at `ret`), sets up the
    /// callee's, growing the stack as needed. A null position when the
    /// wasm stack limit is reached (the trap is recorded). (A pair of
    /// words comes back in registers; an `Option` of it would not, and a
    /// handler that passes a return slot's address cannot tail-call.)
    #[inline(never)]
    fn enter(&mut self, at: Ip, ret: Ip, sp: Sp, args: usize, instance: InstanceId, callee: FuncIndex) -> (Ip, Sp) {
        let caller_base = self.base_of(sp);
        // Translated here if this is its first call.
        let code: *const CompiledFunc = {
            // SAFETY: see `Exec::store`.
            let module = &unsafe { &*self.store }.instance(instance).module;
            let defined = DefinedFuncIndex(callee.0 - module.info.num_imported_funcs);
            match interp_code(module).func(module, defined) {
                Ok(code) => code,
                Err(e) => {
                    self.stop_with(at, e.into());
                    return STOPPED;
                }
            }
        };
        // SAFETY: the callee's module lives as long as its instance.
        let frame_size = unsafe { (*code).frame_size as usize };
        let base = caller_base + args;
        let end = base + frame_size;
        if end + (self.frames.len() + 1) * FRAME_OVERHEAD_SLOTS > self.limit {
            self.stop(at, Trap::StackOverflow);
            return STOPPED;
        }
        if end > self.stack.len() {
            let new_len = (self.stack.len() * 2).max(end).min(self.limit.max(end));
            self.stack.resize(new_len, 0);
            self.stack_base = self.stack.as_mut_ptr();
        }
        self.frames.push(InterpFrame { instance: self.instance, func: self.func, pc: ret as usize, base: caller_base });
        if instance != self.instance {
            self.enter_instance(instance);
        }
        self.func = callee;
        // SAFETY: `code` is alive with its module; the frame `base..end`
        // was allocated above.
        unsafe { ((*code).code.as_ptr(), self.stack_base.add(base)) }
    }
}

// The `Call` handler's slow path: grows the stack or the frame list, or
// stops the code at the wasm stack limit.
handler!(#[inline(never)] call_slow(ip, sp, mem, len, cx, acc, facc) {
    // SAFETY: `cx` is the live context; the instruction is a `Call`.
    unsafe {
        let cxr = &mut *cx;
        let instance = cxr.instance;
        let func = FuncIndex(field(ip, 0));
        let (ip, sp) = cxr.enter(ip, ip.add(2), sp, field(ip, 1) as usize, instance, func);
        if ip.is_null() {
            return Done::Stopped;
        }
        next!(ip, sp, mem, len, cx, acc, facc)
    }
});

// A return to a caller of another instance: the results are in place.
handler!(#[inline(never)] return_slow(ip, sp, mem, len, cx, acc, facc) {
    // SAFETY: `cx` is the live context; the popped frame is a suspended
    // caller, whose return address is in its code and whose slots are in
    // the stack.
    unsafe {
        let cxr = &mut *cx;
        let Some(caller) = cxr.frames.pop() else { return Done::Returned };
        cxr.return_to_instance(caller.instance);
        cxr.func = caller.func;
        let (mem, len) = cxr.memory0();
        let sp = cxr.stack_base.add(caller.base);
        next!(caller.pc as Ip, sp, mem, len, cx, acc, facc)
    }
});

/// The interpreter's code of a module (asked only of modules whose code is
/// the interpreter's).
#[inline]
fn interp_code(module: &ModuleArtifacts) -> &std::sync::Arc<InterpCode> {
    super::code_of(module).expect("an interpreted module")
}

/// The array-call entry of interpreted functions.
pub(crate) struct Entry;

impl vm::SafeArrayCall for Entry {
    fn call(
        store: &mut StoreOpaque,
        instance: InstanceId,
        func: FuncIndex,
        _caller: Option<InstanceId>,
        args: &mut [ValRaw],
    ) -> Result<()> {
        call_wasm(store, instance, func, args)
    }
}

/// Calls the wasm function `func` of `instance` with arguments in `args`;
/// results replace them.
fn call_wasm(store: &mut StoreOpaque, instance: InstanceId, func: FuncIndex, args: &mut [ValRaw]) -> Result<()> {
    let in_use = store.stack_in_use;
    let limit = super::activation_limit(store)?;
    // Translated here if this is its first call.
    let (entry_code, ty): (*const CompiledFunc, *const crate::types::FuncType) = {
        let module = &store.instance(instance).module;
        let defined = DefinedFuncIndex(func.0 - module.info.num_imported_funcs);
        (interp_code(module).func(module, defined)?, module.info.func_type(func.0))
    };
    let interrupts = store.engine.config().interrupts();
    let fuel: *mut i64 = store.fuel_consumed();
    let stack = std::mem::take(&mut store.stack);
    let depth = store.begin_interp_activation(instance, func);
    let mut exec = Exec {
        store,
        stack,
        stack_base: std::ptr::null_mut(),
        frames: Vec::new(),
        limit,
        in_use: in_use + ACTIVATION_COST_BYTES,
        interrupts,
        instance,
        func,
        vmctx: std::ptr::null_mut(),
        module: std::ptr::null(),
        code: std::ptr::null(),
        num_imported_funcs: 0,
        memory0: std::ptr::null(),
        fuel,
        host_buf: Vec::new(),
        trap: None,
        error: None,
        panic: None,
        stopped_at: 0,
    };
    exec.enter_instance(instance);
    // SAFETY: the module's code and types live as long as the instance.
    let (code, ty) = unsafe { (&*entry_code, &*ty) };
    let needed = code.frame_size as usize;
    let outcome = if needed > limit {
        exec.stopped_at = code.code.as_ptr() as usize + 8;
        exec.trap = Some(Trap::StackOverflow);
        Ok(Done::Stopped)
    } else {
        if exec.stack.len() < needed {
            exec.stack.resize(needed.max(1024), 0);
        }
        super::raw_to_slots(ty.params(), args, &mut exec.stack[..needed]);
        exec.stack_base = exec.stack.as_mut_ptr();
        let (mem, len) = exec.memory0();
        let sp = exec.stack_base;
        let ip = code.code.as_ptr();
        // A host function's panic is caught where it is called and re-raised
        // below; this catches what nothing else may (a bug), so the store's
        // state is put back before it unwinds further.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            // SAFETY: the frame has `frame_size` slots; `ip` is the
            // function's first instruction; `exec` outlives the run.
            unsafe {
                let h: Handler = *(ip as *const Handler);
                h(ip, sp, mem, len, &mut exec, 0, 0.0)
            }
        }))
    };
    // SAFETY: the run has ended, and with it every use of `exec.store`.
    let store = unsafe { &mut *exec.store };
    store.end_activation(depth);
    store.stack_in_use = in_use;
    let mut stack = std::mem::take(&mut exec.stack);
    let result = match outcome {
        Ok(Done::Returned) => {
            super::slots_to_raw(ty.results(), &stack, args);
            Ok(Ok(()))
        }
        Ok(Done::Stopped) => match exec.panic.take() {
            Some(panic) => Err(panic),
            None => {
                let bt = backtrace(store, &exec);
                let err = match (exec.trap.take(), exec.error.take()) {
                    (Some(trap), _) => anyhow::Error::new(trap),
                    (None, Some(error)) => error,
                    (None, None) => anyhow::anyhow!("internal error: the interpreter stopped without a reason"),
                };
                Ok(Err(with_backtrace(err, bt)))
            }
        },
        Err(panic) => Err(panic),
    };
    // Keep the bigger buffer for the next call.
    if stack.len() > store.stack.len() {
        store.stack = std::mem::take(&mut stack);
    }
    match result {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e),
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

fn backtrace(store: &StoreOpaque, exec: &Exec) -> WasmBacktrace {
    let mut out = crate::trap::FrameCollector::new();
    out.push(vm::interp_frame(store, exec.instance, exec.func, exec.stopped_at));
    for f in exec.frames.iter().rev() {
        out.push(vm::interp_frame(store, f.instance, f.func, f.pc));
    }
    let (frames, omitted) = out.finish();
    WasmBacktrace { frames, omitted, cause: None }
}

/// The wasm offset of the instruction at `pc` of `code`, where `pc` is a
/// position the executor recorded: inside an instruction (a trap, a call
/// out), or just after it (a suspended caller's return address).
pub(crate) fn wasm_offset(code: &CompiledFunc, pc: usize) -> Option<usize> {
    let start = code.code.as_ptr() as usize;
    let words = pc.checked_sub(start)? / 8;
    let op = code.op_starts.partition_point(|&s| (s as usize) < words).checked_sub(1)?;
    code.offsets.get(op).map(|o| *o as usize)
}

impl Exec {
    /// Calls function `f` (of type `ty`) from the instruction at `at`, its
    /// arguments at slot `args` of the frame at `sp`; `next` is where the
    /// caller resumes. An interpreted function gets a frame here; anything
    /// else is called through its array-call entry. The next position, or
    /// `STOPPED` if the call stopped the code.
    pub(crate) fn call_ref(
        &mut self,
        at: Ip,
        next: Ip,
        sp: Sp,
        args: usize,
        f: vm::FuncRefPtr,
        ty: &crate::types::FuncType,
    ) -> (Ip, Sp) {
        if let Some((instance, index)) = vm::func_ref_target(f) {
            if instance == self.instance || super::code_of(&self.store().instance(instance).module).is_some() {
                return self.enter(at, next, sp, args, instance, index);
            }
        }
        if self.call_out(at, sp, args, f, ty) {
            (next, sp)
        } else {
            STOPPED
        }
    }

    /// Calls `f` through its array-call entry (see `call_ref`).
    fn call_out(&mut self, at: Ip, sp: Sp, args: usize, f: vm::FuncRefPtr, ty: &crate::types::FuncType) -> bool {
        let (np, nr) = (ty.params().len(), ty.results().len());
        let frame_size = self.running().frame_size as usize;
        let base = self.base_of(sp);
        self.host_buf.clear();
        self.host_buf.resize(np.max(nr), ValRaw::default());
        // The rest of the frame from the arguments on: it holds them, and
        // room for the results (the translator's layout).
        let arg_slots = frame_size - args;
        // SAFETY: `args` is a slot of the current frame, which has
        // `frame_size` slots from `sp`.
        let slots = unsafe { std::slice::from_raw_parts_mut(sp.add(args), arg_slots) };
        super::slots_to_raw(ty.params(), slots, &mut self.host_buf);
        // SAFETY: see `Exec::store`; `frames` is a field apart from it.
        let store = unsafe { &mut *self.store };
        store.stack_in_use = self.in_use + (base + frame_size + self.frames.len() * FRAME_OVERHEAD_SLOTS) * 8;
        let caller = store.instance(self.instance).vmctx();
        store.publish_interp_position(&self.frames, (self.instance, self.func, at as usize + 8));
        let store_ptr = self.store;
        let buf = &mut self.host_buf;
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| vm::call_array(store_ptr, f, caller, buf)));
        self.store().stack_in_use = self.in_use;
        match result {
            Ok(Ok(())) => {
                // SAFETY: as above: the results go where the arguments were.
                let slots = unsafe { std::slice::from_raw_parts_mut(sp.add(args), arg_slots) };
                super::raw_to_slots(ty.results(), &self.host_buf, slots);
                true
            }
            Ok(Err(e)) => {
                self.stop_with(at, e);
                false
            }
            Err(panic) => {
                self.panic = Some(panic);
                self.stopped_at = at as usize + 8;
                false
            }
        }
    }
}

/// The `u32` operand field `i` of the instruction at `ip`.
///
/// # Safety
/// The instruction has that field (`encode` wrote it).
#[inline(always)]
pub(crate) unsafe fn field(ip: Ip, i: usize) -> u32 {
    // SAFETY: fields follow the handler word (caller's contract).
    unsafe { *(ip as *const u32).add(2 + i) }
}

/// The operations that need the store: each takes the instruction at `ip`
/// in the frame at `sp` and says whether the code goes on (if not, the
/// reason is recorded).
impl Exec {
    /// Reads the `u32` operands of the instruction at `ip`.
    fn fields<const N: usize>(ip: Ip) -> [usize; N] {
        // SAFETY: the slow operations' instructions have these fields.
        std::array::from_fn(|i| unsafe { field(ip, i) } as usize)
    }

    /// The slot `i` of the frame at `sp`.
    fn slot(sp: Sp, i: usize) -> u64 {
        // SAFETY: slot indices are below the frame size (module invariant).
        unsafe { *sp.add(i) }
    }

    fn set_slot(sp: Sp, i: usize, v: u64) {
        // SAFETY: as in `slot`.
        unsafe { *sp.add(i) = v }
    }

    /// Goes on after an operation that returned `r`, or records its error.
    fn check<T>(&mut self, ip: Ip, r: Result<T>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.stop_with(ip, e);
                None
            }
        }
    }

    fn check_trap<T>(&mut self, ip: Ip, r: Result<T, Trap>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(t) => {
                self.stop(ip, t);
                None
            }
        }
    }

    #[inline(never)]
    pub(crate) fn call_import(&mut self, ip: Ip, sp: Sp, size: usize) -> (Ip, Sp) {
        let [func, args] = Self::fields(ip);
        let instance = self.instance;
        let f = self.store().instance(instance).func_ref(FuncIndex(func as u32));
        // SAFETY: the module lives as long as its instance, beyond this call.
        let module = unsafe { &*self.module };
        // SAFETY: `size` is this instruction's length.
        self.call_ref(ip, unsafe { ip.add(size) }, sp, args, f, module.info.func_type(func as u32))
    }

    #[inline(never)]
    pub(crate) fn call_indirect(&mut self, ip: Ip, sp: Sp, size: usize) -> (Ip, Sp) {
        let [table, ty, args] = Self::fields(ip);
        // SAFETY: as in `call_import`.
        let module = unsafe { &*self.module };
        let expected = module.info.sigs[ty];
        let ty = &module.info.types[ty];
        let i = Self::slot(sp, args + super::ir::slots_of(ty.params())) as u32 as usize;
        let instance = self.instance;
        let elements = &self.store().instance_table(instance, crate::compile::TableIndex(table as u32)).elements;
        let Some(&elem) = elements.get(i) else {
            self.stop(ip, Trap::TableOutOfBounds);
            return STOPPED;
        };
        let Some(f) = vm::FuncRefPtr::from_bits(elem) else {
            self.stop(ip, Trap::IndirectCallToNull);
            return STOPPED;
        };
        if vm::func_ref_type_id(f) != expected {
            self.stop(ip, Trap::BadSignature);
            return STOPPED;
        }
        // SAFETY: `size` is this instruction's length.
        self.call_ref(ip, unsafe { ip.add(size) }, sp, args, f, ty)
    }

    /// After a return to a caller of another instance.
    #[inline(never)]
    pub(crate) fn return_to_instance(&mut self, instance: InstanceId) {
        self.enter_instance(instance);
    }

    #[inline(never)]
    pub(crate) fn memory_grow(&mut self, ip: Ip, sp: Sp) -> bool {
        let [d, a] = Self::fields(ip);
        let delta = Self::slot(sp, a) as u32 as u64;
        let instance = self.instance;
        let r = self.store().memory_grow(instance, MemoryIndex(0), delta);
        let Some(old) = self.check(ip, r) else { return false };
        Self::set_slot(sp, d, old.unwrap_or(u32::MAX as u64));
        true
    }

    #[inline(never)]
    pub(crate) fn memory_init(&mut self, ip: Ip, sp: Sp) -> bool {
        let [seg, o] = Self::fields(ip);
        let (dst, src, n) = (
            Self::slot(sp, o) as u32 as usize,
            Self::slot(sp, o + 1) as u32 as usize,
            Self::slot(sp, o + 2) as u32 as usize,
        );
        let instance = self.instance;
        // SAFETY: as in `call_import`.
        let module = unsafe { &*self.module };
        let store = self.store();
        let dropped = store.instance(instance).data_dropped[seg];
        let bytes: &[u8] = if dropped { &[] } else { &module.info.datas[seg].bytes };
        let data = store.memory_bytes(instance, MemoryIndex(0));
        match (bytes.get(src..src.saturating_add(n)), data.get_mut(dst..dst.saturating_add(n))) {
            (Some(from), Some(to)) => {
                to.copy_from_slice(from);
                true
            }
            _ => {
                self.stop(ip, Trap::MemoryOutOfBounds);
                false
            }
        }
    }

    #[inline(never)]
    pub(crate) fn data_drop(&mut self, ip: Ip, _sp: Sp) -> bool {
        let [seg] = Self::fields(ip);
        let instance = self.instance;
        self.store().instance_mut(instance).data_dropped[seg] = true;
        true
    }

    #[inline(never)]
    pub(crate) fn elem_drop(&mut self, ip: Ip, _sp: Sp) -> bool {
        let [seg] = Self::fields(ip);
        let instance = self.instance;
        self.store().instance_mut(instance).elems[seg] = None;
        true
    }

    fn table(&mut self, table: usize) -> &mut vm::Table {
        let instance = self.instance;
        self.store().instance_table(instance, crate::compile::TableIndex(table as u32))
    }

    #[inline(never)]
    pub(crate) fn table_get(&mut self, ip: Ip, sp: Sp) -> bool {
        let [d, a, table] = Self::fields(ip);
        let i = Self::slot(sp, a) as u32 as usize;
        match self.table(table).elements.get(i) {
            Some(v) => {
                Self::set_slot(sp, d, *v as u64);
                true
            }
            None => {
                self.stop(ip, Trap::TableOutOfBounds);
                false
            }
        }
    }

    #[inline(never)]
    pub(crate) fn table_set(&mut self, ip: Ip, sp: Sp) -> bool {
        let [table, o] = Self::fields(ip);
        let (i, v) = (Self::slot(sp, o) as u32 as usize, Self::slot(sp, o + 1));
        match self.table(table).elements.get_mut(i) {
            Some(slot) => {
                *slot = v as usize;
                true
            }
            None => {
                self.stop(ip, Trap::TableOutOfBounds);
                false
            }
        }
    }

    #[inline(never)]
    pub(crate) fn table_size(&mut self, ip: Ip, sp: Sp) -> bool {
        let [d, table] = Self::fields(ip);
        let size = self.table(table).size() as u64;
        Self::set_slot(sp, d, size);
        true
    }

    #[inline(never)]
    pub(crate) fn table_grow(&mut self, ip: Ip, sp: Sp) -> bool {
        let [table, o] = Self::fields(ip);
        let (init, n) = (Self::slot(sp, o), Self::slot(sp, o + 1) as u32);
        let instance = self.instance;
        let r = self.store().table_grow(instance, crate::compile::TableIndex(table as u32), n, init as usize);
        let Some(old) = self.check(ip, r) else { return false };
        Self::set_slot(sp, o, old.map_or(u32::MAX as u64, |old| old as u64));
        true
    }

    #[inline(never)]
    pub(crate) fn table_fill(&mut self, ip: Ip, sp: Sp) -> bool {
        let [table, o] = Self::fields(ip);
        let (i, v, n) = (Self::slot(sp, o) as u32, Self::slot(sp, o + 1) as usize, Self::slot(sp, o + 2) as u32);
        let r = self.table(table).fill(i, v, n);
        self.check_trap(ip, r).is_some()
    }

    #[inline(never)]
    pub(crate) fn table_copy(&mut self, ip: Ip, sp: Sp) -> bool {
        let [dst, src, o] = Self::fields(ip);
        let (d, s, n) = (Self::slot(sp, o) as u32, Self::slot(sp, o + 1) as u32, Self::slot(sp, o + 2) as u32);
        let instance = self.instance;
        let (dst, src) = (crate::compile::TableIndex(dst as u32), crate::compile::TableIndex(src as u32));
        let r = self.store().table_copy(instance, dst, src, d, s, n);
        self.check_trap(ip, r).is_some()
    }

    #[inline(never)]
    pub(crate) fn table_init(&mut self, ip: Ip, sp: Sp) -> bool {
        let [table, seg, o] = Self::fields(ip);
        let (d, s, n) = (Self::slot(sp, o) as u32, Self::slot(sp, o + 1) as u32, Self::slot(sp, o + 2) as u32);
        let instance = self.instance;
        let r = self.store().table_init(instance, crate::compile::TableIndex(table as u32), seg as u32, d, s, n);
        self.check_trap(ip, r).is_some()
    }

    #[inline(never)]
    pub(crate) fn ref_func(&mut self, ip: Ip, sp: Sp) -> bool {
        let [d, func] = Self::fields(ip);
        let instance = self.instance;
        let f = self.store().instance(instance).func_ref(FuncIndex(func as u32));
        Self::set_slot(sp, d, f.to_bits() as u64);
        true
    }

    /// At function entries and loop headers, when interruption is on.
    #[inline(never)]
    pub(crate) fn check_interrupts(&mut self, ip: Ip, _sp: Sp) -> bool {
        let interrupts = self.interrupts;
        let store = self.store();
        if store.interrupt_due(interrupts) {
            let r = store.check_interrupts(interrupts);
            return self.check(ip, r).is_some();
        }
        true
    }

    /// Adds `n` to the fuel consumed.
    #[inline(always)]
    pub(crate) fn consume_fuel(&mut self, n: u32) {
        // SAFETY: the counter lives in the store's context, which this
        // executor holds exclusively.
        unsafe { *self.fuel += n as i64 }
    }

    /// The storage of a global at byte `offset` of the current context
    /// (`imported`: a pointer to it is there).
    #[inline(always)]
    pub(crate) fn global(&self, offset: u32, imported: bool) -> *mut u64 {
        // SAFETY: `offset` comes from the module's `VMOffsets` (`encode`),
        // within the current instance's context.
        unsafe {
            let field = self.vmctx.add(offset as usize);
            if imported {
                *(field as *const *mut u64)
            } else {
                field as *mut u64
            }
        }
    }
}
