//! A module's machine code as the runtime uses it: mapped, registered with
//! the trap handler, and behind `vm::CompiledCode`.

use super::code_memory::CodeMemory;
use super::compiler::Validate;
use super::compiler::{self, CompiledCode as Compiled, FuncRanges, JitOptions, Relocation};
use super::MemoryMode;
use crate::compile::{CompileError, DefinedFuncIndex, FuncIndex, FunctionCompiler, Interrupts, ModuleInfo};
use crate::vm::{self, OffsetTable, VMArrayCallFn};
use std::any::Any;
use std::ops::Range;
use std::sync::{Mutex, OnceLock};
use wasmparser::{BinaryReader, FuncToValidate, FunctionBody, ValidatorResources, WasmFeatures};

/// Validates bodies as `compile` reaches them and keeps where they are;
/// `finish` compiles them all at once (in parallel).
pub(crate) struct Compiler {
    bodies: Vec<Range<usize>>,
    /// Validated by the compiling threads, each before its translation.
    validators: Vec<FuncToValidate<ValidatorResources>>,
    wasm2_encoding: bool,
    /// Why the module is past the JIT's budget (`budget.rs`), if it is.
    over_budget: Option<String>,
}

impl Compiler {
    pub(crate) fn new(wasm2_encoding: bool) -> Compiler {
        Compiler { bodies: Vec::new(), validators: Vec::new(), wasm2_encoding, over_budget: None }
    }

    /// Why the module should be run by the interpreter rather than
    /// compiled, if it should: a function past what Cranelift compiles in
    /// time and memory proportional to its size.
    pub(crate) fn over_budget(&self) -> Option<&str> {
        self.over_budget.as_deref()
    }

    /// Compiles the module whose binary is `wasm` (decoded with `features`)
    /// and maps its code: without bounds checks for guarded memories when
    /// `guard` is set (the variant with checks then follows on demand), else
    /// with them.
    pub(crate) fn finish(
        self,
        info: &ModuleInfo,
        wasm: &vm::SharedBytes,
        features: WasmFeatures,
        guard: bool,
        parallel: bool,
        interrupts: Interrupts,
    ) -> Result<Box<dyn vm::CompiledCode>, CompileError> {
        let source = Source { wasm: wasm.clone(), bodies: self.bodies, features, parallel, interrupts };
        let validate = Validate { funcs: &self.validators, wasm2_encoding: self.wasm2_encoding };
        let module = if guard {
            let guarded = source.compile(info, MemoryMode::Guard, Some(validate))?;
            JitModule {
                guarded: Some(guarded),
                explicit: OnceLock::new(),
                source: Some(source),
                compiling: Mutex::new(()),
            }
        } else {
            let explicit = OnceLock::from(source.compile(info, MemoryMode::Explicit, Some(validate))?);
            JitModule { guarded: None, explicit, source: None, compiling: Mutex::new(()) }
        };
        Ok(Box::new(module))
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
        if self.over_budget.is_none() {
            self.over_budget = super::budget::over_budget(info, index.0, body);
        }
        let range = body.range();
        self.bodies.push(range.start as usize..range.end as usize);
        self.validators.push(validator);
        Ok(())
    }
}

/// What it takes to compile the module (again, in another memory mode).
pub(crate) struct Source {
    pub(crate) wasm: vm::SharedBytes,
    /// Where the defined functions' bodies are in `wasm`.
    pub(crate) bodies: Vec<Range<usize>>,
    pub(crate) features: WasmFeatures,
    pub(crate) parallel: bool,
    pub(crate) interrupts: Interrupts,
}

impl Source {
    fn compile(
        &self,
        info: &ModuleInfo,
        mode: MemoryMode,
        validate: Option<Validate<'_>>,
    ) -> Result<JitCode, CompileError> {
        let bodies: Vec<FunctionBody<'_>> = self
            .bodies
            .iter()
            .map(|r| {
                FunctionBody::new(BinaryReader::new_features(&self.wasm[r.clone()], r.start as u64, self.features))
            })
            .collect();
        let options = JitOptions { parallel: self.parallel, interrupts: self.interrupts, ..JitOptions::new(mode) };
        let compiled = compiler::compile_module(info, &bodies, validate, &options)?;
        JitCode::new(compiled, info.num_imported_funcs)
            .map_err(|e| crate::jit::unsupported(format!("could not load compiled code: {e:#}")))
    }
}

/// A module's machine code: the variant without bounds checks (for
/// instances whose memories are all guarded), and the one with them,
/// compiled when an instance first needs it and then kept.
pub(super) struct JitModule {
    pub(super) guarded: Option<JitCode>,
    pub(super) explicit: OnceLock<JitCode>,
    /// Kept while the variant with bounds checks may still be needed.
    pub(super) source: Option<Source>,
    /// Held while the variant with bounds checks is compiled, so it is
    /// compiled once.
    pub(super) compiling: Mutex<()>,
}

impl vm::CompiledCode for JitModule {
    fn for_memories(&self, info: &ModuleInfo, guarded: bool) -> Result<&(dyn vm::CodeVariant + 'static), CompileError> {
        if guarded {
            if let Some(code) = &self.guarded {
                return Ok(code);
            }
        }
        if let Some(code) = self.explicit.get() {
            return Ok(code);
        }
        let _one_at_a_time = self.compiling.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(code) = self.explicit.get() {
            return Ok(code);
        }
        let source = self.source.as_ref().expect("a module without the checked variant keeps its source");
        let code = source.compile(info, MemoryMode::Explicit, None)?;
        Ok(self.explicit.get_or_init(|| code))
    }
    fn frame_at(&self, pc: usize) -> Option<(u32, Option<usize>)> {
        self.guarded.iter().chain(self.explicit.get()).find_map(|code| code.frame_at(pc))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A module's mapped machine code.
pub(crate) struct JitCode {
    pub(super) memory: CodeMemory,
    pub(super) funcs: Vec<FuncRanges>,
    /// `(code offset, wasm offset)`: code from each code offset on belongs
    /// to the wasm instruction at that offset.
    pub(super) address_map: OffsetTable,
    pub(super) num_imported_funcs: u32,
    /// Kept to write the code out again (`Module::serialize`).
    pub(super) relocs: Vec<Relocation>,
    /// `(code offset, trap code)` of every trapping instruction.
    pub(super) traps: OffsetTable,
}

impl JitCode {
    fn new(compiled: Compiled, num_imported_funcs: u32) -> anyhow::Result<JitCode> {
        let memory = CodeMemory::new(&compiled)?;
        let traps = OffsetTable::from_entries(compiled.traps.iter().map(|(offset, trap)| (*offset, trap.code())));
        let address_map = OffsetTable::from_entries(compiled.address_map.iter().copied());
        Ok(JitCode::register(memory, compiled.funcs, address_map, num_imported_funcs, compiled.relocs, traps))
    }

    /// Makes mapped code known to the trap handler (until it is dropped).
    pub(super) fn register(
        memory: CodeMemory,
        funcs: Vec<FuncRanges>,
        address_map: OffsetTable,
        num_imported_funcs: u32,
        relocs: Vec<Relocation>,
        traps: OffsetTable,
    ) -> JitCode {
        let range = memory.range();
        vm::register_code(range.start, range.end, traps.clone());
        JitCode { memory, funcs, address_map, num_imported_funcs, relocs, traps }
    }
}

impl Drop for JitCode {
    fn drop(&mut self) {
        vm::unregister_code(self.memory.range().end);
    }
}

impl vm::CodeVariant for JitCode {
    fn array_call(&self, _func: DefinedFuncIndex) -> VMArrayCallFn {
        vm::native_array_call
    }
    fn wasm_call(&self, func: DefinedFuncIndex) -> *const u8 {
        self.memory.wasm_entry(func)
    }
    fn native_array_entry(&self, func: DefinedFuncIndex) -> *const u8 {
        self.memory.array_entry(func)
    }
}

impl JitCode {
    /// The function (index in the module) and wasm offset of the code at
    /// `pc`, if it is in one of this code's wasm functions.
    fn frame_at(&self, pc: usize) -> Option<(u32, Option<usize>)> {
        let offset = u32::try_from(pc.checked_sub(self.memory.range().start)?).ok()?;
        // Functions are laid out in order, so their wasm entries are sorted.
        let i = self.funcs.partition_point(|f| f.wasm.start <= offset).checked_sub(1)?;
        if !self.funcs[i].wasm.contains(&offset) {
            return None;
        }
        let wasm_offset = self.address_map.at_or_before(offset).map(|o| o as usize);
        Some((self.num_imported_funcs + i as u32, wasm_offset))
    }
}
