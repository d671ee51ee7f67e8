//! The per-request pattern: compile once, then give every request its own
//! `Store` and `Instance` and throw both away afterwards. Nothing one request
//! does can be seen by the next, and a store costs microseconds to create
//! and drop.
//!
//! Run with `cargo run --release -p kiln --example per_request [ITERATIONS]`
//! (10,000 by default).

use anyhow::{bail, Context, Result};
use kiln::{Engine, Instance, Module, Store};
use std::time::Instant;

const DEFAULT_ITERATIONS: usize = 10_000;

/// A module with a 1-page memory, a data segment, and a `handle` export that
/// adds the request's number to a counter kept in memory (which starts at 0
/// in every fresh instance) and returns it plus the greeting's first byte.
const WAT: &str = r#"
(module
  (memory (export "memory") 1 1)
  (data (i32.const 0) "hello, request")
  (func (export "handle") (param $request i32) (result i32)
    ;; counter at 1024: a fresh instance always starts from 0
    (i32.store (i32.const 1024)
      (i32.add (i32.load (i32.const 1024)) (local.get $request)))
    ;; touch the last word of the page too
    (i32.store (i32.const 65532) (local.get $request))
    (i32.add
      (i32.load (i32.const 1024))
      (i32.load8_u (i32.const 0)))))
"#;

/// Runs `iterations` requests, each in its own store and instance.
fn run(iterations: usize) -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(&engine, WAT)?;

    let start = Instant::now();
    for request in 0..iterations {
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[])?;
        let handle = instance.get_typed_func::<i32, i32>(&mut store, "handle")?;
        let n = request as i32;
        let answer = handle.call(&mut store, n)?;
        if answer != n + i32::from(b'h') {
            bail!("request {request}: expected {}, got {answer}", n + i32::from(b'h'));
        }
        // `store` and `instance` are dropped here, with the memory.
    }
    let elapsed = start.elapsed();
    println!(
        "{iterations} requests in {:.1} ms ({:.1} µs per store + instance + call)",
        elapsed.as_secs_f64() * 1e3,
        elapsed.as_secs_f64() * 1e6 / iterations.max(1) as f64
    );
    Ok(())
}

fn main() -> Result<()> {
    // Under `cargo test` the arguments belong to the test harness.
    let iterations = match std::env::args().nth(1) {
        Some(arg) if !cfg!(test) => arg
            .replace('_', "")
            .parse()
            .with_context(|| format!("the iteration count must be a number, not `{arg}`"))?,
        _ => DEFAULT_ITERATIONS,
    };
    run(iterations)
}

#[test]
fn runs() {
    main().unwrap()
}
