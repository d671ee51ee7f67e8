//! Compiled modules.

use crate::compile::{self, EntityIndex, ImportKind, ModuleInfo};
use crate::engine::Engine;
use crate::types::{ExportType, ExternType, ImportType};
use crate::vm::ModuleArtifacts;
use anyhow::{Context, Result};
use std::path::Path;
use std::sync::Arc;

/// A compiled WebAssembly module: validated and translated once, then
/// instantiated any number of times. Cheap to clone; `Send + Sync`.
#[derive(Clone)]
#[repr(transparent)]
pub struct Module {
    inner: Arc<ModuleArtifacts>,
}

impl Module {
    /// Compiles a module from its binary or text (WAT) form. Malformed or
    /// invalid input is an error carrying a [`CompileError`](crate::CompileError)
    /// with the byte offset of the problem.
    pub fn new(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Module> {
        let bytes = bytes.as_ref();
        // Text is UTF-8 and never starts with a NUL byte; anything else is
        // meant as a binary (a truncated or wrong magic number too), whose
        // error is the decoder's rather than the text parser's.
        match std::str::from_utf8(bytes) {
            Ok(text) if !text.starts_with('\0') => {
                let binary = wat::parse_str(text).context("failed to parse WebAssembly text")?;
                Module::from_binary(engine, &binary)
            }
            _ => Module::from_binary(engine, bytes),
        }
    }

    /// Compiles a module from its binary form only.
    pub fn from_binary(engine: &Engine, binary: &[u8]) -> Result<Module> {
        if crate::artifact::is_precompiled(binary) {
            anyhow::bail!(
                "this is a precompiled module, not a WebAssembly binary: load it with `Module::deserialize` \
                 (`kiln run --allow-precompiled`)"
            );
        }
        if wasmparser::Parser::is_component(binary) {
            anyhow::bail!(
                "this is a WebAssembly component, not a core module: load it with `kiln::component::Component::new`"
            );
        }
        let config = engine.config();
        // Only machine code is cached: an interpreter entry would hold the
        // binary alone, and loading one would cost what compiling does
        // (validation, and translation if it is eager).
        let artifacts = match &config.cache {
            Some(dir) if crate::tier::uses_jit(config) => crate::cache::load_or_compile(engine, dir, binary)?,
            _ => crate::tier::compile_module(engine, binary.to_vec().into())?,
        };
        Ok(Module { inner: Arc::new(artifacts) })
    }

    /// The module in a form that [`Module::deserialize`] loads without
    /// compiling it again: its binary and, under the JIT, its machine code,
    /// with what it was compiled for (Kiln's build, the host's CPU features,
    /// the engine's settings). Same as
    /// [`Engine::precompile_module`](crate::Engine::precompile_module) for a
    /// module already compiled.
    pub fn serialize(&self) -> Result<Vec<u8>> {
        crate::artifact::serialize(&self.inner)
    }

    /// Loads a module from the bytes of [`Module::serialize`] or
    /// [`Engine::precompile_module`]. An artifact made by another build of
    /// Kiln, for another host or CPU, or under settings that change
    /// compiled code (the tier, WebAssembly features, fuel, epochs, memory
    /// reservation) is refused with an error that says which. An interpreter
    /// artifact is compiled again from the binary it holds.
    ///
    /// # Safety
    ///
    /// The machine code in `bytes` is run as it is: the bytes must come
    /// from `serialize` or `precompile_module` (of this build of Kiln,
    /// which the checks above ensure) and must not have been changed since,
    /// by accident or by anyone you do not trust. Loading arbitrary bytes
    /// can run arbitrary code.
    pub unsafe fn deserialize(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Module> {
        let artifacts = crate::artifact::deserialize(engine, bytes.as_ref(), &crate::artifact::Input::Bytes)?;
        Ok(Module { inner: Arc::new(artifacts) })
    }

    /// Like [`Module::deserialize`], from a file, which is mapped rather
    /// than read: its code is used in place, so a large module loads in the
    /// time it takes to map it.
    ///
    /// # Safety
    ///
    /// As for [`Module::deserialize`]; and the file must not be changed or
    /// truncated while the module (or any instance of it) lives.
    pub unsafe fn deserialize_file(engine: &Engine, path: impl AsRef<Path>) -> Result<Module> {
        // SAFETY: the caller's promises are the ones this relies on.
        let artifacts = unsafe { crate::artifact::deserialize_file(engine, path.as_ref())? };
        Ok(Module { inner: Arc::new(artifacts) })
    }

    /// Compiles a module from a file holding its binary or text form.
    pub fn from_file(engine: &Engine, path: impl AsRef<Path>) -> Result<Module> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).with_context(|| format!("failed to read {}", path.display()))?;
        // As `Module::new`, with the file's name in text errors, and the
        // extension deciding where the bytes do not: a `.wat` file is text
        // (so a non-UTF-8 one is a text error), and a `.wasm` file that is
        // not WAT either is a binary that failed to decode, reported as one
        // (WAT in a `.wasm` file still works, as in Wasmtime).
        let has_extension = |ext: &str| path.extension().is_some_and(|e| e == ext);
        let text_like = matches!(std::str::from_utf8(&bytes), Ok(text) if !text.starts_with('\0'));
        let compiled = if text_like || has_extension("wat") {
            match wat::Parser::new().parse_bytes(Some(path), &bytes) {
                Ok(binary) => Module::from_binary(engine, &binary),
                Err(_) if has_extension("wasm") => Module::from_binary(engine, &bytes),
                Err(e) => Err(anyhow::Error::new(e).context("failed to parse WebAssembly text")),
            }
        } else {
            Module::from_binary(engine, &bytes)
        };
        compiled.with_context(|| format!("failed to compile {}", path.display()))
    }

    /// Checks that `binary` is a valid module for `engine`, without keeping
    /// the compiled result.
    pub fn validate(engine: &Engine, binary: &[u8]) -> Result<()> {
        let mut validator = wasmparser::Validator::new_with_features(engine.config().features);
        validator.validate_all(binary).map_err(compile::CompileError::from_validator)?;
        Ok(())
    }

    /// The module's name from its `name` section, if it has one.
    pub fn name(&self) -> Option<&str> {
        self.inner.info.name.as_deref()
    }

    /// The engine the module was compiled for.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The module's imports, in order.
    pub fn imports(&self) -> impl ExactSizeIterator<Item = ImportType<'_>> + '_ {
        let info = &self.inner.info;
        info.imports.iter().map(move |i| ImportType {
            module: &i.module,
            name: &i.name,
            ty: match &i.kind {
                ImportKind::Func(t) => ExternType::Func(info.types[*t as usize].clone()),
                ImportKind::Table(t) => ExternType::Table(*t),
                ImportKind::Memory(t) => ExternType::Memory(*t),
                ImportKind::Global(t) => ExternType::Global(*t),
            },
        })
    }

    /// The module's exports, in order.
    pub fn exports(&self) -> impl ExactSizeIterator<Item = ExportType<'_>> + '_ {
        self.inner.info.exports.iter().map(move |(name, index)| ExportType { name, ty: self.entity_type(*index) })
    }

    /// The type of one export, if the module has it.
    pub fn get_export(&self, name: &str) -> Option<ExternType> {
        self.inner.info.export(name).map(|i| self.entity_type(i))
    }

    pub(crate) fn entity_type(&self, index: EntityIndex) -> ExternType {
        let info = &self.inner.info;
        match index {
            EntityIndex::Func(f) => ExternType::Func(info.func_type(f).clone()),
            EntityIndex::Table(t) => ExternType::Table(info.tables[t as usize].ty),
            EntityIndex::Memory(m) => ExternType::Memory(info.memories[m as usize]),
            EntityIndex::Global(g) => ExternType::Global(info.globals[g as usize]),
        }
    }

    pub(crate) fn info(&self) -> &ModuleInfo {
        &self.inner.info
    }

    /// A module around artifacts compiled elsewhere (tests of the tiers).
    #[cfg(test)]
    pub(crate) fn from_artifacts_arc(inner: Arc<ModuleArtifacts>) -> Module {
        Module { inner }
    }

    pub(crate) fn artifacts(&self) -> &Arc<ModuleArtifacts> {
        &self.inner
    }

    /// The module whose artifacts an instance keeps.
    pub(crate) fn from_artifacts(artifacts: &Arc<ModuleArtifacts>) -> &Module {
        // SAFETY: `Module` is a `#[repr(transparent)]` wrapper of exactly
        // this `Arc`, so the reference can be reinterpreted.
        unsafe { &*(artifacts as *const Arc<ModuleArtifacts>).cast::<Module>() }
    }
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module").field("name", &self.name()).finish_non_exhaustive()
    }
}
