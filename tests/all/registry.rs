//! The engine's function-type registry: types are released when the last
//! module and store using them are gone, and a released id given to another
//! type never lets `call_indirect` accept a function of the old type.

use crate::{in_child_process, module};
use kiln::{Config, Engine, Func, Instance, Linker, Module, Ref, Store, Strategy, Trap, Val, ValType};

/// The tiers to run each test with.
fn strategies() -> Vec<Strategy> {
    let mut all = vec![Strategy::Interpreter];
    if cfg!(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64"))) {
        all.push(Strategy::Cranelift);
    }
    all
}

fn engine(strategy: Strategy) -> Engine {
    let mut config = Config::new();
    config.strategy(strategy);
    Engine::new(&config).unwrap()
}

/// A binary module with one exported function whose type is the `n`th of
/// an endless list of distinct types: an f32 parameter (which no other
/// type of these tests starts with), then parameters that spell `n + 1` in
/// binary (below the leading 1) with i32 for 0 and i64 for 1, then
/// `PADDING` more i32s, so that a leaked type would show in the RSS.
fn distinct_type_module(n: u32) -> Vec<u8> {
    const PADDING: usize = 96;
    let bits = 32 - (n + 1).leading_zeros() - 1;
    let spelled = (0..bits).rev().map(|b| if (n + 1) >> b & 1 == 0 { 0x7f } else { 0x7e });
    let padding = std::iter::repeat_n(0x7f, PADDING);
    let params: Vec<u8> = std::iter::once(0x7d).chain(spelled).chain(padding).collect();
    let mut types = vec![1, 0x60, params.len() as u8];
    types.extend(&params);
    types.extend([1, 0x7f]);
    let section = |id: u8, body: &[u8]| {
        assert!(body.len() < 128, "one-byte section sizes");
        let mut s = vec![id, body.len() as u8];
        s.extend(body);
        s
    };
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    wasm.extend(section(1, &types));
    wasm.extend(section(3, &[1, 0]));
    wasm.extend(section(7, &[1, 1, b'f', 0, 0]));
    // The body: no locals, `i32.const 7`, `end`.
    wasm.extend(section(10, &[1, 4, 0, 0x41, 7, 0x0b]));
    wasm
}

/// Compiles, instantiates, calls and drops `count` modules of distinct
/// types, checking that none of their types outlives them.
fn churn(engine: &Engine, first: u32, count: u32) {
    let baseline = engine.registered_type_count();
    for n in first..first + count {
        let module = Module::from_binary(engine, &distinct_type_module(n)).unwrap();
        assert_eq!(engine.registered_type_count(), baseline + 1);
        if n % 16 == 0 {
            let mut store = Store::new(engine, ());
            let instance = Instance::new(&mut store, &module, &[]).unwrap();
            let mut results = [Val::I32(0)];
            let f = instance.get_func(&mut store, "f").unwrap();
            let params: Vec<Val> = f
                .ty(&store)
                .params()
                .iter()
                .map(|t| match t {
                    ValType::I32 => Val::I32(0),
                    ValType::I64 => Val::I64(0),
                    _ => Val::F32(0),
                })
                .collect();
            f.call(&mut store, &params, &mut results).unwrap();
            assert_eq!(results[0].i32(), Some(7));
        }
    }
    assert_eq!(engine.registered_type_count(), baseline, "every churned type was released");
}

#[test]
fn distinct_type_modules_have_distinct_types() {
    let engine = engine(Strategy::Interpreter);
    let modules: Vec<Module> =
        (0..300).map(|n| Module::from_binary(&engine, &distinct_type_module(n)).unwrap()).collect();
    assert_eq!(engine.registered_type_count(), 300);
    drop(modules);
    assert_eq!(engine.registered_type_count(), 0);
}

/// Resident memory in bytes (`VmRSS`, which is in KiB whatever the page size).
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).expect("a VmRSS line");
    let kib: u64 = line.split_whitespace().nth(1).expect("a VmRSS value").parse().unwrap();
    kib * 1024
}

/// In a child process, so that other tests do not move the process's RSS.
#[test]
fn compiling_and_dropping_10000_modules_keeps_memory_flat() {
    in_child_process("registry::compiling_and_dropping_10000_modules_keeps_memory_flat", || {
        // Flat is a few KiB here; without releasing, the 9,000 padded types
        // add about 3.5 MiB.
        const MARGIN: u64 = 2 << 20;
        let engine = engine(Strategy::Interpreter);
        let start = std::time::Instant::now();
        churn(&engine, 0, 1_000);
        let at_1000 = rss();
        churn(&engine, 1_000, 9_000);
        let at_10000 = rss();
        println!(
            "10,000 modules in {:?}; RSS after 1,000: {} KiB, after 10,000: {} KiB",
            start.elapsed(),
            at_1000 / 1024,
            at_10000 / 1024
        );
        assert_eq!(engine.registered_type_count(), 0);
        assert!(
            at_10000 <= at_1000 + MARGIN,
            "resident memory grew from {} KiB to {} KiB",
            at_1000 / 1024,
            at_10000 / 1024
        );
    });
}

#[test]
fn compiling_and_dropping_modules_with_the_default_strategy_releases_their_types() {
    let engine = Engine::default();
    churn(&engine, 0, 500);
    assert_eq!(engine.registered_type_count(), 0);
}

#[test]
fn a_failed_compilation_releases_its_types() {
    for strategy in strategies() {
        let engine = engine(strategy);
        let invalid = r#"(module
            (type (func (param i32 i64 f32)))
            (func (param f64) (result i32) (i64.const 0)))"#;
        assert!(Module::new(&engine, invalid).is_err());
        assert_eq!(engine.registered_type_count(), 0, "{strategy:?}");
    }
}

#[test]
fn a_store_keeps_the_types_of_its_instances_and_host_functions() {
    for strategy in strategies() {
        let engine = engine(strategy);
        let mut store = Store::new(&engine, ());
        let m = module(&engine, r#"(module (func (export "f") (param i32) (result i32) (local.get 0)))"#);
        let instance = Instance::new(&mut store, &m, &[]).unwrap();
        let host = Func::wrap(&mut store, |x: f64| x);
        assert_eq!(engine.registered_type_count(), 2);

        drop(m);
        churn(&engine, 0, 50);
        assert_eq!(engine.registered_type_count(), 2, "{strategy:?}: the store still uses both types");
        let f = instance.get_typed_func::<i32, i32>(&mut store, "f").unwrap();
        assert_eq!(f.call(&mut store, 3).unwrap(), 3);
        assert_eq!(host.typed::<f64, f64>(&store).unwrap().call(&mut store, 1.5).unwrap(), 1.5);

        drop(store);
        assert_eq!(engine.registered_type_count(), 0, "{strategy:?}");
    }
}

#[test]
fn linker_definitions_hold_no_types_and_stores_release_theirs() {
    for strategy in strategies() {
        let engine = engine(strategy);
        let mut linker = Linker::<()>::new(&engine);
        linker.func_wrap("env", "twice", |x: i64| x * 2).unwrap();
        assert_eq!(engine.registered_type_count(), 0, "a linker's host function is not in any store yet");
        let m = module(
            &engine,
            r#"(module
                 (import "env" "twice" (func $twice (param i64) (result i64)))
                 (func (export "run") (param i64) (result i64) (call $twice (local.get 0))))"#,
        );
        for i in 0..3 {
            let mut store = Store::new(&engine, ());
            let instance = linker.instantiate(&mut store, &m).unwrap();
            let run = instance.get_typed_func::<i64, i64>(&mut store, "run").unwrap();
            assert_eq!(run.call(&mut store, i).unwrap(), 2 * i);
            assert_eq!(engine.registered_type_count(), 1);
        }
        drop(m);
        assert_eq!(engine.registered_type_count(), 0, "{strategy:?}");
    }
}

fn trap_of(err: anyhow::Error) -> Trap {
    *err.downcast_ref::<Trap>().unwrap_or_else(|| panic!("not a trap: {err:?}"))
}

/// The id-reuse hazard: a type released too early (while a live instance or
/// host function still carries its id) would hand that id to the next new
/// type, and `call_indirect` would accept the old function as the new type.
/// Here every step that could release too early happens just before the
/// module whose new types take the freed ids (most recently freed first)
/// is compiled.
#[test]
fn call_indirect_still_checks_types_after_ids_are_reused() {
    for strategy in strategies() {
        let engine = engine(strategy);
        // Freed ids for the new types to take.
        churn(&engine, 0, 64);

        let mut store = Store::new(&engine, ());
        let c = module(
            &engine,
            r#"(module
                 (table (export "table") 2 funcref)
                 (elem (i32.const 0) $f)
                 (func $f (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))"#,
        );
        let a = module(&engine, r#"(module (func (export "g") (param i32) (result i32) (local.get 0)))"#);
        let c_instance = Instance::new(&mut store, &c, &[]).unwrap();
        let table = c_instance.get_table(&mut store, "table").unwrap();
        // Module A shares C's type; neither handle is needed any more, but
        // C's instance still is.
        drop(a);
        drop(c);
        let host = Func::wrap(&mut store, |x: i64| x * 2);
        table.set(&mut store, 1, Ref::Func(Some(host))).unwrap();
        assert_eq!(engine.registered_type_count(), 2, "{strategy:?}");

        // B's first two types are new and take the most recently freed ids;
        // its last two equal those of C's function and the host function.
        let b = module(
            &engine,
            r#"(module
                 (import "c" "table" (table 2 funcref))
                 (type $t4 (func (param i64) (result i32)))
                 (type $t2 (func (param i32) (result i64)))
                 (type $t1 (func (param i32) (result i32)))
                 (type $t3 (func (param i64) (result i64)))
                 (func (export "as_t1") (type $t1) (call_indirect (type $t1) (local.get 0) (i32.const 0)))
                 (func (export "as_t2") (type $t2) (call_indirect (type $t2) (local.get 0) (i32.const 0)))
                 (func (export "host_as_t3") (type $t3) (call_indirect (type $t3) (local.get 0) (i32.const 1)))
                 (func (export "host_as_t4") (type $t4) (call_indirect (type $t4) (local.get 0) (i32.const 1))))"#,
        );
        assert_eq!(engine.registered_type_count(), 4, "{strategy:?}");
        let b_instance = Instance::new(&mut store, &b, &[table.into()]).unwrap();

        let as_t1 = b_instance.get_typed_func::<i32, i32>(&mut store, "as_t1").unwrap();
        assert_eq!(as_t1.call(&mut store, 41).unwrap(), 42, "{strategy:?}");
        let host_as_t3 = b_instance.get_typed_func::<i64, i64>(&mut store, "host_as_t3").unwrap();
        assert_eq!(host_as_t3.call(&mut store, 21).unwrap(), 42, "{strategy:?}");
        let as_t2 = b_instance.get_typed_func::<i32, i64>(&mut store, "as_t2").unwrap();
        assert_eq!(trap_of(as_t2.call(&mut store, 1).unwrap_err()), Trap::BadSignature, "{strategy:?}");
        let host_as_t4 = b_instance.get_typed_func::<i64, i32>(&mut store, "host_as_t4").unwrap();
        let err = host_as_t4.call(&mut store, 1).unwrap_err();
        assert!(err.to_string().contains("indirect call type mismatch"), "{strategy:?}: {err}");

        // Importing checks ids too: C's function is not a `t2`.
        let f = table.get(&mut store, 0).unwrap();
        let wants_t2 = module(&engine, r#"(module (import "c" "f" (func (param i32) (result i64))))"#);
        let Ref::Func(Some(f)) = f else { panic!("C's function is in the table") };
        assert!(Instance::new(&mut store, &wants_t2, &[f.into()]).is_err(), "{strategy:?}");
        drop(wants_t2);

        // The error's backtrace keeps B's module (its frames name it).
        drop(err);
        drop(b);
        drop(store);
        assert_eq!(engine.registered_type_count(), 0, "{strategy:?}");
    }
}
