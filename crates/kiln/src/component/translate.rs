//! From a component's bytes to what instantiation runs: a tree of
//! [`ComponentDef`]s, each a straight list of [`Init`] steps in section
//! order, with every core module compiled and every type the runtime needs
//! converted to Kiln's own ([`super::types`]).
//!
//! Instantiation replays a definition's steps against index spaces of
//! run-time items (`super::instantiate`); nothing here depends on a store.
//! Outer aliases of modules and components are resolved here: they name
//! definitions, which do not change between instantiations.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{anyhow, bail, Context as _, Result};
use wasmparser::component_types::{ComponentAnyTypeId, ComponentEntityType};
use wasmparser::types::{Types, TypesRef};
use wasmparser::{
    CanonicalFunction, CanonicalOption, ComponentAlias, ComponentExternalKind, ComponentOuterAliasKind,
    ComponentTypeRef, ExternalKind, Parser, Payload, Validator, WasmFeatures,
};

use super::abi::{self, Context, FlatSignature};
use super::cx::StringEncoding;
use super::types::{FuncType, ResourceId, TypeConverter, ValueType};
use crate::engine::Engine;
use crate::module::Module;

/// The four sorts of core items a core instance exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CoreSort {
    Func,
    Table,
    Memory,
    Global,
}

/// The sorts of component-level items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sort {
    Module,
    Func,
    Type,
    Instance,
    Component,
}

impl Sort {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Sort::Module => "core module",
            Sort::Func => "function",
            Sort::Type => "type",
            Sort::Instance => "instance",
            Sort::Component => "component",
        }
    }
}

/// The canonical options of a `canon lift` or `canon lower`, as indices
/// into the core index spaces at that point.
#[derive(Debug, Clone, Default)]
pub(crate) struct CanonOptions {
    pub(crate) memory: Option<u32>,
    pub(crate) realloc: Option<u32>,
    pub(crate) post_return: Option<u32>,
    pub(crate) encoding: StringEncoding,
}

/// Where, inside an imported or instantiated item, a resource type sits:
/// the names of nested instance exports leading to a type export. What the
/// runtime provides at that path is the resource type the id stands for.
pub(crate) type ResourcePath = (Vec<String>, ResourceId);

/// One step of instantiating a component, in the order of its sections.
/// Each pushes onto one index space (see [`Init::sort`]) except `Export`
/// of nothing new... every export adds an index too, as in the binary
/// format.
#[derive(Debug)]
pub(crate) enum Init {
    /// An import: the argument named `name`, of sort `sort`. `resources`
    /// are the resource types inside it.
    Import {
        name: String,
        sort: Sort,
        resources: Vec<ResourcePath>,
    },
    /// A core module of the root's list.
    CoreModule(usize),
    /// Instantiate core module `module` with core instances as arguments.
    CoreInstantiate {
        module: u32,
        args: Vec<(String, u32)>,
    },
    /// A core instance made of core items.
    CoreFromExports(Vec<(String, CoreSort, u32)>),
    /// `alias core export`.
    AliasCoreExport {
        sort: CoreSort,
        instance: u32,
        name: String,
    },
    /// `alias export` of an instance's item (types: `resource` set when
    /// it is a resource type).
    AliasExport {
        sort: Sort,
        instance: u32,
        name: String,
        resource: Option<ResourceId>,
    },
    /// A type definition or an outer alias of a type: only resource types
    /// matter at run time.
    Type(TypeInit),
    /// A nested component definition (or an outer alias of one).
    Component(Arc<ComponentDef>),
    /// `canon lift`.
    Lift {
        core_func: u32,
        ty: Arc<FuncType>,
        params: Arc<[ValueType]>,
        flat: Arc<FlatSignature>,
        options: CanonOptions,
    },
    /// `canon lower`.
    Lower {
        func: u32,
        ty: Arc<FuncType>,
        params: Arc<[ValueType]>,
        options: CanonOptions,
    },
    /// `canon resource.new`, `.drop`, `.rep` of the type at `ty`.
    ResourceNew {
        ty: u32,
    },
    ResourceDrop {
        ty: u32,
    },
    ResourceRep {
        ty: u32,
    },
    /// Instantiate component `component` with items as arguments.
    Instantiate {
        component: u32,
        args: Vec<(String, Sort, u32)>,
        resources: Vec<ResourcePath>,
    },
    /// A component instance made of items.
    FromExports(Vec<(String, Sort, u32)>),
    /// An export: adds the item to the instance's exports and, again, to
    /// its index space.
    Export {
        name: String,
        sort: Sort,
        index: u32,
    },
    /// An outer alias of an item known only at run time: the definition's
    /// capture `capture` (see [`ComponentDef::captures`]).
    Captured {
        sort: Sort,
        capture: u32,
    },
    /// An outer alias (count 0) of the component's own item `index`.
    Dup {
        sort: Sort,
        index: u32,
    },
}

/// What a nested component closes over when it is defined: an item of the
/// enclosing component's index spaces, or one of the enclosing component's
/// own captures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Capture {
    Item(Sort, u32),
    Captured(u32),
}

/// A type-index-space entry.
#[derive(Debug)]
pub(crate) enum TypeInit {
    /// A type with no run-time content (value, function, instance and
    /// component types).
    Plain,
    /// A resource type defined here: fresh per instantiation.
    Resource { id: ResourceId, dtor: Option<u32> },
    /// An outer alias of a resource type: the enclosing instance's.
    Outer(ResourceId),
}

/// One component (the root or a nested one), ready to instantiate.
#[derive(Debug)]
pub(crate) struct ComponentDef {
    pub(crate) inits: Vec<Init>,
    /// Imports, in order, with their types (for checking what a linker
    /// gives).
    pub(crate) imports: Vec<(String, ItemType)>,
    /// Exports, in order, with their types.
    pub(crate) exports: Vec<(String, ItemType)>,
    /// Run-time items of enclosing components this one aliases (outer
    /// aliases of imported modules and components), resolved where the
    /// definition is, by its enclosing component.
    pub(crate) captures: Vec<Capture>,
}

/// The type of an import or export, as far as linking checks it.
#[derive(Debug, Clone)]
pub(crate) enum ItemType {
    Module,
    Component,
    Func(Arc<FuncType>),
    /// A resource type (its id) or another type.
    Type(Option<ResourceId>),
    Instance(Vec<(String, ItemType)>),
}

/// A compiled component: its root definition and the core modules of the
/// whole tree.
pub(crate) struct Translation {
    pub(crate) root: Arc<ComponentDef>,
    pub(crate) modules: Vec<Module>,
}

/// How many type nodes conversion may produce for one component in all
/// (see [`TypeConverter`]): wasmparser bounds each type's size, not their
/// sum over uses, so this keeps compile memory linear in the input.
const MAX_CONVERTED_TYPES: usize = 4_000_000;

/// How deep components may nest in one another.
const MAX_NESTING: usize = 100;

/// The features components are validated with: the engine's core features
/// plus the component model (without its async and thread additions,
/// which Kiln does not run).
fn component_features(engine: &Engine) -> WasmFeatures {
    let mut f = engine.config().features | WasmFeatures::COMPONENT_MODEL;
    f.remove(
        WasmFeatures::CM_ASYNC
            | WasmFeatures::CM_ASYNC_STACKFUL
            | WasmFeatures::CM_MORE_ASYNC_BUILTINS
            | WasmFeatures::CM_THREADING
            | WasmFeatures::CM_ERROR_CONTEXT,
    );
    f |= WasmFeatures::CM_FIXED_LENGTH_LISTS | WasmFeatures::CM_MAP | WasmFeatures::CM_IMPLEMENTS;
    f
}

/// Validates and translates the component `bytes`.
pub(crate) fn translate(engine: &Engine, bytes: &[u8]) -> Result<Translation> {
    let mut validator = Validator::new_with_features(component_features(engine));
    let mut modules = Vec::new();
    let mut stack: Vec<Builder> = Vec::new();
    let mut converter = SharedResources::default();
    // Depth of core modules being skipped (their payloads come inline).
    let mut in_module: Option<usize> = None;
    let mut root = None;
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.context("malformed component")?;
        let valid = validator.payload(&payload).context("invalid component")?;
        if let Some(depth) = in_module {
            // Inside a nested core module: only its end matters here (the
            // module was compiled from its bytes when it began).
            if let Payload::End(_) = payload {
                if depth == stack.len() {
                    in_module = None;
                }
            }
            continue;
        }
        match payload {
            Payload::Version { encoding, .. } => {
                if encoding != wasmparser::Encoding::Component {
                    bail!("not a component: a core module (load it with `Module::new`)");
                }
                // Instantiation recurses once per level of nesting.
                if stack.len() >= MAX_NESTING {
                    bail!("components nest deeper than {MAX_NESTING} levels");
                }
                stack.push(Builder::default());
            }
            Payload::ModuleSection { unchecked_range, .. } => {
                let b = stack.last_mut().ok_or_else(|| anyhow!("module section outside a component"))?;
                let range = usize::try_from(unchecked_range.start).unwrap_or(usize::MAX)
                    ..usize::try_from(unchecked_range.end).unwrap_or(usize::MAX);
                let module_bytes = bytes.get(range).ok_or_else(|| anyhow!("truncated core module in component"))?;
                let module = Module::from_binary(engine, module_bytes)
                    .with_context(|| format!("core module at byte {} of the component", unchecked_range.start))?;
                b.push_module(modules.len());
                modules.push(module);
                in_module = Some(stack.len());
            }
            // The nested component's `Version` payload follows and starts it.
            Payload::ComponentSection { .. } => {}
            Payload::InstanceSection(s) => {
                let b = top(&mut stack)?;
                for inst in s {
                    let init = match inst? {
                        wasmparser::Instance::Instantiate { module_index, args } => Init::CoreInstantiate {
                            module: module_index,
                            args: args.iter().map(|a| (a.name.to_string(), a.index)).collect(),
                        },
                        wasmparser::Instance::FromExports(exports) => Init::CoreFromExports(
                            exports
                                .iter()
                                .map(|e| Ok((e.name.to_string(), core_sort(e.kind)?, e.index)))
                                .collect::<Result<_>>()?,
                        ),
                    };
                    b.inits.push(init);
                }
            }
            Payload::ComponentInstanceSection(s) => {
                let b = top(&mut stack)?;
                for inst in s {
                    match inst? {
                        wasmparser::ComponentInstance::Instantiate { component_index, args } => {
                            b.instantiations.push((b.inits.len(), b.instance_count));
                            b.inits.push(Init::Instantiate {
                                component: component_index,
                                args: args.iter().map(|a| (a.name.to_string(), sort(a.kind), a.index)).collect(),
                                resources: Vec::new(),
                            });
                        }
                        wasmparser::ComponentInstance::FromExports(exports) => {
                            b.inits.push(Init::FromExports(
                                exports.iter().map(|e| (e.name.name.to_string(), sort(e.kind), e.index)).collect(),
                            ));
                        }
                    }
                    b.instance_count += 1;
                }
            }
            Payload::ComponentAliasSection(s) => {
                for alias in s {
                    let alias = alias?;
                    translate_alias(&mut stack, alias)?;
                }
            }
            Payload::ComponentTypeSection(s) => {
                let b = top(&mut stack)?;
                for ty in s {
                    let init = match ty? {
                        wasmparser::ComponentType::Resource { dtor, .. } => {
                            b.resource_defs.push((b.inits.len(), b.type_count));
                            TypeInit::Resource { id: ResourceId(u32::MAX), dtor }
                        }
                        _ => TypeInit::Plain,
                    };
                    b.inits.push(Init::Type(init));
                    b.type_count += 1;
                }
            }
            Payload::CoreTypeSection(_) => {}
            Payload::ComponentCanonicalSection(s) => {
                let b = top(&mut stack)?;
                for canon in s {
                    translate_canon(b, canon?)?;
                }
            }
            Payload::ComponentStartSection { .. } => {
                bail!("component start functions (the value-import proposal) are not supported")
            }
            Payload::ComponentImportSection(s) => {
                let b = top(&mut stack)?;
                for import in s {
                    let import = import?;
                    let sort = match import.ty {
                        ComponentTypeRef::Module(_) => Sort::Module,
                        ComponentTypeRef::Func(_) => Sort::Func,
                        ComponentTypeRef::Value(_) => bail!("value imports are not supported"),
                        ComponentTypeRef::Type(_) => Sort::Type,
                        ComponentTypeRef::Instance(_) => Sort::Instance,
                        ComponentTypeRef::Component(_) => Sort::Component,
                    };
                    b.imports.push((b.inits.len(), import.name.name.to_string()));
                    b.inits.push(Init::Import { name: import.name.name.to_string(), sort, resources: Vec::new() });
                    b.count(sort);
                }
            }
            Payload::ComponentExportSection(s) => {
                let b = top(&mut stack)?;
                for export in s {
                    let export = export?;
                    let sort = sort(export.kind);
                    b.exports.push(export.name.name.to_string());
                    b.inits.push(Init::Export { name: export.name.name.to_string(), sort, index: export.index });
                    b.count(sort);
                }
            }
            Payload::End(_) => {
                let wasmparser::ValidPayload::End(types) = valid else {
                    bail!("component ended without its types");
                };
                let b = stack.pop().ok_or_else(|| anyhow!("unbalanced component end"))?;
                let def = Arc::new(b.finish(&types, &mut converter)?);
                match stack.last_mut() {
                    Some(parent) => {
                        parent.components.push(Some(def.clone()));
                        parent.inits.push(Init::Component(def));
                    }
                    None => root = Some(def),
                }
            }
            Payload::CustomSection(_) => {}
            other => {
                // Core sections at the top level cannot occur in a
                // component (the validator refuses them); anything new
                // wasmparser learns is refused rather than ignored.
                if let Some((id, range)) = other.as_section() {
                    bail!("unsupported component section {id} at byte {}", range.start);
                }
            }
        }
    }
    let root = root.ok_or_else(|| anyhow!("truncated component"))?;
    Ok(Translation { root, modules })
}

fn top(stack: &mut [Builder]) -> Result<&mut Builder> {
    stack.last_mut().ok_or_else(|| anyhow!("section outside a component"))
}

fn sort(kind: ComponentExternalKind) -> Sort {
    match kind {
        ComponentExternalKind::Module => Sort::Module,
        ComponentExternalKind::Func => Sort::Func,
        // Values are refused where they are made (imports, start); the
        // validator refuses any other use of a value index.
        ComponentExternalKind::Value => Sort::Type,
        ComponentExternalKind::Type => Sort::Type,
        ComponentExternalKind::Instance => Sort::Instance,
        ComponentExternalKind::Component => Sort::Component,
    }
}

fn core_sort(kind: ExternalKind) -> Result<CoreSort> {
    Ok(match kind {
        ExternalKind::Func | ExternalKind::FuncExact => CoreSort::Func,
        ExternalKind::Table => CoreSort::Table,
        ExternalKind::Memory => CoreSort::Memory,
        ExternalKind::Global => CoreSort::Global,
        ExternalKind::Tag => bail!("exception tags in components are not supported"),
    })
}

fn translate_alias(stack: &mut [Builder], alias: ComponentAlias<'_>) -> Result<()> {
    let depth = stack.len();
    match alias {
        ComponentAlias::CoreInstanceExport { kind, instance_index, name } => {
            let b = top(stack)?;
            b.inits.push(Init::AliasCoreExport { sort: core_sort(kind)?, instance: instance_index, name: name.into() });
        }
        ComponentAlias::InstanceExport { kind, instance_index, name } => {
            let b = top(stack)?;
            let sort = sort(kind);
            if kind == ComponentExternalKind::Value {
                bail!("value exports are not supported");
            }
            if sort == Sort::Type {
                b.type_aliases.push((b.inits.len(), b.type_count));
            }
            b.inits.push(Init::AliasExport { sort, instance: instance_index, name: name.into(), resource: None });
            b.count(sort);
        }
        ComponentAlias::Outer { kind, count, index } => {
            let outer = depth
                .checked_sub(1 + count as usize)
                .ok_or_else(|| anyhow!("outer alias beyond the outermost component"))?;
            let init = match kind {
                ComponentOuterAliasKind::CoreModule => match stack[outer].modules.get(index as usize).copied() {
                    Some(Some(m)) => Init::CoreModule(m),
                    Some(None) => capture(stack, outer, Sort::Module, index)?,
                    None => bail!("outer alias of core module {index}, which does not exist"),
                },
                ComponentOuterAliasKind::Component => match stack[outer].components.get(index as usize).cloned() {
                    // A definition that closes over its own enclosing
                    // component's items means those items, not the ones at
                    // the same places here.
                    Some(Some(c)) if c.captures.is_empty() || count == 0 => Init::Component(c),
                    Some(_) => capture(stack, outer, Sort::Component, index)?,
                    None => bail!("outer alias of component {index}, which does not exist"),
                },
                ComponentOuterAliasKind::CoreType => return Ok(()),
                ComponentOuterAliasKind::Type => {
                    let b = top(stack)?;
                    b.type_aliases.push((b.inits.len(), b.type_count));
                    Init::Type(TypeInit::Plain)
                }
            };
            let b = top(stack)?;
            match &init {
                Init::CoreModule(m) => b.modules.push(Some(*m)),
                Init::Component(c) => b.components.push(Some(c.clone())),
                Init::Captured { sort, .. } => b.count(*sort),
                _ => b.type_count += 1,
            }
            b.inits.push(init);
        }
    }
    Ok(())
}

/// The step that brings item `index` of sort `sort` of the enclosing
/// component `stack[outer]` into the innermost one, when the item is only
/// known at run time (imported there): each component in between closes
/// over it when it is defined (see [`Capture`]).
fn capture(stack: &mut [Builder], outer: usize, sort: Sort, index: u32) -> Result<Init> {
    let innermost = stack.len() - 1;
    if outer == innermost {
        return Ok(Init::Dup { sort, index });
    }
    let mut from = Capture::Item(sort, index);
    for b in &mut stack[outer + 1..=innermost] {
        let i = match b.captures.iter().position(|c| *c == from) {
            Some(i) => i,
            None => {
                b.captures.push(from);
                b.captures.len() - 1
            }
        };
        from = Capture::Captured(i as u32);
    }
    let Capture::Captured(capture) = from else { unreachable!("at least one level") };
    Ok(Init::Captured { sort, capture })
}

fn options(opts: &[CanonicalOption]) -> Result<CanonOptions> {
    let mut out = CanonOptions::default();
    for o in opts {
        match o {
            CanonicalOption::UTF8 => out.encoding = StringEncoding::Utf8,
            CanonicalOption::UTF16 => out.encoding = StringEncoding::Utf16,
            CanonicalOption::CompactUTF16 => out.encoding = StringEncoding::CompactUtf16,
            CanonicalOption::Memory(m) => out.memory = Some(*m),
            CanonicalOption::Realloc(f) => out.realloc = Some(*f),
            CanonicalOption::PostReturn(f) => out.post_return = Some(*f),
            CanonicalOption::CoreType(_) => {}
            CanonicalOption::Async | CanonicalOption::Callback(_) => {
                bail!("async canonical options are not supported")
            }
            CanonicalOption::Gc => bail!("the `gc` canonical option is not supported"),
        }
    }
    Ok(out)
}

fn translate_canon(b: &mut Builder, canon: CanonicalFunction) -> Result<()> {
    let placeholder = || Arc::new(FuncType { params: Vec::new(), result: None });
    match canon {
        CanonicalFunction::Lift { core_func_index, type_index, options: o } => {
            b.lifts.push((b.inits.len(), type_index));
            b.inits.push(Init::Lift {
                core_func: core_func_index,
                ty: placeholder(),
                params: Arc::new([]),
                flat: Arc::new(abi::flatten_func(&placeholder(), Context::Lift)),
                options: options(&o)?,
            });
            b.func_count += 1;
        }
        CanonicalFunction::Lower { func_index, options: o } => {
            b.lowers.push((b.inits.len(), func_index));
            b.inits.push(Init::Lower {
                func: func_index,
                ty: placeholder(),
                params: Arc::new([]),
                options: options(&o)?,
            });
        }
        CanonicalFunction::ResourceNew { resource } => b.inits.push(Init::ResourceNew { ty: resource }),
        CanonicalFunction::ResourceDrop { resource } => b.inits.push(Init::ResourceDrop { ty: resource }),
        CanonicalFunction::ResourceRep { resource } => b.inits.push(Init::ResourceRep { ty: resource }),
        other => {
            bail!("canonical built-in {} is not supported (async and threads are not implemented)", canon_name(&other))
        }
    }
    Ok(())
}

fn canon_name(c: &CanonicalFunction) -> String {
    let s = format!("{c:?}");
    s.split([' ', '{', '(']).next().unwrap_or("").to_string()
}

/// Maps wasmparser's resource ids (unique within one validation) to
/// Kiln's dense ones, across the whole component tree, and caps the work
/// of converting types.
#[derive(Default)]
struct SharedResources {
    ids: HashMap<wasmparser::component_types::ResourceId, ResourceId>,
    converted: usize,
}

impl SharedResources {
    fn id(&mut self, id: wasmparser::component_types::ResourceId) -> ResourceId {
        let next = ResourceId(self.ids.len() as u32);
        *self.ids.entry(id).or_insert(next)
    }
}

/// A component being translated.
#[derive(Default)]
struct Builder {
    inits: Vec<Init>,
    /// Core modules by index: `Some` for those defined here.
    modules: Vec<Option<usize>>,
    /// Components by index: `Some` for those defined here.
    components: Vec<Option<Arc<ComponentDef>>>,
    type_count: u32,
    func_count: u32,
    instance_count: u32,
    /// Steps whose types are filled in at the end, when the validator's
    /// view of this component is complete: (step, index).
    lifts: Vec<(usize, u32)>,
    lowers: Vec<(usize, u32)>,
    imports: Vec<(usize, String)>,
    exports: Vec<String>,
    instantiations: Vec<(usize, u32)>,
    resource_defs: Vec<(usize, u32)>,
    type_aliases: Vec<(usize, u32)>,
    captures: Vec<Capture>,
}

impl Builder {
    fn push_module(&mut self, m: usize) {
        self.inits.push(Init::CoreModule(m));
        self.modules.push(Some(m));
    }

    /// Counts a new index of `sort` made by an import, alias or export.
    fn count(&mut self, sort: Sort) {
        match sort {
            Sort::Module => self.modules.push(None),
            Sort::Component => self.components.push(None),
            Sort::Func => self.func_count += 1,
            Sort::Type => self.type_count += 1,
            Sort::Instance => self.instance_count += 1,
        }
    }

    fn finish(mut self, types: &Types, shared: &mut SharedResources) -> Result<ComponentDef> {
        let types = types.as_ref();
        let mut conv = Converter { types, shared, funcs: HashMap::new() };
        for &(i, type_index) in &self.lifts {
            let ty = match types.component_any_type_at(type_index) {
                ComponentAnyTypeId::Func(id) => conv.func(id)?,
                _ => bail!("canon lift of a type that is not a function type"),
            };
            if let Init::Lift { ty: slot, params, flat, .. } = &mut self.inits[i] {
                *params = param_types(&ty);
                *flat = Arc::new(abi::flatten_func(&ty, Context::Lift));
                *slot = ty;
            }
        }
        for &(i, func_index) in &self.lowers {
            let ty = conv.func(types.component_function_at(func_index))?;
            if let Init::Lower { ty: slot, params, .. } = &mut self.inits[i] {
                *params = param_types(&ty);
                *slot = ty;
            }
        }
        for &(i, type_index) in self.resource_defs.iter().chain(&self.type_aliases) {
            let resource = match types.component_any_type_at(type_index) {
                ComponentAnyTypeId::Resource(r) => Some(conv.shared.id(r.resource())),
                _ => None,
            };
            match &mut self.inits[i] {
                Init::Type(TypeInit::Resource { id, .. }) => {
                    *id = resource.ok_or_else(|| anyhow!("resource definition without a resource type"))?
                }
                Init::Type(t @ TypeInit::Plain) => {
                    if let Some(r) = resource {
                        *t = TypeInit::Outer(r);
                    }
                }
                Init::AliasExport { resource: slot, .. } => *slot = resource,
                _ => {}
            }
        }
        let mut imports = Vec::new();
        for (i, name) in &self.imports {
            let item = types.component_item_for_import(name).ok_or_else(|| anyhow!("import `{name}` has no type"))?;
            let mut paths = Vec::new();
            conv.resource_paths(&item.ty, &mut Vec::new(), &mut paths);
            if let Init::Import { resources, .. } = &mut self.inits[*i] {
                *resources = paths;
            }
            imports.push((name.clone(), conv.item_type(&item.ty)?));
        }
        for &(i, instance_index) in &self.instantiations {
            let ty = ComponentEntityType::Instance(types.component_instance_at(instance_index));
            let mut paths = Vec::new();
            conv.resource_paths(&ty, &mut Vec::new(), &mut paths);
            if let Init::Instantiate { resources, .. } = &mut self.inits[i] {
                *resources = paths;
            }
        }
        let mut exports = Vec::new();
        for name in &self.exports {
            let item = types.component_item_for_export(name).ok_or_else(|| anyhow!("export `{name}` has no type"))?;
            exports.push((name.clone(), conv.item_type(&item.ty)?));
        }
        Ok(ComponentDef { inits: self.inits, imports, exports, captures: self.captures })
    }
}

/// Type conversion for one component, sharing resource ids with the tree.
struct Converter<'a, 'b> {
    types: TypesRef<'a>,
    shared: &'b mut SharedResources,
    funcs: HashMap<wasmparser::component_types::ComponentFuncTypeId, Arc<FuncType>>,
}

impl Converter<'_, '_> {
    fn func(&mut self, id: wasmparser::component_types::ComponentFuncTypeId) -> Result<Arc<FuncType>> {
        if let Some(f) = self.funcs.get(&id) {
            return Ok(f.clone());
        }
        let mut tc = TypeConverter::new(self.types);
        let ty = tc.func_type(id).map_err(|e| anyhow!("{e}"))?;
        // Resource ids from the per-call converter are renumbered through
        // the tree-wide map, so that handles agree across components.
        let ty = Arc::new(renumber_func(&ty, &tc, self.shared));
        self.shared.converted += type_nodes(&ty);
        if self.shared.converted > MAX_CONVERTED_TYPES {
            bail!("component types are too large: more than {MAX_CONVERTED_TYPES} type nodes in all");
        }
        self.funcs.insert(id, ty.clone());
        Ok(ty)
    }

    fn item_type(&mut self, ty: &ComponentEntityType) -> Result<ItemType> {
        Ok(match ty {
            ComponentEntityType::Module(_) => ItemType::Module,
            ComponentEntityType::Component(_) => ItemType::Component,
            ComponentEntityType::Func(id) => ItemType::Func(self.func(*id)?),
            ComponentEntityType::Value(_) => bail!("value imports and exports are not supported"),
            ComponentEntityType::Type { created, .. } => ItemType::Type(match created {
                ComponentAnyTypeId::Resource(r) => Some(self.shared.id(r.resource())),
                _ => None,
            }),
            ComponentEntityType::Instance(id) => {
                let types = self.types;
                let mut out = Vec::new();
                for (name, item) in &types[*id].exports {
                    out.push((name.clone(), self.item_type(&item.ty)?));
                }
                ItemType::Instance(out)
            }
        })
    }

    fn resource_paths(&mut self, ty: &ComponentEntityType, path: &mut Vec<String>, out: &mut Vec<ResourcePath>) {
        match ty {
            ComponentEntityType::Type { created: ComponentAnyTypeId::Resource(r), .. } => {
                out.push((path.clone(), self.shared.id(r.resource())));
            }
            ComponentEntityType::Instance(id) => {
                let types = self.types;
                for (name, item) in &types[*id].exports {
                    path.push(name.clone());
                    self.resource_paths(&item.ty, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
}

/// `ty` with its resource ids (numbered by `tc`) renumbered tree-wide.
fn renumber_func(ty: &FuncType, tc: &TypeConverter<'_>, shared: &mut SharedResources) -> FuncType {
    let map: HashMap<ResourceId, ResourceId> = tc.resources().map(|(wp, local)| (local, shared.id(wp))).collect();
    let mut ty = ty.clone();
    for (_, p) in &mut ty.params {
        p.map_resources(&map);
    }
    if let Some(r) = &mut ty.result {
        r.map_resources(&map);
    }
    ty
}

/// The parameter types of `ty` in a row, as the call paths pass them.
fn param_types(ty: &FuncType) -> Arc<[ValueType]> {
    ty.params.iter().map(|(_, t)| t.clone()).collect()
}

fn type_nodes(ty: &FuncType) -> usize {
    ty.params.iter().map(|(_, t)| t.node_count()).sum::<usize>() + ty.result.as_ref().map_or(0, |t| t.node_count())
}
