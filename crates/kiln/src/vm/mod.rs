//! What every tier shares at run time: the store's objects, the instance
//! layout (`VMContext`), instantiation, memories, tables, globals, host
//! functions and the array-call ABI.

mod call;
mod host;
mod instance;
mod memory;
mod module;
mod store;
mod table;
// The helper table is filled in when the JIT is wired up.
#[allow(dead_code)]
mod vmcontext;

pub(crate) use call::array_call_shim;
pub(crate) use call::{call_array, func_ref_target, func_ref_type, func_ref_type_id, invoke, SafeArrayCall};
pub(crate) use host::HostCall;
pub(crate) use instance::ImportItem;
pub(crate) use memory::{load, store, LinearMemory, MemoryConfig, MemoryRef, MemoryView, WASM_PAGE_SIZE};
pub(crate) use module::{CompiledCode, ModuleArtifacts};
pub(crate) use store::{FuncRefPtr, GlobalId, InstanceId, MemoryId, StoreId, TableId};
pub use store::{StoreOpaque, ValRaw};
pub(crate) use table::Table;
pub(crate) use vmcontext::{BuiltinIndex, VMArrayCallFn};
