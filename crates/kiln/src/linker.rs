//! The linker: resolves a module's imports by module and field name.

use crate::engine::Engine;
use crate::func::{dynamic_host_func, Func, HostFunc, IntoFunc};
use crate::instance::{check_import_type, instantiate_resolved, Extern, Instance, InstancePre, PreHostFunc, PreImport};
use crate::module::Module;
use crate::store::{AsContext, AsContextMut, StoreContext, StoreContextMut, StoreInner};
use crate::type_registry::RegisteredType;
use crate::types::{ExternType, FuncType, ImportType};
use crate::values::Val;
use crate::vm::ImportItem;
use crate::Caller;
use anyhow::{anyhow, bail, Result};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// What a name is defined as.
enum Definition<T> {
    /// An item of a particular store, with its type when it was defined
    /// (what [`Linker::instantiate_pre`] checks imports against, having no
    /// store to look at).
    Extern(Extern, ExternType),
    /// A host function not tied to a store: added to a store the first time
    /// something is instantiated there with it.
    HostFunc(FuncType, HostFunc<T>),
}

impl<T> Clone for Definition<T> {
    fn clone(&self) -> Self {
        match self {
            Definition::Extern(e, ty) => Definition::Extern(*e, ty.clone()),
            Definition::HostFunc(t, f) => Definition::HostFunc(t.clone(), f.clone()),
        }
    }
}

/// Resolves imports by `module::name` and instantiates modules with them.
/// Host functions defined with `func_wrap`/`func_new` work with any store
/// of the linker's engine; items defined with `define` (or `instance`, or
/// `module`) belong to one store.
///
/// For the one-instance-per-request pattern, resolve a module's imports
/// once with [`Linker::instantiate_pre`] and instantiate the resulting
/// [`InstancePre`] per request.
pub struct Linker<T> {
    engine: Engine,
    /// Definitions by module name, then by name: two levels, so that
    /// looking an import up takes its two `&str`s without allocating.
    defs: HashMap<String, HashMap<String, Definition<T>>>,
    allow_shadowing: bool,
    allow_unknown_exports: bool,
}

impl<T> Clone for Linker<T> {
    fn clone(&self) -> Self {
        Linker {
            engine: self.engine.clone(),
            defs: self.defs.clone(),
            allow_shadowing: self.allow_shadowing,
            allow_unknown_exports: self.allow_unknown_exports,
        }
    }
}

impl<T> fmt::Debug for Linker<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Linker").field("engine", &self.engine).finish_non_exhaustive()
    }
}

/// A linker for a new default engine (`Linker::new(&Engine::default())`).
impl<T: 'static> Default for Linker<T> {
    fn default() -> Linker<T> {
        Linker::new(&Engine::default())
    }
}

impl<T: 'static> Linker<T> {
    /// An empty linker for `engine`.
    pub fn new(engine: &Engine) -> Linker<T> {
        Linker { engine: engine.clone(), defs: HashMap::new(), allow_shadowing: false, allow_unknown_exports: false }
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Whether a later definition of a name may replace an earlier one
    /// (off by default: redefining is an error).
    pub fn allow_shadowing(&mut self, allow: bool) -> &mut Self {
        self.allow_shadowing = allow;
        self
    }

    /// Whether [`Linker::module`] accepts a command module that exports
    /// something other than functions and the few items toolchains add
    /// (`memory`, `table`, `__indirect_function_table`, `__data_end`,
    /// `__heap_base`, `__dso_handle`, `__rtti_base`). Off by default: such
    /// an export is an error. Accepted ones are not defined in the linker.
    pub fn allow_unknown_exports(&mut self, allow: bool) -> &mut Self {
        self.allow_unknown_exports = allow;
        self
    }

    fn insert(&mut self, module: &str, name: &str, def: Definition<T>) -> Result<()> {
        let names = self.defs.entry(module.to_string()).or_default();
        if !self.allow_shadowing && names.contains_key(name) {
            bail!("import of `{module}::{name}` defined twice");
        }
        names.insert(name.to_string(), def);
        Ok(())
    }

    fn definition(&self, module: &str, name: &str) -> Option<&Definition<T>> {
        self.defs.get(module)?.get(name)
    }

    /// Defines `module::name` as an item of `store`. Errors when the item
    /// belongs to another store, or the name is defined already (unless
    /// shadowing is allowed).
    pub fn define(
        &mut self,
        store: impl AsContext<Data = T>,
        module: &str,
        name: &str,
        item: impl Into<Extern>,
    ) -> Result<&mut Self> {
        let item = item.into();
        let store = store.as_context();
        if item.store_id() != store.0.opaque.id {
            bail!("cannot define `{module}::{name}`: the item belongs to another store than the one given");
        }
        let ty = item.ty(&store);
        self.insert(module, name, Definition::Extern(item, ty))?;
        Ok(self)
    }

    /// Defines `module::name` as a host function from a closure (see [`Func::wrap`]).
    pub fn func_wrap<Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        func: impl IntoFunc<T, Params, Results>,
    ) -> Result<&mut Self> {
        let (ty, host) = func.into_func();
        self.insert(module, name, Definition::HostFunc(ty, host))?;
        Ok(self)
    }

    /// Defines `module::name` as a host function with a dynamic signature
    /// (see [`Func::new`]).
    pub fn func_new(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Result<&mut Self> {
        let host = dynamic_host_func(ty.clone(), func);
        self.insert(module, name, Definition::HostFunc(ty, host))?;
        Ok(self)
    }

    /// Defines every export of `instance` under the module name `module`.
    /// Errors when `instance` belongs to another store.
    pub fn instance(
        &mut self,
        mut store: impl AsContextMut<Data = T>,
        module: &str,
        instance: Instance,
    ) -> Result<&mut Self> {
        let store = store.as_context_mut().0;
        instance.check(&store.opaque)?;
        let exports: Vec<(String, Extern)> =
            instance.exports(StoreContextMut(&mut *store)).map(|e| (e.name().to_string(), e.into_extern())).collect();
        for (name, ext) in exports {
            let ty = ext.ty(StoreContext(store));
            self.insert(module, &name, Definition::Extern(ext, ty))?;
        }
        Ok(self)
    }

    /// Defines the exports of `module` under the name `module_name`, the way
    /// WASI's application ABI tells commands from reactors:
    ///
    /// - a *command* (exports `_start`) runs once per instance, so each of
    ///   its exported functions is defined as a function that instantiates
    ///   the module afresh in the calling store, calls the export there and
    ///   leaves that instance unused. Its imports are resolved now, once.
    /// - a *reactor* (exports `_initialize`, or neither) is instantiated
    ///   now, once, its `_initialize` run, and its exports defined.
    ///
    /// Errors when the module exports both `_start` and `_initialize`, when
    /// an import cannot be resolved, when `_initialize` fails, and for a
    /// command's non-function exports (see
    /// [`allow_unknown_exports`](Self::allow_unknown_exports)).
    pub fn module(
        &mut self,
        mut store: impl AsContextMut<Data = T>,
        module_name: &str,
        module: &Module,
    ) -> Result<&mut Self> {
        if module_kind(module)? == ModuleKind::Command {
            return self.command(store, module_name, module);
        }
        let instance = self.instantiate(&mut store, module)?;
        self.instance(store, module_name, instance)
    }

    fn command(
        &mut self,
        mut store: impl AsContextMut<Data = T>,
        module_name: &str,
        module: &Module,
    ) -> Result<&mut Self> {
        let pre = self.instantiate_pre(module)?;
        for export in module.exports() {
            let ty = match export.ty() {
                ExternType::Func(ty) => ty,
                ty => {
                    if !self.allow_unknown_exports && !toolchain_export(export.name(), &ty) {
                        bail!("command export '{}' is not a function", export.name());
                    }
                    continue;
                }
            };
            let pre = pre.clone();
            let name = export.name().to_string();
            let func = Func::new(&mut store, ty.clone(), move |mut caller, params, results| {
                // A command runs once per instance: a fresh one per call.
                let instance = pre.instantiate(&mut caller)?;
                let func = instance
                    .get_func(&mut caller, &name)
                    .ok_or_else(|| anyhow!("the command has no function export `{name}`"))?;
                func.call(&mut caller, params, results)
            });
            self.insert(module_name, export.name(), Definition::Extern(func.into(), ExternType::Func(ty)))?;
        }
        Ok(self)
    }

    /// The definition of `module::name`, as an item of `store`; an error
    /// naming it when the linker has none.
    pub fn get(&self, mut store: impl AsContextMut<Data = T>, module: &str, name: &str) -> Result<Extern> {
        let Some(def) = self.definition(module, name) else {
            bail!("the linker has no definition of `{module}::{name}`");
        };
        Ok(materialize(store.as_context_mut().0, def))
    }

    /// The "default export" of `module`: the function defined under the
    /// empty name, else `_start`, else a function that does nothing. After
    /// [`Linker::module`] with a command, this is the command's `_start`
    /// (a fresh instance per call).
    pub fn get_default(&self, mut store: impl AsContextMut<Data = T>, module: &str) -> Result<Func> {
        if let Ok(ext) = self.get(&mut store, module, "") {
            return ext.into_func().ok_or_else(|| anyhow!("default export in '{module}' is not a function"));
        }
        if let Ok(ext) = self.get(&mut store, module, "_start") {
            return ext.into_func().ok_or_else(|| anyhow!("`_start` in '{module}' is not a function"));
        }
        Ok(Func::wrap(store, || {}))
    }

    /// The definition of each import of `module`, in order, type-checked.
    /// With a store, store items are checked as they are now (a memory may
    /// have grown since it was defined) and must belong to it; without,
    /// against their types when they were defined.
    fn resolve(&self, module: &Module, store: Option<&StoreInner<T>>) -> Result<Vec<&Definition<T>>> {
        if !Engine::same(&self.engine, module.engine()) {
            bail!("cross-`Engine` instantiation is not supported: the module and the linker have different engines");
        }
        let info = module.info();
        let mut defs = Vec::with_capacity(info.imports.len());
        for (i, import) in info.imports.iter().enumerate() {
            let Some(def) = self.definition(&import.module, &import.name) else {
                let ty = module.imports().nth(i).expect("one import type per import");
                return Err(UnknownImportError::new(&ty).into());
            };
            match (def, store) {
                (Definition::Extern(ext, _), Some(store)) => {
                    if ext.store_id() != store.opaque.id {
                        bail!(
                            "incompatible import type for `{}::{}`: the item belongs to another store",
                            import.module,
                            import.name
                        );
                    }
                    check_import_type(info, import, &ext.ty(StoreContext(store)))?;
                }
                (Definition::Extern(_, defined), None) => check_import_type(info, import, defined)?,
                (Definition::HostFunc(ty, _), _) => check_import_type(info, import, &ExternType::Func(ty.clone()))?,
            }
            defs.push(def);
        }
        Ok(defs)
    }

    /// Instantiates `module` with its imports resolved by name. A module
    /// that exports `_initialize` is a reactor: it is called now. A
    /// command's `_start` is not called. An import that is not defined is
    /// an error holding an [`UnknownImportError`].
    pub fn instantiate(&self, mut store: impl AsContextMut<Data = T>, module: &Module) -> Result<Instance> {
        let store = store.as_context_mut().0;
        if !Engine::same(&self.engine, &store.opaque.engine) {
            bail!("cross-`Engine` instantiation is not supported: the store and the linker have different engines");
        }
        let defs = self.resolve(module, Some(store))?;
        let items: Vec<ImportItem> = defs
            .into_iter()
            .map(|def| match def {
                Definition::Extern(ext, _) => ext.import_item(),
                Definition::HostFunc(ty, f) => ImportItem::Func(store.linker_func(ty, &f.call, None)),
            })
            .collect();
        let instance = instantiate_resolved(&mut store.opaque, module, &items)?;
        if let Some(init) = instance.get_func(StoreContextMut(store), "_initialize") {
            init.typed::<(), ()>(StoreContext(store))?.call(StoreContextMut(store), ())?;
        }
        Ok(instance)
    }

    /// Resolves and type-checks the imports of `module` once, for
    /// instantiating it any number of times with
    /// [`InstancePre::instantiate`]: the fast path for one instance per
    /// request. Errors here, not at instantiation, name a missing import
    /// (an [`UnknownImportError`]) or one of the wrong type. Store items
    /// are checked against their types when they were defined.
    ///
    /// Unlike [`Linker::instantiate`], [`InstancePre::instantiate`] does not
    /// run `_initialize` (as in Wasmtime).
    pub fn instantiate_pre(&self, module: &Module) -> Result<InstancePre<T>> {
        let defs = self.resolve(module, None)?;
        let mut store = None;
        let mut imports = Vec::with_capacity(defs.len());
        for (def, import) in defs.into_iter().zip(&module.info().imports) {
            imports.push(match def {
                Definition::Extern(ext, _) => {
                    if store.is_some_and(|s| s != ext.store_id()) {
                        bail!(
                            "`{}::{}` belongs to another store than the module's other store-owned imports",
                            import.module,
                            import.name
                        );
                    }
                    store = Some(ext.store_id());
                    PreImport::Item(ext.import_item())
                }
                Definition::HostFunc(ty, f) => PreImport::HostFunc(PreHostFunc {
                    ty: ty.clone(),
                    call: f.call.clone(),
                    registration: Arc::new(RegisteredType::new(self.engine.type_registry(), ty)),
                }),
            });
        }
        Ok(InstancePre::new(module.clone(), imports, store))
    }
}

/// The store item for a definition, adding a linker host function to the
/// store the first time it is needed there.
fn materialize<T: 'static>(store: &mut StoreInner<T>, def: &Definition<T>) -> Extern {
    match def {
        Definition::Extern(e, _) => *e,
        Definition::HostFunc(ty, func) => {
            let f = store.linker_func(ty, &func.call, None);
            Extern::Func(Func::from_func_ref(store.opaque.id, f))
        }
    }
}

/// WASI's two kinds of module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ModuleKind {
    /// Exports `_start`: runs once per instance.
    Command,
    /// Exports `_initialize` or neither: instantiated once, then used.
    Reactor,
}

fn module_kind(module: &Module) -> Result<ModuleKind> {
    match (module.get_export("_start"), module.get_export("_initialize")) {
        (Some(_), Some(_)) => bail!("Program cannot be both a Command and a Reactor"),
        (Some(start), None) if start.func().is_none() => bail!("`_start` must be a function"),
        (Some(_), None) => Ok(ModuleKind::Command),
        (None, Some(init)) if init.func().is_none() => bail!("`_initialize` must be a function"),
        (None, _) => Ok(ModuleKind::Reactor),
    }
}

/// Non-function exports that toolchains add to commands, which
/// [`Linker::module`] accepts (and does not define), as Wasmtime does.
fn toolchain_export(name: &str, ty: &ExternType) -> bool {
    match ty {
        ExternType::Memory(_) => name == "memory",
        ExternType::Table(_) => name == "table" || name == "__indirect_function_table",
        ExternType::Global(_) => ["__data_end", "__heap_base", "__dso_handle", "__rtti_base"].contains(&name),
        ExternType::Func(_) => false,
    }
}

/// The error of instantiating a module whose import is not defined in the
/// linker ([`Linker::instantiate`], [`Linker::instantiate_pre`]): get it
/// with `err.downcast_ref::<UnknownImportError>()`.
#[derive(Clone, Debug)]
pub struct UnknownImportError {
    module: String,
    name: String,
    ty: ExternType,
}

impl UnknownImportError {
    fn new(import: &ImportType<'_>) -> UnknownImportError {
        UnknownImportError { module: import.module().to_string(), name: import.name().to_string(), ty: import.ty() }
    }

    /// The module name of the import.
    pub fn module(&self) -> &str {
        &self.module
    }

    /// The field name of the import.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The type the import must have.
    pub fn ty(&self) -> ExternType {
        self.ty.clone()
    }
}

impl fmt::Display for UnknownImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown import: `{}::{}` has not been defined (a {} of type {})",
            self.module,
            self.name,
            self.ty.kind_name(),
            self.ty
        )
    }
}

impl std::error::Error for UnknownImportError {}
