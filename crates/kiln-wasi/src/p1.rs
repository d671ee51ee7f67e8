//! WASI preview 1 under the names Wasmtime's `wasmtime_wasi::p1` uses, so
//! that embeddings written for Wasmtime port by renaming the crate:
//!
//! ```
//! use kiln::{Engine, Linker, Module, Store};
//! use kiln_wasi::p1::{self, WasiP1Ctx};
//! use kiln_wasi::WasiCtxBuilder;
//!
//! # fn main() -> kiln::Result<()> {
//! let engine = Engine::default();
//! let module = Module::new(&engine, r#"(module (memory (export "memory") 1) (func (export "_start")))"#)?;
//!
//! let mut linker: Linker<WasiP1Ctx> = Linker::new(&engine);
//! p1::add_to_linker_sync(&mut linker, |t| t)?;
//! let pre = linker.instantiate_pre(&module)?;
//!
//! let wasi_ctx = WasiCtxBuilder::new().arg("prog.wasm").build_p1();
//! let mut store = Store::new(&engine, wasi_ctx);
//! let instance = pre.instantiate(&mut store)?;
//! let func = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
//! func.call(&mut store, ())?;
//! # Ok(())
//! # }
//! ```
//!
//! Kiln implements preview 1 only, so the preview 1 context is simply
//! [`WasiCtx`](crate::WasiCtx), and [`add_to_linker_sync`] is
//! [`add_to_linker`](crate::add_to_linker) (there is no async variant).

use kiln::Linker;

/// The WASI context of a store running preview 1 modules: the same type as
/// [`WasiCtx`](crate::WasiCtx), made by
/// [`WasiCtxBuilder::build_p1`](crate::WasiCtxBuilder::build_p1) (or
/// `build`).
pub type WasiP1Ctx = crate::WasiCtx;

/// Defines every `wasi_snapshot_preview1` function in `linker`; `f` finds
/// the [`WasiP1Ctx`] in the store's data on each WASI call (so it should
/// be a plain projection, e.g. `|state| &mut state.wasi`, or `|t| t` when
/// the data is the context). The same as
/// [`add_to_linker`](crate::add_to_linker).
pub fn add_to_linker_sync<T: 'static>(
    linker: &mut Linker<T>,
    f: impl Fn(&mut T) -> &mut WasiP1Ctx + Copy + Send + Sync + 'static,
) -> anyhow::Result<()> {
    crate::add_to_linker(linker, f)
}
