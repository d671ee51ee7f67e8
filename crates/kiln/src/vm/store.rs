//! The part of a store that does not depend on the host's data type: every
//! runtime object lives here, each at a stable address (boxed), and API
//! handles are store ids or pointers into it.

use super::host::HostFuncContext;
use super::instance::Instance;
use super::vmcontext::{VMFuncRef, VMGlobalDefinition, VMStoreContext};
use super::{LinearMemory, Table};
use crate::engine::Engine;
use crate::types::GlobalType;
use std::any::Any;
use std::collections::HashMap;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};

/// Identifies a store, so a handle used with the wrong store is caught.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct StoreId(u64);

impl StoreId {
    pub(crate) fn allocate() -> StoreId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        StoreId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

macro_rules! store_index {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub(crate) struct $name(pub(crate) u32);
        impl $name {
            #[inline]
            pub(crate) fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}
store_index!(
    /// An instance of the store.
    InstanceId
);
store_index!(
    /// A memory of the store (defined by an instance or by the host).
    MemoryId
);
store_index!(
    /// A table of the store.
    TableId
);
store_index!(
    /// A global of the store.
    GlobalId
);

/// A pointer to a function reference that may travel in `Send + Sync`
/// handles: it is only dereferenced by `vm/` while its store is borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct FuncRefPtr(pub(crate) NonNull<VMFuncRef>);

// SAFETY: the pointer is an identity plus an address that `vm/` reads only
// while the owning store is borrowed; the handle itself grants no access.
unsafe impl Send for FuncRefPtr {}
// SAFETY: as above.
unsafe impl Sync for FuncRefPtr {}

impl FuncRefPtr {
    /// The encoding of the reference in a value slot, global or table.
    #[inline]
    pub(crate) fn to_bits(self) -> usize {
        self.0.as_ptr() as usize
    }
    /// The reference encoded as `bits` (0 = null).
    #[inline]
    pub(crate) fn from_bits(bits: usize) -> Option<FuncRefPtr> {
        NonNull::new(bits as *mut VMFuncRef).map(FuncRefPtr)
    }
}

/// A global: its type and where its value lives (inside an instance's
/// context, or in a box of the store for host-made globals).
pub(crate) struct GlobalEntry {
    pub(crate) ty: GlobalType,
    pub(crate) def: NonNull<VMGlobalDefinition>,
}

/// An error that left wasm through an array call that returned `false`,
/// waiting for the host side of the call to pick it up.
pub(crate) enum PendingError {
    Error(anyhow::Error),
    Panic(Box<dyn Any + Send>),
}

/// The objects of one store. (Public only so the hidden methods of
/// `WasmTy` can name it; it is not reachable from outside the crate.)
#[doc(hidden)]
// The boxes in these `Vec`s are the point: compiled code and contexts hold
// pointers to the objects, which must not move when a `Vec` grows.
#[allow(clippy::vec_box)]
pub struct StoreOpaque {
    pub(crate) id: StoreId,
    pub(crate) engine: Engine,
    /// What compiled code reads on its hot path. The store is boxed, so
    /// instances' contexts can point at this.
    pub(crate) vm_store_context: VMStoreContext,
    pub(crate) instances: Vec<Box<Instance>>,
    pub(crate) memories: Vec<Box<LinearMemory>>,
    pub(crate) tables: Vec<Box<Table>>,
    pub(crate) globals: Vec<GlobalEntry>,
    /// Storage of globals made by the host (`Global::new`).
    pub(crate) host_globals: Vec<Box<VMGlobalDefinition>>,
    /// Host functions of this store: each owns its `VMFuncRef`.
    pub(crate) host_funcs: Vec<Box<HostFuncContext>>,
    /// Host values behind externrefs. They live as long as the store.
    pub(crate) externs: Vec<Box<dyn Any + Send + Sync>>,
    /// The interpreter's value stack, kept between calls to avoid reallocating.
    pub(crate) stack: Vec<u64>,
    /// Wasm stack bytes in use by activations further out (host → wasm → host → wasm).
    pub(crate) stack_in_use: usize,
    /// The error of the last array call that returned `false`.
    pub(crate) pending: Option<PendingError>,
    /// The `_start` of every command instance, and whether it has run: a
    /// command instance runs once. Usually empty, so checking it costs calls
    /// nothing; a map, since `Linker::module` makes an instance of a command
    /// per call of its exports, so a store may hold many.
    pub(crate) commands: HashMap<FuncRefPtr, bool>,
    /// What happens when the epoch deadline is reached: `None` traps;
    /// otherwise the callback says how many epochs to extend it by.
    pub(crate) epoch_callback: Option<EpochCallback>,
    /// The host's `ResourceLimiter`, found in the typed store around this.
    pub(crate) limiter: Option<super::LimiterLookup>,
    /// Elements of all the store's tables together (for the default limit).
    pub(crate) table_elements: u64,
    /// The entries into wasm running now, outermost first (for
    /// `WasmBacktrace::capture`).
    pub(crate) activations: Vec<super::backtrace::Activation>,
}

/// The host's handler for a reached epoch deadline: given the store, it
/// returns by how many epochs (from now) to extend the deadline, or an
/// error that ends the running code.
pub(crate) type EpochCallback = Box<dyn FnMut(&mut StoreOpaque) -> anyhow::Result<u64> + Send + Sync>;

// SAFETY: every raw pointer in the store points into allocations the store
// owns (instance contexts, boxed memories, tables, globals and host
// functions) or into modules it keeps alive; nothing is tied to a thread.
unsafe impl Send for StoreOpaque {}
// SAFETY: shared access only reads, as for the owned values themselves.
unsafe impl Sync for StoreOpaque {}

impl StoreOpaque {
    pub(crate) fn new(engine: &Engine) -> StoreOpaque {
        StoreOpaque {
            id: StoreId::allocate(),
            engine: engine.clone(),
            vm_store_context: VMStoreContext::default(),
            instances: Vec::new(),
            memories: Vec::new(),
            tables: Vec::new(),
            globals: Vec::new(),
            host_globals: Vec::new(),
            host_funcs: Vec::new(),
            externs: Vec::new(),
            stack: Vec::new(),
            stack_in_use: 0,
            pending: None,
            commands: HashMap::new(),
            epoch_callback: None,
            limiter: None,
            table_elements: 0,
            activations: Vec::new(),
        }
    }

    /// Fuel consumed so far, counting up towards zero (negative = fuel left).
    #[inline]
    pub(crate) fn fuel_consumed(&mut self) -> &mut i64 {
        self.vm_store_context.fuel_consumed.get_mut()
    }

    /// Fuel consumed so far, read while no code runs.
    pub(crate) fn fuel_consumed_now(&self) -> i64 {
        // SAFETY: a shared borrow of the store means no code of it is
        // running (running code holds the store exclusively).
        unsafe { *self.vm_store_context.fuel_consumed.get() }
    }

    /// The epoch at which running code is interrupted.
    #[inline]
    pub(crate) fn epoch_deadline(&mut self) -> &mut u64 {
        self.vm_store_context.epoch_deadline.get_mut()
    }

    /// Whether a check must stop or interrupt the code: the fuel is used
    /// up, or the epoch deadline is reached.
    #[inline]
    pub(crate) fn interrupt_due(&mut self, interrupts: crate::compile::Interrupts) -> bool {
        (interrupts.fuel && *self.fuel_consumed() >= 0)
            || (interrupts.epochs && self.engine.current_epoch() >= *self.epoch_deadline())
    }

    /// The check compiled code makes at function entries and loop headers:
    /// an error (a trap, or the epoch callback's error) stops the code.
    pub(crate) fn check_interrupts(&mut self, interrupts: crate::compile::Interrupts) -> anyhow::Result<()> {
        if interrupts.fuel && *self.fuel_consumed() >= 0 {
            return Err(crate::trap::Trap::OutOfFuel.into());
        }
        if interrupts.epochs && self.engine.current_epoch() >= *self.epoch_deadline() {
            self.epoch_deadline_reached()?;
        }
        Ok(())
    }

    /// Runs the store's epoch behaviour: trap, or let the callback move the
    /// deadline. The callback is taken out while it runs, since it gets the
    /// store; it stays installed unless it installed another.
    pub(crate) fn epoch_deadline_reached(&mut self) -> anyhow::Result<()> {
        let Some(mut callback) = self.epoch_callback.take() else {
            return Err(crate::trap::Trap::Interrupt.into());
        };
        let outcome = callback(self);
        if self.epoch_callback.is_none() {
            self.epoch_callback = Some(callback);
        }
        let delta = outcome?;
        let deadline = self.engine.current_epoch().saturating_add(delta);
        *self.epoch_deadline() = deadline;
        Ok(())
    }

    #[inline]
    pub(crate) fn instance(&self, id: InstanceId) -> &Instance {
        &self.instances[id.index()]
    }

    #[inline]
    pub(crate) fn instance_mut(&mut self, id: InstanceId) -> &mut Instance {
        &mut self.instances[id.index()]
    }

    pub(crate) fn push_memory(&mut self, memory: LinearMemory) -> MemoryId {
        self.memories.push(Box::new(memory));
        MemoryId((self.memories.len() - 1) as u32)
    }

    pub(crate) fn push_table(&mut self, table: Table) -> TableId {
        self.table_elements += table.size() as u64;
        self.tables.push(Box::new(table));
        TableId((self.tables.len() - 1) as u32)
    }

    /// A global owned by the store itself, holding `bits`.
    pub(crate) fn push_host_global(&mut self, ty: GlobalType, bits: u128) -> GlobalId {
        let mut def = Box::new(VMGlobalDefinition::new(bits));
        let ptr = NonNull::from(&mut *def);
        self.host_globals.push(def);
        self.push_global(ty, ptr)
    }

    pub(crate) fn push_global(&mut self, ty: GlobalType, def: NonNull<VMGlobalDefinition>) -> GlobalId {
        self.globals.push(GlobalEntry { ty, def });
        GlobalId((self.globals.len() - 1) as u32)
    }

    /// A global's value bits.
    pub(crate) fn global_get(&self, id: GlobalId) -> u128 {
        // SAFETY: the definition lives in an instance context or a box the
        // store owns, for as long as the store; `&self` excludes writers.
        unsafe { self.globals[id.index()].def.as_ref().get() }
    }

    /// Sets a global's value bits.
    pub(crate) fn global_set(&mut self, id: GlobalId, bits: u128) {
        // SAFETY: as in `global_get`; `&mut self` makes the write exclusive.
        unsafe { self.globals[id.index()].def.as_ref().set(bits) }
    }

    /// Records how the body of an array call ended, for its caller: `true`
    /// when it returned normally, else `false` with the error or panic kept
    /// in `pending`.
    pub(crate) fn record_outcome(&mut self, outcome: std::thread::Result<anyhow::Result<()>>) -> bool {
        match outcome {
            Ok(Ok(())) => return true,
            Ok(Err(e)) => self.pending = Some(PendingError::Error(e)),
            Err(panic) => self.pending = Some(PendingError::Panic(panic)),
        }
        false
    }

    /// Takes the error a failed array call left, as a `Result` (a panic
    /// goes on unwinding).
    pub(crate) fn take_pending(&mut self) -> anyhow::Error {
        match self.pending.take() {
            Some(PendingError::Error(e)) => e,
            Some(PendingError::Panic(p)) => std::panic::resume_unwind(p),
            None => anyhow::anyhow!("a call into WebAssembly failed without recording an error"),
        }
    }
}

/// A value in the uniform call ABI between host and wasm: wide enough for
/// any wasm value (128 bits), interpreted by the function's type.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
#[repr(transparent)]
pub struct ValRaw(u128);

impl ValRaw {
    /// An i32.
    pub fn i32(v: i32) -> ValRaw {
        ValRaw(v as u32 as u128)
    }
    /// An i64.
    pub fn i64(v: i64) -> ValRaw {
        ValRaw(v as u64 as u128)
    }
    /// An f32, by its bits.
    pub fn f32(bits: u32) -> ValRaw {
        ValRaw(bits as u128)
    }
    /// An f64, by its bits.
    pub fn f64(bits: u64) -> ValRaw {
        ValRaw(bits as u128)
    }
    /// A v128.
    pub fn v128(bits: u128) -> ValRaw {
        ValRaw(bits)
    }
    /// Reads an i32.
    pub fn get_i32(&self) -> i32 {
        self.0 as u32 as i32
    }
    /// Reads an i64.
    pub fn get_i64(&self) -> i64 {
        self.0 as u64 as i64
    }
    /// Reads an f32's bits.
    pub fn get_f32(&self) -> u32 {
        self.0 as u32
    }
    /// Reads an f64's bits.
    pub fn get_f64(&self) -> u64 {
        self.0 as u64
    }
    /// Reads a v128.
    pub fn get_v128(&self) -> u128 {
        self.0
    }
    /// The low 64 bits, as an interpreter slot holds them.
    pub(crate) fn slot(&self) -> u64 {
        self.0 as u64
    }
    pub(crate) fn from_slot(v: u64) -> ValRaw {
        ValRaw(v as u128)
    }
}

impl std::fmt::Debug for ValRaw {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ValRaw({:#x})", self.0)
    }
}
