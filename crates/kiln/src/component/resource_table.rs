//! The host's table of resources: where host-defined resources handed to
//! guests live, keyed by the `rep` of their [`Resource<T>`] handles.
//!
//! A guest holds handles into its own per-instance handle table; those
//! handles carry the `rep`, and the host looks the value up here. Entries
//! may have a parent (a pollable made from a stream, say): an entry with
//! live children cannot be deleted, so a child never outlives what it
//! refers to.

use std::any::Any;
use std::collections::BTreeSet;
use std::fmt;

use super::Resource;

/// Why a [`ResourceTable`] operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceTableError {
    /// The table holds its maximum number of entries.
    Full,
    /// No entry has this handle's rep (it was never pushed, or was deleted).
    NotPresent,
    /// The entry holds a value of another type than the handle's.
    WrongType,
    /// The entry still has children and so cannot be deleted.
    HasChildren,
}

impl fmt::Display for ResourceTableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ResourceTableError::Full => "resource table has no free keys",
            ResourceTableError::NotPresent => "resource not present in the resource table",
            ResourceTableError::WrongType => "resource table entry is of another type",
            ResourceTableError::HasChildren => "resource table entry still has children",
        })
    }
}

impl std::error::Error for ResourceTableError {}

struct Occupied {
    value: Box<dyn Any + Send>,
    parent: Option<u32>,
    children: BTreeSet<u32>,
}

enum Slot {
    Free { next: Option<u32> },
    Occupied(Occupied),
}

/// A table of host resources of any `Send + 'static` type, shaped like
/// Wasmtime's `ResourceTable`.
///
/// [`push`](Self::push) stores a value and gives an owned
/// [`Resource<T>`] whose `rep` is the entry's index; the guest gets that
/// handle (through the linker) and the host finds the value again with
/// [`get`](Self::get) / [`get_mut`](Self::get_mut). Freed indices are
/// reused. The table holds at most [`max_capacity`](Self::max_capacity)
/// entries (1,000,000 unless set), so a guest that leaks handles runs into
/// [`ResourceTableError::Full`] instead of exhausting host memory.
pub struct ResourceTable {
    slots: Vec<Slot>,
    free_head: Option<u32>,
    len: usize,
    max_capacity: usize,
}

/// The default [`ResourceTable::max_capacity`]: high enough that ordinary
/// programs never meet it, low enough that reaching it costs the host
/// little (Wasmtime's default too).
const DEFAULT_MAX_CAPACITY: usize = 1_000_000;

impl Default for ResourceTable {
    fn default() -> Self {
        ResourceTable::new()
    }
}

impl fmt::Debug for ResourceTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResourceTable").field("len", &self.len).field("max_capacity", &self.max_capacity).finish()
    }
}

impl ResourceTable {
    /// An empty table.
    pub fn new() -> ResourceTable {
        ResourceTable::with_capacity(0)
    }

    /// An empty table with room for `capacity` entries before it
    /// reallocates.
    pub fn with_capacity(capacity: usize) -> ResourceTable {
        ResourceTable {
            slots: Vec::with_capacity(capacity),
            free_head: None,
            len: 0,
            max_capacity: DEFAULT_MAX_CAPACITY,
        }
    }

    /// The most entries the table may hold at once.
    pub fn max_capacity(&self) -> usize {
        self.max_capacity
    }

    /// Sets the most entries the table may hold at once. Entries already
    /// present stay even past it; only pushes are refused.
    pub fn set_max_capacity(&mut self, max: usize) {
        self.max_capacity = max;
    }

    /// How many entries the table holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the table holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Stores `value` and returns an owned handle to it.
    pub fn push<T: Send + 'static>(&mut self, value: T) -> Result<Resource<T>, ResourceTableError> {
        let rep = self.push_entry(Occupied { value: Box::new(value), parent: None, children: BTreeSet::new() })?;
        Ok(Resource::new_own(rep))
    }

    /// Stores `value` as a child of `parent`, which then cannot be deleted
    /// until this entry is.
    pub fn push_child<T: Send + 'static, U: 'static>(
        &mut self,
        value: T,
        parent: &Resource<U>,
    ) -> Result<Resource<T>, ResourceTableError> {
        let parent_rep = parent.rep();
        self.occupied(parent_rep)?;
        let rep =
            self.push_entry(Occupied { value: Box::new(value), parent: Some(parent_rep), children: BTreeSet::new() })?;
        // The parent was checked above and pushing does not free slots.
        if let Ok(p) = self.occupied_mut(parent_rep) {
            p.children.insert(rep);
        }
        Ok(Resource::new_own(rep))
    }

    /// The value `resource` refers to.
    pub fn get<T: 'static>(&self, resource: &Resource<T>) -> Result<&T, ResourceTableError> {
        self.occupied(resource.rep())?.value.downcast_ref::<T>().ok_or(ResourceTableError::WrongType)
    }

    /// The value `resource` refers to, mutably.
    pub fn get_mut<T: 'static>(&mut self, resource: &Resource<T>) -> Result<&mut T, ResourceTableError> {
        self.occupied_mut(resource.rep())?.value.downcast_mut::<T>().ok_or(ResourceTableError::WrongType)
    }

    /// The value at index `rep`, whatever its type.
    pub fn get_any_mut(&mut self, rep: u32) -> Result<&mut (dyn Any + Send), ResourceTableError> {
        Ok(&mut *self.occupied_mut(rep)?.value)
    }

    /// Removes the entry `resource` refers to and returns its value. Refused
    /// (and the entry kept) while the entry has children or holds another
    /// type.
    pub fn delete<T: 'static>(&mut self, resource: Resource<T>) -> Result<T, ResourceTableError> {
        let rep = resource.rep();
        let entry = self.occupied(rep)?;
        if !entry.value.is::<T>() {
            return Err(ResourceTableError::WrongType);
        }
        if !entry.children.is_empty() {
            return Err(ResourceTableError::HasChildren);
        }
        let Slot::Occupied(entry) =
            std::mem::replace(&mut self.slots[rep as usize], Slot::Free { next: self.free_head })
        else {
            return Err(ResourceTableError::NotPresent);
        };
        self.free_head = Some(rep);
        self.len -= 1;
        if let Some(parent) = entry.parent {
            if let Ok(p) = self.occupied_mut(parent) {
                p.children.remove(&rep);
            }
        }
        entry.value.downcast::<T>().map(|b| *b).map_err(|_| ResourceTableError::WrongType)
    }

    /// The values of `parent`'s children, in the order they were pushed
    /// into their slots.
    pub fn iter_children<T: 'static>(
        &self,
        parent: &Resource<T>,
    ) -> Result<impl Iterator<Item = &(dyn Any + Send)> + '_, ResourceTableError> {
        let entry = self.occupied(parent.rep())?;
        Ok(entry.children.iter().filter_map(|&child| self.occupied(child).ok().map(|c| &*c.value)))
    }

    fn push_entry(&mut self, entry: Occupied) -> Result<u32, ResourceTableError> {
        if self.len >= self.max_capacity {
            return Err(ResourceTableError::Full);
        }
        let rep = match self.free_head {
            Some(rep) => {
                let slot = &mut self.slots[rep as usize];
                let Slot::Free { next } = *slot else {
                    return Err(ResourceTableError::Full);
                };
                self.free_head = next;
                *slot = Slot::Occupied(entry);
                rep
            }
            None => {
                let rep = u32::try_from(self.slots.len()).map_err(|_| ResourceTableError::Full)?;
                self.slots.push(Slot::Occupied(entry));
                rep
            }
        };
        self.len += 1;
        Ok(rep)
    }

    fn occupied(&self, rep: u32) -> Result<&Occupied, ResourceTableError> {
        match self.slots.get(rep as usize) {
            Some(Slot::Occupied(o)) => Ok(o),
            _ => Err(ResourceTableError::NotPresent),
        }
    }

    fn occupied_mut(&mut self, rep: u32) -> Result<&mut Occupied, ResourceTableError> {
        match self.slots.get_mut(rep as usize) {
            Some(Slot::Occupied(o)) => Ok(o),
            _ => Err(ResourceTableError::NotPresent),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_get_delete_and_reuse() {
        let mut t = ResourceTable::new();
        let a = t.push(String::from("a")).unwrap();
        let b = t.push(5u32).unwrap();
        assert!(a.owned());
        assert_eq!(t.get(&a).unwrap(), "a");
        *t.get_mut(&b).unwrap() += 1;
        assert_eq!(*t.get(&b).unwrap(), 6);
        assert_eq!(t.len(), 2);

        let a_rep = a.rep();
        assert_eq!(t.delete(a).unwrap(), "a");
        assert_eq!(t.get(&Resource::<String>::new_borrow(a_rep)).unwrap_err(), ResourceTableError::NotPresent);
        // The freed index is the next one used.
        let c = t.push(1.5f64).unwrap();
        assert_eq!(c.rep(), a_rep);
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn wrong_type_is_refused_and_kept() {
        let mut t = ResourceTable::new();
        let a = t.push(1u8).unwrap();
        let as_string = Resource::<String>::new_own(a.rep());
        assert_eq!(t.get(&as_string).unwrap_err(), ResourceTableError::WrongType);
        assert_eq!(t.delete(as_string).unwrap_err(), ResourceTableError::WrongType);
        assert_eq!(*t.get(&a).unwrap(), 1);
        assert_eq!(t.get(&Resource::<u8>::new_own(99)).unwrap_err(), ResourceTableError::NotPresent);
    }

    #[test]
    fn children_block_the_parents_deletion() {
        let mut t = ResourceTable::new();
        let parent = t.push("stream").unwrap();
        let c1 = t.push_child(1u32, &parent).unwrap();
        let c2 = t.push_child(2u32, &parent).unwrap();
        let kids: Vec<u32> = t.iter_children(&parent).unwrap().map(|c| *c.downcast_ref::<u32>().unwrap()).collect();
        assert_eq!(kids, [1, 2]);

        let parent_again = Resource::<&str>::new_own(parent.rep());
        assert_eq!(t.delete(parent_again).unwrap_err(), ResourceTableError::HasChildren);
        t.delete(c1).unwrap();
        assert_eq!(t.delete(Resource::<&str>::new_own(parent.rep())).unwrap_err(), ResourceTableError::HasChildren);
        t.delete(c2).unwrap();
        assert_eq!(t.delete(parent).unwrap(), "stream");
        assert!(t.is_empty());

        let gone = Resource::<()>::new_own(12);
        assert_eq!(t.push_child(0u8, &gone).unwrap_err(), ResourceTableError::NotPresent);
    }

    #[test]
    fn max_capacity_is_enforced() {
        let mut t = ResourceTable::new();
        assert_eq!(t.max_capacity(), 1_000_000);
        t.set_max_capacity(2);
        let a = t.push(()).unwrap();
        t.push(()).unwrap();
        assert_eq!(t.push(()).unwrap_err(), ResourceTableError::Full);
        t.delete(a).unwrap();
        t.push(()).unwrap();
        assert_eq!(ResourceTableError::Full.to_string(), "resource table has no free keys");
    }
}
