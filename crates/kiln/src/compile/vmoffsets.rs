//! Where everything is in an instance's `VMContext`: the one place the
//! layout is written down. `vm/vmcontext.rs` defines the structs these
//! offsets point at, and its tests check every offset against them with
//! `offset_of!`; the JIT bakes the offsets into code; the interpreter and
//! `vm/` read through them.
//!
//! ```text
//! VMContext (one allocation per instance, pointer-aligned, 16 after the header)
//! ┌──────────────────────────────┐ 0
//! │ magic: u32, padding          │
//! │ instance: *mut vm::Instance  │ 1·P
//! │ store_context: *mut VMStoreContext  2·P
//! │ builtins: *const VMBuiltins  │ 3·P
//! │ epoch_ptr: *const AtomicU64  │ 4·P
//! │ type_ids: *const SigId (u32) │ 5·P   one per type index of the module
//! │ store: *mut StoreOpaque      │ 6·P
//! ├──────────────────────────────┤ imported_funcs
//! │ VMFunctionImport × imported functions (4·P each)
//! ├──────────────────────────────┤ memories
//! │ *mut VMMemoryDefinition × every memory (imports first)
//! ├──────────────────────────────┤ tables
//! │ *mut VMTableDefinition × every table (imports first)
//! ├──────────────────────────────┤ imported_globals
//! │ *mut VMGlobalDefinition × imported globals
//! ├──────────────────────────────┤ defined_globals (16-aligned)
//! │ VMGlobalDefinition × defined globals (16 bytes each)
//! ├──────────────────────────────┤ func_refs
//! │ VMFuncRef × defined functions (4·P each)
//! └──────────────────────────────┘ size
//! ```

use super::index::{DefinedFuncIndex, DefinedGlobalIndex, FuncIndex, GlobalIndex, MemoryIndex, TableIndex};

/// Offset of `VMContext::instance`, the same for every module.
pub(crate) const VMCTX_INSTANCE_OFFSET: usize = std::mem::size_of::<usize>();
/// Offset of `VMContext::store`, the same for every module.
pub(crate) const VMCTX_STORE_OFFSET: usize = 6 * std::mem::size_of::<usize>();

/// Value of `VMContext::magic`, checked in debug builds.
pub(crate) const VMCONTEXT_MAGIC: u32 = u32::from_le_bytes(*b"kiln");

/// Byte offsets into an instance's `VMContext`, for one module, on the host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct VMOffsets {
    /// Size of a pointer on the host, in bytes.
    pub(crate) ptr: u32,
    pub(crate) num_imported_funcs: u32,
    pub(crate) num_defined_funcs: u32,
    pub(crate) num_memories: u32,
    pub(crate) num_tables: u32,
    pub(crate) num_imported_globals: u32,
    pub(crate) num_defined_globals: u32,
    imported_funcs: u32,
    memories: u32,
    tables: u32,
    imported_globals: u32,
    defined_globals: u32,
    func_refs: u32,
    size: u32,
}

/// How many entities of each kind an instance has: what the layout depends on.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct VMCounts {
    pub(crate) imported_funcs: u32,
    pub(crate) defined_funcs: u32,
    pub(crate) memories: u32,
    pub(crate) tables: u32,
    pub(crate) imported_globals: u32,
    pub(crate) defined_globals: u32,
}

/// Size and alignment of a global's storage: wide enough for a `v128`.
pub(crate) const GLOBAL_SIZE: u32 = 16;

impl Default for VMOffsets {
    fn default() -> Self {
        VMOffsets::new(VMCounts::default())
    }
}

impl VMOffsets {
    /// The layout for a module with these counts, for the host's pointer size.
    pub(crate) fn new(counts: VMCounts) -> VMOffsets {
        let ptr = std::mem::size_of::<usize>() as u32;
        // Counts are bounded by wasmparser's limits (at most a million of
        // each kind of entity), so none of this arithmetic can overflow u32
        // for a valid module; checked arithmetic makes that explicit.
        let next = |start: u32, count: u32, size: u32| -> u32 {
            count.checked_mul(size).and_then(|b| b.checked_add(start)).expect("VMContext larger than 4 GiB")
        };
        let imported_funcs = 7 * ptr;
        let memories = next(imported_funcs, counts.imported_funcs, 4 * ptr);
        let tables = next(memories, counts.memories, ptr);
        let imported_globals = next(tables, counts.tables, ptr);
        let defined_globals = next(imported_globals, counts.imported_globals, ptr).next_multiple_of(GLOBAL_SIZE);
        let func_refs = next(defined_globals, counts.defined_globals, GLOBAL_SIZE);
        let size = next(func_refs, counts.defined_funcs, 4 * ptr);
        VMOffsets {
            ptr,
            num_imported_funcs: counts.imported_funcs,
            num_defined_funcs: counts.defined_funcs,
            num_memories: counts.memories,
            num_tables: counts.tables,
            num_imported_globals: counts.imported_globals,
            num_defined_globals: counts.defined_globals,
            imported_funcs,
            memories,
            tables,
            imported_globals,
            defined_globals,
            func_refs,
            size,
        }
    }

    // --- The fixed header ---

    /// `magic: u32`.
    pub(crate) fn vmctx_magic(&self) -> u32 {
        0
    }
    /// `instance: *mut vm::Instance`, the run-time object owning this context.
    pub(crate) fn vmctx_instance(&self) -> u32 {
        VMCTX_INSTANCE_OFFSET as u32
    }
    /// `store_context: *mut VMStoreContext`.
    pub(crate) fn vmctx_store_context(&self) -> u32 {
        2 * self.ptr
    }
    /// `builtins: *const VMBuiltins`, the runtime helper functions.
    pub(crate) fn vmctx_builtins(&self) -> u32 {
        3 * self.ptr
    }
    /// `epoch_ptr: *const AtomicU64`, the engine's epoch counter.
    pub(crate) fn vmctx_epoch_ptr(&self) -> u32 {
        4 * self.ptr
    }
    /// `type_ids: *const SigId`: the engine-wide id of each type index.
    pub(crate) fn vmctx_type_ids(&self) -> u32 {
        5 * self.ptr
    }
    /// `store: *mut StoreOpaque`, for runtime helpers.
    pub(crate) fn vmctx_store(&self) -> u32 {
        VMCTX_STORE_OFFSET as u32
    }

    // --- The per-module arrays ---

    /// The `VMFunctionImport` of imported function `index`.
    pub(crate) fn vmctx_function_import(&self, index: FuncIndex) -> u32 {
        assert!(index.0 < self.num_imported_funcs);
        self.imported_funcs + index.0 * 4 * self.ptr
    }
    /// The `*mut VMMemoryDefinition` of memory `index` (imported or defined).
    pub(crate) fn vmctx_memory_pointer(&self, index: MemoryIndex) -> u32 {
        assert!(index.0 < self.num_memories);
        self.memories + index.0 * self.ptr
    }
    /// The `*mut VMTableDefinition` of table `index` (imported or defined).
    pub(crate) fn vmctx_table_pointer(&self, index: TableIndex) -> u32 {
        assert!(index.0 < self.num_tables);
        self.tables + index.0 * self.ptr
    }
    /// The `*mut VMGlobalDefinition` of imported global `index`.
    pub(crate) fn vmctx_global_import(&self, index: GlobalIndex) -> u32 {
        assert!(index.0 < self.num_imported_globals);
        self.imported_globals + index.0 * self.ptr
    }
    /// The inline `VMGlobalDefinition` of defined global `index`.
    pub(crate) fn vmctx_global_definition(&self, index: DefinedGlobalIndex) -> u32 {
        assert!(index.0 < self.num_defined_globals);
        self.defined_globals + index.0 * GLOBAL_SIZE
    }
    /// The inline `VMFuncRef` of defined function `index`.
    pub(crate) fn vmctx_func_ref(&self, index: DefinedFuncIndex) -> u32 {
        assert!(index.0 < self.num_defined_funcs);
        self.func_refs + index.0 * 4 * self.ptr
    }
    /// Start of the defined globals (16-byte aligned).
    pub(crate) fn vmctx_defined_globals_begin(&self) -> u32 {
        self.defined_globals
    }
    /// Start of the function references.
    pub(crate) fn vmctx_func_refs_begin(&self) -> u32 {
        self.func_refs
    }
    /// Size of the whole context in bytes.
    pub(crate) fn size(&self) -> u32 {
        self.size
    }

    // --- Fields of the structs the context points at ---

    /// `VMFunctionImport::wasm_call`.
    pub(crate) fn function_import_wasm_call(&self) -> u32 {
        0
    }
    /// `VMFunctionImport::array_call`.
    pub(crate) fn function_import_array_call(&self) -> u32 {
        self.ptr
    }
    /// `VMFunctionImport::vmctx`: the callee's context.
    pub(crate) fn function_import_vmctx(&self) -> u32 {
        2 * self.ptr
    }
    /// `VMFunctionImport::func_ref`: the imported function's own `VMFuncRef`.
    pub(crate) fn function_import_func_ref(&self) -> u32 {
        3 * self.ptr
    }
    /// `VMFuncRef::array_call`.
    pub(crate) fn func_ref_array_call(&self) -> u32 {
        0
    }
    /// `VMFuncRef::wasm_call` (null when the function has no wasm-ABI entry).
    pub(crate) fn func_ref_wasm_call(&self) -> u32 {
        self.ptr
    }
    /// `VMFuncRef::vmctx`.
    pub(crate) fn func_ref_vmctx(&self) -> u32 {
        2 * self.ptr
    }
    /// `VMFuncRef::type_id: SigId (u32)`.
    pub(crate) fn func_ref_type_id(&self) -> u32 {
        3 * self.ptr
    }
    /// `VMFuncRef::func_index: u32`, the index in the defining module.
    pub(crate) fn func_ref_func_index(&self) -> u32 {
        3 * self.ptr + 4
    }
    /// Size of a `VMFuncRef`.
    pub(crate) fn size_of_func_ref(&self) -> u32 {
        4 * self.ptr
    }
    /// `VMMemoryDefinition::base`.
    pub(crate) fn memory_base(&self) -> u32 {
        0
    }
    /// `VMMemoryDefinition::current_length` (bytes, a `usize`).
    pub(crate) fn memory_current_length(&self) -> u32 {
        self.ptr
    }
    /// `VMTableDefinition::base`: elements are pointer-sized.
    pub(crate) fn table_base(&self) -> u32 {
        0
    }
    /// `VMTableDefinition::current_elements` (a `usize`).
    pub(crate) fn table_current_elements(&self) -> u32 {
        self.ptr
    }
    /// `VMStoreContext::stack_limit`: the lowest stack address wasm may use.
    pub(crate) fn store_context_stack_limit(&self) -> u32 {
        0
    }
    /// `VMStoreContext::fuel_consumed: i64`.
    pub(crate) fn store_context_fuel_consumed(&self) -> u32 {
        8
    }
    /// `VMStoreContext::epoch_deadline: u64`.
    pub(crate) fn store_context_epoch_deadline(&self) -> u32 {
        16
    }
    /// `VMStoreContext::last_wasm_exit_fp`.
    pub(crate) fn store_context_last_wasm_exit_fp(&self) -> u32 {
        24
    }
    /// `VMStoreContext::last_wasm_exit_pc`.
    pub(crate) fn store_context_last_wasm_exit_pc(&self) -> u32 {
        24 + self.ptr
    }
    /// `VMStoreContext::last_wasm_entry_fp`.
    pub(crate) fn store_context_last_wasm_entry_fp(&self) -> u32 {
        24 + 2 * self.ptr
    }
}
