//! The tiers checked against each other on generated modules: a bounded,
//! seeded run of the differential check (the cargo-fuzz target in `fuzz/`
//! runs the same check on fuzzer input without a bound).

use crate::differential_check::{check, Compared, Tiers};

/// Inputs per run: enough to reach most of the instruction set.
/// `KILN_DIFFERENTIAL_INPUTS` asks for more (longer runs by hand).
const MODULES: u64 = 2_000;

#[test]
#[cfg(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64")))]
fn generated_modules_behave_the_same_in_both_tiers() {
    let inputs: u64 = std::env::var("KILN_DIFFERENTIAL_INPUTS").ok().and_then(|n| n.parse().ok()).unwrap_or(MODULES);
    let tiers = Tiers::new();
    let mut total = Compared::default();
    for (i, data) in crate::seeded_inputs(0x9e37_79b9_7f4a_7c15u64, inputs).enumerate() {
        match check(&tiers, &data) {
            Ok(c) => {
                total.modules += c.modules;
                total.calls += c.calls;
                total.traps += c.traps;
                total.out_of_fuel += c.out_of_fuel;
            }
            Err(divergence) => panic!("generated module {i} behaves differently in the two tiers: {divergence}"),
        }
    }
    println!("{inputs} inputs: {total:?}");
    // Guard against a check that compares nothing (a generator that no
    // longer makes modules, exports without functions...).
    assert!(total.modules > inputs / 2, "only {} of {inputs} inputs made a module", total.modules);
    assert!(total.calls > 5 * inputs, "only {} calls compared", total.calls);
    assert!(total.traps > 0 && total.traps < total.calls, "{total:?}");
    // Kiln's fuel is on for about half the modules, and stops some loops.
    assert!(total.out_of_fuel > 0, "{total:?}");
}
