//! Tests of the `kiln` command-line tool, run as a process.

mod programs;
mod run;
mod sqlite;

use std::path::Path;
use std::process::{Command, Output};

/// Runs the `kiln` binary built for these tests.
pub fn kiln(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kiln")).args(args).current_dir(cwd).output().expect("run kiln")
}

/// Writes `text` to `dir/name` and returns the path as a string.
pub fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write test file");
    path.to_string_lossy().into_owned()
}
