//! The per-request pattern: a `Store` and an `Instance` per request must not
//! leak. Resident memory after 10,000 cycles must be no more than after
//! 1,000 (plus a small margin).

use crate::in_child_process;
use anyhow::{Context, Result};
use kiln::{Caller, Engine, Instance, Linker, Module, Store};

/// A module with a 1-page memory, a data segment, and an export that touches
/// the memory (so each cycle really maps pages in).
const WAT: &str = r#"
(module
  (import "env" "note" (func $note (param i32)))
  (memory (export "memory") 1)
  (table 2 funcref)
  (elem (i32.const 0) $handle)
  (global $calls (mut i32) (i32.const 0))
  (data (i32.const 0) "per-request data segment")
  (func $handle (export "handle") (param $n i32) (result i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (i32.store (i32.const 4096) (local.get $n))
    (i32.store (i32.const 65532) (local.get $n))
    (call $note (global.get $calls))
    (i32.add (i32.load8_u (i32.const 0)) (i32.load (i32.const 4096)))))
"#;

const MARGIN: u64 = 8 << 20;

/// The process's resident set size, in bytes.
fn rss() -> Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).context("no VmRSS line")?;
    let kib: u64 = line.split_whitespace().nth(1).context("no VmRSS value")?.parse()?;
    Ok(kib * 1024)
}

fn cycles(engine: &Engine, module: &Module, linker: &Linker<u32>, n: usize) -> Result<()> {
    for i in 0..n {
        let mut store = Store::new(engine, 0u32);
        let instance = if i % 2 == 0 {
            linker.instantiate(&mut store, module)?
        } else {
            let note = linker.get(&mut store, "env", "note").context("note")?;
            Instance::new(&mut store, module, &[note])?
        };
        let handle = instance.get_typed_func::<i32, i32>(&mut store, "handle")?;
        assert_eq!(handle.call(&mut store, i as i32)?, i32::from(b'p') + i as i32);
        assert_eq!(*store.data(), 1);
    }
    Ok(())
}

fn measure() -> Result<(u64, u64)> {
    let engine = Engine::default();
    let module = Module::new(&engine, WAT)?;
    let mut linker = Linker::<u32>::new(&engine);
    linker.func_wrap("env", "note", |mut c: Caller<'_, u32>, calls: i32| *c.data_mut() = calls as u32)?;
    cycles(&engine, &module, &linker, 1_000)?;
    let at_1000 = rss()?;
    cycles(&engine, &module, &linker, 9_000)?;
    let at_10000 = rss()?;
    Ok((at_1000, at_10000))
}

/// Measured in a child process running only this test, so that the other
/// tests of this binary (running in parallel threads) do not move the RSS.
#[test]
fn resident_memory_does_not_grow_with_the_cycle_count() {
    in_child_process("per_request::resident_memory_does_not_grow_with_the_cycle_count", || {
        let (at_1000, at_10000) = measure().unwrap();
        println!("VmRSS after 1,000 cycles: {} KiB; after 10,000: {} KiB", at_1000 / 1024, at_10000 / 1024);
        assert!(
            at_10000 <= at_1000 + MARGIN,
            "resident memory grew with the cycle count: {} KiB after 1,000 store+instance cycles, \
             {} KiB after 10,000 (more than {} KiB of growth)",
            at_1000 / 1024,
            at_10000 / 1024,
            MARGIN / 1024
        );
    });
}

#[test]
fn instances_are_isolated_between_requests() {
    let engine = Engine::default();
    let module = Module::new(&engine, WAT).unwrap();
    let mut linker = Linker::<u32>::new(&engine);
    linker.func_wrap("env", "note", |mut c: Caller<'_, u32>, calls: i32| *c.data_mut() = calls as u32).unwrap();
    for i in 0..100 {
        let mut store = Store::new(&engine, 0u32);
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let memory = instance.get_memory(&mut store, "memory").unwrap();
        // A fresh memory: the data segment, and zeros where the last request wrote.
        assert_eq!(&memory.data(&store)[..24], b"per-request data segment");
        assert_eq!(&memory.data(&store)[4096..4100], &[0, 0, 0, 0]);
        let handle = instance.get_typed_func::<i32, i32>(&mut store, "handle").unwrap();
        handle.call(&mut store, i).unwrap();
        assert_eq!(*store.data(), 1, "the global restarts at 0 in every instance");
    }
}

#[test]
fn stores_on_many_threads() {
    // Engine and Module are shared between threads; each thread has its own stores.
    let engine = Engine::default();
    let module = Module::new(&engine, WAT).unwrap();
    let mut linker = Linker::<u32>::new(&engine);
    linker.func_wrap("env", "note", |mut c: Caller<'_, u32>, calls: i32| *c.data_mut() = calls as u32).unwrap();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| cycles(&engine, &module, &linker, 250).unwrap());
        }
    });
}
