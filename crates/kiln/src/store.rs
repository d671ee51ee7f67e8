//! Stores: where a tenant's runtime objects and the host's data live.

use crate::engine::Engine;
use crate::vm::{FuncRefPtr, StoreOpaque};
use std::collections::HashMap;

/// All runtime objects of one tenant (instances, memories, tables, globals,
/// functions) and the host's state `T`. Cheap to create and to drop: the
/// per-request pattern is one `Store` and `Instance` per request. Objects
/// live as long as their store; handles to them are small `Copy` values.
pub struct Store<T> {
    pub(crate) inner: Box<StoreInner<T>>,
}

/// The store behind the handle, boxed so that nothing in it moves: instance
/// contexts point at its `VMStoreContext`, host functions at the store.
/// `opaque` comes first in a `#[repr(C)]` struct so that host functions,
/// which `vm/` calls with the untyped part, can recover the whole.
#[repr(C)]
pub(crate) struct StoreInner<T> {
    pub(crate) opaque: StoreOpaque,
    /// Host functions from a `Linker` already added to this store, by the
    /// address of their shared definition, so instantiating again reuses them.
    pub(crate) linker_funcs: HashMap<usize, FuncRefPtr>,
    pub(crate) data: T,
}

impl<T> StoreInner<T> {
    /// The typed store around the untyped part `vm/` hands to a host
    /// function of this store.
    pub(crate) fn from_opaque(opaque: &mut StoreOpaque) -> &mut StoreInner<T> {
        // SAFETY: the only closures that call this are made by
        // `HostFunc::<T>::new` and only reach stores through
        // `Func::from_host::<T>` on a `StoreInner<T>`; and every `StoreOpaque` of a `Store<T>` is
        // the first field of its `#[repr(C)] StoreInner<T>`, so the pointer
        // to it is a pointer to the whole; the exclusive borrow of the part
        // is the caller's exclusive use of the whole store for the call.
        unsafe { &mut *(opaque as *mut StoreOpaque).cast::<StoreInner<T>>() }
    }
}

impl<T> Store<T> {
    /// A new, empty store holding `data`.
    pub fn new(engine: &Engine, data: T) -> Store<T> {
        Store { inner: Box::new(StoreInner { opaque: StoreOpaque::new(engine), linker_funcs: HashMap::new(), data }) }
    }
    /// The host's data.
    pub fn data(&self) -> &T {
        &self.inner.data
    }
    /// The host's data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.inner.data
    }
    /// Gives back the host's data, dropping the store.
    pub fn into_data(self) -> T {
        let inner = *self.inner;
        inner.data
    }
    /// The engine of this store.
    pub fn engine(&self) -> &Engine {
        &self.inner.opaque.engine
    }
}

impl<T> std::fmt::Debug for Store<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("id", &self.inner.opaque.id).finish_non_exhaustive()
    }
}

/// A shared borrow of a store, from a `Store`, a `Caller` or a context.
pub struct StoreContext<'a, T>(pub(crate) &'a StoreInner<T>);

/// An exclusive borrow of a store, from a `Store`, a `Caller` or a context.
pub struct StoreContextMut<'a, T>(pub(crate) &'a mut StoreInner<T>);

impl<T> StoreContext<'_, T> {
    /// The host's data.
    pub fn data(&self) -> &T {
        &self.0.data
    }
    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.0.opaque.engine
    }
}

impl<T> StoreContextMut<'_, T> {
    /// The host's data.
    pub fn data(&self) -> &T {
        &self.0.data
    }
    /// The host's data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.0.data
    }
    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.0.opaque.engine
    }
}

/// Things that give shared access to a store: `Store`, `Caller`, contexts
/// and references to them. API calls that only read take `impl AsContext`.
pub trait AsContext {
    /// The host data type of the store.
    type Data;
    /// Borrows the store.
    fn as_context(&self) -> StoreContext<'_, Self::Data>;
}

/// Things that give exclusive access to a store. API calls that may change
/// the store take `impl AsContextMut`.
pub trait AsContextMut: AsContext {
    /// Borrows the store exclusively.
    fn as_context_mut(&mut self) -> StoreContextMut<'_, Self::Data>;
}

impl<T> AsContext for Store<T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(&self.inner)
    }
}
impl<T> AsContextMut for Store<T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(&mut self.inner)
    }
}
impl<T> AsContext for StoreContext<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.0)
    }
}
impl<T> AsContext for StoreContextMut<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.0)
    }
}
impl<T> AsContextMut for StoreContextMut<'_, T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(self.0)
    }
}
impl<C: AsContext + ?Sized> AsContext for &C {
    type Data = C::Data;
    fn as_context(&self) -> StoreContext<'_, C::Data> {
        (**self).as_context()
    }
}
impl<C: AsContext + ?Sized> AsContext for &mut C {
    type Data = C::Data;
    fn as_context(&self) -> StoreContext<'_, C::Data> {
        (**self).as_context()
    }
}
impl<C: AsContextMut + ?Sized> AsContextMut for &mut C {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, C::Data> {
        (**self).as_context_mut()
    }
}

impl<'a, T> From<&'a Store<T>> for StoreContext<'a, T> {
    fn from(s: &'a Store<T>) -> Self {
        StoreContext(&s.inner)
    }
}
impl<'a, T> From<&'a mut Store<T>> for StoreContext<'a, T> {
    fn from(s: &'a mut Store<T>) -> Self {
        StoreContext(&s.inner)
    }
}
impl<'a, T> From<&'a mut Store<T>> for StoreContextMut<'a, T> {
    fn from(s: &'a mut Store<T>) -> Self {
        StoreContextMut(&mut s.inner)
    }
}
impl<'a, T> From<StoreContextMut<'a, T>> for StoreContext<'a, T> {
    fn from(s: StoreContextMut<'a, T>) -> Self {
        StoreContext(s.0)
    }
}
impl<'a, 'b: 'a, T> From<&'a StoreContextMut<'b, T>> for StoreContext<'a, T> {
    fn from(s: &'a StoreContextMut<'b, T>) -> Self {
        StoreContext(s.0)
    }
}
impl<'a, 'b: 'a, T> From<&'a mut StoreContextMut<'b, T>> for StoreContextMut<'a, T> {
    fn from(s: &'a mut StoreContextMut<'b, T>) -> Self {
        StoreContextMut(s.0)
    }
}
