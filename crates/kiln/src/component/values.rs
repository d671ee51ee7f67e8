//! Dynamic component values ([`Val`]) and their canonical-ABI lifting and
//! lowering, to and from linear memory and flat core values.
//!
//! The functions follow `load`/`store` and `lift_flat`/`lower_flat` of
//! `design/mvp/CanonicalABI.md` in WebAssembly/component-model, for 32-bit
//! memories, over the call contexts of [`super::cx`]: the guest's memory,
//! `realloc`, string encoding and handle table. Everything read from guest
//! memory or guest-supplied flat values is checked: a bad value is a
//! [`LiftError`] (a trap, to the caller), never a panic, and no allocation
//! is sized by a guest length before that length has been checked against
//! the memory it claims to occupy.
//!
//! `realloc` is a guest call that may grow (and so move) memory: nothing
//! here holds a memory slice across it; every access fetches the memory
//! again.
//!
//! Strings, in all three encodings, are in [`strings`]; the lifting and
//! lowering of a function's parameters and result as a whole (flat, or
//! through memory past the flat limits) in [`func`].
//!
//! Not supported yet (a [`LiftError`] when met): `error-context`, `future`
//! and `stream` handles, which need the async proposal's tables.

use std::fmt;

use super::abi::{self, Discriminant, FlatType, MAX_FLAT_PARAMS};
use super::cx::{LiftCx, LowerCx};
use super::resources::ResourceAny;
use super::types::ValueType;

pub(crate) mod func;
pub(crate) mod strings;

/// A component-model value, of any type.
///
/// Mirrors the shape of Wasmtime's `component::Val`. A fixed-length list is
/// a [`Val::List`] too; a `map<K, V>` is a [`Val::List`] of two-element
/// [`Val::Tuple`]s, as the canonical ABI passes it.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// `bool`
    Bool(bool),
    /// `s8`
    S8(i8),
    /// `u8`
    U8(u8),
    /// `s16`
    S16(i16),
    /// `u16`
    U16(u16),
    /// `s32`
    S32(i32),
    /// `u32`
    U32(u32),
    /// `s64`
    S64(i64),
    /// `u64`
    U64(u64),
    /// `f32`
    Float32(f32),
    /// `f64`
    Float64(f64),
    /// `char`
    Char(char),
    /// `string`
    String(String),
    /// `list<T>`, `list<T, N>`, and `map<K, V>` (as a list of pairs).
    List(Vec<Val>),
    /// `record`: fields with their names, in declaration order.
    Record(Vec<(String, Val)>),
    /// `tuple`
    Tuple(Vec<Val>),
    /// `variant`: the case's name and its payload, if the case has one.
    Variant(String, Option<Box<Val>>),
    /// `enum`: the case's name.
    Enum(String),
    /// `option<T>`
    Option(Option<Box<Val>>),
    /// `result<T?, E?>`: each side with its payload, if that side has one.
    Result(Result<Option<Box<Val>>, Option<Box<Val>>>),
    /// `flags`: the names of the flags that are set, in declaration order.
    Flags(Vec<String>),
    /// `own<R>` or `borrow<R>`: a handle to the resource. Lowering an `own`
    /// needs an owned handle; a `borrow` takes either (the host lends an
    /// owned one for the call).
    Resource(ResourceAny),
}

/// A canonical-ABI trap while lifting or lowering a value, with why.
///
/// Lowering uses it too (a realloc that fails, a host value of the wrong
/// type, an allocation out of bounds): it is the one error of this module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LiftError(pub(crate) String);

impl LiftError {
    pub(crate) fn new(msg: impl Into<String>) -> Self {
        LiftError(msg.into())
    }
}

impl fmt::Display for LiftError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LiftError {}

impl From<abi::AbiError> for LiftError {
    fn from(e: abi::AbiError) -> Self {
        LiftError(e.to_string())
    }
}

/// A short name of `ty`'s kind, for error messages.
pub(crate) fn type_name(ty: &ValueType) -> &'static str {
    match ty {
        ValueType::Bool => "bool",
        ValueType::S8 => "s8",
        ValueType::U8 => "u8",
        ValueType::S16 => "s16",
        ValueType::U16 => "u16",
        ValueType::S32 => "s32",
        ValueType::U32 => "u32",
        ValueType::S64 => "s64",
        ValueType::U64 => "u64",
        ValueType::F32 => "f32",
        ValueType::F64 => "f64",
        ValueType::Char => "char",
        ValueType::String => "string",
        ValueType::ErrorContext => "error-context",
        ValueType::List(_) => "list",
        ValueType::FixedList(..) => "fixed-length list",
        ValueType::Map(..) => "map",
        ValueType::Record(_) => "record",
        ValueType::Tuple(_) => "tuple",
        ValueType::Variant(_) => "variant",
        ValueType::Enum(_) => "enum",
        ValueType::Option(_) => "option",
        ValueType::Result { .. } => "result",
        ValueType::Flags(_) => "flags",
        ValueType::Own(_) => "own",
        ValueType::Borrow(_) => "borrow",
        ValueType::Future(_) => "future",
        ValueType::Stream(_) => "stream",
    }
}

/// The error for a handle type this module cannot lift or lower yet.
pub(crate) fn unsupported(ty: &ValueType) -> LiftError {
    LiftError(format!("{} values are not supported yet", type_name(ty)))
}

impl Val {
    /// A short name of this value's kind, for error messages.
    fn kind(&self) -> &'static str {
        match self {
            Val::Bool(_) => "bool",
            Val::S8(_) => "s8",
            Val::U8(_) => "u8",
            Val::S16(_) => "s16",
            Val::U16(_) => "u16",
            Val::S32(_) => "s32",
            Val::U32(_) => "u32",
            Val::S64(_) => "s64",
            Val::U64(_) => "u64",
            Val::Float32(_) => "f32",
            Val::Float64(_) => "f64",
            Val::Char(_) => "char",
            Val::String(_) => "string",
            Val::List(_) => "list",
            Val::Record(_) => "record",
            Val::Tuple(_) => "tuple",
            Val::Variant(..) => "variant",
            Val::Enum(_) => "enum",
            Val::Option(_) => "option",
            Val::Result(_) => "result",
            Val::Flags(_) => "flags",
            Val::Resource(_) => "resource",
        }
    }

    /// Checks that this value is of type `ty`, naming the first mismatch
    /// (and where in the value it is) if not.
    ///
    /// A resource handle's type is not checked here (`ty` names it by the
    /// component's own numbering): lowering it checks it against the
    /// handle table. Only its ownership is: an `own` needs an owned handle.
    pub(crate) fn type_check(&self, ty: &ValueType) -> Result<(), String> {
        let mismatch = || Err(format!("expected {}, found {}", type_name(ty), self.kind()));
        match (ty, self) {
            (ValueType::Bool, Val::Bool(_))
            | (ValueType::S8, Val::S8(_))
            | (ValueType::U8, Val::U8(_))
            | (ValueType::S16, Val::S16(_))
            | (ValueType::U16, Val::U16(_))
            | (ValueType::S32, Val::S32(_))
            | (ValueType::U32, Val::U32(_))
            | (ValueType::S64, Val::S64(_))
            | (ValueType::U64, Val::U64(_))
            | (ValueType::F32, Val::Float32(_))
            | (ValueType::F64, Val::Float64(_))
            | (ValueType::Char, Val::Char(_))
            | (ValueType::String, Val::String(_))
            | (ValueType::Borrow(_), Val::Resource(_)) => Ok(()),
            (ValueType::Own(_), Val::Resource(r)) => {
                if r.owned() {
                    Ok(())
                } else {
                    Err("expected own, found a borrowed resource handle".into())
                }
            }
            (ValueType::List(elem), Val::List(items)) => check_items(items.iter().zip(std::iter::repeat(&**elem))),
            (ValueType::FixedList(elem, len), Val::List(items)) => {
                if items.len() != *len as usize {
                    return Err(format!("expected a list of {len} elements, found {}", items.len()));
                }
                check_items(items.iter().zip(std::iter::repeat(&**elem)))
            }
            (ValueType::Map(k, v), Val::List(items)) => {
                let pair = ValueType::Tuple(vec![(**k).clone(), (**v).clone()]);
                check_items(items.iter().zip(std::iter::repeat(&pair)))
            }
            (ValueType::Record(fields), Val::Record(vals)) => {
                if fields.len() != vals.len() {
                    return Err(format!("expected a record of {} fields, found {}", fields.len(), vals.len()));
                }
                for ((name, t), (vname, v)) in fields.iter().zip(vals) {
                    if name != vname {
                        return Err(format!("expected record field `{name}`, found `{vname}`"));
                    }
                    v.type_check(t).map_err(|e| format!("in field `{name}`: {e}"))?;
                }
                Ok(())
            }
            (ValueType::Tuple(types), Val::Tuple(vals)) => {
                if types.len() != vals.len() {
                    return Err(format!("expected a tuple of {} elements, found {}", types.len(), vals.len()));
                }
                check_items(vals.iter().zip(types))
            }
            (ValueType::Variant(cases), Val::Variant(name, payload)) => {
                let Some((_, t)) = cases.iter().find(|(n, _)| n == name) else {
                    return Err(format!("no variant case `{name}`"));
                };
                check_payload(t.as_ref(), payload.as_deref()).map_err(|e| format!("in case `{name}`: {e}"))
            }
            (ValueType::Enum(names), Val::Enum(name)) => {
                if names.contains(name) {
                    Ok(())
                } else {
                    Err(format!("no enum case `{name}`"))
                }
            }
            (ValueType::Option(t), Val::Option(payload)) => match payload {
                None => Ok(()),
                Some(v) => v.type_check(t).map_err(|e| format!("in `some`: {e}")),
            },
            (ValueType::Result { ok, err }, Val::Result(r)) => match r {
                Ok(v) => check_payload(ok.as_deref(), v.as_deref()).map_err(|e| format!("in `ok`: {e}")),
                Err(v) => check_payload(err.as_deref(), v.as_deref()).map_err(|e| format!("in `error`: {e}")),
            },
            (ValueType::Flags(names), Val::Flags(set)) => match set.iter().find(|s| !names.contains(s)) {
                Some(s) => Err(format!("no flag `{s}`")),
                None => Ok(()),
            },
            _ => mismatch(),
        }
    }
}

/// Type-checks list or tuple elements, naming the index of a bad one.
fn check_items<'a>(items: impl Iterator<Item = (&'a Val, &'a ValueType)>) -> Result<(), String> {
    for (i, (v, t)) in items.enumerate() {
        v.type_check(t).map_err(|e| format!("in element {i}: {e}"))?;
    }
    Ok(())
}

/// Type-checks an optional payload against an optional payload type.
fn check_payload(ty: Option<&ValueType>, val: Option<&Val>) -> Result<(), String> {
    match (ty, val) {
        (None, None) => Ok(()),
        (Some(t), Some(v)) => v.type_check(t),
        (None, Some(_)) => Err("expected no payload, found one".into()),
        (Some(_), None) => Err("expected a payload, found none".into()),
    }
}

/// Type-checks a host value about to be lowered, as a [`LiftError`].
fn check_value(ty: &ValueType, val: &Val) -> Result<(), LiftError> {
    val.type_check(ty).map_err(|e| LiftError(format!("value does not match its type: {e}")))
}

// ---------------------------------------------------------------------------
// Small helpers shared by both paths (and by the typed API).

/// Builds the lifted value of variant-like `ty` for case `index` with
/// `payload`, or `None` if `index` is not a case of `ty`.
fn make_variant(ty: &ValueType, index: usize, payload: Option<Val>) -> Option<Val> {
    let payload = payload.map(Box::new);
    Some(match ty {
        ValueType::Variant(cases) => Val::Variant(cases.get(index)?.0.clone(), payload),
        ValueType::Enum(names) => Val::Enum(names.get(index)?.clone()),
        ValueType::Option(_) => Val::Option(if index == 0 { None } else { payload }),
        _ => Val::Result(if index == 0 { Ok(payload) } else { Err(payload) }),
    })
}

/// The case index and payload of variant-like value `val` of type `ty`.
fn match_case<'v>(ty: &ValueType, val: &'v Val) -> Result<(usize, Option<&'v Val>), LiftError> {
    let found = match (ty, val) {
        (ValueType::Variant(cases), Val::Variant(name, p)) => {
            cases.iter().position(|(n, _)| n == name).map(|i| (i, p.as_deref()))
        }
        (ValueType::Enum(names), Val::Enum(name)) => names.iter().position(|n| n == name).map(|i| (i, None)),
        (ValueType::Option(_), Val::Option(p)) => Some((usize::from(p.is_some()), p.as_deref())),
        (ValueType::Result { .. }, Val::Result(Ok(p))) => Some((0, p.as_deref())),
        (ValueType::Result { .. }, Val::Result(Err(p))) => Some((1, p.as_deref())),
        _ => None,
    };
    found.ok_or_else(|| mismatch(ty, val))
}

/// The error for a host value that does not match its type.
fn mismatch(ty: &ValueType, val: &Val) -> LiftError {
    match val.type_check(ty) {
        Err(e) => LiftError(format!("value does not match its type: {e}")),
        Ok(()) => LiftError(format!("value does not match its type: expected {}", type_name(ty))),
    }
}

/// The error for a case index a guest gave that is not a case of `ty`.
///
/// The wording starts as Wasmtime's does, which the reference tests match.
pub(crate) fn bad_discriminant(ty: &ValueType, index: u32, cases: usize) -> LiftError {
    LiftError(format!("invalid variant discriminant {index} for {} of {cases} cases", type_name(ty)))
}

/// Checks a guest `char` (`convert_i32_to_char`): a Unicode scalar value,
/// so neither a surrogate nor above U+10FFFF.
pub(crate) fn to_char(i: u32) -> Result<char, LiftError> {
    char::from_u32(i).ok_or_else(|| LiftError(format!("invalid `char` bit pattern {i:#x}")))
}

/// Checks a guest `bool` in memory.
///
/// The spec takes any nonzero byte as `true` (`convert_int_to_bool`); Kiln
/// rejects other bytes than 0 and 1, as Wasmtime does, since only a guest
/// that disagrees about the type writes one. (A flat `bool` is an `i32` of
/// which any nonzero value is `true`, as the spec says: core code computes
/// those with arithmetic, and the reference tests pass 2.)
pub(crate) fn byte_to_bool(b: u8) -> Result<bool, LiftError> {
    match b {
        0 => Ok(false),
        1 => Ok(true),
        b => Err(LiftError(format!("invalid boolean value {b}"))),
    }
}

/// NaNs cross the boundary as the canonical NaN (`canonicalize_nan32`), so
/// no NaN payload bits leak between components.
pub(crate) fn canon_f32(f: f32) -> f32 {
    if f.is_nan() {
        f32::from_bits(0x7fc0_0000)
    } else {
        f
    }
}

/// As [`canon_f32`], for `f64` (`canonicalize_nan64`).
pub(crate) fn canon_f64(f: f64) -> f64 {
    if f.is_nan() {
        f64::from_bits(0x7ff8_0000_0000_0000)
    } else {
        f
    }
}

/// Unpacks flag bits (word `i` holding flags `32 * i ..`) into the names of
/// the set flags.
///
/// Bits beyond the flag count are ignored, as the spec's
/// `unpack_flags_from_int` does (the reference tests pass such junk bits
/// and expect them dropped).
fn unpack_flags(names: &[String], words: &[u32]) -> Val {
    let set = names
        .iter()
        .enumerate()
        .filter(|(i, _)| words.get(i / 32).is_some_and(|w| w & (1 << (i % 32)) != 0))
        .map(|(_, n)| n.clone())
        .collect();
    Val::Flags(set)
}

/// Packs the set flags of `val` into words (flag `i` in word `i / 32`).
fn pack_flags(names: &[String], val: &Val, ty: &ValueType) -> Result<Vec<u32>, LiftError> {
    let Val::Flags(set) = val else { return Err(mismatch(ty, val)) };
    let mut words = vec![0u32; names.len().div_ceil(32)];
    for s in set {
        let i = names.iter().position(|n| n == s).ok_or_else(|| mismatch(ty, val))?;
        words[i / 32] |= 1 << (i % 32);
    }
    Ok(words)
}

/// Gives a resource handle to the guest as a value of `ty` (`own` or
/// `borrow`).
pub(crate) fn lower_handle(cx: &mut dyn LowerCx, ty: &ValueType, r: ResourceAny) -> Result<u32, LiftError> {
    match ty {
        // Giving away ownership of a resource the host only borrows would
        // let the guest destroy it under its owner.
        ValueType::Own(_) if !r.owned() => Err(LiftError::new("cannot lower a borrowed resource handle as an `own`")),
        ValueType::Own(_) | ValueType::Borrow(_) => cx.lower_resource(ty, r),
        _ => Err(LiftError(format!("value does not match its type: expected {}, found resource", type_name(ty)))),
    }
}

// ---------------------------------------------------------------------------
// Memory access and pointer checks.

/// Reads `N` bytes at `ptr`, or fails if they are not all in `mem`.
pub(crate) fn read<const N: usize>(mem: &[u8], ptr: u32) -> Result<[u8; N], LiftError> {
    let start = ptr as usize;
    start.checked_add(N).and_then(|end| mem.get(start..end)).and_then(|b| b.try_into().ok()).ok_or_else(|| {
        LiftError(format!("read of {N} bytes at {ptr:#x} is out of bounds of memory ({} bytes)", mem.len()))
    })
}

/// The `len` bytes of `mem` at `ptr`, or an error if they are not all in it.
pub(crate) fn slice(mem: &[u8], ptr: u32, len: u32) -> Result<&[u8], LiftError> {
    let mem_len = mem.len();
    (ptr as usize)
        .checked_add(len as usize)
        .and_then(|end| mem.get(ptr as usize..end))
        .ok_or_else(|| LiftError(format!("{len} bytes at {ptr:#x} are out of bounds of memory ({mem_len} bytes)")))
}

/// As [`slice`], mutably.
pub(crate) fn slice_mut(mem: &mut [u8], ptr: u32, len: u32) -> Result<&mut [u8], LiftError> {
    let mem_len = mem.len();
    (ptr as usize)
        .checked_add(len as usize)
        .and_then(|end| mem.get_mut(ptr as usize..end))
        .ok_or_else(|| LiftError(format!("{len} bytes at {ptr:#x} are out of bounds of memory ({mem_len} bytes)")))
}

/// Writes `bytes` at `ptr` in the guest's memory, or fails if they do not
/// all fit.
pub(crate) fn write(cx: &mut dyn LowerCx, ptr: u32, bytes: &[u8]) -> Result<(), LiftError> {
    let mem = cx.memory_mut();
    let len = mem.len();
    let start = ptr as usize;
    let dst = start.checked_add(bytes.len()).and_then(|end| mem.get_mut(start..end)).ok_or_else(|| {
        LiftError(format!("write of {} bytes at {ptr:#x} is out of bounds of memory ({len} bytes)", bytes.len()))
    })?;
    dst.copy_from_slice(bytes);
    Ok(())
}

/// `ptr + offset`, failing rather than wrapping past 4 GiB.
pub(crate) fn add(ptr: u32, offset: u32) -> Result<u32, LiftError> {
    ptr.checked_add(offset).ok_or_else(|| LiftError(format!("address {ptr:#x} + {offset:#x} overflows 32 bits")))
}

/// Checks that a `size`-byte, `align`-aligned `what` at guest pointer `ptr`
/// is aligned and inside `mem_len` bytes: the spec's traps for a pointer
/// the guest gives. Alignment is checked first, as the spec does.
///
/// The messages start with Wasmtime's wording ("unaligned pointer", "...
/// pointer/length out of bounds of memory", "... content out-of-bounds"),
/// which the reference tests match.
pub(crate) fn check_range(what: &str, ptr: u32, size: u64, align: u32, mem_len: usize) -> Result<(), LiftError> {
    if !ptr.is_multiple_of(align) {
        return Err(LiftError(format!("unaligned pointer: {what} pointer {ptr:#x} is not aligned to {align}")));
    }
    if u64::from(ptr) + size > mem_len as u64 {
        return Err(LiftError(format!(
            "{what} pointer/length out of bounds of memory ({what} content out-of-bounds: {size} bytes at \
             {ptr:#x}, memory is {mem_len} bytes)"
        )));
    }
    Ok(())
}

/// Checks a block the guest's `realloc` returned for `size` bytes of
/// alignment `align`, as [`check_range`] does a guest pointer.
pub(crate) fn check_realloc(what: &str, ptr: u32, size: u64, align: u32, mem_len: usize) -> Result<(), LiftError> {
    if !ptr.is_multiple_of(align) {
        return Err(LiftError(format!(
            "realloc return: result not aligned (unaligned pointer {ptr:#x} for {what}, alignment {align})"
        )));
    }
    if u64::from(ptr) + size > mem_len as u64 {
        return Err(LiftError(format!(
            "realloc return: beyond end of memory ({what} content out-of-bounds: {size} bytes at {ptr:#x}, \
             memory is {mem_len} bytes)"
        )));
    }
    Ok(())
}

/// Calls the guest's `realloc` for a fresh block of `size` bytes aligned to
/// `align` and checks what it returns.
pub(crate) fn alloc(cx: &mut dyn LowerCx, what: &str, size: u32, align: u32) -> Result<u32, LiftError> {
    let ptr = cx.realloc(0, 0, align, size)?;
    check_realloc(what, ptr, u64::from(size), align, cx.memory_mut().len())?;
    Ok(ptr)
}

/// Refuses `len` zero-sized elements when there are more than bytes of
/// memory. Only hand-built types have zero-sized elements (validation
/// rejects empty records, tuples and flags); for them neither memory nor
/// the flat values bound the element count, and this keeps a count of up to
/// 2^32 from turning into that many allocated values.
pub(crate) fn check_empty_elements(size: u32, len: u32, mem_len: usize) -> Result<(), LiftError> {
    if size == 0 && len as usize > mem_len {
        return Err(LiftError(format!("list of {len} zero-sized elements is longer than memory")));
    }
    Ok(())
}

/// Checks a list of `len` elements of `elem` at guest pointer `begin`
/// (`load_list_from_range`'s traps) and returns the element layout.
pub(crate) fn check_list(elem: &ValueType, begin: u32, len: u32, mem_len: usize) -> Result<abi::Layout, LiftError> {
    let l = abi::layout(elem)?;
    let bytes = u64::from(len) * u64::from(l.size);
    if bytes > u64::from(u32::MAX) {
        return Err(LiftError(format!("list of {len} elements of {} bytes overflows 32 bits", l.size)));
    }
    check_range("list", begin, bytes, l.align, mem_len)?;
    check_empty_elements(l.size, len, mem_len)?;
    Ok(l)
}

/// Allocates the block for a list of `len` elements of `elem` to be lowered
/// (`store_list_into_range`'s allocation); returns it and the element
/// layout.
pub(crate) fn alloc_list(cx: &mut dyn LowerCx, elem: &ValueType, len: usize) -> Result<(u32, abi::Layout), LiftError> {
    let l = abi::layout(elem)?;
    let bytes = (len as u64).checked_mul(u64::from(l.size)).filter(|b| *b <= u64::from(u32::MAX));
    let (Some(bytes), Ok(_)) = (bytes, u32::try_from(len)) else {
        return Err(LiftError(format!("list of {len} elements of {} bytes is too large to lower", l.size)));
    };
    Ok((alloc(cx, "list", bytes as u32, l.align)?, l))
}

/// The element type of a `list<T>` (`T`) or `map<K, V>` (`tuple<K, V>`).
pub(crate) fn list_elem(ty: &ValueType) -> Option<std::borrow::Cow<'_, ValueType>> {
    use std::borrow::Cow;
    match ty {
        ValueType::List(elem) => Some(Cow::Borrowed(&**elem)),
        ValueType::Map(k, v) => Some(Cow::Owned(ValueType::Tuple(vec![(**k).clone(), (**v).clone()]))),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Memory: `load` and `store`.

/// Reads a value of type `ty` from the guest's memory at `offset` (the
/// spec's `load`).
///
/// `offset` is guest-supplied (a return area, a parameter block), so it is
/// checked for alignment and bounds like every pointer inside the value.
// The call paths use `func`; tests (and future callers) use this directly.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn lift_from_memory(cx: &mut dyn LiftCx, ty: &ValueType, offset: u32) -> Result<Val, LiftError> {
    let l = abi::layout(ty)?;
    check_range("value", offset, u64::from(l.size), l.align, cx.memory().len())?;
    load(cx, ty, offset)
}

/// The spec's `load`; `ptr`'s alignment and bounds for `ty` are checked by
/// the caller, and every read checks bounds again anyway.
pub(crate) fn load(cx: &mut dyn LiftCx, ty: &ValueType, ptr: u32) -> Result<Val, LiftError> {
    Ok(match ty {
        ValueType::Bool => Val::Bool(byte_to_bool(read::<1>(cx.memory(), ptr)?[0])?),
        ValueType::S8 => Val::S8(i8::from_le_bytes(read(cx.memory(), ptr)?)),
        ValueType::U8 => Val::U8(u8::from_le_bytes(read(cx.memory(), ptr)?)),
        ValueType::S16 => Val::S16(i16::from_le_bytes(read(cx.memory(), ptr)?)),
        ValueType::U16 => Val::U16(u16::from_le_bytes(read(cx.memory(), ptr)?)),
        ValueType::S32 => Val::S32(i32::from_le_bytes(read(cx.memory(), ptr)?)),
        ValueType::U32 => Val::U32(u32::from_le_bytes(read(cx.memory(), ptr)?)),
        ValueType::S64 => Val::S64(i64::from_le_bytes(read(cx.memory(), ptr)?)),
        ValueType::U64 => Val::U64(u64::from_le_bytes(read(cx.memory(), ptr)?)),
        ValueType::F32 => Val::Float32(canon_f32(f32::from_le_bytes(read(cx.memory(), ptr)?))),
        ValueType::F64 => Val::Float64(canon_f64(f64::from_le_bytes(read(cx.memory(), ptr)?))),
        ValueType::Char => Val::Char(to_char(u32::from_le_bytes(read(cx.memory(), ptr)?))?),
        ValueType::Own(_) | ValueType::Borrow(_) => {
            let index = u32::from_le_bytes(read(cx.memory(), ptr)?);
            Val::Resource(cx.lift_resource(ty, index)?)
        }
        ValueType::ErrorContext | ValueType::Future(_) | ValueType::Stream(_) => return Err(unsupported(ty)),
        ValueType::String => {
            let (begin, len) = read_pair(cx.memory(), ptr)?;
            Val::String(strings::load_string_from_range(&*cx, begin, len)?)
        }
        ValueType::List(_) | ValueType::Map(..) => {
            let (begin, len) = read_pair(cx.memory(), ptr)?;
            let elem = list_elem(ty).ok_or_else(|| unsupported(ty))?;
            load_list(cx, &elem, begin, len)?
        }
        ValueType::FixedList(elem, len) => {
            // Inline: the type's size (checked by the caller) covers every
            // element, so `len` is bounded by memory unless elements are
            // empty, which only a hand-built type has.
            let size = abi::layout(elem)?.size;
            check_empty_elements(size, *len, cx.memory().len())?;
            let mut items = Vec::with_capacity((*len as usize).min(cx.memory().len()));
            for i in 0..*len {
                items.push(load(cx, elem, add(ptr, i * size)?)?);
            }
            Val::List(items)
        }
        ValueType::Record(fields) => {
            let rl = abi::record_layout(fields.iter().map(|(_, t)| t))?;
            let mut vals = Vec::with_capacity(fields.len());
            for ((name, t), off) in fields.iter().zip(rl.offsets) {
                vals.push((name.clone(), load(cx, t, add(ptr, off)?)?));
            }
            Val::Record(vals)
        }
        ValueType::Tuple(types) => Val::Tuple(load_fields(cx, types, ptr)?),
        ValueType::Flags(names) => {
            let mem = cx.memory();
            let words: Vec<u32> = match names.len() {
                0 => Vec::new(),
                1..=8 => vec![u32::from(read::<1>(mem, ptr)?[0])],
                9..=16 => vec![u32::from(u16::from_le_bytes(read(mem, ptr)?))],
                n => (0..n.div_ceil(32) as u32)
                    .map(|i| Ok(u32::from_le_bytes(read(mem, add(ptr, i * 4)?)?)))
                    .collect::<Result<_, LiftError>>()?,
            };
            unpack_flags(names, &words)
        }
        ValueType::Variant(_) | ValueType::Enum(_) | ValueType::Option(_) | ValueType::Result { .. } => {
            let cases = abi::variant_cases(ty).unwrap_or_default();
            let vl = abi::variant_layout(&cases)?;
            let index = read_discriminant(cx.memory(), vl.discriminant, ptr)?;
            let Some(case) = cases.get(index as usize) else {
                return Err(bad_discriminant(ty, index, cases.len()));
            };
            let payload = match case {
                Some(t) => Some(load(cx, t, add(ptr, vl.payload_offset)?)?),
                None => None,
            };
            make_variant(ty, index as usize, payload).ok_or_else(|| bad_discriminant(ty, index, cases.len()))?
        }
    })
}

/// Reads a variant's case index, stored as `disc` at `ptr`.
pub(crate) fn read_discriminant(mem: &[u8], disc: Discriminant, ptr: u32) -> Result<u32, LiftError> {
    Ok(match disc {
        Discriminant::U8 => u32::from(read::<1>(mem, ptr)?[0]),
        Discriminant::U16 => u32::from(u16::from_le_bytes(read(mem, ptr)?)),
        Discriminant::U32 => u32::from_le_bytes(read(mem, ptr)?),
    })
}

/// Writes a variant's case index as `disc` at `ptr`.
pub(crate) fn write_discriminant(
    cx: &mut dyn LowerCx,
    disc: Discriminant,
    ptr: u32,
    index: u32,
) -> Result<(), LiftError> {
    // Case counts fit the discriminant chosen for them.
    match disc {
        Discriminant::U8 => write(cx, ptr, &[index as u8]),
        Discriminant::U16 => write(cx, ptr, &(index as u16).to_le_bytes()),
        Discriminant::U32 => write(cx, ptr, &index.to_le_bytes()),
    }
}

/// Loads the fields of a tuple of `types` at `ptr` (also a function's
/// parameters, which are passed as one).
pub(crate) fn load_fields(cx: &mut dyn LiftCx, types: &[ValueType], ptr: u32) -> Result<Vec<Val>, LiftError> {
    let rl = abi::record_layout(types)?;
    let mut vals = Vec::with_capacity(types.len());
    for (t, off) in types.iter().zip(rl.offsets) {
        vals.push(load(cx, t, add(ptr, off)?)?);
    }
    Ok(vals)
}

/// Reads the `(pointer, length)` pair of a string or list.
pub(crate) fn read_pair(mem: &[u8], ptr: u32) -> Result<(u32, u32), LiftError> {
    Ok((u32::from_le_bytes(read(mem, ptr)?), u32::from_le_bytes(read(mem, add(ptr, 4)?)?)))
}

/// `load_list_from_range`: `len` elements of `elem` at `begin`, aligned and
/// in bounds before anything is allocated for them.
fn load_list(cx: &mut dyn LiftCx, elem: &ValueType, begin: u32, len: u32) -> Result<Val, LiftError> {
    let l = check_list(elem, begin, len, cx.memory().len())?;
    let mut items = Vec::with_capacity(len as usize);
    for i in 0..len {
        // In range: `i * size < bytes <= u32::MAX` and `begin + bytes` is
        // in memory.
        items.push(load(cx, elem, begin + i * l.size)?);
    }
    Ok(Val::List(items))
}

/// Writes `val` of type `ty` into the guest's memory at `offset` (the
/// spec's `store`), calling `realloc` for the contents of strings and lists.
///
/// `val` must be of type `ty` (else an error, before anything is written);
/// `offset` must be aligned for `ty` with the whole value in memory.
/// Pointers `realloc` returns are checked like guest pointers. On error,
/// memory may hold part of the value.
// The call paths use `func`; tests (and future callers) use this directly.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn lower_to_memory(cx: &mut dyn LowerCx, ty: &ValueType, val: &Val, offset: u32) -> Result<(), LiftError> {
    check_value(ty, val)?;
    let l = abi::layout(ty)?;
    check_range("value", offset, u64::from(l.size), l.align, cx.memory_mut().len())?;
    store(cx, ty, val, offset)
}

/// The spec's `store`.
pub(crate) fn store(cx: &mut dyn LowerCx, ty: &ValueType, val: &Val, ptr: u32) -> Result<(), LiftError> {
    match (ty, val) {
        (ValueType::Bool, Val::Bool(b)) => write(cx, ptr, &[u8::from(*b)]),
        (ValueType::S8, Val::S8(x)) => write(cx, ptr, &x.to_le_bytes()),
        (ValueType::U8, Val::U8(x)) => write(cx, ptr, &x.to_le_bytes()),
        (ValueType::S16, Val::S16(x)) => write(cx, ptr, &x.to_le_bytes()),
        (ValueType::U16, Val::U16(x)) => write(cx, ptr, &x.to_le_bytes()),
        (ValueType::S32, Val::S32(x)) => write(cx, ptr, &x.to_le_bytes()),
        (ValueType::U32, Val::U32(x)) => write(cx, ptr, &x.to_le_bytes()),
        (ValueType::S64, Val::S64(x)) => write(cx, ptr, &x.to_le_bytes()),
        (ValueType::U64, Val::U64(x)) => write(cx, ptr, &x.to_le_bytes()),
        (ValueType::F32, Val::Float32(x)) => write(cx, ptr, &canon_f32(*x).to_le_bytes()),
        (ValueType::F64, Val::Float64(x)) => write(cx, ptr, &canon_f64(*x).to_le_bytes()),
        (ValueType::Char, Val::Char(c)) => write(cx, ptr, &u32::from(*c).to_le_bytes()),
        (ValueType::Own(_) | ValueType::Borrow(_), Val::Resource(r)) => {
            let index = lower_handle(cx, ty, *r)?;
            write(cx, ptr, &index.to_le_bytes())
        }
        (ValueType::String, Val::String(s)) => {
            let (begin, len) = strings::store_string(cx, s)?;
            write_pair(cx, ptr, begin, len)
        }
        (ValueType::List(_) | ValueType::Map(..), Val::List(items)) => {
            let elem = list_elem(ty).ok_or_else(|| mismatch(ty, val))?;
            let (begin, len) = store_list(cx, &elem, items)?;
            write_pair(cx, ptr, begin, len)
        }
        (ValueType::FixedList(elem, len), Val::List(items)) if items.len() == *len as usize => {
            let size = abi::layout(elem)?.size;
            let mut at = ptr;
            for item in items {
                store(cx, elem, item, at)?;
                at = add(at, size)?;
            }
            Ok(())
        }
        (ValueType::Record(fields), Val::Record(vals)) if fields.len() == vals.len() => {
            let rl = abi::record_layout(fields.iter().map(|(_, t)| t))?;
            for (((_, t), (_, v)), off) in fields.iter().zip(vals).zip(rl.offsets) {
                store(cx, t, v, add(ptr, off)?)?;
            }
            Ok(())
        }
        (ValueType::Tuple(types), Val::Tuple(vals)) if types.len() == vals.len() => store_fields(cx, types, vals, ptr),
        (ValueType::Flags(names), _) => {
            let words = pack_flags(names, val, ty)?;
            match names.len() {
                0 => Ok(()),
                // One word, at most 16 bits used: the low bytes.
                1..=8 => write(cx, ptr, &[words[0] as u8]),
                9..=16 => write(cx, ptr, &(words[0] as u16).to_le_bytes()),
                _ => {
                    for (i, w) in words.iter().enumerate() {
                        write(cx, add(ptr, i as u32 * 4)?, &w.to_le_bytes())?;
                    }
                    Ok(())
                }
            }
        }
        (ValueType::Variant(_) | ValueType::Enum(_) | ValueType::Option(_) | ValueType::Result { .. }, _) => {
            let cases = abi::variant_cases(ty).unwrap_or_default();
            let vl = abi::variant_layout(&cases)?;
            let (index, payload) = match_case(ty, val)?;
            write_discriminant(cx, vl.discriminant, ptr, index as u32)?;
            match (cases.get(index).copied().flatten(), payload) {
                (Some(t), Some(v)) => store(cx, t, v, add(ptr, vl.payload_offset)?),
                (None, None) => Ok(()),
                _ => Err(mismatch(ty, val)),
            }
        }
        (ValueType::ErrorContext | ValueType::Future(_) | ValueType::Stream(_), _) => Err(unsupported(ty)),
        _ => Err(mismatch(ty, val)),
    }
}

/// Stores the fields of a tuple of `types` at `ptr` (also a function's
/// parameters, which are passed as one).
pub(crate) fn store_fields(cx: &mut dyn LowerCx, types: &[ValueType], vals: &[Val], ptr: u32) -> Result<(), LiftError> {
    let rl = abi::record_layout(types)?;
    for ((t, v), off) in types.iter().zip(vals).zip(rl.offsets) {
        store(cx, t, v, add(ptr, off)?)?;
    }
    Ok(())
}

/// Writes the `(pointer, length)` pair of a string or list.
pub(crate) fn write_pair(cx: &mut dyn LowerCx, ptr: u32, begin: u32, len: u32) -> Result<(), LiftError> {
    write(cx, ptr, &begin.to_le_bytes())?;
    write(cx, add(ptr, 4)?, &len.to_le_bytes())
}

/// `store_list_into_range`: a fresh block for the elements, each stored in
/// turn. Returns `(pointer, length)`.
fn store_list(cx: &mut dyn LowerCx, elem: &ValueType, items: &[Val]) -> Result<(u32, u32), LiftError> {
    let (begin, l) = alloc_list(cx, elem, items.len())?;
    for (i, item) in items.iter().enumerate() {
        // In range: checked by `alloc_list`.
        store(cx, elem, item, begin + i as u32 * l.size)?;
    }
    Ok((begin, items.len() as u32))
}

// ---------------------------------------------------------------------------
// Flat: `lift_flat` and `lower_flat`.
//
// A flat core value is a `u64` holding its bits: an `i32` zero-extended (as
// `x as u32 as u64`), an `i64` as is, an `f32` as its bits zero-extended, an
// `f64` as its bits. The types of the values are those of
// [`abi::flatten`]. With this encoding, the spec's coercions between a
// variant case's flat types and the joined ones (`f32` in an `i32`, an `i32`
// or `f32` in an `i64`, an `f64` in an `i64`) are all reading or writing the
// low 32 or all 64 bits, which is what the lifting and lowering of the
// payload's own types do anyway.

/// Pulls the next flat value, failing if there are too few.
fn next(flat: &mut dyn Iterator<Item = u64>) -> Result<u64, LiftError> {
    flat.next().ok_or_else(|| LiftError::new("too few flat values for the type"))
}

/// Pulls the next flat `i32` (the low 32 bits of the next value).
fn next_i32(flat: &mut dyn Iterator<Item = u64>) -> Result<u32, LiftError> {
    Ok(next(flat)? as u32)
}

/// How many flat values `ty` takes.
///
/// Bounded by [`MAX_FLAT_PARAMS`]: a type that flattens to more is never
/// passed flat, so asking for it is an error.
pub(crate) fn flat_count(ty: &ValueType) -> Result<usize, LiftError> {
    let mut out: Vec<FlatType> = Vec::new();
    abi::flatten(ty, &mut out, MAX_FLAT_PARAMS)
        .map_err(|_| LiftError(format!("{} type flattens to more than {MAX_FLAT_PARAMS} values", type_name(ty))))?;
    Ok(out.len())
}

/// Reads a value of type `ty` from flat core values (the spec's
/// `lift_flat`), with the guest memory the values' pointers point into.
///
/// See the section comment above for how core values are encoded as `u64`.
// The call paths use `func`; tests (and future callers) use this directly.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn lift_from_flat(
    cx: &mut dyn LiftCx,
    ty: &ValueType,
    flat: &mut impl Iterator<Item = u64>,
) -> Result<Val, LiftError> {
    lift_flat(cx, ty, flat)
}

/// The spec's `lift_flat`, over a trait object so recursion does not
/// instantiate a new iterator type per level.
pub(crate) fn lift_flat(
    cx: &mut dyn LiftCx,
    ty: &ValueType,
    flat: &mut dyn Iterator<Item = u64>,
) -> Result<Val, LiftError> {
    Ok(match ty {
        // In flat form any nonzero `i32` is `true` (`convert_int_to_bool`),
        // and narrow integers wrap (`lift_flat_signed`/`_unsigned`).
        ValueType::Bool => Val::Bool(next_i32(flat)? != 0),
        ValueType::S8 => Val::S8(next_i32(flat)? as i8),
        ValueType::U8 => Val::U8(next_i32(flat)? as u8),
        ValueType::S16 => Val::S16(next_i32(flat)? as i16),
        ValueType::U16 => Val::U16(next_i32(flat)? as u16),
        ValueType::S32 => Val::S32(next_i32(flat)? as i32),
        ValueType::U32 => Val::U32(next_i32(flat)?),
        ValueType::S64 => Val::S64(next(flat)? as i64),
        ValueType::U64 => Val::U64(next(flat)?),
        ValueType::F32 => Val::Float32(canon_f32(f32::from_bits(next_i32(flat)?))),
        ValueType::F64 => Val::Float64(canon_f64(f64::from_bits(next(flat)?))),
        ValueType::Char => Val::Char(to_char(next_i32(flat)?)?),
        ValueType::Own(_) | ValueType::Borrow(_) => {
            let index = next_i32(flat)?;
            Val::Resource(cx.lift_resource(ty, index)?)
        }
        ValueType::ErrorContext | ValueType::Future(_) | ValueType::Stream(_) => return Err(unsupported(ty)),
        ValueType::String => {
            let (begin, len) = (next_i32(flat)?, next_i32(flat)?);
            Val::String(strings::load_string_from_range(&*cx, begin, len)?)
        }
        ValueType::List(_) | ValueType::Map(..) => {
            let (begin, len) = (next_i32(flat)?, next_i32(flat)?);
            let elem = list_elem(ty).ok_or_else(|| unsupported(ty))?;
            load_list(cx, &elem, begin, len)?
        }
        ValueType::FixedList(elem, len) => {
            // Every element takes at least one flat value unless it is
            // empty, so `len` is bounded by the values there are.
            check_empty_elements(abi::layout(elem)?.size, *len, cx.memory().len())?;
            let mut items = Vec::new();
            for _ in 0..*len {
                items.push(lift_flat(cx, elem, flat)?);
            }
            Val::List(items)
        }
        ValueType::Record(fields) => Val::Record(
            fields
                .iter()
                .map(|(name, t)| Ok((name.clone(), lift_flat(cx, t, flat)?)))
                .collect::<Result<_, LiftError>>()?,
        ),
        ValueType::Tuple(types) => {
            Val::Tuple(types.iter().map(|t| lift_flat(cx, t, flat)).collect::<Result<_, LiftError>>()?)
        }
        ValueType::Flags(names) => {
            let words =
                (0..names.len().div_ceil(32)).map(|_| next_i32(flat)).collect::<Result<Vec<u32>, LiftError>>()?;
            unpack_flags(names, &words)
        }
        ValueType::Variant(_) | ValueType::Enum(_) | ValueType::Option(_) | ValueType::Result { .. } => {
            let total = flat_count(ty)?;
            let index = next_i32(flat)?;
            let cases = abi::variant_cases(ty).unwrap_or_default();
            let Some(case) = cases.get(index as usize) else {
                return Err(bad_discriminant(ty, index, cases.len()));
            };
            // The payload reads a prefix of the joined slots; the rest are
            // consumed and ignored (`for have in flat_types: vi.next(have)`).
            let mut used = 0usize;
            let payload = match case {
                Some(t) => {
                    let mut counted = (&mut *flat).inspect(|_| used += 1);
                    Some(lift_flat(cx, t, &mut counted)?)
                }
                None => None,
            };
            for _ in used..total - 1 {
                next(flat)?;
            }
            make_variant(ty, index as usize, payload).ok_or_else(|| bad_discriminant(ty, index, cases.len()))?
        }
    })
}

/// Appends the flat core values of `val` of type `ty` to `out` (the spec's
/// `lower_flat`), storing the contents of strings and lists in the guest's
/// memory through its `realloc`.
///
/// See the section comment above for how core values are encoded as `u64`.
/// `val` must be of type `ty`, else an error before anything is done.
// The call paths use `func`; tests (and future callers) use this directly.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn lower_to_flat(
    cx: &mut dyn LowerCx,
    ty: &ValueType,
    val: &Val,
    out: &mut Vec<u64>,
) -> Result<(), LiftError> {
    check_value(ty, val)?;
    lower_flat(cx, ty, val, out)
}

/// The spec's `lower_flat`.
pub(crate) fn lower_flat(cx: &mut dyn LowerCx, ty: &ValueType, val: &Val, out: &mut Vec<u64>) -> Result<(), LiftError> {
    // Signed narrow integers are sign-extended to 32 bits, then stored as
    // an `i32`'s bits.
    let i32v = |x: i32| u64::from(x as u32);
    match (ty, val) {
        (ValueType::Bool, Val::Bool(b)) => out.push(u64::from(*b)),
        (ValueType::S8, Val::S8(x)) => out.push(i32v(i32::from(*x))),
        (ValueType::U8, Val::U8(x)) => out.push(u64::from(*x)),
        (ValueType::S16, Val::S16(x)) => out.push(i32v(i32::from(*x))),
        (ValueType::U16, Val::U16(x)) => out.push(u64::from(*x)),
        (ValueType::S32, Val::S32(x)) => out.push(i32v(*x)),
        (ValueType::U32, Val::U32(x)) => out.push(u64::from(*x)),
        (ValueType::S64, Val::S64(x)) => out.push(*x as u64),
        (ValueType::U64, Val::U64(x)) => out.push(*x),
        (ValueType::F32, Val::Float32(x)) => out.push(u64::from(canon_f32(*x).to_bits())),
        (ValueType::F64, Val::Float64(x)) => out.push(canon_f64(*x).to_bits()),
        (ValueType::Char, Val::Char(c)) => out.push(u64::from(u32::from(*c))),
        (ValueType::Own(_) | ValueType::Borrow(_), Val::Resource(r)) => out.push(u64::from(lower_handle(cx, ty, *r)?)),
        (ValueType::String, Val::String(s)) => {
            let (begin, len) = strings::store_string(cx, s)?;
            out.extend([u64::from(begin), u64::from(len)]);
        }
        (ValueType::List(_) | ValueType::Map(..), Val::List(items)) => {
            let elem = list_elem(ty).ok_or_else(|| mismatch(ty, val))?;
            let (begin, len) = store_list(cx, &elem, items)?;
            out.extend([u64::from(begin), u64::from(len)]);
        }
        (ValueType::FixedList(elem, len), Val::List(items)) if items.len() == *len as usize => {
            for item in items {
                lower_flat(cx, elem, item, out)?;
            }
        }
        (ValueType::Record(fields), Val::Record(vals)) if fields.len() == vals.len() => {
            for ((_, t), (_, v)) in fields.iter().zip(vals) {
                lower_flat(cx, t, v, out)?;
            }
        }
        (ValueType::Tuple(types), Val::Tuple(vals)) if types.len() == vals.len() => {
            for (t, v) in types.iter().zip(vals) {
                lower_flat(cx, t, v, out)?;
            }
        }
        (ValueType::Flags(names), _) => out.extend(pack_flags(names, val, ty)?.into_iter().map(u64::from)),
        (ValueType::Variant(_) | ValueType::Enum(_) | ValueType::Option(_) | ValueType::Result { .. }, _) => {
            let total = flat_count(ty)?;
            let cases = abi::variant_cases(ty).unwrap_or_default();
            let (index, payload) = match_case(ty, val)?;
            let start = out.len();
            out.push(index as u64);
            match (cases.get(index).copied().flatten(), payload) {
                (Some(t), Some(v)) => lower_flat(cx, t, v, out)?,
                (None, None) => {}
                _ => return Err(mismatch(ty, val)),
            }
            // The joined slots this case leaves unused are zero.
            out.resize(start + total, 0);
        }
        (ValueType::ErrorContext | ValueType::Future(_) | ValueType::Stream(_), _) => return Err(unsupported(ty)),
        _ => return Err(mismatch(ty, val)),
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests;
