//! The engine: configuration and process-wide state shared by modules and stores.

use crate::config::Config;
use crate::types::FuncType;
use anyhow::Result;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A canonical id for a function type, unique within an engine: two
/// structurally equal types have the same id, so `call_indirect` checks a
/// signature with one integer compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct SigId(pub(crate) u32);

/// Compiles and runs WebAssembly. Create one per process and share it:
/// `Engine` is `Send + Sync` and cheap to clone.
#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<EngineInner>,
}

pub(crate) struct EngineInner {
    pub(crate) config: Config,
    pub(crate) memory: crate::vm::MemoryConfig,
    signatures: Mutex<SignatureRegistry>,
    /// The epoch counter compiled code compares deadlines against.
    epoch: std::sync::atomic::AtomicU64,
}

#[derive(Default)]
struct SignatureRegistry {
    ids: HashMap<FuncType, SigId>,
    types: Vec<FuncType>,
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
                signatures: Mutex::default(),
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

    /// Where the epoch counter is, for instances' contexts.
    pub(crate) fn epoch_ptr(&self) -> *const std::sync::atomic::AtomicU64 {
        &self.inner.epoch
    }

    pub(crate) fn register_signature(&self, ty: &FuncType) -> SigId {
        let mut reg = self.inner.signatures.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(id) = reg.ids.get(ty) {
            return *id;
        }
        let id = SigId(reg.types.len() as u32);
        reg.types.push(ty.clone());
        reg.ids.insert(ty.clone(), id);
        id
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
