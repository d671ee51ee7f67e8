//! Instantiating a component: replaying its definition's steps
//! ([`Init`]) against index spaces of run-time items, creating core
//! instances, trampolines and nested component instances as they come.

use std::sync::Arc;

use anyhow::{anyhow, bail, Context as _, Result};

use super::call::{self, ResourceBuiltin};
use super::resources::ResourceType;
use super::store::{Exports, FrameId, FuncDef, GuestResource, Item, Lifted, Options};
use super::translate::{CanonOptions, Capture, ComponentDef, CoreSort, Init, ResourcePath, Sort, TypeInit};
use crate::func::Func;
use crate::instance::{Extern, Instance};
use crate::module::Module;
use crate::store::StoreInner;
use crate::{Global, Memory, Table};

/// A core instance: made by instantiating a module, or of core items.
enum CoreInstance {
    Real(Instance),
    Items(Vec<(String, Extern)>),
}

/// A component definition with the run-time items it closes over.
type ClosedComponent<T> = (Arc<ComponentDef>, Arc<[Item<T>]>);

/// The index spaces of one component instance being made.
struct Spaces<T> {
    core_funcs: Vec<Func>,
    core_tables: Vec<Table>,
    core_memories: Vec<Memory>,
    core_globals: Vec<Global>,
    core_instances: Vec<CoreInstance>,
    modules: Vec<Module>,
    components: Vec<ClosedComponent<T>>,
    funcs: Vec<FuncDef<T>>,
    types: Vec<Option<ResourceType>>,
    instances: Vec<Arc<Exports<T>>>,
    exports: Vec<(String, Item<T>)>,
}

impl<T> Spaces<T> {
    fn new() -> Self {
        Spaces {
            core_funcs: Vec::new(),
            core_tables: Vec::new(),
            core_memories: Vec::new(),
            core_globals: Vec::new(),
            core_instances: Vec::new(),
            modules: Vec::new(),
            components: Vec::new(),
            funcs: Vec::new(),
            types: Vec::new(),
            instances: Vec::new(),
            exports: Vec::new(),
        }
    }

    fn item(&self, sort: Sort, index: u32) -> Result<Item<T>> {
        let i = index as usize;
        let missing = || anyhow!("{} index {index} out of bounds", sort.name());
        Ok(match sort {
            Sort::Module => Item::Module(self.modules.get(i).ok_or_else(missing)?.clone()),
            Sort::Component => {
                let (def, captured) = self.components.get(i).ok_or_else(missing)?;
                Item::Component(def.clone(), captured.clone())
            }
            Sort::Func => Item::Func(self.funcs.get(i).ok_or_else(missing)?.clone()),
            Sort::Type => Item::Type(*self.types.get(i).ok_or_else(missing)?),
            Sort::Instance => Item::Instance(self.instances.get(i).ok_or_else(missing)?.clone()),
        })
    }

    fn push(&mut self, item: Item<T>) {
        match item {
            Item::Module(m) => self.modules.push(m),
            Item::Component(c, captured) => self.components.push((c, captured)),
            Item::Func(f) => self.funcs.push(f),
            Item::Type(t) => self.types.push(t),
            Item::Instance(i) => self.instances.push(i),
        }
    }

    fn core_item(&self, sort: CoreSort, index: u32) -> Result<Extern> {
        let i = index as usize;
        let missing = || anyhow!("core item index {index} out of bounds");
        Ok(match sort {
            CoreSort::Func => Extern::Func(*self.core_funcs.get(i).ok_or_else(missing)?),
            CoreSort::Table => Extern::Table(*self.core_tables.get(i).ok_or_else(missing)?),
            CoreSort::Memory => Extern::Memory(*self.core_memories.get(i).ok_or_else(missing)?),
            CoreSort::Global => Extern::Global(*self.core_globals.get(i).ok_or_else(missing)?),
        })
    }

    fn push_core(&mut self, ext: Extern) {
        match ext {
            Extern::Func(f) => self.core_funcs.push(f),
            Extern::Table(t) => self.core_tables.push(t),
            Extern::Memory(m) => self.core_memories.push(m),
            Extern::Global(g) => self.core_globals.push(g),
        }
    }

    fn options(&self, o: &CanonOptions) -> Result<Options> {
        let func =
            |i: u32| self.core_funcs.get(i as usize).copied().ok_or_else(|| anyhow!("core function {i} out of bounds"));
        Ok(Options {
            memory: o
                .memory
                .map(|i| self.core_memories.get(i as usize).copied().ok_or_else(|| anyhow!("memory {i} out of bounds")))
                .transpose()?,
            realloc: o.realloc.map(func).transpose()?,
            post_return: o.post_return.map(func).transpose()?,
            encoding: o.encoding,
        })
    }
}

fn core_export<T>(store: &mut StoreInner<T>, inst: &CoreInstance, name: &str) -> Option<Extern> {
    match inst {
        CoreInstance::Real(i) => crate::instance::export_of(&store.opaque, i.id(), name),
        CoreInstance::Items(items) => items.iter().find(|(n, _)| n == name).map(|(_, e)| *e),
    }
}

/// Records, for the instance `frame`, the resource types that `item`
/// (imported or instantiated there) carries at `paths`.
fn bind_resources<T>(store: &mut StoreInner<T>, frame: FrameId, item: &Item<T>, paths: &[ResourcePath]) -> Result<()> {
    for (path, id) in paths {
        let mut at = item.clone();
        for name in path {
            at = match &at {
                Item::Instance(e) => e.get(name).cloned().ok_or_else(|| anyhow!("instance has no export `{name}`"))?,
                _ => bail!("`{name}` is not inside an instance"),
            };
        }
        match at {
            Item::Type(Some(rt)) => {
                store.components.frame(frame).resources.insert(*id, rt);
            }
            _ => bail!("`{}` is not a resource type", path.join(".")),
        }
    }
    Ok(())
}

/// Instantiates `def` as a component instance nested in `parent` (or a
/// root), with `args` for its imports; `modules` are the core modules of
/// its tree.
pub(crate) fn instantiate<T: 'static>(
    store: &mut StoreInner<T>,
    def: &ComponentDef,
    captured: &[Item<T>],
    modules: &[Module],
    args: &dyn Fn(&str) -> Option<Item<T>>,
    parent: Option<FrameId>,
) -> Result<Arc<Exports<T>>> {
    let frame = store.components.new_frame(parent);
    let mut s = Spaces::<T>::new();
    for init in &def.inits {
        match init {
            Init::Import { name, sort, resources } => {
                let item = args(name).ok_or_else(|| anyhow!("missing import `{name}`"))?;
                check_sort(&item, *sort).with_context(|| format!("import `{name}`"))?;
                bind_resources(store, frame, &item, resources).with_context(|| format!("import `{name}`"))?;
                s.push(item);
            }
            Init::CoreModule(i) => s.modules.push(modules[*i].clone()),
            Init::CoreInstantiate { module, args } => {
                let module =
                    s.modules.get(*module as usize).ok_or_else(|| anyhow!("core module index out of bounds"))?.clone();
                let mut externs = Vec::new();
                for import in module.imports() {
                    let (_, idx) = args
                        .iter()
                        .find(|(n, _)| n == import.module())
                        .ok_or_else(|| anyhow!("core instantiation lacks argument `{}`", import.module()))?;
                    let inst =
                        s.core_instances.get(*idx as usize).ok_or_else(|| anyhow!("core instance out of bounds"))?;
                    let ext = core_export(store, inst, import.name()).ok_or_else(|| {
                        anyhow!("core instance `{}` has no export `{}`", import.module(), import.name())
                    })?;
                    externs.push(ext);
                }
                let instance = crate::instance::instantiate(store, &module, &externs)?;
                // A module's `_start` inside a component is the
                // component's business (the preview 1 adapter calls it
                // from `run`), not a core command's run-once rule.
                if let Some(Extern::Func(f)) = crate::instance::export_of(&store.opaque, instance.id(), "_start") {
                    store.opaque.commands.remove(&f.func_ref());
                }
                s.core_instances.push(CoreInstance::Real(instance));
            }
            Init::CoreFromExports(items) => {
                let items =
                    items.iter().map(|(n, sort, i)| Ok((n.clone(), s.core_item(*sort, *i)?))).collect::<Result<_>>()?;
                s.core_instances.push(CoreInstance::Items(items));
            }
            Init::AliasCoreExport { sort, instance, name } => {
                let inst =
                    s.core_instances.get(*instance as usize).ok_or_else(|| anyhow!("core instance out of bounds"))?;
                let ext =
                    core_export(store, inst, name).ok_or_else(|| anyhow!("core instance has no export `{name}`"))?;
                let found = match ext {
                    Extern::Func(_) => CoreSort::Func,
                    Extern::Table(_) => CoreSort::Table,
                    Extern::Memory(_) => CoreSort::Memory,
                    Extern::Global(_) => CoreSort::Global,
                };
                if found != *sort {
                    bail!("core export `{name}` is a {found:?}, not a {sort:?}");
                }
                s.push_core(ext);
            }
            Init::AliasExport { sort, instance, name, resource } => {
                let inst = s.instances.get(*instance as usize).ok_or_else(|| anyhow!("instance out of bounds"))?;
                let item = inst.get(name).cloned().ok_or_else(|| anyhow!("instance has no export `{name}`"))?;
                check_sort(&item, *sort)?;
                if let (Some(id), Item::Type(Some(rt))) = (resource, &item) {
                    store.components.frame(frame).resources.insert(*id, *rt);
                }
                s.push(item);
            }
            Init::Type(TypeInit::Plain) => s.types.push(None),
            Init::Type(TypeInit::Resource { id, dtor }) => {
                let rt = ResourceType::fresh_guest();
                let dtor = dtor
                    .map(|i| s.core_funcs.get(i as usize).copied().ok_or_else(|| anyhow!("destructor out of bounds")))
                    .transpose()?;
                store.components.guest_resources.insert(rt, GuestResource { frame, dtor });
                store.components.frame(frame).resources.insert(*id, rt);
                s.types.push(Some(rt));
            }
            Init::Type(TypeInit::Outer(id)) => {
                let rt = outer_resource(store, frame, *id)?;
                store.components.frame(frame).resources.insert(*id, rt);
                s.types.push(Some(rt));
            }
            Init::Component(c) => {
                // The definition closes over the items it outer-aliases,
                // as they are here and now.
                let captured = c
                    .captures
                    .iter()
                    .map(|cap| match cap {
                        Capture::Item(sort, i) => s.item(*sort, *i),
                        Capture::Captured(i) => {
                            captured.get(*i as usize).cloned().ok_or_else(|| anyhow!("capture {i} out of bounds"))
                        }
                    })
                    .collect::<Result<Arc<[Item<T>]>>>()?;
                s.components.push((c.clone(), captured));
            }
            Init::Captured { sort, capture } => {
                let item = captured.get(*capture as usize).cloned().ok_or_else(|| anyhow!("capture out of bounds"))?;
                check_sort(&item, *sort)?;
                s.push(item);
            }
            Init::Dup { sort, index } => {
                let item = s.item(*sort, *index)?;
                s.push(item);
            }
            Init::Lift { core_func, ty, params, flat, options } => {
                let callee =
                    *s.core_funcs.get(*core_func as usize).ok_or_else(|| anyhow!("core function out of bounds"))?;
                let options = s.options(options)?;
                s.funcs.push(FuncDef::Lifted(Arc::new(Lifted {
                    frame,
                    callee,
                    ty: ty.clone(),
                    params: params.clone(),
                    flat: flat.clone(),
                    options,
                })));
            }
            Init::Lower { func, ty, params, options } => {
                let target = s.funcs.get(*func as usize).ok_or_else(|| anyhow!("function out of bounds"))?.clone();
                let options = s.options(options)?;
                let (core_ty, host) =
                    call::lowered(&store.opaque.engine.clone(), frame, target, ty.clone(), params.clone(), options);
                s.core_funcs.push(Func::from_host(store, core_ty, host));
            }
            Init::ResourceNew { ty } | Init::ResourceDrop { ty } | Init::ResourceRep { ty } => {
                let rt = s
                    .types
                    .get(*ty as usize)
                    .copied()
                    .flatten()
                    .ok_or_else(|| anyhow!("type {ty} is not a resource type"))?;
                let which = match init {
                    Init::ResourceNew { .. } => ResourceBuiltin::New,
                    Init::ResourceDrop { .. } => ResourceBuiltin::Drop,
                    _ => ResourceBuiltin::Rep,
                };
                let (core_ty, host) = call::resource_builtin(&store.opaque.engine.clone(), frame, rt, which);
                s.core_funcs.push(Func::from_host(store, core_ty, host));
            }
            Init::Instantiate { component, args, resources } => {
                let (child, child_captured) =
                    s.components.get(*component as usize).ok_or_else(|| anyhow!("component out of bounds"))?.clone();
                let args: Vec<(String, Item<T>)> =
                    args.iter().map(|(n, sort, i)| Ok((n.clone(), s.item(*sort, *i)?))).collect::<Result<_>>()?;
                let lookup = |name: &str| args.iter().find(|(n, _)| n == name).map(|(_, i)| i.clone());
                let exports = instantiate(store, &child, &child_captured, modules, &lookup, Some(frame))?;
                let item = Item::Instance(exports.clone());
                bind_resources(store, frame, &item, resources)?;
                s.instances.push(exports);
            }
            Init::FromExports(items) => {
                let items =
                    items.iter().map(|(n, sort, i)| Ok((n.clone(), s.item(*sort, *i)?))).collect::<Result<_>>()?;
                s.instances.push(Arc::new(Exports { items }));
            }
            Init::Export { name, sort, index } => {
                let item = s.item(*sort, *index)?;
                s.exports.push((name.clone(), item.clone()));
                s.push(item);
            }
        }
    }
    Ok(Arc::new(Exports { items: s.exports }))
}

/// The resource type `id` as an enclosing instance of `frame` knows it.
fn outer_resource<T>(store: &mut StoreInner<T>, frame: FrameId, id: super::types::ResourceId) -> Result<ResourceType> {
    let mut at = Some(frame);
    while let Some(f) = at {
        let fr = store.components.frame(f);
        if let Some(rt) = fr.resources.get(&id) {
            return Ok(*rt);
        }
        at = fr.parent;
    }
    bail!("outer alias of a resource type that is not known here")
}

fn check_sort<T>(item: &Item<T>, sort: Sort) -> Result<()> {
    let ok = matches!(
        (item, sort),
        (Item::Module(_), Sort::Module)
            | (Item::Component(..), Sort::Component)
            | (Item::Func(_), Sort::Func)
            | (Item::Type(_), Sort::Type)
            | (Item::Instance(_), Sort::Instance)
    );
    if !ok {
        bail!("expected a {}, found a {}", sort.name(), item.sort_name());
    }
    Ok(())
}
