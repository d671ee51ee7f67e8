//! The one place that knows the tiers: picks the one `Config::strategy`
//! asks for and runs it over a module. The API calls this, never a tier.

use crate::compile::{self, CompileError};
use crate::config::Strategy;
use crate::engine::Engine;
use crate::vm::ModuleArtifacts;
use crate::{interp, jit};

/// Whether the Cranelift tier can run on this host.
pub(crate) const JIT_AVAILABLE: bool =
    cfg!(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64")));

/// Decodes, validates and compiles `binary` with the engine's tier.
pub(crate) fn compile_module(engine: &Engine, binary: &[u8]) -> Result<ModuleArtifacts, CompileError> {
    let config = engine.config();
    let jit = match config.strategy {
        Strategy::Cranelift => true,
        Strategy::Auto => JIT_AVAILABLE,
        Strategy::Interpreter => false,
    };
    let (info, code) = match jit {
        true => {
            let mut compiler = jit::Compiler::new(config.wasm2_encoding);
            let info = compile::compile(engine, binary, &mut compiler)?;
            let options = jit::JitOptions::new(jit::MemoryMode::Explicit);
            let code = compiler.finish(&info, binary, compile::decoding_features(config), &options)?;
            (info, code)
        }
        false => {
            let mut compiler = interp::Compiler::new(config.wasm2_encoding);
            let info = compile::compile(engine, binary, &mut compiler)?;
            (info, compiler.finish())
        }
    };
    Ok(ModuleArtifacts { engine: engine.clone(), info, code })
}
