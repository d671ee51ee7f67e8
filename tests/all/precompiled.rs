//! Ahead-of-time compilation: `Engine::precompile_module`,
//! `Module::serialize`, `Module::deserialize(_file)`, the checks that refuse
//! an artifact made for something else, and the compiled-module cache.

use kiln::{Config, Engine, Func, Instance, Module, Precompiled, Store, Strategy, Trap};
use std::path::PathBuf;

/// A module that exercises what loaded code relies on: calls between its
/// functions and to an import, memory with data, a table with
/// `call_indirect`, globals, float rounding, and a trap with a backtrace.
const PROGRAM: &str = r#"(module
  (import "host" "twice" (func $twice (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "kiln")
  (global $counter (mut i32) (i32.const 100))
  (table 2 funcref)
  (elem (i32.const 0) $square $inc)
  (type $unary (func (param i32) (result i32)))
  (func $square (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  (func $inc (param i32) (result i32)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (i32.add (local.get 0) (global.get $counter)))
  (func (export "run") (param i32) (result i32)
    (i32.add
      (call_indirect (type $unary) (local.get 0) (i32.const 0))
      (call $twice (i32.load8_u (i32.const 17)))))
  (func (export "indirect") (param i32 i32) (result i32)
    (call_indirect (type $unary) (local.get 1) (local.get 0)))
  (func (export "round") (param f64) (result f64) (f64.nearest (local.get 0)))
  (func $deep (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.div_u (i32.const 1) (local.get 0)))
      (else (call $deep (i32.sub (local.get 0) (i32.const 1))))))
  (func (export "trap") (result i32) (call $deep (i32.const 3))))"#;

fn engines() -> Vec<(&'static str, Engine)> {
    let mut engines = vec![("interpreter", Engine::new(Config::new().strategy(Strategy::Interpreter)).unwrap())];
    if cfg!(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64"))) {
        engines.push(("cranelift", Engine::new(Config::new().strategy(Strategy::Cranelift)).unwrap()));
    }
    engines
}

/// Runs `PROGRAM` as `module` and checks every result.
fn check_program(tier: &str, engine: &Engine, module: &Module) {
    let mut store = Store::new(engine, ());
    let twice = Func::wrap(&mut store, |x: i32| x * 2);
    let instance = Instance::new(&mut store, module, &[twice.into()]).unwrap();
    let run = instance.get_typed_func::<i32, i32>(&mut store, "run").unwrap();
    // 7*7 + 2*'i'
    assert_eq!(run.call(&mut store, 7).unwrap(), 49 + 2 * 105, "{tier}");
    let indirect = instance.get_typed_func::<(i32, i32), i32>(&mut store, "indirect").unwrap();
    assert_eq!(indirect.call(&mut store, (1, 5)).unwrap(), 5 + 101, "{tier}");
    assert_eq!(indirect.call(&mut store, (1, 5)).unwrap(), 5 + 102, "{tier}");
    let round = instance.get_typed_func::<f64, f64>(&mut store, "round").unwrap();
    assert_eq!(round.call(&mut store, 2.5).unwrap(), 2.0, "{tier}");
    let err = indirect.call(&mut store, (7, 0)).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::TableOutOfBounds), "{tier}: {err:?}");
    let trap = instance.get_typed_func::<(), i32>(&mut store, "trap").unwrap();
    let err = trap.call(&mut store, ()).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::IntegerDivisionByZero), "{tier}: {err:?}");
    let trace = err.downcast_ref::<kiln::WasmBacktrace>().expect("a backtrace");
    // $deep four times, then the export.
    assert_eq!(trace.frames().len(), 5, "{tier}: {trace:?}");
    assert!(trace.frames()[0].module_offset().is_some(), "{tier}: the trap site is known: {trace:?}");
    let memory = instance.get_memory(&mut store, "memory").unwrap();
    assert_eq!(&memory.data(&store)[16..20], b"kiln", "{tier}");
}

#[test]
fn precompiled_modules_run_like_compiled_ones_in_every_tier() {
    for (tier, engine) in engines() {
        let bytes = engine.precompile_module(PROGRAM.as_bytes()).unwrap();
        assert_eq!(Engine::detect_precompiled(&bytes), Some(Precompiled::Module), "{tier}");
        // SAFETY: the bytes were just made by `precompile_module`.
        let module = unsafe { Module::deserialize(&engine, &bytes) }.unwrap();
        check_program(tier, &engine, &module);

        // A module compiled the ordinary way serializes to the same thing.
        let compiled = Module::new(&engine, PROGRAM).unwrap();
        assert_eq!(compiled.serialize().unwrap(), bytes, "{tier}");

        // From a file, mapped.
        let path = temp_path(&format!("program-{tier}.cwasm"));
        std::fs::write(&path, &bytes).unwrap();
        // SAFETY: the file is written above and not changed while mapped.
        let module = unsafe { Module::deserialize_file(&engine, &path) }.unwrap();
        check_program(tier, &engine, &module);
        // A deserialized module serializes again, identically.
        assert_eq!(module.serialize().unwrap(), bytes, "{tier}");
        drop(module);
        std::fs::remove_file(&path).unwrap();
    }
}

#[test]
fn a_module_loaded_from_a_file_outlives_other_modules_and_is_shared_by_threads() {
    let (tier, engine) = engines().pop().unwrap();
    let path = temp_path(&format!("threads-{tier}.cwasm"));
    std::fs::write(&path, engine.precompile_module(PROGRAM.as_bytes()).unwrap()).unwrap();
    // SAFETY: the file is written above and not changed while mapped.
    let module = unsafe { Module::deserialize_file(&engine, &path) }.unwrap();
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| check_program(tier, &engine, &module));
        }
    });
    drop(module);
    std::fs::remove_file(&path).unwrap();
}

fn refusal(engine: &Engine, bytes: &[u8]) -> String {
    // SAFETY: every artifact given here is refused before any code is used.
    match unsafe { Module::deserialize(engine, bytes) } {
        Ok(_) => panic!("the artifact was accepted"),
        Err(e) => format!("{e:#}"),
    }
}

#[test]
fn artifacts_for_another_configuration_build_or_host_are_refused_with_the_reason() {
    for (tier, engine) in engines() {
        let bytes = engine.precompile_module(PROGRAM.as_bytes()).unwrap();

        let strategy = if tier == "cranelift" { Strategy::Cranelift } else { Strategy::Interpreter };
        let fuel = Engine::new(Config::new().strategy(strategy).consume_fuel(true)).unwrap();
        let msg = refusal(&fuel, &bytes);
        assert!(msg.contains("`consume_fuel` = false, but this engine has true"), "{tier}: {msg}");

        let epochs = Engine::new(Config::new().strategy(strategy).epoch_interruption(true)).unwrap();
        let msg = refusal(&epochs, &bytes);
        assert!(msg.contains("epoch_interruption"), "{tier}: {msg}");

        let other = if tier == "cranelift" { Strategy::Interpreter } else { Strategy::Cranelift };
        if let Ok(other) = Engine::new(Config::new().strategy(other)) {
            let msg = refusal(&other, &bytes);
            assert!(msg.contains("`tier`"), "{tier}: {msg}");
        }

        // Another build of Kiln: the build id differs (same length here).
        let build = kiln_build_id(&bytes);
        let mut patched = bytes.clone();
        let at = find(&patched, build.as_bytes());
        patched[at + build.len() - 1] ^= 1;
        let msg = refusal(&engine, &patched);
        assert!(msg.contains("another build of Kiln") && msg.contains("compile it again"), "{tier}: {msg}");

        // Another architecture.
        let arch = std::env::consts::ARCH;
        let mut patched = bytes.clone();
        let at = find(&patched, arch.as_bytes());
        patched[at..at + arch.len()].fill(b'z');
        let msg = refusal(&engine, &patched);
        let expected = format!("is for {}-{}", "z".repeat(arch.len()), std::env::consts::OS);
        assert!(msg.contains(&expected), "{tier}: {msg}");

        // Not an artifact at all.
        let binary = wat::parse_str(PROGRAM).unwrap();
        let msg = refusal(&engine, &binary);
        assert!(msg.contains("a WebAssembly binary, not a precompiled module"), "{tier}: {msg}");
        let msg = refusal(&engine, b"hello");
        assert!(msg.contains("not a precompiled Kiln module"), "{tier}: {msg}");
    }
}

#[test]
fn truncated_artifacts_are_errors() {
    for (tier, engine) in engines() {
        let bytes = engine.precompile_module(PROGRAM.as_bytes()).unwrap();
        // Every cut in the header, the binary and the code's description,
        // then a sample of cuts in the code.
        let header_end = find(&bytes, b"\0asm") + wat::parse_str(PROGRAM).unwrap().len() + 600;
        let cuts = (0..header_end.min(bytes.len())).chain((header_end..bytes.len()).step_by(997));
        for cut in cuts {
            let msg = refusal(&engine, &bytes[..cut]);
            assert!(!msg.is_empty(), "{tier}: cut at {cut}");
        }
    }
}

#[test]
fn the_cache_reuses_compiled_code_and_recovers_from_bad_entries() {
    let Some((_, engine)) = engines().into_iter().find(|(tier, _)| *tier == "cranelift") else { return };
    let dir = temp_path("cache");
    let _ = std::fs::remove_dir_all(&dir);
    let cached = Engine::new(Config::new().strategy(Strategy::Cranelift).cache_directory(&dir)).unwrap();
    let one = r#"(module (func (export "f") (result i32) i32.const 1))"#;
    let two = r#"(module (func (export "f") (result i32) i32.const 2))"#;
    let call = |module: &Module| {
        let mut store = Store::new(module.engine(), ());
        let instance = Instance::new(&mut store, module, &[]).unwrap();
        instance.get_typed_func::<(), i32>(&mut store, "f").unwrap().call(&mut store, ()).unwrap()
    };
    assert_eq!(call(&Module::new(&cached, one).unwrap()), 1);
    let entries = || -> Vec<PathBuf> {
        let mut e: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        e.sort();
        e
    };
    let entry = match entries().as_slice() {
        [entry] => entry.clone(),
        other => panic!("one entry expected: {other:?}"),
    };

    // The entry is what a second compilation uses: put another module's
    // code in its place (same engine settings), and compiling `one` again
    // runs that code.
    std::fs::write(&entry, Module::new(&engine, two).unwrap().serialize().unwrap()).unwrap();
    let again = Engine::new(Config::new().strategy(Strategy::Cranelift).cache_directory(&dir)).unwrap();
    assert_eq!(call(&Module::new(&again, one).unwrap()), 2, "the cached code was used");

    // A damaged entry is compiled again and replaced.
    std::fs::write(&entry, b"\0kilnaot-damaged").unwrap();
    assert_eq!(call(&Module::new(&again, one).unwrap()), 1);
    assert!(std::fs::metadata(&entry).unwrap().len() > 1000, "the entry was rewritten");
    assert_eq!(entries(), std::slice::from_ref(&entry));

    // Other settings are another entry.
    let fuel = Engine::new(Config::new().strategy(Strategy::Cranelift).consume_fuel(true).cache_directory(&dir));
    let module = Module::new(&fuel.unwrap(), one).unwrap();
    let mut store = Store::new(module.engine(), ());
    store.set_fuel(100).unwrap();
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    assert_eq!(instance.get_typed_func::<(), i32>(&mut store, "f").unwrap().call(&mut store, ()).unwrap(), 1);
    assert_eq!(entries().len(), 2);
    std::fs::remove_dir_all(&dir).unwrap();

    // A cache directory that cannot be created is not used.
    let blocked = temp_path("cache-blocked");
    std::fs::write(&blocked, b"a file, not a directory").unwrap();
    let engine = Engine::new(Config::new().strategy(Strategy::Cranelift).cache_directory(blocked.join("kiln")));
    assert_eq!(call(&Module::new(&engine.unwrap(), one).unwrap()), 1);
    std::fs::remove_file(&blocked).unwrap();
}

fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("kiln-precompiled-{}-{name}", std::process::id()))
}

fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack.windows(needle.len()).position(|w| w == needle).expect("the bytes are in the artifact")
}

/// The build id an artifact records (after the magic and format version).
fn kiln_build_id(bytes: &[u8]) -> String {
    let len = u64::from_le_bytes(bytes[12..20].try_into().unwrap()) as usize;
    String::from_utf8(bytes[20..20 + len].to_vec()).unwrap()
}
