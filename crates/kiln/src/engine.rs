//! The engine: configuration and process-wide state shared by modules and stores.

use crate::config::Config;
use crate::type_registry::TypeRegistry;
use anyhow::Result;
use std::sync::Arc;

pub(crate) use crate::type_registry::SigId;

/// Compiles and runs WebAssembly. Create one per process and share it:
/// `Engine` is `Send + Sync` and cheap to clone.
#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<EngineInner>,
}

pub(crate) struct EngineInner {
    pub(crate) config: Config,
    pub(crate) memory: crate::vm::MemoryConfig,
    /// Function types in use by the engine's modules and stores.
    types: Arc<TypeRegistry>,
    /// The epoch counter compiled code compares deadlines against.
    epoch: std::sync::atomic::AtomicU64,
}

impl Engine {
    /// An engine with the given configuration. Fails when the configuration
    /// asks for something Kiln cannot do, naming it.
    pub fn new(config: &Config) -> Result<Engine> {
        config.check()?;
        let memory = crate::vm::MemoryConfig { reservation: config.memory_reservation, pool: Arc::default() };
        Ok(Engine {
            inner: Arc::new(EngineInner {
                config: config.clone(),
                memory,
                types: Arc::default(),
                epoch: Default::default(),
            }),
        })
    }

    /// The configuration this engine was made with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Are both handles the same engine?
    pub fn same(a: &Engine, b: &Engine) -> bool {
        Arc::ptr_eq(&a.inner, &b.inner)
    }

    /// Advances the engine's epoch by one. Code running in any store of
    /// this engine whose epoch deadline is reached is interrupted at its
    /// next function entry or loop iteration (with
    /// [`Config::epoch_interruption`](crate::Config::epoch_interruption)).
    /// Cheap (one atomic add) and callable from any thread, e.g. a timer
    /// thread that ticks every few milliseconds.
    pub fn increment_epoch(&self) {
        self.inner.epoch.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Compiles a module (binary or text) into bytes that
    /// [`Module::deserialize`](crate::Module::deserialize) loads without
    /// compiling it again, on this host or one with the same CPU features,
    /// with an engine of the same configuration.
    pub fn precompile_module(&self, bytes: &[u8]) -> Result<Vec<u8>> {
        let binary = wat::parse_bytes(bytes).map_err(|e| anyhow::anyhow!("failed to parse WebAssembly text: {e}"))?;
        let artifacts = crate::tier::compile_module(self, binary.into_owned().into())?;
        crate::artifact::serialize(&artifacts)
    }

    /// What `bytes` hold if they are a precompiled artifact (by their first
    /// bytes; nothing is checked beyond them), or `None`.
    pub fn detect_precompiled(bytes: &[u8]) -> Option<Precompiled> {
        crate::artifact::is_precompiled(bytes).then_some(Precompiled::Module)
    }

    /// The engine's current epoch.
    pub(crate) fn current_epoch(&self) -> u64 {
        self.inner.epoch.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Where the epoch counter is, for instances' contexts.
    pub(crate) fn epoch_ptr(&self) -> *const std::sync::atomic::AtomicU64 {
        &self.inner.epoch
    }

    /// Where modules and host functions register their types.
    pub(crate) fn type_registry(&self) -> &Arc<TypeRegistry> {
        &self.inner.types
    }

    /// How many distinct function types live modules and stores of this
    /// engine use. For tests: it goes back down as they are dropped.
    #[doc(hidden)]
    pub fn registered_type_count(&self) -> usize {
        self.inner.types.len()
    }
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new(&Config::new()).expect("the default configuration is valid")
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("config", &self.inner.config).finish()
    }
}

/// What a precompiled artifact holds ([`Engine::detect_precompiled`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Precompiled {
    /// A core module, for [`Module::deserialize`](crate::Module::deserialize).
    Module,
}
