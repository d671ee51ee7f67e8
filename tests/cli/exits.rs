//! How `kiln` ends: guest exit statuses a process can and cannot report,
//! and a standard output nobody reads any more.

use super::{kiln, write};
use std::process::{Command, Stdio};

fn exit_with(status: &str) -> String {
    format!(
        r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const {status}))))"#
    )
}

#[test]
fn statuses_0_to_125_pass_through_others_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    for status in [0, 7, 125] {
        let out = kiln(&["run", &write(dir.path(), "ok.wat", &exit_with(&status.to_string()))], dir.path());
        assert_eq!(out.status.code(), Some(status), "stderr: {}", String::from_utf8_lossy(&out.stderr));
        assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    // 256 would read as 0 truncated to 8 bits; 126 and up mean other things
    // to a shell; -1 is 4294967295 to WASI.
    for (status, shown) in [("256", "256"), ("126", "126"), ("255", "255"), ("-1", "4294967295")] {
        let out = kiln(&["run", &write(dir.path(), "bad.wat", &exit_with(status))], dir.path());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{status}: {stderr}");
        assert!(
            stderr.contains(&format!("error: the guest exited with status {shown}, which a process cannot report")),
            "{status}: {stderr}"
        );
    }
}

/// Runs kiln with a stdout whose reader is already gone, as under
/// `| head -0` once head has exited.
fn with_closed_stdout(args: &[&str], cwd: &std::path::Path) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(args)
        .current_dir(cwd)
        .env("XDG_CACHE_HOME", super::test_cache())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("run kiln")
}

#[test]
fn a_closed_stdout_ends_kiln_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "f.wat", r#"(module (func (export "f") (result i32 i32) i32.const 1 i32.const 2))"#);
    let out = with_closed_stdout(&["run", "--invoke", "f", &file], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.is_empty(), "quietly: {stderr}");
    assert_eq!(out.status.code(), Some(141), "{stderr}");

    let wast = write(
        dir.path(),
        "t.wast",
        r#"(module (func (export "f") (result i32) i32.const 1)) (assert_return (invoke "f") (i32.const 1))"#,
    );
    let out = with_closed_stdout(&["wast", &wast], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.is_empty(), "quietly: {stderr}");
    assert_eq!(out.status.code(), Some(141), "{stderr}");
}

/// The guest's own writes to a closed stdout fail with EPIPE, which the
/// guest sees and handles as it likes: this one exits with the errno.
#[test]
fn a_guest_writing_to_a_closed_stdout_gets_epipe() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "w.wat",
        r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "line\0a")
  (func (export "_start") (local $errno i32)
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 5))
    (loop $again
      (local.set $errno (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (br_if $again (i32.eqz (local.get $errno))))
    (call $exit (local.get $errno))))"#,
    );
    let out = with_closed_stdout(&["run", &file], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    const WASI_EPIPE: i32 = 64;
    assert_eq!(out.status.code(), Some(WASI_EPIPE), "{stderr}");
}
