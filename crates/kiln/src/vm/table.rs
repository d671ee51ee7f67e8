//! Tables of references.

use crate::types::TableType;

/// The most elements a table may have, whatever its type says: keeps a
/// hostile module from making the host allocate without bound.
pub(crate) const MAX_TABLE_ELEMENTS: u64 = 10_000_000;

/// A table: reference slots (see `interp::ir` for their representation).
pub(crate) struct Table {
    pub(crate) ty: TableType,
    pub(crate) elements: Vec<u64>,
}

impl Table {
    pub(crate) fn new(ty: TableType, init: u64) -> anyhow::Result<Table> {
        if ty.minimum() > MAX_TABLE_ELEMENTS {
            anyhow::bail!("table minimum of {} elements exceeds Kiln's limit of {MAX_TABLE_ELEMENTS}", ty.minimum());
        }
        Ok(Table { ty, elements: vec![init; ty.minimum() as usize] })
    }

    pub(crate) fn size(&self) -> u32 {
        self.elements.len() as u32
    }

    /// Grows by `delta` elements set to `init`; returns the old size, or
    /// `None` when the table may not grow that much.
    pub(crate) fn grow(&mut self, delta: u32, init: u64) -> Option<u32> {
        let old = self.elements.len() as u64;
        let new = old + delta as u64;
        let max = self.ty.maximum().unwrap_or(u32::MAX as u64).min(MAX_TABLE_ELEMENTS);
        if new > max {
            return None;
        }
        self.elements.resize(new as usize, init);
        Some(old as u32)
    }
}
