//! `WasmBacktrace::capture`: the wasm frames on a store's stack, taken by
//! host code, in both tiers and through nested entries into wasm.

use kiln::{Caller, Config, Engine, Linker, Module, Store, Strategy, WasmBacktrace};

fn engines() -> Vec<(Strategy, Engine)> {
    [Strategy::Interpreter, Strategy::Auto]
        .into_iter()
        .map(|s| (s, Engine::new(Config::new().strategy(s)).unwrap()))
        .collect()
}

/// Names of the captured frames, innermost first.
fn names(trace: &WasmBacktrace) -> Vec<String> {
    trace.frames().iter().map(|f| f.func_name().unwrap_or("?").to_string()).collect()
}

#[test]
fn no_wasm_running_no_frames() {
    for (_, engine) in engines() {
        let store = Store::new(&engine, ());
        assert!(WasmBacktrace::capture(&store).frames().is_empty());
    }
}

/// The outer module calls the host, which calls the inner module, which
/// calls the host again; each host function records what it captures.
const OUTER: &str = r#"(module $outer
  (import "host" "enter_inner" (func $enter_inner))
  (import "host" "capture" (func $capture))
  (func $call_host (call $enter_inner) (call $capture))
  (func $run (export "run") (call $call_host)))"#;

const INNER: &str = r#"(module $inner
  (import "host" "capture" (func $capture))
  (import "host" "nothing" (func $nothing))
  (func $deep (call $nothing) (call $capture))
  (func $inner (export "inner") (call $deep))
  (func (export "trap") (call $nothing) unreachable))"#;

#[derive(Default)]
struct Seen {
    traces: Vec<Vec<String>>,
    inner: Option<kiln::Instance>,
    offsets_known: Vec<bool>,
}

#[test]
fn host_code_sees_the_frames_that_called_it_through_nested_entries() {
    for (strategy, engine) in engines() {
        let mut linker = Linker::<Seen>::new(&engine);
        linker
            .func_wrap("host", "capture", |caller: Caller<'_, Seen>| {
                let trace = WasmBacktrace::capture(&caller);
                let known = trace.frames().iter().map(|f| f.module_offset().is_some()).collect::<Vec<_>>();
                let mut caller = caller;
                caller.data_mut().traces.push(names(&trace));
                caller.data_mut().offsets_known.push(known[0]);
            })
            .unwrap();
        linker.func_wrap("host", "nothing", || {}).unwrap();
        linker
            .func_wrap("host", "enter_inner", |mut caller: Caller<'_, Seen>| -> anyhow::Result<()> {
                let inner = caller.data().inner.unwrap();
                let run = inner.get_typed_func::<(), ()>(&mut caller, "inner")?;
                run.call(&mut caller, ())?;
                // After a trap in a nested entry, the frames out here are
                // still found.
                let trap = inner.get_typed_func::<(), ()>(&mut caller, "trap")?;
                assert!(trap.call(&mut caller, ()).is_err());
                let trace = WasmBacktrace::capture(&caller);
                caller.data_mut().traces.push(names(&trace));
                Ok(())
            })
            .unwrap();
        let mut store = Store::new(&engine, Seen::default());
        let inner = linker.instantiate(&mut store, &Module::new(&engine, INNER).unwrap()).unwrap();
        store.data_mut().inner = Some(inner);
        let outer = linker.instantiate(&mut store, &Module::new(&engine, OUTER).unwrap()).unwrap();
        outer.get_typed_func::<(), ()>(&mut store, "run").unwrap().call(&mut store, ()).unwrap();

        let traces = &store.data().traces;
        assert_eq!(
            traces,
            &[
                // From inside the inner module, out through the outer one.
                vec!["deep", "inner", "call_host", "run"],
                // Back in the first host function, after the nested trap.
                vec!["call_host", "run"],
                // The outer module's own call of `capture`.
                vec!["call_host", "run"],
            ],
            "{strategy:?}"
        );
        // The interpreter knows where each frame is; compiled code records
        // only which function called out.
        let known = &store.data().offsets_known;
        assert_eq!(known.len(), 2, "{strategy:?}");
        if strategy == Strategy::Interpreter {
            assert!(known.iter().all(|k| *k), "{strategy:?}");
        }
        // Outside wasm again: nothing.
        assert!(WasmBacktrace::capture(&store).frames().is_empty(), "{strategy:?}");
    }
}

#[test]
fn captured_frames_name_their_module() {
    for (_, engine) in engines() {
        let mut linker = Linker::<Vec<Option<String>>>::new(&engine);
        linker
            .func_wrap("host", "capture", |mut caller: Caller<'_, Vec<Option<String>>>| {
                let trace = WasmBacktrace::capture(&caller);
                let modules = trace.frames().iter().map(|f| f.module().name().map(str::to_string)).collect::<Vec<_>>();
                caller.data_mut().extend(modules);
            })
            .unwrap();
        let module = Module::new(
            &engine,
            r#"(module $named (import "host" "capture" (func $c)) (func (export "run") (call $c)))"#,
        )
        .unwrap();
        let mut store = Store::new(&engine, Vec::new());
        let instance = linker.instantiate(&mut store, &module).unwrap();
        instance.get_typed_func::<(), ()>(&mut store, "run").unwrap().call(&mut store, ()).unwrap();
        assert_eq!(store.data(), &[Some("named".to_string())]);
    }
}
