//! Instantiation and instances.

use crate::compile::{EntityIndex, FuncIndex, ImportKind};
use crate::func::{Func, TypedFunc, WasmParams, WasmResults};
use crate::global::Global;
use crate::memory::Memory;
use crate::module::Module;
use crate::store::{AsContext, AsContextMut, StoreInner};
use crate::table::Table;
use crate::types::{ExternType, MemoryType, TableType};
use crate::vm::{self, ImportItem, InstanceId, MemoryId, StoreId, StoreOpaque};
use anyhow::{anyhow, bail, Context, Result};

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
    fn store_id(&self) -> StoreId {
        match self {
            Extern::Func(f) => f.store_id(),
            Extern::Global(g) => g.store,
            Extern::Table(t) => t.store,
            Extern::Memory(m) => m.store,
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

    fn check(&self, store: &StoreOpaque) -> Result<()> {
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

    /// All exports, in the module's order.
    pub fn exports<'a, T: 'a>(&self, store: impl Into<crate::store::StoreContextMut<'a, T>>) -> Vec<Export<'a>> {
        let store = store.into().0;
        if self.check(&store.opaque).is_err() {
            return Vec::new();
        }
        let opaque: &'a StoreOpaque = &store.opaque;
        let module = &opaque.instance(self.index).module;
        module
            .info
            .exports
            .iter()
            .map(|(name, index)| Export { name: name.as_str(), ext: resolve(opaque, self.index, *index) })
            .collect()
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
    if !crate::Engine::same(module.engine(), &store.opaque.engine) {
        bail!("cross-`Engine` instantiation is not supported: the module and the store have different engines");
    }
    let info = module.info();
    if imports.len() != info.imports.len() {
        bail!("expected {} imports, found {}", info.imports.len(), imports.len());
    }
    let opaque = &mut store.opaque;
    let mut items = Vec::with_capacity(imports.len());
    for (import, ext) in info.imports.iter().zip(imports) {
        let what = || format!("incompatible import type for `{}::{}`", import.module, import.name);
        if ext.store_id() != opaque.id {
            bail!("{}: the item belongs to another store", what());
        }
        let item = match (&import.kind, ext) {
            (ImportKind::Func(t), Extern::Func(f)) => {
                if vm::func_ref_type_id(f.func_ref()) != info.sigs[*t as usize] {
                    let actual = vm::func_ref_type(opaque, f.func_ref());
                    bail!("{}: expected {}, found {}", what(), info.types[*t as usize], actual);
                }
                ImportItem::Func(f.func_ref())
            }
            (ImportKind::Global(t), Extern::Global(g)) => {
                let actual = opaque.globals[g.index.index()].ty;
                if actual != *t {
                    bail!("{}: expected {}, found {}", what(), ExternType::Global(*t), ExternType::Global(actual));
                }
                ImportItem::Global(g.index)
            }
            (ImportKind::Memory(t), Extern::Memory(m)) => {
                let actual = memory_type_of(opaque, m.index);
                if !memory_matches(&actual, t) {
                    bail!("{}: expected {}, found {}", what(), ExternType::Memory(*t), ExternType::Memory(actual));
                }
                ImportItem::Memory(m.index)
            }
            (ImportKind::Table(t), Extern::Table(tb)) => {
                let table = &opaque.tables[tb.index.index()];
                if !table_matches(&table.ty, table.size() as u64, t) {
                    bail!("{}: expected {}, found {}", what(), ExternType::Table(*t), ExternType::Table(table.ty));
                }
                ImportItem::Table(tb.index)
            }
            (kind, ext) => {
                let wanted = match kind {
                    ImportKind::Func(_) => "function",
                    ImportKind::Global(_) => "global",
                    ImportKind::Memory(_) => "memory",
                    ImportKind::Table(_) => "table",
                };
                let found = match ext {
                    Extern::Func(_) => "function",
                    Extern::Global(_) => "global",
                    Extern::Memory(_) => "memory",
                    Extern::Table(_) => "table",
                };
                bail!("{}: expected a {wanted}, found a {found}", what());
            }
        };
        items.push(item);
    }

    let id = opaque.instantiate(module.artifacts(), &items)?;
    let handle = Instance { store: opaque.id, index: id };
    if let Some(start) = info.start {
        let f = opaque.instance(id).func_ref(FuncIndex(start));
        // Part of instantiating, not a call of `_start` by the host (even
        // when the start function is the `_start` export).
        crate::vm::invoke(opaque, f, &mut [])?;
    }
    Ok(handle)
}

/// The type of a memory as it is now: current size and declared maximum.
pub(crate) fn memory_type_of(store: &StoreOpaque, index: MemoryId) -> MemoryType {
    let mem = &store.memories[index.index()];
    MemoryType::new(mem.pages() as u32, mem.declared_max().map(|m| m as u32))
}
