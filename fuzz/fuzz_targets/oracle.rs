//! Kiln's interpreter against wasmi: every input becomes a wasm-smith
//! module run in both (the same check as the seeded test in
//! `tests/all/oracle.rs`); a divergence is a crash.

#![no_main]

#[path = "../../tests/all/differential_check.rs"]
#[allow(dead_code)] // only its wasm-smith configuration and start-up check are used here
mod differential_check;
#[path = "../../tests/all/oracle_check.rs"]
#[allow(dead_code)] // the seeded test's tallies are not used here
mod oracle_check;

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fuzz_target!(|data: &[u8]| {
    static ENGINES: OnceLock<oracle_check::Engines> = OnceLock::new();
    let engines = ENGINES.get_or_init(oracle_check::Engines::new);
    if let Err(divergence) = oracle_check::check(engines, data) {
        panic!("Kiln and wasmi diverged: {divergence}");
    }
});
