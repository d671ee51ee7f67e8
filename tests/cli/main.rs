//! Tests of the `kiln` command-line tool, run as a process.

mod components;
mod exits;
mod limits;
mod messages;
mod precompiled;
mod programs;
mod run;
mod sqlite;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs the `kiln` binary built for these tests.
pub fn kiln(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(args)
        .current_dir(cwd)
        .env("XDG_CACHE_HOME", test_cache())
        .output()
        .expect("run kiln")
}

/// Where the tests' `kiln run`s keep their compiled-module cache (on by
/// default), rather than the user's own cache directory.
pub fn test_cache() -> std::path::PathBuf {
    std::env::temp_dir().join("kiln-cli-tests-cache")
}

/// Writes `text` to `dir/name` and returns the path as a string.
pub fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write test file");
    path.to_string_lossy().into_owned()
}

/// Runs `kiln` and waits at most `bound` for it: past that it is killed and
/// the test fails, so a limit that does not hold fails rather than hangs.
/// Returns the output and how long the run took.
pub fn kiln_within(args: &[&str], cwd: &Path, bound: Duration) -> (Output, Duration) {
    // Files, not pipes: nothing has to read while we wait.
    let out = tempfile::tempfile().expect("stdout file");
    let err = tempfile::tempfile().expect("stderr file");
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(args)
        .current_dir(cwd)
        .env("XDG_CACHE_HOME", test_cache())
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(err.try_clone().unwrap())
        .spawn()
        .expect("run kiln");
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for kiln") {
            break status;
        }
        if start.elapsed() > bound {
            let _ = child.kill();
            let _ = child.wait();
            panic!("kiln {args:?} still running after {bound:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let took = start.elapsed();
    let read = |mut f: std::fs::File| {
        use std::io::{Read, Seek};
        let mut bytes = Vec::new();
        f.rewind().and_then(|_| f.read_to_end(&mut bytes)).expect("read kiln's output");
        bytes
    };
    (Output { status, stdout: read(out), stderr: read(err) }, took)
}
