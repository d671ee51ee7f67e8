//! Exit statuses: returning from main, exit(), proc_exit, and a trap.

use crate::harness::Guest;

fn run(args: &[&str]) -> crate::harness::Run {
    let mut guest = Guest::new("exit");
    guest.builder.args(args);
    guest.run()
}

#[test]
fn return_zero_from_main() {
    run(&["return", "0"]).expect(0, "ending with return 0\natexit handler ran\n");
}

#[test]
fn return_nonzero_from_main() {
    run(&["return", "42"]).expect(42, "ending with return 42\natexit handler ran\n");
}

#[test]
fn exit_with_status() {
    run(&["exit", "7"]).expect(7, "ending with exit 7\natexit handler ran\n");
    run(&["exit", "0"]).expect(0, "ending with exit 0\natexit handler ran\n");
}

#[test]
fn proc_exit_skips_exit_handlers() {
    run(&["proc_exit", "3"]).expect(3, "ending with proc_exit 3\n");
}

#[test]
fn exit_status_is_an_i32exit_error() {
    let mut guest = Guest::new("exit");
    guest.builder.args(["exit", "5"]);
    let run = guest.run();
    assert_eq!(run.status, Some(5));
    let err: anyhow::Error = kiln_wasi::I32Exit(5).into();
    assert_eq!(err.to_string(), "the program exited with status 5");
}

#[test]
fn abort_is_a_trap() {
    let run = run(&["abort"]);
    assert_eq!(run.status, None);
    let err = run.error.expect("a trap");
    assert!(err.downcast_ref::<kiln::Trap>().is_some(), "{err:?}");
    assert!(run.stdout.is_empty() || run.stdout == "ending with abort 0\n", "{}", run.stdout);
}
