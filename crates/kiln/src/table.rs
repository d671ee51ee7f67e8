//! Tables as the embedding API shows them.

use crate::store::{AsContext, AsContextMut};
use crate::types::TableType;
use crate::values::Ref;
use crate::vm::{StoreId, StoreOpaque, TableId};
use anyhow::{bail, Result};

/// A table of references: a handle into its store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Table {
    pub(crate) store: StoreId,
    pub(crate) index: TableId,
}

impl Table {
    /// A new table of type `ty` with every element set to `init`.
    pub fn new(mut store: impl AsContextMut, ty: TableType, init: Ref) -> Result<Table> {
        let store = &mut store.as_context_mut().0.opaque;
        let init = init.to_slot(store, ty.element())?;
        let index = store.new_host_table(ty, init as usize)?;
        Ok(Table { store: store.id, index })
    }

    fn check(&self, store: &StoreOpaque) -> Result<()> {
        if store.id != self.store {
            bail!("table used with the wrong store");
        }
        Ok(())
    }

    /// The element at `index`, or `None` when out of bounds (or used with another store).
    pub fn get(&self, mut store: impl AsContextMut, index: u64) -> Option<Ref> {
        let store = &store.as_context_mut().0.opaque;
        self.check(store).ok()?;
        let table = &store.tables[self.index.index()];
        let v = *table.elements.get(usize::try_from(index).ok()?)?;
        Some(Ref::from_slot(store, table.ty.element().heap_type(), v as u64))
    }

    /// Sets the element at `index`.
    pub fn set(&self, mut store: impl AsContextMut, index: u64, value: Ref) -> Result<()> {
        let store = &mut store.as_context_mut().0.opaque;
        self.check(store)?;
        let ty = store.tables[self.index.index()].ty;
        let v = value.to_slot(store, ty.element())?;
        let table = &mut store.tables[self.index.index()];
        let size = table.elements.len();
        match usize::try_from(index).ok().and_then(|i| table.elements.get_mut(i)) {
            Some(slot) => *slot = v as usize,
            None => bail!("table index {index} out of bounds (size {size})"),
        }
        Ok(())
    }

    /// Number of elements.
    ///
    /// # Panics
    /// When used with another store than the table's own.
    pub fn size(&self, store: impl AsContext) -> u64 {
        let store = &store.as_context().0.opaque;
        self.check(store).expect("Table::size");
        store.tables[self.index.index()].size() as u64
    }

    /// Grows by `delta` elements set to `init`; returns the previous size.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64, init: Ref) -> Result<u64> {
        let store = &mut store.as_context_mut().0.opaque;
        self.check(store)?;
        let ty = store.tables[self.index.index()].ty;
        let init = init.to_slot(store, ty.element())?;
        let old = store.tables[self.index.index()].size();
        let grown = match u32::try_from(delta) {
            Ok(delta) => store.grow_table(self.index, delta, init as usize)?,
            Err(_) => None,
        };
        match grown {
            Some(old) => Ok(old as u64),
            None => bail!("failed to grow table of {old} elements by {delta}"),
        }
    }

    /// The table's type, with its current size as the minimum.
    ///
    /// # Panics
    /// When used with another store than the table's own.
    pub fn ty(&self, store: impl AsContext) -> TableType {
        let store = &store.as_context().0.opaque;
        self.check(store).expect("Table::ty");
        let t = &store.tables[self.index.index()];
        TableType::new(*t.ty.element(), t.size(), t.ty.maximum().map(|m| m as u32))
    }
}
