//! The linker: resolving imports by name, shadowing, reactors and commands,
//! named modules.

use crate::module;
use anyhow::Result;
use kiln::{
    Caller, Engine, Func, FuncType, Global, GlobalType, Instance, Linker, Mutability, Store, Trap, Val, ValType,
};

#[test]
fn missing_import_names_module_and_name() {
    let engine = Engine::default();
    let m = module(
        &engine,
        r#"(module
          (import "env" "present" (func))
          (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32))))"#,
    );
    let mut linker = Linker::<()>::new(&engine);
    linker.func_wrap("env", "present", || {}).unwrap();
    let mut store = Store::new(&engine, ());
    let err = linker.instantiate(&mut store, &m).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("wasi_snapshot_preview1::fd_write"), "{text}");

    // A definition of the right name but the wrong type is refused too, by name.
    linker.func_wrap("wasi_snapshot_preview1", "fd_write", |_: i32| -> i32 { 0 }).unwrap();
    let err = linker.instantiate(&mut store, &m).unwrap_err();
    assert!(err.to_string().contains("wasi_snapshot_preview1::fd_write"), "{err}");
}

#[test]
fn shadowing_is_refused_by_default_and_allowed_on_request() {
    let engine = Engine::default();
    let m = module(
        &engine,
        r#"(module (import "env" "f" (func $f (result i32))) (func (export "run") (result i32) call $f))"#,
    );
    let mut linker = Linker::<()>::new(&engine);
    linker.func_wrap("env", "f", || 1i32).unwrap();
    let err = linker.func_wrap("env", "f", || 2i32).err().expect("redefinition accepted");
    assert!(err.to_string().contains("env::f"), "{err}");
    let ty = FuncType::new([], [ValType::I32]);
    assert!(linker
        .func_new("env", "f", ty.clone(), |_, _, r| {
            r[0] = Val::I32(3);
            Ok(())
        })
        .is_err());
    let mut store = Store::new(&engine, ());
    let other = Func::wrap(&mut store, || 4i32);
    assert!(linker.define(&mut store, "env", "f", other).is_err());
    // The first definition is still the one in force.
    let instance = linker.instantiate(&mut store, &m).unwrap();
    let run = instance.get_typed_func::<(), i32>(&mut store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 1);

    // With shadowing allowed, the latest definition wins.
    linker.allow_shadowing(true);
    linker.func_wrap("env", "f", || 2i32).unwrap();
    let instance = linker.instantiate(&mut store, &m).unwrap();
    let run = instance.get_typed_func::<(), i32>(&mut store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 2);
    linker
        .func_new("env", "f", ty, |_, _, r| {
            r[0] = Val::I32(3);
            Ok(())
        })
        .unwrap();
    let instance = linker.instantiate(&mut store, &m).unwrap();
    let run = instance.get_typed_func::<(), i32>(&mut store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 3);
    linker.define(&mut store, "env", "f", other).unwrap();
    let instance = linker.instantiate(&mut store, &m).unwrap();
    let run = instance.get_typed_func::<(), i32>(&mut store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 4);
}

const REACTOR: &str = r#"
(module
  (import "env" "log" (func $log (param i32)))
  (global $state (export "state") (mut i32) (i32.const 0))
  (func (export "_initialize")
    (global.set $state (i32.const 42))
    (call $log (i32.const 1)))
  (func (export "get") (result i32) global.get $state))
"#;

const COMMAND: &str = r#"
(module
  (import "env" "log" (func $log (param i32)))
  (func (export "_start") (call $log (i32.const 2))))
"#;

fn logging_linker(engine: &Engine) -> Linker<Vec<i32>> {
    let mut linker = Linker::new(engine);
    linker.func_wrap("env", "log", |mut c: Caller<'_, Vec<i32>>, x: i32| c.data_mut().push(x)).unwrap();
    linker
}

#[test]
fn reactors_are_initialized_and_commands_are_not_started() {
    let engine = Engine::default();
    let linker = logging_linker(&engine);

    let reactor = module(&engine, REACTOR);
    let mut store = Store::new(&engine, Vec::new());
    let instance = linker.instantiate(&mut store, &reactor).unwrap();
    assert_eq!(store.data(), &[1], "`_initialize` should run exactly once");
    let get = instance.get_typed_func::<(), i32>(&mut store, "get").unwrap();
    assert_eq!(get.call(&mut store, ()).unwrap(), 42);
    // Any export, many times.
    assert_eq!(get.call(&mut store, ()).unwrap(), 42);
    assert_eq!(store.data(), &[1]);

    // Instance::new does not run `_initialize`.
    let log = linker.get(&mut store, "env", "log").unwrap();
    let plain = Instance::new(&mut store, &reactor, &[log]).unwrap();
    let get = plain.get_typed_func::<(), i32>(&mut store, "get").unwrap();
    assert_eq!(get.call(&mut store, ()).unwrap(), 0);
    assert_eq!(store.data(), &[1]);

    // A command's `_start` is not run by instantiation.
    let command = module(&engine, COMMAND);
    let instance = linker.instantiate(&mut store, &command).unwrap();
    assert_eq!(store.data(), &[1]);
    let start = instance.get_typed_func::<(), ()>(&mut store, "_start").unwrap();
    start.call(&mut store, ()).unwrap();
    assert_eq!(store.data(), &[1, 2]);
}

#[test]
fn a_trapping_initializer_fails_instantiation() {
    let engine = Engine::default();
    let linker = Linker::<()>::new(&engine);
    let m = module(&engine, r#"(module (func (export "_initialize") unreachable))"#);
    let mut store = Store::new(&engine, ());
    let err = linker.instantiate(&mut store, &m).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::UnreachableCodeReached), "{err:?}");
}

#[test]
fn named_modules_and_instances() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, Vec::new());
    let mut linker = logging_linker(&engine);

    // `module` instantiates now (running `_initialize`) and defines the exports.
    let provider = module(&engine, REACTOR);
    linker.module(&mut store, "provider", &provider).unwrap();
    assert_eq!(store.data(), &[1]);
    let state = linker.get(&mut store, "provider", "state").and_then(|e| e.into_global()).unwrap();
    assert_eq!(state.get(&store).i32(), Some(42));
    assert!(linker.get(&mut store, "provider", "nope").is_none());

    let consumer = module(
        &engine,
        r#"(module
          (import "provider" "get" (func $get (result i32)))
          (import "provider" "state" (global $state (mut i32)))
          (func (export "run") (result i32)
            (global.set $state (i32.add (global.get $state) (i32.const 1)))
            call $get))"#,
    );
    let instance = linker.instantiate(&mut store, &consumer).unwrap();
    let run = instance.get_typed_func::<(), i32>(&mut store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 43);
    assert_eq!(state.get(&store).i32(), Some(43), "the consumer shares the provider's global");

    // `instance` defines an existing instance's exports.
    let other = Instance::new(&mut store, &module(&engine, r#"(module (func (export "get") (result i32) i32.const 5) (global (export "state") (mut i32) (i32.const 0)))"#), &[]).unwrap();
    assert!(linker.instance(&mut store, "provider", other).is_err(), "shadowing is off");
    linker.instance(&mut store, "other", other).unwrap();
    let g = Global::new(&mut store, GlobalType::new(ValType::I32, Mutability::Var), Val::I32(0)).unwrap();
    linker.define(&mut store, "other2", "state", g).unwrap();
    let get5 = linker.get(&mut store, "other", "get").and_then(|e| e.into_func()).unwrap();
    linker.define(&mut store, "other2", "get", get5).unwrap();
    let renamed = module(
        &engine,
        r#"(module
          (import "other2" "get" (func $get (result i32)))
          (import "other2" "state" (global (mut i32)))
          (func (export "run") (result i32) call $get))"#,
    );
    let instance = linker.instantiate(&mut store, &renamed).unwrap();
    let run = instance.get_typed_func::<(), i32>(&mut store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 5);
}

#[test]
fn one_linker_serves_many_stores() {
    let engine = Engine::default();
    let linker = logging_linker(&engine);
    let reactor = module(&engine, REACTOR);
    for i in 0..50 {
        let mut store = Store::new(&engine, vec![-i]);
        let instance = linker.instantiate(&mut store, &reactor).unwrap();
        let get = instance.get_typed_func::<(), i32>(&mut store, "get").unwrap();
        assert_eq!(get.call(&mut store, ()).unwrap(), 42);
        assert_eq!(store.data(), &[-i, 1]);
    }
}

#[test]
fn store_items_defined_in_a_linker_do_not_cross_stores() {
    let engine = Engine::default();
    let mut a = Store::new(&engine, ());
    let mut b = Store::new(&engine, ());
    let f = Func::wrap(&mut a, || 1i32);
    let mut linker = Linker::<()>::new(&engine);
    linker.define(&mut a, "env", "f", f).unwrap();
    let m = module(&engine, r#"(module (import "env" "f" (func (result i32))))"#);
    assert!(linker.instantiate(&mut a, &m).is_ok());
    let err = linker.instantiate(&mut b, &m).unwrap_err();
    assert!(err.to_string().contains("store"), "{err}");
}

#[test]
fn linker_host_functions_see_the_store_data() -> Result<()> {
    let engine = Engine::default();
    let mut linker = Linker::<u64>::new(&engine);
    linker.func_wrap("env", "add", |mut c: Caller<'_, u64>, x: i64| -> Result<i64> {
        *c.data_mut() += x as u64;
        Ok(*c.data() as i64)
    })?;
    let m = module(
        &engine,
        r#"(module (import "env" "add" (func $add (param i64) (result i64)))
                   (func (export "run") (param i64) (result i64) (call $add (local.get 0))))"#,
    );
    let mut store = Store::new(&engine, 100);
    let instance = linker.instantiate(&mut store, &m)?;
    let run = instance.get_typed_func::<i64, i64>(&mut store, "run")?;
    assert_eq!(run.call(&mut store, 5)?, 105);
    assert_eq!(run.call(&mut store, 5)?, 110);
    assert_eq!(*store.data(), 110);
    Ok(())
}
