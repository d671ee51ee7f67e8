//! `kiln run`: exit codes, traps, --invoke, --env, --dir, --preload, bad input.

use super::{kiln, write};

const HELLO: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 8) "hello from kiln\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 8))
    (i32.store (i32.const 4) (i32.const 16))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 100)))
    (call $exit (i32.const 7))))"#;

#[test]
fn a_command_prints_and_its_exit_code_is_the_process_status() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "hello.wat", HELLO);
    let out = kiln(&["run", &file], dir.path());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello from kiln\n");
    assert_eq!(out.status.code(), Some(7), "stderr: {}", String::from_utf8_lossy(&out.stderr));
}

/// `kiln FILE` is `kiln run FILE`, options before the file too, as
/// Wasmtime users type it; the subcommands keep their names.
#[test]
fn run_is_the_default_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "hello.wat", HELLO);
    for argv in [&[file.as_str()][..], &["--dir", ".", &file], &["-S", "cli", &file, "arg"]] {
        let out = kiln(argv, dir.path());
        assert_eq!(String::from_utf8_lossy(&out.stdout), "hello from kiln\n", "{argv:?}");
        assert_eq!(out.status.code(), Some(7), "{argv:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let out = kiln(&["--version"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("kiln "));
    let out = kiln(&["missing.wasm"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.wasm"));
}

#[test]
fn a_trap_prints_the_message_and_backtrace_and_exits_134() {
    let dir = tempfile::tempdir().unwrap();
    let file =
        write(dir.path(), "trap.wat", r#"(module (func $inner unreachable) (func (export "_start") call $inner))"#);
    let out = kiln(&["run", &file], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(134));
    assert!(stderr.contains("unreachable"), "stderr: {stderr}");
    assert!(stderr.contains("inner"), "backtrace names the function: {stderr}");
}

#[test]
fn invoke_calls_an_export_with_arguments_and_prints_results() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "add.wat",
        r#"(module (func (export "add") (param i32 i64) (result i64) local.get 1 local.get 0 i64.extend_i32_s i64.add))"#,
    );
    let out = kiln(&["run", "--invoke", "add", &file, "-5", "40"], dir.path());
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "35\n");

    let bad = kiln(&["run", "--invoke", "add", &file, "x", "1"], dir.path());
    assert_ne!(bad.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid argument `x`"));
}

#[test]
fn an_unknown_import_is_named_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "imp.wat",
        r#"(module
             (import "env" "missing" (func))
             (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
             (func $start (call $exit (i32.const 3)))
             (start $start))"#,
    );
    let out = kiln(&["run", &file], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.contains("env::missing"), "stderr: {stderr}");
}

#[test]
fn bad_flags_and_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = kiln(&["run", "--no-such-flag", "x.wasm"], dir.path());
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--no-such-flag"));

    let out = kiln(&["run", "missing.wasm"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.wasm"));

    let file = write(dir.path(), "junk.wasm", "\0asm\x01\0\0\0\x01");
    let out = kiln(&["run", &file], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("malformed"), "{}", String::from_utf8_lossy(&out.stderr));

    let out = kiln(&["run", "--dir", "/no/such/dir", &write(dir.path(), "h.wat", HELLO)], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/dir"));
}
