//! The Cranelift tier: translates validated function bodies to Cranelift IR
//! (`translate/`), compiles a module's functions in parallel (`compiler`),
//! and maps the machine code into executable memory (`code_memory`).
//!
//! Compiled code depends only on the run-time layout (`compile::VMOffsets`
//! and the structs of `vm/vmcontext.rs`), so it is store-independent.

mod artifact;
mod budget;
mod code_memory;
mod compiler;
mod libcalls;
mod module_code;
mod translate;
mod traps;

#[cfg(test)]
mod tests;

use crate::compile::{CompileError, CompileErrorKind};

/// An error for something this tier cannot compile.
pub(crate) fn unsupported(message: impl Into<String>) -> CompileError {
    CompileError::new(CompileErrorKind::Unsupported, message, None)
}

pub(crate) use artifact::{deserialize, host_features, serialize, Backing, BodyRanges};
pub(crate) use compiler::FuncRanges;
pub(crate) use module_code::{Compiler, Source};
pub(crate) use translate::MemoryMode;
