//! The CLI's own writes to standard output and standard error. Rust's
//! `println!` panics when a write fails, as it does when stdout is a pipe
//! whose reader has gone (`kiln run --invoke f x.wat | head -0`; Rust
//! ignores SIGPIPE, so the write returns EPIPE instead of killing the
//! process). Here a failed write to stdout is an error value, and a failed
//! write to stderr is ignored: there is nowhere left to report it.

use std::fmt;
use std::io::{self, Write};

/// Standard output is a pipe nobody reads any more. The reader has taken
/// all it wanted, so this is no failure worth a message: `kiln` stops
/// writing and exits quietly with [`STDOUT_CLOSED_STATUS`].
#[derive(Debug)]
pub struct StdoutClosed;

impl fmt::Display for StdoutClosed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("standard output was closed")
    }
}

impl std::error::Error for StdoutClosed {}

/// The exit status after stdout closed under `kiln`: 141, what a shell
/// reports for a native program that SIGPIPE killed (`yes | head`), so a
/// `set -o pipefail` script sees `kiln` end as it sees other tools end. Not
/// 0: some output was not delivered.
pub const STDOUT_CLOSED_STATUS: u8 = 141;

/// Writes a line to standard output. A closed pipe is [`StdoutClosed`];
/// another failure (a full disk) is an error that names stdout.
pub fn println(args: fmt::Arguments<'_>) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    match out.write_fmt(args).and_then(|()| out.write_all(b"\n")) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Err(StdoutClosed.into()),
        Err(e) => Err(anyhow::Error::new(e).context("failed to write to standard output")),
    }
}

/// Writes a line to standard error, ignoring failure.
pub fn eprintln(args: fmt::Arguments<'_>) {
    let _ = writeln!(io::stderr().lock(), "{args}");
}
