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
