//! What instantiation needs from a compiled module: the tier-free
//! description and one tier's code. The API's `Module` wraps this.

use super::vmcontext::VMArrayCallFn;
use crate::compile::{CompileError, DefinedFuncIndex, ModuleInfo};
use crate::engine::Engine;
use std::any::Any;
use std::ops::Range;
use std::sync::Arc;

/// A tier's code for one module. Code is store-independent (it reaches
/// everything through the instance's `VMContext`), so one `CompiledCode`
/// serves every store and thread. It may come in variants by how linear
/// memory is reached (design.md, "Memory reservations").
pub(crate) trait CompiledCode: Send + Sync + 'static {
    /// The code for an instance whose memories all have the full
    /// reservation and guard region (`guarded`), or not: code that omits
    /// bounds checks is never handed out for unguarded memories. May
    /// compile the variant on first use.
    fn for_memories(&self, info: &ModuleInfo, guarded: bool) -> Result<&(dyn CodeVariant + 'static), CompileError>;
    /// The function (index in the module) and wasm offset of machine code
    /// at `pc`, if `pc` is in one of this module's wasm functions.
    fn frame_at(&self, _pc: usize) -> Option<(u32, Option<usize>)> {
        None
    }
    /// For a tier to find its own code again (the interpreter calling an
    /// interpreted function of another instance).
    fn as_any(&self) -> &dyn Any;
}

/// One variant of a module's code: how to enter each defined function.
pub(crate) trait CodeVariant: Send + Sync + 'static {
    /// The array-call entry of a defined function.
    fn array_call(&self, func: DefinedFuncIndex) -> VMArrayCallFn;
    /// The native wasm-ABI entry of a defined function, or null when the
    /// tier has none (the interpreter).
    fn wasm_call(&self, func: DefinedFuncIndex) -> *const u8;
    /// The wasm bytecode offset of the instruction at `pc` of function
    /// `func`, for backtraces, if the tier knows it.
    fn wasm_offset(&self, _func: DefinedFuncIndex, _pc: usize) -> Option<usize> {
        None
    }
    /// The machine-code array entry of a defined function, for tiers that
    /// compile to machine code (whose `array_call` is
    /// `vm::native_array_call`); null otherwise.
    fn native_array_entry(&self, _func: DefinedFuncIndex) -> *const u8 {
        std::ptr::null()
    }
}

/// A compiled module as `vm/` sees it.
pub(crate) struct ModuleArtifacts {
    pub(crate) engine: Engine,
    pub(crate) info: ModuleInfo,
    pub(crate) code: Box<dyn CompiledCode>,
    /// The module's binary: to serialize the module, and for tiers that
    /// compile more code later.
    pub(crate) wasm: SharedBytes,
}

/// Bytes shared without copying: an owned buffer, or a range of a mapped
/// file (a precompiled module's binary).
#[derive(Clone)]
pub(crate) struct SharedBytes {
    owner: Arc<dyn AsRef<[u8]> + Send + Sync>,
    range: Range<usize>,
}

impl SharedBytes {
    /// `range` of what `owner` holds.
    pub(crate) fn new(owner: Arc<dyn AsRef<[u8]> + Send + Sync>, range: Range<usize>) -> SharedBytes {
        assert!(range.start <= range.end && range.end <= (*owner).as_ref().len(), "a range inside the bytes");
        SharedBytes { owner, range }
    }
}

impl SharedBytes {
    /// `range` of these bytes, sharing them.
    pub(crate) fn slice(&self, range: Range<usize>) -> SharedBytes {
        assert!(range.start <= range.end && range.end <= self.range.len(), "a range inside the bytes");
        SharedBytes { owner: self.owner.clone(), range: self.range.start + range.start..self.range.start + range.end }
    }
}

impl From<Vec<u8>> for SharedBytes {
    fn from(bytes: Vec<u8>) -> SharedBytes {
        let len = bytes.len();
        SharedBytes::new(Arc::new(bytes), 0..len)
    }
}

impl std::ops::Deref for SharedBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &(*self.owner).as_ref()[self.range.clone()]
    }
}
