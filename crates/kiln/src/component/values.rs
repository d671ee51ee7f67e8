//! Dynamic component values ([`Val`]) and their canonical-ABI lifting and
//! lowering, to and from linear memory and flat core values.
//!
//! The functions follow `load`/`store` and `lift_flat`/`lower_flat` of
//! `design/mvp/CanonicalABI.md` in WebAssembly/component-model, for 32-bit
//! memories. Everything read from guest memory or guest-supplied flat values
//! is checked: a bad value is a [`LiftError`] (a trap, to the caller), never
//! a panic, and no allocation is sized by a guest length before that length
//! has been checked against the memory it claims to occupy.
//!
//! Only the UTF-8 string encoding is implemented; `utf16` and
//! `latin1+utf16` come later.
//!
//! Not supported yet (a [`LiftError`] when met): `error-context`, `future`
//! and `stream` handles, which need the async proposal's tables.

// Nothing in the runtime calls into this module yet; this goes when the
// component runtime does.
#![allow(dead_code)]

use std::fmt;

use super::abi::{self, Discriminant, FlatType, MAX_FLAT_PARAMS};
use super::types::ValueType;

/// A component-model value, of any type.
///
/// Mirrors the shape of Wasmtime's `component::Val`. A fixed-length list is
/// a [`Val::List`] too; a `map<K, V>` is a [`Val::List`] of two-element
/// [`Val::Tuple`]s, as the canonical ABI passes it. `own` and `borrow`
/// handles are [`Val::Resource`] with the raw handle index for now.
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
    /// `own<R>` or `borrow<R>`: the handle's index in the resource table.
    Resource(u32),
}

/// A canonical-ABI trap while lifting or lowering a value, with why.
///
/// Lowering uses it too (a realloc that fails, a host value of the wrong
/// type, an allocation out of bounds): it is the one error of this module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LiftError(pub(crate) String);

impl LiftError {
    fn new(msg: impl Into<String>) -> Self {
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

/// The guest's `realloc`: `(old_ptr, old_size, align, new_size) -> ptr`.
///
/// Lowering only ever allocates fresh blocks (`old_ptr = old_size = 0`), as
/// the spec's `store` does. It cannot grow `mem` while lowering holds it;
/// memory growth during lowering needs a different interface and comes with
/// the `canon lower` trampolines.
pub(crate) type Realloc<'a> = dyn FnMut(u32, u32, u32, u32) -> Result<u32, LiftError> + 'a;

/// A short name of `ty`'s kind, for error messages.
fn type_name(ty: &ValueType) -> &'static str {
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
fn unsupported(ty: &ValueType) -> LiftError {
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
            | (ValueType::Own(_) | ValueType::Borrow(_), Val::Resource(_)) => Ok(()),
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

// ---------------------------------------------------------------------------
// Small helpers shared by both paths.

/// Builds the lifted value of variant-like `ty` for case `index` with
/// `payload`. `index` has been checked against the case count.
fn make_variant(ty: &ValueType, index: usize, payload: Option<Val>) -> Val {
    let payload = payload.map(Box::new);
    match ty {
        ValueType::Variant(cases) => Val::Variant(cases[index].0.clone(), payload),
        ValueType::Enum(names) => Val::Enum(names[index].clone()),
        ValueType::Option(_) => Val::Option(if index == 0 { None } else { payload }),
        _ => Val::Result(if index == 0 { Ok(payload) } else { Err(payload) }),
    }
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

/// Checks a guest `char` (`convert_i32_to_char`): a Unicode scalar value,
/// so neither a surrogate nor above U+10FFFF.
fn to_char(i: u32) -> Result<char, LiftError> {
    char::from_u32(i).ok_or_else(|| LiftError(format!("invalid char value {i:#x}")))
}

/// NaNs cross the boundary as the canonical NaN (`canonicalize_nan32`), so
/// no NaN payload bits leak between components.
fn canon_f32(f: f32) -> f32 {
    if f.is_nan() {
        f32::from_bits(0x7fc0_0000)
    } else {
        f
    }
}

/// As [`canon_f32`], for `f64` (`canonicalize_nan64`).
fn canon_f64(f: f64) -> f64 {
    if f.is_nan() {
        f64::from_bits(0x7ff8_0000_0000_0000)
    } else {
        f
    }
}

/// Unpacks flag bits (word `i` holding flags `32 * i ..`) into the names of
/// the set flags, rejecting bits beyond the flag count.
///
/// The spec ignores such bits; Kiln rejects them, as they can only come
/// from a guest that disagrees about the type.
fn unpack_flags(names: &[String], words: &[u32]) -> Result<Val, LiftError> {
    let mut set = Vec::new();
    for (w, &word) in words.iter().enumerate() {
        for bit in 0..32 {
            if word & (1 << bit) == 0 {
                continue;
            }
            match names.get(w * 32 + bit) {
                Some(name) => set.push(name.clone()),
                None => {
                    return Err(LiftError(format!(
                        "flags bit {} set, but there are {} flags",
                        w * 32 + bit,
                        names.len()
                    )))
                }
            }
        }
    }
    Ok(Val::Flags(set))
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

// ---------------------------------------------------------------------------
// Memory: `load` and `store`.

/// Reads `N` bytes at `ptr`, or fails if they are not all in `mem`.
fn read<const N: usize>(mem: &[u8], ptr: u32) -> Result<[u8; N], LiftError> {
    let start = ptr as usize;
    start
        .checked_add(N)
        .and_then(|end| mem.get(start..end))
        .map(|b| b.try_into().expect("slice of length N"))
        .ok_or_else(|| {
            LiftError(format!("read of {N} bytes at {ptr:#x} is out of bounds of memory ({} bytes)", mem.len()))
        })
}

/// Writes `bytes` at `ptr`, or fails if they do not all fit in `mem`.
fn write(mem: &mut [u8], ptr: u32, bytes: &[u8]) -> Result<(), LiftError> {
    let len = mem.len();
    let start = ptr as usize;
    let dst = start.checked_add(bytes.len()).and_then(|end| mem.get_mut(start..end)).ok_or_else(|| {
        LiftError(format!("write of {} bytes at {ptr:#x} is out of bounds of memory ({len} bytes)", bytes.len()))
    })?;
    dst.copy_from_slice(bytes);
    Ok(())
}

/// `ptr + offset`, failing rather than wrapping past 4 GiB.
fn add(ptr: u32, offset: u32) -> Result<u32, LiftError> {
    ptr.checked_add(offset).ok_or_else(|| LiftError(format!("address {ptr:#x} + {offset:#x} overflows 32 bits")))
}

/// Checks that a `size`-byte, `align`-aligned value at `ptr` is aligned and
/// inside `mem_len` bytes: the spec's traps for a guest-supplied pointer.
fn check_range(what: &str, ptr: u32, size: u64, align: u32, mem_len: usize) -> Result<(), LiftError> {
    if !ptr.is_multiple_of(align) {
        return Err(LiftError(format!("{what} pointer {ptr:#x} is not aligned to {align}")));
    }
    if u64::from(ptr) + size > mem_len as u64 {
        return Err(LiftError(format!(
            "{what} at {ptr:#x} of {size} bytes is out of bounds of memory ({mem_len} bytes)"
        )));
    }
    Ok(())
}

/// Reads a value of type `ty` from `mem` at `offset` (the spec's `load`).
///
/// `offset` is guest-supplied (a return area, a parameter block), so it is
/// checked for alignment and bounds like every pointer inside the value.
pub(crate) fn lift_from_memory(ty: &ValueType, mem: &[u8], offset: u32) -> Result<Val, LiftError> {
    let l = abi::layout(ty)?;
    check_range("value", offset, u64::from(l.size), l.align, mem.len())?;
    load(ty, mem, offset)
}

/// The spec's `load`; `ptr`'s alignment and bounds for `ty` are checked by
/// the caller, and every read checks bounds again anyway.
fn load(ty: &ValueType, mem: &[u8], ptr: u32) -> Result<Val, LiftError> {
    Ok(match ty {
        ValueType::Bool => match read::<1>(mem, ptr)?[0] {
            0 => Val::Bool(false),
            1 => Val::Bool(true),
            // The spec takes any nonzero byte as `true`; Kiln rejects it,
            // as Wasmtime does, since only a confused guest writes one.
            b => return Err(LiftError(format!("invalid bool value {b}"))),
        },
        ValueType::S8 => Val::S8(i8::from_le_bytes(read(mem, ptr)?)),
        ValueType::U8 => Val::U8(u8::from_le_bytes(read(mem, ptr)?)),
        ValueType::S16 => Val::S16(i16::from_le_bytes(read(mem, ptr)?)),
        ValueType::U16 => Val::U16(u16::from_le_bytes(read(mem, ptr)?)),
        ValueType::S32 => Val::S32(i32::from_le_bytes(read(mem, ptr)?)),
        ValueType::U32 => Val::U32(u32::from_le_bytes(read(mem, ptr)?)),
        ValueType::S64 => Val::S64(i64::from_le_bytes(read(mem, ptr)?)),
        ValueType::U64 => Val::U64(u64::from_le_bytes(read(mem, ptr)?)),
        ValueType::F32 => Val::Float32(canon_f32(f32::from_le_bytes(read(mem, ptr)?))),
        ValueType::F64 => Val::Float64(canon_f64(f64::from_le_bytes(read(mem, ptr)?))),
        ValueType::Char => Val::Char(to_char(u32::from_le_bytes(read(mem, ptr)?))?),
        ValueType::Own(_) | ValueType::Borrow(_) => Val::Resource(u32::from_le_bytes(read(mem, ptr)?)),
        ValueType::ErrorContext | ValueType::Future(_) | ValueType::Stream(_) => return Err(unsupported(ty)),
        ValueType::String => {
            let (begin, len) = read_pair(mem, ptr)?;
            load_string(mem, begin, len)?
        }
        ValueType::List(elem) => {
            let (begin, len) = read_pair(mem, ptr)?;
            load_list(elem, mem, begin, len)?
        }
        ValueType::Map(k, v) => {
            let (begin, len) = read_pair(mem, ptr)?;
            load_list(&ValueType::Tuple(vec![(**k).clone(), (**v).clone()]), mem, begin, len)?
        }
        ValueType::FixedList(elem, len) => {
            // Inline: the type's size (checked by the caller) covers every
            // element, so `len` is bounded by memory unless elements are
            // empty, which only a hand-built type has.
            let size = abi::layout(elem)?.size;
            check_empty_elements(size, *len, mem)?;
            let mut items = Vec::with_capacity((*len as usize).min(mem.len()));
            for i in 0..*len {
                items.push(load(elem, mem, add(ptr, i * size)?)?);
            }
            Val::List(items)
        }
        ValueType::Record(fields) => {
            let rl = abi::record_layout(fields.iter().map(|(_, t)| t))?;
            let mut vals = Vec::with_capacity(fields.len());
            for ((name, t), off) in fields.iter().zip(rl.offsets) {
                vals.push((name.clone(), load(t, mem, add(ptr, off)?)?));
            }
            Val::Record(vals)
        }
        ValueType::Tuple(types) => {
            let rl = abi::record_layout(types)?;
            let mut vals = Vec::with_capacity(types.len());
            for (t, off) in types.iter().zip(rl.offsets) {
                vals.push(load(t, mem, add(ptr, off)?)?);
            }
            Val::Tuple(vals)
        }
        ValueType::Flags(names) => {
            let words: Vec<u32> = match names.len() {
                0 => Vec::new(),
                1..=8 => vec![u32::from(read::<1>(mem, ptr)?[0])],
                9..=16 => vec![u32::from(u16::from_le_bytes(read(mem, ptr)?))],
                n => (0..n.div_ceil(32) as u32)
                    .map(|i| Ok(u32::from_le_bytes(read(mem, add(ptr, i * 4)?)?)))
                    .collect::<Result<_, LiftError>>()?,
            };
            unpack_flags(names, &words)?
        }
        ValueType::Variant(_) | ValueType::Enum(_) | ValueType::Option(_) | ValueType::Result { .. } => {
            let cases = abi::variant_cases(ty).unwrap_or_default();
            let vl = abi::variant_layout(&cases)?;
            let index = match vl.discriminant {
                Discriminant::U8 => u32::from(read::<1>(mem, ptr)?[0]),
                Discriminant::U16 => u32::from(u16::from_le_bytes(read(mem, ptr)?)),
                Discriminant::U32 => u32::from_le_bytes(read(mem, ptr)?),
            };
            let Some(case) = cases.get(index as usize) else {
                return Err(LiftError(format!(
                    "invalid {} discriminant {index} ({} cases)",
                    type_name(ty),
                    cases.len()
                )));
            };
            let payload = match case {
                Some(t) => Some(load(t, mem, add(ptr, vl.payload_offset)?)?),
                None => None,
            };
            make_variant(ty, index as usize, payload)
        }
    })
}

/// Refuses `len` zero-sized elements when there are more than bytes of
/// memory. Only hand-built types have zero-sized elements (validation
/// rejects empty records, tuples and flags); for them neither memory nor
/// the flat values bound the element count, and this keeps a count of up to
/// 2^32 from turning into that many allocated values.
fn check_empty_elements(size: u32, len: u32, mem: &[u8]) -> Result<(), LiftError> {
    if size == 0 && len as usize > mem.len() {
        return Err(LiftError(format!("list of {len} zero-sized elements is longer than memory")));
    }
    Ok(())
}

/// Reads the `(pointer, length)` pair of a string or list.
fn read_pair(mem: &[u8], ptr: u32) -> Result<(u32, u32), LiftError> {
    Ok((u32::from_le_bytes(read(mem, ptr)?), u32::from_le_bytes(read(mem, add(ptr, 4)?)?)))
}

/// `load_string_from_range` for UTF-8: `len` bytes at `begin`, in bounds
/// and valid UTF-8. (UTF-8 has alignment 1, so there is no alignment trap.)
fn load_string(mem: &[u8], begin: u32, len: u32) -> Result<Val, LiftError> {
    check_range("string", begin, u64::from(len), 1, mem.len())?;
    let bytes = &mem[begin as usize..begin as usize + len as usize];
    // Borrowed and validated in place: only valid text gets copied.
    let s =
        std::str::from_utf8(bytes).map_err(|e| LiftError(format!("string at {begin:#x} is not valid UTF-8: {e}")))?;
    Ok(Val::String(s.to_owned()))
}

/// `load_list_from_range`: `len` elements of `elem` at `begin`, aligned and
/// in bounds before anything is allocated for them.
fn load_list(elem: &ValueType, mem: &[u8], begin: u32, len: u32) -> Result<Val, LiftError> {
    let l = abi::layout(elem)?;
    let bytes = u64::from(len) * u64::from(l.size);
    if bytes > u64::from(u32::MAX) {
        return Err(LiftError(format!("list of {len} elements of {} bytes overflows 32 bits", l.size)));
    }
    check_range("list", begin, bytes, l.align, mem.len())?;
    check_empty_elements(l.size, len, mem)?;
    let mut items = Vec::with_capacity(len as usize);
    for i in 0..len {
        // In range: `i * size < bytes <= u32::MAX` and `begin + bytes` is
        // in memory.
        items.push(load(elem, mem, begin + i * l.size)?);
    }
    Ok(Val::List(items))
}

/// Writes `val` of type `ty` into `mem` at `offset` (the spec's `store`),
/// calling `realloc` for the contents of strings and lists.
///
/// `val` must be of type `ty` (else an error, before anything is written);
/// `offset` must be aligned for `ty` with the whole value in `mem`.
/// Pointers `realloc` returns are checked like guest pointers. On error,
/// `mem` may hold part of the value.
pub(crate) fn lower_to_memory(
    ty: &ValueType,
    val: &Val,
    mem: &mut [u8],
    offset: u32,
    realloc: &mut Realloc<'_>,
) -> Result<(), LiftError> {
    val.type_check(ty).map_err(|e| LiftError(format!("value does not match its type: {e}")))?;
    let l = abi::layout(ty)?;
    check_range("value", offset, u64::from(l.size), l.align, mem.len())?;
    store(ty, val, mem, offset, realloc)
}

/// The spec's `store`.
fn store(ty: &ValueType, val: &Val, mem: &mut [u8], ptr: u32, realloc: &mut Realloc<'_>) -> Result<(), LiftError> {
    match (ty, val) {
        (ValueType::Bool, Val::Bool(b)) => write(mem, ptr, &[u8::from(*b)]),
        (ValueType::S8, Val::S8(x)) => write(mem, ptr, &x.to_le_bytes()),
        (ValueType::U8, Val::U8(x)) => write(mem, ptr, &x.to_le_bytes()),
        (ValueType::S16, Val::S16(x)) => write(mem, ptr, &x.to_le_bytes()),
        (ValueType::U16, Val::U16(x)) => write(mem, ptr, &x.to_le_bytes()),
        (ValueType::S32, Val::S32(x)) => write(mem, ptr, &x.to_le_bytes()),
        (ValueType::U32, Val::U32(x)) => write(mem, ptr, &x.to_le_bytes()),
        (ValueType::S64, Val::S64(x)) => write(mem, ptr, &x.to_le_bytes()),
        (ValueType::U64, Val::U64(x)) => write(mem, ptr, &x.to_le_bytes()),
        (ValueType::F32, Val::Float32(x)) => write(mem, ptr, &canon_f32(*x).to_le_bytes()),
        (ValueType::F64, Val::Float64(x)) => write(mem, ptr, &canon_f64(*x).to_le_bytes()),
        (ValueType::Char, Val::Char(c)) => write(mem, ptr, &u32::from(*c).to_le_bytes()),
        (ValueType::Own(_) | ValueType::Borrow(_), Val::Resource(h)) => write(mem, ptr, &h.to_le_bytes()),
        (ValueType::String, Val::String(s)) => {
            let (begin, len) = store_string(s, mem, realloc)?;
            write_pair(mem, ptr, begin, len)
        }
        (ValueType::List(elem), Val::List(items)) => {
            let (begin, len) = store_list(elem, items, mem, realloc)?;
            write_pair(mem, ptr, begin, len)
        }
        (ValueType::Map(k, v), Val::List(items)) => {
            let pair = ValueType::Tuple(vec![(**k).clone(), (**v).clone()]);
            let (begin, len) = store_list(&pair, items, mem, realloc)?;
            write_pair(mem, ptr, begin, len)
        }
        (ValueType::FixedList(elem, len), Val::List(items)) if items.len() == *len as usize => {
            let size = abi::layout(elem)?.size;
            let mut at = ptr;
            for item in items {
                store(elem, item, mem, at, realloc)?;
                at = add(at, size)?;
            }
            Ok(())
        }
        (ValueType::Record(fields), Val::Record(vals)) if fields.len() == vals.len() => {
            let rl = abi::record_layout(fields.iter().map(|(_, t)| t))?;
            for (((_, t), (_, v)), off) in fields.iter().zip(vals).zip(rl.offsets) {
                store(t, v, mem, add(ptr, off)?, realloc)?;
            }
            Ok(())
        }
        (ValueType::Tuple(types), Val::Tuple(vals)) if types.len() == vals.len() => {
            let rl = abi::record_layout(types)?;
            for ((t, v), off) in types.iter().zip(vals).zip(rl.offsets) {
                store(t, v, mem, add(ptr, off)?, realloc)?;
            }
            Ok(())
        }
        (ValueType::Flags(names), _) => {
            let words = pack_flags(names, val, ty)?;
            match names.len() {
                0 => Ok(()),
                // One word, at most 16 bits used: the low bytes.
                1..=8 => write(mem, ptr, &[words[0] as u8]),
                9..=16 => write(mem, ptr, &(words[0] as u16).to_le_bytes()),
                _ => {
                    for (i, w) in words.iter().enumerate() {
                        write(mem, add(ptr, i as u32 * 4)?, &w.to_le_bytes())?;
                    }
                    Ok(())
                }
            }
        }
        (ValueType::Variant(_) | ValueType::Enum(_) | ValueType::Option(_) | ValueType::Result { .. }, _) => {
            let cases = abi::variant_cases(ty).unwrap_or_default();
            let vl = abi::variant_layout(&cases)?;
            let (index, payload) = match_case(ty, val)?;
            // Case counts fit the discriminant chosen for them.
            match vl.discriminant {
                Discriminant::U8 => write(mem, ptr, &[index as u8])?,
                Discriminant::U16 => write(mem, ptr, &(index as u16).to_le_bytes())?,
                Discriminant::U32 => write(mem, ptr, &(index as u32).to_le_bytes())?,
            }
            match (cases[index], payload) {
                (Some(t), Some(v)) => store(t, v, mem, add(ptr, vl.payload_offset)?, realloc),
                (None, None) => Ok(()),
                _ => Err(mismatch(ty, val)),
            }
        }
        (ValueType::ErrorContext | ValueType::Future(_) | ValueType::Stream(_), _) => Err(unsupported(ty)),
        _ => Err(mismatch(ty, val)),
    }
}

/// Writes the `(pointer, length)` pair of a string or list.
fn write_pair(mem: &mut [u8], ptr: u32, begin: u32, len: u32) -> Result<(), LiftError> {
    write(mem, ptr, &begin.to_le_bytes())?;
    write(mem, add(ptr, 4)?, &len.to_le_bytes())
}

/// The spec's largest string, in bytes (`MAX_STRING_BYTE_LENGTH`).
const MAX_STRING_BYTE_LENGTH: usize = (1 << 31) - 1;

/// `store_string` for UTF-8 to UTF-8: a fresh block of exactly the string's
/// bytes, copied in. Returns `(pointer, length)`.
fn store_string(s: &str, mem: &mut [u8], realloc: &mut Realloc<'_>) -> Result<(u32, u32), LiftError> {
    if s.len() > MAX_STRING_BYTE_LENGTH {
        return Err(LiftError(format!("string of {} bytes is too long to lower", s.len())));
    }
    let len = s.len() as u32;
    let begin = realloc(0, 0, 1, len)?;
    check_range("realloc'd string", begin, u64::from(len), 1, mem.len())?;
    write(mem, begin, s.as_bytes())?;
    Ok((begin, len))
}

/// `store_list`: a fresh block for the elements, each stored in turn.
/// Returns `(pointer, length)`.
fn store_list(
    elem: &ValueType,
    items: &[Val],
    mem: &mut [u8],
    realloc: &mut Realloc<'_>,
) -> Result<(u32, u32), LiftError> {
    let l = abi::layout(elem)?;
    let bytes = (items.len() as u64).checked_mul(u64::from(l.size)).filter(|b| *b <= u64::from(u32::MAX));
    let (Some(bytes), Ok(len)) = (bytes, u32::try_from(items.len())) else {
        return Err(LiftError(format!("list of {} elements of {} bytes is too large to lower", items.len(), l.size)));
    };
    let begin = realloc(0, 0, l.align, bytes as u32)?;
    check_range("realloc'd list", begin, bytes, l.align, mem.len())?;
    for (i, item) in items.iter().enumerate() {
        // In range: checked just above.
        store(elem, item, mem, begin + i as u32 * l.size, realloc)?;
    }
    Ok((begin, len))
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

/// How many flat values a variant-like `ty` takes, discriminant included.
///
/// Bounded by [`MAX_FLAT_PARAMS`]: a type that flattens to more is never
/// passed flat, so asking for it is an error.
fn flat_count(ty: &ValueType) -> Result<usize, LiftError> {
    let mut out: Vec<FlatType> = Vec::new();
    abi::flatten(ty, &mut out, MAX_FLAT_PARAMS)
        .map_err(|_| LiftError(format!("{} type flattens to more than {MAX_FLAT_PARAMS} values", type_name(ty))))?;
    Ok(out.len())
}

/// Reads a value of type `ty` from flat core values (the spec's
/// `lift_flat`), with the memory the values' pointers point into.
///
/// See the section comment above for how core values are encoded as `u64`.
pub(crate) fn lift_from_flat(
    ty: &ValueType,
    flat: &mut impl Iterator<Item = u64>,
    mem: &[u8],
) -> Result<Val, LiftError> {
    lift_flat(ty, flat, mem)
}

/// The spec's `lift_flat`, over a trait object so recursion does not
/// instantiate a new iterator type per level.
fn lift_flat(ty: &ValueType, flat: &mut dyn Iterator<Item = u64>, mem: &[u8]) -> Result<Val, LiftError> {
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
        ValueType::Own(_) | ValueType::Borrow(_) => Val::Resource(next_i32(flat)?),
        ValueType::ErrorContext | ValueType::Future(_) | ValueType::Stream(_) => return Err(unsupported(ty)),
        ValueType::String => {
            let (begin, len) = (next_i32(flat)?, next_i32(flat)?);
            load_string(mem, begin, len)?
        }
        ValueType::List(elem) => {
            let (begin, len) = (next_i32(flat)?, next_i32(flat)?);
            load_list(elem, mem, begin, len)?
        }
        ValueType::Map(k, v) => {
            let (begin, len) = (next_i32(flat)?, next_i32(flat)?);
            load_list(&ValueType::Tuple(vec![(**k).clone(), (**v).clone()]), mem, begin, len)?
        }
        ValueType::FixedList(elem, len) => {
            // Every element takes at least one flat value unless it is
            // empty, so `len` is bounded by the values there are.
            check_empty_elements(abi::layout(elem)?.size, *len, mem)?;
            let mut items = Vec::new();
            for _ in 0..*len {
                items.push(lift_flat(elem, flat, mem)?);
            }
            Val::List(items)
        }
        ValueType::Record(fields) => Val::Record(
            fields
                .iter()
                .map(|(name, t)| Ok((name.clone(), lift_flat(t, flat, mem)?)))
                .collect::<Result<_, LiftError>>()?,
        ),
        ValueType::Tuple(types) => {
            Val::Tuple(types.iter().map(|t| lift_flat(t, flat, mem)).collect::<Result<_, LiftError>>()?)
        }
        ValueType::Flags(names) => {
            let words =
                (0..names.len().div_ceil(32)).map(|_| next_i32(flat)).collect::<Result<Vec<u32>, LiftError>>()?;
            unpack_flags(names, &words)?
        }
        ValueType::Variant(_) | ValueType::Enum(_) | ValueType::Option(_) | ValueType::Result { .. } => {
            let total = flat_count(ty)?;
            let index = next_i32(flat)?;
            let cases = abi::variant_cases(ty).unwrap_or_default();
            let Some(case) = cases.get(index as usize) else {
                return Err(LiftError(format!(
                    "invalid {} discriminant {index} ({} cases)",
                    type_name(ty),
                    cases.len()
                )));
            };
            // The payload reads a prefix of the joined slots; the rest are
            // consumed and ignored (`for have in flat_types: vi.next(have)`).
            let mut used = 0usize;
            let payload = match case {
                Some(t) => {
                    let mut counted = (&mut *flat).inspect(|_| used += 1);
                    Some(lift_flat(t, &mut counted, mem)?)
                }
                None => None,
            };
            for _ in used..total - 1 {
                next(flat)?;
            }
            make_variant(ty, index as usize, payload)
        }
    })
}

/// Appends the flat core values of `val` of type `ty` to `out` (the spec's
/// `lower_flat`), storing the contents of strings and lists in `mem` through
/// `realloc`.
///
/// See the section comment above for how core values are encoded as `u64`.
/// `val` must be of type `ty`, else an error before anything is done.
pub(crate) fn lower_to_flat(
    ty: &ValueType,
    val: &Val,
    out: &mut Vec<u64>,
    mem: &mut [u8],
    realloc: &mut Realloc<'_>,
) -> Result<(), LiftError> {
    val.type_check(ty).map_err(|e| LiftError(format!("value does not match its type: {e}")))?;
    lower_flat(ty, val, out, mem, realloc)
}

/// The spec's `lower_flat`.
fn lower_flat(
    ty: &ValueType,
    val: &Val,
    out: &mut Vec<u64>,
    mem: &mut [u8],
    realloc: &mut Realloc<'_>,
) -> Result<(), LiftError> {
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
        (ValueType::Own(_) | ValueType::Borrow(_), Val::Resource(h)) => out.push(u64::from(*h)),
        (ValueType::String, Val::String(s)) => {
            let (begin, len) = store_string(s, mem, realloc)?;
            out.extend([u64::from(begin), u64::from(len)]);
        }
        (ValueType::List(elem), Val::List(items)) => {
            let (begin, len) = store_list(elem, items, mem, realloc)?;
            out.extend([u64::from(begin), u64::from(len)]);
        }
        (ValueType::Map(k, v), Val::List(items)) => {
            let pair = ValueType::Tuple(vec![(**k).clone(), (**v).clone()]);
            let (begin, len) = store_list(&pair, items, mem, realloc)?;
            out.extend([u64::from(begin), u64::from(len)]);
        }
        (ValueType::FixedList(elem, len), Val::List(items)) if items.len() == *len as usize => {
            for item in items {
                lower_flat(elem, item, out, mem, realloc)?;
            }
        }
        (ValueType::Record(fields), Val::Record(vals)) if fields.len() == vals.len() => {
            for ((_, t), (_, v)) in fields.iter().zip(vals) {
                lower_flat(t, v, out, mem, realloc)?;
            }
        }
        (ValueType::Tuple(types), Val::Tuple(vals)) if types.len() == vals.len() => {
            for (t, v) in types.iter().zip(vals) {
                lower_flat(t, v, out, mem, realloc)?;
            }
        }
        (ValueType::Flags(names), _) => out.extend(pack_flags(names, val, ty)?.into_iter().map(u64::from)),
        (ValueType::Variant(_) | ValueType::Enum(_) | ValueType::Option(_) | ValueType::Result { .. }, _) => {
            let total = flat_count(ty)?;
            let cases = abi::variant_cases(ty).unwrap_or_default();
            let (index, payload) = match_case(ty, val)?;
            let start = out.len();
            out.push(index as u64);
            match (cases[index], payload) {
                (Some(t), Some(v)) => lower_flat(t, v, out, mem, realloc)?,
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
mod tests;

// TEMP-STUB (replaced by the canonical-ABI branch)
pub(crate) fn lower_args(
    _cx: &mut dyn super::cx::LowerCx,
    _p: &[ValueType],
    _a: &[Val],
    _o: &mut Vec<u64>,
) -> Result<(), LiftError> {
    unimplemented!()
}
pub(crate) fn lift_results(
    _cx: &mut dyn super::cx::LiftCx,
    _r: Option<&ValueType>,
    _f: &[u64],
) -> Result<Option<Val>, LiftError> {
    unimplemented!()
}
pub(crate) fn lift_args(_cx: &mut dyn super::cx::LiftCx, _p: &[ValueType], _f: &[u64]) -> Result<Vec<Val>, LiftError> {
    unimplemented!()
}
pub(crate) fn lower_results(
    _cx: &mut dyn super::cx::LowerCx,
    _r: Option<&ValueType>,
    _v: Option<&Val>,
    _fi: &[u64],
    _o: &mut Vec<u64>,
) -> Result<(), LiftError> {
    unimplemented!()
}
