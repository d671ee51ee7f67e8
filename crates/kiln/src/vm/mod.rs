//! What both tiers share at run time: the store's objects (functions,
//! instances, memories, tables, globals) and the raw value ABI.

mod memory;
mod store;
mod table;
#[allow(dead_code)]
mod vmcontext;

pub(crate) use memory::{load, store, LinearMemory, MemoryConfig, WASM_PAGE_SIZE};
pub(crate) use store::{FuncEntry, FuncKind, GlobalEntry, InstanceEntry, StoreId};
pub use store::{StoreOpaque, ValRaw};
pub(crate) use table::Table;
