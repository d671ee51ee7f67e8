//! Compiles every defined function of a module with Cranelift, in parallel,
//! into one position-independent blob plus what is needed to link and run
//! it: per-function entry ranges, relocations, the trap table and a map back
//! to wasm bytecode offsets.

use super::translate::{array_signature, ir_type, translate_function, wasm_signature, MemoryMode, ModuleEnv, PTR};
use super::traps::trap_for_code;
use crate::compile::Interrupts;
use crate::compile::{CompileError, DefinedFuncIndex, ModuleInfo};
use crate::Trap;
use cranelift_codegen::binemit::Reloc;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{
    types, ExtFuncData, ExternalName, Function, InstBuilder, LibCall, MemFlagsData, UserExternalName, UserFuncName,
};
use cranelift_codegen::isa::{OwnedTargetIsa, TargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::{Context, FinalizedRelocTarget};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use wasmparser::{FuncToValidate, FuncValidatorAllocations, FunctionBody, ValidatorResources};

/// How to compile a module.
#[derive(Clone, Copy, Debug)]
pub(crate) struct JitOptions {
    /// Bounds-check style for linear memory accesses.
    pub(crate) mode: MemoryMode,
    /// Run Cranelift's IR verifier on every function (slow; for tests and
    /// debug builds).
    pub(crate) verify: bool,
    /// Compile on every core (`Config::parallel_compilation`), or on the
    /// calling thread only.
    pub(crate) parallel: bool,
    /// The fuel and epoch checks the code carries.
    pub(crate) interrupts: Interrupts,
}

impl JitOptions {
    /// Memory accesses compiled as `mode`; the verifier on in debug
    /// builds; in parallel.
    pub(crate) fn new(mode: MemoryMode) -> JitOptions {
        JitOptions { mode, verify: cfg!(debug_assertions), parallel: true, interrupts: Interrupts::default() }
    }
}

/// Where one defined function's two entries are in the blob.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FuncRanges {
    /// The wasm-call entry: `(callee_vmctx, caller_vmctx, params...) -> results`.
    pub(crate) wasm: Range<u32>,
    /// The array-call entry (`vm::vmcontext::VMArrayCallFn`), for functions
    /// that can be called other than directly (`ModuleInfo::escaping_funcs`).
    pub(crate) array: Option<Range<u32>>,
}

/// What a relocation refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RelocTarget {
    /// The wasm entry of a defined function.
    Func(DefinedFuncIndex),
    /// A Cranelift library routine (float rounding without SSE4.1, ...).
    LibCall(LibCall),
    /// An offset in the blob itself.
    Code(u32),
}

/// A place in the blob to patch with a target's address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Relocation {
    /// Offset in the blob of the bytes to patch.
    pub(crate) offset: u32,
    pub(crate) kind: Reloc,
    pub(crate) target: RelocTarget,
    pub(crate) addend: i64,
}

/// A module's compiled code, not yet mapped.
#[derive(Clone, Debug, Default)]
pub(crate) struct CompiledCode {
    /// Machine code of every function, each aligned for the ISA.
    pub(crate) code: Vec<u8>,
    /// Entry ranges, by defined function index.
    pub(crate) funcs: Vec<FuncRanges>,
    pub(crate) relocs: Vec<Relocation>,
    /// Offsets of trapping instructions and what they mean, sorted by offset.
    pub(crate) traps: Vec<(u32, Trap)>,
    /// `(code offset, wasm offset)`: code from each code offset on belongs
    /// to the wasm instruction at that byte offset of the module, sorted.
    pub(crate) address_map: Vec<(u32, u32)>,
}

/// One compiled Cranelift function before it is placed in the blob.
struct Piece {
    code: Vec<u8>,
    relocs: Vec<(u32, Reloc, PieceTarget, i64)>,
    traps: Vec<(u32, Trap)>,
    srclocs: Vec<(u32, u32)>,
}

/// A function's wasm entry and array entry, or why it did not compile.
type FuncResult = Result<(Piece, Option<Piece>), CompileError>;

enum PieceTarget {
    Func(DefinedFuncIndex),
    LibCall(LibCall),
    SelfOffset(u32),
}

/// What validating the bodies takes, when they have not been validated yet:
/// each compiling thread validates a body before translating it.
#[derive(Clone, Copy)]
pub(crate) struct Validate<'a> {
    /// One per defined function, in order.
    pub(crate) funcs: &'a [FuncToValidate<ValidatorResources>],
    pub(crate) wasm2_encoding: bool,
}

impl Validate<'_> {
    fn body(
        &self,
        i: usize,
        body: &FunctionBody<'_>,
        allocs: &mut FuncValidatorAllocations,
    ) -> Result<(), CompileError> {
        let f = &self.funcs[i];
        let to_validate =
            FuncToValidate { resources: f.resources.clone(), index: f.index, ty: f.ty, features: f.features };
        let mut validator = to_validate.into_validator(std::mem::take(allocs));
        let result = crate::compile::validate_body(body, &mut validator, self.wasm2_encoding);
        *allocs = validator.into_allocations();
        result
    }
}

/// Compiles every defined function of a module, given the bodies of its
/// defined functions in order, validating each first when `validate` says
/// how (the first invalid body in module order is the error).
pub(crate) fn compile_module(
    info: &ModuleInfo,
    bodies: &[FunctionBody<'_>],
    validate: Option<Validate<'_>>,
    options: &JitOptions,
) -> Result<CompiledCode, CompileError> {
    let isa = host_isa(options.verify)?;
    let num_defined = info.funcs.len() - info.num_imported_funcs as usize;
    if bodies.len() != num_defined {
        return Err(crate::jit::unsupported("function bodies do not match the module description"));
    }
    let env = ModuleEnv {
        info,
        offsets: &info.offsets,
        mode: options.mode,
        host_cc: isa.default_call_conv(),
        frontend: isa.frontend_config(),
        interrupts: options.interrupts,
    };

    let escaping = info.escaping_funcs();
    // Workers take functions in turn from a shared counter; results are
    // put back in index order, so the output does not depend on scheduling.
    let cores = if options.parallel { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { 1 };
    let threads = cores.min(bodies.len()).max(1);
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, FuncResult)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut ctx = Context::new();
                    let mut fctx = FunctionBuilderContext::new();
                    let mut allocs = FuncValidatorAllocations::default();
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= bodies.len() {
                            break done;
                        }
                        let func_index = info.num_imported_funcs + i as u32;
                        let valid = match validate {
                            Some(v) => v.body(i, &bodies[i], &mut allocs),
                            None => Ok(()),
                        };
                        let array = escaping[func_index as usize];
                        let result = valid.and_then(|()| {
                            compile_one(&*isa, &env, func_index, &bodies[i], array, &mut ctx, &mut fctx)
                        });
                        done.push((i, result));
                    }
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().expect("a compiler thread panicked")).collect()
    });
    results.sort_by_key(|(i, _)| *i);

    let align = isa.function_alignment().preferred.max(16) as usize;
    let mut out = CompiledCode::default();
    for (_, result) in results {
        let (wasm_piece, array_piece) = result?;
        let wasm_range = place(&mut out, wasm_piece, align);
        let array_range = array_piece.map(|piece| place(&mut out, piece, align));
        out.funcs.push(FuncRanges { wasm: wasm_range, array: array_range });
    }
    resolve_internal_relocs(&mut out)?;
    out.traps.sort_by_key(|(offset, _)| *offset);
    out.address_map.sort_by_key(|(offset, _)| *offset);
    Ok(out)
}

/// Patches the relocations that are relative to a place in the blob itself
/// (calls between the module's functions, jump tables), which do not
/// depend on where the blob is mapped; only the others (library routines,
/// absolute addresses) are left for the loader. Loaded code then has
/// nothing to patch on most pages, so a precompiled module's code can be
/// used straight from the page cache.
fn resolve_internal_relocs(out: &mut CompiledCode) -> Result<(), CompileError> {
    let relocs = std::mem::take(&mut out.relocs);
    for reloc in relocs {
        let target = match reloc.target {
            _ if reloc.kind == Reloc::Abs8 => None,
            RelocTarget::Func(f) => Some(out.funcs[f.index()].wasm.start),
            RelocTarget::Code(offset) => Some(offset),
            RelocTarget::LibCall(_) => None,
        };
        match target {
            Some(target) => {
                super::code_memory::patch(&mut out.code, 0, reloc.offset, reloc.kind, target as u64, reloc.addend)
                    .map_err(|e| crate::jit::unsupported(format!("{e:#}")))?
            }
            None => out.relocs.push(reloc),
        }
    }
    Ok(())
}

/// Appends a piece at the next aligned offset; returns its range.
fn place(out: &mut CompiledCode, piece: Piece, align: usize) -> Range<u32> {
    let start = out.code.len().next_multiple_of(align);
    out.code.resize(start, 0);
    out.code.extend_from_slice(&piece.code);
    let start32 = start as u32;
    for (offset, kind, target, addend) in piece.relocs {
        let target = match target {
            PieceTarget::Func(f) => RelocTarget::Func(f),
            PieceTarget::LibCall(l) => RelocTarget::LibCall(l),
            PieceTarget::SelfOffset(o) => RelocTarget::Code(start32 + o),
        };
        out.relocs.push(Relocation { offset: start32 + offset, kind, target, addend });
    }
    out.traps.extend(piece.traps.into_iter().map(|(o, t)| (start32 + o, t)));
    out.address_map.extend(piece.srclocs.into_iter().map(|(o, w)| (start32 + o, w)));
    start32..out.code.len() as u32
}

/// The host's ISA with Kiln's settings.
pub(super) fn host_isa(verify: bool) -> Result<OwnedTargetIsa, CompileError> {
    let err = |e: String| crate::jit::unsupported(format!("Cranelift cannot target this host: {e}"));
    let mut flags = settings::builder();
    for (name, value) in [
        ("opt_level", "speed"),
        ("preserve_frame_pointers", "true"),
        // More results than return registers go through a return area.
        ("enable_multi_ret_implicit_sret", "true"),
        ("enable_verifier", if verify { "true" } else { "false" }),
    ] {
        flags.set(name, value).map_err(|e| err(e.to_string()))?;
    }
    let builder = cranelift_native::builder().map_err(|e| err(e.to_string()))?;
    let isa = builder.finish(settings::Flags::new(flags)).map_err(|e| err(e.to_string()))?;
    if isa.pointer_type() != PTR {
        return Err(err("only 64-bit hosts are supported".to_string()));
    }
    Ok(isa)
}

/// Compiles function `func_index`'s wasm entry and array entry.
fn compile_one(
    isa: &dyn TargetIsa,
    env: &ModuleEnv<'_>,
    func_index: u32,
    body: &FunctionBody<'_>,
    with_array_entry: bool,
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
) -> Result<(Piece, Option<Piece>), CompileError> {
    let ty = env.info.func_type(func_index);

    ctx.clear();
    ctx.func = Function::with_name_signature(UserFuncName::user(0, func_index), wasm_signature(ty)?);
    translate_function(env, func_index, body, &mut ctx.func, fctx)
        .map_err(|e| CompileError::new(e.kind(), format!("function {func_index}: {}", e.message()), e.offset()))?;
    let wasm_piece = finish(isa, ctx, func_index, env)?;
    if !with_array_entry {
        // Only ever called directly by the module's own code.
        return Ok((wasm_piece, None));
    }

    ctx.clear();
    ctx.func = Function::with_name_signature(UserFuncName::user(1, func_index), array_signature(env.host_cc));
    build_array_entry(env, func_index, &mut ctx.func, fctx)?;
    let array_piece = finish(isa, ctx, func_index, env)?;
    Ok((wasm_piece, Some(array_piece)))
}

/// Runs Cranelift on `ctx.func` and collects the result.
fn finish(isa: &dyn TargetIsa, ctx: &mut Context, func_index: u32, env: &ModuleEnv<'_>) -> Result<Piece, CompileError> {
    ctx.compile(isa, &mut ControlPlane::default())
        .map_err(|e| crate::jit::unsupported(format!("Cranelift failed on function {func_index}: {:?}", e.inner)))?;
    let compiled = ctx.compiled_code().expect("compiled just now");
    let buffer = &compiled.buffer;
    let num_imported = env.info.num_imported_funcs;
    let mut relocs = Vec::new();
    for r in buffer.relocs() {
        let target = match &r.target {
            FinalizedRelocTarget::ExternalName(ExternalName::User(name)) => {
                let UserExternalName { index, .. } = ctx.func.params.user_named_funcs()[*name];
                PieceTarget::Func(DefinedFuncIndex(index - num_imported))
            }
            FinalizedRelocTarget::ExternalName(ExternalName::LibCall(l)) => PieceTarget::LibCall(*l),
            FinalizedRelocTarget::Func(offset) => PieceTarget::SelfOffset(*offset),
            other => {
                return Err(crate::jit::unsupported(format!(
                    "unexpected relocation target {other:?} in function {func_index}"
                )))
            }
        };
        relocs.push((r.offset, r.kind, target, r.addend));
    }
    let mut traps = Vec::new();
    for t in buffer.traps() {
        let trap = trap_for_code(t.code).ok_or_else(|| {
            crate::jit::unsupported(format!("unexpected trap code {} in function {func_index}", t.code))
        })?;
        traps.push((t.offset, trap));
    }
    let srclocs =
        buffer.get_srclocs_sorted().iter().filter(|s| !s.loc.is_default()).map(|s| (s.start, s.loc.bits())).collect();
    Ok(Piece { code: buffer.data().to_vec(), relocs, traps, srclocs })
}

/// The array-call entry of function `func_index`: reads the parameters
/// from the `ValRaw` buffer, calls the wasm entry directly, writes the
/// results back and returns `true`. (A trap unwinds past it.)
fn build_array_entry(
    env: &ModuleEnv<'_>,
    func_index: u32,
    func: &mut Function,
    fctx: &mut FunctionBuilderContext,
) -> Result<(), CompileError> {
    let ty = env.info.func_type(func_index);
    let wasm_sig = wasm_signature(ty)?;
    let mut b = FunctionBuilder::new(func, fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let params = b.block_params(entry).to_vec();
    let (func_ref, caller, buffer) = (params[0], params[1], params[2]);

    let vmctx = b.ins().load(PTR, MemFlagsData::trusted(), func_ref, env.offsets.func_ref_vmctx() as i32);
    let mut args = vec![vmctx, caller];
    for (i, p) in ty.params().iter().enumerate() {
        args.push(b.ins().load(ir_type(p)?, MemFlagsData::trusted(), buffer, i as i32 * 16));
    }
    let sig = b.import_signature(wasm_sig);
    let name = b.func.declare_imported_user_function(UserExternalName::new(0, func_index));
    let callee = b.import_function(ExtFuncData {
        name: ExternalName::user(name),
        signature: sig,
        colocated: true,
        patchable: false,
    });
    let call = b.ins().call(callee, &args);
    let results = b.inst_results(call).to_vec();
    for (i, r) in results.into_iter().enumerate() {
        super::translate::store_valraw(&mut b, r, buffer, i as u32 * 16);
    }
    let ok = b.ins().iconst(types::I8, 1);
    b.ins().return_(&[ok]);
    b.finalize(env.frontend);
    Ok(())
}
