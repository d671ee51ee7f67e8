//! Differential fuzzing of Kiln's tiers: every input becomes a wasm-smith
//! module run in the interpreter and the JIT (the same check as the seeded
//! test in `tests/all/differential.rs`); a divergence is a crash.

#![no_main]

#[path = "../../tests/all/differential_check.rs"]
mod differential_check;

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fuzz_target!(|data: &[u8]| {
    static TIERS: OnceLock<differential_check::Tiers> = OnceLock::new();
    let tiers = TIERS.get_or_init(differential_check::Tiers::new);
    if let Err(divergence) = differential_check::check(tiers, data) {
        panic!("the tiers diverged: {divergence}");
    }
});
