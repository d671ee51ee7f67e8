//! What every tier shares at run time: the store's objects, the instance
//! layout (`VMContext`), instantiation, memories, tables, globals, host
//! functions and the array-call ABI.

mod backtrace;
mod builtins;
mod call;
mod host;
mod instance;
mod limits;
mod mapped_file;
mod memory;
mod module;
mod offset_table;
mod store;
mod table;
mod traphandlers;
mod vmcontext;

pub(crate) use backtrace::{capture as capture_backtrace, interp_frame, InterpFrame};
pub(crate) use call::{array_call_shim, native_array_call};
pub(crate) use call::{call_array, func_ref_target, func_ref_type, func_ref_type_id, invoke, SafeArrayCall};
pub(crate) use host::HostCall;
pub(crate) use instance::ImportItem;
pub(crate) use limits::LimiterLookup;
pub(crate) use mapped_file::MappedFile;
pub(crate) use memory::{
    copy_within, fill, load, load_le, store, store_le, LinearMemory, MemoryConfig, MemoryRef, MemoryView,
    FULL_RESERVATION, WASM_PAGE_SIZE,
};
pub(crate) use module::{CodeVariant, CompiledCode, ModuleArtifacts, SharedBytes};
pub(crate) use offset_table::OffsetTable;
pub(crate) use store::{FuncRefPtr, GlobalId, InstanceId, MemoryId, StoreId, TableId};
pub use store::{StoreOpaque, ValRaw};

/// What entering wasm from the host costs against `max_wasm_stack`, in
/// every tier: bounds the host stack used by host -> wasm -> host -> wasm
/// nesting.
pub(crate) const ACTIVATION_COST_BYTES: usize = 16 * 1024;
pub(crate) use table::Table;
pub(crate) use traphandlers::{native_stack_exhausted, register_code, unregister_code};
pub(crate) use vmcontext::{BuiltinIndex, VMArrayCallFn};
#[cfg(kiln_tail_dispatch)]
pub(crate) use vmcontext::{VMFuncRef, VMMemoryDefinition, VMTableDefinition};
