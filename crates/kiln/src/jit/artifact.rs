//! A JIT module's code inside a precompiled module (the format around it
//! is the API's `artifact.rs`): the code variant's function ranges,
//! relocations, trap sites and address map, then the machine code itself at
//! a page-aligned offset, so that loading a file maps the code straight
//! from it.

use super::code_memory::{CodeMemory, CodeSource};
use super::compiler::{FuncRanges, RelocTarget, Relocation};
use super::module_code::{JitCode, JitModule, Source};
use crate::compile::serial::{Reader, Writer};
use crate::compile::{DefinedFuncIndex, FuncIndex, FunctionCompiler, ModuleInfo};
use crate::vm::{self, OffsetTable};
use anyhow::{bail, Context as _, Result};
use cranelift_codegen::binemit::Reloc;
use cranelift_codegen::ir::LibCall;
use std::ops::Range;
use std::sync::{Mutex, OnceLock};
use wasmparser::{FuncToValidate, FunctionBody, ValidatorResources};

/// Alignment of the code in the file: the largest page size of the hosts
/// the JIT runs on (aarch64 Linux may use 64 KiB pages).
const CODE_ALIGN: usize = 64 * 1024;

/// The relocation kinds the loader applies, by their code in the file.
const RELOC_KINDS: [Reloc; 5] =
    [Reloc::Abs8, Reloc::X86CallPCRel4, Reloc::X86CallPLTRel4, Reloc::X86PCRel4, Reloc::Arm64Call];

/// The library calls compiled code may make, by their code in the file.
const LIBCALLS: [LibCall; 10] = [
    LibCall::CeilF32,
    LibCall::CeilF64,
    LibCall::FloorF32,
    LibCall::FloorF64,
    LibCall::TruncF32,
    LibCall::TruncF64,
    LibCall::NearestF32,
    LibCall::NearestF64,
    LibCall::FmaF32,
    LibCall::FmaF64,
];

/// The CPU features compiled code may use on this host, as `name=value`
/// pairs (Cranelift's ISA flags): an artifact records them, and another
/// host must have every feature it used.
pub(crate) fn host_features() -> Result<Vec<(String, String)>> {
    // The host does not change: detect once (the cache asks on every compile).
    static FEATURES: std::sync::OnceLock<std::result::Result<Vec<(String, String)>, String>> =
        std::sync::OnceLock::new();
    let features = FEATURES.get_or_init(|| {
        let isa = super::compiler::host_isa(false).map_err(|e| e.to_string())?;
        Ok(isa.isa_flags().iter().map(|v| (v.name.to_string(), v.value_string())).collect())
    });
    features.clone().map_err(anyhow::Error::msg)
}

/// Writes the code of `code` if it is the JIT's; false if it is not.
pub(crate) fn serialize(code: &dyn vm::CompiledCode, w: &mut Writer) -> bool {
    let Some(module) = code.as_any().downcast_ref::<JitModule>() else { return false };
    let (guarded, code) = match &module.guarded {
        Some(code) => (true, code),
        None => (false, module.explicit.get().expect("a module without the guarded variant has the checked one")),
    };
    w.bool(guarded);
    w.len(code.funcs.len());
    for f in &code.funcs {
        w.u32(f.wasm.start);
        w.u32(f.wasm.end);
        w.bool(f.array.is_some());
        let array = f.array.clone().unwrap_or(0..0);
        w.u32(array.start);
        w.u32(array.end);
    }
    w.len(code.relocs.len());
    for r in &code.relocs {
        w.u32(r.offset);
        w.u8(RELOC_KINDS.iter().position(|k| *k == r.kind).expect("the compiler emits only loadable relocations") as u8);
        let (tag, value) = match r.target {
            RelocTarget::Func(f) => (0, f.0),
            RelocTarget::LibCall(l) => (1, LIBCALLS.iter().position(|c| *c == l).expect("a provided libcall") as u32),
            RelocTarget::Code(offset) => (2, offset),
        };
        w.u8(tag);
        w.u32(value);
        w.i64(r.addend);
    }
    w.bytes(code.traps.as_bytes());
    w.bytes(code.address_map.as_bytes());
    let bytes = code.memory.bytes();
    w.u64(bytes.len() as u64);
    w.align(CODE_ALIGN);
    w.bytes.extend_from_slice(bytes);
    true
}

/// Where the bytes a `Reader` reads come from.
pub(crate) enum Backing<'a> {
    /// Memory: the code is copied into executable memory, the tables into
    /// buffers of their own.
    Bytes,
    /// A mapped file, the reader's input being all of it (`whole`): the
    /// code is mapped from `file`, the tables used in place.
    File { file: &'a std::fs::File, whole: vm::SharedBytes },
}

impl Backing<'_> {
    /// The bytes `slice` (of the reader's input) as shared bytes.
    fn share(&self, slice: &[u8]) -> vm::SharedBytes {
        match self {
            Backing::Bytes => slice.to_vec().into(),
            Backing::File { whole, .. } => {
                let start = slice.as_ptr() as usize - whole.as_ptr() as usize;
                whole.slice(start..start + slice.len())
            }
        }
    }
}

/// Reads the code `serialize` wrote, for a module described by `info`,
/// and maps it. The artifact is trusted (the API's deserialization is
/// `unsafe` for this reason); what is checked is that the code stays inside
/// itself and the module, so a truncated file is an error.
pub(crate) fn deserialize(
    info: &ModuleInfo,
    r: &mut Reader<'_>,
    backing: Backing<'_>,
    recompile: Source,
) -> Result<Box<dyn vm::CompiledCode>> {
    let guarded = r.bool()?;
    let n = r.len(17)?;
    if n != info.funcs.len() - info.num_imported_funcs as usize {
        bail!("the precompiled code does not match the module (function count)");
    }
    let mut funcs = Vec::with_capacity(n);
    for _ in 0..n {
        let wasm = r.u32()?..r.u32()?;
        let has_array = r.bool()?;
        let array = r.u32()?..r.u32()?;
        funcs.push(FuncRanges { wasm, array: has_array.then_some(array) });
    }
    let n = r.len(18)?;
    let mut relocs = Vec::with_capacity(n);
    for _ in 0..n {
        let offset = r.u32()?;
        let kind = *RELOC_KINDS.get(r.u8()? as usize).context("unknown relocation kind in precompiled code")?;
        let (tag, value) = (r.u8()?, r.u32()?);
        let target = match tag {
            0 => RelocTarget::Func(DefinedFuncIndex(value)),
            1 => RelocTarget::LibCall(*LIBCALLS.get(value as usize).context("unknown library call")?),
            2 => RelocTarget::Code(value),
            _ => bail!("unknown relocation target in precompiled code"),
        };
        relocs.push(Relocation { offset, kind, target, addend: r.i64()? });
    }
    let table = |r: &mut Reader<'_>| -> Result<OffsetTable> {
        let bytes = backing.share(r.bytes()?);
        OffsetTable::from_bytes(bytes).context("the precompiled module is corrupt (a table of the wrong size)")
    };
    let traps = table(r)?;
    let address_map = table(r)?;
    let len = usize::try_from(r.u64()?).context("precompiled code too large")?;
    r.seek(r.position().next_multiple_of(CODE_ALIGN))?;
    let offset = r.position();
    let bytes = r.take(len)?;
    let source = match &backing {
        Backing::Bytes => CodeSource::Bytes(bytes),
        Backing::File { file, .. } => CodeSource::File { file, offset: offset as u64, len },
    };
    let memory = CodeMemory::load(source, &funcs, &relocs)?;
    let code = JitCode::register(memory, funcs, address_map, info.num_imported_funcs, relocs, traps);
    let module = if guarded {
        JitModule { guarded: Some(code), explicit: OnceLock::new(), source: Some(recompile), compiling: Mutex::new(()) }
    } else {
        JitModule { guarded: None, explicit: OnceLock::from(code), source: None, compiling: Mutex::new(()) }
    };
    Ok(Box::new(module))
}

/// Records where the function bodies are, without validating or compiling
/// them: for a precompiled module, whose bodies were validated when it was
/// compiled.
#[derive(Default)]
pub(crate) struct BodyRanges {
    pub(crate) bodies: Vec<Range<usize>>,
}

impl FunctionCompiler for BodyRanges {
    fn function(
        &mut self,
        _info: &ModuleInfo,
        _index: FuncIndex,
        body: &FunctionBody<'_>,
        _validator: FuncToValidate<ValidatorResources>,
    ) -> Result<(), crate::compile::CompileError> {
        let range = body.range();
        self.bodies.push(range.start as usize..range.end as usize);
        Ok(())
    }
}
