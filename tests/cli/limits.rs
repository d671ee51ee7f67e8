//! `kiln run --fuel`, `--timeout`, `--max-wasm-stack` and their `-W`
//! spellings: a guest past a limit traps (status 134) with a message that
//! names the limit as it was written; a guest within it runs normally.

use super::{kiln, kiln_within, write};
use std::time::Duration;

/// Generous: only a hang should fail a test, never a slow machine.
const BOUND: Duration = Duration::from_secs(30);

const SPIN: &str = r#"(module (func (export "_start") (loop (br 0))))"#;

/// `count(n)` loops n times and returns n.
const COUNT: &str = r#"(module
  (func (export "count") (param $n i32) (result i32) (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $i)))"#;

/// `depth(n)` recurses n deep (not a tail call) and returns n.
const DEPTH: &str = r#"(module
  (func $depth (export "depth") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (call $depth (i32.sub (local.get $n) (i32.const 1))) (i32.const 1))))))"#;

#[track_caller]
fn assert_trapped(out: &std::process::Output, trap: &str, named: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(134), "stderr: {stderr}");
    assert!(stderr.contains(trap), "the trap text `{trap}`: {stderr}");
    assert!(stderr.contains(named), "names `{named}`: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn fuel_stops_an_endless_loop_and_a_program_within_budget_runs() {
    let dir = tempfile::tempdir().unwrap();
    let spin = write(dir.path(), "spin.wat", SPIN);
    let (out, _) = kiln_within(&["run", "--fuel", "1000", &spin], dir.path(), BOUND);
    assert_trapped(&out, "all fuel consumed by WebAssembly", "the guest ran out of fuel (--fuel 1000)");

    let count = write(dir.path(), "count.wat", COUNT);
    let out = kiln(&["run", "--fuel", "100000", "--invoke", "count", &count, "100"], dir.path());
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "100\n");
    // The same program over budget.
    let (out, _) = kiln_within(&["run", "--fuel", "100", "--invoke", "count", &count, "100"], dir.path(), BOUND);
    assert_trapped(&out, "all fuel consumed", "--fuel 100");
}

#[test]
fn timeout_stops_an_endless_loop() {
    let dir = tempfile::tempdir().unwrap();
    let spin = write(dir.path(), "spin.wat", SPIN);
    let (out, took) = kiln_within(&["run", "--timeout", "200ms", &spin], dir.path(), BOUND);
    assert_trapped(&out, "interrupt", "the guest exceeded --timeout 200ms");
    assert!(took >= Duration::from_millis(200), "stopped before its time: {took:?}");

    // A quick program is not held up by its timeout's clock.
    let count = write(dir.path(), "count.wat", COUNT);
    let (out, took) = kiln_within(&["run", "--timeout", "1h", "--invoke", "count", &count, "5"], dir.path(), BOUND);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "5\n");
    assert!(took < BOUND);
}

/// Epoch checks are in wasm code: a guest asleep in a host call does not
/// see the interrupt, so the clock thread ends the process itself.
#[test]
fn timeout_stops_a_guest_blocked_in_a_host_call() {
    let dir = tempfile::tempdir().unwrap();
    let sleep = write(
        dir.path(),
        "sleep.wat",
        r#"(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    ;; One subscription at 0: a relative monotonic clock an hour away.
    (i32.store8 (i32.const 8) (i32.const 0))
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const 3600000000000))
    (drop (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))))"#,
    );
    let (out, _) = kiln_within(&["run", "--timeout", "200ms", &sleep], dir.path(), BOUND);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(134), "stderr: {stderr}");
    assert!(stderr.contains("--timeout 200ms") && stderr.contains("host"), "{stderr}");
}

#[test]
fn w_spellings_of_the_limits() {
    let dir = tempfile::tempdir().unwrap();
    let spin = write(dir.path(), "spin.wat", SPIN);
    let (out, _) = kiln_within(&["run", "-W", "fuel=1000", &spin], dir.path(), BOUND);
    assert_trapped(&out, "all fuel consumed", "the guest ran out of fuel (-W fuel=1000)");
    let (out, _) = kiln_within(&["run", "-W", "timeout=200ms", &spin], dir.path(), BOUND);
    assert_trapped(&out, "interrupt", "the guest exceeded -W timeout=200ms");
    // A comma-separated list, with a proposal, as -W takes them.
    let (out, _) = kiln_within(&["run", "-W", "multi-value=y,fuel=1000", &spin], dir.path(), BOUND);
    assert_trapped(&out, "all fuel consumed", "-W fuel=1000");

    let depth = write(dir.path(), "depth.wat", DEPTH);
    let (out, _) =
        kiln_within(&["run", "-W", "max-wasm-stack=65536", "--invoke", "depth", &depth, "100000"], dir.path(), BOUND);
    assert_trapped(&out, "call stack exhausted", "-W max-wasm-stack=65536");
}

#[test]
fn bad_limits_are_errors_that_name_the_option() {
    let dir = tempfile::tempdir().unwrap();
    let spin = write(dir.path(), "spin.wat", SPIN);
    let cases: &[(&[&str], &[&str])] = &[
        // An unknown key names itself and lists the known ones.
        (&["-W", "timout=1s"], &["unknown -W option `timout`", "fuel=N", "timeout=DURATION", "max-wasm-stack=BYTES"]),
        (&["-W", "no-such-thing"], &["`no-such-thing`", "timeout=DURATION", "multi-value"]),
        // A known proposal still wants y or n.
        (&["-W", "multi-value=1s"], &["-W multi-value", "expected y or n"]),
        (&["-W", "fuel"], &["-W fuel needs a value"]),
        (&["-W", "timeout=soon"], &["`soon`", "-W timeout"]),
        (&["--fuel", "lots"], &["`lots`", "--fuel"]),
        (&["--timeout", "2x"], &["`2x`", "--timeout"]),
        (&["--max-wasm-stack", "big"], &["`big`", "--max-wasm-stack"]),
        (&["--fuel", "10", "-W", "fuel=20"], &["--fuel 10", "-W fuel=20"]),
    ];
    for (flags, expected) in cases {
        let mut argv = vec!["run"];
        argv.extend_from_slice(flags);
        argv.push(&spin);
        // An error must come before the guest runs: the bound is a hang.
        let (out, _) = kiln_within(&argv, dir.path(), BOUND);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{flags:?}: {stderr}");
        for e in *expected {
            assert!(stderr.contains(e), "{flags:?} should mention `{e}`: {stderr}");
        }
    }

    let wast = write(dir.path(), "t.wast", "(module)");
    let out = kiln(&["wast", "-W", "fuel=10", &wast], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("-W fuel is an option of `kiln run`"));
}

/// Both tiers stop a guest at `--fuel` and `--timeout`.
#[test]
fn fuel_and_timeout_stop_the_guest_in_both_tiers() {
    let dir = tempfile::tempdir().unwrap();
    let spin = write(dir.path(), "spin.wat", SPIN);
    for strategy in ["interpreter", "cranelift"] {
        for (flags, trap, named) in [
            (&["--fuel", "10"][..], "all fuel consumed", "--fuel 10"),
            (&["-W", "timeout=100ms"][..], "interrupt", "-W timeout=100ms"),
        ] {
            let mut argv = vec!["run", "--strategy", strategy];
            argv.extend_from_slice(flags);
            argv.push(&spin);
            let (out, _) = kiln_within(&argv, dir.path(), BOUND);
            assert_trapped(&out, trap, named);
        }
    }
}

#[test]
fn max_wasm_stack_bounds_recursion_in_both_tiers() {
    let dir = tempfile::tempdir().unwrap();
    let depth = write(dir.path(), "depth.wat", DEPTH);
    for strategy in ["interpreter", "cranelift"] {
        let run = |flags: &[&str], n: &str| {
            let mut argv = vec!["run", "--strategy", strategy];
            argv.extend_from_slice(flags);
            argv.extend_from_slice(&["--invoke", "depth", &depth, n]);
            kiln_within(&argv, dir.path(), BOUND).0
        };
        let out = run(&["--max-wasm-stack", "64K"], "100000");
        assert_trapped(&out, "call stack exhausted", "the guest exhausted its wasm stack (--max-wasm-stack 64K)");
        // The default stack (512 KiB) is too small for a million frames
        // too, and says which flag raises it ...
        let out = run(&[], "1000000");
        assert_trapped(&out, "call stack exhausted", "--max-wasm-stack sets it");
        // ... which works beyond the main thread's own stack (8 MiB).
        let out = run(&["--max-wasm-stack", "1G"], "1000000");
        assert_eq!(out.status.code(), Some(0), "{strategy}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "1000000\n");
    }
}

/// Grows memory 0 a page at a time until `memory.grow` fails; `pages`
/// returns the size reached, `_start` then traps.
const MEMORY_BOMB: &str = r#"(module
  (memory 1)
  (func $grow (export "pages") (result i32)
    (block $done
      (loop $more
        (br_if $done (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (br $more)))
    (memory.size))
  (func (export "_start") (drop (call $grow)) unreachable))"#;

#[test]
fn max_memory_size_holds_a_memory_bomb() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = write(dir.path(), "bomb.wat", MEMORY_BOMB);
    for spelling in [&["--max-memory-size", "1M"][..], &["-W", "max-memory-size=1M"][..]] {
        let mut args = vec!["run"];
        args.extend_from_slice(spelling);
        args.extend_from_slice(&["--invoke", "pages", &bomb]);
        let out = kiln(&args, dir.path());
        assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "16\n", "1 MiB is 16 pages");
    }
    // A guest that gives up with a trap is told which flag refused it.
    let (out, _) = kiln_within(&["run", "--max-memory-size", "1M", &bomb], dir.path(), BOUND);
    assert_trapped(&out, "unreachable", "refused by --max-memory-size 1M");
}

#[test]
fn max_table_elements_caps_table_growth() {
    let dir = tempfile::tempdir().unwrap();
    let wat = r#"(module (table 1 funcref)
      (func (export "grow") (param i32) (result i32) (table.grow (ref.null func) (local.get 0))))"#;
    let file = write(dir.path(), "table.wat", wat);
    let out = kiln(&["run", "--max-table-elements", "100", "--invoke", "grow", &file, "99"], dir.path());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "1\n", "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let out = kiln(&["run", "--max-table-elements", "100", "--invoke", "grow", &file, "100"], dir.path());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "-1\n", "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let out = kiln(&["run", "--max-table-elements", "lots", "--invoke", "grow", &file, "1"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--max-table-elements"));
}
