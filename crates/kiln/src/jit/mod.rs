//! The Cranelift tier: translates validated function bodies to Cranelift IR
//! (`translate/`), compiles a module's functions in parallel (`compiler`),
//! and maps the machine code into executable memory (`code_memory`).
//!
//! Compiled code depends only on the run-time layout (`compile::VMOffsets`
//! and the structs of `vm/vmcontext.rs`), so it is store-independent.

// The runtime side (instantiation, trap handling) is not wired up yet: until
// it is, only the tests use these entry points.
#![allow(dead_code)]

mod code_memory;
mod compiler;
mod libcalls;
mod translate;
mod traps;

#[cfg(test)]
mod tests;

use crate::compile::{CompileError, CompileErrorKind};

/// An error for something this tier cannot compile.
pub(crate) fn unsupported(message: impl Into<String>) -> CompileError {
    CompileError::new(CompileErrorKind::Unsupported, message, None)
}

// The crate-facing entry points (used by tests until `vm/` loads JIT code).
#[allow(unused_imports)]
pub(crate) use code_memory::CodeMemory;
#[allow(unused_imports)]
pub(crate) use compiler::{compile_module, CompiledCode, FuncRanges, JitOptions, RelocTarget, Relocation};
#[allow(unused_imports)]
pub(crate) use translate::MemoryMode;
#[allow(unused_imports)]
pub(crate) use traps::trap_for_code;
