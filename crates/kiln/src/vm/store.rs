//! The part of a store that does not depend on the host's data type: every
//! runtime object lives here, and API handles are indices into it.

use super::{LinearMemory, Table};
use crate::engine::{Engine, SigId};
use crate::module::Module;
use crate::types::GlobalType;
use std::any::Any;
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

/// Where a function's code is.
#[derive(Clone, Copy, Debug)]
pub(crate) enum FuncKind {
    /// A function defined by a module instance: `index` is in the module's
    /// function index space.
    Wasm { instance: u32, index: u32 },
    /// A host function: index into the typed store's host function list.
    Host { index: u32 },
}

pub(crate) struct FuncEntry {
    pub(crate) kind: FuncKind,
    pub(crate) sig: SigId,
}

pub(crate) struct GlobalEntry {
    pub(crate) ty: GlobalType,
    pub(crate) value: u64,
}

/// A module instance: its module and where its entities are in the store.
pub(crate) struct InstanceEntry {
    pub(crate) module: Module,
    pub(crate) funcs: Box<[u32]>,
    pub(crate) tables: Box<[u32]>,
    pub(crate) memories: Box<[u32]>,
    pub(crate) globals: Box<[u32]>,
    /// Passive data segments still available to `memory.init`.
    pub(crate) data_dropped: Box<[bool]>,
    /// Element segments, evaluated; `None` once dropped (or used when active).
    pub(crate) elems: Box<[Option<Box<[u64]>>]>,
    /// The store function id of the exported `_start` (a command's entry),
    /// and whether it has been entered: a command instance runs once.
    pub(crate) command_start: Option<u32>,
    pub(crate) started: bool,
}

/// The objects of one store. (Public only so the hidden methods of
/// `WasmTy` can name it; it is not reachable from outside the crate.)
#[doc(hidden)]
pub struct StoreOpaque {
    pub(crate) id: StoreId,
    pub(crate) engine: Engine,
    pub(crate) funcs: Vec<FuncEntry>,
    pub(crate) instances: Vec<InstanceEntry>,
    pub(crate) memories: Vec<LinearMemory>,
    pub(crate) tables: Vec<Table>,
    pub(crate) globals: Vec<GlobalEntry>,
    /// Host values behind externrefs. They live as long as the store.
    pub(crate) externs: Vec<Box<dyn Any + Send + Sync>>,
    /// The interpreter's value stack, kept between calls to avoid reallocating.
    pub(crate) stack: Vec<u64>,
    /// Wasm stack bytes in use by activations further out (host → wasm → host → wasm).
    pub(crate) stack_in_use: usize,
}

impl StoreOpaque {
    pub(crate) fn new(engine: &Engine) -> StoreOpaque {
        StoreOpaque {
            id: StoreId::allocate(),
            engine: engine.clone(),
            funcs: Vec::new(),
            instances: Vec::new(),
            memories: Vec::new(),
            tables: Vec::new(),
            globals: Vec::new(),
            externs: Vec::new(),
            stack: Vec::new(),
            stack_in_use: 0,
        }
    }

    pub(crate) fn push_func(&mut self, entry: FuncEntry) -> u32 {
        self.funcs.push(entry);
        (self.funcs.len() - 1) as u32
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
