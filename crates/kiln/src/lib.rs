//! Kiln: a WebAssembly runtime.
//!
//! Compile a module once with an [`Engine`], then give each tenant (each
//! request, each plug-in) its own [`Store`] and [`Instance`]. Host functions
//! are plain Rust closures; calls are statically typed with [`TypedFunc`].
//!
//! ```
//! use kiln::{Caller, Engine, Linker, Module, Store};
//!
//! # fn main() -> anyhow::Result<()> {
//! let engine = Engine::default();
//! let module = Module::new(
//!     &engine,
//!     r#"(module
//!          (import "host" "log" (func $log (param i32)))
//!          (func (export "run") (param i32) (result i32)
//!            local.get 0
//!            call $log
//!            local.get 0
//!            i32.const 1
//!            i32.add))"#,
//! )?;
//!
//! let mut linker = Linker::<Vec<i32>>::new(&engine);
//! linker.func_wrap("host", "log", |mut caller: Caller<'_, Vec<i32>>, x: i32| {
//!     caller.data_mut().push(x);
//! })?;
//!
//! let mut store = Store::new(&engine, Vec::new());
//! let instance = linker.instantiate(&mut store, &module)?;
//! let run = instance.get_typed_func::<i32, i32>(&mut store, "run")?;
//! assert_eq!(run.call(&mut store, 41)?, 42);
//! assert_eq!(store.data(), &[41]);
//! # Ok(())
//! # }
//! ```
//!
//! A server that makes one instance per request resolves and type-checks
//! the imports once, with [`Linker::instantiate_pre`]; each request then
//! only allocates and initialises its instance:
//!
//! ```
//! # use kiln::{Engine, Linker, Module, Store};
//! # fn main() -> kiln::Result<()> {
//! let engine = Engine::default();
//! let module = Module::new(
//!     &engine,
//!     r#"(module (import "host" "twice" (func $twice (param i32) (result i32)))
//!                (func (export "handle") (param i32) (result i32) (call $twice (local.get 0))))"#,
//! )?;
//! let mut linker = Linker::<()>::new(&engine);
//! linker.func_wrap("host", "twice", |x: i32| x * 2)?;
//! let pre = linker.instantiate_pre(&module)?;
//! for request in 0..3 {
//!     let mut store = Store::new(&engine, ());
//!     let instance = pre.instantiate(&mut store)?;
//!     let handle = instance.get_typed_func::<i32, i32>(&mut store, "handle")?;
//!     assert_eq!(handle.call(&mut store, request)?, 2 * request);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! The API has the shapes of Wasmtime's: code written for Wasmtime usually
//! compiles with the crate renamed.
//!
//! Traps come back as errors holding a [`Trap`]:
//!
//! ```
//! # use kiln::{Engine, Instance, Module, Store, Trap};
//! # fn main() -> anyhow::Result<()> {
//! let engine = Engine::default();
//! let module = Module::new(&engine, r#"(module (func (export "boom") unreachable))"#)?;
//! let mut store = Store::new(&engine, ());
//! let instance = Instance::new(&mut store, &module, &[])?;
//! let boom = instance.get_typed_func::<(), ()>(&mut store, "boom")?;
//! let err = boom.call(&mut store, ()).unwrap_err();
//! assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::UnreachableCodeReached));
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]
#![warn(clippy::undocumented_unsafe_blocks)]

mod artifact;
mod cache;
mod compile;
pub mod component;
mod config;
mod engine;
mod func;
mod global;
mod instance;
mod interp;
mod jit;
mod limits;
mod linker;
mod memory;
mod module;
mod store;
mod table;
mod tier;
mod trap;
mod type_registry;
mod types;
mod values;
mod vm;

pub use compile::{CompileError, CompileErrorKind};
pub use config::{Config, Strategy};
pub use engine::{Engine, Precompiled};
pub use func::{Caller, Func, IntoFunc, TypedFunc, WasmParams, WasmResults, WasmRet, WasmTy};
pub use global::Global;
pub use instance::{Export, Extern, Instance, InstancePre};
pub use limits::{
    ResourceLimiter, StoreLimits, StoreLimitsBuilder, DEFAULT_INSTANCE_LIMIT, DEFAULT_MEMORY_LIMIT,
    DEFAULT_STORE_TABLE_ELEMENTS, DEFAULT_TABLE_LIMIT,
};
pub use linker::{Linker, UnknownImportError};
pub use memory::{Memory, MemoryAccessError};
pub use module::Module;
pub use store::{AsContext, AsContextMut, Store, StoreContext, StoreContextMut, UpdateDeadline};
pub use table::Table;
pub use trap::{FrameInfo, Trap, WasmBacktrace};
pub use types::{
    ExportType, ExternType, FuncType, GlobalType, HeapType, ImportType, MemoryType, Mutability, RefType, TableType,
    ValType,
};
pub use values::{ExternRef, Ref, Val, V128};
pub use vm::ValRaw;

/// Errors are `anyhow` errors.
pub type Result<T, E = anyhow::Error> = anyhow::Result<T, E>;
pub use anyhow::Error;
/// `anyhow`'s error macros, so that code written for Wasmtime
/// (`wasmtime::bail!`, ...) needs no `anyhow` dependency of its own.
pub use anyhow::{bail, ensure, format_err};
