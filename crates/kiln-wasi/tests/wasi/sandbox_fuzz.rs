//! Arbitrary sequences of WASI calls keep to the sandbox: a bounded,
//! seeded run of the check in `sandbox_fuzz_check.rs` (the cargo-fuzz
//! target `wasi` in `fuzz/` runs the same check on fuzzer input without a
//! bound, and also checks that no host descriptor leaks).

use crate::sandbox_fuzz_check::{check, Checked, Guest};
use std::time::Duration;

/// Inputs (call sequences) per run. `KILN_WASI_FUZZ_INPUTS` asks for more.
const INPUTS: u64 = 1_000;

/// Per call, generous: a debug build and other tests on the same cores.
/// The fuzz target's bound is 5 s.
const TIME_BOUND: Duration = Duration::from_secs(20);

#[test]
fn arbitrary_call_sequences_keep_to_the_sandbox() {
    let inputs: u64 = std::env::var("KILN_WASI_FUZZ_INPUTS").ok().and_then(|n| n.parse().ok()).unwrap_or(INPUTS);
    let guest = Guest::new();
    // xorshift64*: the same inputs on every run and machine.
    let mut state = 0x7761_7369_2d66_757au64;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let mut total = Checked::default();
    for i in 0..inputs {
        let len = 64 + (next() % 2048) as usize;
        let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        match check(&guest, &data, TIME_BOUND) {
            Ok(c) => {
                total.calls += c.calls;
                total.succeeded += c.succeeded;
                total.opened += c.opened;
                total.created += c.created;
            }
            Err(problem) => panic!("input {i}: {problem}"),
        }
    }
    println!("{inputs} inputs: {total:?}");
    // Guard against a check that checks nothing: calls must succeed, open
    // files and change the tree, not only fail.
    assert!(total.calls > 20 * inputs, "{total:?}");
    assert!(total.succeeded > total.calls / 20, "{total:?}");
    assert!(total.opened > inputs && total.created > inputs / 2, "{total:?}");
}
