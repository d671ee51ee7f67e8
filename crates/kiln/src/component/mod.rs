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
pub(crate) mod cx;
mod resources;
pub(crate) mod typed;
pub(crate) mod types;
pub(crate) mod values;

pub use resources::{Resource, ResourceAny, ResourceType};
