//! The spec suite's SIMD and relaxed-SIMD `assert_return`s, checked against
//! this module alone before any executor runs SIMD: a small stack machine
//! evaluates the exported functions made only of local accesses, constants
//! and SIMD instructions that do not touch memory (most of the suite's are
//! `(op (local.get 0) (local.get 1))`); the others are skipped and counted.
//!
//! The suite is found as the spec test finds it: `$KILN_TESTSUITE`, else
//! `shared/wasm-testsuite` beside the checkout.

use super::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use wasmparser::{ExternalKind, Payload};
use wast::core::{NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, Wast, WastArg, WastDirective, WastExecute, WastRet};

/// One step of a function this harness can run.
#[derive(Clone, Copy)]
enum Instr {
    LocalGet(u32),
    LocalSet(u32),
    LocalTee(u32),
    Drop,
    /// A scalar constant, in slot encoding.
    Const(u128),
    Simd(SimdOp),
}

/// An exported function this harness can run.
struct Func {
    params: usize,
    locals: usize,
    body: Vec<Instr>,
}

/// The runnable exported functions of a module, by export name; a function
/// missing from the map is skipped.
fn load(bytes: &[u8]) -> wasmparser::Result<HashMap<String, Func>> {
    let mut types = Vec::new();
    let mut func_types = Vec::new();
    let mut exports = HashMap::new();
    let mut funcs = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload? {
            // Imported functions would shift the indices; no SIMD test of
            // an instruction's result needs one.
            Payload::ImportSection(_) => return Ok(HashMap::new()),
            Payload::TypeSection(r) => {
                for ty in r.into_iter_err_on_gc_types() {
                    types.push(ty?.params().len());
                }
            }
            Payload::FunctionSection(r) => {
                for ty in r {
                    func_types.push(ty?);
                }
            }
            Payload::ExportSection(r) => {
                for e in r {
                    let e = e?;
                    if e.kind == ExternalKind::Func {
                        exports.insert(e.index as usize, e.name.to_string());
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                let params = types[func_types[funcs.len()] as usize];
                let mut locals = params;
                for l in body.get_locals_reader()? {
                    locals += l?.0 as usize;
                }
                funcs.push(translate(&body)?.map(|body| Func { params, locals, body }));
            }
            _ => {}
        }
    }
    let mut runnable = HashMap::new();
    for (i, f) in funcs.into_iter().enumerate() {
        if let (Some(f), Some(name)) = (f, exports.remove(&i)) {
            runnable.insert(name, f);
        }
    }
    Ok(runnable)
}

/// The body as `Instr`s, or `None` if it holds anything else.
fn translate(body: &wasmparser::FunctionBody<'_>) -> wasmparser::Result<Option<Vec<Instr>>> {
    use wasmparser::Operator as O;
    let mut ops = body.get_operators_reader()?;
    let mut out = Vec::new();
    while !ops.eof() {
        let op = ops.read()?;
        out.push(match op {
            O::LocalGet { local_index } => Instr::LocalGet(local_index),
            O::LocalSet { local_index } => Instr::LocalSet(local_index),
            O::LocalTee { local_index } => Instr::LocalTee(local_index),
            O::Drop => Instr::Drop,
            O::Nop => continue,
            O::End if ops.eof() => continue,
            O::I32Const { value } => Instr::Const(value as u32 as u128),
            O::I64Const { value } => Instr::Const(value as u64 as u128),
            O::F32Const { value } => Instr::Const(value.bits() as u128),
            O::F64Const { value } => Instr::Const(value.bits() as u128),
            _ => match classify(&op) {
                Some(SimdOp::Load(..) | SimdOp::Store(..) | SimdOp::LoadLane(..) | SimdOp::StoreLane(..)) | None => {
                    return Ok(None)
                }
                Some(simd) => Instr::Simd(simd),
            },
        });
    }
    Ok(Some(out))
}

/// Runs `f` on `args` (slot encoding, v128s whole); the values it leaves.
fn run(f: &Func, args: &[u128]) -> Vec<u128> {
    let mut locals = args.to_vec();
    locals.resize(f.locals, 0);
    let mut stack: Vec<u128> = Vec::new();
    let s = &mut stack;
    let pop = |s: &mut Vec<u128>| s.pop().expect("the function was validated");
    for &instr in &f.body {
        let value = match instr {
            Instr::LocalGet(i) => locals[i as usize],
            Instr::LocalSet(i) => {
                locals[i as usize] = pop(s);
                continue;
            }
            Instr::LocalTee(i) => {
                locals[i as usize] = *s.last().unwrap();
                continue;
            }
            Instr::Drop => {
                pop(s);
                continue;
            }
            Instr::Const(v) => v,
            Instr::Simd(op) => match op {
                SimdOp::Const(v) => v,
                SimdOp::Unary(k) => k.eval(pop(s)),
                SimdOp::Binary(k) => {
                    let b = pop(s);
                    k.eval(pop(s), b)
                }
                SimdOp::Ternary(k) => {
                    let c = pop(s);
                    let b = pop(s);
                    k.eval(pop(s), b, c)
                }
                SimdOp::Shift(k) => {
                    let n = pop(s) as u32;
                    k.eval(pop(s), n)
                }
                SimdOp::Splat(k) => k.eval(pop(s) as u64),
                SimdOp::Extract(k, lane) => k.eval(pop(s), lane) as u128,
                SimdOp::Replace(k, lane) => {
                    let x = pop(s) as u64;
                    k.eval(pop(s), x, lane)
                }
                SimdOp::Test(k) => k.eval(pop(s)) as u128,
                SimdOp::Shuffle(lanes) => {
                    let b = pop(s);
                    shuffle(pop(s), b, lanes)
                }
                SimdOp::Load(..) | SimdOp::Store(..) | SimdOp::LoadLane(..) | SimdOp::StoreLane(..) => {
                    unreachable!("memory instructions are not translated")
                }
            },
        };
        s.push(value);
    }
    stack
}

/// An argument in slot encoding, or `None` for a reference.
fn arg(a: &WastArg<'_>) -> Option<u128> {
    Some(match a {
        WastArg::Core(WastArgCore::I32(x)) => *x as u32 as u128,
        WastArg::Core(WastArgCore::I64(x)) => *x as u64 as u128,
        WastArg::Core(WastArgCore::F32(x)) => x.bits as u128,
        WastArg::Core(WastArgCore::F64(x)) => x.bits as u128,
        WastArg::Core(WastArgCore::V128(x)) => u128::from_le_bytes(x.to_le_bytes()),
        _ => return None,
    })
}

/// Whether the f32 bits `got` match `want`.
fn f32_matches(got: u32, want: &NanPattern<wast::token::F32>) -> bool {
    match want {
        NanPattern::CanonicalNan => got & 0x7fff_ffff == 0x7fc0_0000,
        NanPattern::ArithmeticNan => got & 0x7fc0_0000 == 0x7fc0_0000,
        NanPattern::Value(v) => got == v.bits,
    }
}

/// Whether the f64 bits `got` match `want`.
fn f64_matches(got: u64, want: &NanPattern<wast::token::F64>) -> bool {
    const QUIET: u64 = 0x7ff8_0000_0000_0000;
    match want {
        NanPattern::CanonicalNan => got & !(1 << 63) == QUIET,
        NanPattern::ArithmeticNan => got & QUIET == QUIET,
        NanPattern::Value(v) => got == v.bits,
    }
}

/// Whether the value `got` (slot encoding for scalars: the high bits must
/// be zero) matches `want`; `None` for a reference result.
fn matches(got: u128, want: &WastRetCore<'_>) -> Option<bool> {
    Some(match want {
        WastRetCore::I32(x) => got == *x as u32 as u128,
        WastRetCore::I64(x) => got == *x as u64 as u128,
        WastRetCore::F32(p) => got >> 32 == 0 && f32_matches(got as u32, p),
        WastRetCore::F64(p) => got >> 64 == 0 && f64_matches(got as u64, p),
        WastRetCore::V128(V128Pattern::I8x16(l)) => got == lanes::from_i8x16(*l),
        WastRetCore::V128(V128Pattern::I16x8(l)) => got == lanes::from_i16x8(*l),
        WastRetCore::V128(V128Pattern::I32x4(l)) => got == lanes::from_i32x4(*l),
        WastRetCore::V128(V128Pattern::I64x2(l)) => got == lanes::from_i64x2(*l),
        WastRetCore::V128(V128Pattern::F32x4(l)) => lanes::u32x4(got).iter().zip(l).all(|(&g, p)| f32_matches(g, p)),
        WastRetCore::V128(V128Pattern::F64x2(l)) => lanes::u64x2(got).iter().zip(l).all(|(&g, p)| f64_matches(g, p)),
        // The relaxed instructions' results where hosts may differ.
        WastRetCore::Either(alternatives) => {
            let each: Option<Vec<bool>> = alternatives.iter().map(|w| matches(got, w)).collect();
            each?.contains(&true)
        }
        _ => return None,
    })
}

/// What one file's assertions came to.
#[derive(Default)]
struct Tally {
    passed: usize,
    skipped: usize,
    failures: Vec<String>,
}

/// Checks the `assert_return`s of one `.wast` file.
fn check_file(path: &Path, tally: &mut Tally) {
    let text = std::fs::read_to_string(path).unwrap();
    let buf = ParseBuffer::new(&text).unwrap();
    let wast: Wast<'_> = parser::parse(&buf).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut module = HashMap::new();
    for directive in wast.directives {
        match directive {
            WastDirective::Module(mut wat) => {
                module = match &wat {
                    QuoteWat::Wat(_) => load(&wat.encode().unwrap()).unwrap(),
                    _ => HashMap::new(),
                };
            }
            WastDirective::ModuleDefinition(_) | WastDirective::ModuleInstance { .. } => module = HashMap::new(),
            WastDirective::AssertReturn { span, exec: WastExecute::Invoke(invoke), results } => {
                let (line, _) = span.linecol_in(&text);
                let args: Option<Vec<u128>> = invoke.args.iter().map(arg).collect();
                let (Some(f), Some(args), None) = (module.get(invoke.name), args, invoke.module) else {
                    tally.skipped += 1;
                    continue;
                };
                assert_eq!(args.len(), f.params);
                let got = run(f, &args);
                let ok: Option<Vec<bool>> = got
                    .iter()
                    .zip(&results)
                    .map(|(&g, w)| match w {
                        WastRet::Core(w) => matches(g, w),
                        _ => None,
                    })
                    .collect();
                match ok {
                    None => tally.skipped += 1,
                    Some(ok) if ok.len() == results.len() && ok.iter().all(|&b| b) => tally.passed += 1,
                    Some(_) => tally.failures.push(format!(
                        "{}:{}: {}: got {:x?}, want {:?}",
                        path.display(),
                        line + 1,
                        invoke.name,
                        got,
                        results
                    )),
                }
            }
            WastDirective::AssertReturn { .. } => tally.skipped += 1,
            _ => {}
        }
    }
}

#[test]
fn spec_suite_simd_assertions() {
    let suite = match std::env::var_os("KILN_TESTSUITE") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/wasm-testsuite"),
    };
    if !suite.exists() {
        assert!(std::env::var_os("CI").is_none(), "the spec suite was not found: set KILN_TESTSUITE");
        eprintln!("spec suite not found (set KILN_TESTSUITE); skipping");
        return;
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&suite)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.ends_with(".wast") && (name.starts_with("simd_") || name.contains("relaxed"))
        })
        .collect();
    files.sort();
    let mut tally = Tally::default();
    for file in &files {
        let (passed, skipped) = (tally.passed, tally.skipped);
        check_file(file, &mut tally);
        let name = file.file_name().unwrap().to_string_lossy();
        println!("{name}: {} passed, {} skipped", tally.passed - passed, tally.skipped - skipped);
    }
    println!("{} SIMD assertions passed, {} skipped, in {} files", tally.passed, tally.skipped, files.len());
    assert!(tally.failures.is_empty(), "{} failed:\n{}", tally.failures.len(), tally.failures.join("\n"));
    // Most of the suite is runnable here; a harness that skipped it all
    // would prove nothing.
    assert!(tally.passed > 20_000, "only {} assertions ran", tally.passed);
}
