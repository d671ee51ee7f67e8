//! Component instances, their exported functions, and pre-instantiation.

use std::sync::Arc;

use anyhow::{anyhow, bail, Result};

use super::call;
use super::component::Component;
use super::resources::ResourceType;
use super::store::{Exports, FuncDef, HostDtor, Item};
use super::ty::Type;
use super::typed::{self, ComponentNamedList, Lift, Lower};
use super::values::Val;
use crate::store::{AsContextMut, StoreContextMut, StoreInner};
use crate::vm::StoreId;

/// An instance of a component: a handle into its store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instance {
    store: StoreId,
    index: u32,
}

/// Where an export sits in an instance: found once by name with
/// [`Instance::get_export_index`], then used without looking up names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComponentExportIndex {
    instance: Instance,
    path: Vec<u32>,
}

/// Names an export for [`Instance::get_func`]: a top-level name (`&str`,
/// `String`), or a [`ComponentExportIndex`] (for functions inside an
/// exported interface).
pub trait InstanceExportLookup {
    #[doc(hidden)]
    fn lookup(&self) -> ExportLookup<'_>;
}

/// How an [`InstanceExportLookup`] names an export.
#[doc(hidden)]
pub enum ExportLookup<'a> {
    Name(&'a str),
    Index(&'a ComponentExportIndex),
}

impl InstanceExportLookup for str {
    fn lookup(&self) -> ExportLookup<'_> {
        ExportLookup::Name(self)
    }
}

impl InstanceExportLookup for String {
    fn lookup(&self) -> ExportLookup<'_> {
        ExportLookup::Name(self)
    }
}

impl<L: InstanceExportLookup + ?Sized> InstanceExportLookup for &L {
    fn lookup(&self) -> ExportLookup<'_> {
        (**self).lookup()
    }
}

impl InstanceExportLookup for ComponentExportIndex {
    fn lookup(&self) -> ExportLookup<'_> {
        ExportLookup::Index(self)
    }
}

impl Instance {
    fn exports<'a, T>(&self, store: &'a StoreInner<T>) -> Result<&'a Arc<Exports<T>>> {
        if store.opaque.id != self.store {
            bail!("component instance used with the wrong store");
        }
        Ok(&store.components.instances[self.index as usize])
    }

    fn item_at<T>(&self, store: &StoreInner<T>, path: &[u32]) -> Option<Item<T>> {
        let mut exports = self.exports(store).ok()?.clone();
        let (last, init) = path.split_last()?;
        for &i in init {
            match &exports.items.get(i as usize)?.1 {
                Item::Instance(e) => exports = e.clone(),
                _ => return None,
            }
        }
        exports.items.get(*last as usize).map(|(_, i)| i.clone())
    }

    /// The export `name` at the top level (`instance` = `None`) or inside
    /// the exported instance `instance`, e.g. `run` inside
    /// `wasi:cli/run@0.2.3`.
    pub fn get_export_index(
        &self,
        mut store: impl AsContextMut,
        instance: Option<&ComponentExportIndex>,
        name: &str,
    ) -> Option<ComponentExportIndex> {
        let store = store.as_context_mut().0;
        let mut path = match instance {
            Some(i) if i.instance == *self => i.path.clone(),
            Some(_) => return None,
            None => Vec::new(),
        };
        let exports = if path.is_empty() {
            self.exports(store).ok()?.clone()
        } else {
            match self.item_at(store, &path)? {
                Item::Instance(e) => e,
                _ => return None,
            }
        };
        let i = exports.items.iter().position(|(n, _)| n == name)?;
        path.push(i as u32);
        Some(ComponentExportIndex { instance: *self, path })
    }

    /// Same as [`Instance::get_export_index`].
    pub fn get_export(
        &self,
        store: impl AsContextMut,
        instance: Option<&ComponentExportIndex>,
        name: &str,
    ) -> Option<ComponentExportIndex> {
        self.get_export_index(store, instance, name)
    }

    /// The exported function `name`, if there is one.
    pub fn get_func(&self, mut store: impl AsContextMut, name: impl InstanceExportLookup) -> Option<Func> {
        let store = store.as_context_mut().0;
        let path = match name.lookup() {
            ExportLookup::Name(n) => {
                let i = self.exports(store).ok()?.items.iter().position(|(e, _)| e == n)?;
                vec![i as u32]
            }
            ExportLookup::Index(i) if i.instance == *self => i.path.clone(),
            ExportLookup::Index(_) => return None,
        };
        // The same export gives the same handle: a host that looks a
        // function up per request does not grow the store.
        let key = (self.index, path);
        if let Some(&index) = store.components.func_handles.get(&key) {
            return Some(Func { store: self.store, index });
        }
        let Item::Func(f) = self.item_at(store, &key.1)? else { return None };
        let command = self.is_command_run(store, &key.1);
        let index = store.components.funcs.len() as u32;
        store.components.funcs.push(f);
        store.components.command_runs.push(command);
        store.components.func_handles.insert(key, index);
        Some(Func { store: self.store, index })
    }

    /// Whether `path` is `run` of an exported `wasi:cli/run` interface.
    fn is_command_run<T>(&self, store: &StoreInner<T>, path: &[u32]) -> bool {
        let [outer, inner] = path else { return false };
        let Ok(exports) = self.exports(store) else { return false };
        let Some((name, Item::Instance(run))) = exports.items.get(*outer as usize) else { return false };
        name.split('@').next() == Some("wasi:cli/run")
            && run.items.get(*inner as usize).is_some_and(|(n, _)| n == "run")
    }

    /// The exported function `name` with static types (see
    /// [`Func::typed`]).
    pub fn get_typed_func<Params, Results>(
        &self,
        mut store: impl AsContextMut,
        name: impl InstanceExportLookup,
    ) -> Result<TypedFunc<Params, Results>>
    where
        Params: ComponentNamedList + Lower,
        Results: ComponentNamedList + Lift,
    {
        let what = match name.lookup() {
            ExportLookup::Name(n) => format!("`{n}`"),
            ExportLookup::Index(_) => "the export".to_string(),
        };
        let f =
            self.get_func(&mut store, name).ok_or_else(|| anyhow!("the instance has no exported function {what}"))?;
        f.typed(store).map_err(|e| e.context(format!("exported function {what}")))
    }

    /// The names of the instance's top-level exports, in order.
    pub fn export_names<'a, T: 'a>(&self, store: impl Into<crate::StoreContext<'a, T>>) -> Vec<String> {
        let store = store.into().0;
        self.exports(store).map(|e| e.items.iter().map(|(n, _)| n.clone()).collect()).unwrap_or_default()
    }
}

/// A component function exported by an instance (or re-exported host
/// function): a handle into its store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Func {
    store: StoreId,
    index: u32,
}

impl Func {
    fn def<T>(&self, store: &StoreInner<T>) -> Result<FuncDef<T>> {
        if store.opaque.id != self.store {
            bail!("component function used with the wrong store");
        }
        Ok(store.components.funcs[self.index as usize].clone())
    }

    /// Calls the function with `params`; its result (if it has one) is
    /// written to `results[0]`. Arguments are type-checked; a trap in the
    /// callee, or a value it gives that breaks the canonical ABI, is an
    /// error, and the callee's instance cannot be entered again after it.
    /// The callee's `post-return` runs before this returns.
    pub fn call(&self, mut store: impl AsContextMut, params: &[Val], results: &mut [Val]) -> Result<()> {
        let store = store.as_context_mut().0;
        match self.def(store)? {
            FuncDef::Lifted(l) => {
                let want = usize::from(l.ty.result.is_some());
                if results.len() != want {
                    bail!("expected room for {want} results, got {}", results.len());
                }
                let command = store.components.command_runs[self.index as usize];
                if command {
                    store.components.frame(l.frame).runs += 1;
                }
                let r = call::call_lifted(store, &l, params, None).map_err(|e| {
                    let runs = store.components.frame(l.frame).runs;
                    if command && runs > 1 {
                        e.context(format!(
                            "`wasi:cli/run` trapped on call {runs} of this instance: a command component runs \
                             once per instance (its start code may refuse to run twice). To run it again, \
                             make a fresh instance, e.g. with `InstancePre::instantiate` in a new store per run"
                        ))
                    } else {
                        e
                    }
                })?;
                if let (Some(slot), Some(v)) = (results.first_mut(), r) {
                    *slot = v;
                }
                Ok(())
            }
            FuncDef::Host(h) => h(StoreContextMut(store), params, results),
            FuncDef::Typed(_) => bail!(
                "this export is a typed host function (`func_wrap`) the component re-exports: call it from Rust directly"
            ),
        }
    }

    /// This function with static types: `Params` a tuple of the parameters'
    /// Rust types, `Results` `()` or a 1-tuple of the result's. The types
    /// are checked here, once.
    pub fn typed<Params, Results>(&self, store: impl AsContextMut) -> Result<TypedFunc<Params, Results>>
    where
        Params: ComponentNamedList + Lower,
        Results: ComponentNamedList + Lift,
    {
        let mut store = store;
        let store = store.as_context_mut().0;
        let FuncDef::Lifted(l) = self.def(store)? else {
            bail!("only functions a component defines can be called typed")
        };
        typed::typecheck_params::<Params>(&l.params).map_err(|e| anyhow!("parameters do not match: {e}"))?;
        typed::typecheck_results::<Results>(l.ty.result.as_ref()).map_err(|e| anyhow!("result does not match: {e}"))?;
        Ok(TypedFunc { func: *self, _types: std::marker::PhantomData })
    }

    /// Does nothing: Kiln runs the callee's `post-return` at the end of
    /// [`Func::call`]. Here for code written for Wasmtime's API, which
    /// asks for this call after each `call`.
    pub fn post_return(&self, _store: impl AsContextMut) -> Result<()> {
        Ok(())
    }

    /// The parameters' names and types. Empty for a host function the
    /// component re-exports (its type is the importing component's).
    pub fn params<'a, T: 'a>(&self, store: impl Into<crate::StoreContext<'a, T>>) -> Vec<(String, Type)> {
        match self.def(store.into().0) {
            Ok(FuncDef::Lifted(l)) => l.ty.params.iter().map(|(n, t)| (n.clone(), Type(t.clone()))).collect(),
            _ => Vec::new(),
        }
    }

    /// The result's type, if the function has a result.
    pub fn result<'a, T: 'a>(&self, store: impl Into<crate::StoreContext<'a, T>>) -> Option<Type> {
        match self.def(store.into().0) {
            Ok(FuncDef::Lifted(l)) => l.ty.result.clone().map(Type),
            _ => None,
        }
    }
}

/// A component function with static types ([`Func::typed`],
/// [`Instance::get_typed_func`]): arguments and results are Rust values,
/// lowered and lifted without going through [`Val`].
pub struct TypedFunc<Params, Results> {
    func: Func,
    _types: std::marker::PhantomData<fn(Params) -> Results>,
}

impl<Params, Results> Clone for TypedFunc<Params, Results> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<Params, Results> Copy for TypedFunc<Params, Results> {}

impl<Params, Results> TypedFunc<Params, Results>
where
    Params: ComponentNamedList + Lower,
    Results: ComponentNamedList + Lift,
{
    /// Calls the function. A trap, or a value from the callee that breaks
    /// the canonical ABI, is an error; the callee's instance cannot be
    /// entered again after one.
    pub fn call(&self, mut store: impl AsContextMut, params: Params) -> Result<Results> {
        let store = store.as_context_mut().0;
        let FuncDef::Lifted(l) = self.func.def(store)? else { bail!("not a lifted function") };
        call::call_lifted_with(
            store,
            &l,
            None,
            |cx, types, out| typed::lower_args_typed(cx, types, &params, out),
            |cx, result, flat| typed::lift_results_typed::<Results>(cx, result, flat),
        )
    }

    /// Does nothing: see [`Func::post_return`].
    pub fn post_return(&self, _store: impl AsContextMut) -> Result<()> {
        Ok(())
    }

    /// The untyped function.
    pub fn func(&self) -> &Func {
        &self.func
    }
}

/// A component whose imports are resolved and checked: instantiating it
/// only creates the instance (see [`Linker::instantiate_pre`]).
///
/// [`Linker::instantiate_pre`]: super::Linker::instantiate_pre
pub struct InstancePre<T> {
    component: Component,
    args: Arc<Vec<(String, Item<T>)>>,
    dtors: Arc<Vec<(ResourceType, HostDtor<T>)>>,
}

impl<T> Clone for InstancePre<T> {
    fn clone(&self) -> Self {
        InstancePre { component: self.component.clone(), args: self.args.clone(), dtors: self.dtors.clone() }
    }
}

impl<T: 'static> InstancePre<T> {
    pub(crate) fn new(
        component: Component,
        args: Vec<(String, Item<T>)>,
        dtors: Vec<(ResourceType, HostDtor<T>)>,
    ) -> Self {
        InstancePre { component, args: Arc::new(args), dtors: Arc::new(dtors) }
    }

    /// The component.
    pub fn component(&self) -> &Component {
        &self.component
    }

    /// A new instance of the component in `store`.
    pub fn instantiate(&self, mut store: impl AsContextMut<Data = T>) -> Result<Instance> {
        let store = store.as_context_mut().0;
        if !crate::Engine::same(self.component.engine(), &store.opaque.engine) {
            bail!("the component and the store have different engines");
        }
        for (rt, d) in self.dtors.iter() {
            store.components.host_dtors.entry(*rt).or_insert_with(|| d.clone());
        }
        let t = &self.component.inner.translation;
        let args = &self.args;
        let lookup = |name: &str| args.iter().find(|(n, _)| n == name).map(|(_, i)| i.clone());
        let exports = super::instantiate::instantiate(store, &t.root, &t.modules, &lookup, None)
            .map_err(|e| anyhow!(e).context("failed to instantiate component"))?;
        let index = store.components.instances.len() as u32;
        store.components.instances.push(exports);
        Ok(Instance { store: store.opaque.id, index })
    }
}
