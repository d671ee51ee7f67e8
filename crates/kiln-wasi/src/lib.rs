//! WASI preview 1 (`wasi_snapshot_preview1`) for Kiln: the system interface
//! most WebAssembly command-line programs are compiled against (C, C++,
//! Rust, Zig, ... for `wasm32-wasi`/`wasm32-wasip1`).
//!
//! Each store gets its own [`WasiCtx`], configured with a
//! [`WasiCtxBuilder`]: arguments, environment, standard input/output/error
//! (the host's, in-memory pipes, or files), preopened directories with
//! read-only or read-write access, and replaceable clocks and randomness.
//! [`add_to_linker`] defines every preview 1 function in a
//! [`kiln::Linker`]. The [`p1`] module has the same under Wasmtime's names
//! (`p1::add_to_linker_sync`, `WasiP1Ctx`, `WasiCtxBuilder::build_p1`).
//! The [`p2`] module is WASI 0.2 for components, over the same context.
//!
//! The filesystem is sandboxed with [`cap_std`]: the guest reaches host
//! files only inside its preopened directories; absolute paths, `..` past a
//! preopen and symlinks leading out of one are refused (`EPERM`), never
//! followed.
//!
//! ```
//! use kiln::{Engine, Linker, Module, Store};
//! use kiln_wasi::{I32Exit, MemoryOutputPipe, WasiCtx, WasiCtxBuilder};
//!
//! struct State {
//!     wasi: WasiCtx,
//! }
//!
//! # fn main() -> anyhow::Result<()> {
//! // A tiny WASI command: writes "hello\n" to stdout and exits with 3.
//! let engine = Engine::default();
//! let module = Module::new(
//!     &engine,
//!     r#"(module
//!          (import "wasi_snapshot_preview1" "fd_write"
//!            (func $fd_write (param i32 i32 i32 i32) (result i32)))
//!          (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
//!          (memory (export "memory") 1)
//!          (data (i32.const 16) "hello\n")
//!          (func (export "_start")
//!            (i32.store (i32.const 0) (i32.const 16))   ;; iovec.buf
//!            (i32.store (i32.const 4) (i32.const 6))    ;; iovec.buf_len
//!            (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
//!            (call $proc_exit (i32.const 3))))"#,
//! )?;
//!
//! let mut linker = Linker::new(&engine);
//! kiln_wasi::add_to_linker(&mut linker, |state: &mut State| &mut state.wasi)?;
//!
//! let stdout = MemoryOutputPipe::new(4096);
//! let wasi = WasiCtxBuilder::new().arg("hello.wasm").stdout(stdout.clone()).build();
//! let mut store = Store::new(&engine, State { wasi });
//! let instance = linker.instantiate(&mut store, &module)?;
//! let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
//! let err = start.call(&mut store, ()).unwrap_err();
//!
//! assert_eq!(err.downcast_ref::<I32Exit>(), Some(&I32Exit(3)));
//! assert_eq!(stdout.contents(), b"hello\n");
//! # Ok(())
//! # }
//! ```
//!
//! # Differences from Wasmtime
//!
//! Wasmtime's preview 1 implementation is the reference where the WASI
//! specification leaves a choice open; where this crate differs on
//! purpose, the item's documentation says so. In short: a guest pointer
//! outside memory is `EFAULT` rather than a trap, rights are tracked and
//! enforced as the specification describes (`fd_fdstat_set_rights` can drop
//! them), `fd_allocate` allocates, `fd_sync`/`fd_datasync` work on
//! directories, and `filestat` reports the host's device and inode numbers.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod clocks;
mod ctx;
pub mod p1;
pub mod p2;
mod preview1;
mod stdio;

pub use clocks::{HostMonotonicClock, HostRandom, HostWallClock, MonotonicClock, RandomSource, WallClock};
pub use ctx::{DirPerms, FilePerms, WasiCtx, WasiCtxBuilder};
pub use preview1::linker::add_to_linker;
pub use stdio::{
    EmptyInput, HostStderr, HostStdin, HostStdout, MemoryInputPipe, MemoryOutputPipe, SinkOutput, StdinStream,
    StdoutStream,
};

use std::fmt;

/// The error a run ends with when the guest calls `proc_exit(code)`: not a
/// trap, but the program's exit status. Match it with
/// `err.downcast_ref::<I32Exit>()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct I32Exit(pub i32);

impl fmt::Display for I32Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the program exited with status {}", self.0)
    }
}

impl std::error::Error for I32Exit {}
