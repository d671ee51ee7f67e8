//! The one place that knows the tiers: picks the one `Config::strategy`
//! asks for and runs it over a module. The API calls this, never a tier.

use crate::compile::{self, CompileError};
use crate::engine::Engine;
use crate::interp;
use crate::vm::ModuleArtifacts;

/// Decodes, validates and compiles `binary` with the engine's tier.
pub(crate) fn compile_module(engine: &Engine, binary: &[u8]) -> Result<ModuleArtifacts, CompileError> {
    let mut compiler = interp::Compiler::new(engine.config().wasm2_encoding);
    let info = compile::compile(engine, binary, &mut compiler)?;
    Ok(ModuleArtifacts { engine: engine.clone(), info, code: compiler.finish() })
}
