//! Instantiation and instances.

use crate::compile::{EntityIndex, FuncIndex, Import, ImportKind, ModuleInfo};
use crate::func::{Func, TypedFunc, WasmParams, WasmResults};
use crate::global::Global;
use crate::memory::Memory;
use crate::module::Module;
use crate::store::{AsContext, AsContextMut, StoreContext, StoreInner};
use crate::table::Table;
use crate::type_registry::RegisteredType;
use crate::types::{ExternType, FuncType, MemoryType, TableType};
use crate::vm::{HostCall, ImportItem, InstanceId, MemoryId, StoreId, StoreOpaque};
use anyhow::{anyhow, bail, Context, Result};
use std::marker::PhantomData;
use std::sync::Arc;

/// Something an instance exports or imports.
#[derive(Clone, Copy, Debug)]
pub enum Extern {
    /// A function.
    Func(Func),
    /// A global.
    Global(Global),
    /// A table.
    Table(Table),
    /// A linear memory.
    Memory(Memory),
}

impl Extern {
    /// The function, if this is one.
    pub fn into_func(self) -> Option<Func> {
        if let Extern::Func(f) = self {
            Some(f)
        } else {
            None
        }
    }
    /// The global, if this is one.
    pub fn into_global(self) -> Option<Global> {
        if let Extern::Global(g) = self {
            Some(g)
        } else {
            None
        }
    }
    /// The table, if this is one.
    pub fn into_table(self) -> Option<Table> {
        if let Extern::Table(t) = self {
            Some(t)
        } else {
            None
        }
    }
    /// The memory, if this is one.
    pub fn into_memory(self) -> Option<Memory> {
        if let Extern::Memory(m) = self {
            Some(m)
        } else {
            None
        }
    }
    /// The type of the item.
    ///
    /// # Panics
    /// When used with another store than the item's own.
    pub fn ty(&self, store: impl AsContext) -> ExternType {
        let store = store.as_context();
        match self {
            Extern::Func(f) => ExternType::Func(f.ty(&store)),
            Extern::Global(g) => ExternType::Global(g.ty(&store)),
            Extern::Table(t) => ExternType::Table(t.ty(&store)),
            Extern::Memory(m) => ExternType::Memory(m.ty(&store)),
        }
    }
    pub(crate) fn store_id(&self) -> StoreId {
        match self {
            Extern::Func(f) => f.store_id(),
            Extern::Global(g) => g.store,
            Extern::Table(t) => t.store,
            Extern::Memory(m) => m.store,
        }
    }
}

impl Extern {
    /// The item as `vm` takes it for an import (its store is checked by the caller).
    pub(crate) fn import_item(&self) -> ImportItem {
        match self {
            Extern::Func(f) => ImportItem::Func(f.func_ref()),
            Extern::Global(g) => ImportItem::Global(g.index),
            Extern::Table(t) => ImportItem::Table(t.index),
            Extern::Memory(m) => ImportItem::Memory(m.index),
        }
    }
}

impl From<Func> for Extern {
    fn from(f: Func) -> Extern {
        Extern::Func(f)
    }
}
impl From<Global> for Extern {
    fn from(g: Global) -> Extern {
        Extern::Global(g)
    }
}
impl From<Table> for Extern {
    fn from(t: Table) -> Extern {
        Extern::Table(t)
    }
}
impl From<Memory> for Extern {
    fn from(m: Memory) -> Extern {
        Extern::Memory(m)
    }
}

/// One export of an instance.
#[derive(Clone, Debug)]
pub struct Export<'a> {
    name: &'a str,
    ext: Extern,
}

impl<'a> Export<'a> {
    /// The export's name.
    pub fn name(&self) -> &'a str {
        self.name
    }
    /// The exported item.
    pub fn into_extern(self) -> Extern {
        self.ext
    }
    /// The function, if the export is one.
    pub fn into_func(self) -> Option<Func> {
        self.ext.into_func()
    }
    /// The table, if the export is one.
    pub fn into_table(self) -> Option<Table> {
        self.ext.into_table()
    }
    /// The memory, if the export is one.
    pub fn into_memory(self) -> Option<Memory> {
        self.ext.into_memory()
    }
    /// The global, if the export is one.
    pub fn into_global(self) -> Option<Global> {
        self.ext.into_global()
    }
}

/// An instantiated module: a handle into its store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instance {
    store: StoreId,
    index: InstanceId,
}

impl Instance {
    /// Instantiates `module` with `imports` given in the order of
    /// `module.imports()`. Runs the start function, if any. Does not run
    /// `_start` or `_initialize` (a [`Linker`](crate::Linker) runs
    /// `_initialize`).
    pub fn new(mut store: impl AsContextMut, module: &Module, imports: &[Extern]) -> Result<Instance> {
        instantiate(store.as_context_mut().0, module, imports)
    }

    /// The instance's index in its store.
    pub(crate) fn id(&self) -> InstanceId {
        self.index
    }

    pub(crate) fn check(&self, store: &StoreOpaque) -> Result<()> {
        if store.id != self.store {
            bail!("instance used with the wrong store");
        }
        Ok(())
    }

    /// The module this is an instance of.
    pub fn module<'a, T: 'a>(&self, store: impl Into<crate::store::StoreContext<'a, T>>) -> &'a Module {
        let store = store.into().0;
        self.check(&store.opaque).expect("Instance::module");
        Module::from_artifacts(&store.opaque.instance(self.index).module)
    }

    /// The export called `name`, if there is one.
    pub fn get_export(&self, mut store: impl AsContextMut, name: &str) -> Option<Extern> {
        let store = &store.as_context_mut().0.opaque;
        self.check(store).ok()?;
        export_of(store, self.index, name)
    }

    /// All exports, in the module's order (none when used with another
    /// store than the instance's own).
    pub fn exports<'a, T: 'a>(
        &self,
        store: impl Into<crate::store::StoreContextMut<'a, T>>,
    ) -> impl ExactSizeIterator<Item = Export<'a>> + 'a {
        let store = store.into().0;
        let opaque: &'a StoreOpaque = &store.opaque;
        let index = self.index;
        let exports: &'a [(String, EntityIndex)] =
            if self.check(opaque).is_ok() { &opaque.instance(index).module.info.exports } else { &[] };
        exports.iter().map(move |(name, entity)| Export { name: name.as_str(), ext: resolve(opaque, index, *entity) })
    }

    /// The exported function `name`.
    pub fn get_func(&self, store: impl AsContextMut, name: &str) -> Option<Func> {
        self.get_export(store, name)?.into_func()
    }

    /// The exported function `name`, typed: errors when it is missing or has
    /// another type.
    pub fn get_typed_func<Params: WasmParams, Results: WasmResults>(
        &self,
        mut store: impl AsContextMut,
        name: &str,
    ) -> Result<TypedFunc<Params, Results>> {
        let func = self.get_func(&mut store, name).ok_or_else(|| anyhow!("failed to find function export `{name}`"))?;
        func.typed(&store).with_context(|| format!("failed to convert function `{name}` to the given type"))
    }

    /// The exported memory `name`.
    pub fn get_memory(&self, store: impl AsContextMut, name: &str) -> Option<Memory> {
        self.get_export(store, name)?.into_memory()
    }
    /// The exported table `name`.
    pub fn get_table(&self, store: impl AsContextMut, name: &str) -> Option<Table> {
        self.get_export(store, name)?.into_table()
    }
    /// The exported global `name`.
    pub fn get_global(&self, store: impl AsContextMut, name: &str) -> Option<Global> {
        self.get_export(store, name)?.into_global()
    }
}

pub(crate) fn export_of(store: &StoreOpaque, instance: InstanceId, name: &str) -> Option<Extern> {
    let index = store.instance(instance).module.info.export(name)?;
    Some(resolve(store, instance, index))
}

fn resolve(store: &StoreOpaque, instance: InstanceId, index: EntityIndex) -> Extern {
    let inst = store.instance(instance);
    match index {
        EntityIndex::Func(i) => Extern::Func(Func::from_func_ref(store.id, inst.func_ref(FuncIndex(i)))),
        EntityIndex::Table(i) => Extern::Table(Table { store: store.id, index: inst.tables[i as usize] }),
        EntityIndex::Memory(i) => Extern::Memory(Memory { store: store.id, index: inst.memories[i as usize] }),
        EntityIndex::Global(i) => Extern::Global(Global { store: store.id, index: inst.globals[i as usize] }),
    }
}

/// Import subtyping for memories: `actual`'s minimum is its current size.
fn memory_matches(actual: &MemoryType, wanted: &MemoryType) -> bool {
    actual.minimum() >= wanted.minimum()
        && match wanted.maximum() {
            None => true,
            Some(max) => actual.maximum().is_some_and(|m| m <= max),
        }
}

fn table_matches(actual: &TableType, actual_size: u64, wanted: &TableType) -> bool {
    actual.element() == wanted.element()
        && actual_size >= wanted.minimum()
        && match wanted.maximum() {
            None => true,
            Some(max) => actual.maximum().is_some_and(|m| m <= max),
        }
}

/// Checks the imports against the module's import types, then lets `vm`
/// create the instance; runs the start function.
pub(crate) fn instantiate<T>(store: &mut StoreInner<T>, module: &Module, imports: &[Extern]) -> Result<Instance> {
    check_engine(module, &store.opaque)?;
    let info = module.info();
    if imports.len() != info.imports.len() {
        bail!("expected {} imports, found {}", info.imports.len(), imports.len());
    }
    let mut items = Vec::with_capacity(imports.len());
    for (import, ext) in info.imports.iter().zip(imports) {
        if ext.store_id() != store.opaque.id {
            bail!(
                "incompatible import type for `{}::{}`: the item belongs to another store",
                import.module,
                import.name
            );
        }
        check_import_type(info, import, &ext.ty(StoreContext(store)))?;
        items.push(ext.import_item());
    }
    instantiate_resolved(&mut store.opaque, module, &items)
}

fn check_engine(module: &Module, store: &StoreOpaque) -> Result<()> {
    if !crate::Engine::same(module.engine(), &store.engine) {
        bail!("cross-`Engine` instantiation is not supported: the module and the store have different engines");
    }
    Ok(())
}

/// Checks that an item of type `actual` may be the import `import` of the
/// module `info` describes.
pub(crate) fn check_import_type(info: &ModuleInfo, import: &Import, actual: &ExternType) -> Result<()> {
    let what = || format!("incompatible import type for `{}::{}`", import.module, import.name);
    let matches = match (&import.kind, actual) {
        (ImportKind::Func(t), ExternType::Func(f)) => *f == info.types[*t as usize],
        (ImportKind::Global(t), ExternType::Global(g)) => g == t,
        (ImportKind::Memory(t), ExternType::Memory(m)) => memory_matches(m, t),
        (ImportKind::Table(t), ExternType::Table(tb)) => table_matches(tb, tb.minimum(), t),
        (kind, _) => {
            let wanted = match kind {
                ImportKind::Func(_) => "function",
                ImportKind::Global(_) => "global",
                ImportKind::Memory(_) => "memory",
                ImportKind::Table(_) => "table",
            };
            bail!("{}: expected a {wanted}, found a {}", what(), actual.kind_name());
        }
    };
    if !matches {
        // Built only here: the happy path clones no type.
        let wanted = match &import.kind {
            ImportKind::Func(t) => ExternType::Func(info.types[*t as usize].clone()),
            ImportKind::Global(t) => ExternType::Global(*t),
            ImportKind::Memory(t) => ExternType::Memory(*t),
            ImportKind::Table(t) => ExternType::Table(*t),
        };
        bail!("{}: expected {wanted}, found {actual}", what());
    }
    Ok(())
}

/// Creates an instance of `module` from imports already resolved and
/// type-checked (items of `store`, in the order of the module's imports),
/// then runs the start function.
pub(crate) fn instantiate_resolved(store: &mut StoreOpaque, module: &Module, items: &[ImportItem]) -> Result<Instance> {
    check_engine(module, store)?;
    let id = store.instantiate(module.artifacts(), items)?;
    let handle = Instance { store: store.id, index: id };
    if let Some(start) = module.info().start {
        let f = store.instance(id).func_ref(FuncIndex(start));
        // Part of instantiating, not a call of `_start` by the host (even
        // when the start function is the `_start` export).
        crate::vm::invoke(store, f, &mut [])?;
    }
    Ok(handle)
}

/// An import of an [`InstancePre`], resolved and type-checked.
pub(crate) enum PreImport {
    /// An item of the one store the `InstancePre` can be instantiated in.
    Item(ImportItem),
    /// A linker's host function, added to each store on its first use there.
    HostFunc(PreHostFunc),
}

/// A linker's host function as an [`InstancePre`] holds it: untyped (the
/// `InstancePre<T>` knows the store's data type) and with its type
/// registered once, so instantiating in a fresh store does not go through
/// the engine's type registry.
pub(crate) struct PreHostFunc {
    pub(crate) ty: FuncType,
    pub(crate) call: HostCall,
    pub(crate) registration: Arc<RegisteredType>,
}

/// A module whose imports a [`Linker`](crate::Linker) has resolved and
/// type-checked ([`Linker::instantiate_pre`](crate::Linker::instantiate_pre)):
/// what is left is to allocate and initialise instances, any number of
/// times. This is the fast path of the one-instance-per-request pattern:
/// no name is looked up and no type compared per instantiation.
///
/// Host functions defined with [`Linker::func_wrap`](crate::Linker::func_wrap)
/// or [`Linker::func_new`](crate::Linker::func_new) belong to no store, so
/// an `InstancePre` importing only those can be instantiated in any store
/// of its engine. Items of a store (defined with
/// [`Linker::define`](crate::Linker::define), [`Linker::instance`](crate::Linker::instance)
/// or [`Linker::module`](crate::Linker::module)) tie it to that store:
/// instantiating it in another one is an error.
///
/// Cloning is cheap (the resolved imports are shared).
pub struct InstancePre<T> {
    module: Module,
    imports: Arc<[PreImport]>,
    /// The store the store items among the imports belong to, if any.
    store: Option<StoreId>,
    /// The host functions' closures turn the store they are called with
    /// into a `StoreInner<T>`: `instantiate` takes only stores of `T`.
    _marker: PhantomData<fn(T)>,
}

impl<T> Clone for InstancePre<T> {
    fn clone(&self) -> Self {
        InstancePre {
            module: self.module.clone(),
            imports: self.imports.clone(),
            store: self.store,
            _marker: PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for InstancePre<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstancePre").field("module", &self.module).finish_non_exhaustive()
    }
}

impl<T: 'static> InstancePre<T> {
    /// Made by the linker only, from imports it resolved and checked for
    /// `module`, whose host functions take stores of `T`.
    pub(crate) fn new(module: Module, imports: Vec<PreImport>, store: Option<StoreId>) -> InstancePre<T> {
        InstancePre { module, imports: imports.into(), store, _marker: PhantomData }
    }

    /// The module this instantiates.
    pub fn module(&self) -> &Module {
        &self.module
    }

    /// Instantiates the module in `store` with the resolved imports and
    /// runs its start function (not `_start` or `_initialize`). Errors when
    /// `store` has another engine, when the imports include items of
    /// another store, and as [`Instance::new`] does.
    pub fn instantiate(&self, mut store: impl AsContextMut<Data = T>) -> Result<Instance> {
        let store = store.as_context_mut().0;
        // Before any host function is added to the store: their types are
        // registered in the module's engine.
        check_engine(&self.module, &store.opaque)?;
        if let Some(owner) = self.store {
            if owner != store.opaque.id {
                bail!(
                    "this `InstancePre` imports items of another store (defined in the linker with `define`, \
                     `instance` or `module`), so it can only be instantiated in that store"
                );
            }
        }
        // Room for every host function at once, rather than growing the
        // store's table of them import by import.
        store.linker_funcs.reserve(self.imports.len());
        let mut items = Vec::with_capacity(self.imports.len());
        for import in self.imports.iter() {
            items.push(match import {
                PreImport::Item(item) => *item,
                PreImport::HostFunc(f) => ImportItem::Func(store.linker_func(&f.ty, &f.call, Some(&f.registration))),
            });
        }
        instantiate_resolved(&mut store.opaque, &self.module, &items)
    }
}

/// The type of a memory as it is now: current size and declared maximum.
pub(crate) fn memory_type_of(store: &StoreOpaque, index: MemoryId) -> MemoryType {
    let mem = &store.memories[index.index()];
    MemoryType::new(mem.pages() as u32, mem.declared_max().map(|m| m as u32))
}
