//! WASI 0.2 ("preview 2") for components: the host side of `wasi:cli`,
//! `wasi:io`, `wasi:clocks`, `wasi:filesystem` and `wasi:random`, at
//! 0.2.0 through 0.2.12 (those interfaces kept their shape across 0.2.x;
//! the functions are defined under `@0.2.12` and the component linker
//! matches any 0.2.x import against them).
//!
//! The same [`WasiCtx`](crate::WasiCtx), built by one
//! [`WasiCtxBuilder`](crate::WasiCtxBuilder), serves preview 1 modules and
//! 0.2 components: the same arguments, environment, standard
//! input/output/error, clocks, randomness, disk budget, and the same
//! preopened directories (one host descriptor each, one cap-std sandbox).
//! A component's resources (streams, descriptors, pollables, ...) live in a
//! [`ResourceTable`] next to the context; [`WasiView`] gives the bindings
//! both, as in Wasmtime.
//!
//! # Implemented
//!
//! | interface | functions |
//! |---|---|
//! | `wasi:cli/environment` | `get-environment`, `get-arguments`, `initial-cwd` (none) |
//! | `wasi:cli/exit` | `exit` (`I32Exit(0)` / `I32Exit(1)`), `exit-with-code` (`I32Exit(code)`) |
//! | `wasi:cli/stdin`, `stdout`, `stderr` | `get-stdin`, `get-stdout`, `get-stderr` |
//! | `wasi:cli/terminal-*` | the `terminal-input`/`terminal-output` resources; `get-terminal-std*` say whether the embedder's stream is a terminal |
//! | `wasi:io/error` | `error.to-debug-string` |
//! | `wasi:io/poll` | `pollable.ready`, `pollable.block`, `poll` |
//! | `wasi:io/streams` | every `input-stream` and `output-stream` method |
//! | `wasi:clocks/monotonic-clock` | `now`, `resolution`, `subscribe-instant`, `subscribe-duration` |
//! | `wasi:clocks/wall-clock` | `now`, `resolution` |
//! | `wasi:filesystem/types` | every `descriptor` method, `directory-entry-stream.read-directory-entry`, `filesystem-error-code` |
//! | `wasi:filesystem/preopens` | `get-directories` |
//! | `wasi:random/*` | `get-random-bytes`, `get-random-u64`, `get-insecure-random-bytes`, `get-insecure-random-u64`, `insecure-seed` |
//!
//! Not here (yet): `wasi:sockets`, `wasi:http`, the unstable
//! `wasi:clocks/timezone`, and the async (`add_to_linker_async`) variant.
//!
//! Streams are synchronous: every operation completes before it returns,
//! so `flush` never has to wait and a stream's pollable is always ready.
//! The one visible difference from a fully non-blocking host is that a
//! `read` of a standard input with nothing available yet waits for input.
//! The filesystem is sandboxed exactly as preview 1's: a path that escapes
//! a preopen fails with `not-permitted`, and the embedder's
//! [`DirPerms`](crate::DirPerms) / [`FilePerms`](crate::FilePerms) are
//! enforced (`not-permitted`).
//!
//! # Example
//!
//! ```
//! use kiln::component::{Component, Linker, ResourceTable};
//! use kiln::{Engine, Store};
//! use kiln_wasi::p2::{WasiCtxView, WasiView};
//! use kiln_wasi::{MemoryOutputPipe, WasiCtx, WasiCtxBuilder};
//!
//! struct State {
//!     wasi: WasiCtx,
//!     table: ResourceTable,
//! }
//!
//! impl WasiView for State {
//!     fn ctx(&mut self) -> WasiCtxView<'_> {
//!         WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
//!     }
//! }
//!
//! # fn main() -> anyhow::Result<()> {
//! let engine = Engine::default();
//! let component = Component::new(&engine, include_str!("../../../../tests/programs/components/hello.wat"))?;
//! let mut linker: Linker<State> = Linker::new(&engine);
//! kiln_wasi::p2::add_to_linker_sync(&mut linker)?;
//!
//! let stdout = MemoryOutputPipe::new(4096);
//! let wasi = WasiCtxBuilder::new().arg("hello").stdout(stdout.clone()).build();
//! let mut store = Store::new(&engine, State { wasi, table: ResourceTable::new() });
//! let instance = linker.instantiate(&mut store, &component)?;
//! let interface = instance.get_export_index(&mut store, None, "wasi:cli/run@0.2.3").unwrap();
//! let run = instance.get_export_index(&mut store, Some(&interface), "run").unwrap();
//! let run = instance.get_typed_func::<(), (Result<(), ()>,)>(&mut store, &run)?;
//! assert_eq!(run.call(&mut store, ())?, (Ok(()),));
//! assert_eq!(stdout.contents(), b"Hello, world!\n");
//! # Ok(())
//! # }
//! ```

mod bindings;
mod error;
mod filesystem;
mod host;
mod poll;
mod streams;
#[cfg(test)]
mod tests;

pub use bindings::{add_to_linker_sync, WASI_VERSION};
pub use error::{ErrorCode, FsError, FsResult, IoError, StreamError, StreamResult};
pub use filesystem::{
    Advice, Datetime, Descriptor, DescriptorFlags, DescriptorStat, DescriptorType, DirDescriptor, DirectoryEntry,
    DirectoryEntryStream, FileDescriptor, MetadataHashValue, NewTimestamp, OpenFlags, PathFlags,
};
pub use host::{TerminalInput, TerminalOutput};
pub use poll::Pollable;
pub use streams::{InputStream, OutputStream};

pub use kiln::component::ResourceTable;

use crate::WasiCtx;

/// What a store's data gives the WASI 0.2 bindings: the context and the
/// resource table, borrowed together.
pub trait WasiView: Send {
    /// The context and the table.
    fn ctx(&mut self) -> WasiCtxView<'_>;
}

/// The WASI context and the resource table of one store. The host
/// functions of every interface are methods on it (see their docs for the
/// WIT function each implements).
pub struct WasiCtxView<'a> {
    /// The WASI context (shared with preview 1).
    pub ctx: &'a mut WasiCtx,
    /// Where the component's WASI resources live.
    pub table: &'a mut ResourceTable,
}
