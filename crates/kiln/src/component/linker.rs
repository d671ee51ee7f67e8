//! `component::Linker`: the host's definitions a component's imports are
//! resolved against, by name, with WIT interface versions matched as
//! semver (a component importing `wasi:io/streams@0.2.0` links against a
//! host that defines `wasi:io/streams@0.2.6`).

use std::sync::Arc;

use anyhow::{anyhow, bail, Result};

use super::call::{TypedHost, TypedHostFunc};
use super::component::Component;
use super::instance::{Instance, InstancePre};
use super::resources::ResourceType;
use super::store::{Exports, FuncDef, HostDtor, HostFn, Item};
use super::translate::ItemType;
use super::typed::{ComponentNamedList, Lift, Lower};
use super::types::ResourceId;
use super::values::Val;
use crate::engine::Engine;
use crate::store::{AsContextMut, StoreContextMut};
use std::collections::HashMap;

/// A host definition.
enum Definition<T> {
    Func(HostFn<T>),
    Typed(Arc<dyn TypedHost<T>>),
    Resource(ResourceType, HostDtor<T>),
    Instance(Definitions<T>),
}

impl<T> Clone for Definition<T> {
    fn clone(&self) -> Self {
        match self {
            Definition::Func(f) => Definition::Func(f.clone()),
            Definition::Typed(f) => Definition::Typed(f.clone()),
            Definition::Resource(t, d) => Definition::Resource(*t, d.clone()),
            Definition::Instance(i) => Definition::Instance(i.clone()),
        }
    }
}

/// Named definitions, in the order they were made.
struct Definitions<T> {
    items: Vec<(String, Definition<T>)>,
}

impl<T> Clone for Definitions<T> {
    fn clone(&self) -> Self {
        Definitions { items: self.items.clone() }
    }
}

impl<T> Definitions<T> {
    fn get(&self, name: &str) -> Option<&Definition<T>> {
        self.items.iter().find(|(n, _)| n == name).map(|(_, d)| d)
    }

    /// The definition for the import `name`: exactly that name, or the
    /// same interface at a semver-compatible version.
    fn get_versioned(&self, name: &str) -> Option<&Definition<T>> {
        if let Some(d) = self.get(name) {
            return Some(d);
        }
        let (base, version) = split_version(name)?;
        let key = compat_key(version)?;
        self.items
            .iter()
            .filter_map(|(n, d)| {
                let (b, v) = split_version(n)?;
                (b == base && compat_key(v)? == key).then_some((parse_version(v)?, d))
            })
            .max_by_key(|(v, _)| *v)
            .map(|(_, d)| d)
    }

    fn insert(&mut self, name: &str, def: Definition<T>, allow_shadowing: bool) -> Result<()> {
        if let Some(slot) = self.items.iter_mut().find(|(n, _)| n == name) {
            if !allow_shadowing {
                bail!("`{name}` is defined twice in the linker");
            }
            slot.1 = def;
            return Ok(());
        }
        self.items.push((name.to_string(), def));
        Ok(())
    }
}

fn split_version(name: &str) -> Option<(&str, &str)> {
    let at = name.rfind('@')?;
    Some((&name[..at], &name[at + 1..]))
}

fn parse_version(v: &str) -> Option<(u64, u64, u64)> {
    if v.contains(['-', '+']) {
        return None;
    }
    let mut parts = v.split('.');
    let version = (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()?.parse().ok()?);
    parts.next().is_none().then_some(version)
}

/// Versions with the same key are compatible (semver: the leftmost
/// non-zero component must match; `0.0.z` only matches itself).
fn compat_key(v: &str) -> Option<(u64, u64, Option<u64>)> {
    let (major, minor, patch) = parse_version(v)?;
    Some(match (major, minor) {
        (0, 0) => (0, 0, Some(patch)),
        (0, m) => (0, m, None),
        (m, _) => (m, u64::MAX, None),
    })
}

/// Host definitions for components' imports: functions, resource types
/// and instances (WIT interfaces) of them.
///
/// ```
/// use kiln::component::{Component, Linker, Val};
/// use kiln::{Engine, Store};
/// # fn main() -> anyhow::Result<()> {
/// let engine = Engine::default();
/// let component = Component::new(&engine, r#"(component
///     (import "double" (func $double (param "x" u32) (result u32)))
///     (core func $d (canon lower (func $double)))
///     (core module $m
///         (import "" "double" (func $double (param i32) (result i32)))
///         (func (export "quadruple") (param i32) (result i32)
///             (call $double (call $double (local.get 0)))))
///     (core instance $i (instantiate $m (with "" (instance (export "double" (func $d))))))
///     (func (export "quadruple") (param "x" u32) (result u32)
///         (canon lift (core func $i "quadruple"))))"#)?;
/// let mut linker = Linker::<()>::new(&engine);
/// linker.root().func_new("double", |_store, params, results| {
///     let Val::U32(x) = params[0] else { anyhow::bail!("expected a u32") };
///     results[0] = Val::U32(x * 2);
///     Ok(())
/// })?;
/// let mut store = Store::new(&engine, ());
/// let instance = linker.instantiate(&mut store, &component)?;
/// let quadruple = instance.get_func(&mut store, "quadruple").unwrap();
/// let mut result = [Val::U32(0)];
/// quadruple.call(&mut store, &[Val::U32(5)], &mut result)?;
/// assert_eq!(result[0], Val::U32(20));
/// # Ok(())
/// # }
/// ```
pub struct Linker<T> {
    engine: Engine,
    root: Definitions<T>,
    allow_shadowing: bool,
}

impl<T: 'static> Linker<T> {
    /// An empty linker for components of `engine`.
    pub fn new(engine: &Engine) -> Linker<T> {
        Linker { engine: engine.clone(), root: Definitions { items: Vec::new() }, allow_shadowing: false }
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Whether defining a name twice replaces the first definition (else
    /// it is an error). Off by default.
    pub fn allow_shadowing(&mut self, allow: bool) -> &mut Self {
        self.allow_shadowing = allow;
        self
    }

    /// The top level: imports not inside an interface.
    pub fn root(&mut self) -> LinkerInstance<'_, T> {
        LinkerInstance { defs: &mut self.root, allow_shadowing: self.allow_shadowing }
    }

    /// The instance (WIT interface) `name`, e.g. `"wasi:cli/stdout@0.2.6"`,
    /// made empty if it is not defined yet.
    pub fn instance(&mut self, name: &str) -> Result<LinkerInstance<'_, T>> {
        self.root().into_instance(name)
    }

    /// Resolves and type-checks `component`'s imports once, for fast
    /// instantiation in many stores.
    pub fn instantiate_pre(&self, component: &Component) -> Result<InstancePre<T>> {
        if !Engine::same(component.engine(), &self.engine) {
            bail!("the component and the linker have different engines");
        }
        let mut args = Vec::new();
        let mut cx = Resolve { dtors: Vec::new(), bound: HashMap::new() };
        for (name, ty) in &component.inner.translation.root.imports {
            let def = self.root.get_versioned(name).ok_or_else(|| {
                anyhow!("component imports {} `{name}`, but the linker does not define it", describe(ty))
            })?;
            let item = resolve(def, ty, &mut cx).map_err(|e| anyhow!("import `{name}`: {e}"))?;
            args.push((name.clone(), item));
        }
        Ok(InstancePre::new(component.clone(), args, cx.dtors))
    }

    /// Instantiates `component` in `store`, its imports resolved here.
    pub fn instantiate(&self, store: impl AsContextMut<Data = T>, component: &Component) -> Result<Instance> {
        self.instantiate_pre(component)?.instantiate(store)
    }
}

fn describe(ty: &ItemType) -> &'static str {
    match ty {
        ItemType::Module => "core module",
        ItemType::Component => "component",
        ItemType::Func(_) => "function",
        ItemType::Type(Some(_)) => "resource type",
        ItemType::Type(None) => "type",
        ItemType::Instance(_) => "instance",
    }
}

/// What resolving a component's imports has gathered so far.
struct Resolve<T> {
    /// The host destructors of the resource types given.
    dtors: Vec<(ResourceType, HostDtor<T>)>,
    /// The resource types given for the component's resource ids: an
    /// interface that re-exports another's resource (`use` in WIT, an
    /// `eq` bound in the type) needs no definition of its own.
    bound: HashMap<ResourceId, ResourceType>,
}

/// The item `def` gives for an import of type `ty`, checking it fits.
fn resolve<T>(def: &Definition<T>, ty: &ItemType, cx: &mut Resolve<T>) -> Result<Item<T>> {
    Ok(match (def, ty) {
        (Definition::Func(f), ItemType::Func(_)) => Item::Func(FuncDef::Host(f.clone())),
        (Definition::Typed(f), ItemType::Func(ty)) => {
            f.typecheck(ty).map_err(|e| anyhow!("the host function's Rust types do not match the import: {e}"))?;
            Item::Func(FuncDef::Typed(f.clone()))
        }
        (Definition::Resource(rt, dtor), ItemType::Type(Some(id))) => {
            if let Some(prev) = cx.bound.insert(*id, *rt) {
                if prev != *rt {
                    bail!("is a resource type the component uses elsewhere too, but the linker defines a different one here");
                }
            }
            cx.dtors.push((*rt, dtor.clone()));
            Item::Type(Some(*rt))
        }
        (Definition::Instance(defs), ItemType::Instance(exports)) => {
            let mut items = Vec::with_capacity(exports.len());
            for (name, ty) in exports {
                let item = match (defs.get(name), ty) {
                    (Some(d), _) => resolve(d, ty, cx).map_err(|e| anyhow!("`{name}`: {e}"))?,
                    (None, ItemType::Type(Some(id))) if cx.bound.contains_key(id) => Item::Type(Some(cx.bound[id])),
                    // Value types need no definition: the component's
                    // type says what they are.
                    (None, ItemType::Type(None)) => Item::Type(None),
                    (None, _) => bail!("needs {} `{name}`, which the linker does not define", describe(ty)),
                };
                items.push((name.clone(), item));
            }
            Item::Instance(Arc::new(Exports { items }))
        }
        (def, ty) => {
            let found = match def {
                Definition::Func(_) | Definition::Typed(_) => "function",
                Definition::Resource(..) => "resource type",
                Definition::Instance(_) => "instance",
            };
            bail!("expected {}, but the linker defines a {found}", describe(ty))
        }
    })
}

/// Definitions inside one instance of a [`Linker`] (or its root).
pub struct LinkerInstance<'a, T> {
    defs: &'a mut Definitions<T>,
    allow_shadowing: bool,
}

impl<'a, T: 'static> LinkerInstance<'a, T> {
    /// Defines the function `name` with a dynamic signature: `f` gets the
    /// arguments as [`Val`]s and writes the result (if the function has
    /// one) into `results[0]`. The component's import type says what the
    /// types are; a result of the wrong type is an error of the call.
    pub fn func_new(
        &mut self,
        name: &str,
        f: impl Fn(StoreContextMut<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Result<()> {
        self.defs.insert(name, Definition::Func(Arc::new(f)), self.allow_shadowing)
    }

    /// Defines the function `name` from a Rust closure taking the store and
    /// a tuple of its parameters' Rust types, and returning `()` or a
    /// 1-tuple of its result's (WIT `string` is `String`, `list<T>` is
    /// `Vec<T>`, `option`/`result` are `Option`/`Result`, tuples are
    /// tuples, handles are [`Resource`](super::Resource) or
    /// [`ResourceAny`](super::ResourceAny), anything else [`Val`]).
    /// The types are checked against the component's import when it is
    /// instantiated; arguments are lifted straight from guest memory.
    pub fn func_wrap<Params, Results>(
        &mut self,
        name: &str,
        f: impl Fn(StoreContextMut<'_, T>, Params) -> Result<Results> + Send + Sync + 'static,
    ) -> Result<()>
    where
        Params: ComponentNamedList + Lift + 'static,
        Results: ComponentNamedList + Lower + 'static,
    {
        let typed = TypedHostFunc { f, _types: std::marker::PhantomData };
        self.defs.insert(name, Definition::Typed(Arc::new(typed)), self.allow_shadowing)
    }

    /// Defines the resource type `name` as the host's `ty`; `dtor` runs
    /// with the resource's `rep` when a guest drops an owned handle.
    pub fn resource(
        &mut self,
        name: &str,
        ty: ResourceType,
        dtor: impl Fn(StoreContextMut<'_, T>, u32) -> Result<()> + Send + Sync + 'static,
    ) -> Result<()> {
        self.defs.insert(name, Definition::Resource(ty, Arc::new(dtor)), self.allow_shadowing)
    }

    /// The nested instance `name`, made empty if not defined yet.
    pub fn instance(&mut self, name: &str) -> Result<LinkerInstance<'_, T>> {
        LinkerInstance { defs: &mut *self.defs, allow_shadowing: self.allow_shadowing }.into_instance(name)
    }

    /// The nested instance `name`, consuming this one.
    pub fn into_instance(self, name: &str) -> Result<LinkerInstance<'a, T>> {
        let allow_shadowing = self.allow_shadowing;
        if self.defs.get(name).is_none() {
            self.defs.items.push((name.to_string(), Definition::Instance(Definitions { items: Vec::new() })));
        }
        match self.defs.items.iter_mut().find(|(n, _)| n == name) {
            Some((_, Definition::Instance(defs))) => Ok(LinkerInstance { defs, allow_shadowing }),
            _ => bail!("`{name}` is already defined in the linker, and not as an instance"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_match_by_semver() {
        let mut d: Definitions<()> = Definitions { items: Vec::new() };
        for n in ["wasi:io/streams@0.2.6", "wasi:io/streams@0.3.0", "a:b/c@1.4.0", "x:y/z@0.0.1"] {
            d.items.push((n.into(), Definition::Instance(Definitions { items: Vec::new() })));
        }
        let hit = |name: &str| d.get_versioned(name).is_some();
        assert!(hit("wasi:io/streams@0.2.0"));
        assert!(hit("wasi:io/streams@0.2.9"));
        assert!(hit("wasi:io/streams@0.3.0"));
        assert!(!hit("wasi:io/streams@0.4.0"));
        assert!(hit("a:b/c@1.0.0"));
        assert!(!hit("a:b/c@2.0.0"));
        assert!(hit("x:y/z@0.0.1"));
        assert!(!hit("x:y/z@0.0.2"));
        assert!(!hit("wasi:io/streams@0.2.0-rc"));
    }
}
