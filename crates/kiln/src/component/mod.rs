//! The component model: components, their linker and instances, and the
//! canonical ABI between component values and core WebAssembly.
//!
//! Being built (issue 8). Here so far: Kiln's own representation of
//! component value and function types ([`types`]), the canonical ABI's
//! layout ([`abi`]) and value lifting/lowering ([`values`], over the call
//! contexts of [`cx`]), and resource types and handles ([`resources`]).

// Parts of this module are not reached from the runtime yet; this goes
// when the component runtime is complete.
#![allow(dead_code)]

pub(crate) mod abi;
mod call;
#[allow(clippy::module_inception)]
mod component;
pub(crate) mod cx;
mod handles;
mod instance;
mod instantiate;
mod linker;
mod resource_table;
mod resources;
pub(crate) mod store;
mod translate;
mod ty;
pub(crate) mod typed;
pub(crate) mod types;
pub(crate) mod values;
mod wave;

pub use component::{Component, ComponentItemKind};
pub use instance::{ComponentExportIndex, Func, Instance, InstanceExportLookup, InstancePre, TypedFunc};
pub use linker::{Linker, LinkerInstance};
pub use resource_table::{ResourceTable, ResourceTableError};
pub use resources::{Resource, ResourceAny, ResourceType};
pub use ty::Type;
pub use typed::{ComponentNamedList, ComponentType, Lift, Lower};
pub use values::Val;
#[cfg(test)]
mod tests;
