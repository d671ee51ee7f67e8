//! The linker: resolves a module's imports by module and field name.

use crate::engine::Engine;
use crate::func::{dynamic_host_func, Func, HostFunc, IntoFunc};
use crate::instance::{instantiate, Extern, Instance};
use crate::module::Module;
use crate::store::{AsContextMut, StoreInner};
use crate::types::FuncType;
use crate::values::Val;
use crate::Caller;
use anyhow::{bail, Result};
use std::collections::HashMap;
use std::sync::Arc;

/// What a name is defined as.
enum Definition<T> {
    /// An item of a particular store.
    Extern(Extern),
    /// A host function not tied to a store: added to a store the first time
    /// something is instantiated there with it.
    HostFunc(FuncType, HostFunc<T>),
}

impl<T> Clone for Definition<T> {
    fn clone(&self) -> Self {
        match self {
            Definition::Extern(e) => Definition::Extern(*e),
            Definition::HostFunc(t, f) => Definition::HostFunc(t.clone(), f.clone()),
        }
    }
}

/// Resolves imports by `module::name` and instantiates modules with them.
/// Host functions defined with `func_wrap`/`func_new` work with any store
/// of the linker's engine; items defined with `define` belong to one store.
pub struct Linker<T> {
    engine: Engine,
    defs: HashMap<(String, String), Definition<T>>,
    allow_shadowing: bool,
}

impl<T> Clone for Linker<T> {
    fn clone(&self) -> Self {
        Linker { engine: self.engine.clone(), defs: self.defs.clone(), allow_shadowing: self.allow_shadowing }
    }
}

impl<T: 'static> Linker<T> {
    /// An empty linker for `engine`.
    pub fn new(engine: &Engine) -> Linker<T> {
        Linker { engine: engine.clone(), defs: HashMap::new(), allow_shadowing: false }
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

    fn insert(&mut self, module: &str, name: &str, def: Definition<T>) -> Result<()> {
        let key = (module.to_string(), name.to_string());
        if !self.allow_shadowing && self.defs.contains_key(&key) {
            bail!("import of `{module}::{name}` defined twice");
        }
        self.defs.insert(key, def);
        Ok(())
    }

    /// Defines `module::name` as an item of a store.
    pub fn define(
        &mut self,
        _store: impl AsContextMut<Data = T>,
        module: &str,
        name: &str,
        item: impl Into<Extern>,
    ) -> Result<&mut Self> {
        self.insert(module, name, Definition::Extern(item.into()))?;
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
    pub fn instance(
        &mut self,
        mut store: impl AsContextMut<Data = T>,
        module: &str,
        instance: Instance,
    ) -> Result<&mut Self> {
        let exports: Vec<(String, Extern)> = instance
            .exports(store.as_context_mut())
            .into_iter()
            .map(|e| (e.name().to_string(), e.into_extern()))
            .collect();
        for (name, ext) in exports {
            self.insert(module, &name, Definition::Extern(ext))?;
        }
        Ok(self)
    }

    /// Instantiates `module` now (running its `_initialize` if it exports
    /// one) and defines its exports under the name `name`.
    pub fn module(&mut self, mut store: impl AsContextMut<Data = T>, name: &str, module: &Module) -> Result<&mut Self> {
        let instance = self.instantiate(&mut store, module)?;
        self.instance(store, name, instance)
    }

    /// The definition of `module::name`, as an item of `store`.
    pub fn get(&self, mut store: impl AsContextMut<Data = T>, module: &str, name: &str) -> Option<Extern> {
        let def = self.defs.get(&(module.to_string(), name.to_string()))?;
        Some(materialize(store.as_context_mut().0, def))
    }

    /// Instantiates `module` with its imports resolved by name. A module
    /// that exports `_initialize` is a reactor: it is called now. A
    /// command's `_start` is not called.
    pub fn instantiate(&self, mut store: impl AsContextMut<Data = T>, module: &Module) -> Result<Instance> {
        let store = store.as_context_mut().0;
        let mut imports = Vec::with_capacity(module.info().imports.len());
        for import in module.imports() {
            let key = (import.module().to_string(), import.name().to_string());
            let Some(def) = self.defs.get(&key) else {
                bail!(
                    "unknown import: `{}::{}` has not been defined (a {} of type {})",
                    import.module(),
                    import.name(),
                    import.ty().kind_name(),
                    import.ty()
                );
            };
            imports.push(materialize(store, def));
        }
        let instance = instantiate(store, module, &imports)?;
        if let Some(init) = instance.get_func(crate::store::StoreContextMut(store), "_initialize") {
            init.typed::<(), ()>(crate::store::StoreContext(store))?.call(crate::store::StoreContextMut(store), ())?;
        }
        Ok(instance)
    }
}

/// The store item for a definition, adding a linker host function to the
/// store the first time it is needed there.
fn materialize<T: 'static>(store: &mut StoreInner<T>, def: &Definition<T>) -> Extern {
    match def {
        Definition::Extern(e) => *e,
        Definition::HostFunc(ty, func) => {
            // The store keeps a clone of the `Arc`, so its address stays
            // unique for the store's life.
            let key = Arc::as_ptr(&func.call) as *const () as usize;
            if let Some(f) = store.linker_funcs.get(&key) {
                return Extern::Func(Func::from_func_ref(store.opaque.id, *f));
            }
            let f = Func::from_host(store, ty.clone(), func.clone());
            store.linker_funcs.insert(key, f.func_ref());
            Extern::Func(f)
        }
    }
}
