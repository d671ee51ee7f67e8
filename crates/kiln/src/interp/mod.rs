//! The interpreter tier: a compact slot-based IR (`ir`), the translator from
//! wasm (`translate`), and the executor (`exec`).

mod exec;
mod ir;
mod translate;

pub(crate) use exec::call_wasm;
pub(crate) use ir::CompiledFunc;
pub(crate) use translate::Translator;
