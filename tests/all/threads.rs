//! Wasm on many threads at once: one `Engine` and `Module` shared, one
//! `Store` per thread, with traps and deep recursion on some threads while
//! the others compute. Every result must be right on every thread.

use kiln::{Config, Engine, Instance, Module, Store, Strategy, Trap};
use std::sync::Arc;

const PROGRAM: &str = r#"
(module
  (memory 1)
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  ;; Sums 0..n through linear memory.
  (func (export "sum") (param $n i32) (result i64)
    (local $i i32) (local $acc i64)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i64.store (i32.const 64) (i64.extend_i32_u (local.get $i)))
        (local.set $acc (i64.add (local.get $acc) (i64.load (i32.const 64))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $acc))
  (func $forever (export "forever") (call $forever))
  (func (export "oob") (result i32) (i32.load (i32.const 65536)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1))))
"#;

fn fib(n: i32) -> i32 {
    if n < 2 {
        n
    } else {
        fib(n - 1) + fib(n - 2)
    }
}

fn run_on_threads(strategy: Strategy) {
    let mut config = Config::new();
    config.strategy(strategy);
    let engine = Engine::new(&config).unwrap();
    let module = Arc::new(Module::new(&engine, PROGRAM).unwrap());
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (engine, module) = (engine.clone(), module.clone());
            std::thread::Builder::new()
                .stack_size(8 << 20)
                .spawn(move || {
                    let mut store = Store::new(&engine, ());
                    let instance = Instance::new(&mut store, &module, &[]).unwrap();
                    let fibf = instance.get_typed_func::<i32, i32>(&mut store, "fib").unwrap();
                    let sum = instance.get_typed_func::<i32, i64>(&mut store, "sum").unwrap();
                    let forever = instance.get_typed_func::<(), ()>(&mut store, "forever").unwrap();
                    let oob = instance.get_typed_func::<(), i32>(&mut store, "oob").unwrap();
                    let div = instance.get_typed_func::<(i32, i32), i32>(&mut store, "div").unwrap();
                    for round in 0..20 {
                        let n = 15 + (t + round) % 5;
                        assert_eq!(fibf.call(&mut store, n).unwrap(), fib(n), "thread {t} fib({n})");
                        let m = 1000 * (t + 1);
                        assert_eq!(sum.call(&mut store, m).unwrap(), (m as i64 - 1) * m as i64 / 2, "thread {t}");
                        // Half the threads trap, in several ways, between good calls.
                        if t % 2 == 0 {
                            let trap = |e: anyhow::Error| *e.downcast_ref::<Trap>().unwrap();
                            assert_eq!(trap(forever.call(&mut store, ()).unwrap_err()), Trap::StackOverflow);
                            assert_eq!(trap(oob.call(&mut store, ()).unwrap_err()), Trap::MemoryOutOfBounds);
                            assert_eq!(trap(div.call(&mut store, (1, 0)).unwrap_err()), Trap::IntegerDivisionByZero);
                            assert_eq!(trap(div.call(&mut store, (i32::MIN, -1)).unwrap_err()), Trap::IntegerOverflow);
                        }
                        assert_eq!(div.call(&mut store, (-7, 2)).unwrap(), -3);
                    }
                })
                .unwrap()
        })
        .collect();
    for t in threads {
        t.join().expect("a wasm thread failed");
    }
}

#[test]
#[cfg(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64")))]
fn eight_threads_share_an_engine_and_module_with_the_jit() {
    run_on_threads(Strategy::Cranelift);
}

#[test]
fn eight_threads_share_an_engine_and_module_with_the_interpreter() {
    run_on_threads(Strategy::Interpreter);
}

#[test]
fn compiling_on_one_thread_gives_the_same_results() {
    for parallel in [false, true] {
        let mut config = Config::new();
        config.parallel_compilation(parallel);
        let engine = Engine::new(&config).unwrap();
        let module = Module::new(&engine, PROGRAM).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let fibf = instance.get_typed_func::<i32, i32>(&mut store, "fib").unwrap();
        let sum = instance.get_typed_func::<i32, i64>(&mut store, "sum").unwrap();
        assert_eq!(fibf.call(&mut store, 20).unwrap(), fib(20), "parallel_compilation({parallel})");
        assert_eq!(sum.call(&mut store, 100).unwrap(), 4950, "parallel_compilation({parallel})");
    }
}
