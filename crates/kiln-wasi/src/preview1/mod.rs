//! `wasi_snapshot_preview1`: the ABI, the descriptor table, the functions
//! and the glue that adds them to a linker.

pub(crate) mod budget;
pub(crate) mod error;
mod fd;
pub(crate) mod linker;
pub(crate) mod memory;
pub(crate) mod path;
mod poll;
mod process;
pub(crate) mod table;
pub(crate) mod types;
