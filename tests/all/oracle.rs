//! Kiln's interpreter against wasmi on generated modules: a bounded,
//! seeded run of the oracle check (the cargo-fuzz target `oracle` in
//! `fuzz/` runs the same check on fuzzer input without a bound).

use crate::oracle_check::{check, Compared, Engines};

/// Inputs per run. `KILN_ORACLE_INPUTS` asks for more (longer runs by
/// hand).
const MODULES: u64 = 5_000;

#[test]
fn generated_modules_behave_in_the_interpreter_as_in_wasmi() {
    let inputs: u64 = std::env::var("KILN_ORACLE_INPUTS").ok().and_then(|n| n.parse().ok()).unwrap_or(MODULES);
    let engines = Engines::new();
    let mut total = Compared::default();
    for (i, data) in crate::seeded_inputs(0x6f72_6163_6c65_2121u64, inputs).enumerate() {
        match check(&engines, &data) {
            Ok(c) => {
                total.modules += c.modules;
                total.calls += c.calls;
                total.traps += c.traps;
                total.stack_overflows += c.stack_overflows;
            }
            Err(divergence) => panic!("generated module {i} behaves differently in Kiln and wasmi: {divergence}"),
        }
    }
    println!("{inputs} inputs: {total:?}");
    // Guard against a check that compares nothing.
    assert!(total.modules > inputs / 2, "only {} of {inputs} inputs made a module", total.modules);
    assert!(total.calls > 5 * inputs, "only {} calls compared", total.calls);
    assert!(total.traps > 0 && total.traps < total.calls, "{total:?}");
}

/// Inputs the `oracle` fuzz target found a divergence for, each fixed since.
const FOUND_BY_FUZZING: &[(&str, &[u8])] = &[(
    // A start function that is also the `_start` export: running it at
    // instantiation counted as the host's one call of a command's `_start`.
    "start function exported as _start",
    &[
        0x9a, 0x9a, 0x9a, 0x9a, 0x9a, 0x9a, 0x9a, 0x00, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0xc1, 0x9a, 0x9a, 0x9a,
        0x9a, 0x9a, 0x9a, 0x9a, 0x9a, 0x9a, 0x9a, 0x9a, 0x9a, 0x0a,
    ],
)];

#[test]
fn inputs_found_by_fuzzing_agree_with_wasmi() {
    let engines = Engines::new();
    for (what, data) in FOUND_BY_FUZZING {
        let compared = check(&engines, data).unwrap_or_else(|d| panic!("{what}: {d}"));
        assert!(compared.calls > 0, "{what}: nothing was compared: {compared:?}");
    }
}

#[test]
fn a_start_function_exported_as_start_is_not_the_commands_one_run() {
    let engine = kiln::Engine::default();
    let module = kiln::Module::new(
        &engine,
        r#"(module
             (global $runs (export "runs") (mut i32) (i32.const 0))
             (func $start (export "_start") (global.set $runs (i32.add (global.get $runs) (i32.const 1))))
             (start $start))"#,
    )
    .unwrap();
    let mut store = kiln::Store::new(&engine, ());
    let instance = kiln::Instance::new(&mut store, &module, &[]).unwrap();
    let start = instance.get_typed_func::<(), ()>(&mut store, "_start").unwrap();
    start.call(&mut store, ()).expect("the host's first call of _start runs");
    let runs = instance.get_global(&mut store, "runs").unwrap().get(&mut store);
    assert_eq!(runs.i32(), Some(2));
    let err = start.call(&mut store, ()).unwrap_err();
    assert!(err.to_string().contains("already called"), "{err}");
}
