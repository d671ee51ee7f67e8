//! Values that cross the API: `Val`, references, and their slot encoding.

use crate::func::Func;
use crate::store::AsContextMut;
use crate::types::{HeapType, RefType, ValType};
use crate::vm::{FuncRefPtr, StoreId, StoreOpaque, ValRaw};
use anyhow::{bail, Result};
use std::any::Any;

/// A WebAssembly value.
#[derive(Clone, Copy, Debug)]
pub enum Val {
    /// An i32.
    I32(i32),
    /// An i64.
    I64(i64),
    /// An f32, by its bits (so NaN payloads survive).
    F32(u32),
    /// An f64, by its bits.
    F64(u64),
    /// A v128.
    V128(V128),
    /// A function reference, or null.
    FuncRef(Option<Func>),
    /// A host reference, or null.
    ExternRef(Option<ExternRef>),
}

impl Val {
    /// The value's type.
    pub fn ty(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::V128(_) => ValType::V128,
            Val::FuncRef(_) => ValType::FUNCREF,
            Val::ExternRef(_) => ValType::EXTERNREF,
        }
    }
    /// The i32, if this is one.
    pub fn i32(&self) -> Option<i32> {
        if let Val::I32(v) = self {
            Some(*v)
        } else {
            None
        }
    }
    /// The i64, if this is one.
    pub fn i64(&self) -> Option<i64> {
        if let Val::I64(v) = self {
            Some(*v)
        } else {
            None
        }
    }
    /// The f32, if this is one.
    pub fn f32(&self) -> Option<f32> {
        if let Val::F32(v) = self {
            Some(f32::from_bits(*v))
        } else {
            None
        }
    }
    /// The f64, if this is one.
    pub fn f64(&self) -> Option<f64> {
        if let Val::F64(v) = self {
            Some(f64::from_bits(*v))
        } else {
            None
        }
    }
    /// The v128, if this is one.
    pub fn v128(&self) -> Option<V128> {
        if let Val::V128(v) = self {
            Some(*v)
        } else {
            None
        }
    }

    /// The i32.
    ///
    /// # Panics
    /// When this is not an i32.
    pub fn unwrap_i32(&self) -> i32 {
        self.i32().expect("expected i32")
    }
    /// The i64.
    ///
    /// # Panics
    /// When this is not an i64.
    pub fn unwrap_i64(&self) -> i64 {
        self.i64().expect("expected i64")
    }
    /// The f32.
    ///
    /// # Panics
    /// When this is not an f32.
    pub fn unwrap_f32(&self) -> f32 {
        self.f32().expect("expected f32")
    }
    /// The f64.
    ///
    /// # Panics
    /// When this is not an f64.
    pub fn unwrap_f64(&self) -> f64 {
        self.f64().expect("expected f64")
    }
    /// The v128.
    ///
    /// # Panics
    /// When this is not a v128.
    pub fn unwrap_v128(&self) -> V128 {
        self.v128().expect("expected v128")
    }

    /// The function reference, if this is a `funcref`: `Some(None)` for
    /// null, `Some(Some(f))` otherwise.
    pub fn funcref(&self) -> Option<Option<&Func>> {
        match self {
            Val::FuncRef(f) => Some(f.as_ref()),
            _ => None,
        }
    }
    /// The function reference (`None` for null).
    ///
    /// # Panics
    /// When this is not a `funcref`.
    pub fn unwrap_funcref(&self) -> Option<&Func> {
        self.funcref().expect("expected funcref")
    }
    /// The same as [`Val::funcref`] (Wasmtime has both names).
    pub fn func_ref(&self) -> Option<Option<&Func>> {
        self.funcref()
    }
    /// The same as [`Val::unwrap_funcref`].
    ///
    /// # Panics
    /// When this is not a `funcref`.
    pub fn unwrap_func_ref(&self) -> Option<&Func> {
        self.unwrap_funcref()
    }

    /// The host reference, if this is an `externref`: `Some(None)` for
    /// null, `Some(Some(r))` otherwise.
    pub fn externref(&self) -> Option<Option<&ExternRef>> {
        match self {
            Val::ExternRef(e) => Some(e.as_ref()),
            _ => None,
        }
    }
    /// The host reference (`None` for null).
    ///
    /// # Panics
    /// When this is not an `externref`.
    pub fn unwrap_externref(&self) -> Option<&ExternRef> {
        self.externref().expect("expected externref")
    }
    /// The same as [`Val::externref`] (Wasmtime has both names).
    pub fn extern_ref(&self) -> Option<Option<&ExternRef>> {
        self.externref()
    }
    /// The same as [`Val::unwrap_externref`].
    ///
    /// # Panics
    /// When this is not an `externref`.
    pub fn unwrap_extern_ref(&self) -> Option<&ExternRef> {
        self.unwrap_externref()
    }

    /// The reference, if this is one (Wasmtime's name for [`Val::as_ref`]).
    pub fn ref_(self) -> Option<Ref> {
        self.as_ref()
    }

    /// The reference, if this is one.
    pub fn as_ref(&self) -> Option<Ref> {
        match self {
            Val::FuncRef(f) => Some(Ref::Func(*f)),
            Val::ExternRef(e) => Some(Ref::Extern(*e)),
            _ => None,
        }
    }

    /// The zero value of a type (null for references).
    pub fn default_for(ty: &ValType) -> Val {
        match ty {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0),
            ValType::F64 => Val::F64(0),
            ValType::V128 => Val::V128(V128(0)),
            ValType::Ref(r) => Ref::null(r.heap_type()).into(),
        }
    }

    /// Encodes the value for the raw call ABI, checking that it belongs to
    /// `store` and has type `ty`.
    pub(crate) fn to_raw(self, store: &StoreOpaque, ty: &ValType) -> Result<ValRaw> {
        let v = match (&self, ty) {
            (Val::I32(v), ValType::I32) => ValRaw::i32(*v),
            (Val::I64(v), ValType::I64) => ValRaw::i64(*v),
            (Val::F32(v), ValType::F32) => ValRaw::f32(*v),
            (Val::F64(v), ValType::F64) => ValRaw::f64(*v),
            (Val::V128(v), ValType::V128) => ValRaw::v128(v.0),
            (Val::FuncRef(f), ValType::Ref(r)) if r.heap_type() == HeapType::Func => ValRaw::from_slot(match f {
                Some(f) => f.slot(store)?,
                None if r.is_nullable() => 0,
                None => bail!("null reference given where a non-null {r} is required"),
            }),
            (Val::ExternRef(e), ValType::Ref(r)) if r.heap_type() == HeapType::Extern => ValRaw::from_slot(match e {
                Some(e) => e.slot(store)?,
                None if r.is_nullable() => 0,
                None => bail!("null reference given where a non-null {r} is required"),
            }),
            (v, ty) => bail!("type mismatch: expected a value of type {ty}, got {}", v.ty()),
        };
        Ok(v)
    }

    /// Decodes a raw value of type `ty`.
    pub(crate) fn from_raw(store: &StoreOpaque, ty: &ValType, v: ValRaw) -> Val {
        match ty {
            ValType::I32 => Val::I32(v.get_i32()),
            ValType::I64 => Val::I64(v.get_i64()),
            ValType::F32 => Val::F32(v.get_f32()),
            ValType::F64 => Val::F64(v.get_f64()),
            ValType::V128 => Val::V128(V128(v.get_v128())),
            ValType::Ref(r) => Ref::from_slot(store, r.heap_type(), v.slot()).into(),
        }
    }
}

impl From<i32> for Val {
    fn from(v: i32) -> Val {
        Val::I32(v)
    }
}
impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::I64(v)
    }
}
impl From<f32> for Val {
    fn from(v: f32) -> Val {
        Val::F32(v.to_bits())
    }
}
impl From<f64> for Val {
    fn from(v: f64) -> Val {
        Val::F64(v.to_bits())
    }
}
impl From<V128> for Val {
    fn from(v: V128) -> Val {
        Val::V128(v)
    }
}
impl From<Ref> for Val {
    fn from(r: Ref) -> Val {
        match r {
            Ref::Func(f) => Val::FuncRef(f),
            Ref::Extern(e) => Val::ExternRef(e),
        }
    }
}
impl From<Option<Func>> for Val {
    fn from(f: Option<Func>) -> Val {
        Val::FuncRef(f)
    }
}
impl From<ExternRef> for Val {
    fn from(e: ExternRef) -> Val {
        Val::ExternRef(Some(e))
    }
}
impl From<Option<ExternRef>> for Val {
    fn from(e: Option<ExternRef>) -> Val {
        Val::ExternRef(e)
    }
}
impl From<Func> for Val {
    fn from(f: Func) -> Val {
        Val::FuncRef(Some(f))
    }
}

/// A 128-bit SIMD vector, as `v128` values hold it: lane 0 in the least
/// significant bits (wasm's little-endian lane order).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct V128(u128);

impl V128 {
    /// The vector whose bits are `bits`.
    pub const fn from_u128(bits: u128) -> V128 {
        V128(bits)
    }
    /// The vector's bits.
    pub const fn as_u128(&self) -> u128 {
        self.0
    }
}

impl From<u128> for V128 {
    fn from(bits: u128) -> V128 {
        V128(bits)
    }
}

impl From<V128> for u128 {
    fn from(v: V128) -> u128 {
        v.0
    }
}

/// A reference value: what tables hold.
#[derive(Clone, Copy, Debug)]
pub enum Ref {
    /// A function reference, or null.
    Func(Option<Func>),
    /// A host reference, or null.
    Extern(Option<ExternRef>),
}

impl Ref {
    /// The null reference of a heap type.
    pub fn null(heap_type: HeapType) -> Ref {
        match heap_type {
            HeapType::Func => Ref::Func(None),
            HeapType::Extern => Ref::Extern(None),
        }
    }
    /// Is this null?
    pub fn is_null(&self) -> bool {
        matches!(self, Ref::Func(None) | Ref::Extern(None))
    }
    /// The function, if this is a non-null function reference.
    pub fn as_func(&self) -> Option<&Func> {
        match self {
            Ref::Func(Some(f)) => Some(f),
            _ => None,
        }
    }
    /// The host reference, if this is a non-null one.
    pub fn as_extern(&self) -> Option<&ExternRef> {
        match self {
            Ref::Extern(Some(e)) => Some(e),
            _ => None,
        }
    }

    pub(crate) fn to_slot(self, store: &StoreOpaque, ty: &RefType) -> Result<u64> {
        Ok(Val::from(self).to_raw(store, &ValType::Ref(*ty))?.slot())
    }

    pub(crate) fn from_slot(store: &StoreOpaque, heap_type: HeapType, v: u64) -> Ref {
        match heap_type {
            HeapType::Func => Ref::Func(FuncRefPtr::from_bits(v as usize).map(|f| Func::from_func_ref(store.id, f))),
            HeapType::Extern => Ref::Extern((v != 0).then(|| ExternRef { store: store.id, index: (v - 1) as u32 })),
        }
    }
}

impl From<Func> for Ref {
    fn from(f: Func) -> Ref {
        Ref::Func(Some(f))
    }
}

/// A reference to a host value that wasm can hold (as `externref`) but not
/// look into. The value lives as long as its store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExternRef {
    pub(crate) store: StoreId,
    pub(crate) index: u32,
}

impl ExternRef {
    /// Puts `value` in the store and returns a reference to it.
    pub fn new<T: Any + Send + Sync>(mut store: impl AsContextMut, value: T) -> Result<ExternRef> {
        let opaque = &mut store.as_context_mut().0.opaque;
        let index = u32::try_from(opaque.externs.len()).map_err(|_| anyhow::anyhow!("too many externrefs"))?;
        opaque.externs.push(Box::new(value));
        Ok(ExternRef { store: opaque.id, index })
    }

    /// The host value. Errors when used with another store than its own.
    pub fn data<'a, T: 'a>(
        &self,
        store: impl Into<crate::store::StoreContext<'a, T>>,
    ) -> Result<&'a (dyn Any + Send + Sync)> {
        let store = store.into().0;
        if store.opaque.id != self.store {
            bail!("externref used with the wrong store");
        }
        Ok(&*store.opaque.externs[self.index as usize])
    }

    pub(crate) fn slot(&self, store: &StoreOpaque) -> Result<u64> {
        if store.id != self.store {
            bail!("externref used with the wrong store");
        }
        Ok(self.index as u64 + 1)
    }

    /// Are these the same reference?
    pub fn ptr_eq(a: &ExternRef, b: &ExternRef) -> bool {
        a == b
    }
}
