//! The store's limits at work: every creation and growth of a memory or
//! table, from wasm or from the host, asks the store's `ResourceLimiter`
//! (or, without one, the defaults that protect a host that set nothing).

use super::store::{MemoryId, StoreOpaque, TableId};
use super::{LinearMemory, Table, WASM_PAGE_SIZE};
use crate::compile::ModuleInfo;
use crate::limits::{self, ResourceLimiter};
use anyhow::{anyhow, bail, Result};

/// Finds the limiter of the typed store around an untyped one.
pub(crate) type LimiterLookup = fn(&mut StoreOpaque) -> Option<&mut dyn ResourceLimiter>;

fn bytes(pages: u64) -> usize {
    (pages as usize).saturating_mul(WASM_PAGE_SIZE)
}

impl StoreOpaque {
    fn limiter(&mut self) -> Option<&mut dyn ResourceLimiter> {
        let lookup = self.limiter?;
        lookup(self)
    }

    /// The most instances, tables and memories this store may hold.
    fn count_limits(&mut self) -> (usize, usize, usize) {
        match self.limiter() {
            Some(l) => (l.instances(), l.tables(), l.memories()),
            None => (limits::DEFAULT_INSTANCE_LIMIT, limits::DEFAULT_TABLE_LIMIT, limits::DEFAULT_MEMORY_LIMIT),
        }
    }

    /// Whether new tables of `minimums` elements may be created.
    fn tables_allowed(&mut self, minimums: &[(u64, Option<u64>)]) -> Result<bool> {
        match self.limiter() {
            Some(l) => {
                for (min, max) in minimums {
                    if !l.table_growing(0, *min as usize, max.map(|m| m as usize))? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            None => {
                let total = minimums.iter().fold(self.table_elements, |sum, (min, _)| sum.saturating_add(*min));
                Ok(total <= limits::DEFAULT_STORE_TABLE_ELEMENTS)
            }
        }
    }

    /// Checks, before anything is created, that instantiating `info` stays
    /// within the store's limits: counts, and the minimum sizes of the
    /// memories and tables it defines.
    pub(crate) fn check_instantiation(&mut self, info: &ModuleInfo) -> Result<()> {
        let memories = &info.memories[info.num_imported_memories as usize..];
        let tables = &info.tables[info.num_imported_tables as usize..];
        let (max_instances, max_tables, max_memories) = self.count_limits();
        if self.instances.len() >= max_instances {
            bail!("instantiation would exceed the store's limit of {max_instances} instances");
        }
        if self.tables.len() + tables.len() > max_tables {
            bail!("instantiation would exceed the store's limit of {max_tables} tables");
        }
        if self.memories.len() + memories.len() > max_memories {
            bail!("instantiation would exceed the store's limit of {max_memories} memories");
        }
        for ty in memories {
            self.check_new_memory_size(ty.minimum(), ty.maximum())?;
        }
        let minimums: Vec<(u64, Option<u64>)> = tables.iter().map(|t| (t.ty.minimum(), t.ty.maximum())).collect();
        if !self.tables_allowed(&minimums)? {
            let total: u64 = minimums.iter().map(|(min, _)| min).sum();
            bail!(
                "the module's tables ({total} elements in all) exceed the store's table limits{}",
                if self.limiter.is_none() {
                    format!(
                        " (without a limiter a store's tables hold at most {} elements; see `Store::limiter`)",
                        limits::DEFAULT_STORE_TABLE_ELEMENTS
                    )
                } else {
                    String::new()
                }
            );
        }
        Ok(())
    }

    fn check_new_memory_size(&mut self, min: u64, max: Option<u64>) -> Result<()> {
        if let Some(l) = self.limiter() {
            if !l.memory_growing(0, bytes(min), max.map(bytes))? {
                bail!("memory minimum size of {min} pages exceeds the store's memory limits");
            }
        }
        Ok(())
    }

    /// Creates a memory for the host (`Memory::new`), within the limits.
    pub(crate) fn new_host_memory(&mut self, min: u64, max: Option<u64>) -> Result<MemoryId> {
        let (_, _, max_memories) = self.count_limits();
        if self.memories.len() >= max_memories {
            bail!("creating a memory would exceed the store's limit of {max_memories} memories");
        }
        self.check_new_memory_size(min, max)?;
        let memory = LinearMemory::new(min, max, &self.engine.inner.memory)?;
        Ok(self.push_memory(memory))
    }

    /// Creates a table for the host (`Table::new`), within the limits.
    pub(crate) fn new_host_table(&mut self, ty: crate::types::TableType, init: usize) -> Result<TableId> {
        let (_, max_tables, _) = self.count_limits();
        if self.tables.len() >= max_tables {
            bail!("creating a table would exceed the store's limit of {max_tables} tables");
        }
        if !self.tables_allowed(&[(ty.minimum(), ty.maximum())])? {
            bail!("table minimum size of {} elements exceeds the store's table limits", ty.minimum());
        }
        let table = Table::new(ty, init)?;
        Ok(self.push_table(table))
    }

    /// Grows memory `id` by `delta` pages: the old size in pages, `None`
    /// when it may not or cannot grow (wasm's -1), or the limiter's error.
    pub(crate) fn grow_memory(&mut self, id: MemoryId, delta: u64) -> Result<Option<u64>> {
        let memory = &self.memories[id.index()];
        let old = memory.pages();
        if delta == 0 {
            return Ok(Some(old));
        }
        let Some(new) = old.checked_add(delta).filter(|new| *new <= memory.max_pages()) else {
            return Ok(None);
        };
        let maximum = memory.declared_max().map(bytes);
        if let Some(l) = self.limiter() {
            if !l.memory_growing(bytes(old), bytes(new), maximum)? {
                return Ok(None);
            }
        }
        match self.memories[id.index()].grow(delta) {
            Some(old) => Ok(Some(old)),
            None => {
                if let Some(l) = self.limiter() {
                    l.memory_grow_failed(anyhow!("the host refused to grow a memory to {} bytes", bytes(new)))?;
                }
                Ok(None)
            }
        }
    }

    /// Grows table `id` by `delta` elements set to `init`, as `grow_memory`.
    pub(crate) fn grow_table(&mut self, id: TableId, delta: u32, init: usize) -> Result<Option<u32>> {
        let table = &self.tables[id.index()];
        let old = table.size();
        if delta == 0 {
            return Ok(Some(old));
        }
        let new = old as u64 + delta as u64;
        let maximum = table.ty.maximum();
        if new > maximum.unwrap_or(u32::MAX as u64) {
            return Ok(None);
        }
        let allowed = match self.limiter() {
            Some(l) => l.table_growing(old as usize, new as usize, maximum.map(|m| m as usize))?,
            None => self.table_elements.saturating_add(delta as u64) <= limits::DEFAULT_STORE_TABLE_ELEMENTS,
        };
        if !allowed {
            return Ok(None);
        }
        match self.tables[id.index()].grow(delta, init) {
            Some(old) => {
                self.table_elements += delta as u64;
                Ok(Some(old))
            }
            None => {
                if let Some(l) = self.limiter() {
                    l.table_grow_failed(anyhow!("the host could not grow a table to {new} elements"))?;
                }
                Ok(None)
            }
        }
    }
}
