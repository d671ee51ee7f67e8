//! A module's machine code as the runtime uses it: mapped, registered with
//! the trap handler, and behind `vm::CompiledCode`.

use super::code_memory::CodeMemory;
use super::compiler::{self, CompiledCode as Compiled, FuncRanges, JitOptions};
use crate::compile::{CompileError, DefinedFuncIndex, FuncIndex, FunctionCompiler, ModuleInfo};
use crate::trap::Trap;
use crate::vm::{self, VMArrayCallFn};
use std::any::Any;
use std::ops::Range;
use std::sync::Arc;
use wasmparser::{BinaryReader, FuncValidator, FunctionBody, ValidatorResources, WasmFeatures};

/// Validates bodies as `compile` reaches them and keeps where they are;
/// `finish` compiles them all at once (in parallel).
pub(crate) struct Compiler {
    bodies: Vec<Range<usize>>,
    wasm2_encoding: bool,
}

impl Compiler {
    pub(crate) fn new(wasm2_encoding: bool) -> Compiler {
        Compiler { bodies: Vec::new(), wasm2_encoding }
    }

    /// Compiles the module whose binary is `wasm` (decoded with `features`)
    /// and maps its code.
    pub(crate) fn finish(
        self,
        info: &ModuleInfo,
        wasm: &[u8],
        features: WasmFeatures,
        options: &JitOptions,
    ) -> Result<Box<dyn vm::CompiledCode>, CompileError> {
        let bodies: Vec<FunctionBody<'_>> = self
            .bodies
            .iter()
            .map(|r| FunctionBody::new(BinaryReader::new_features(&wasm[r.clone()], r.start as u64, features)))
            .collect();
        let compiled = compiler::compile_module(info, &bodies, options)?;
        let code = JitCode::new(compiled, info.num_imported_funcs)
            .map_err(|e| crate::jit::unsupported(format!("could not load compiled code: {e:#}")))?;
        Ok(Box::new(code))
    }
}

impl FunctionCompiler for Compiler {
    fn function(
        &mut self,
        _info: &ModuleInfo,
        _index: FuncIndex,
        body: &FunctionBody<'_>,
        validator: &mut FuncValidator<ValidatorResources>,
    ) -> Result<(), CompileError> {
        crate::compile::validate_body(body, validator, self.wasm2_encoding)?;
        let range = body.range();
        self.bodies.push(range.start as usize..range.end as usize);
        Ok(())
    }
}

/// A module's mapped machine code.
pub(crate) struct JitCode {
    memory: CodeMemory,
    funcs: Vec<FuncRanges>,
    /// `(code offset, wasm offset)`, sorted by code offset.
    address_map: Vec<(u32, u32)>,
    num_imported_funcs: u32,
}

impl JitCode {
    fn new(compiled: Compiled, num_imported_funcs: u32) -> anyhow::Result<JitCode> {
        let memory = CodeMemory::new(&compiled)?;
        let range = memory.range();
        let traps: Arc<[(u32, Trap)]> = compiled.traps.into();
        vm::register_code(range.start, range.end, traps);
        Ok(JitCode { memory, funcs: compiled.funcs, address_map: compiled.address_map, num_imported_funcs })
    }
}

impl Drop for JitCode {
    fn drop(&mut self) {
        vm::unregister_code(self.memory.range().end);
    }
}

impl vm::CompiledCode for JitCode {
    fn array_call(&self, _func: DefinedFuncIndex) -> VMArrayCallFn {
        vm::native_array_call
    }
    fn wasm_call(&self, func: DefinedFuncIndex) -> *const u8 {
        self.memory.wasm_entry(func)
    }
    fn native_array_entry(&self, func: DefinedFuncIndex) -> *const u8 {
        self.memory.array_entry(func)
    }
    fn wasm_offset(&self, _func: DefinedFuncIndex, _pc: usize) -> Option<usize> {
        None
    }
    fn frame_at(&self, pc: usize) -> Option<(u32, Option<usize>)> {
        let offset = u32::try_from(pc.checked_sub(self.memory.range().start)?).ok()?;
        // Functions are laid out in order, so their wasm entries are sorted.
        let i = self.funcs.partition_point(|f| f.wasm.start <= offset).checked_sub(1)?;
        if !self.funcs[i].wasm.contains(&offset) {
            return None;
        }
        let at = self.address_map.partition_point(|(code, _)| *code <= offset);
        let wasm_offset = at.checked_sub(1).map(|j| self.address_map[j].1 as usize);
        Some((self.num_imported_funcs + i as u32, wasm_offset))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
