//! The interpreter tier: a compact slot-based IR (`ir`), the translator from
//! wasm (`translate`), and the executor (`exec`). Its functions are entered
//! through `vm`'s safe array-call shim, so it holds no `unsafe` and is not
//! generic over the store's data type.

mod exec;
mod ir;
mod numeric;
#[cfg(kiln_tail_dispatch)]
mod threaded;
mod translate;

use crate::compile::{CompileError, DefinedFuncIndex, FuncIndex, FunctionCompiler, ModuleInfo};
use crate::vm::{self, CodeVariant, CompiledCode, VMArrayCallFn};
use ir::CompiledFunc;
use std::any::Any;
use translate::Translator;
use wasmparser::{FuncToValidate, FuncValidatorAllocations, FunctionBody, ValidatorResources};

/// Translates function bodies as the validator reaches them.
pub(crate) struct Compiler {
    translator: Translator,
    funcs: Vec<CompiledFunc>,
    wasm2_encoding: bool,
    /// The validator's allocations, kept from one function to the next.
    allocs: FuncValidatorAllocations,
    /// The first body's error: reported once the whole module has been
    /// decoded, since a malformed module is malformed whatever its bodies
    /// hold (the spec decodes before it validates; the JIT does the same).
    first_error: Option<CompileError>,
}

impl Compiler {
    /// `portable_dispatch` asks for the `match` executor even where the
    /// threaded one is built.
    pub(crate) fn new(
        wasm2_encoding: bool,
        interrupts: crate::compile::Interrupts,
        portable_dispatch: bool,
    ) -> Compiler {
        let mut translator = Translator::default();
        translator.interrupts = interrupts;
        translator.threaded = cfg!(kiln_tail_dispatch) && !portable_dispatch;
        Compiler { translator, funcs: Vec::new(), wasm2_encoding, allocs: Default::default(), first_error: None }
    }

    /// The module's interpreter code, or the first body's error.
    pub(crate) fn finish(self) -> Result<Box<dyn CompiledCode>, CompileError> {
        match self.first_error {
            Some(e) => Err(e),
            None => Ok(Box::new(InterpCode { funcs: self.funcs.into(), threaded: self.translator.threaded })),
        }
    }
}

impl FunctionCompiler for Compiler {
    fn function(
        &mut self,
        info: &ModuleInfo,
        index: FuncIndex,
        body: &FunctionBody<'_>,
        validator: FuncToValidate<ValidatorResources>,
    ) -> Result<(), CompileError> {
        if self.first_error.is_some() {
            return Ok(());
        }
        let mut validator = validator.into_validator(std::mem::take(&mut self.allocs));
        match self.translator.translate(info, index.0, body, &mut validator, self.wasm2_encoding) {
            Ok(code) => self.funcs.push(code),
            Err(e) => self.first_error = Some(e),
        }
        self.allocs = validator.into_allocations();
        Ok(())
    }
}

/// The slots an entry into the interpreter from the host may use, or the
/// "call stack exhausted" trap. The interpreter keeps wasm frames off the
/// native stack, but each entry from the host (host -> wasm -> host -> ...)
/// nests native frames, and costs `ACTIVATION_COST_BYTES` of
/// `max_wasm_stack`.
fn activation_limit(store: &vm::StoreOpaque) -> anyhow::Result<usize> {
    let max_bytes = store.engine.config().max_wasm_stack;
    let in_use = store.stack_in_use;
    if in_use + vm::ACTIVATION_COST_BYTES > max_bytes || vm::native_stack_exhausted() {
        return Err(crate::trap::Trap::StackOverflow.into());
    }
    Ok((max_bytes - in_use - vm::ACTIVATION_COST_BYTES) / 8)
}

/// A module's interpreter code: one translated function per defined function.
/// Shared (`Arc`) so the executor can hold a module's functions across
/// calls without looking them up again.
pub(crate) struct InterpCode {
    funcs: std::sync::Arc<[CompiledFunc]>,
    /// Which executor runs the code: the threaded one, or the `match` loop.
    #[cfg_attr(not(kiln_tail_dispatch), allow(dead_code))]
    threaded: bool,
}

impl CompiledCode for InterpCode {
    fn for_memories(&self, _info: &ModuleInfo, _guarded: bool) -> Result<&(dyn CodeVariant + 'static), CompileError> {
        // The interpreter checks every access: one variant serves all.
        Ok(self)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl CodeVariant for InterpCode {
    fn array_call(&self, _func: DefinedFuncIndex) -> VMArrayCallFn {
        #[cfg(kiln_tail_dispatch)]
        if self.threaded {
            return vm::array_call_shim::<threaded::Entry>;
        }
        vm::array_call_shim::<exec::Entry>
    }
    fn wasm_call(&self, _func: DefinedFuncIndex) -> *const u8 {
        std::ptr::null()
    }
    fn wasm_offset(&self, func: DefinedFuncIndex, pc: usize) -> Option<usize> {
        let code = self.funcs.get(func.index())?;
        // The executor's positions: an address in the threaded code, or
        // the index after an op for the `match` executor.
        #[cfg(kiln_tail_dispatch)]
        if self.threaded {
            return threaded::wasm_offset(code, pc);
        }
        code.offsets.get(pc.checked_sub(1)?).map(|o| *o as usize)
    }
}
