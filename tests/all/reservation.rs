//! Linear memories when the big up-front reservation is refused (a process
//! under `ulimit -v`): Kiln falls back to small reservations with explicit
//! bounds checks, and everything keeps working; only when even a small
//! reservation fails is there an error, saying what was asked for.

use crate::{in_limited_child_process, module};
use kiln::{Engine, Instance, Memory, MemoryType, Store, Trap};

/// 1 GiB of address space: far less than one 4 GiB reservation, plenty for
/// the test process itself.
const LIMIT_KIB: u64 = 1 << 20;

#[test]
fn memories_work_without_the_big_reservation() {
    in_limited_child_process("reservation::memories_work_without_the_big_reservation", Some(LIMIT_KIB), || {
        let engine = Engine::default();
        let m = module(
            &engine,
            r#"(module
              (memory (export "memory") 1)
              (data (i32.const 0) "kept across moves")
              (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
              (func (export "size") (result i32) memory.size)
              (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
              (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1))))"#,
        );
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &m, &[]).unwrap();
        let memory = instance.get_memory(&mut store, "memory").unwrap();
        let grow = instance.get_typed_func::<i32, i32>(&mut store, "grow").unwrap();
        let size = instance.get_typed_func::<(), i32>(&mut store, "size").unwrap();
        let load = instance.get_typed_func::<i32, i32>(&mut store, "load").unwrap();
        let store8 = instance.get_typed_func::<(i32, i32), ()>(&mut store, "store").unwrap();

        // Grow page by page (each growth may move the memory), writing a
        // marker at the end of every page.
        for pages in 1..64 {
            let end = pages * 65536 - 1;
            store8.call(&mut store, (end, pages)).unwrap();
            let err = load.call(&mut store, end + 1).unwrap_err();
            assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::MemoryOutOfBounds));
            assert_eq!(grow.call(&mut store, 1).unwrap(), pages, "wasm memory.grow");
        }
        for pages in 1..64 {
            assert_eq!(load.call(&mut store, pages * 65536 - 1).unwrap(), pages & 0xff);
        }
        assert_eq!(&memory.data(&store)[..17], b"kept across moves");
        // From the host too.
        assert_eq!(memory.grow(&mut store, 64).unwrap(), 64);
        assert_eq!(size.call(&mut store, ()).unwrap(), 128);
        assert_eq!(memory.data(&store).len(), 128 * 65536);
        assert_eq!(load.call(&mut store, 63 * 65536 - 1).unwrap(), 63);
        // Growing past what the address space allows fails cleanly.
        assert_eq!(grow.call(&mut store, 30_000).unwrap(), -1);
        assert!(memory.grow(&mut store, 30_000).is_err());
        assert_eq!(size.call(&mut store, ()).unwrap(), 128);

        // Many instances at once, each with its own memory.
        let mut instances = Vec::new();
        for i in 0..200 {
            let instance = Instance::new(&mut store, &m, &[]).unwrap();
            let store8 = instance.get_typed_func::<(i32, i32), ()>(&mut store, "store").unwrap();
            store8.call(&mut store, (100, i)).unwrap();
            instances.push(instance);
        }
        for (i, instance) in instances.iter().enumerate() {
            let load = instance.get_typed_func::<i32, i32>(&mut store, "load").unwrap();
            assert_eq!(load.call(&mut store, 100).unwrap(), i as i32 & 0xff);
        }

        // A memory larger than the address space is an error naming the size.
        let err = Memory::new(&mut store, MemoryType::new(30_000, None)).unwrap_err();
        assert!(err.to_string().contains("30000 pages"), "{err}");
        let big = module(&engine, r#"(module (memory 30000))"#);
        let err = Instance::new(&mut store, &big, &[]).unwrap_err();
        assert!(err.to_string().contains("30000 pages"), "{err}");
    });
}

/// Virtual memory of this process, from `/proc/self/status`, in KiB.
fn vm_size_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status.lines().find(|l| l.starts_with("VmSize:")).expect("a VmSize line");
    line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).expect("a size in kB")
}

/// Room for one full 4 GiB reservation and its guard, not for two.
const ONE_RESERVATION_KIB: u64 = 6 << 20;

#[test]
fn one_module_runs_with_and_without_bounds_checks_in_one_process() {
    let name = "reservation::one_module_runs_with_and_without_bounds_checks_in_one_process";
    in_limited_child_process(name, Some(ONE_RESERVATION_KIB), || {
        let engine = Engine::default();
        let m = module(
            &engine,
            r#"(module
              (memory 1)
              (func (export "store") (param i32 i64) (i64.store (local.get 0) (local.get 1)))
              (func (export "load") (param i32) (result i64) (i64.load offset=8 (local.get 0)))
              (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#,
        );
        let mut store = Store::new(&engine, ());
        let before = vm_size_kib();
        // The first instance gets the full reservation: code without checks.
        let guarded = Instance::new(&mut store, &m, &[]).unwrap();
        let after_first = vm_size_kib();
        assert!(after_first - before >= 4 << 20, "the first memory did not get the full reservation");
        // The second cannot: a small reservation, code with checks.
        let checked = Instance::new(&mut store, &m, &[]).unwrap();
        assert!(vm_size_kib() - after_first < 1 << 20, "the second memory got a full reservation too");

        let mut results = Vec::new();
        for instance in [guarded, checked] {
            let st = instance.get_typed_func::<(i32, i64), ()>(&mut store, "store").unwrap();
            let ld = instance.get_typed_func::<i32, i64>(&mut store, "load").unwrap();
            let grow = instance.get_typed_func::<i32, i32>(&mut store, "grow").unwrap();
            let mut seen = Vec::new();
            for addr in [0, 8, 65_520, 65_528, 65_529, 65_536, -8, -1] {
                seen.push(format!(
                    "{:?}",
                    st.call(&mut store, (addr, 0x0102_0304_0506_0708)).map_err(|e| e.to_string())
                ));
                seen.push(format!("{:?}", ld.call(&mut store, addr).map_err(|e| e.to_string())));
            }
            seen.push(format!("{:?}", grow.call(&mut store, 2)));
            for addr in [65_528, 3 * 65_536 - 16, 3 * 65_536 - 15] {
                seen.push(format!("{:?}", ld.call(&mut store, addr).map_err(|e| e.to_string())));
            }
            results.push(seen);
        }
        assert_eq!(results[0], results[1]);
        assert!(results[0].iter().any(|r| r.contains("out of bounds memory access")), "{:?}", results[0]);
    });
}
