//! The host side of each WASI 0.2 interface, as plain Rust methods on
//! [`WasiCtxView`](super::WasiCtxView). Method names are the WIT names
//! with the resource (or interface, where two would clash) in front:
//! `[method]output-stream.blocking-write-and-flush` is
//! `output_stream_blocking_write_and_flush`. Borrowed handles are taken by
//! value, as Wasmtime's generated traits take them.

mod cli;
mod clocks;
mod filesystem;
mod io;

pub use cli::{TerminalInput, TerminalOutput};
