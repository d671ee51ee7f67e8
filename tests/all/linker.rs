//! The linker: resolving imports by name, shadowing, reactors and commands
//! (`Linker::module`, `get_default`), named modules.

use crate::module;
use anyhow::Result;
use kiln::{
    Caller, Engine, Func, FuncType, Global, GlobalType, Instance, Linker, Memory, MemoryType, Mutability, Store, Trap,
    Val, ValType,
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
    let err = linker.func_wrap("env", "f", || 2i32).expect_err("redefinition accepted");
    assert!(err.to_string().contains("env::f"), "{err}");
    let ty = FuncType::new(&engine, [], [ValType::I32]);
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
    let state = linker.get(&mut store, "provider", "state").ok().and_then(|e| e.into_global()).unwrap();
    assert_eq!(state.get(&store).i32(), Some(42));
    assert!(linker.get(&mut store, "provider", "nope").is_err());

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
    let get5 = linker.get(&mut store, "other", "get").ok().and_then(|e| e.into_func()).unwrap();
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

/// A command that counts its runs in a global, and reports through the host.
const COUNTING_COMMAND: &str = r#"
(module
  (import "env" "log" (func $log (param i32)))
  (global $runs (mut i32) (i32.const 0))
  (memory (export "memory") 1)
  (func (export "_start")
    (global.set $runs (i32.add (global.get $runs) (i32.const 1)))
    (call $log (global.get $runs)))
  (func (export "runs") (result i32) global.get $runs)
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
"#;

#[test]
fn a_command_module_gets_a_fresh_instance_per_call() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, Vec::new());
    let mut linker = logging_linker(&engine);
    let command = module(&engine, COUNTING_COMMAND);
    linker.module(&mut store, "cmd", &command).unwrap();
    assert_eq!(store.data(), &[] as &[i32], "defining a command runs nothing");

    // `_start` can be called again and again: each call is a new instance,
    // so each sees its global at 0.
    let start = linker.get_default(&mut store, "cmd").unwrap();
    let start = start.typed::<(), ()>(&store).unwrap();
    start.call(&mut store, ()).unwrap();
    start.call(&mut store, ()).unwrap();
    assert_eq!(store.data(), &[1, 1]);
    let runs = linker.get(&mut store, "cmd", "runs").ok().and_then(|e| e.into_func()).unwrap();
    assert_eq!(runs.typed::<(), i32>(&store).unwrap().call(&mut store, ()).unwrap(), 0);
    let add = linker.get(&mut store, "cmd", "add").ok().and_then(|e| e.into_func()).unwrap();
    assert_eq!(add.typed::<(i32, i32), i32>(&store).unwrap().call(&mut store, (2, 3)).unwrap(), 5);
    // The exported memory is accepted but not defined.
    assert!(linker.get(&mut store, "cmd", "memory").is_err());

    // Another module importing the command's exports calls fresh instances too.
    let user = module(
        &engine,
        r#"(module (import "cmd" "_start" (func $start)) (import "cmd" "runs" (func $runs (result i32)))
                   (func (export "run") (result i32) call $start call $start call $runs))"#,
    );
    let instance = linker.instantiate(&mut store, &user).unwrap();
    let run = instance.get_typed_func::<(), i32>(&mut store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 0);
    assert_eq!(store.data(), &[1, 1, 1, 1]);
}

#[test]
fn a_commands_imports_are_resolved_when_it_is_defined() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, Vec::new());
    let mut linker = Linker::<Vec<i32>>::new(&engine);
    let command = module(&engine, COUNTING_COMMAND);
    let err = linker.module(&mut store, "cmd", &command).unwrap_err();
    assert!(err.downcast_ref::<kiln::UnknownImportError>().is_some(), "{err:?}");
    assert!(err.to_string().contains("env::log"), "{err}");
}

#[test]
fn a_commands_unknown_exports_are_refused_unless_allowed() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let wat = r#"(module (global (export "answer") i32 (i32.const 42))
                          (global (export "__heap_base") i32 (i32.const 0))
                          (table (export "__indirect_function_table") 1 funcref)
                          (func (export "_start")))"#;
    let command = module(&engine, wat);
    let mut linker = Linker::<()>::new(&engine);
    let err = linker.module(&mut store, "cmd", &command).unwrap_err();
    assert!(err.to_string().contains("answer"), "{err}");
    let mut linker = Linker::<()>::new(&engine);
    linker.allow_unknown_exports(true);
    linker.module(&mut store, "cmd", &command).unwrap();
    assert!(linker.get(&mut store, "cmd", "answer").is_err());
    assert!(linker.get(&mut store, "cmd", "_start").is_ok());
}

#[test]
fn a_module_cannot_be_both_a_command_and_a_reactor() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let both = module(&engine, r#"(module (func (export "_start")) (func (export "_initialize")))"#);
    let err = Linker::<()>::new(&engine).module(&mut store, "m", &both).unwrap_err();
    assert!(err.to_string().contains("both a Command and a Reactor"), "{err}");
    let bad = module(&engine, r#"(module (global (export "_start") i32 (i32.const 0)))"#);
    let err = Linker::<()>::new(&engine).module(&mut store, "m", &bad).unwrap_err();
    assert!(err.to_string().contains("`_start` must be a function"), "{err}");
}

#[test]
fn a_reactor_module_is_instantiated_once() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, Vec::new());
    let mut linker = logging_linker(&engine);
    linker.module(&mut store, "r", &module(&engine, REACTOR)).unwrap();
    assert_eq!(store.data(), &[1], "`_initialize` ran once");
    let get = linker.get(&mut store, "r", "get").ok().and_then(|e| e.into_func()).unwrap();
    let state = linker.get(&mut store, "r", "state").ok().and_then(|e| e.into_global()).unwrap();
    state.set(&mut store, Val::I32(7)).unwrap();
    assert_eq!(get.typed::<(), i32>(&store).unwrap().call(&mut store, ()).unwrap(), 7, "one shared instance");
    assert_eq!(store.data(), &[1]);
    // A trapping `_initialize` fails `module`.
    let trapping = module(&engine, r#"(module (func (export "_initialize") unreachable))"#);
    let err = linker.module(&mut store, "t", &trapping).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::UnreachableCodeReached), "{err:?}");
}

#[test]
fn get_default_prefers_the_empty_name_then_start_then_a_no_op() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, Vec::new());
    let mut linker = logging_linker(&engine);
    linker.func_wrap("a", "", |mut c: Caller<'_, Vec<i32>>| c.data_mut().push(10)).unwrap();
    linker.func_wrap("a", "_start", |mut c: Caller<'_, Vec<i32>>| c.data_mut().push(20)).unwrap();
    linker.func_wrap("b", "_start", |mut c: Caller<'_, Vec<i32>>| c.data_mut().push(30)).unwrap();
    for (name, want) in [("a", vec![10]), ("b", vec![10, 30]), ("nothing", vec![10, 30])] {
        let f = linker.get_default(&mut store, name).unwrap();
        f.typed::<(), ()>(&store).unwrap().call(&mut store, ()).unwrap();
        assert_eq!(store.data(), &want, "{name}");
    }
    let g = Global::new(&mut store, GlobalType::new(ValType::I32, Mutability::Const), Val::I32(0)).unwrap();
    linker.define(&store, "c", "", g).unwrap();
    let err = linker.get_default(&mut store, "c").unwrap_err();
    assert!(err.to_string().contains("not a function"), "{err}");
}

#[test]
fn define_takes_a_shared_store_and_refuses_items_of_another_store() {
    let engine = Engine::default();
    let mut a = Store::new(&engine, ());
    let b = Store::new(&engine, ());
    let f = Func::wrap(&mut a, || 3i32);
    let mut linker = Linker::<()>::new(&engine);
    let err = linker.define(&b, "env", "f", f).expect_err("an item of another store was accepted");
    assert!(err.to_string().contains("another store"), "{err}");
    linker.define(&a, "env", "f", f).unwrap();
    assert_eq!(linker.get(&mut a, "env", "f").ok().and_then(|e| e.into_func()), Some(f));
}

#[test]
fn instance_refuses_an_instance_of_another_store() {
    let engine = Engine::default();
    let mut a = Store::new(&engine, ());
    let mut b = Store::new(&engine, ());
    let m = module(&engine, r#"(module (func (export "f")))"#);
    let instance = Instance::new(&mut a, &m, &[]).unwrap();
    let mut linker = Linker::<()>::new(&engine);
    assert!(linker.instance(&mut b, "i", instance).is_err());
    linker.instance(&mut a, "i", instance).unwrap();
    assert!(linker.get(&mut a, "i", "f").is_ok());
}

#[test]
fn linker_instantiate_checks_store_items_as_they_are_now() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let memory = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
    let mut linker = Linker::<()>::new(&engine);
    linker.define(&store, "env", "mem", memory).unwrap();
    let m = module(&engine, r#"(module (import "env" "mem" (memory 2)))"#);
    let err = linker.instantiate(&mut store, &m).unwrap_err();
    assert!(err.to_string().contains("env::mem"), "{err}");
    memory.grow(&mut store, 1).unwrap();
    linker.instantiate(&mut store, &m).unwrap();
}

#[test]
fn the_default_linker_has_its_own_default_engine() {
    let linker = Linker::<()>::default();
    let mut store = Store::new(linker.engine(), ());
    let m = module(linker.engine(), r#"(module (func (export "f") (result i32) i32.const 9))"#);
    let instance = linker.instantiate(&mut store, &m).unwrap();
    assert_eq!(instance.get_typed_func::<(), i32>(&mut store, "f").unwrap().call(&mut store, ()).unwrap(), 9);
    // Another default engine is another engine.
    let mut other = Store::<()>::default();
    let err = linker.instantiate(&mut other, &m).unwrap_err();
    assert!(err.to_string().contains("Engine"), "{err}");
}

#[test]
fn a_command_instance_runs_start_once_but_a_defined_command_runs_per_call() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, Vec::new());
    let mut linker = logging_linker(&engine);
    let command = module(&engine, COUNTING_COMMAND);
    let instance = linker.instantiate(&mut store, &command).unwrap();
    let start = instance.get_typed_func::<(), ()>(&mut store, "_start").unwrap();
    start.call(&mut store, ()).unwrap();
    let err = start.call(&mut store, ()).unwrap_err();
    assert!(err.to_string().contains("already called"), "{err}");

    // Through `Linker::module`, every call is a new instance: many of them
    // in one store, each `_start` run once.
    linker.module(&mut store, "cmd", &command).unwrap();
    let start = linker.get_default(&mut store, "cmd").unwrap().typed::<(), ()>(&store).unwrap();
    for _ in 0..200 {
        start.call(&mut store, ()).unwrap();
    }
    assert_eq!(store.data().len(), 201);
    assert!(store.data().iter().all(|&runs| runs == 1));
}
