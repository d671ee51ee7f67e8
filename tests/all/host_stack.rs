//! Host -> wasm -> host -> wasm nesting is bounded by the native stack the
//! thread really has: it ends in "call stack exhausted", never in a crash of
//! the host, in every tier, however large `max_wasm_stack` is.

use crate::in_child_process;
use kiln::{Caller, Config, Engine, Linker, Module, Store, Strategy, Trap};

const REENTER: &str = r#"
(module
  (import "host" "again" (func $again (param i32) (result i32)))
  (func (export "down") (param i32) (result i32)
    (call $again (i32.add (local.get 0) (i32.const 1)))))
"#;

fn nest_until_exhausted(strategy: Strategy) -> (anyhow::Error, i32) {
    let mut config = Config::new();
    // Far more than the thread has: only the real stack can stop this.
    config.strategy(strategy).max_wasm_stack(1 << 30);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, REENTER).unwrap();
    let mut linker = Linker::<i32>::new(&engine);
    linker
        .func_wrap("host", "again", |mut caller: Caller<'_, i32>, depth: i32| -> anyhow::Result<i32> {
            *caller.data_mut() = depth;
            let down = caller.get_export("down").unwrap().into_func().unwrap();
            let down = down.typed::<i32, i32>(&caller)?;
            down.call(&mut caller, depth)
        })
        .unwrap();
    let mut store = Store::new(&engine, 0);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let down = instance.get_typed_func::<i32, i32>(&mut store, "down").unwrap();
    let err = down.call(&mut store, 0).unwrap_err();
    (err, *store.data())
}

#[test]
fn deep_host_reentry_traps_instead_of_overflowing_the_native_stack() {
    in_child_process("host_stack::deep_host_reentry_traps_instead_of_overflowing_the_native_stack", || {
        let mut tiers = vec![Strategy::Interpreter];
        if Engine::new(Config::new().strategy(Strategy::Cranelift)).is_ok() {
            tiers.push(Strategy::Cranelift);
        }
        for tier in tiers {
            // A small thread stack, as servers give their workers.
            let (err, depth) = std::thread::Builder::new()
                .stack_size(512 << 10)
                .spawn(move || nest_until_exhausted(tier))
                .unwrap()
                .join()
                .unwrap();
            assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::StackOverflow), "{tier:?}: {err:?}");
            assert!(depth > 10, "{tier:?}: only {depth} levels before the trap");
        }
    });
}
