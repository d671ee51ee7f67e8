//! Stopping guests: fuel and epoch interruption, in every tier, with the
//! same fuel accounting everywhere and a store that stays usable.

use kiln::{Caller, Config, Engine, Instance, Linker, Module, Store, Strategy, Trap, UpdateDeadline};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

const PROGRAM: &str = r#"
(module
  (import "host" "refuel" (func $refuel (param i64)))
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  (func (export "forever")
    (loop $l (br $l)))
  (func $id (param i32) (result i32) (local.get 0))
  ;; 8 units per iteration, 1 for the result: 8n + 1.
  (func (export "count") (param $n i32) (result i32)
    (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $i))
  ;; Calls, ifs, br_table, nested loops: only compared between tiers.
  (func (export "mixed") (param $n i32) (result i32)
    (local $acc i32) (local $j i32)
    (block $done
      (loop $outer
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $j (i32.const 3))
        (loop $inner
          (local.set $acc (i32.add (local.get $acc) (call $id (local.get $j))))
          (local.tee $j (i32.sub (local.get $j) (i32.const 1)))
          (br_if $inner))
        (if (i32.and (local.get $n) (i32.const 1))
          (then (local.set $acc (i32.mul (local.get $acc) (i32.const 3))))
          (else (nop)))
        (block $a (block $b
          (br_table $a $b $a (i32.rem_u (local.get $n) (i32.const 3))))
          (local.set $acc (i32.xor (local.get $acc) (i32.const 0x55))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $outer)))
    (local.get $acc))
  ;; Keeps asking the host for more fuel: runs as long as the host gives.
  (func (export "refuelling") (param $rounds i32)
    (loop $l
      (call $refuel (i64.const 100))
      (local.tee $rounds (i32.sub (local.get $rounds) (i32.const 1)))
      (br_if $l)))
  (func (export "trap_after_work") (param i32) (result i32)
    (drop (i32.add (local.get 0) (i32.const 1)))
    (i32.div_u (i32.const 1) (local.get 0))))
"#;

fn tiers() -> Vec<Strategy> {
    let mut tiers = Vec::new();
    if Engine::new(Config::new().strategy(Strategy::Cranelift)).is_ok() {
        tiers.push(Strategy::Cranelift);
    }
    tiers.push(Strategy::Interpreter);
    tiers
}

fn engine(strategy: Strategy, fuel: bool, epochs: bool) -> Engine {
    let mut config = Config::new();
    config.strategy(strategy).consume_fuel(fuel).epoch_interruption(epochs);
    Engine::new(&config).unwrap()
}

fn instantiate(engine: &Engine) -> (Store<u64>, Instance) {
    let module = Module::new(engine, PROGRAM).unwrap();
    let mut linker = Linker::<u64>::new(engine);
    linker
        .func_wrap("host", "refuel", |mut caller: Caller<'_, u64>, amount: i64| {
            *caller.data_mut() += 1;
            let left = caller.get_fuel().unwrap();
            caller.set_fuel(left + amount as u64).unwrap();
        })
        .unwrap();
    let mut store = Store::new(engine, 0);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    (store, instance)
}

/// A thread that advances `engine`'s epoch every few milliseconds until
/// `done` is set.
fn ticker(engine: &Engine, done: &Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
    let (engine, done) = (engine.clone(), done.clone());
    std::thread::spawn(move || {
        while !done.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(5));
            engine.increment_epoch();
        }
    })
}

#[track_caller]
fn assert_trap(err: anyhow::Error, trap: Trap, message: &str) {
    assert_eq!(err.downcast_ref::<Trap>(), Some(&trap), "{err:?}");
    assert!(format!("{err:#}").contains(message), "message: {err:#}");
}

#[test]
fn fuel_is_counted_per_instruction_and_the_same_in_every_tier() {
    let mut consumed = Vec::new();
    for tier in tiers() {
        let engine = engine(tier, true, false);
        let (mut store, instance) = instantiate(&engine);
        store.set_fuel(1_000_000).unwrap();
        let add = instance.get_typed_func::<(i32, i32), i32>(&mut store, "add").unwrap();
        assert_eq!(add.call(&mut store, (2, 3)).unwrap(), 5);
        assert_eq!(store.get_fuel().unwrap(), 1_000_000 - 3, "{tier:?}: two local.get and an add");

        store.set_fuel(1_000_000).unwrap();
        let count = instance.get_typed_func::<i32, i32>(&mut store, "count").unwrap();
        assert_eq!(count.call(&mut store, 1000).unwrap(), 1000);
        assert_eq!(store.get_fuel().unwrap(), 1_000_000 - (8 * 1000 + 1), "{tier:?}");

        store.set_fuel(1_000_000).unwrap();
        let mixed = instance.get_typed_func::<i32, i32>(&mut store, "mixed").unwrap();
        let result = mixed.call(&mut store, 50).unwrap();
        let used_mixed = 1_000_000 - store.get_fuel().unwrap();

        // A trap in the middle of straight-line code: the stretch it ends
        // is not charged, the same in every tier.
        store.set_fuel(1_000_000).unwrap();
        let trap_after_work = instance.get_typed_func::<i32, i32>(&mut store, "trap_after_work").unwrap();
        let err = trap_after_work.call(&mut store, 0).unwrap_err();
        assert_trap(err, Trap::IntegerDivisionByZero, "integer divide by zero");
        let used_trap = 1_000_000 - store.get_fuel().unwrap();
        consumed.push((tier, result, used_mixed, used_trap));
    }
    for c in &consumed[1..] {
        assert_eq!((c.1, c.2, c.3), (consumed[0].1, consumed[0].2, consumed[0].3), "{consumed:?}");
    }
}

#[test]
fn running_out_of_fuel_stops_an_endless_loop_and_the_store_stays_usable() {
    for tier in tiers() {
        let engine = engine(tier, true, false);
        let (mut store, instance) = instantiate(&engine);
        let forever = instance.get_typed_func::<(), ()>(&mut store, "forever").unwrap();
        store.set_fuel(10_000).unwrap();
        let err = forever.call(&mut store, ()).unwrap_err();
        assert_trap(err, Trap::OutOfFuel, "all fuel consumed by WebAssembly");
        assert_eq!(store.get_fuel().unwrap(), 0, "{tier:?}");

        // A new store has no fuel: a call traps at once.
        let (mut empty, instance2) = instantiate(&engine);
        let add2 = instance2.get_typed_func::<(i32, i32), i32>(&mut empty, "add").unwrap();
        assert_trap(add2.call(&mut empty, (1, 1)).unwrap_err(), Trap::OutOfFuel, "all fuel consumed");

        // Refuelled, the same store runs code again.
        store.set_fuel(100).unwrap();
        let add = instance.get_typed_func::<(i32, i32), i32>(&mut store, "add").unwrap();
        assert_eq!(add.call(&mut store, (40, 2)).unwrap(), 42, "{tier:?}");
    }
}

#[test]
fn host_functions_read_and_set_fuel() {
    for tier in tiers() {
        let engine = engine(tier, true, false);
        let (mut store, instance) = instantiate(&engine);
        let refuelling = instance.get_typed_func::<i32, ()>(&mut store, "refuelling").unwrap();
        // Each round costs less than the 100 units the host adds, so a
        // store given 50 runs every round.
        store.set_fuel(50).unwrap();
        refuelling.call(&mut store, 1000).unwrap();
        assert_eq!(*store.data(), 1000, "{tier:?}");
        assert!(store.get_fuel().unwrap() > 50, "{tier:?}");
    }
}

#[test]
fn fuel_calls_fail_with_a_hint_when_fuel_is_off() {
    let engine = engine(Strategy::Auto, false, false);
    let mut store = Store::new(&engine, ());
    let err = store.set_fuel(10).unwrap_err();
    assert!(err.to_string().contains("Config::consume_fuel"), "{err}");
    assert!(store.get_fuel().is_err());
}

#[test]
fn an_epoch_tick_from_another_thread_interrupts_an_endless_loop() {
    for tier in tiers() {
        let engine = engine(tier, false, true);
        let (mut store, instance) = instantiate(&engine);
        store.set_epoch_deadline(1);
        let forever = instance.get_typed_func::<(), ()>(&mut store, "forever").unwrap();
        let done = Arc::new(AtomicBool::new(false));
        let ticker = ticker(&engine, &done);
        let err = forever.call(&mut store, ()).unwrap_err();
        done.store(true, Ordering::Relaxed);
        ticker.join().unwrap();
        assert_trap(err, Trap::Interrupt, "interrupt");

        // With a deadline far away, the store runs code again.
        store.set_epoch_deadline(1 << 40);
        let add = instance.get_typed_func::<(i32, i32), i32>(&mut store, "add").unwrap();
        assert_eq!(add.call(&mut store, (1, 2)).unwrap(), 3, "{tier:?}");
    }
}

#[test]
fn the_epoch_deadline_starts_reached() {
    for tier in tiers() {
        let engine = engine(tier, false, true);
        let (mut store, instance) = instantiate(&engine);
        let add = instance.get_typed_func::<(i32, i32), i32>(&mut store, "add").unwrap();
        assert_trap(add.call(&mut store, (1, 2)).unwrap_err(), Trap::Interrupt, "interrupt");
    }
}

#[test]
fn an_epoch_callback_extends_the_deadline_then_stops_the_guest_with_its_error() {
    for tier in tiers() {
        let engine = engine(tier, false, true);
        let (mut store, instance) = instantiate(&engine);
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(|mut cx| {
            *cx.data_mut() += 1;
            if *cx.data() < 5 {
                Ok(UpdateDeadline::Continue(1))
            } else {
                Err(anyhow::anyhow!("the guest ran too long"))
            }
        });
        let done = Arc::new(AtomicBool::new(false));
        let ticker = ticker(&engine, &done);
        let forever = instance.get_typed_func::<(), ()>(&mut store, "forever").unwrap();
        let err = forever.call(&mut store, ()).unwrap_err();
        done.store(true, Ordering::Relaxed);
        ticker.join().unwrap();
        assert!(format!("{err:#}").contains("the guest ran too long"), "{tier:?}: {err:#}");
        // Called at each of 5 ticks: the deadline moved on 4 times.
        assert_eq!(*store.data(), 5, "{tier:?}");

        // Back to trapping.
        store.epoch_deadline_trap();
        store.set_epoch_deadline(0);
        assert_trap(forever.call(&mut store, ()).unwrap_err(), Trap::Interrupt, "interrupt");
    }
}

#[test]
fn fuel_and_epochs_together() {
    for tier in tiers() {
        let engine = engine(tier, true, true);
        let (mut store, instance) = instantiate(&engine);
        store.set_epoch_deadline(1 << 40);
        store.set_fuel(5_000).unwrap();
        let forever = instance.get_typed_func::<(), ()>(&mut store, "forever").unwrap();
        assert_trap(forever.call(&mut store, ()).unwrap_err(), Trap::OutOfFuel, "all fuel consumed");
        store.set_fuel(u64::MAX).unwrap();
        store.set_epoch_deadline(0);
        assert_trap(forever.call(&mut store, ()).unwrap_err(), Trap::Interrupt, "interrupt");
    }
}
