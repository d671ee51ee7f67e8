//! The interpreter's lazy translation (`Config::lazy_translation`, on by
//! default): `Module::new` validates every body and translates none; each
//! function is translated on its first call. Lazy and eager translation
//! must refuse the same modules with the same errors and run programs to
//! the same results, and first calls racing on several threads must all
//! get working code. (That functions never called stay untranslated is a
//! unit test in `interp/mod.rs`, which can see the translations.)

use kiln::{CompileError, CompileErrorKind, Config, Engine, Instance, Module, Store, Strategy, Trap};
use std::sync::{Arc, Barrier};

fn interpreter(lazy: bool) -> Engine {
    let mut config = Config::new();
    config.strategy(Strategy::Interpreter).lazy_translation(lazy);
    Engine::new(&config).unwrap()
}

/// The benchmark programs (C compiled to wasm, no imports, `run(n)`
/// returns a checksum), with a small `n` each.
const PROGRAMS: &[(&str, &[u8], i32)] = &[
    ("fib", include_bytes!("../../benches/programs/wasm/fib.wasm"), 20),
    ("sieve", include_bytes!("../../benches/programs/wasm/sieve.wasm"), 1),
    ("nbody", include_bytes!("../../benches/programs/wasm/nbody.wasm"), 1000),
    ("matmul", include_bytes!("../../benches/programs/wasm/matmul.wasm"), 12),
    ("sha256", include_bytes!("../../benches/programs/wasm/sha256.wasm"), 2),
    ("quicksort", include_bytes!("../../benches/programs/wasm/quicksort.wasm"), 2),
    ("hashmap", include_bytes!("../../benches/programs/wasm/hashmap.wasm"), 2),
    ("crc32", include_bytes!("../../benches/programs/wasm/crc32.wasm"), 2),
    ("memops", include_bytes!("../../benches/programs/wasm/memops.wasm"), 2),
    ("callind", include_bytes!("../../benches/programs/wasm/callind.wasm"), 1000),
    ("vm", include_bytes!("../../benches/programs/wasm/vm.wasm"), 1000),
];

/// `run(n)` of `wasm`, twice in one instance (the second call runs code
/// the first translated), and the memory's contents afterwards.
fn run_program(engine: &Engine, wasm: &[u8], n: i32) -> (i64, i64, Vec<u8>) {
    let module = Module::new(engine, wasm).unwrap();
    let mut store = Store::new(engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let run = instance.get_typed_func::<i32, i64>(&mut store, "run").unwrap();
    let first = run.call(&mut store, n).unwrap();
    let second = run.call(&mut store, n).unwrap();
    let memory = instance.get_memory(&mut store, "memory").map(|m| m.data(&store).to_vec()).unwrap_or_default();
    (first, second, memory)
}

#[test]
fn lazy_and_eager_run_programs_alike() {
    let (lazy, eager) = (interpreter(true), interpreter(false));
    for (name, wasm, n) in PROGRAMS {
        let (l1, l2, lmem) = run_program(&lazy, wasm, *n);
        let (e1, e2, emem) = run_program(&eager, wasm, *n);
        assert_eq!((l1, l2), (e1, e2), "{name}: lazy and eager results");
        assert_eq!(l1, l2, "{name}: the same result from translated code");
        assert!(lmem == emem, "{name}: lazy and eager leave different memories");
    }
}

/// Traps, their messages and backtraces, and calls across instances are
/// the same whether a function was translated before or on its call.
#[test]
fn lazy_and_eager_trap_alike() {
    let lib = r#"(module
      (func $div (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
      (func $deep (export "deep") (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0))
          (then (unreachable))
          (else (call $deep (i32.sub (local.get 0) (i32.const 1)))))))"#;
    let app = r#"(module
      (import "lib" "div" (func $div (param i32 i32) (result i32)))
      (import "lib" "deep" (func $deep (param i32) (result i32)))
      (table 2 funcref)
      (elem (i32.const 0) $div $twice)
      (type $bin (func (param i32 i32) (result i32)))
      (func $twice (param i32 i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
      (func (export "via_table") (param i32 i32 i32) (result i32)
        (call_indirect (type $bin) (local.get 0) (local.get 1) (local.get 2)))
      (func (export "deep") (param i32) (result i32) (call $deep (local.get 0))))"#;
    let outcomes = |engine: &Engine| -> Vec<String> {
        let mut store = Store::new(engine, ());
        let lib = Instance::new(&mut store, &Module::new(engine, lib).unwrap(), &[]).unwrap();
        let imports = [lib.get_export(&mut store, "div").unwrap(), lib.get_export(&mut store, "deep").unwrap()];
        let app = Instance::new(&mut store, &Module::new(engine, app).unwrap(), &imports).unwrap();
        let via = app.get_typed_func::<(i32, i32, i32), i32>(&mut store, "via_table").unwrap();
        let deep = app.get_typed_func::<i32, i32>(&mut store, "deep").unwrap();
        let mut seen = Vec::new();
        for (a, b, i) in [(7, 2, 0), (7, 0, 0), (7, 0, 1), (1, 1, 2)] {
            // `{:#}`: the trap, its wasm backtrace (no host backtrace).
            seen.push(format!("{:?}", via.call(&mut store, (a, b, i)).map_err(|e| format!("{e:#}"))));
        }
        let err = deep.call(&mut store, 5).unwrap_err();
        assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::UnreachableCodeReached));
        seen.push(format!("{err:#}"));
        seen
    };
    let (lazy, eager) = (outcomes(&interpreter(true)), outcomes(&interpreter(false)));
    assert_eq!(lazy, eager);
    assert!(lazy[0].contains("Ok(3)"), "{lazy:?}");
    assert!(lazy[1].contains("integer divide by zero"), "{lazy:?}");
    assert!(lazy[2].contains("Ok(14)"), "{lazy:?}");
    assert!(lazy[3].contains("out of bounds table access"), "{lazy:?}");
    // The backtrace names every frame of the recursion.
    assert!(lazy[4].matches("deep").count() >= 6, "{}", lazy[4]);
}

/// The refusal of `bytes` by `engine`: its phase and message.
fn refusal(engine: &Engine, bytes: &[u8]) -> (CompileErrorKind, String) {
    let err = match Module::new(engine, bytes) {
        Ok(_) => panic!("the module compiled"),
        Err(e) => e,
    };
    let err = err.downcast_ref::<CompileError>().unwrap_or_else(|| panic!("not a CompileError: {err:?}"));
    (err.kind(), err.to_string())
}

#[test]
fn bad_bodies_of_functions_never_called_are_refused_alike() {
    let (lazy, eager) = (interpreter(true), interpreter(false));
    // Invalid: the second body's type is wrong; nothing calls it.
    let invalid = wat::parse_str(
        r#"(module
          (func (export "ok") (result i32) i32.const 1)
          (func $never (result i32) i64.const 0))"#,
    )
    .unwrap();
    let (kind, message) = refusal(&lazy, &invalid);
    assert_eq!(kind, CompileErrorKind::Invalid);
    assert!(message.contains("type mismatch"), "{message}");
    assert_eq!(refusal(&eager, &invalid), (kind, message));

    // Malformed: an opcode that does not exist, in a body nothing calls.
    let mut malformed = wat::parse_str(
        r#"(module
          (func (export "ok") (result i32) i32.const 1)
          (func $never nop nop nop nop))"#,
    )
    .unwrap();
    let nops = malformed.windows(4).position(|w| w == [0x01; 4]).expect("the four nops");
    assert_eq!(malformed.windows(4).filter(|w| *w == [0x01; 4]).count(), 1);
    malformed[nops + 1] = 0xff;
    let (kind, message) = refusal(&lazy, &malformed);
    assert_eq!(kind, CompileErrorKind::Malformed);
    assert_eq!(refusal(&eager, &malformed), (kind, message));

    // Under the 2.0 binary format an alignment of 2^32 is malformed: a
    // check of the body reader's own, kept by lazy validation.
    let mut config = Config::new();
    config.strategy(Strategy::Interpreter).wasm2_encoding(true);
    let wasm2_lazy = Engine::new(&config).unwrap();
    let wasm2_eager = Engine::new(config.lazy_translation(false)).unwrap();
    let mut align = wat::parse_str(
        r#"(module (memory 1)
          (func (export "ok") (result i32) i32.const 1)
          (func $never (result i32) (i32.load offset=7 (i32.const 0))))"#,
    )
    .unwrap();
    // i32.load, align 2, offset 7: the alignment becomes 32.
    let load = align.windows(3).position(|w| w == [0x28, 0x02, 0x07]).expect("the load");
    align[load + 1] = 0x20;
    let (kind, message) = refusal(&wasm2_lazy, &align);
    assert_eq!((kind, message.contains("malformed memop flags")), (CompileErrorKind::Malformed, true), "{message}");
    assert_eq!(refusal(&wasm2_eager, &align), (kind, message));
}

/// One module, many stores on many threads, all making the first calls of
/// the same functions at once: every thread must get working code.
#[test]
fn first_calls_race_on_many_threads() {
    const THREADS: usize = 8;
    let engine = interpreter(true);
    for round in 0..10 {
        // A fresh module each round, so every round's first calls race.
        let module = Module::new(
            &engine,
            r#"(module
              (func $fib (param i32) (result i32)
                (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
                  (then (local.get 0))
                  (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                                 (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
              (func $sq (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
              (func (export "run") (param i32) (result i32)
                (i32.add (call $fib (local.get 0)) (call $sq (local.get 0)))))"#,
        )
        .unwrap();
        let barrier = Arc::new(Barrier::new(THREADS));
        let threads: Vec<_> = (0..THREADS)
            .map(|t| {
                let (engine, module, barrier) = (engine.clone(), module.clone(), barrier.clone());
                std::thread::spawn(move || {
                    let mut store = Store::new(&engine, ());
                    let instance = Instance::new(&mut store, &module, &[]).unwrap();
                    let run = instance.get_typed_func::<i32, i32>(&mut store, "run").unwrap();
                    let n = 10 + (t as i32 + round) % 5;
                    barrier.wait();
                    run.call(&mut store, n).map(|r| (n, r)).map_err(|e| format!("{e:?}"))
                })
            })
            .collect();
        for thread in threads {
            let (n, result) = thread.join().unwrap().unwrap();
            let fib = (0..n).fold((0, 1), |(a, b), _| (b, a + b)).0;
            assert_eq!(result, fib + n * n, "round {round}, run({n})");
        }
    }
}

/// An interpreter artifact holds the binary only, whichever mode made it,
/// and loads in either mode (the setting is not among the artifact's).
#[test]
fn artifacts_load_in_either_mode() {
    let (lazy, eager) = (interpreter(true), interpreter(false));
    let wasm = PROGRAMS[0].1;
    for (from, to) in [(&lazy, &eager), (&eager, &lazy)] {
        let bytes = Module::new(from, wasm).unwrap().serialize().unwrap();
        // SAFETY: `bytes` come from `serialize` just above.
        let module = unsafe { Module::deserialize(to, &bytes) }.unwrap();
        let mut store = Store::new(to, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let run = instance.get_typed_func::<i32, i64>(&mut store, "run").unwrap();
        assert_eq!(run.call(&mut store, 20).unwrap(), 6765);
    }
}
