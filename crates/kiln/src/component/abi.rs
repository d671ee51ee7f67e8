//! The canonical ABI's type layout: where a component value lives in linear
//! memory and which core-wasm values carry it on the stack.
//!
//! Each function here is a definition of `design/mvp/CanonicalABI.md` in
//! WebAssembly/component-model (`alignment`, `elem_size`, `discriminant_type`,
//! `flatten_type`, `flatten_functype`), for 32-bit memories: pointers and
//! lengths are `i32`. Guests and other runtimes compute the same layouts from
//! the same text, so any difference here is an ABI break, not a choice.
//!
//! The definitions recurse once per level of type nesting; types converted
//! from a component nest at most [`MAX_TYPE_DEPTH`] levels (see there for
//! why). Sizes are `u32` in the spec; a type whose size does not fit (only a
//! hand-built one: wasmparser rejects sizes of 2^28 bytes and more) is an
//! [`AbiError::SizeOverflow`], never a wrapped value or a panic.
//!
//! [`MAX_TYPE_DEPTH`]: super::types::MAX_TYPE_DEPTH

use std::fmt;

use super::types::{FuncType, ValueType};

/// Most core values a function's parameters are passed in before they go
/// through memory instead (`MAX_FLAT_PARAMS`).
pub(crate) const MAX_FLAT_PARAMS: usize = 16;

/// Most core values a function's result is returned in before it goes
/// through memory instead (`MAX_FLAT_RESULTS`).
pub(crate) const MAX_FLAT_RESULTS: usize = 1;

/// Size and alignment of a value in linear memory, in bytes.
///
/// `size` is the spec's `elem_size`: the stride of the type in a list, so
/// always a multiple of `align`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Layout {
    /// Bytes the value takes, trailing padding included.
    pub(crate) size: u32,
    /// Alignment: 1, 2, 4 or 8.
    pub(crate) align: u32,
}

impl Layout {
    const fn new(size: u32, align: u32) -> Self {
        Layout { size, align }
    }
}

/// Why a layout could not be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AbiError {
    /// The type's size does not fit in 32 bits.
    SizeOverflow,
}

impl fmt::Display for AbiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AbiError::SizeOverflow => write!(f, "component value type is larger than 4 GiB"),
        }
    }
}

impl std::error::Error for AbiError {}

/// The integer a variant stores its case index in (`discriminant_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Discriminant {
    /// Up to 256 cases.
    U8,
    /// Up to 65536 cases.
    U16,
    /// More.
    U32,
}

impl Discriminant {
    /// The discriminant of a variant of `cases` cases: the smallest integer
    /// holding every case index.
    ///
    /// The spec requires `0 < cases < 2^32`; validation guarantees it, and
    /// outside that range this answers `U8` for 0 and `U32` above rather
    /// than panicking.
    pub(crate) fn for_cases(cases: usize) -> Self {
        if cases <= 1 << 8 {
            Discriminant::U8
        } else if cases <= 1 << 16 {
            Discriminant::U16
        } else {
            Discriminant::U32
        }
    }

    /// Size in bytes, which is also its alignment.
    pub(crate) fn size(self) -> u32 {
        match self {
            Discriminant::U8 => 1,
            Discriminant::U16 => 2,
            Discriminant::U32 => 4,
        }
    }
}

/// Layout of a record or tuple, with where each field starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordLayout {
    /// The whole record.
    pub(crate) layout: Layout,
    /// Byte offset of each field from the start of the record, in order.
    pub(crate) offsets: Vec<u32>,
}

/// Layout of a variant (or of `enum`, `option`, `result`, which are
/// variants to the canonical ABI).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct VariantLayout {
    /// The whole variant.
    pub(crate) layout: Layout,
    /// The case index's integer, stored at offset 0.
    pub(crate) discriminant: Discriminant,
    /// Where every case's payload starts: all cases share one offset, after
    /// the discriminant, aligned for the most aligned payload.
    pub(crate) payload_offset: u32,
}

/// A core wasm value type a component value flattens to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum FlatType {
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// `f32`
    F32,
    /// `f64`
    F64,
}

impl FlatType {
    /// The spec's `join`: the one core type that can carry a value of
    /// either type, for two variant cases whose payloads share a slot.
    /// `f32` fits an `i32` by bit-cast; anything else mixed widens to `i64`.
    pub(crate) fn join(self, other: FlatType) -> FlatType {
        match (self, other) {
            (a, b) if a == b => a,
            (FlatType::I32, FlatType::F32) | (FlatType::F32, FlatType::I32) => FlatType::I32,
            _ => FlatType::I64,
        }
    }
}

/// The flattened type had more core values than the limit it was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooManyFlat;

/// Which side of the boundary a core signature is for: the core function a
/// `canon lift` wraps (the callee), or the one a `canon lower` produces for
/// the guest to call (the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Context {
    /// `canon lift`: results that do not fit come back as an `i32` pointer
    /// to memory the callee owns.
    Lift,
    /// `canon lower`: results that do not fit are written where an extra,
    /// last `i32` parameter points, in memory the caller provides.
    Lower,
}

/// The core function type of a component function (`flatten_functype`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct FlatSignature {
    /// Core parameters. With `params_indirect`, the first is a pointer to
    /// the parameters stored as a tuple; in [`Context::Lower`] with
    /// `results_indirect`, the last is the pointer results are written to.
    pub(crate) params: Vec<FlatType>,
    /// Core results: none, one flat value, or (in [`Context::Lift`] with
    /// `results_indirect`) a pointer to the result.
    pub(crate) results: Vec<FlatType>,
    /// The parameters flatten to more than [`MAX_FLAT_PARAMS`] values and
    /// are passed in memory.
    pub(crate) params_indirect: bool,
    /// The result flattens to more than [`MAX_FLAT_RESULTS`] values and is
    /// passed in memory.
    pub(crate) results_indirect: bool,
}

/// The types a variant-like type's cases carry, in case order, or `None` for
/// a type that is not a variant to the canonical ABI.
///
/// This is the variant half of the spec's `despecialize`: `enum` is a
/// variant without payloads, `option<T>` is `none | some(T)`, `result` is
/// `ok(T?) | error(E?)`.
pub(crate) fn variant_cases(ty: &ValueType) -> Option<Vec<Option<&ValueType>>> {
    Some(match ty {
        ValueType::Variant(cases) => cases.iter().map(|(_, t)| t.as_ref()).collect(),
        ValueType::Enum(names) => vec![None; names.len()],
        ValueType::Option(t) => vec![None, Some(&**t)],
        ValueType::Result { ok, err } => vec![ok.as_deref(), err.as_deref()],
        _ => return None,
    })
}

/// Size and alignment of `ty` in linear memory (`elem_size`, `alignment`).
pub(crate) fn layout(ty: &ValueType) -> Result<Layout, AbiError> {
    Ok(match ty {
        ValueType::Bool | ValueType::S8 | ValueType::U8 => Layout::new(1, 1),
        ValueType::S16 | ValueType::U16 => Layout::new(2, 2),
        ValueType::S32
        | ValueType::U32
        | ValueType::F32
        | ValueType::Char
        | ValueType::ErrorContext
        | ValueType::Own(_)
        | ValueType::Borrow(_)
        | ValueType::Future(_)
        | ValueType::Stream(_) => Layout::new(4, 4),
        ValueType::S64 | ValueType::U64 | ValueType::F64 => Layout::new(8, 8),
        // A pointer and a length.
        ValueType::String | ValueType::List(_) | ValueType::Map(..) => Layout::new(8, 4),
        ValueType::FixedList(elem, len) => {
            // An element's size is already a multiple of its alignment, so
            // the elements pack with no padding between or after them.
            let elem = layout(elem)?;
            let size = elem.size.checked_mul(*len).ok_or(AbiError::SizeOverflow)?;
            Layout::new(size, elem.align)
        }
        ValueType::Record(fields) => record_layout(fields.iter().map(|(_, t)| t))?.layout,
        ValueType::Tuple(types) => record_layout(types)?.layout,
        ValueType::Flags(names) => flags_layout(names.len())?,
        ValueType::Variant(_) | ValueType::Enum(_) | ValueType::Option(_) | ValueType::Result { .. } => {
            let cases = variant_cases(ty).unwrap_or_default();
            variant_layout(&cases)?.layout
        }
    })
}

/// Layout of a record (or tuple) with fields of types `fields`, in order:
/// each field at the next offset aligned for it, the whole padded to the
/// most aligned field.
pub(crate) fn record_layout<'a>(fields: impl IntoIterator<Item = &'a ValueType>) -> Result<RecordLayout, AbiError> {
    let mut size = 0u32;
    let mut align = 1u32;
    let mut offsets = Vec::new();
    for field in fields {
        let field = layout(field)?;
        let offset = align_to(size, field.align)?;
        offsets.push(offset);
        size = offset.checked_add(field.size).ok_or(AbiError::SizeOverflow)?;
        align = align.max(field.align);
    }
    Ok(RecordLayout { layout: Layout::new(align_to(size, align)?, align), offsets })
}

/// Layout of a variant whose cases carry `cases` (see [`variant_cases`]).
pub(crate) fn variant_layout(cases: &[Option<&ValueType>]) -> Result<VariantLayout, AbiError> {
    let discriminant = Discriminant::for_cases(cases.len());
    let mut payload_size = 0u32;
    let mut payload_align = 1u32;
    for payload in cases.iter().flatten() {
        let payload = layout(payload)?;
        payload_size = payload_size.max(payload.size);
        payload_align = payload_align.max(payload.align);
    }
    let payload_offset = align_to(discriminant.size(), payload_align)?;
    let align = discriminant.size().max(payload_align);
    let end = payload_offset.checked_add(payload_size).ok_or(AbiError::SizeOverflow)?;
    Ok(VariantLayout { layout: Layout::new(align_to(end, align)?, align), discriminant, payload_offset })
}

/// Layout of `flags` with `count` members: a bit each, in the smallest of
/// u8/u16/u32 that holds them, then in as many u32s as it takes.
///
/// Validation allows 1 to 32 flags (the current spec's bounds); for those
/// this is the current spec's `elem_size_flags`. Outside them it follows the
/// earlier spec text, which allowed any number: 0 flags take no bytes, more
/// than 32 take `ceil(count / 32)` u32s.
pub(crate) fn flags_layout(count: usize) -> Result<Layout, AbiError> {
    Ok(match count {
        0 => Layout::new(0, 1),
        1..=8 => Layout::new(1, 1),
        9..=16 => Layout::new(2, 2),
        _ => {
            let words = u32::try_from(count.div_ceil(32)).map_err(|_| AbiError::SizeOverflow)?;
            Layout::new(words.checked_mul(4).ok_or(AbiError::SizeOverflow)?, 4)
        }
    })
}

/// The u32 flat values (and memory words) `flags` of `count` members take.
fn flags_words(count: usize) -> usize {
    count.div_ceil(32)
}

/// The spec's `align_to`: `offset` rounded up to a multiple of `align`.
fn align_to(offset: u32, align: u32) -> Result<u32, AbiError> {
    debug_assert!(align.is_power_of_two());
    offset.checked_next_multiple_of(align).ok_or(AbiError::SizeOverflow)
}

/// Appends the core values `ty` flattens to (`flatten_type`) to `out`.
///
/// Stops with [`TooManyFlat`] once `out` would grow past `max` values in
/// all, leaving in `out` a prefix of no use. Callers only ever want a
/// flattening that fits in a handful of values ([`MAX_FLAT_PARAMS`],
/// [`MAX_FLAT_RESULTS`]); the bound also keeps a `list<u8, 1000000000>` from
/// being expanded value by value.
pub(crate) fn flatten(ty: &ValueType, out: &mut Vec<FlatType>, max: usize) -> Result<(), TooManyFlat> {
    let push = |t: FlatType, out: &mut Vec<FlatType>| {
        if out.len() >= max {
            return Err(TooManyFlat);
        }
        out.push(t);
        Ok(())
    };
    match ty {
        ValueType::Bool
        | ValueType::S8
        | ValueType::U8
        | ValueType::S16
        | ValueType::U16
        | ValueType::S32
        | ValueType::U32
        | ValueType::Char
        | ValueType::ErrorContext
        | ValueType::Own(_)
        | ValueType::Borrow(_)
        | ValueType::Future(_)
        | ValueType::Stream(_) => push(FlatType::I32, out),
        ValueType::S64 | ValueType::U64 => push(FlatType::I64, out),
        ValueType::F32 => push(FlatType::F32, out),
        ValueType::F64 => push(FlatType::F64, out),
        ValueType::String | ValueType::List(_) | ValueType::Map(..) => {
            push(FlatType::I32, out)?;
            push(FlatType::I32, out)
        }
        ValueType::FixedList(elem, len) => {
            for _ in 0..*len {
                let before = out.len();
                flatten(elem, out, max)?;
                // Every element flattens alike: if one adds nothing, so do
                // the rest (only a hand-built empty type does this).
                if out.len() == before {
                    break;
                }
            }
            Ok(())
        }
        ValueType::Record(fields) => fields.iter().try_for_each(|(_, t)| flatten(t, out, max)),
        ValueType::Tuple(types) => types.iter().try_for_each(|t| flatten(t, out, max)),
        ValueType::Flags(names) => {
            for _ in 0..flags_words(names.len()) {
                push(FlatType::I32, out)?;
            }
            Ok(())
        }
        ValueType::Variant(_) | ValueType::Enum(_) | ValueType::Option(_) | ValueType::Result { .. } => {
            // Every discriminant type flattens to one i32.
            push(FlatType::I32, out)?;
            let base = out.len();
            let mut case = Vec::new();
            for payload in variant_cases(ty).unwrap_or_default().into_iter().flatten() {
                case.clear();
                flatten(payload, &mut case, max - base)?;
                for (i, t) in case.iter().enumerate() {
                    match out.get_mut(base + i) {
                        Some(slot) => *slot = slot.join(*t),
                        None => out.push(*t),
                    }
                }
            }
            Ok(())
        }
    }
}

/// The core signature of component function `func` on the `context` side
/// (`flatten_functype` for a synchronous function).
pub(crate) fn flatten_func(func: &FuncType, context: Context) -> FlatSignature {
    let mut params = Vec::new();
    let params_indirect = func.params.iter().try_for_each(|(_, t)| flatten(t, &mut params, MAX_FLAT_PARAMS)).is_err();
    if params_indirect {
        params = vec![FlatType::I32];
    }

    let mut results = Vec::new();
    let results_indirect = match &func.result {
        Some(t) => flatten(t, &mut results, MAX_FLAT_RESULTS).is_err(),
        None => false,
    };
    if results_indirect {
        match context {
            Context::Lift => results = vec![FlatType::I32],
            Context::Lower => {
                params.push(FlatType::I32);
                results = Vec::new();
            }
        }
    }

    FlatSignature { params, results, params_indirect, results_indirect }
}

#[cfg(test)]
mod tests;
