//! Traps: stack exhaustion (and recovering from it), trap codes, and the
//! wasm backtrace that trap errors display.

use crate::{engine_and_store, in_child_process, module};
use anyhow::{anyhow, Result};
use kiln::{Caller, Engine, Func, Instance, Linker, Store, Trap, WasmBacktrace};

const RECURSE: &str = r#"
(module
  (func $forever (export "forever")
    call $forever)
  (func $count (export "count") (param i32) (result i32)
    (call $count (i32.add (local.get 0) (i32.const 1))))
  (func $deep (export "deep") (param $n i32) (result i32)
    (local $a i64) (local $b i64) (local $c f64)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $deep (i32.sub (local.get $n) (i32.const 1)))))))
  (func (export "ok") (result i32) i32.const 7))
"#;

#[track_caller]
fn assert_stack_overflow(err: &anyhow::Error) {
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::StackOverflow), "not a stack overflow: {err:?}");
    assert!(err.to_string().contains("call stack exhausted"), "message: {err}");
}

#[test]
fn infinite_recursion_is_call_stack_exhausted_and_the_store_survives() {
    let (engine, mut store) = engine_and_store();
    let m = module(&engine, RECURSE);
    let instance = Instance::new(&mut store, &m, &[]).unwrap();
    let forever = instance.get_typed_func::<(), ()>(&mut store, "forever").unwrap();
    let err = forever.call(&mut store, ()).unwrap_err();
    assert_stack_overflow(&err);

    let count = instance.get_typed_func::<i32, i32>(&mut store, "count").unwrap();
    let err = count.call(&mut store, 0).unwrap_err();
    assert_stack_overflow(&err);

    // The untyped path gives the same trap.
    let func = instance.get_func(&mut store, "forever").unwrap();
    let err = func.call(&mut store, &[], &mut []).unwrap_err();
    assert_stack_overflow(&err);

    // The same instance still works, and overflows again the same way.
    let ok = instance.get_typed_func::<(), i32>(&mut store, "ok").unwrap();
    assert_eq!(ok.call(&mut store, ()).unwrap(), 7);
    let err = forever.call(&mut store, ()).unwrap_err();
    assert_stack_overflow(&err);

    // The same store can instantiate again and call, successfully.
    let again = Instance::new(&mut store, &m, &[]).unwrap();
    let ok = again.get_typed_func::<(), i32>(&mut store, "ok").unwrap();
    assert_eq!(ok.call(&mut store, ()).unwrap(), 7);
    // Deep but finite recursion still works after the overflows: the stack
    // accounting went back to zero.
    let deep = again.get_typed_func::<i32, i32>(&mut store, "deep").unwrap();
    assert_eq!(deep.call(&mut store, 1000).unwrap(), 1000);
}

#[test]
fn max_wasm_stack_bounds_recursion_depth() {
    let mut small = kiln::Config::new();
    small.max_wasm_stack(64 * 1024);
    let mut large = kiln::Config::new();
    large.max_wasm_stack(4 * 1024 * 1024);
    let depth_with = |config: &kiln::Config| -> i32 {
        let engine = Engine::new(config).unwrap();
        let m = module(&engine, RECURSE);
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &m, &[]).unwrap();
        let deep = instance.get_typed_func::<i32, i32>(&mut store, "deep").unwrap();
        // The deepest depth that succeeds, by doubling then bisecting.
        let (mut lo, mut hi) = (1, 2);
        while deep.call(&mut store, hi).is_ok() {
            lo = hi;
            hi *= 2;
            assert!(hi < 10_000_000, "recursion is not bounded by max_wasm_stack");
        }
        assert_stack_overflow(&deep.call(&mut store, hi).unwrap_err());
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if deep.call(&mut store, mid).is_ok() {
                lo = mid
            } else {
                hi = mid
            }
        }
        lo
    };
    // Compiled code runs on the native stack: the thread must have the 4 MiB
    // the large configuration allows (the default test thread has 2 MiB).
    let (small_depth, large_depth) = std::thread::Builder::new()
        .stack_size(16 << 20)
        .spawn(move || (depth_with(&small), depth_with(&large)))
        .unwrap()
        .join()
        .unwrap();
    assert!(small_depth > 10, "64 KiB of wasm stack should allow more than {small_depth} frames");
    assert!(
        large_depth > 32 * small_depth,
        "64x the stack should allow far deeper recursion: {small_depth} vs {large_depth} frames"
    );
}

const REENTER: &str = r#"
(module
  (import "host" "reenter" (func $reenter (param i32) (result i32)))
  (func $f (export "f") (param i32) (result i32)
    (call $reenter (i32.add (local.get 0) (i32.const 1))))
  (func (export "ok") (result i32) i32.const 7))
"#;

/// `f` calls the host, which calls `f` again, without end.
fn reenter_linker(engine: &Engine) -> Linker<i32> {
    let mut linker = Linker::new(engine);
    linker
        .func_wrap("host", "reenter", |mut caller: Caller<'_, i32>, depth: i32| -> Result<i32> {
            let deepest = caller.data_mut();
            *deepest = (*deepest).max(depth);
            let f = caller.get_export("f").and_then(|e| e.into_func()).ok_or_else(|| anyhow!("no export `f`"))?;
            let f = f.typed::<i32, i32>(&caller)?;
            f.call(&mut caller, depth)
        })
        .unwrap();
    linker
}

/// In a child process: if this overflows the native stack, the process
/// aborts, and only the child should die.
#[test]
fn mutual_recursion_through_the_host_is_an_error_not_a_crash() {
    in_child_process("traps::mutual_recursion_through_the_host_is_an_error_not_a_crash", mutual_recursion);
}

fn mutual_recursion() {
    let engine = Engine::default();
    let m = module(&engine, REENTER);
    let linker = reenter_linker(&engine);
    let mut store = Store::new(&engine, 0);
    let instance = linker.instantiate(&mut store, &m).unwrap();
    let f = instance.get_typed_func::<i32, i32>(&mut store, "f").unwrap();
    let err = f.call(&mut store, 0).unwrap_err();
    assert_stack_overflow(&err);
    assert!(*store.data() >= 2, "the host was re-entered only {} times", store.data());

    // The store is usable afterwards: same instance, and a new one.
    let ok = instance.get_typed_func::<(), i32>(&mut store, "ok").unwrap();
    assert_eq!(ok.call(&mut store, ()).unwrap(), 7);
    let again = linker.instantiate(&mut store, &m).unwrap();
    let ok = again.get_typed_func::<(), i32>(&mut store, "ok").unwrap();
    assert_eq!(ok.call(&mut store, ()).unwrap(), 7);
    // And it overflows the same way a second time.
    *store.data_mut() = 0;
    let f = again.get_typed_func::<i32, i32>(&mut store, "f").unwrap();
    assert_stack_overflow(&f.call(&mut store, 0).unwrap_err());
}

#[test]
fn mutual_recursion_through_the_host_with_a_large_wasm_stack() {
    in_child_process("traps::mutual_recursion_through_the_host_with_a_large_wasm_stack", large_wasm_stack);
}

fn large_wasm_stack() {
    // A bigger wasm stack allows more host re-entries; each one also uses
    // the host's native stack, which must not overflow first. Run on a
    // thread with a generous native stack (4x the wasm stack).
    const WASM_STACK: usize = 4 << 20;
    std::thread::Builder::new()
        .stack_size(4 * WASM_STACK)
        .spawn(|| {
            let mut config = kiln::Config::new();
            config.max_wasm_stack(WASM_STACK);
            let engine = Engine::new(&config).unwrap();
            let m = module(&engine, REENTER);
            let linker = reenter_linker(&engine);
            let mut store = Store::new(&engine, 0);
            let instance = linker.instantiate(&mut store, &m).unwrap();
            let f = instance.get_typed_func::<i32, i32>(&mut store, "f").unwrap();
            assert_stack_overflow(&f.call(&mut store, 0).unwrap_err());
            let ok = instance.get_typed_func::<(), i32>(&mut store, "ok").unwrap();
            assert_eq!(ok.call(&mut store, ()).unwrap(), 7);
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn host_reentry_depth_is_bounded_by_max_wasm_stack() {
    // Each wasm -> host -> wasm re-entry uses native stack (about 1 KiB per
    // level in a release build, 25 KiB in a debug one), so the wasm stack
    // limit has to charge each re-entry enough that a 512 KiB limit cannot
    // take more than a few MiB of native stack. Allow up to 1 KiB per level.
    // The host gives up by itself after 2,000 levels, on a thread with a big
    // stack, so that a missing bound fails this test instead of crashing.
    const GIVE_UP: i32 = 2_000;
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(|| {
            let engine = Engine::default();
            let max = 512 * 1024; // the default max_wasm_stack
            let m = module(&engine, REENTER);
            let mut linker = Linker::<i32>::new(&engine);
            linker
                .func_wrap("host", "reenter", |mut caller: Caller<'_, i32>, depth: i32| -> Result<i32> {
                    *caller.data_mut() = depth;
                    if depth > GIVE_UP {
                        return Err(anyhow!("gave up after {depth} re-entries"));
                    }
                    let f = caller.get_export("f").and_then(|e| e.into_func()).unwrap();
                    f.typed::<i32, i32>(&caller)?.call(&mut caller, depth)
                })
                .unwrap();
            let mut store = Store::new(&engine, 0);
            let instance = linker.instantiate(&mut store, &m).unwrap();
            let f = instance.get_typed_func::<i32, i32>(&mut store, "f").unwrap();
            let err = f.call(&mut store, 0).unwrap_err();
            let depth = *store.data() as usize;
            assert!(
                depth <= max / 1024,
                "a max_wasm_stack of {max} bytes allowed {depth} host re-entries (at most {} expected): {err}",
                max / 1024
            );
            assert_stack_overflow(&err);
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn trap_codes_have_the_spec_wording() {
    let (engine, mut store) = engine_and_store();
    let m = module(
        &engine,
        r#"(module
          (type $v (func))
          (memory 1)
          (table 2 funcref)
          (elem (i32.const 1) $f)
          (func $f (param i32))
          (func (export "unreachable") unreachable)
          (func (export "div0") (drop (i32.div_s (i32.const 1) (i32.const 0))))
          (func (export "rem0") (drop (i64.rem_u (i64.const 1) (i64.const 0))))
          (func (export "overflow") (drop (i32.div_s (i32.const 0x80000000) (i32.const -1))))
          (func (export "conversion") (drop (i32.trunc_f32_s (f32.const nan))))
          (func (export "memory") (drop (i32.load (i32.const 65534))))
          (func (export "memory_store") (i64.store (i32.const -1) (i64.const 0)))
          (func (export "table") (call_indirect (type $v) (i32.const 5)))
          (func (export "null") (call_indirect (type $v) (i32.const 0)))
          (func (export "signature") (call_indirect (type $v) (i32.const 1)))
          (func (export "table_get") (drop (table.get 0 (i32.const 2))))
          (func (export "memory_fill") (memory.fill (i32.const 65000) (i32.const 0) (i32.const 1000))))"#,
    );
    let instance = Instance::new(&mut store, &m, &[]).unwrap();
    let cases = [
        ("unreachable", Trap::UnreachableCodeReached, "unreachable"),
        ("div0", Trap::IntegerDivisionByZero, "integer divide by zero"),
        ("rem0", Trap::IntegerDivisionByZero, "integer divide by zero"),
        ("overflow", Trap::IntegerOverflow, "integer overflow"),
        ("conversion", Trap::BadConversionToInteger, "invalid conversion to integer"),
        ("memory", Trap::MemoryOutOfBounds, "out of bounds memory access"),
        ("memory_store", Trap::MemoryOutOfBounds, "out of bounds memory access"),
        ("table", Trap::TableOutOfBounds, "out of bounds table access"),
        ("null", Trap::IndirectCallToNull, "uninitialized element"),
        ("signature", Trap::BadSignature, "indirect call type mismatch"),
        ("table_get", Trap::TableOutOfBounds, "out of bounds table access"),
        ("memory_fill", Trap::MemoryOutOfBounds, "out of bounds memory access"),
    ];
    for (name, trap, message) in cases {
        let f = instance.get_typed_func::<(), ()>(&mut store, name).unwrap();
        let err = f.call(&mut store, ()).unwrap_err();
        assert_eq!(err.downcast_ref::<Trap>(), Some(&trap), "{name}: {err:?}");
        assert_eq!(trap.message(), message, "{name}");
        assert!(err.to_string().contains(message), "{name}: `{err}` lacks `{message}`");
        assert!(err.downcast_ref::<WasmBacktrace>().is_some(), "{name}: no backtrace: {err:?}");
    }
}

const NAMED: &str = r#"
(module $named
  (func $inner (param i32) (result i32)
    (i32.div_u (i32.const 1) (local.get 0)))
  (func $middle (param i32) (result i32)
    (call $inner (local.get 0)))
  (func $outer (export "run") (param i32) (result i32)
    (call $middle (local.get 0))))
"#;

#[test]
fn trap_errors_display_the_wasm_backtrace_with_names() {
    let (engine, mut store) = engine_and_store();
    let m = module(&engine, NAMED);
    assert_eq!(m.name(), Some("named"));
    let instance = Instance::new(&mut store, &m, &[]).unwrap();
    let run = instance.get_typed_func::<i32, i32>(&mut store, "run").unwrap();
    assert_eq!(run.call(&mut store, 1).unwrap(), 1);
    let err = run.call(&mut store, 0).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::IntegerDivisionByZero));

    let bt = err.downcast_ref::<WasmBacktrace>().expect("a wasm backtrace");
    let names: Vec<_> = bt.frames().iter().map(|f| f.func_name()).collect();
    assert_eq!(names, [Some("inner"), Some("middle"), Some("outer")], "{bt:?}");
    let indices: Vec<_> = bt.frames().iter().map(|f| f.func_index()).collect();
    assert_eq!(indices, [0, 1, 2]);
    assert!(bt.frames().iter().all(|f| f.module_name() == Some("named")));
    assert!(bt.frames().iter().all(|f| f.module_offset().is_some()), "{bt:?}");

    // The error's Display shows the trap, then the frames, innermost first.
    let text = err.to_string();
    let at = |needle: &str| text.find(needle).unwrap_or_else(|| panic!("`{needle}` not in:\n{text}"));
    assert!(at("integer divide by zero") < at("wasm backtrace:"), "{text}");
    assert!(at("wasm backtrace:") < at("named!inner"), "{text}");
    assert!(at("named!inner") < at("named!middle"), "{text}");
    assert!(at("named!middle") < at("named!outer"), "{text}");
}

#[test]
fn unnamed_functions_show_their_index() {
    let (engine, mut store) = engine_and_store();
    let m = module(&engine, r#"(module (func) (func (export "boom") unreachable))"#);
    let instance = Instance::new(&mut store, &m, &[]).unwrap();
    let err = instance.get_typed_func::<(), ()>(&mut store, "boom").unwrap().call(&mut store, ()).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("<wasm function 1>"), "{text}");
}

#[test]
fn traps_pass_through_host_frames() {
    // wasm -> host -> wasm (traps): the outer call gets the inner trap.
    let (engine, mut store) = engine_and_store();
    let inner = module(&engine, r#"(module (func $crash (export "crash") unreachable))"#);
    let inner = Instance::new(&mut store, &inner, &[]).unwrap();
    let crash = inner.get_func(&mut store, "crash").unwrap();
    let host = Func::wrap(&mut store, move |mut caller: Caller<'_, ()>| -> Result<()> {
        crash.call(&mut caller, &[], &mut [])?;
        Ok(())
    });
    let outer = module(&engine, r#"(module (import "" "h" (func $h)) (func $callhost (export "run") call $h))"#);
    let outer = Instance::new(&mut store, &outer, &[host.into()]).unwrap();
    let run = outer.get_typed_func::<(), ()>(&mut store, "run").unwrap();
    let err = run.call(&mut store, ()).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::UnreachableCodeReached), "{err:?}");
    assert!(err.to_string().contains("crash"), "{err}");
    // Both instances still work.
    run.call(&mut store, ()).unwrap_err();
}

#[test]
fn traps_during_instantiation_are_errors() {
    let (engine, mut store) = engine_and_store();
    // A start function that traps.
    let m = module(&engine, r#"(module (func $start unreachable) (start $start))"#);
    let err = Instance::new(&mut store, &m, &[]).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::UnreachableCodeReached), "{err:?}");
    // An active data segment out of bounds.
    let m = module(&engine, r#"(module (memory 1) (data (i32.const 65535) "ab"))"#);
    let err = Instance::new(&mut store, &m, &[]).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::MemoryOutOfBounds), "{err:?}");
    // An active element segment out of bounds.
    let m = module(&engine, r#"(module (table 1 funcref) (func $f) (elem (i32.const 1) $f))"#);
    let err = Instance::new(&mut store, &m, &[]).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::TableOutOfBounds), "{err:?}");
    // The store is fine afterwards.
    let m = module(&engine, r#"(module (func (export "ok") (result i32) i32.const 1))"#);
    let i = Instance::new(&mut store, &m, &[]).unwrap();
    assert_eq!(i.get_typed_func::<(), i32>(&mut store, "ok").unwrap().call(&mut store, ()).unwrap(), 1);
}

#[test]
fn backtraces_of_deep_stacks_with_huge_names_stay_small() {
    // A 100 KB function name and a stack of hundreds of thousands of frames:
    // the backtrace keeps short names and the frames at both ends.
    let name = "n".repeat(100_000);
    let wat = format!(r#"(module (func ${name} (export "down") (call ${name})))"#);
    let mut tiers = vec![kiln::Strategy::Interpreter];
    if Engine::new(kiln::Config::new().strategy(kiln::Strategy::Cranelift)).is_ok() {
        tiers.push(kiln::Strategy::Cranelift);
    }
    for tier in tiers {
        let wat = wat.clone();
        let check = move || {
            let mut config = kiln::Config::new();
            config.strategy(tier).max_wasm_stack(64 << 20);
            let engine = Engine::new(&config).unwrap();
            let m = module(&engine, &wat);
            let mut store = Store::new(&engine, ());
            let instance = Instance::new(&mut store, &m, &[]).unwrap();
            let down = instance.get_typed_func::<(), ()>(&mut store, "down").unwrap();
            let err = down.call(&mut store, ()).unwrap_err();
            assert_stack_overflow(&err);
            let bt = err.downcast_ref::<WasmBacktrace>().expect("a backtrace");
            assert!(bt.frames().len() <= 20_000, "{tier:?}: {} frames kept", bt.frames().len());
            assert!(bt.frames_omitted() > 0, "{tier:?}: the stack was deep enough to omit frames");
            assert!(bt.frames().iter().all(|f| f.func_name().unwrap().len() <= 1100), "{tier:?}");
            let shown = format!("{err:?}");
            assert!(shown.len() < 30 << 20, "{tier:?}: {} bytes", shown.len());
            assert!(shown.contains("frames omitted"), "{tier:?}");
        };
        // Compiled code needs the native stack it may use.
        std::thread::Builder::new().stack_size(256 << 20).spawn(check).unwrap().join().unwrap();
    }
}

#[test]
fn frames_know_their_module_and_offset_in_the_function() {
    for strategy in [kiln::Strategy::Interpreter, kiln::Strategy::Auto] {
        let engine = Engine::new(kiln::Config::new().strategy(strategy)).unwrap();
        let m = module(
            &engine,
            r#"(module $named
                 (func $inner (param i32) (result i32)
                   local.get 0
                   i32.const 0
                   i32.div_u)
                 (func (export "outer") (result i32) (call $inner (i32.const 7))))"#,
        );
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &m, &[]).unwrap();
        let outer = instance.get_typed_func::<(), i32>(&mut store, "outer").unwrap();
        let err = outer.call(&mut store, ()).unwrap_err();
        let trace = err.downcast_ref::<WasmBacktrace>().expect("a backtrace");
        let inner = &trace.frames()[0];
        assert_eq!(inner.module().name(), Some("named"), "{strategy:?}");
        assert_eq!(inner.func_name(), Some("inner"), "{strategy:?}");
        // The body of $inner: its local declarations (one byte: none), then
        // local.get 0 (2 bytes), i32.const 0 (2 bytes), i32.div_u.
        assert_eq!(inner.func_offset(), Some(5), "{strategy:?}: {trace:?}");
        let outer_frame = &trace.frames()[1];
        assert!(outer_frame.func_offset().is_some_and(|o| o < 10), "{strategy:?}: {trace:?}");
    }
}
