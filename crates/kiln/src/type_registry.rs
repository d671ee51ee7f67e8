//! The engine's registry of function types: the canonical id of every type
//! that a live module or host function of the engine uses.
//!
//! Every use holds a registration (`RegisteredType`, or `RegisteredTypes`
//! for a module's type section), counted per type; when the last one is
//! dropped the type is forgotten and its id goes on a free list for reuse,
//! so compiling and dropping modules forever keeps the registry bounded by
//! the types in use.
//!
//! Reuse is safe only because every copy of an id that code may compare is
//! owned, directly or not, by a registration of it:
//! - a module's type-id table (`VMContext` points at `RegisteredTypes`'
//!   ids) and its functions' `VMFuncRef::type_id` live in instances, which
//!   keep their module (and so its `ModuleInfo::sigs`) alive;
//! - a host function's `VMFuncRef::type_id` lives in its `HostFuncContext`,
//!   which holds a `RegisteredType` and lives as long as its store;
//! - funcref values (tables, globals, arguments) are pointers to those
//!   `VMFuncRef`s, never ids, and cannot leave their store;
//! - compiled code never embeds an id: the JIT loads the expected id from
//!   the type-id table and the actual one from the `VMFuncRef`.
//!
//! An id that nothing holds cannot be compared any more, so giving it to a
//! different type cannot make `call_indirect` accept a function of the old
//! type.

use crate::types::FuncType;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// A canonical id for a function type, unique within an engine among the
/// types in use: two structurally equal types have the same id, so
/// `call_indirect` checks a signature with one integer compare. An id is
/// only meaningful while a registration of it is held.
// Transparent: compiled code reads ids from the type-id table as `u32`s.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub(crate) struct SigId(pub(crate) u32);

/// Registered types and their ids, with reference counts.
#[derive(Default)]
pub(crate) struct TypeRegistry {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    ids: HashMap<FuncType, SigId>,
    /// By id: the type and how many registrations hold it; `None` for a
    /// free id.
    slots: Vec<Option<Slot>>,
    /// Ids of forgotten types, for the next new type.
    free: Vec<SigId>,
}

struct Slot {
    ty: FuncType,
    registrations: usize,
}

impl TypeRegistry {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every update below is finished before anything that could panic
        // (allocation aside), so a poisoned lock still guards a consistent
        // registry.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers one more use of `ty` and returns its id. The caller must
    /// release it exactly once (the guards below do).
    fn register(&self, ty: &FuncType) -> SigId {
        let mut inner = self.lock();
        if let Some(&id) = inner.ids.get(ty) {
            inner.slot(id).registrations += 1;
            return id;
        }
        let slot = Slot { ty: ty.clone(), registrations: 1 };
        let id = match inner.free.pop() {
            Some(id) => {
                inner.slots[id.0 as usize] = Some(slot);
                id
            }
            None => {
                let id = SigId(u32::try_from(inner.slots.len()).expect("fewer than 2^32 function types in use"));
                inner.slots.push(Some(slot));
                id
            }
        };
        inner.ids.insert(ty.clone(), id);
        id
    }

    /// Releases one registration of each of `ids`.
    fn release(&self, ids: &[SigId]) {
        // A module may have up to a million types: release them in chunks so
        // that compiling threads are not held up for the whole list.
        for chunk in ids.chunks(1024) {
            let mut inner = self.lock();
            for &id in chunk {
                let slot = inner.slot(id);
                slot.registrations -= 1;
                if slot.registrations == 0 {
                    let ty = inner.slots[id.0 as usize].take().map(|s| s.ty);
                    if let Some(ty) = ty {
                        inner.ids.remove(&ty);
                    }
                    inner.free.push(id);
                }
            }
        }
    }

    /// How many distinct types are registered.
    pub(crate) fn len(&self) -> usize {
        self.lock().ids.len()
    }
}

impl Inner {
    fn slot(&mut self, id: SigId) -> &mut Slot {
        match self.slots.get_mut(id.0 as usize) {
            Some(Some(slot)) => slot,
            _ => panic!("type id {} is not registered", id.0),
        }
    }
}

/// One registration of a function type: its id stays the type's (is not
/// reused) until this is dropped.
pub(crate) struct RegisteredType {
    registry: Arc<TypeRegistry>,
    id: SigId,
}

impl RegisteredType {
    pub(crate) fn new(registry: &Arc<TypeRegistry>, ty: &FuncType) -> RegisteredType {
        RegisteredType { registry: registry.clone(), id: registry.register(ty) }
    }

    pub(crate) fn id(&self) -> SigId {
        self.id
    }

    /// Whether this is a registration in `registry` (ids of one engine mean
    /// nothing in another).
    pub(crate) fn is_in(&self, registry: &Arc<TypeRegistry>) -> bool {
        Arc::ptr_eq(&self.registry, registry)
    }
}

impl Drop for RegisteredType {
    fn drop(&mut self) {
        self.registry.release(&[self.id]);
    }
}

impl std::fmt::Debug for RegisteredType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("RegisteredType").field(&self.id.0).finish()
    }
}

/// A module's types, registered, by type index. The ids are one
/// contiguous array because instances' contexts point at it (the type-id
/// table `call_indirect` reads).
#[derive(Default)]
pub(crate) struct RegisteredTypes {
    /// Set by the first `push`: a module's types come from one engine.
    registry: Option<Arc<TypeRegistry>>,
    ids: Vec<SigId>,
}

impl RegisteredTypes {
    /// Registers `ty` as the next type index.
    pub(crate) fn push(&mut self, registry: &Arc<TypeRegistry>, ty: &FuncType) {
        let held = self.registry.get_or_insert_with(|| registry.clone());
        debug_assert!(Arc::ptr_eq(held, registry), "a module's types come from one engine");
        self.ids.push(held.register(ty));
    }
}

impl std::ops::Deref for RegisteredTypes {
    type Target = [SigId];
    fn deref(&self) -> &[SigId] {
        &self.ids
    }
}

impl Drop for RegisteredTypes {
    fn drop(&mut self) {
        if let Some(registry) = &self.registry {
            registry.release(&self.ids);
        }
    }
}

impl std::fmt::Debug for RegisteredTypes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.ids.iter().map(|id| id.0)).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::{RegisteredType, RegisteredTypes, SigId, TypeRegistry};
    use crate::types::{FuncType, ValType};
    use std::sync::Arc;

    fn ty(params: &[ValType]) -> FuncType {
        FuncType::from_types(params.iter().copied(), [])
    }

    #[test]
    fn equal_types_share_an_id_and_distinct_types_do_not() {
        let registry = Arc::new(TypeRegistry::default());
        let a = RegisteredType::new(&registry, &ty(&[ValType::I32]));
        let b = RegisteredType::new(&registry, &ty(&[ValType::I32]));
        let c = RegisteredType::new(&registry, &ty(&[ValType::I64]));
        assert_eq!(a.id(), b.id());
        assert_ne!(a.id(), c.id());
        assert_eq!(registry.len(), 2);
    }

    #[test]
    fn a_type_is_forgotten_with_its_last_registration() {
        let registry = Arc::new(TypeRegistry::default());
        let t = ty(&[ValType::F32]);
        let first = RegisteredType::new(&registry, &t);
        let mut module = RegisteredTypes::default();
        module.push(&registry, &t);
        module.push(&registry, &t);
        assert_eq!(&module[..], &[first.id(), first.id()]);
        drop(first);
        assert_eq!(registry.len(), 1, "the module still holds the type");
        drop(module);
        assert_eq!(registry.len(), 0);
        assert!(registry.lock().ids.is_empty());
    }

    #[test]
    fn freed_ids_are_reused_only_once_nothing_holds_them() {
        let registry = Arc::new(TypeRegistry::default());
        let (t1, t2, t3) = (ty(&[ValType::I32]), ty(&[ValType::I64]), ty(&[ValType::F64]));
        let held = RegisteredType::new(&registry, &t1);
        let dropped = RegisteredType::new(&registry, &t2);
        let (held_id, dropped_id) = (held.id(), dropped.id());
        drop(dropped);
        // The freed id goes to the next new type; the held one never does.
        let new = RegisteredType::new(&registry, &t3);
        assert_eq!(new.id(), dropped_id);
        assert_ne!(new.id(), held_id);
        // The old type comes back with a fresh id, not a held one.
        let back = RegisteredType::new(&registry, &t2);
        assert!(back.id() != held_id && back.id() != new.id());
        assert_eq!(registry.len(), 3);
        // Ids stay dense: no more slots than types ever live at once.
        assert_eq!(registry.lock().slots.len(), 3);
    }

    #[test]
    fn churn_keeps_the_registry_bounded() {
        let registry = Arc::new(TypeRegistry::default());
        let kinds = [ValType::I32, ValType::I64, ValType::F32, ValType::F64];
        for n in 0..10_000usize {
            let params: Vec<ValType> = (0..8).map(|i| kinds[(n >> (2 * i)) & 3]).collect();
            let mut module = RegisteredTypes::default();
            module.push(&registry, &ty(&params));
            module.push(&registry, &ty(&[]));
            assert!(module.iter().all(|id| id.0 < 2));
        }
        assert_eq!(registry.len(), 0);
        assert_eq!(registry.lock().slots.len(), 2);
        assert_eq!(registry.lock().free.len(), 2);
    }

    #[test]
    #[should_panic(expected = "not registered")]
    fn releasing_an_unregistered_id_panics() {
        TypeRegistry::default().release(&[SigId(0)]);
    }
}
