//! The interpreter tier: a compact slot-based IR (`ir`), the translator from
//! wasm (`translate`), and the executor (`exec`). Its functions are entered
//! through `vm`'s safe array-call shim, so it holds no `unsafe` and is not
//! generic over the store's data type.

mod exec;
mod ir;
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
}

impl Compiler {
    pub(crate) fn new(wasm2_encoding: bool, interrupts: crate::compile::Interrupts) -> Compiler {
        let mut translator = Translator::default();
        translator.interrupts = interrupts;
        Compiler { translator, funcs: Vec::new(), wasm2_encoding, allocs: Default::default() }
    }

    /// The module's interpreter code.
    pub(crate) fn finish(self) -> Box<dyn CompiledCode> {
        Box::new(InterpCode { funcs: self.funcs.into() })
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
        let mut validator = validator.into_validator(std::mem::take(&mut self.allocs));
        let code = self.translator.translate(info, index.0, body, &mut validator, self.wasm2_encoding)?;
        self.allocs = validator.into_allocations();
        self.funcs.push(code);
        Ok(())
    }
}

/// A module's interpreter code: one translated function per defined function.
/// Shared (`Arc`) so the executor can hold a module's functions across
/// calls without looking them up again.
pub(crate) struct InterpCode {
    funcs: std::sync::Arc<[CompiledFunc]>,
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
        vm::array_call_shim::<exec::Entry>
    }
    fn wasm_call(&self, _func: DefinedFuncIndex) -> *const u8 {
        std::ptr::null()
    }
    fn wasm_offset(&self, func: DefinedFuncIndex, pc: usize) -> Option<usize> {
        self.funcs.get(func.index())?.offsets.get(pc.checked_sub(1)?).map(|o| *o as usize)
    }
}
