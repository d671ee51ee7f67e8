//! A component instance's handle table: the `i32` handles its core code
//! holds for resources, each an `own` or a `borrow`.
//!
//! One table per component instance, shared by all resource types (as in
//! the canonical ABI): an entry remembers its type, and every use checks
//! it. Index 0 is never handed out, so a zeroed handle is always invalid.

use super::resources::ResourceType;

/// Most live handles one instance may hold (the canonical ABI's
/// `Table.MAX_LENGTH`): a guest that keeps making resources gets a trap,
/// not all of the host's memory.
const MAX_HANDLES: usize = (1 << 28) - 1;

/// What a handle holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HandleKind {
    /// Owns the resource; `lends` borrows of it are active in calls now.
    Own { lends: u32 },
    /// Borrows the resource for the call `scope` (a call into this
    /// instance that must see the handle dropped before it returns).
    Borrow { scope: u64 },
}

/// One live handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Handle {
    pub(crate) ty: ResourceType,
    pub(crate) rep: u32,
    pub(crate) kind: HandleKind,
}

/// The handles of one component instance.
#[derive(Debug, Default)]
pub(crate) struct HandleTable {
    entries: Vec<Option<Handle>>,
    free: Vec<u32>,
}

impl HandleTable {
    /// Adds `handle` and returns its index.
    pub(crate) fn insert(&mut self, handle: Handle) -> Result<u32, String> {
        if let Some(i) = self.free.pop() {
            self.entries[i as usize] = Some(handle);
            return Ok(i);
        }
        if self.entries.is_empty() {
            self.entries.push(None);
        }
        if self.entries.len() > MAX_HANDLES {
            return Err(format!("handle table full: a component instance may hold at most {MAX_HANDLES} handles"));
        }
        self.entries.push(Some(handle));
        Ok((self.entries.len() - 1) as u32)
    }

    /// The live handle `index`, checked to be of type `ty`.
    pub(crate) fn get(&self, index: u32, ty: ResourceType) -> Result<&Handle, String> {
        match self.entries.get(index as usize) {
            Some(Some(h)) if h.ty == ty => Ok(h),
            Some(Some(_)) => Err(format!("handle {index} is of another resource type")),
            _ => Err(format!("unknown handle index {index}")),
        }
    }

    /// The live handle `index`, of type `ty`, for changing.
    pub(crate) fn get_mut(&mut self, index: u32, ty: ResourceType) -> Result<&mut Handle, String> {
        match self.entries.get_mut(index as usize) {
            Some(Some(h)) if h.ty == ty => Ok(h),
            Some(Some(_)) => Err(format!("handle {index} is of another resource type")),
            _ => Err(format!("unknown handle index {index}")),
        }
    }

    /// The live handle `index`, whatever its type.
    pub(crate) fn get_any_mut(&mut self, index: u32) -> Option<&mut Handle> {
        self.entries.get_mut(index as usize).and_then(Option::as_mut)
    }

    /// Removes the live handle `index` of type `ty`. An `own` that is lent
    /// out stays (an error).
    pub(crate) fn remove(&mut self, index: u32, ty: ResourceType) -> Result<Handle, String> {
        let h = *self.get(index, ty)?;
        if let HandleKind::Own { lends } = h.kind {
            if lends > 0 {
                return Err(format!("cannot remove owned resource handle {index} while it is borrowed"));
            }
        }
        self.entries[index as usize] = None;
        self.free.push(index);
        Ok(h)
    }

    /// Whether any borrow of the call `scope` is still live.
    pub(crate) fn has_borrows_of(&self, scope: u64) -> bool {
        self.entries.iter().flatten().any(|h| h.kind == HandleKind::Borrow { scope })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own(rep: u32) -> Handle {
        Handle { ty: ResourceType::host::<u8>(), rep, kind: HandleKind::Own { lends: 0 } }
    }

    #[test]
    fn indices_start_at_one_and_are_reused() {
        let mut t = HandleTable::default();
        assert_eq!(t.insert(own(7)), Ok(1));
        assert_eq!(t.insert(own(8)), Ok(2));
        assert_eq!(t.remove(1, ResourceType::host::<u8>()).map(|h| h.rep), Ok(7));
        assert_eq!(t.insert(own(9)), Ok(1));
        assert!(t.get(0, ResourceType::host::<u8>()).is_err());
    }

    #[test]
    fn type_and_lends_are_checked() {
        let mut t = HandleTable::default();
        let i = t.insert(own(1)).unwrap();
        assert!(t.get(i, ResourceType::host::<u16>()).unwrap_err().contains("another resource type"));
        t.get_mut(i, ResourceType::host::<u8>()).unwrap().kind = HandleKind::Own { lends: 1 };
        assert!(t.remove(i, ResourceType::host::<u8>()).unwrap_err().contains("borrowed"));
        assert!(t.get(99, ResourceType::host::<u8>()).unwrap_err().contains("unknown handle"));
    }
}
