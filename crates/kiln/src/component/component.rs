//! `Component`: a compiled component, ready to instantiate in any store of
//! its engine.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, Result};

use super::translate::{self, ItemType, Translation};
use crate::engine::Engine;

/// A compiled WebAssembly component. Cheap to clone (a shared handle).
///
/// ```
/// use kiln::component::Component;
/// use kiln::Engine;
/// # fn main() -> anyhow::Result<()> {
/// let engine = Engine::default();
/// let component = Component::new(&engine, "(component)")?;
/// assert_eq!(component.imports().count(), 0);
/// assert_eq!(component.component_type().exports().count(), 0);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Component {
    pub(crate) inner: Arc<ComponentInner>,
}

pub(crate) struct ComponentInner {
    pub(crate) engine: Engine,
    pub(crate) translation: Translation,
}

/// What kind of item a component imports or exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ComponentItemKind {
    /// A core module.
    Module,
    /// A component.
    Component,
    /// A component function.
    Func,
    /// A resource type.
    Resource,
    /// A value, function, instance or component type.
    Type,
    /// A component instance (usually a WIT interface).
    Instance,
}

impl Component {
    /// Compiles a component from its binary or text form. Malformed or
    /// invalid input is an error saying what is wrong and where.
    pub fn new(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Component> {
        let bytes = bytes.as_ref();
        match std::str::from_utf8(bytes) {
            Ok(text) if !text.starts_with('\0') => {
                let binary = wat::parse_str(text).context("failed to parse WebAssembly text")?;
                Component::from_binary(engine, &binary)
            }
            _ => Component::from_binary(engine, bytes),
        }
    }

    /// Compiles a component from its binary form.
    pub fn from_binary(engine: &Engine, binary: &[u8]) -> Result<Component> {
        if binary.starts_with(b"\0asm") && !wasmparser::Parser::is_component(binary) {
            anyhow::bail!("this is a core WebAssembly module, not a component: load it with `Module::new`");
        }
        let translation = translate::translate(engine, binary)?;
        Ok(Component { inner: Arc::new(ComponentInner { engine: engine.clone(), translation }) })
    }

    /// Compiles the component in the file at `path` (binary or text).
    pub fn from_file(engine: &Engine, path: impl AsRef<Path>) -> Result<Component> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).with_context(|| format!("failed to read `{}`", path.display()))?;
        Component::new(engine, bytes).with_context(|| format!("failed to compile `{}`", path.display()))
    }

    /// The engine the component was compiled for.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The component's type: its imports and exports (Wasmtime's shape).
    pub fn component_type(&self) -> ComponentTypeInfo {
        ComponentTypeInfo { component: self.clone() }
    }

    /// The component's imports: names and kinds, in order.
    pub fn imports(&self) -> impl ExactSizeIterator<Item = (&str, ComponentItemKind)> + '_ {
        self.inner.translation.root.imports.iter().map(|(n, t)| (n.as_str(), kind(t)))
    }

    /// The component's exports: names and kinds, in order.
    pub fn exports(&self) -> impl ExactSizeIterator<Item = (&str, ComponentItemKind)> + '_ {
        self.inner.translation.root.exports.iter().map(|(n, t)| (n.as_str(), kind(t)))
    }

    /// The names of the functions the component exports, at the top level
    /// (`name`) and inside exported instances (`interface#name`), in
    /// order.
    pub fn exported_functions(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (name, ty) in &self.inner.translation.root.exports {
            match ty {
                ItemType::Func(_) => out.push(name.clone()),
                ItemType::Instance(items) => {
                    for (f, t) in items {
                        if let ItemType::Func(_) = t {
                            out.push(format!("{name}#{f}"));
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }
}

/// A component's type ([`Component::component_type`]).
#[derive(Clone)]
pub struct ComponentTypeInfo {
    component: Component,
}

impl ComponentTypeInfo {
    /// The imports: names and kinds, in order.
    pub fn imports(&self) -> impl ExactSizeIterator<Item = (&str, ComponentItemKind)> + '_ {
        self.component.imports()
    }

    /// The exports: names and kinds, in order.
    pub fn exports(&self) -> impl ExactSizeIterator<Item = (&str, ComponentItemKind)> + '_ {
        self.component.exports()
    }
}

fn kind(t: &ItemType) -> ComponentItemKind {
    match t {
        ItemType::Module => ComponentItemKind::Module,
        ItemType::Component => ComponentItemKind::Component,
        ItemType::Func(_) => ComponentItemKind::Func,
        ItemType::Type(Some(_)) => ComponentItemKind::Resource,
        ItemType::Type(None) => ComponentItemKind::Type,
        ItemType::Instance(_) => ComponentItemKind::Instance,
    }
}
