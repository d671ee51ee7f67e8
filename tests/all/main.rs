//! Kiln's integration tests: one test binary, a module per topic.

mod api;
mod backtrace_api;
mod compile_check;
mod compile_fuzz;
mod compile_time;
mod component_programs;
mod component_runtime;
mod differential;
mod differential_check;
mod func;
mod host_stack;
mod instance_pre;
mod interp_dispatch;
mod interp_fusions;
mod interrupts;
mod layout;
mod lazy_translation;
mod limits;
mod linker;
mod malformed;
mod oracle;
mod oracle_check;
mod per_request;
mod precompiled;
mod registry;
mod reservation;
mod shapes;
mod simd;
mod threads;
mod traps;
mod wasmtime_docs;

use kiln::{Engine, Module, Store};
use std::process::Command;

/// Compiles `wat` for `engine`, panicking with the error on failure.
pub(crate) fn module(engine: &Engine, wat: &str) -> Module {
    match Module::new(engine, wat) {
        Ok(m) => m,
        Err(e) => panic!("test module failed to compile: {e:?}"),
    }
}

/// A default engine and an empty store for it.
pub(crate) fn engine_and_store() -> (Engine, Store<()>) {
    let engine = Engine::default();
    let store = Store::new(&engine, ());
    (engine, store)
}

/// `count` pseudo-random inputs of 1 to 9 KiB from `seed` (xorshift64*):
/// the same inputs on every run and machine, for the seeded fuzz checks.
pub(crate) fn seeded_inputs(seed: u64, count: u64) -> impl Iterator<Item = Vec<u8>> {
    let mut state = seed;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    (0..count).map(move |_| {
        let len = 1024 + (next() % 8192) as usize;
        (0..len).map(|_| next() as u8).collect()
    })
}

const CHILD_ENV: &str = "KILN_TEST_IN_CHILD";

/// Runs `body` in a child process of this test binary that runs only the
/// test `name` (its path in this binary, e.g. `traps::deep`): for tests
/// that measure the whole process, or that could crash it. The parent fails
/// with the child's output when the child fails or dies.
pub(crate) fn in_child_process(name: &str, body: impl FnOnce()) {
    in_limited_child_process(name, None, body)
}

/// Like [`in_child_process`], with the child's address space limited to
/// `address_space_kib` KiB (`ulimit -v`) when given.
pub(crate) fn in_limited_child_process(name: &str, address_space_kib: Option<u64>, body: impl FnOnce()) {
    if std::env::var_os(CHILD_ENV).is_some() {
        body();
        return;
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut command = match address_space_kib {
        None => Command::new(exe),
        Some(kib) => {
            let mut sh = Command::new("sh");
            sh.arg("-c").arg(format!("ulimit -v {kib} && exec \"$0\" \"$@\"")).arg(exe);
            sh
        }
    };
    let output = command
        .args([name, "--exact", "--nocapture", "--test-threads", "1"])
        .env(CHILD_ENV, "1")
        .output()
        .expect("the test binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    print!("{stdout}");
    assert!(
        output.status.success(),
        "the child process running `{name}` failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(stdout.contains("1 passed"), "the child process did not run `{name}`:\n{stdout}");
}
