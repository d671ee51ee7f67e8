//! The structs compiled code reads at fixed offsets (`compile::VMOffsets`
//! says where). Every one is `#[repr(C)]`; the tests at the bottom check the
//! offsets against these definitions.
//!
//! Value encoding, the same for every tier, for `ValRaw`, globals and
//! tables: i32/f32 are their bits zero-extended; i64/f64 their bits; a
//! funcref is a `*const VMFuncRef` (0 = null); an externref a non-zero
//! index into the store's extern values (0 = null); a v128 all 128 bits.

use super::ValRaw;
use crate::engine::SigId;
use std::cell::UnsafeCell;

/// Marker type of an instance's context. Only ever used behind a pointer:
/// the real allocation is `VMOffsets::size()` bytes long.
#[repr(C, align(16))]
pub struct VMContext {
    _magic: u32,
}

/// The array-call ABI every function has, host or wasm, in any tier:
/// arguments are read from `args[..params]` and results written to
/// `args[..results]` (the buffer holds `max(params, results)` values).
/// `callee` is the function's own `VMFuncRef` (its `vmctx` field is the
/// callee's context); `caller` is the calling instance's context, or null
/// when the host calls. Returns `false` when the call trapped or the host
/// function failed: the error is then recorded in the store.
pub type VMArrayCallFn =
    unsafe extern "C" fn(callee: *const VMFuncRef, caller: *mut VMContext, args: *mut ValRaw, len: usize) -> bool;

/// A function reference: what a funcref value points at, and how to call it.
#[repr(C)]
pub struct VMFuncRef {
    /// The array-call entry (always present).
    pub array_call: VMArrayCallFn,
    /// The native wasm-ABI entry of compiled code, or null (interpreted and
    /// host functions have none; callers use `array_call` then). Its
    /// signature is `(callee_vmctx, caller_vmctx, params...) -> results`.
    pub wasm_call: *const u8,
    /// The callee's context: an instance's `VMContext`, or for a host
    /// function its `VMHostFuncContext`.
    pub vmctx: *mut VMContext,
    /// Engine-wide id of the function's type, compared by `call_indirect`.
    /// The owner of this `VMFuncRef` (the instance, through its module, or
    /// the host function's context) holds the id's registration, so the id
    /// is not given to another type while this can be called.
    pub type_id: SigId,
    /// The function's index in its module (0 for host functions): how the
    /// interpreter finds the code of an interpreted callee.
    pub func_index: u32,
}

/// An imported function, as the importing instance calls it.
#[repr(C)]
pub struct VMFunctionImport {
    /// Copied from the callee's `VMFuncRef`.
    pub wasm_call: *const u8,
    /// Copied from the callee's `VMFuncRef`.
    pub array_call: VMArrayCallFn,
    /// Copied from the callee's `VMFuncRef`.
    pub vmctx: *mut VMContext,
    /// The imported function's own `VMFuncRef` (what `ref.func` yields, so
    /// references to one function compare equal wherever they come from).
    pub func_ref: *const VMFuncRef,
}

/// A linear memory as code sees it. Lives in the memory's box; instances
/// point at it. `base` never moves while code compiled without bounds
/// checks may use the memory (design.md, run-time layout 6).
#[repr(C)]
pub struct VMMemoryDefinition {
    /// Start of the memory.
    pub base: *mut u8,
    /// Accessible bytes; grows only through `vm/`.
    pub current_length: usize,
}

/// A table as code sees it: pointer-sized elements in the encoding above.
#[repr(C)]
pub struct VMTableDefinition {
    /// First element.
    pub base: *mut usize,
    /// Number of elements.
    pub current_elements: usize,
}

/// A global's storage: 16 bytes, wide and aligned enough for a `v128`; the
/// value sits in the low bytes in the encoding above.
#[repr(C, align(16))]
pub struct VMGlobalDefinition {
    /// The value's bytes (little-endian in the low bytes).
    pub storage: UnsafeCell<[u8; 16]>,
}

impl VMGlobalDefinition {
    /// Storage holding `bits`.
    pub(crate) fn new(bits: u128) -> VMGlobalDefinition {
        VMGlobalDefinition { storage: UnsafeCell::new(bits.to_le_bytes()) }
    }
    /// The value's bits.
    ///
    /// # Safety
    /// No write to this global may happen at the same time.
    #[inline]
    pub(crate) unsafe fn get(&self) -> u128 {
        // SAFETY: the caller rules out concurrent writes.
        u128::from_le_bytes(unsafe { *self.storage.get() })
    }
    /// Sets the value's bits.
    ///
    /// # Safety
    /// No other access to this global may happen at the same time.
    #[inline]
    pub(crate) unsafe fn set(&self, bits: u128) {
        // SAFETY: the caller rules out concurrent access.
        unsafe { *self.storage.get() = bits.to_le_bytes() }
    }
}

/// `VMFuncRef::func_index` of host functions, whose `vmctx` is not an
/// instance's context.
pub(crate) const HOST_FUNC_INDEX: u32 = u32::MAX;

/// Per-store state that code reads or writes on the hot path.
#[repr(C)]
pub struct VMStoreContext {
    /// The lowest stack address wasm code may use: a function's prologue
    /// traps with "call stack exhausted" below it. Set on the first entry
    /// into wasm from `Config::max_wasm_stack`.
    pub stack_limit: UnsafeCell<usize>,
    /// Fuel consumed so far, counting up towards zero (negative = fuel left).
    pub fuel_consumed: UnsafeCell<i64>,
    /// The epoch at which running code is interrupted.
    pub epoch_deadline: UnsafeCell<u64>,
    /// Frame pointer of the last wasm frame when wasm called out to the host
    /// (for backtraces).
    pub last_wasm_exit_fp: UnsafeCell<usize>,
    /// Program counter in wasm code of that call out.
    pub last_wasm_exit_pc: UnsafeCell<usize>,
    /// Frame pointer of the innermost entry into wasm: where backtraces stop.
    pub last_wasm_entry_fp: UnsafeCell<usize>,
}

impl Default for VMStoreContext {
    fn default() -> Self {
        VMStoreContext {
            stack_limit: UnsafeCell::new(usize::MAX),
            fuel_consumed: UnsafeCell::new(0),
            epoch_deadline: UnsafeCell::new(0),
            last_wasm_exit_fp: UnsafeCell::new(0),
            last_wasm_exit_pc: UnsafeCell::new(0),
            last_wasm_entry_fp: UnsafeCell::new(0),
        }
    }
}

macro_rules! builtins {
    ($( $(#[$doc:meta])* $name:ident ( $($param:ident : $pty:tt),* ) $(-> $ret:tt)? ;)*) => {
        /// The runtime helpers compiled code calls, one function pointer
        /// each, in this order: `VMContext::builtins` points at one shared
        /// table. Every helper takes the calling instance's context first.
        /// A helper that traps records the trap and unwinds to the innermost
        /// entry into wasm; it never returns then.
        #[repr(C)]
        pub struct VMBuiltins {
            $( $(#[$doc])* pub $name: unsafe extern "C" fn(vmctx: *mut VMContext $(, $param: $pty)*) $(-> $ret)?, )*
        }

        /// Indices of the helpers in `VMBuiltins`, for code generators.
        #[allow(non_camel_case_types, dead_code)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u32)]
        pub(crate) enum BuiltinIndex { $($name,)* }

        impl BuiltinIndex {
            /// Every helper, in table order.
            #[allow(dead_code)]
            pub(crate) const ALL: &'static [BuiltinIndex] = &[$(BuiltinIndex::$name,)*];

            /// Parameter types after `vmctx`, as `(is_pointer_sized, ...)`:
            /// `true` for `usize`-sized parameters, `false` for `u32`.
            #[allow(dead_code)]
            pub(crate) fn params(self) -> &'static [bool] {
                match self {
                    $(BuiltinIndex::$name => &[$(builtins!(@is_ptr $pty)),*],)*
                }
            }

            /// Whether the helper returns a `u32`.
            #[allow(dead_code)]
            pub(crate) fn returns_u32(self) -> bool {
                match self {
                    $(BuiltinIndex::$name => builtins!(@ret $($ret)?),)*
                }
            }

            /// Byte offset of the helper's pointer in `VMBuiltins`.
            #[allow(dead_code)]
            pub(crate) fn offset(self) -> u32 {
                self as u32 * std::mem::size_of::<usize>() as u32
            }
        }
    };
    (@is_ptr u32) => { false };
    (@is_ptr usize) => { true };
    (@ret u32) => { true };
    (@ret) => { false };
}

builtins! {
    /// `memory.grow`: returns the old size in pages, or `u32::MAX` (-1).
    memory_grow(memory: u32, delta: u32) -> u32;
    /// `memory.fill`; traps when out of bounds.
    memory_fill(memory: u32, dst: u32, val: u32, len: u32);
    /// `memory.copy`; traps when out of bounds.
    memory_copy(dst_memory: u32, src_memory: u32, dst: u32, src: u32, len: u32);
    /// `memory.init`; traps when out of bounds.
    memory_init(memory: u32, data: u32, dst: u32, src: u32, len: u32);
    /// `data.drop`.
    data_drop(data: u32);
    /// `table.grow`: returns the old size, or `u32::MAX` (-1).
    table_grow(table: u32, delta: u32, init: usize) -> u32;
    /// `table.fill`; traps when out of bounds.
    table_fill(table: u32, dst: u32, val: usize, len: u32);
    /// `table.copy`; traps when out of bounds.
    table_copy(dst_table: u32, src_table: u32, dst: u32, src: u32, len: u32);
    /// `table.init`; traps when out of bounds.
    table_init(table: u32, elem: u32, dst: u32, src: u32, len: u32);
    /// `elem.drop`.
    elem_drop(elem: u32);
    /// Raises the trap whose code is `code` (the position of the variant in
    /// the declaration of `Trap`); never returns.
    raise_trap(code: u32);
    /// A check found the fuel used up: raises the out-of-fuel trap; never
    /// returns.
    out_of_fuel();
    /// A check found the epoch deadline reached: runs the store's epoch
    /// behaviour, which raises a trap or an error (never returning) or sets
    /// a new deadline and returns.
    new_epoch();
    /// Unwinds to the innermost entry into wasm after an array call
    /// returned `false` (its error is recorded in the store already); never
    /// returns.
    unwind();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::{DefinedFuncIndex, DefinedGlobalIndex, FuncIndex, VMCounts, VMOffsets};
    use std::mem::{offset_of, size_of};

    fn offsets() -> VMOffsets {
        VMOffsets::new(VMCounts {
            imported_funcs: 3,
            defined_funcs: 5,
            memories: 2,
            tables: 1,
            imported_globals: 1,
            defined_globals: 3,
        })
    }

    #[test]
    fn struct_fields_match_offsets() {
        let o = offsets();
        assert_eq!(o.ptr as usize, size_of::<usize>());
        assert_eq!(offset_of!(VMFuncRef, array_call), o.func_ref_array_call() as usize);
        assert_eq!(offset_of!(VMFuncRef, wasm_call), o.func_ref_wasm_call() as usize);
        assert_eq!(offset_of!(VMFuncRef, vmctx), o.func_ref_vmctx() as usize);
        assert_eq!(offset_of!(VMFuncRef, type_id), o.func_ref_type_id() as usize);
        assert_eq!(offset_of!(VMFuncRef, func_index), o.func_ref_func_index() as usize);
        assert_eq!(size_of::<VMFuncRef>(), o.size_of_func_ref() as usize);
        assert_eq!(offset_of!(VMFunctionImport, wasm_call), o.function_import_wasm_call() as usize);
        assert_eq!(offset_of!(VMFunctionImport, array_call), o.function_import_array_call() as usize);
        assert_eq!(offset_of!(VMFunctionImport, vmctx), o.function_import_vmctx() as usize);
        assert_eq!(offset_of!(VMFunctionImport, func_ref), o.function_import_func_ref() as usize);
        assert_eq!(offset_of!(VMMemoryDefinition, base), o.memory_base() as usize);
        assert_eq!(offset_of!(VMMemoryDefinition, current_length), o.memory_current_length() as usize);
        assert_eq!(offset_of!(VMTableDefinition, base), o.table_base() as usize);
        assert_eq!(offset_of!(VMTableDefinition, current_elements), o.table_current_elements() as usize);
        assert_eq!(size_of::<VMGlobalDefinition>(), 16);
        assert_eq!(offset_of!(VMStoreContext, stack_limit), o.store_context_stack_limit() as usize);
        assert_eq!(offset_of!(VMStoreContext, fuel_consumed), o.store_context_fuel_consumed() as usize);
        assert_eq!(offset_of!(VMStoreContext, epoch_deadline), o.store_context_epoch_deadline() as usize);
        assert_eq!(offset_of!(VMStoreContext, last_wasm_exit_fp), o.store_context_last_wasm_exit_fp() as usize);
        assert_eq!(offset_of!(VMStoreContext, last_wasm_exit_pc), o.store_context_last_wasm_exit_pc() as usize);
        assert_eq!(offset_of!(VMStoreContext, last_wasm_entry_fp), o.store_context_last_wasm_entry_fp() as usize);
        assert_eq!(size_of::<VMBuiltins>(), BuiltinIndex::ALL.len() * size_of::<usize>());
        assert_eq!(offset_of!(VMBuiltins, raise_trap), BuiltinIndex::raise_trap.offset() as usize);
    }

    #[test]
    fn regions_do_not_overlap() {
        let o = offsets();
        let last_import = o.vmctx_function_import(FuncIndex(2)) + size_of::<VMFunctionImport>() as u32;
        assert!(last_import <= o.vmctx_memory_pointer(crate::compile::MemoryIndex(0)));
        assert_eq!(o.vmctx_defined_globals_begin() % 16, 0);
        assert!(o.vmctx_global_definition(DefinedGlobalIndex(2)) + 16 <= o.vmctx_func_ref(DefinedFuncIndex(0)));
        assert_eq!(o.vmctx_func_ref(DefinedFuncIndex(4)) + o.size_of_func_ref(), o.size());
    }
}
