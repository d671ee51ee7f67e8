//! Limits on what a store's guests may take: the `ResourceLimiter` a host
//! installs with `Store::limiter`, and `StoreLimits`, a ready-made one.

use anyhow::{bail, Result};

/// How many instances, tables or memories a store may hold when its limiter
/// does not say otherwise (as in Wasmtime).
pub const DEFAULT_INSTANCE_LIMIT: usize = 10_000;
/// See [`DEFAULT_INSTANCE_LIMIT`].
pub const DEFAULT_TABLE_LIMIT: usize = 10_000;
/// See [`DEFAULT_INSTANCE_LIMIT`].
pub const DEFAULT_MEMORY_LIMIT: usize = 10_000;

/// The most table elements all tables of a store may hold together when
/// the store has no limiter: a guest cannot make the host allocate more
/// than 80 MB of tables (many tables, each grown to its maximum) unless the
/// host installs a limiter that allows it.
pub const DEFAULT_STORE_TABLE_ELEMENTS: u64 = 10_000_000;

/// Decides whether a store's memories and tables may grow, and how many
/// instances, tables and memories it may hold. Installed with
/// [`Store::limiter`](crate::Store::limiter); consulted when a memory or
/// table is created (with `current` = 0) and whenever one grows, from wasm
/// (`memory.grow`, `table.grow`) or the host.
///
/// Refusing (returning `Ok(false)`) makes the growth fail as the spec says
/// (`memory.grow` returns -1) and makes instantiation fail with an error;
/// returning an error traps the running wasm code with it.
pub trait ResourceLimiter {
    /// A memory wants to grow from `current` to `desired` bytes; `maximum`
    /// is what its type allows.
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> Result<bool>;

    /// A growth this limiter allowed failed anyway (the host refused the
    /// memory). Returning an error traps instead of returning -1.
    fn memory_grow_failed(&mut self, error: anyhow::Error) -> Result<()> {
        let _ = error;
        Ok(())
    }

    /// A table wants to grow from `current` to `desired` elements;
    /// `maximum` is what its type allows.
    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> Result<bool>;

    /// A growth this limiter allowed failed anyway. Returning an error
    /// traps instead of returning -1.
    fn table_grow_failed(&mut self, error: anyhow::Error) -> Result<()> {
        let _ = error;
        Ok(())
    }

    /// The most instances the store may hold.
    fn instances(&self) -> usize {
        DEFAULT_INSTANCE_LIMIT
    }

    /// The most tables the store may hold.
    fn tables(&self) -> usize {
        DEFAULT_TABLE_LIMIT
    }

    /// The most memories the store may hold.
    fn memories(&self) -> usize {
        DEFAULT_MEMORY_LIMIT
    }
}

/// A `ResourceLimiter` with fixed caps, built by [`StoreLimitsBuilder`].
/// Keep it in the store's data and return it from the closure given to
/// [`Store::limiter`](crate::Store::limiter).
#[derive(Clone, Debug)]
pub struct StoreLimits {
    memory_size: Option<usize>,
    table_elements: Option<usize>,
    instances: usize,
    tables: usize,
    memories: usize,
    trap_on_grow_failure: bool,
}

impl Default for StoreLimits {
    fn default() -> Self {
        StoreLimits {
            memory_size: None,
            table_elements: None,
            instances: DEFAULT_INSTANCE_LIMIT,
            tables: DEFAULT_TABLE_LIMIT,
            memories: DEFAULT_MEMORY_LIMIT,
            trap_on_grow_failure: false,
        }
    }
}

/// Builds [`StoreLimits`].
#[derive(Clone, Debug, Default)]
pub struct StoreLimitsBuilder(StoreLimits);

impl StoreLimitsBuilder {
    /// No caps beyond the default counts.
    pub fn new() -> Self {
        Self::default()
    }
    /// The most bytes any one linear memory may have.
    pub fn memory_size(mut self, bytes: usize) -> Self {
        self.0.memory_size = Some(bytes);
        self
    }
    /// The most elements any one table may have.
    pub fn table_elements(mut self, elements: usize) -> Self {
        self.0.table_elements = Some(elements);
        self
    }
    /// The most instances the store may hold.
    pub fn instances(mut self, n: usize) -> Self {
        self.0.instances = n;
        self
    }
    /// The most tables the store may hold.
    pub fn tables(mut self, n: usize) -> Self {
        self.0.tables = n;
        self
    }
    /// The most memories the store may hold.
    pub fn memories(mut self, n: usize) -> Self {
        self.0.memories = n;
        self
    }
    /// Whether growing past a cap traps (instead of failing with -1, as the
    /// spec's `memory.grow` and `table.grow` do).
    pub fn trap_on_grow_failure(mut self, trap: bool) -> Self {
        self.0.trap_on_grow_failure = trap;
        self
    }
    /// The limits.
    pub fn build(self) -> StoreLimits {
        self.0
    }
}

impl ResourceLimiter for StoreLimits {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> Result<bool> {
        let _ = (current, maximum);
        match self.memory_size {
            Some(limit) if desired > limit => {
                if self.trap_on_grow_failure {
                    bail!("memory of {desired} bytes exceeds the store's limit of {limit} bytes");
                }
                Ok(false)
            }
            _ => Ok(true),
        }
    }

    fn memory_grow_failed(&mut self, error: anyhow::Error) -> Result<()> {
        if self.trap_on_grow_failure {
            return Err(error.context("failed to grow memory"));
        }
        Ok(())
    }

    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> Result<bool> {
        let _ = (current, maximum);
        match self.table_elements {
            Some(limit) if desired > limit => {
                if self.trap_on_grow_failure {
                    bail!("table of {desired} elements exceeds the store's limit of {limit} elements");
                }
                Ok(false)
            }
            _ => Ok(true),
        }
    }

    fn table_grow_failed(&mut self, error: anyhow::Error) -> Result<()> {
        if self.trap_on_grow_failure {
            return Err(error.context("failed to grow table"));
        }
        Ok(())
    }

    fn instances(&self) -> usize {
        self.instances
    }
    fn tables(&self) -> usize {
        self.tables
    }
    fn memories(&self) -> usize {
        self.memories
    }
}
