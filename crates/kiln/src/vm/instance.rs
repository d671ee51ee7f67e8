//! Instances: their `VMContext` (laid out by `compile::VMOffsets`),
//! instantiation, segment initialisation, and the operations on memories,
//! tables and globals that every tier shares.

use super::memory::MemoryRef;
use super::module::{CodeVariant, ModuleArtifacts};
use super::store::{FuncRefPtr, GlobalId, InstanceId, MemoryId, StoreOpaque, TableId};
use super::vmcontext::{
    VMContext, VMFuncRef, VMFunctionImport, VMGlobalDefinition, VMMemoryDefinition, VMTableDefinition,
};
use super::{LinearMemory, Table};
use crate::compile::{
    ConstExpr, DataMode, DefinedFuncIndex, DefinedGlobalIndex, ElemMode, FuncIndex, GlobalIndex, MemoryIndex,
    TableIndex, VMOffsets, VMCONTEXT_MAGIC, VMCTX_INSTANCE_OFFSET,
};
use crate::trap::Trap;
use anyhow::Result;
use std::alloc::Layout;
use std::ptr::NonNull;
use std::sync::Arc;

/// An import, resolved and type-checked by the caller of `instantiate`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum ImportItem {
    Func(FuncRefPtr),
    Memory(MemoryId),
    Table(TableId),
    Global(GlobalId),
}

/// A module instance: its context and where its entities are in the store.
pub(crate) struct Instance {
    pub(crate) module: Arc<ModuleArtifacts>,
    pub(crate) id: InstanceId,
    vmctx: NonNull<VMContext>,
    /// The variant of the module's code this instance runs (it depends on
    /// its memories); owned by `module`.
    code: NonNull<dyn CodeVariant>,
    pub(crate) memories: Box<[MemoryId]>,
    pub(crate) tables: Box<[TableId]>,
    pub(crate) globals: Box<[GlobalId]>,
    /// Passive data segments still available to `memory.init`.
    pub(crate) data_dropped: Box<[bool]>,
    /// Element segments, evaluated; `None` once dropped (or used when active).
    pub(crate) elems: Box<[Option<Box<[usize]>>]>,
}

fn vmctx_layout(offsets: &VMOffsets) -> Layout {
    Layout::from_size_align(offsets.size().max(16) as usize, 16).expect("VMContext layout")
}

impl Drop for Instance {
    fn drop(&mut self) {
        // SAFETY: allocated in `instantiate` with this layout, freed once.
        unsafe { std::alloc::dealloc(self.vmctx.as_ptr().cast(), vmctx_layout(&self.module.info.offsets)) }
    }
}

/// The id of the instance whose context is `vmctx`.
///
/// # Safety
/// `vmctx` is the context of a live instance.
pub(crate) unsafe fn instance_id_of_vmctx(vmctx: *mut VMContext) -> InstanceId {
    // SAFETY: the header's instance pointer is set at instantiation and the
    // instance is boxed for the store's life (caller's contract).
    unsafe {
        debug_assert_eq!(*(vmctx as *const u32), VMCONTEXT_MAGIC);
        let instance = *(vmctx.cast::<u8>().add(VMCTX_INSTANCE_OFFSET) as *const *const Instance);
        (*instance).id
    }
}

impl Instance {
    /// The instance's context, for compiled code and array calls.
    #[inline]
    pub(crate) fn vmctx(&self) -> *mut VMContext {
        self.vmctx.as_ptr()
    }

    /// The code this instance runs.
    #[inline]
    pub(crate) fn code(&self) -> &dyn CodeVariant {
        // SAFETY: the variant is owned by the module, which this instance
        // keeps alive.
        unsafe { self.code.as_ref() }
    }

    #[inline]
    fn offsets(&self) -> &VMOffsets {
        &self.module.info.offsets
    }

    /// A pointer to the field at `offset` of the context.
    #[inline]
    fn field<T>(&self, offset: u32) -> *mut T {
        debug_assert!(offset as usize + std::mem::size_of::<T>() <= self.offsets().size() as usize);
        // SAFETY: `offset` comes from this module's `VMOffsets` and lies
        // within the context's allocation.
        unsafe { self.vmctx.as_ptr().cast::<u8>().add(offset as usize).cast::<T>() }
    }

    /// The reference to function `index` (defined or imported).
    pub(crate) fn func_ref(&self, index: FuncIndex) -> FuncRefPtr {
        let offsets = self.offsets();
        if index.0 < offsets.num_imported_funcs {
            let import = self.field::<VMFunctionImport>(offsets.vmctx_function_import(index));
            // SAFETY: set at instantiation to a live function reference.
            FuncRefPtr(unsafe { NonNull::new_unchecked((*import).func_ref as *mut VMFuncRef) })
        } else {
            let defined = DefinedFuncIndex(index.0 - offsets.num_imported_funcs);
            // SAFETY: the field is inside the context, never null.
            FuncRefPtr(unsafe { NonNull::new_unchecked(self.field::<VMFuncRef>(offsets.vmctx_func_ref(defined))) })
        }
    }

    /// The definition of memory `index`.
    #[inline]
    pub(crate) fn memory_def(&self, index: MemoryIndex) -> *mut VMMemoryDefinition {
        // SAFETY: the pointer field was set at instantiation.
        unsafe { *self.field::<*mut VMMemoryDefinition>(self.offsets().vmctx_memory_pointer(index)) }
    }

    /// The definition of table `index`.
    #[allow(dead_code)]
    #[inline]
    pub(crate) fn table_def(&self, index: TableIndex) -> *mut VMTableDefinition {
        // SAFETY: the pointer field was set at instantiation.
        unsafe { *self.field::<*mut VMTableDefinition>(self.offsets().vmctx_table_pointer(index)) }
    }

    /// The storage of global `index` (defined or imported).
    #[inline]
    pub(crate) fn global_def(&self, index: GlobalIndex) -> *mut VMGlobalDefinition {
        let offsets = self.offsets();
        if index.0 < offsets.num_imported_globals {
            // SAFETY: the pointer field was set at instantiation.
            unsafe { *self.field::<*mut VMGlobalDefinition>(offsets.vmctx_global_import(index)) }
        } else {
            let defined = DefinedGlobalIndex(index.0 - offsets.num_imported_globals);
            self.field::<VMGlobalDefinition>(offsets.vmctx_global_definition(defined))
        }
    }
}

impl StoreOpaque {
    /// The bytes of memory `index` of instance `inst`, read through the
    /// instance's context.
    #[inline]
    pub(crate) fn memory_bytes(&mut self, inst: InstanceId, index: MemoryIndex) -> &mut [u8] {
        let def = self.instance(inst).memory_def(index);
        // SAFETY: every memory an instance uses is owned by this store (boxed,
        // so the definition is stable); `base..base + current_length` is
        // mapped read-write; `&mut self` makes the borrow exclusive.
        unsafe { std::slice::from_raw_parts_mut((*def).base, (*def).current_length) }
    }

    /// Where memory `index` of instance `inst` is described, read through
    /// the instance's context.
    #[inline]
    pub(crate) fn memory_ref(&self, inst: InstanceId, index: MemoryIndex) -> MemoryRef {
        let def = self.instance(inst).memory_def(index);
        // SAFETY: every memory an instance uses is owned by this store and
        // boxed, so its definition is live and stays put for the store's life.
        unsafe { MemoryRef::new(NonNull::new_unchecked(def)) }
    }

    /// The value bits of global `index` of instance `inst`.
    #[inline]
    pub(crate) fn instance_global(&self, inst: InstanceId, index: GlobalIndex) -> u64 {
        let def = self.instance(inst).global_def(index);
        // SAFETY: the global lives in a context or box this store owns;
        // `&self` excludes writers.
        unsafe { (*def).get() as u64 }
    }

    /// The value of `v128` global `index` of instance `inst`.
    pub(crate) fn instance_global_v128(&self, inst: InstanceId, index: GlobalIndex) -> u128 {
        let def = self.instance(inst).global_def(index);
        // SAFETY: as in `instance_global`.
        unsafe { (*def).get() }
    }

    /// Sets `v128` global `index` of instance `inst`.
    pub(crate) fn set_instance_global_v128(&mut self, inst: InstanceId, index: GlobalIndex, bits: u128) {
        let def = self.instance(inst).global_def(index);
        // SAFETY: as in `instance_global`; `&mut self` makes it exclusive.
        unsafe { (*def).set(bits) }
    }

    /// Sets global `index` of instance `inst`.
    #[inline]
    pub(crate) fn set_instance_global(&mut self, inst: InstanceId, index: GlobalIndex, bits: u64) {
        let def = self.instance(inst).global_def(index);
        // SAFETY: as in `instance_global`; `&mut self` makes it exclusive.
        unsafe { (*def).set(bits as u128) }
    }

    /// The table `index` of instance `inst`.
    #[inline]
    pub(crate) fn instance_table(&mut self, inst: InstanceId, index: TableIndex) -> &mut Table {
        let id = self.instance(inst).tables[index.index()];
        &mut self.tables[id.index()]
    }

    /// `memory.grow`: the old size in pages, `None` (-1), or the store
    /// limiter's error (a trap).
    pub(crate) fn memory_grow(&mut self, inst: InstanceId, index: MemoryIndex, delta: u64) -> Result<Option<u64>> {
        let id = self.instance(inst).memories[index.index()];
        self.grow_memory(id, delta)
    }

    /// `table.grow`: the old size, `None` (-1), or the store limiter's
    /// error (a trap).
    pub(crate) fn table_grow(
        &mut self,
        inst: InstanceId,
        index: TableIndex,
        delta: u32,
        init: usize,
    ) -> Result<Option<u32>> {
        let id = self.instance(inst).tables[index.index()];
        self.grow_table(id, delta, init)
    }

    /// `memory.init`.
    pub(crate) fn memory_init(
        &mut self,
        inst: InstanceId,
        index: MemoryIndex,
        data: u32,
        dst: u32,
        src: u32,
        len: u32,
    ) -> Result<(), Trap> {
        let module = self.instance(inst).module.clone();
        let dropped = self.instance(inst).data_dropped[data as usize];
        let bytes: &[u8] = if dropped { &[] } else { &module.info.datas[data as usize].bytes };
        let (dst, src, len) = (dst as usize, src as usize, len as usize);
        let memory = self.memory_bytes(inst, index);
        match (bytes.get(src..src + len), memory.get_mut(dst..dst + len)) {
            (Some(from), Some(to)) => {
                to.copy_from_slice(from);
                Ok(())
            }
            _ => Err(Trap::MemoryOutOfBounds),
        }
    }

    /// `memory.copy`, within one memory or between two.
    pub(crate) fn memory_copy(
        &mut self,
        inst: InstanceId,
        dst_memory: MemoryIndex,
        src_memory: MemoryIndex,
        dst: u32,
        src: u32,
        len: u32,
    ) -> Result<(), Trap> {
        let instance = self.instance(inst);
        if instance.memories[dst_memory.index()] == instance.memories[src_memory.index()] {
            return super::copy_within(self.memory_bytes(inst, dst_memory), dst, src, len);
        }
        let (s, n) = (src as usize, len as usize);
        let from = self.memory_bytes(inst, src_memory).get(s..s + n).ok_or(Trap::MemoryOutOfBounds)?.to_vec();
        let (d, to) = (dst as usize, self.memory_bytes(inst, dst_memory));
        to.get_mut(d..d + n).ok_or(Trap::MemoryOutOfBounds)?.copy_from_slice(&from);
        Ok(())
    }

    /// `table.init`.
    pub(crate) fn table_init(
        &mut self,
        inst: InstanceId,
        table: TableIndex,
        elem: u32,
        dst: u32,
        src: u32,
        len: u32,
    ) -> Result<(), Trap> {
        let (dst, src, len) = (dst as usize, src as usize, len as usize);
        let instance = self.instance(inst);
        let items: &[usize] = instance.elems[elem as usize].as_deref().unwrap_or(&[]);
        let Some(from) = items.get(src..src + len) else { return Err(Trap::TableOutOfBounds) };
        let from = from.to_vec();
        match self.instance_table(inst, table).elements.get_mut(dst..dst + len) {
            Some(to) => {
                to.copy_from_slice(&from);
                Ok(())
            }
            None => Err(Trap::TableOutOfBounds),
        }
    }

    /// `table.copy`.
    pub(crate) fn table_copy(
        &mut self,
        inst: InstanceId,
        dst_table: TableIndex,
        src_table: TableIndex,
        dst: u32,
        src: u32,
        len: u32,
    ) -> Result<(), Trap> {
        let instance = self.instance(inst);
        let (td, ts) = (instance.tables[dst_table.index()].index(), instance.tables[src_table.index()].index());
        let (d, s, n) = (dst as usize, src as usize, len as usize);
        if d + n > self.tables[td].elements.len() || s + n > self.tables[ts].elements.len() {
            return Err(Trap::TableOutOfBounds);
        }
        if td == ts {
            self.tables[td].elements.copy_within(s..s + n, d);
        } else {
            let from: Vec<usize> = self.tables[ts].elements[s..s + n].to_vec();
            self.tables[td].elements[d..d + n].copy_from_slice(&from);
        }
        Ok(())
    }

    /// Instantiates `module` with `imports` (in the order of the module's
    /// imports, already checked against their types). Creates the defined
    /// memories, tables and globals, fills the context, applies the active
    /// segments. Does not run the start function.
    pub(crate) fn instantiate(&mut self, module: &Arc<ModuleArtifacts>, imports: &[ImportItem]) -> Result<InstanceId> {
        let info = &module.info;
        let offsets = &info.offsets;
        let id = InstanceId(self.instances.len() as u32);
        self.check_instantiation(info)?;

        // Defined memories first: the code the instance runs depends on
        // whether all its memories are guarded.
        let mut new_memories = Vec::new();
        for ty in &info.memories[info.num_imported_memories as usize..] {
            new_memories.push(LinearMemory::new(ty.minimum(), ty.maximum(), &self.engine.inner.memory)?);
        }
        let imported_guarded = imports.iter().all(|i| match i {
            ImportItem::Memory(m) => self.memories[m.index()].guarded(),
            _ => true,
        });
        let guarded = imported_guarded && new_memories.iter().all(LinearMemory::guarded);
        let code = NonNull::from(module.code.for_memories(info, guarded)?);

        let layout = vmctx_layout(offsets);
        // SAFETY: the layout has a non-zero size.
        let raw = unsafe { std::alloc::alloc_zeroed(layout) };
        let Some(vmctx) = NonNull::new(raw.cast::<VMContext>()) else {
            anyhow::bail!("could not allocate an instance context of {} bytes", layout.size());
        };

        let mut funcs = Vec::new();
        let mut memories = Vec::with_capacity(info.memories.len());
        let mut tables = Vec::with_capacity(info.tables.len());
        let mut globals = Vec::with_capacity(info.globals.len());
        for item in imports {
            match *item {
                ImportItem::Func(f) => funcs.push(f),
                ImportItem::Memory(m) => memories.push(m),
                ImportItem::Table(t) => tables.push(t),
                ImportItem::Global(g) => globals.push(g),
            }
        }
        let mut instance = Box::new(Instance {
            module: module.clone(),
            id,
            vmctx,
            code,
            memories: Box::default(),
            tables: Box::default(),
            globals: Box::default(),
            data_dropped: vec![false; info.datas.len()].into(),
            elems: Box::default(),
        });

        // The fixed header.
        let store_ptr: *mut StoreOpaque = self;
        let instance_ptr: *mut Instance = &mut *instance;
        // SAFETY: every write is to a field inside the fresh allocation, at
        // the offset `VMOffsets` gives for it, with the field's type.
        unsafe {
            *instance.field::<u32>(offsets.vmctx_magic()) = VMCONTEXT_MAGIC;
            *instance.field::<*mut Instance>(offsets.vmctx_instance()) = instance_ptr;
            *instance.field::<*mut _>(offsets.vmctx_store_context()) = &mut self.vm_store_context as *mut _;
            *instance.field::<*const _>(offsets.vmctx_builtins()) = &super::builtins::BUILTINS as *const _;
            *instance.field::<*const _>(offsets.vmctx_epoch_ptr()) = self.engine.epoch_ptr();
            *instance.field::<*const _>(offsets.vmctx_type_ids()) = info.sigs.as_ptr();
            *instance.field::<*mut StoreOpaque>(offsets.vmctx_store()) = store_ptr;
            for (i, f) in funcs.iter().enumerate() {
                let callee = f.0.as_ref();
                *instance.field::<VMFunctionImport>(offsets.vmctx_function_import(FuncIndex(i as u32))) =
                    VMFunctionImport {
                        wasm_call: callee.wasm_call,
                        array_call: callee.array_call,
                        vmctx: callee.vmctx,
                        func_ref: f.0.as_ptr(),
                    };
            }
            for (i, g) in globals.iter().enumerate() {
                *instance.field::<*mut VMGlobalDefinition>(offsets.vmctx_global_import(GlobalIndex(i as u32))) =
                    self.globals[g.index()].def.as_ptr();
            }
            for defined in 0..offsets.num_defined_funcs {
                let index = DefinedFuncIndex(defined);
                let func = FuncIndex(defined + offsets.num_imported_funcs);
                *instance.field::<VMFuncRef>(offsets.vmctx_func_ref(index)) = VMFuncRef {
                    array_call: instance.code().array_call(index),
                    wasm_call: instance.code().wasm_call(index),
                    vmctx: vmctx.as_ptr(),
                    type_id: info.func_sig(func.0),
                    func_index: func.0,
                };
            }
        }
        let func_bits = |f: u32| instance.func_ref(FuncIndex(f)).to_bits() as u64;

        // Defined globals: their initialisers may read earlier globals.
        let globals_before = self.globals.len();
        for (i, init) in info.global_inits.iter().enumerate() {
            let index = GlobalIndex(offsets.num_imported_globals + i as u32);
            let value = init.eval(
                |g| {
                    // SAFETY: earlier globals are initialised (imported ones
                    // point at live definitions).
                    unsafe { (*instance.global_def(GlobalIndex(g))).get() }
                },
                func_bits,
            );
            let def = instance.global_def(index);
            // SAFETY: the definition is inside the fresh context.
            unsafe { (*def).set(value) };
            // SAFETY: `def` points into the context, which is never null.
            globals.push(self.push_global(info.globals[index.index()], unsafe { NonNull::new_unchecked(def) }));
        }
        let global_bits = |g: u32| self.global_get(globals[g as usize]);
        let eval = |e: &ConstExpr| e.eval(global_bits, func_bits);

        // Defined memories and tables.
        let new_tables: Result<Vec<Table>> = info.tables[info.num_imported_tables as usize..]
            .iter()
            .map(|decl| Table::new(decl.ty, decl.init.as_ref().map(eval).unwrap_or(0) as usize))
            .collect();
        let elems: Vec<Option<Box<[usize]>>> =
            info.elems.iter().map(|seg| Some(seg.items.iter().map(|e| eval(e) as usize).collect())).collect();
        let new_tables = match new_tables {
            Ok(tables) => tables,
            Err(e) => {
                // Forget the globals just pushed: they live in the context
                // that is freed with `instance`.
                self.globals.truncate(globals_before);
                return Err(e);
            }
        };
        tables.extend(new_tables.into_iter().map(|t| self.push_table(t)));
        memories.extend(new_memories.into_iter().map(|m| self.push_memory(m)));
        // SAFETY: as for the header: fields of the fresh context.
        unsafe {
            for (i, m) in memories.iter().enumerate() {
                *instance.field::<*mut VMMemoryDefinition>(offsets.vmctx_memory_pointer(MemoryIndex(i as u32))) =
                    self.memories[m.index()].definition();
            }
            for (i, t) in tables.iter().enumerate() {
                *instance.field::<*mut VMTableDefinition>(offsets.vmctx_table_pointer(TableIndex(i as u32))) =
                    self.tables[t.index()].definition();
            }
        }
        if let Some(crate::compile::EntityIndex::Func(f)) = info.export("_start") {
            self.commands.insert(instance.func_ref(FuncIndex(f)), false);
        }
        instance.memories = memories.into();
        instance.tables = tables.into();
        instance.globals = globals.into();
        instance.elems = elems.into();
        self.instances.push(instance);
        self.initialize_segments(id)?;
        Ok(id)
    }

    /// Applies the active element segments, then the active data segments,
    /// in order; a segment out of bounds traps (earlier segments stay).
    fn initialize_segments(&mut self, id: InstanceId) -> Result<()> {
        let module = self.instance(id).module.clone();
        let info = &module.info;
        let eval = |store: &StoreOpaque, e: &ConstExpr| {
            let inst = store.instance(id);
            e.eval(|g| store.global_get(inst.globals[g as usize]), |f| inst.func_ref(FuncIndex(f)).to_bits() as u64)
        };
        for (i, seg) in info.elems.iter().enumerate() {
            match &seg.mode {
                ElemMode::Active { table, offset } => {
                    let offset = eval(self, offset) as u32;
                    let len = seg.items.len() as u32;
                    self.table_init(id, TableIndex(*table), i as u32, offset, 0, len)?;
                    self.instance_mut(id).elems[i] = None;
                }
                ElemMode::Declared => self.instance_mut(id).elems[i] = None,
                ElemMode::Passive => {}
            }
        }
        for (i, seg) in info.datas.iter().enumerate() {
            if let DataMode::Active { memory, offset } = &seg.mode {
                let offset = eval(self, offset) as u32;
                self.memory_init(id, MemoryIndex(*memory), i as u32, offset, 0, seg.bytes.len() as u32)?;
                self.instance_mut(id).data_dropped[i] = true;
            }
        }
        Ok(())
    }
}
