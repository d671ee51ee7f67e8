//! The embedding API: one context per store, the builder, the linker, and
//! reactors.

use crate::harness::{program_path, State};
use kiln::{Engine, Linker, Module, Store};
use kiln_wasi::{MemoryInputPipe, MemoryOutputPipe, WasiCtx, WasiCtxBuilder};

fn linker(engine: &Engine) -> Linker<State> {
    let mut linker = Linker::new(engine);
    kiln_wasi::add_to_linker(&mut linker, |s: &mut State| &mut s.wasi).unwrap();
    linker
}

fn run_start(linker: &Linker<State>, module: &Module, wasi: WasiCtx) -> Store<State> {
    let mut store = Store::new(linker.engine(), State { wasi });
    let instance = linker.instantiate(&mut store, module).unwrap();
    let start = instance.get_typed_func::<(), ()>(&mut store, "_start").unwrap();
    start.call(&mut store, ()).unwrap();
    store
}

#[test]
fn each_store_has_its_own_context() {
    let engine = Engine::default();
    let linker = linker(&engine);
    let module = Module::new(&engine, std::fs::read(program_path("args")).unwrap()).unwrap();
    let (out1, out2) = (MemoryOutputPipe::new(1024), MemoryOutputPipe::new(1024));
    let mut store1 = Store::new(&engine, State { wasi: WasiCtxBuilder::new().arg("one").stdout(out1.clone()).build() });
    let mut store2 =
        Store::new(&engine, State { wasi: WasiCtxBuilder::new().args(["two", "2"]).stdout(out2.clone()).build() });
    for store in [&mut store1, &mut store2] {
        let instance = linker.instantiate(&mut *store, &module).unwrap();
        instance.get_typed_func::<(), ()>(&mut *store, "_start").unwrap().call(&mut *store, ()).unwrap();
    }
    assert_eq!(out1.contents_string(), "argc: 1\nargv[0]: [one]\nargs_sizes_get: 1 4\n");
    assert_eq!(out2.contents_string(), "argc: 2\nargv[0]: [two]\nargv[1]: [2]\nargs_sizes_get: 2 6\n");
}

#[test]
fn per_request_stores() {
    // The per-request pattern: a fresh store and context for every run of
    // the same module through the same linker.
    let engine = Engine::default();
    let linker = linker(&engine);
    let module = Module::new(&engine, std::fs::read(program_path("stdio")).unwrap()).unwrap();
    for i in 0..50 {
        let out = MemoryOutputPipe::new(4096);
        let wasi =
            WasiCtxBuilder::new().stdin(MemoryInputPipe::new(format!("request {i}\n"))).stdout(out.clone()).build();
        drop(run_start(&linker, &module, wasi));
        assert!(out.contents_string().starts_with(&format!("REQUEST {i}\n")), "{}", out.contents_string());
    }
}

#[test]
fn the_builder_starts_over_after_build() {
    let mut builder = WasiCtxBuilder::new();
    builder.arg("first").env("A", "1");
    let first = builder.build();
    let second = builder.build();
    assert!(format!("{first:?}").contains("first"));
    assert!(!format!("{second:?}").contains("first"), "{second:?}");
}

#[test]
fn contexts_are_send() {
    fn send<T: Send>() {}
    send::<WasiCtx>();
    send::<WasiCtxBuilder>();
    send::<MemoryOutputPipe>();
}

#[test]
fn adding_twice_to_one_linker_is_an_error() {
    let engine = Engine::default();
    let mut linker = linker(&engine);
    let err = kiln_wasi::add_to_linker(&mut linker, |s: &mut State| &mut s.wasi).unwrap_err();
    assert!(err.to_string().contains("defined twice"), "{err}");
}

#[test]
fn a_missing_preopen_directory_is_an_error() {
    let err = WasiCtxBuilder::new()
        .preopened_dir("/definitely/not/here", "/x", kiln_wasi::DirPerms::all(), kiln_wasi::FilePerms::all())
        .err()
        .expect("an error");
    assert!(format!("{err:#}").contains("/definitely/not/here"), "{err:#}");
}

#[test]
fn called_from_the_host_a_wasi_function_fails_cleanly() {
    // Not called by a wasm instance, there is no memory to use: an error,
    // not a panic.
    let engine = Engine::default();
    let linker = linker(&engine);
    let mut store = Store::new(&engine, State { wasi: WasiCtxBuilder::new().build() });
    let func = linker.get(&mut store, "wasi_snapshot_preview1", "sched_yield").unwrap().into_func().unwrap();
    let yield_ = func.typed::<(), i32>(&store).unwrap();
    assert!(yield_.call(&mut store, ()).is_err());
}

#[test]
fn a_reactor_is_called_many_times() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "wasi_snapshot_preview1" "fd_write"
               (func $fd_write (param i32 i32 i32 i32) (result i32)))
             (memory (export "memory") 1)
             (global $calls (mut i32) (i32.const 0))
             (data (i32.const 100) "init\n")
             (data (i32.const 200) "call\n")
             (func $say (param $at i32)
               (i32.store (i32.const 0) (local.get $at))
               (i32.store (i32.const 4) (i32.const 5))
               (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
             (func (export "_initialize") (call $say (i32.const 100)))
             (func (export "greet") (result i32)
               (call $say (i32.const 200))
               (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
               (global.get $calls)))"#,
    )
    .unwrap();
    let linker = linker(&engine);
    let out = MemoryOutputPipe::new(1024);
    let mut store = Store::new(&engine, State { wasi: WasiCtxBuilder::new().stdout(out.clone()).build() });
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let greet = instance.get_typed_func::<(), i32>(&mut store, "greet").unwrap();
    assert_eq!(greet.call(&mut store, ()).unwrap(), 1);
    assert_eq!(greet.call(&mut store, ()).unwrap(), 2);
    assert_eq!(greet.call(&mut store, ()).unwrap(), 3);
    assert_eq!(out.contents_string(), "init\ncall\ncall\ncall\n");
}
