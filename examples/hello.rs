//! Hello, host: a WebAssembly module imports a host function and calls it
//! with 3. The host function prints the value and records it in the store's
//! data, where the embedder can look at it after the call.
//!
//! Run with `cargo run -p kiln --example hello`.

use anyhow::Result;
use kiln::{Caller, Engine, Linker, Module, Store};

const WAT: &str = r#"
(module
  (import "host" "hello" (func $hello (param i32)))
  (func (export "run")
    i32.const 3
    call $hello))
"#;

fn main() -> Result<()> {
    // One engine per process; modules are compiled once for it.
    let engine = Engine::default();
    let module = Module::new(&engine, WAT)?;

    // The host function sees the store's data (here: the values it got).
    let mut linker = Linker::<Vec<i32>>::new(&engine);
    linker.func_wrap("host", "hello", |mut caller: Caller<'_, Vec<i32>>, value: i32| {
        println!("hello from WebAssembly: the guest says {value}");
        caller.data_mut().push(value);
    })?;

    let mut store = Store::new(&engine, Vec::new());
    let instance = linker.instantiate(&mut store, &module)?;
    let run = instance.get_typed_func::<(), ()>(&mut store, "run")?;
    run.call(&mut store, ())?;

    assert_eq!(store.data(), &[3], "the host function should have been called once, with 3");
    Ok(())
}

#[test]
fn runs() {
    main().unwrap()
}
