//! Arbitrary sequences of WASI calls against a preopened temporary
//! directory (the same check as the seeded test in
//! `crates/kiln-wasi/tests/wasi/sandbox_fuzz.rs`): nothing outside the
//! preopen is touched, no call panics or hangs. Here, where nothing else
//! runs in the process, it also checks that every host descriptor is
//! closed once the store is dropped.

#![no_main]

#[path = "../../crates/kiln-wasi/tests/wasi/sandbox_fuzz_check.rs"]
#[allow(dead_code)] // the seeded test's tallies are not used here
mod sandbox_fuzz_check;

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use std::time::Duration;

/// Per call.
const TIME_BOUND: Duration = Duration::from_secs(5);

/// The process's open descriptors.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map(|d| d.count()).unwrap_or(0)
}

fuzz_target!(|data: &[u8]| {
    static GUEST: OnceLock<sandbox_fuzz_check::Guest> = OnceLock::new();
    let guest = GUEST.get_or_init(sandbox_fuzz_check::Guest::new);
    let before = open_fds();
    if let Err(problem) = sandbox_fuzz_check::check(guest, data, TIME_BOUND) {
        panic!("{problem}");
    }
    let after = open_fds();
    assert_eq!(after, before, "host descriptors leaked: {before} open before the input, {after} after");
});
