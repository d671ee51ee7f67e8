//! The `p1` module (Wasmtime's names for preview 1: `add_to_linker_sync`,
//! `WasiP1Ctx`, `WasiCtxBuilder::build_p1`), with Wasmtime's WASI preview 1
//! examples as Wasmtime writes them (crates renamed: `wasmtime` -> `kiln`,
//! `wasmtime_wasi` -> `kiln_wasi`), and commands run through
//! `Linker::module` and `Linker::get_default`.

use crate::harness::program_path;
use kiln::{Engine, Linker, Module, Store};
use kiln_wasi::p1::{self, WasiP1Ctx};
use kiln_wasi::{MemoryOutputPipe, WasiCtxBuilder};
use std::path::{Path, PathBuf};

/// A command that prints nothing (the examples inherit the test's stdio)
/// and traps unless it got at least one argument: the examples pass theirs
/// with `inherit_args` or `args`.
const NEEDS_ARGS: &str = r#"
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (if (call $args_sizes_get (i32.const 0) (i32.const 4)) (then unreachable))
    (if (i32.eqz (i32.load (i32.const 0))) (then unreachable))))
"#;

/// `NEEDS_ARGS` in a file, as the examples load their module from one.
fn needs_args_file(dir: &Path) -> PathBuf {
    let path = dir.join("wasi.wat");
    std::fs::write(&path, NEEDS_ARGS).unwrap();
    path
}

/// Wasmtime's `examples/wasip1/main.rs`. Changed: the module's path is a
/// parameter instead of `"target/wasm32-wasip1/debug/wasi.wasm"`.
mod wasip1_example {
    use kiln::*;
    use kiln_wasi::WasiCtx;

    pub fn main(path: &std::path::Path) -> Result<()> {
        // Define the WASI functions globally on the `Config`.
        let engine = Engine::default();
        let mut linker = Linker::new(&engine);
        kiln_wasi::p1::add_to_linker_sync(&mut linker, |s| s)?;

        // Create a WASI context and put it in a Store; all instances in the store
        // share this context. `WasiCtxBuilder` provides a number of ways to
        // configure what the target program will have access to.
        let wasi = WasiCtx::builder().inherit_stdio().inherit_args().build_p1();
        let mut store = Store::new(&engine, wasi);

        // Instantiate our module with the imports we've created, and run it.
        let module = Module::from_file(&engine, path)?;
        linker.module(&mut store, "", &module)?;
        linker.get_default(&mut store, "")?.typed::<(), ()>(&store)?.call(&mut store, ())?;

        Ok(())
    }
}

#[test]
fn the_wasip1_example() {
    let dir = tempfile::tempdir().unwrap();
    wasip1_example::main(&needs_args_file(dir.path())).unwrap();
}

/// The example of the documentation of `wasmtime_wasi::p1`. Changed: the
/// arguments are given instead of taken from the process (whose first one
/// is the module's path), and `add_to_linker_async` is
/// `add_to_linker_sync` (Kiln has no async support).
mod p1_module_docs {
    use kiln::{Engine, Linker, Module, Result, Store};
    use kiln_wasi::p1::{self, WasiP1Ctx};
    use kiln_wasi::WasiCtxBuilder;

    // An example of executing a WASIp1 "command"
    pub fn main(args: Vec<String>) -> Result<()> {
        let engine = Engine::default();
        let module = Module::from_file(&engine, &args[0])?;

        let mut linker: Linker<WasiP1Ctx> = Linker::new(&engine);
        p1::add_to_linker_sync(&mut linker, |t| t)?;
        let pre = linker.instantiate_pre(&module)?;

        let wasi_ctx = WasiCtxBuilder::new().inherit_stdio().inherit_env().args(&args).build_p1();

        let mut store = Store::new(&engine, wasi_ctx);
        let instance = pre.instantiate(&mut store)?;
        let func = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
        func.call(&mut store, ())?;

        Ok(())
    }
}

#[test]
fn the_p1_module_example() {
    let dir = tempfile::tempdir().unwrap();
    let path = needs_args_file(dir.path());
    p1_module_docs::main(vec![path.display().to_string()]).unwrap();
    // The module really checks its arguments: none is a trap.
    let engine = Engine::default();
    let module = Module::from_file(&engine, &path).unwrap();
    let mut linker: Linker<WasiP1Ctx> = Linker::new(&engine);
    p1::add_to_linker_sync(&mut linker, |t| t).unwrap();
    let mut store = Store::new(&engine, WasiCtxBuilder::new().build_p1());
    let instance = linker.instantiate_pre(&module).unwrap().instantiate(&mut store).unwrap();
    let start = instance.get_typed_func::<(), ()>(&mut store, "_start").unwrap();
    assert!(start.call(&mut store, ()).is_err());
}

/// The two examples of the documentation of `add_to_linker_sync` (written
/// there with `add_to_linker_async`, which Kiln does not have).
mod add_to_linker_docs {
    use kiln::{Engine, Linker, Result};
    use kiln_wasi::p1::{self, WasiP1Ctx};

    pub fn data_is_the_context() -> Result<()> {
        let engine = Engine::default();

        let mut linker: Linker<WasiP1Ctx> = Linker::new(&engine);
        p1::add_to_linker_sync(&mut linker, |cx| cx)?;

        // ... continue to add more to `linker` as necessary and use it ...

        Ok(())
    }

    pub struct MyState {
        // .. other custom state here ..
        pub wasi: WasiP1Ctx,
    }

    pub fn custom_state() -> Result<Linker<MyState>> {
        let engine = Engine::default();

        let mut linker: Linker<MyState> = Linker::new(&engine);
        p1::add_to_linker_sync(&mut linker, |cx| &mut cx.wasi)?;

        // ... continue to add more to `linker` as necessary and use it ...

        Ok(linker)
    }
}

#[test]
fn the_add_to_linker_sync_examples() {
    add_to_linker_docs::data_is_the_context().unwrap();
    // The custom state's linker runs a program, reaching the context
    // through the projection.
    let linker = add_to_linker_docs::custom_state().unwrap();
    let engine = linker.engine().clone();
    let module = Module::new(&engine, std::fs::read(program_path("args")).unwrap()).unwrap();
    let out = MemoryOutputPipe::new(4096);
    let wasi = WasiCtxBuilder::new().arg("x").stdout(out.clone()).build_p1();
    let mut store = Store::new(&engine, add_to_linker_docs::MyState { wasi });
    let instance = linker.instantiate(&mut store, &module).unwrap();
    instance.get_typed_func::<(), ()>(&mut store, "_start").unwrap().call(&mut store, ()).unwrap();
    assert_eq!(out.contents_string(), "argc: 1\nargv[0]: [x]\nargs_sizes_get: 1 2\n");
}

#[test]
fn an_instance_pre_per_request_with_build_p1() {
    let engine = Engine::default();
    let module = Module::new(&engine, std::fs::read(program_path("args")).unwrap()).unwrap();
    let mut linker: Linker<WasiP1Ctx> = Linker::new(&engine);
    p1::add_to_linker_sync(&mut linker, |t| t).unwrap();
    let pre = linker.instantiate_pre(&module).unwrap();
    for i in 0..20 {
        let out = MemoryOutputPipe::new(4096);
        let arg = format!("req{i}");
        let mut store = Store::new(&engine, WasiCtxBuilder::new().arg(&arg).stdout(out.clone()).build_p1());
        let instance = pre.instantiate(&mut store).unwrap();
        instance.get_typed_func::<(), ()>(&mut store, "_start").unwrap().call(&mut store, ()).unwrap();
        let want = format!("argc: 1\nargv[0]: [{arg}]\nargs_sizes_get: 1 {}\n", arg.len() + 1);
        assert_eq!(out.contents_string(), want);
    }
}

/// A command that counts its runs in a global and prints the count.
const COUNTING_COMMAND: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $runs (mut i32) (i32.const 0))
  (func (export "_start")
    (global.set $runs (i32.add (global.get $runs) (i32.const 1)))
    (i32.store8 (i32.const 16) (i32.add (i32.const 48) (global.get $runs)))  ;; the digit
    (i32.store8 (i32.const 17) (i32.const 10))                               ;; "\n"
    (i32.store (i32.const 0) (i32.const 16))                                 ;; iovec.buf
    (i32.store (i32.const 4) (i32.const 2))                                  ;; iovec.buf_len
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
"#;

#[test]
fn a_command_defined_with_module_runs_in_a_fresh_instance_per_call() {
    let engine = Engine::default();
    let mut linker: Linker<WasiP1Ctx> = Linker::new(&engine);
    p1::add_to_linker_sync(&mut linker, |t| t).unwrap();
    let out = MemoryOutputPipe::new(4096);
    let mut store = Store::new(&engine, WasiCtxBuilder::new().stdout(out.clone()).build_p1());
    let module = Module::new(&engine, COUNTING_COMMAND).unwrap();
    linker.module(&mut store, "", &module).unwrap();
    assert_eq!(out.contents_string(), "", "defining the command runs nothing");
    let start = linker.get_default(&mut store, "").unwrap().typed::<(), ()>(&store).unwrap();
    for _ in 0..3 {
        start.call(&mut store, ()).unwrap();
    }
    assert_eq!(out.contents_string(), "1\n1\n1\n", "each run starts from a fresh instance");
}
