//! Tests of the Cranelift tier: every function of the spec suites compiles
//! (with the IR verifier on) in both memory modes, and a few pure functions
//! run through their array entries.

use super::code_memory::CodeMemory;
use super::compiler::{compile_module, JitOptions};
use super::MemoryMode;
use crate::compile::{self, DefinedFuncIndex, EntityIndex, VMCounts, VMOffsets};
use crate::{Config, Engine};
use std::path::Path;
use wasmparser::WasmFeatures;

/// The features a module was decoded with (as `compile::compile` does).
fn decoding_features(engine: &Engine) -> WasmFeatures {
    compile::decoding_features(engine.config())
}

/// The bodies of the defined functions of `wasm`, in order.
fn bodies(wasm: &[u8], features: WasmFeatures) -> Vec<wasmparser::FunctionBody<'_>> {
    let mut parser = wasmparser::Parser::new(0);
    parser.set_features(features);
    parser
        .parse_all(wasm)
        .filter_map(|p| match p.unwrap() {
            wasmparser::Payload::CodeSectionEntry(body) => Some(body),
            _ => None,
        })
        .collect()
}

/// The binary of every `(module ...)` of a `.wast` file.
fn wast_modules(path: &Path) -> Vec<Vec<u8>> {
    let text = std::fs::read_to_string(path).unwrap();
    let Ok(buf) = wast::parser::ParseBuffer::new(&text) else { return Vec::new() };
    let Ok(wast) = wast::parser::parse::<wast::Wast<'_>>(&buf) else { return Vec::new() };
    let mut out = Vec::new();
    for directive in wast.directives {
        if let wast::WastDirective::Module(mut m) | wast::WastDirective::ModuleDefinition(mut m) = directive {
            if let Ok(bytes) = m.encode() {
                out.push(bytes);
            }
        }
    }
    out
}

/// Compiles every module of `files` with the JIT in both modes; returns
/// the number of functions compiled per mode.
fn compile_suite(engine: &Engine, files: &[std::path::PathBuf], failures: &mut Vec<String>) -> usize {
    let features = decoding_features(engine);
    let mut functions = 0;
    let mut refused = 0;
    for path in files {
        for (i, bytes) in wast_modules(path).iter().enumerate() {
            // Modules Kiln's front end refuses are not the JIT's business.
            let Ok(compiled) = compile::compile(engine, bytes, &mut compile::ValidateOnly) else {
                refused += 1;
                continue;
            };
            for mode in [MemoryMode::Explicit, MemoryMode::Guard] {
                let options = JitOptions { mode, verify: true, parallel: true, interrupts: Default::default() };
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    compile_module(&compiled, &bodies(bytes, features), None, &options)
                }));
                match result {
                    Ok(Ok(code)) => {
                        assert_eq!(code.funcs.len(), compiled.funcs.len() - compiled.num_imported_funcs as usize);
                        if mode == MemoryMode::Explicit {
                            functions += code.funcs.len();
                        }
                    }
                    Ok(Err(e)) => failures.push(format!("{} module {i} ({mode:?}): {e}", path.display())),
                    Err(_) => failures.push(format!("{} module {i} ({mode:?}): panicked", path.display())),
                }
            }
        }
    }
    println!("({refused} modules refused by the front end were skipped)");
    functions
}

#[test]
fn jit_compiles_spec_suites() {
    // Found as the spec test finds them: `KILN_TESTSUITE(_2_0)`, else
    // `shared/` beside the checkout. CI must have them.
    let locate = |var: &str, default: &str| match std::env::var_os(var) {
        Some(p) => std::path::PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..").join("shared").join(default),
    };
    let suite2 = locate("KILN_TESTSUITE_2_0", "wasm-testsuite-2.0");
    let suite3 = locate("KILN_TESTSUITE", "wasm-testsuite");
    if !suite2.exists() || !suite3.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "the spec suites were not found: set KILN_TESTSUITE and KILN_TESTSUITE_2_0"
        );
        eprintln!("spec suites not found (set KILN_TESTSUITE and KILN_TESTSUITE_2_0); skipping");
        return;
    }
    let mut files2: Vec<_> = std::fs::read_dir(&suite2)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wast"))
        .collect();
    files2.sort();
    let wanted = [
        "mvp",
        "sign-ext",
        "nontrapping-fptoint",
        "multi-value",
        "bulk-memory",
        "reference-types",
        "simd",
        "relaxed-simd",
    ];
    let tsv = std::fs::read_to_string(suite3.join("FEATURES.tsv")).unwrap();
    let files3: Vec<_> = tsv
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .filter(|(_, feature)| wanted.contains(&feature.trim()))
        .map(|(file, _)| suite3.join(file))
        .collect();

    let mut config = Config::new();
    config.wasm_simd(true).wasm_relaxed_simd(true);
    let engine3 = Engine::new(&config).unwrap();
    config.wasm2_encoding(true);
    let engine2 = Engine::new(&config).unwrap();
    let mut failures = Vec::new();
    let n2 = compile_suite(&engine2, &files2, &mut failures);
    let n3 = compile_suite(&engine3, &files3, &mut failures);
    println!("JIT compiled {n2} functions of the 2.0 suite and {n3} of the 3.0 suite, in each memory mode");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    assert!(n2 > 1000 && n3 > 1000);
}

/// A fake instance context: zeroed, with a store context whose stack limit
/// is 0 and a `VMFuncRef` per defined function pointing back at it.
struct FakeInstance {
    vmctx: Vec<u128>,
    _store_context: Box<[usize; 8]>,
    offsets: VMOffsets,
}

impl FakeInstance {
    fn new(info: &compile::ModuleInfo) -> FakeInstance {
        let offsets = VMOffsets::new(VMCounts {
            defined_funcs: (info.funcs.len() - info.num_imported_funcs as usize) as u32,
            ..VMCounts::default()
        });
        let mut vmctx = vec![0u128; (offsets.size() as usize).div_ceil(16)];
        let store_context = Box::new([0usize; 8]);
        let base = vmctx.as_mut_ptr().cast::<u8>();
        let write = |at: u32, value: usize| {
            // SAFETY: every offset written is inside the context's
            // allocation (VMOffsets says so) and pointer-aligned.
            unsafe { base.add(at as usize).cast::<usize>().write(value) };
        };
        write(offsets.vmctx_store_context(), &*store_context as *const _ as usize);
        for f in 0..offsets.num_defined_funcs {
            write(offsets.vmctx_func_ref(DefinedFuncIndex(f)) + offsets.func_ref_vmctx(), base as usize);
        }
        FakeInstance { vmctx, _store_context: store_context, offsets }
    }

    /// Calls export `name` through its array entry; returns the buffer.
    fn call(&mut self, code: &CodeMemory, info: &compile::ModuleInfo, name: &str, args: &[u128]) -> Vec<u128> {
        let Some(EntityIndex::Func(index)) = info.export(name) else { panic!("no function {name}") };
        let f = DefinedFuncIndex(index - info.num_imported_funcs);
        let mut buffer = args.to_vec();
        buffer.resize(8, 0);
        let base = self.vmctx.as_mut_ptr().cast::<u8>();
        // SAFETY: the func ref lies inside the context allocation.
        let func_ref = unsafe { base.add(self.offsets.vmctx_func_ref(f) as usize) };
        type ArrayCall = unsafe extern "C" fn(*const u8, *mut u8, *mut u128, usize) -> bool;
        // SAFETY: the array entry has the array-call ABI, which this type
        // spells with raw pointers.
        let entry: ArrayCall = unsafe { std::mem::transmute(code.array_entry(f)) };
        // SAFETY: the context is laid out as the code expects for a module
        // without memories, tables, globals or imports, and the functions
        // called are trap-free, so they return normally.
        let ok = unsafe { entry(func_ref, std::ptr::null_mut(), buffer.as_mut_ptr(), buffer.len()) };
        assert!(ok);
        buffer
    }
}

const PURE: &str = r#"(module
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "mul64") (param i64 i64) (result i64)
    (i64.add (i64.mul (local.get 0) (local.get 1)) (i64.rotl (local.get 0) (i64.const 7))))
  (func (export "conv") (param f64) (result i32 i64 f32)
    (i32.trunc_sat_f64_s (local.get 0))
    (i64.trunc_f64_u (f64.abs (local.get 0)))
    (f32.demote_f64 (f64.nearest (local.get 0))))
  (func (export "swap") (param i32 i64) (result i64 i32) (local.get 1) (local.get 0))
  (func (export "table") (param i32) (result i32)
    (block (block (block (block (br_table 0 1 2 3 (local.get 0)))
      (return (i32.const 10))) (return (i32.const 20))) (return (i32.const 30)))
    (i32.const 40))
  (func (export "loop_sum") (param i32) (result i64) (local i64)
    (block (loop
      (br_if 1 (i32.eqz (local.get 0)))
      (local.set 1 (i64.add (local.get 1) (i64.extend_i32_u (local.get 0))))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br 0)))
    (local.get 1))
  (func (export "if_params") (param i32) (result i32)
    (i32.const 5)
    (if (param i32) (result i32) (local.get 0) (then (i32.const 1) (i32.add))))
  (func (export "sext") (param i32) (result i64) (i64.extend8_s (i64.extend_i32_u (local.get 0))))
  (func (export "fmin") (param f32 f32) (result f32) (f32.min (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))
)"#;

fn f32_cell(v: f32) -> u128 {
    v.to_bits() as u128
}
fn f64_cell(v: f64) -> u128 {
    v.to_bits() as u128
}

#[test]
fn jit_runs_pure_functions() {
    let engine = Engine::default();
    let bytes = wat::parse_str(PURE).unwrap();
    let compiled = compile::compile(&engine, &bytes, &mut compile::ValidateOnly).unwrap();
    let info = &compiled;
    for mode in [MemoryMode::Explicit, MemoryMode::Guard] {
        let options = JitOptions { mode, verify: true, parallel: true, interrupts: Default::default() };
        let code = compile_module(info, &bodies(&bytes, decoding_features(&engine)), None, &options).unwrap();
        assert!(!code.traps.is_empty());
        assert!(code.traps.windows(2).all(|w| w[0].0 <= w[1].0));
        let memory = CodeMemory::new(&code).unwrap();
        let mut inst = FakeInstance::new(info);
        let mut call = |name: &str, args: &[u128]| inst.call(&memory, info, name, args);

        assert_eq!(call("fib", &[20])[0], 6765);
        assert_eq!(call("mul64", &[3, 5])[0], 15 + (3 << 7));
        assert_eq!(
            call("mul64", &[u64::MAX as u128, 2])[0],
            (u64::MAX - 1).wrapping_add(u64::MAX.rotate_left(7)) as u128
        );
        let r = call("conv", &[f64_cell(-2.5)]);
        assert_eq!(&r[..3], &[(-2i32) as u32 as u128, 2, f32_cell(-2.0)]);
        let r = call("conv", &[f64_cell(3.5)]);
        assert_eq!(&r[..3], &[3, 3, f32_cell(4.0)]);
        let r = call("swap", &[7, 9]);
        assert_eq!(&r[..2], &[9, 7]);
        for (arg, expected) in [(0, 10), (1, 20), (2, 30), (3, 40), (99, 40)] {
            assert_eq!(call("table", &[arg])[0], expected);
        }
        assert_eq!(call("loop_sum", &[100])[0], 5050);
        assert_eq!(call("if_params", &[1])[0], 6);
        assert_eq!(call("if_params", &[0])[0], 5);
        assert_eq!(call("sext", &[0x80])[0], (-128i64) as u64 as u128);
        assert_eq!(call("fmin", &[f32_cell(-0.0), f32_cell(0.0)])[0], f32_cell(-0.0));
        assert!(f32::from_bits(call("fmin", &[f32_cell(f32::NAN), f32_cell(1.0)])[0] as u32).is_nan());
        assert_eq!(call("div", &[i32::MIN as u32 as u128, u32::MAX as u128])[0], 0);
        assert_eq!(call("div", &[7, (-2i32) as u32 as u128])[0], 1);
    }
}

const WITH_STATE: &str = r#"(module
  (import "host" "add3" (func $add3 (param i32 i64 f64) (result f64 i32)))
  (type $ii (func (param i32) (result i32)))
  (memory 1)
  (global $g (mut i64) (i64.const 0))
  (table 3 funcref)
  (elem declare func $inc)
  (func $double (type $ii) (i32.mul (local.get 0) (i32.const 2)))
  (func $inc (type $ii) (i32.add (local.get 0) (i32.const 1)))
  ;; `indirect(i, x)` calls table element `i` with `x`.
  (func (export "indirect") (param i32 i32) (result i32)
    (call_indirect (type $ii) (local.get 1) (local.get 0)))
  (func (export "mem") (param i32 i64) (result i64 i32)
    (i64.store offset=8 (local.get 0) (local.get 1))
    (global.set $g (i64.load offset=4 (i32.add (local.get 0) (i32.const 4))))
    (global.get $g)
    (memory.size))
  (func (export "host") (param i32) (result f64 i32)
    (call $add3 (local.get 0) (i64.const 10) (f64.const 0.5)))
  (func (export "tsize") (result i32) (table.size 0))
  (func (export "tget_null") (param i32) (result i32) (ref.is_null (table.get 0 (local.get 0))))
  (func (export "set_call") (param i32) (result i32)
    (table.set 0 (i32.const 2) (ref.func $inc))
    (call_indirect (type $ii) (local.get 0) (i32.const 2)))
)"#;

/// The host function imported as `add3`: `(a, b, c) -> (a + b + c, 2a)`.
unsafe extern "C" fn host_add3(_callee: *const u8, _caller: *mut u8, args: *mut u128, len: usize) -> bool {
    assert!(len >= 3);
    // SAFETY: the caller passes a buffer of `len` cells.
    let args = unsafe { std::slice::from_raw_parts_mut(args, len) };
    let (a, b, c) = (args[0] as u32 as i32, args[1] as u64 as i64, f64::from_bits(args[2] as u64));
    args[0] = (a as f64 + b as f64 + c).to_bits() as u128;
    args[1] = (a * 2) as u32 as u128;
    true
}

/// Runs functions using memory, a global, a table, `call_indirect`
/// (through `wasm_call`) and an import without a wasm entry (through the
/// array-call fallback), with hand-built run-time structures.
#[test]
fn jit_runs_functions_with_state() {
    let engine = Engine::default();
    let bytes = wat::parse_str(WITH_STATE).unwrap();
    let compiled = compile::compile(&engine, &bytes, &mut compile::ValidateOnly).unwrap();
    let info = &compiled;
    let imported = info.num_imported_funcs;
    let defined = info.funcs.len() as u32 - imported;
    let o = VMOffsets::new(VMCounts {
        imported_funcs: imported,
        defined_funcs: defined,
        memories: 1,
        tables: 1,
        imported_globals: 0,
        defined_globals: 1,
    });
    for mode in [MemoryMode::Explicit, MemoryMode::Guard] {
        let options = JitOptions { mode, verify: true, parallel: true, interrupts: Default::default() };
        let code = compile_module(info, &bodies(&bytes, decoding_features(&engine)), None, &options).unwrap();
        let memory_code = CodeMemory::new(&code).unwrap();

        // Guard mode needs no reservation for in-bounds accesses.
        let mut heap = vec![0u8; 65536];
        let memory_def = Box::new([heap.as_mut_ptr() as usize, heap.len()]);
        let store_context = Box::new([0usize; 8]);
        let type_ids: Vec<u32> = info.sigs.iter().map(|s| s.0).collect();
        let mut vmctx = vec![0u128; (o.size() as usize).div_ceil(16)];
        let base = vmctx.as_mut_ptr().cast::<u8>();
        let host_ref = Box::new([host_add3 as *const () as usize, 0, 0, 0]);
        let write = |at: u32, value: usize| {
            // SAFETY: every offset written is inside the context and aligned.
            unsafe { base.add(at as usize).cast::<usize>().write(value) };
        };
        write(o.vmctx_store_context(), &*store_context as *const _ as usize);
        write(o.vmctx_type_ids(), type_ids.as_ptr() as usize);
        write(o.vmctx_memory_pointer(crate::compile::MemoryIndex(0)), &*memory_def as *const _ as usize);
        let import = o.vmctx_function_import(crate::compile::FuncIndex(0));
        write(import + o.function_import_wasm_call(), 0);
        write(import + o.function_import_array_call(), host_add3 as *const () as usize);
        write(import + o.function_import_vmctx(), 0);
        write(import + o.function_import_func_ref(), &*host_ref as *const _ as usize);
        for f in 0..defined {
            let r = o.vmctx_func_ref(DefinedFuncIndex(f));
            write(r + o.func_ref_array_call(), memory_code.array_entry(DefinedFuncIndex(f)) as usize);
            write(r + o.func_ref_wasm_call(), memory_code.wasm_entry(DefinedFuncIndex(f)) as usize);
            write(r + o.func_ref_vmctx(), base as usize);
            let sig = type_ids[info.funcs[(f + imported) as usize] as usize];
            // SAFETY: inside the context; the u32 fields are 4-aligned.
            unsafe {
                base.add((r + o.func_ref_type_id()) as usize).cast::<u32>().write(sig);
                base.add((r + o.func_ref_func_index()) as usize).cast::<u32>().write(f + imported);
            }
        }
        let func_ref = |f: u32| base as usize + o.vmctx_func_ref(DefinedFuncIndex(f)) as usize;
        // Table: [$double, $inc, null].
        let mut elements = vec![func_ref(0), func_ref(1), 0];
        let table_def = Box::new([elements.as_mut_ptr() as usize, elements.len()]);
        write(o.vmctx_table_pointer(crate::compile::TableIndex(0)), &*table_def as *const _ as usize);

        let call = |name: &str, args: &[u128]| -> Vec<u128> {
            let Some(EntityIndex::Func(index)) = info.export(name) else { panic!("no function {name}") };
            let f = DefinedFuncIndex(index - imported);
            let mut buffer = args.to_vec();
            buffer.resize(8, 0);
            type ArrayCall = unsafe extern "C" fn(usize, *mut u8, *mut u128, usize) -> bool;
            // SAFETY: the array entry has the array-call ABI.
            let entry: ArrayCall = unsafe { std::mem::transmute(memory_code.array_entry(f)) };
            // SAFETY: the context and everything it points at are laid out
            // as the code expects, and these calls do not trap.
            assert!(unsafe { entry(func_ref(f.0), std::ptr::null_mut(), buffer.as_mut_ptr(), buffer.len()) });
            buffer
        };
        assert_eq!(call("indirect", &[0, 5])[0], 10);
        assert_eq!(call("indirect", &[1, 5])[0], 6);
        let r = call("mem", &[16, 0x1122_3344_5566_7788]);
        assert_eq!(&r[..2], &[0x1122_3344_5566_7788, 1]);
        assert_eq!(heap[24], 0x88);
        let r = call("host", &[3]);
        assert_eq!(&r[..2], &[13.5f64.to_bits() as u128, 6]);
        assert_eq!(call("tsize", &[])[0], 3);
        assert_eq!(call("tget_null", &[0])[0], 0);
        assert_eq!(call("tget_null", &[2])[0], 1);
        assert_eq!(call("set_call", &[41])[0], 42);
        assert_eq!(elements[2], func_ref(1));
        drop((memory_def, table_def, store_context, host_ref, type_ids));
    }
}

/// The trap table names what each trapping instruction means.
#[test]
fn jit_trap_table() {
    let engine = Engine::default();
    let bytes = wat::parse_str(
        r#"(module
          (memory 1)
          (table 1 funcref)
          (type $v (func))
          (func (param i32 f32) (result i32)
            (drop (i32.div_s (local.get 0) (local.get 0)))
            (drop (i32.trunc_f32_s (local.get 1)))
            (drop (i32.load (local.get 0)))
            (call_indirect (type $v) (local.get 0))
            (if (local.get 0) (then unreachable))
            (call 0 (local.get 0) (local.get 1))))"#,
    )
    .unwrap();
    let compiled = compile::compile(&engine, &bytes, &mut compile::ValidateOnly).unwrap();
    let options =
        JitOptions { mode: MemoryMode::Explicit, verify: true, parallel: true, interrupts: Default::default() };
    let code = compile_module(&compiled, &bodies(&bytes, decoding_features(&engine)), None, &options).unwrap();
    let kinds: std::collections::HashSet<_> = code.traps.iter().map(|(_, t)| *t).collect();
    // Running out of fuel and epoch interruption are raised by runtime
    // helpers (`out_of_fuel`, `new_epoch`), never by a trap instruction.
    let by_instruction =
        crate::Trap::ALL.into_iter().filter(|t| !matches!(t, crate::Trap::OutOfFuel | crate::Trap::Interrupt));
    for trap in by_instruction {
        assert!(kinds.contains(&trap), "no {trap:?} in {:?}", code.traps);
    }
    assert!(code.traps.iter().all(|(o, _)| (*o as usize) < code.code.len()));
    assert!(!code.address_map.is_empty());
}

const SIMD: &str = r#"(module
  (import "host" "rot" (func $rot (param v128 i32) (result v128)))
  (import "host" "g" (global $gi (mut v128)))
  (global $g (mut v128) (v128.const i64x2 0 0))
  (memory 1)
  (table 1 funcref)
  (elem (i32.const 0) $add)
  (type $vv (func (param v128 v128) (result v128)))
  (func $add (type $vv) (i32x4.add (local.get 0) (local.get 1)))
  ;; Adds [1 2 3 4] to `v` `n` times in a loop (v128 locals, a call_indirect
  ;; taking and returning v128), then sends the sum through both globals,
  ;; the host (an array call) and unaligned memory.
  (func (export "run") (param $v v128) (param $n i32) (result v128 v128 v128 i32)
    (local $acc v128)
    (local.set $acc (local.get $v))
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $acc (call_indirect (type $vv) (local.get $acc) (v128.const i32x4 1 2 3 4) (i32.const 0)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $l)))
    (global.set $g (local.get $acc))
    (global.set $gi (call $rot (global.get $g) (i32.const 1)))
    (v128.store offset=3 (i32.const 0) (global.get $gi))
    (v128.load offset=3 (i32.const 0))
    (local.get $acc)
    (block (param v128) (result v128)
      (i8x16.shuffle 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 0 (v128.const i64x2 0 0)))
    (select (local.get $acc) (v128.const i64x2 -1 -1) (local.get $n))
    (i32x4.extract_lane 3 (local.get $acc)))
  (func (export "splat_at") (param i32) (result v128) (v128.load64_splat offset=65528 (local.get 0)))
  (func (export "dot") (param v128 v128 v128) (result v128)
    (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get 0) (local.get 1) (local.get 2)))
  (func (export "madd") (param v128 v128 v128) (result v128)
    (f64x2.relaxed_madd (local.get 0) (local.get 1) (local.get 2)))
)"#;

/// `v128` values through every way in and out of compiled code (params,
/// results, locals, block params, select, globals defined and imported,
/// `call_indirect`, a host function's array call, memory), with fuel on,
/// in both memory modes; and relaxed SIMD's deterministic choices.
#[test]
fn jit_runs_simd() {
    use crate::{Global, GlobalType, Linker, Module, Mutability, Store, Strategy, Trap, Val, ValType, V128};
    let i32x4 = |l: [i32; 4]| l.iter().enumerate().fold(0u128, |acc, (i, x)| acc | ((*x as u32 as u128) << (32 * i)));
    for reservation in [1 << 20, 8 << 30] {
        let mut config = Config::new();
        config.strategy(Strategy::Cranelift).wasm_simd(true).wasm_relaxed_simd(true).consume_fuel(true);
        config.memory_reservation(reservation);
        let engine = Engine::new(&config).unwrap();
        let module = Module::new(&engine, wat::parse_str(SIMD).unwrap()).unwrap();
        let mut store = Store::new(&engine, ());
        store.set_fuel(1_000_000).unwrap();
        let mut linker = Linker::new(&engine);
        linker
            .func_wrap("host", "rot", |v: V128, lanes: i32| V128::from(v.as_u128().rotate_left(32 * lanes as u32)))
            .unwrap();
        let g =
            Global::new(&mut store, GlobalType::new(ValType::V128, Mutability::Var), Val::V128(0u128.into())).unwrap();
        linker.define(&store, "host", "g", g).unwrap();
        let instance = linker.instantiate(&mut store, &module).unwrap();

        let run = instance.get_typed_func::<(V128, i32), (V128, V128, V128, i32)>(&mut store, "run").unwrap();
        let v = i32x4([10, -20, 30, i32::MAX]);
        let (loaded, reversed, selected, lane3) = run.call(&mut store, (v.into(), 5)).unwrap();
        let sum = i32x4([15, -10, 45, i32::MAX.wrapping_add(20)]);
        assert_eq!(loaded.as_u128(), sum.rotate_left(32));
        assert_eq!(g.get(&store).unwrap_v128().as_u128(), sum.rotate_left(32));
        assert_eq!(reversed.as_u128(), sum.swap_bytes());
        assert_eq!(selected.as_u128(), u128::MAX);
        assert_eq!(lane3, i32::MAX.wrapping_add(20));

        let splat = instance.get_typed_func::<i32, V128>(&mut store, "splat_at").unwrap();
        assert_eq!(splat.call(&mut store, 0).unwrap().as_u128(), 0);
        let trap = splat.call(&mut store, 1).unwrap_err();
        assert_eq!(trap.downcast_ref::<Trap>(), Some(&Trap::MemoryOutOfBounds), "{trap:?}");

        // Two -128 * -128 products saturate to 32767 in their i16 lane.
        let dot = instance.get_typed_func::<(V128, V128, V128), V128>(&mut store, "dot").unwrap();
        let mins = u128::from_le_bytes([0x80; 16]);
        let r = dot.call(&mut store, (mins.into(), mins.into(), i32x4([1, 2, 3, -4]).into())).unwrap();
        assert_eq!(r.as_u128(), i32x4([65535, 65536, 65537, 65530]));
        // One rounding: a*b + c is exact where the separate product is not.
        let madd = instance.get_typed_func::<(V128, V128, V128), V128>(&mut store, "madd").unwrap();
        let f64x2 = |a: f64, b: f64| a.to_bits() as u128 | (b.to_bits() as u128) << 64;
        let x = 1.0 + 2f64.powi(-30);
        let r = madd.call(&mut store, (f64x2(x, 2.0).into(), f64x2(x, 3.0).into(), f64x2(-1.0, 1.0).into())).unwrap();
        assert_eq!(r.as_u128(), f64x2(x.mul_add(x, -1.0), 7.0));
        assert_ne!(x.mul_add(x, -1.0), x * x - 1.0);
        assert!(store.get_fuel().unwrap() < 1_000_000);
    }
}

/// One SIMD instruction of the interpreter's semantics tables, with the
/// function that defines what it computes.
#[derive(Clone, Copy)]
enum SimdSemantics {
    Unary(fn(u128) -> u128),
    Binary(fn(u128, u128) -> u128),
    Ternary(fn(u128, u128, u128) -> u128),
    Shift(fn(u128, u32) -> u128),
    Test(fn(u128) -> u64),
}

/// Every instruction of the tables of `interp::simd`, by its variant name.
fn simd_semantics() -> Vec<(&'static str, SimdSemantics)> {
    let mut all = Vec::new();
    macro_rules! collect {
        ($kind:ident; $( ($v:ident, $f:path) ),*) => {
            $( all.push((stringify!($v), SimdSemantics::$kind($f))); )*
        };
    }
    macro_rules! unary { ($( ($v:ident, $f:path) ),*) => { collect!(Unary; $( ($v, $f) ),*) }; }
    macro_rules! binary { ($( ($v:ident, $f:path) ),*) => { collect!(Binary; $( ($v, $f) ),*) }; }
    macro_rules! ternary { ($( ($v:ident, $f:path) ),*) => { collect!(Ternary; $( ($v, $f) ),*) }; }
    macro_rules! shift { ($( ($v:ident, $f:path) ),*) => { collect!(Shift; $( ($v, $f) ),*) }; }
    macro_rules! test { ($( ($v:ident, $f:path) ),*) => { collect!(Test; $( ($v, $f) ),*) }; }
    crate::interp::simd::for_each_v128_unary!(unary);
    crate::interp::simd::for_each_v128_binary!(binary);
    crate::interp::simd::for_each_v128_ternary!(ternary);
    crate::interp::simd::for_each_v128_shift!(shift);
    crate::interp::simd::for_each_v128_test!(test);
    all
}

/// The text-format name of wasmparser's operator `variant`
/// (`I16x8ExtAddPairwiseI8x16S` -> `i16x8.extadd_pairwise_i8x16_s`).
fn simd_mnemonic(variant: &str) -> String {
    let shape_len = if variant.starts_with("V128") || variant.starts_with("I8x16") {
        4 + (variant.as_bytes()[1] == b'8') as usize
    } else {
        5
    };
    let (shape, rest) = variant.split_at(shape_len);
    let mut words: Vec<String> = Vec::new();
    for c in rest.chars() {
        if c.is_ascii_uppercase() || words.is_empty() {
            words.push(String::new());
        }
        words.last_mut().unwrap().push(c.to_ascii_lowercase());
    }
    let name = words.join("_");
    let name =
        [("ext_add", "extadd"), ("ext_mul", "extmul"), ("q15_mulr", "q15mulr"), ("and_not", "andnot"), ("p_m", "pm")]
            .iter()
            .fold(name, |n, (from, to)| n.replace(from, to));
    format!("{}.{name}", shape.to_ascii_lowercase())
}

/// Whether lanes `a` and `b` of a result of `variant` agree: the same bits,
/// or (float results only) both NaN, whose bits the spec leaves open.
fn simd_lanes_agree(variant: &str, a: u128, b: u128) -> bool {
    let compares = ["Eq", "Ne", "Lt", "Gt", "Le", "Ge"].iter().any(|c| variant.ends_with(c));
    if a == b || compares {
        return a == b;
    }
    if variant.starts_with("F32x4") {
        (0..4).all(|i| {
            let (x, y) = ((a >> (32 * i)) as u32, (b >> (32 * i)) as u32);
            x == y || (f32::from_bits(x).is_nan() && f32::from_bits(y).is_nan())
        })
    } else if variant.starts_with("F64x2") {
        (0..2).all(|i| {
            let (x, y) = ((a >> (64 * i)) as u64, (b >> (64 * i)) as u64);
            x == y || (f64::from_bits(x).is_nan() && f64::from_bits(y).is_nan())
        })
    } else {
        false
    }
}

/// Vectors to try: lanes of every width drawn from edge values (NaNs,
/// infinities, signed zeros, the integer extremes, values at the edges of
/// conversions), and random bits.
fn simd_inputs(count: usize) -> Vec<u128> {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let f32s: Vec<u32> = [
        0.0f32,
        -0.0,
        1.0,
        -1.0,
        0.5,
        -0.5,
        1.5,
        2.5,
        -2.5,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::MIN_POSITIVE,
        f32::MAX,
        2147483648.0,
        -2147483904.0,
        4294967296.0,
        4294967040.0,
        16777217.0,
        1e-45,
    ]
    .iter()
    .map(|f| f.to_bits())
    .chain([0x7fc0_0000, 0xffc0_0000, 0x7fa0_0000, 0x8000_0001, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 1])
    .collect();
    let f64s: Vec<u64> = [
        0.0f64,
        -0.0,
        1.0,
        -1.0,
        0.5,
        -1.5,
        2.5,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::MAX,
        f64::MIN_POSITIVE,
        2147483647.0,
        2147483648.0,
        -2147483649.0,
        4294967295.5,
        4294967296.0,
        9007199254740993.0,
        1e-310,
    ]
    .iter()
    .map(|f| f.to_bits())
    .chain([0x7ff8_0000_0000_0000, 0xfff8_0000_0000_0000, 0x7ff4_0000_0000_0000, 1 << 63, u64::MAX, 1])
    .collect();
    let small: [u8; 8] = [0, 1, 0x7f, 0x80, 0x81, 0xff, 0xfe, 0x40];
    let mut out = vec![0, u128::MAX];
    while out.len() < count {
        let r = next();
        let v = match r % 6 {
            0 => (0..4).fold(0u128, |v, i| v | (f32s[next() as usize % f32s.len()] as u128) << (32 * i)),
            1 => (0..2).fold(0u128, |v, i| v | (f64s[next() as usize % f64s.len()] as u128) << (64 * i)),
            2 => (0..16).fold(0u128, |v, i| v | (small[next() as usize % small.len()] as u128) << (8 * i)),
            3 => (0..8).fold(0u128, |v, i| {
                let byte = small[next() as usize % small.len()] as u128;
                let lane = if next() % 2 == 0 { byte | byte << 8 } else { byte << 8 };
                v | lane << (16 * i)
            }),
            _ => (next() as u128) << 64 | next() as u128,
        };
        out.push(v);
    }
    out
}

/// Every SIMD instruction with v128 operands and results computes in the
/// JIT what the interpreter's semantics functions compute (the relaxed ones
/// included: both tiers must make the same deterministic choices), on edge
/// values and random bits.
#[test]
fn jit_simd_agrees_with_interpreter_semantics() {
    use crate::{Instance, Module, Store, Strategy, Val};
    let ops = simd_semantics();
    let mut wat = String::from("(module\n");
    for (i, (variant, sem)) in ops.iter().enumerate() {
        let op = simd_mnemonic(variant);
        let (params, result, body) = match sem {
            SimdSemantics::Unary(_) => ("v128", "v128", "(local.get 0)"),
            SimdSemantics::Binary(_) => ("v128 v128", "v128", "(local.get 0) (local.get 1)"),
            SimdSemantics::Ternary(_) => ("v128 v128 v128", "v128", "(local.get 0) (local.get 1) (local.get 2)"),
            SimdSemantics::Shift(_) => ("v128 i32", "v128", "(local.get 0) (local.get 1)"),
            SimdSemantics::Test(_) => ("v128", "i32", "(local.get 0)"),
        };
        wat += &format!("  (func (export \"{i}\") (param {params}) (result {result}) ({op} {body}))\n");
    }
    wat += ")";
    let bytes = wat::parse_str(&wat).unwrap_or_else(|e| panic!("{e}\n{wat}"));

    let mut config = Config::new();
    config.strategy(Strategy::Cranelift).wasm_simd(true).wasm_relaxed_simd(true);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, &bytes).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let inputs = simd_inputs(500);
    let v = |x: u128| Val::V128(x.into());
    let mut mismatches = Vec::new();
    for (i, (variant, sem)) in ops.iter().enumerate() {
        let f = instance.get_func(&mut store, &i.to_string()).unwrap();
        let mut out = [Val::I32(0)];
        for (k, &a) in inputs.iter().enumerate() {
            let b = inputs[(k * 7 + 3) % inputs.len()];
            let c = inputs[(k * 13 + 5) % inputs.len()];
            let (args, expected) = match sem {
                SimdSemantics::Unary(f) => (vec![v(a)], f(a)),
                SimdSemantics::Binary(f) => (vec![v(a), v(b)], f(a, b)),
                SimdSemantics::Ternary(f) => (vec![v(a), v(b), v(c)], f(a, b, c)),
                SimdSemantics::Shift(f) => {
                    let n = [0, 1, 7, 8, 9, 15, 16, 31, 33, 63, 64, 65, 127, 0xffff_ffff][k % 14];
                    (vec![v(a), Val::I32(n as i32)], f(a, n))
                }
                SimdSemantics::Test(f) => (vec![v(a)], f(a) as u128),
            };
            f.call(&mut store, &args, &mut out).unwrap();
            let got = match out[0] {
                Val::V128(x) => x.as_u128(),
                Val::I32(x) => x as u32 as u128,
                ref other => panic!("{variant} returned {other:?}"),
            };
            if !simd_lanes_agree(variant, got, expected) {
                // Operands past the instruction's arity are listed but unused.
                let operands = format!("a={a:#034x} b={b:#034x} c={c:#034x} shift={:?}", args.get(1));
                mismatches.push(format!("{variant} of {operands}: JIT {got:#034x}, interpreter {expected:#034x}"));
                break;
            }
        }
    }
    assert!(ops.len() > 200, "only {} instructions in the tables", ops.len());
    assert!(mismatches.is_empty(), "{} instructions disagree:\n{}", mismatches.len(), mismatches.join("\n"));
}
