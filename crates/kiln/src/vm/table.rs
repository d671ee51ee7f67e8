//! Tables of references.

use super::vmcontext::VMTableDefinition;
use crate::types::TableType;

/// The most elements a table may have, whatever its type says: keeps a
/// hostile module from making the host allocate without bound.
pub(crate) const MAX_TABLE_ELEMENTS: u64 = 10_000_000;

/// A table: pointer-sized reference values (see `vmcontext` for their
/// encoding).
pub(crate) struct Table {
    pub(crate) ty: TableType,
    pub(crate) elements: Vec<usize>,
    /// `elements`' address and length as code reads them; refreshed after
    /// anything that may reallocate `elements`.
    def: VMTableDefinition,
}

impl Table {
    pub(crate) fn new(ty: TableType, init: usize) -> anyhow::Result<Table> {
        if ty.minimum() > MAX_TABLE_ELEMENTS {
            anyhow::bail!("table minimum of {} elements exceeds Kiln's limit of {MAX_TABLE_ELEMENTS}", ty.minimum());
        }
        let mut elements = Vec::new();
        if elements.try_reserve_exact(ty.minimum() as usize).is_err() {
            anyhow::bail!("could not allocate a table of {} elements", ty.minimum());
        }
        elements.resize(ty.minimum() as usize, init);
        let def = VMTableDefinition { base: elements.as_mut_ptr(), current_elements: elements.len() };
        Ok(Table { ty, elements, def })
    }

    /// The definition compiled code reads (stable: the table is boxed).
    pub(crate) fn definition(&mut self) -> *mut VMTableDefinition {
        &mut self.def
    }

    pub(crate) fn size(&self) -> u32 {
        self.elements.len() as u32
    }

    /// `table.fill`.
    pub(crate) fn fill(&mut self, dst: u32, val: usize, len: u32) -> Result<(), crate::trap::Trap> {
        let (dst, len) = (dst as usize, len as usize);
        match self.elements.get_mut(dst..dst + len) {
            Some(range) => {
                range.fill(val);
                Ok(())
            }
            None => Err(crate::trap::Trap::TableOutOfBounds),
        }
    }

    /// Grows by `delta` elements set to `init`; returns the old size, or
    /// `None` when the table may not grow that much.
    pub(crate) fn grow(&mut self, delta: u32, init: usize) -> Option<u32> {
        let old = self.elements.len() as u64;
        let new = old + delta as u64;
        let max = self.ty.maximum().unwrap_or(u32::MAX as u64).min(MAX_TABLE_ELEMENTS);
        if new > max {
            return None;
        }
        self.elements.try_reserve(delta as usize).ok()?;
        self.elements.resize(new as usize, init);
        self.def = VMTableDefinition { base: self.elements.as_mut_ptr(), current_elements: self.elements.len() };
        Some(old as u32)
    }
}
