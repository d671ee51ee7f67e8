//! `Linker::instantiate_pre` and `InstancePre`: imports resolved and
//! type-checked once, then any number of instantiations, in any store of
//! the engine (host functions) or only in the store that owns the items.

use crate::module;
use kiln::{
    Caller, Config, Engine, ExternType, Func, Global, GlobalType, InstancePre, Linker, Memory, MemoryType, Module,
    Mutability, Store, Strategy, UnknownImportError, Val, ValType,
};

/// A module with a host import, a memory with a data segment, a global and
/// a start function: `run(x)` = `host(x)` + the data word + starts seen.
const SERVER_WAT: &str = r#"
(module
  (import "env" "host" (func $host (param i32) (result i32)))
  (memory (export "memory") 1)
  (global $starts (mut i32) (i32.const 0))
  (data (i32.const 64) "\64\00\00\00")
  (func $start (global.set $starts (i32.add (global.get $starts) (i32.const 1))))
  (start $start)
  (func (export "run") (param i32) (result i32)
    (i32.add (call $host (local.get 0))
             (i32.add (i32.load (i32.const 64)) (global.get $starts)))))
"#;

fn server_linker(engine: &Engine) -> Linker<u32> {
    let mut linker = Linker::new(engine);
    linker
        .func_wrap("env", "host", |mut c: Caller<'_, u32>, x: i32| {
            *c.data_mut() += 1;
            x * 2
        })
        .unwrap();
    linker
}

#[test]
fn one_instance_pre_serves_many_stores() {
    for strategy in [Strategy::Interpreter, Strategy::Auto] {
        let engine = Engine::new(Config::new().strategy(strategy)).unwrap();
        let m = module(&engine, SERVER_WAT);
        let pre = server_linker(&engine).instantiate_pre(&m).unwrap();
        let exports: Vec<&str> = pre.module().exports().map(|e| e.name()).collect();
        assert_eq!(exports, ["memory", "run"]);
        for i in 0..100 {
            let mut store = Store::new(&engine, 0u32);
            let instance = pre.instantiate(&mut store).unwrap();
            let run = instance.get_typed_func::<i32, i32>(&mut store, "run").unwrap();
            // 2i + 100 + one start; the host function saw this store's data.
            assert_eq!(run.call(&mut store, i).unwrap(), 2 * i + 101, "{strategy:?}");
            assert_eq!(*store.data(), 1);
            // A second instance in the same store reuses the store's copy of
            // the host function and gets fresh state of its own.
            let again = pre.instantiate(&mut store).unwrap();
            let run2 = again.get_typed_func::<i32, i32>(&mut store, "run").unwrap();
            assert_eq!(run2.call(&mut store, 1).unwrap(), 103);
            assert_eq!(*store.data(), 2);
        }
    }
}

#[test]
fn instance_pre_is_cheap_to_clone_and_works_from_threads() {
    let engine = Engine::default();
    let m = module(&engine, SERVER_WAT);
    let pre: InstancePre<u32> = server_linker(&engine).instantiate_pre(&m).unwrap();
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let (engine, pre) = (engine.clone(), pre.clone());
            std::thread::spawn(move || {
                for i in 0..50 {
                    let mut store = Store::new(&engine, 0u32);
                    let instance = pre.instantiate(&mut store).unwrap();
                    let run = instance.get_typed_func::<i32, i32>(&mut store, "run").unwrap();
                    assert_eq!(run.call(&mut store, t * 100 + i).unwrap(), 2 * (t * 100 + i) + 101);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("a thread panicked");
    }
}

#[test]
fn a_missing_import_is_reported_by_instantiate_pre_with_its_name_and_type() {
    let engine = Engine::default();
    let m = module(
        &engine,
        r#"(module (import "env" "host" (func (param i32) (result i32)))
                   (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32))))"#,
    );
    let err = server_linker(&engine).instantiate_pre(&m).unwrap_err();
    let unknown = err.downcast_ref::<UnknownImportError>().expect("an UnknownImportError");
    assert_eq!(unknown.module(), "wasi_snapshot_preview1");
    assert_eq!(unknown.name(), "fd_write");
    let ExternType::Func(ty) = unknown.ty() else { panic!("not a function type: {}", unknown.ty()) };
    assert_eq!(ty.params(), [ValType::I32; 4]);
    assert_eq!(ty.results(), [ValType::I32]);
    assert!(err.to_string().contains("wasi_snapshot_preview1::fd_write"), "{err}");
}

#[test]
fn a_mistyped_import_is_reported_by_instantiate_pre() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, 0u32);
    let mut linker = server_linker(&engine);
    let g = Global::new(&mut store, GlobalType::new(ValType::I64, Mutability::Const), Val::I64(1)).unwrap();
    linker.define(&store, "env", "g", g).unwrap();
    let mem = Memory::new(&mut store, MemoryType::new(1, Some(1))).unwrap();
    linker.define(&store, "env", "mem", mem).unwrap();

    let cases = [
        (r#"(import "env" "host" (func (param i64)))"#, "env::host"),
        (r#"(import "env" "g" (global i32))"#, "env::g"),
        (r#"(import "env" "g" (global (mut i64)))"#, "env::g"),
        (r#"(import "env" "host" (memory 1))"#, "env::host"),
        (r#"(import "env" "mem" (memory 2))"#, "env::mem"),
        (r#"(import "env" "mem" (func))"#, "env::mem"),
    ];
    for (import, name) in cases {
        let m = module(&engine, &format!("(module {import})"));
        let err = linker.instantiate_pre(&m).unwrap_err();
        assert!(err.to_string().contains(&format!("incompatible import type for `{name}`")), "{import}: {err}");
        assert!(err.downcast_ref::<UnknownImportError>().is_none());
    }
    // The right types are accepted.
    let m = module(
        &engine,
        r#"(module (import "env" "host" (func (param i32) (result i32)))
                   (import "env" "g" (global i64))
                   (import "env" "mem" (memory 1 1)))"#,
    );
    linker.instantiate_pre(&m).unwrap().instantiate(&mut store).unwrap();
}

#[test]
fn store_items_tie_an_instance_pre_to_their_store() {
    let engine = Engine::default();
    let mut a = Store::new(&engine, 0u32);
    let mut b = Store::new(&engine, 0u32);
    let mut linker = server_linker(&engine);
    let g = Global::new(&mut a, GlobalType::new(ValType::I32, Mutability::Var), Val::I32(7)).unwrap();
    linker.define(&a, "env", "g", g).unwrap();
    let m = module(
        &engine,
        r#"(module (import "env" "host" (func $host (param i32) (result i32)))
                   (import "env" "g" (global $g (mut i32)))
                   (func (export "run") (result i32) (call $host (global.get $g))))"#,
    );
    let pre = linker.instantiate_pre(&m).unwrap();
    let instance = pre.instantiate(&mut a).unwrap();
    let run = instance.get_typed_func::<(), i32>(&mut a, "run").unwrap();
    assert_eq!(run.call(&mut a, ()).unwrap(), 14);
    g.set(&mut a, Val::I32(8)).unwrap();
    assert_eq!(run.call(&mut a, ()).unwrap(), 16, "the instance imports the global itself");

    let err = pre.instantiate(&mut b).unwrap_err();
    assert!(err.to_string().contains("another store"), "{err}");
    assert_eq!(*b.data(), 0);

    // Only host functions: any store.
    let host_only = module(&engine, r#"(module (import "env" "host" (func (param i32) (result i32))))"#);
    let pre = linker.instantiate_pre(&host_only).unwrap();
    pre.instantiate(&mut a).unwrap();
    pre.instantiate(&mut b).unwrap();
}

#[test]
fn items_of_two_stores_cannot_be_combined() {
    let engine = Engine::default();
    let mut a = Store::new(&engine, ());
    let mut b = Store::new(&engine, ());
    let mut linker = Linker::<()>::new(&engine);
    let ty = GlobalType::new(ValType::I32, Mutability::Const);
    let in_a = Global::new(&mut a, ty, Val::I32(1)).unwrap();
    let in_b = Global::new(&mut b, ty, Val::I32(2)).unwrap();
    linker.define(&a, "env", "a", in_a).unwrap();
    linker.define(&b, "env", "b", in_b).unwrap();
    let m = module(&engine, r#"(module (import "env" "a" (global i32)) (import "env" "b" (global i32)))"#);
    let err = linker.instantiate_pre(&m).unwrap_err();
    assert!(err.to_string().contains("env::b"), "{err}");
}

#[test]
fn the_imports_are_fixed_when_the_instance_pre_is_made() {
    let engine = Engine::default();
    let mut linker = Linker::<()>::new(&engine);
    linker.allow_shadowing(true);
    linker.func_wrap("env", "f", || 1i32).unwrap();
    let m = module(
        &engine,
        r#"(module (import "env" "f" (func $f (result i32))) (func (export "run") (result i32) call $f))"#,
    );
    let pre = linker.instantiate_pre(&m).unwrap();
    linker.func_wrap("env", "f", || 2i32).unwrap();
    let mut store = Store::new(&engine, ());
    let old = pre.instantiate(&mut store).unwrap();
    let new = linker.instantiate(&mut store, &m).unwrap();
    assert_eq!(old.get_typed_func::<(), i32>(&mut store, "run").unwrap().call(&mut store, ()).unwrap(), 1);
    assert_eq!(new.get_typed_func::<(), i32>(&mut store, "run").unwrap().call(&mut store, ()).unwrap(), 2);
}

#[test]
fn instance_pre_runs_the_start_function_but_not_initialize() {
    let engine = Engine::default();
    let m = module(
        &engine,
        r#"(module (global $g (mut i32) (i32.const 0))
                   (func $start (global.set $g (i32.add (global.get $g) (i32.const 1))))
                   (start $start)
                   (func (export "_initialize") (global.set $g (i32.add (global.get $g) (i32.const 10))))
                   (func (export "get") (result i32) global.get $g))"#,
    );
    let linker = Linker::<()>::new(&engine);
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate_pre(&m).unwrap().instantiate(&mut store).unwrap();
    let get = instance.get_typed_func::<(), i32>(&mut store, "get").unwrap();
    assert_eq!(get.call(&mut store, ()).unwrap(), 1, "start ran, `_initialize` did not");
    // Linker::instantiate runs both.
    let instance = linker.instantiate(&mut store, &m).unwrap();
    let get = instance.get_typed_func::<(), i32>(&mut store, "get").unwrap();
    assert_eq!(get.call(&mut store, ()).unwrap(), 11);
}

#[test]
fn a_trapping_start_function_fails_the_instantiation() {
    let engine = Engine::default();
    let m = module(&engine, r#"(module (func $s unreachable) (start $s))"#);
    let pre = Linker::<()>::new(&engine).instantiate_pre(&m).unwrap();
    let mut store = Store::new(&engine, ());
    let err = pre.instantiate(&mut store).unwrap_err();
    assert_eq!(err.downcast_ref::<kiln::Trap>(), Some(&kiln::Trap::UnreachableCodeReached), "{err:?}");
}

#[test]
fn engines_must_match() {
    let a = Engine::default();
    let b = Engine::default();
    let m = module(&a, r#"(module (import "env" "f" (func)))"#);
    let mut linker = Linker::<()>::new(&a);
    linker.func_wrap("env", "f", || {}).unwrap();
    let pre = linker.instantiate_pre(&m).unwrap();
    let mut store = Store::new(&b, ());
    let err = pre.instantiate(&mut store).unwrap_err();
    assert!(err.to_string().contains("Engine"), "{err}");
    // The module of another engine than the linker's is refused up front.
    let other = module(&b, "(module)");
    let err = linker.instantiate_pre(&other).unwrap_err();
    assert!(err.to_string().contains("Engine"), "{err}");
}

#[test]
fn instance_pre_registrations_are_released() {
    let engine = Engine::default();
    let mut linker = Linker::<()>::new(&engine);
    linker.func_wrap("env", "f", |x: f64| x).unwrap();
    let m = module(&engine, r#"(module (import "env" "f" (func (param f64) (result f64))))"#);
    let pre = linker.instantiate_pre(&m).unwrap();
    for _ in 0..3 {
        let mut store = Store::new(&engine, ());
        pre.instantiate(&mut store).unwrap();
        assert_eq!(engine.registered_type_count(), 1);
    }
    drop((pre, m));
    assert_eq!(engine.registered_type_count(), 0);
}

#[test]
fn a_host_function_from_an_instance_pre_is_the_linkers_function_in_that_store() {
    let engine = Engine::default();
    let m =
        module(&engine, r#"(module (import "env" "host" (func $h (param i32) (result i32))) (export "h" (func $h)))"#);
    let linker = server_linker(&engine);
    let pre = linker.instantiate_pre(&m).unwrap();
    let mut store = Store::new(&engine, 0u32);
    let instance = pre.instantiate(&mut store).unwrap();
    let exported: Func = instance.get_func(&mut store, "h").unwrap();
    let from_linker = linker.get(&mut store, "env", "host").unwrap().into_func().unwrap();
    assert_eq!(exported, from_linker, "one copy of the host function per store");
}

#[test]
fn instantiation_errors_leave_the_store_usable() {
    let engine = Engine::default();
    let m = module(&engine, r#"(module (memory 2) (data (i32.const 131070) "xyz"))"#);
    let pre = Linker::<()>::new(&engine).instantiate_pre(&m).unwrap();
    let mut store = Store::new(&engine, ());
    assert!(pre.instantiate(&mut store).is_err(), "the data segment is out of bounds");
    let ok = Module::new(&engine, r#"(module (func (export "f") (result i32) i32.const 5))"#).unwrap();
    let instance = Linker::<()>::new(&engine).instantiate_pre(&ok).unwrap().instantiate(&mut store).unwrap();
    assert_eq!(instance.get_typed_func::<(), i32>(&mut store, "f").unwrap().call(&mut store, ()).unwrap(), 5);
}
