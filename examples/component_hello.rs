//! Running a WASI 0.2 component: the hand-written hello world of
//! `tests/programs/components/hello.wat` (it imports `wasi:cli/stdout` and
//! `wasi:io/streams` and exports `wasi:cli/run`), with its stdout captured
//! in a pipe.
//!
//! Run with `cargo run -p kiln-wasi --example component_hello`.

use anyhow::{anyhow, Result};
use kiln::component::{Component, Linker, ResourceTable};
use kiln::{Engine, Store};
use kiln_wasi::p2::{WasiCtxView, WasiView};
use kiln_wasi::{MemoryOutputPipe, WasiCtx, WasiCtxBuilder};

const HELLO: &str = include_str!("../tests/programs/components/hello.wat");

/// The store's data: the WASI context and the table of the guest's WASI
/// resources (streams, files).
struct Host {
    wasi: WasiCtx,
    table: ResourceTable,
}

impl WasiView for Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

fn main() -> Result<()> {
    let engine = Engine::default();
    let component = Component::new(&engine, HELLO)?;

    // WASI 0.2 for every component this linker instantiates; resolve and
    // check the imports once.
    let mut linker = Linker::<Host>::new(&engine);
    kiln_wasi::p2::add_to_linker_sync(&mut linker)?;
    let pre = linker.instantiate_pre(&component)?;

    // One store and instance per run.
    let stdout = MemoryOutputPipe::new(4096);
    let wasi = WasiCtxBuilder::new().stdout(stdout.clone()).build();
    let mut store = Store::new(&engine, Host { wasi, table: ResourceTable::new() });
    let instance = pre.instantiate(&mut store)?;

    // `wasi:cli/run@0.2.3`'s `run: func() -> result`.
    let interface =
        instance.get_export_index(&mut store, None, "wasi:cli/run@0.2.3").ok_or_else(|| anyhow!("not a command"))?;
    let run = instance.get_export_index(&mut store, Some(&interface), "run").ok_or_else(|| anyhow!("no run"))?;
    let run = instance.get_typed_func::<(), (Result<(), ()>,)>(&mut store, &run)?;
    let (outcome,) = run.call(&mut store, ())?;

    outcome.map_err(|()| anyhow!("the command failed"))?;
    print!("{}", stdout.contents_string());
    assert_eq!(stdout.contents_string(), "Hello, world!\n");
    Ok(())
}

#[test]
fn runs() {
    main().unwrap()
}
