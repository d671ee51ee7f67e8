//! The component model: components, their linker and instances, and the
//! canonical ABI between component values and core WebAssembly.
//!
//! A [`Component`] is compiled once per engine; a [`Linker`] holds the
//! host's definitions for its imports (functions, resource types,
//! interfaces as instances, matched by name, interface versions by semver);
//! [`Linker::instantiate_pre`] resolves and checks them once, and each
//! [`InstancePre::instantiate`] makes a fresh [`Instance`] in a store.
//! Functions are called with dynamic [`Val`]s ([`Func::call`]) or with Rust
//! types ([`TypedFunc`], [`LinkerInstance::func_wrap`]). WASI 0.2 is
//! `kiln_wasi::p2::add_to_linker_sync`.
//!
//! ```
//! use kiln::component::{Component, Linker};
//! use kiln::{Engine, Store};
//! # fn main() -> anyhow::Result<()> {
//! let engine = Engine::default();
//! let component = Component::new(&engine, r#"(component
//!     (import "log" (func $log (param "msg" string)))
//!     (core module $libc (memory (export "memory") 1))
//!     (core instance $libc (instantiate $libc))
//!     (core func $log (canon lower (func $log) (memory (core memory $libc "memory"))))
//!     (core module $m
//!         (import "libc" "memory" (memory 1))
//!         (import "host" "log" (func $log (param i32 i32)))
//!         (data (i32.const 8) "hi from the guest")
//!         (func (export "run") (param i32) (result i32)
//!             (call $log (i32.const 8) (i32.const 17))
//!             (i32.mul (local.get 0) (i32.const 2))))
//!     (core instance $i (instantiate $m
//!         (with "libc" (instance $libc))
//!         (with "host" (instance (export "log" (func $log))))))
//!     (func (export "double") (param "x" u32) (result u32)
//!         (canon lift (core func $i "run"))))"#)?;
//!
//! let mut linker = Linker::<Vec<String>>::new(&engine);
//! linker.root().func_wrap("log", |mut store, (msg,): (String,)| {
//!     store.data_mut().push(msg);
//!     Ok(())
//! })?;
//! let pre = linker.instantiate_pre(&component)?;
//!
//! let mut store = Store::new(&engine, Vec::new());
//! let instance = pre.instantiate(&mut store)?;
//! let double = instance.get_typed_func::<(u32,), (u32,)>(&mut store, "double")?;
//! assert_eq!(double.call(&mut store, (21,))?, (42,));
//! assert_eq!(store.data(), &["hi from the guest"]);
//! # Ok(())
//! # }
//! ```
//!
//! The canonical ABI's rules are enforced at run time: a component
//! instance is not re-entered, not used after it trapped, and a guest that
//! hands over a bad value (invalid UTF-8, an out-of-bounds pointer, a bad
//! discriminant, a dead handle) gets a trap with a message.
//!
//! Not supported yet: the async ABI (`async` functions, `future`,
//! `stream`, `error-context`), threads, and value imports/exports.

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

pub use component::{Component, ComponentItemKind, ComponentTypeInfo};
pub use instance::{ComponentExportIndex, Func, Instance, InstanceExportLookup, InstancePre, TypedFunc};
pub use linker::{Linker, LinkerInstance};
pub use resource_table::{ResourceTable, ResourceTableError};
pub use resources::{Resource, ResourceAny, ResourceType};
pub use ty::Type;
pub use typed::{ComponentNamedList, ComponentType, Lift, Lower};
pub use values::Val;
#[cfg(test)]
mod tests;
