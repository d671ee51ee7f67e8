//! Stores: where a tenant's runtime objects and the host's data live.

use crate::engine::Engine;
use crate::limits::ResourceLimiter;
use crate::type_registry::RegisteredType;
use crate::types::FuncType;
use crate::vm::{FuncRefPtr, HostCall, StoreOpaque};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

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
    pub(crate) linker_funcs: HashMap<usize, FuncRefPtr, BuildHasherDefault<AddressHasher>>,
    /// The host's limiter, given the data (`Store::limiter`).
    limiter: Option<LimiterFn<T>>,
    /// Component instances' state, and the host's component handles.
    pub(crate) components: crate::component::store::ComponentStore<T>,
    pub(crate) data: T,
}

/// The hasher of `linker_funcs`, whose keys are addresses of distinct heap
/// allocations, not chosen by anyone: a multiply spreads them well enough,
/// where the default SipHash (built to resist chosen keys) cost more than
/// the rest of adding a host function to a store per request.
#[derive(Default)]
pub(crate) struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        // Fold the product's high bits, which depend on every bit of the
        // address, into the low bits the table indexes with (addresses'
        // own low bits are zero: allocations are aligned).
        self.0 ^ (self.0 >> 32)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

type LimiterFn<T> = Box<dyn FnMut(&mut T) -> &mut (dyn ResourceLimiter) + Send + Sync>;

/// The store's limiter, for `vm/`, which only has the untyped part.
fn limiter_of<T: 'static>(opaque: &mut StoreOpaque) -> Option<&mut dyn ResourceLimiter> {
    let inner = StoreInner::<T>::from_opaque(opaque);
    let limiter = inner.limiter.as_mut()?;
    Some(limiter(&mut inner.data))
}

impl<T> StoreInner<T> {
    /// The typed store around the untyped part `vm/` hands to a host
    /// function of this store.
    pub(crate) fn from_opaque(opaque: &mut StoreOpaque) -> &mut StoreInner<T> {
        // SAFETY: the only closures that call this are made by
        // `HostFunc::<T>::new` (and reach stores only through
        // `Func::from_host::<T>` on a `StoreInner<T>`) and by
        // `Store::<T>::epoch_deadline_callback` and `limiter_of::<T>`
        // (installed in that store only); and every `StoreOpaque` of a `Store<T>` is
        // the first field of its `#[repr(C)] StoreInner<T>`, so the pointer
        // to it is a pointer to the whole; the exclusive borrow of the part
        // is the caller's exclusive use of the whole store for the call.
        unsafe { &mut *(opaque as *mut StoreOpaque).cast::<StoreInner<T>>() }
    }
}

impl<T> StoreInner<T> {
    /// This store's function for a linker's host function `call` (of type
    /// `ty`), added to the store the first time it is used here, so that
    /// instantiating again reuses it. `registration`, when given, already
    /// holds `ty` in the store's engine.
    pub(crate) fn linker_func(
        &mut self,
        ty: &FuncType,
        call: &HostCall,
        registration: Option<&Arc<RegisteredType>>,
    ) -> FuncRefPtr {
        // The store keeps a clone of the `Arc` (in the function's context),
        // so its address stays unique for the store's life.
        let key = Arc::as_ptr(call) as *const () as usize;
        if let Some(f) = self.linker_funcs.get(&key) {
            return *f;
        }
        let f = match registration {
            Some(r) => self.opaque.push_registered_host_func(ty.clone(), call.clone(), r.clone()),
            None => self.opaque.push_host_func(ty.clone(), call.clone()),
        };
        self.linker_funcs.insert(key, f);
        f
    }
}

/// What an epoch-deadline callback asks for
/// ([`Store::epoch_deadline_callback`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UpdateDeadline {
    /// Go on running, with the deadline this many epochs from now.
    Continue(u64),
}

/// The fuel and epoch controls, shared by `Store` and `StoreContextMut`.
impl<T> StoreInner<T> {
    pub(crate) fn set_fuel(&mut self, fuel: u64) -> anyhow::Result<()> {
        self.fuel_enabled()?;
        *self.opaque.fuel_consumed() = -(fuel.min(i64::MAX as u64) as i64);
        Ok(())
    }

    pub(crate) fn get_fuel(&self) -> anyhow::Result<u64> {
        self.fuel_enabled()?;
        let consumed = self.opaque.fuel_consumed_now();
        Ok(if consumed < 0 { consumed.unsigned_abs() } else { 0 })
    }

    fn fuel_enabled(&self) -> anyhow::Result<()> {
        if self.opaque.engine.config().consume_fuel {
            Ok(())
        } else {
            anyhow::bail!("fuel is not enabled for this store's engine: turn it on with `Config::consume_fuel(true)`")
        }
    }

    pub(crate) fn set_epoch_deadline(&mut self, ticks_beyond_current: u64) {
        let deadline = self.opaque.engine.current_epoch().saturating_add(ticks_beyond_current);
        *self.opaque.epoch_deadline() = deadline;
    }
}

impl<T> Store<T> {
    /// Sets the fuel left for WebAssembly code to consume
    /// ([`Config::consume_fuel`](crate::Config::consume_fuel)): each
    /// instruction costs one unit, and code traps with
    /// [`Trap::OutOfFuel`](crate::Trap::OutOfFuel) once it has used it all.
    /// A new store has none. Fails if the engine does not consume fuel.
    pub fn set_fuel(&mut self, fuel: u64) -> anyhow::Result<()> {
        self.inner.set_fuel(fuel)
    }

    /// The fuel left. Fails if the engine does not consume fuel.
    pub fn get_fuel(&self) -> anyhow::Result<u64> {
        self.inner.get_fuel()
    }

    /// Sets the epoch deadline to `ticks_beyond_current` epochs after the
    /// engine's current one ([`Config::epoch_interruption`]): code running
    /// in this store is interrupted once the engine's epoch reaches it.
    ///
    /// [`Config::epoch_interruption`]: crate::Config::epoch_interruption
    pub fn set_epoch_deadline(&mut self, ticks_beyond_current: u64) {
        self.inner.set_epoch_deadline(ticks_beyond_current)
    }

    /// When the epoch deadline is reached, trap with
    /// [`Trap::Interrupt`](crate::Trap::Interrupt) (the default).
    pub fn epoch_deadline_trap(&mut self) {
        self.inner.opaque.epoch_callback = None;
    }

    /// When the epoch deadline is reached, call `callback` with the store:
    /// it returns [`UpdateDeadline::Continue`] with a new deadline (in
    /// epochs from now) to let the code go on, or an error that ends the
    /// running call with that error. The code stops at the check that found
    /// the deadline, so the callback may also look at or change the store.
    pub fn epoch_deadline_callback(
        &mut self,
        mut callback: impl FnMut(StoreContextMut<'_, T>) -> anyhow::Result<UpdateDeadline> + Send + Sync + 'static,
    ) where
        T: 'static,
    {
        self.inner.opaque.epoch_callback = Some(Box::new(move |opaque| {
            let inner = StoreInner::<T>::from_opaque(opaque);
            match callback(StoreContextMut(inner))? {
                UpdateDeadline::Continue(delta) => Ok(delta),
            }
        }));
    }

    /// A new, empty store holding `data`.
    pub fn new(engine: &Engine, data: T) -> Store<T> {
        let opaque = StoreOpaque::new(engine);
        Store {
            inner: Box::new(StoreInner {
                opaque,
                linker_funcs: HashMap::default(),
                limiter: None,
                components: Default::default(),
                data,
            }),
        }
    }

    /// Makes `limiter` (found in the store's data) decide whether the
    /// store's memories and tables may be created and grow, and how many
    /// instances, tables and memories it may hold: e.g. a
    /// [`StoreLimits`](crate::StoreLimits) kept in the data. Without one, a
    /// store may hold 10,000 of each and its tables 10 million elements in
    /// all ([`DEFAULT_STORE_TABLE_ELEMENTS`](crate::DEFAULT_STORE_TABLE_ELEMENTS)).
    pub fn limiter(&mut self, limiter: impl FnMut(&mut T) -> &mut (dyn ResourceLimiter) + Send + Sync + 'static)
    where
        T: 'static,
    {
        self.inner.limiter = Some(Box::new(limiter));
        self.inner.opaque.limiter = Some(limiter_of::<T>);
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

/// A store with a default engine and default data (`Store::new(&Engine::default(), T::default())`).
impl<T: Default> Default for Store<T> {
    fn default() -> Store<T> {
        Store::new(&Engine::default(), T::default())
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
    /// Sets the fuel left (see [`Store::set_fuel`]).
    pub fn set_fuel(&mut self, fuel: u64) -> anyhow::Result<()> {
        self.0.set_fuel(fuel)
    }
    /// The fuel left (see [`Store::get_fuel`]).
    pub fn get_fuel(&self) -> anyhow::Result<u64> {
        self.0.get_fuel()
    }
    /// Sets the epoch deadline (see [`Store::set_epoch_deadline`]).
    pub fn set_epoch_deadline(&mut self, ticks_beyond_current: u64) {
        self.0.set_epoch_deadline(ticks_beyond_current)
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

// Anything that gives access to a store converts to a context, so that
// calls like `memory.data(&store)` take a `&Store`, a `&mut Store`, a
// `&Caller`, a `&StoreContextMut`, or a reference to any of those.
impl<'a, C: AsContext> From<&'a C> for StoreContext<'a, C::Data> {
    fn from(c: &'a C) -> Self {
        c.as_context()
    }
}
impl<'a, C: AsContext> From<&'a mut C> for StoreContext<'a, C::Data> {
    fn from(c: &'a mut C) -> Self {
        C::as_context(c)
    }
}
impl<'a, C: AsContextMut> From<&'a mut C> for StoreContextMut<'a, C::Data> {
    fn from(c: &'a mut C) -> Self {
        c.as_context_mut()
    }
}
impl<'a, T> From<StoreContextMut<'a, T>> for StoreContext<'a, T> {
    fn from(s: StoreContextMut<'a, T>) -> Self {
        StoreContext(s.0)
    }
}
