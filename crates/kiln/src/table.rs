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

    /// Sets the `len` elements from `dst` on to `val`. Errors, changing
    /// nothing, when the range is not inside the table, or `val` has the
    /// wrong type or belongs to another store.
    pub fn fill(&self, mut store: impl AsContextMut, dst: u64, val: Ref, len: u64) -> Result<()> {
        let store = &mut store.as_context_mut().0.opaque;
        self.check(store)?;
        let ty = store.tables[self.index.index()].ty;
        let v = val.to_slot(store, ty.element())? as usize;
        let elements = &mut store.tables[self.index.index()].elements;
        let size = elements.len();
        let Some(range) = range_in(dst, len, size) else {
            bail!("table fill of {len} elements at index {dst} out of bounds (size {size})");
        };
        // In place: the table's definition (base, length) stays as it is.
        elements[range].fill(v);
        Ok(())
    }

    /// Copies `len` elements of `src_table` from `src_index` on into
    /// `dst_table` from `dst_index` on; the tables may be the same one and
    /// the ranges may overlap (as wasm's `table.copy`). Errors, changing
    /// nothing, when a range is not inside its table, a table belongs to
    /// another store, or the source's elements are not of the
    /// destination's type.
    pub fn copy(
        mut store: impl AsContextMut,
        dst_table: &Table,
        dst_index: u64,
        src_table: &Table,
        src_index: u64,
        len: u64,
    ) -> Result<()> {
        let store = &mut store.as_context_mut().0.opaque;
        dst_table.check(store)?;
        src_table.check(store)?;
        let (d, s) = (dst_table.index.index(), src_table.index.index());
        let (dst_ty, src_ty) = (*store.tables[d].ty.element(), *store.tables[s].ty.element());
        // Only subtyping is null-ness: a nullable source needs a nullable
        // destination.
        if dst_ty.heap_type() != src_ty.heap_type() || (src_ty.is_nullable() && !dst_ty.is_nullable()) {
            bail!("type mismatch: cannot copy elements of a table of {src_ty} into a table of {dst_ty}");
        }
        let (dst_size, src_size) = (store.tables[d].elements.len(), store.tables[s].elements.len());
        let Some(from) = range_in(src_index, len, src_size) else {
            bail!("table copy of {len} elements from index {src_index} out of bounds of the source (size {src_size})");
        };
        let Some(to) = range_in(dst_index, len, dst_size) else {
            bail!(
                "table copy of {len} elements to index {dst_index} out of bounds of the destination (size {dst_size})"
            );
        };
        if d == s {
            store.tables[d].elements.copy_within(from, to.start);
        } else {
            let items = store.tables[s].elements[from].to_vec();
            store.tables[d].elements[to].copy_from_slice(&items);
        }
        Ok(())
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

/// The elements `start..start + len` of a table of `size` elements, if they
/// are all inside it.
fn range_in(start: u64, len: u64, size: usize) -> Option<std::ops::Range<usize>> {
    let end = start.checked_add(len)?;
    if end > size as u64 {
        return None;
    }
    Some(start as usize..end as usize)
}
