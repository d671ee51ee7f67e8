//! Rust types as component values: the traits behind typed component
//! functions ([`ComponentType`], [`Lift`], [`Lower`], and
//! [`ComponentNamedList`] for parameter and result lists).
//!
//! After Wasmtime's `component::func::typed`, simpler: a Rust type is
//! checked against a component type once (when a typed function is made),
//! and lifts and lowers straight between Rust values and the guest's flat
//! values or memory, with no [`Val`] in between. Every lift and lower still
//! matches on the component type it is given, so a value of the wrong type
//! is an error, never a misread.
//!
//! The traits are sealed: their methods take crate-private types (the
//! component types and the call contexts) and live on supertraits in a
//! private module, so code outside Kiln can use the traits as bounds but
//! cannot implement them (for a type of its own, it can use [`Val`]).
//!
//! Implemented for: `bool`, the integers, `f32`, `f64`, `char`, `String`
//! (and `str`, `&str` to lower), `Vec<T>` (and `[T]`, `&[T]` to lower) for
//! `list<T>` and for `map<K, V>` as `Vec<(K, V)>`, `Option<T>`,
//! `Result<T, E>` (with `()` for a side without payload), tuples of up to
//! 12 elements, [`Resource<T>`] and [`ResourceAny`] for `own` and
//! `borrow`, and [`Val`] for any type.

// The traits' methods take crate-private types (component types, call
// contexts, `LiftError`): that is what seals them, on supertraits in
// `private` that other crates cannot name. Once the traits are re-exported,
// those methods are "reachable" through them, which `private_interfaces`
// reports; it is the intended design here, not a leak (nothing outside
// Kiln can call them either).
#![allow(private_interfaces)]

use std::any::type_name as rust_name;

use super::abi::{self, MAX_FLAT_PARAMS, MAX_FLAT_RESULTS};
use super::cx::{LiftCx, LowerCx};
use super::resources::{Resource, ResourceAny};
use super::types::ValueType;
use super::values::func::flat_len;
use super::values::{
    self, add, alloc, alloc_list, bad_discriminant, byte_to_bool, canon_f32, canon_f64, check_list, check_range,
    flat_count, list_elem, lower_handle, read, read_discriminant, read_pair, slice, slice_mut, strings, to_char,
    type_name, write, write_discriminant, write_pair, LiftError, Val,
};

/// The flat core values being lifted, in order (see [`super::values`] for
/// how each is encoded as a `u64`).
pub(crate) type Flat<'a> = std::iter::Copied<std::slice::Iter<'a, u64>>;

/// A Rust type that stands for a component-model type.
///
/// Sealed: implemented by Kiln for the types listed in the
/// [module documentation](self).
pub trait ComponentType: private::TypeImpl {}

/// A [`ComponentType`] that can be read from the guest: the arguments of a
/// host function, the results of a guest function.
pub trait Lift: ComponentType + private::LiftImpl + Sized {}

/// A [`ComponentType`] that can be given to the guest: the arguments of a
/// guest function, the results of a host function.
pub trait Lower: ComponentType + private::LowerImpl {}

/// A tuple of Rust types that stands for a function's parameter list, or
/// for its result: `()` for none, `(R,)` for one.
///
/// Implemented for tuples of up to 12 elements.
pub trait ComponentNamedList: ComponentType {}

pub(crate) mod private {
    //! The methods of the public traits, on supertraits other crates
    //! cannot name (this module is crate-private), so they cannot implement
    //! the public traits.

    use super::*;

    /// [`ComponentType`]'s methods.
    pub trait TypeImpl {
        /// Checks this type against the component type `ty`, naming the
        /// mismatch if they differ.
        fn typecheck(ty: &ValueType) -> Result<(), String>;

        /// Checks this type against a variant case's or result side's
        /// payload type, `None` for no payload (which only `()` matches).
        fn typecheck_payload(ty: Option<&ValueType>) -> Result<(), String> {
            match ty {
                Some(t) => Self::typecheck(t),
                None => Err(format!("expected no payload, found `{}`", rust_name::<Self>())),
            }
        }

        /// Checks this tuple type against a parameter list (or a result as
        /// a list of at most one): tuples only.
        fn typecheck_fields(types: &[ValueType]) -> Result<(), String> {
            let _ = types;
            Err(format!("`{}` is not a tuple to stand for a parameter list", rust_name::<Self>()))
        }
    }

    /// [`Lift`]'s methods.
    pub trait LiftImpl: Sized {
        /// Lifts a value of component type `ty` from flat values.
        fn lift_flat(cx: &mut dyn LiftCx, ty: &ValueType, flat: &mut Flat<'_>) -> Result<Self, LiftError>;

        /// Loads a value of component type `ty` from memory at `ptr`,
        /// which the caller has checked for alignment and bounds.
        fn load(cx: &mut dyn LiftCx, ty: &ValueType, ptr: u32) -> Result<Self, LiftError>;

        /// Lifts a payload of type `ty`, `None` for no payload.
        fn lift_payload_flat(
            cx: &mut dyn LiftCx,
            ty: Option<&ValueType>,
            flat: &mut Flat<'_>,
        ) -> Result<Self, LiftError> {
            match ty {
                Some(t) => Self::lift_flat(cx, t, flat),
                None => Err(no_payload::<Self>()),
            }
        }

        /// Loads a payload of type `ty`, `None` for no payload.
        fn load_payload(cx: &mut dyn LiftCx, ty: Option<&ValueType>, ptr: u32) -> Result<Self, LiftError> {
            match ty {
                Some(t) => Self::load(cx, t, ptr),
                None => Err(no_payload::<Self>()),
            }
        }

        /// Loads `len` elements of type `elem`, `size` bytes apart, from
        /// `ptr` on: a range already checked for alignment and bounds.
        /// Overridden for `u8` to copy the bytes at once.
        fn load_list(
            cx: &mut dyn LiftCx,
            elem: &ValueType,
            ptr: u32,
            len: u32,
            size: u32,
        ) -> Result<Vec<Self>, LiftError> {
            let mut items = Vec::with_capacity(len as usize);
            for i in 0..len {
                // In range: the caller checked `ptr + len * size`.
                items.push(Self::load(cx, elem, ptr + i * size)?);
            }
            Ok(items)
        }

        /// Lifts a tuple type from the flat values of a parameter list.
        fn lift_fields_flat(cx: &mut dyn LiftCx, types: &[ValueType], flat: &mut Flat<'_>) -> Result<Self, LiftError> {
            let _ = (cx, types, flat);
            Err(not_a_list::<Self>())
        }

        /// Loads a tuple type from a parameter list stored as a tuple at
        /// `ptr` (checked by the caller).
        fn load_fields(cx: &mut dyn LiftCx, types: &[ValueType], ptr: u32) -> Result<Self, LiftError> {
            let _ = (cx, types, ptr);
            Err(not_a_list::<Self>())
        }
    }

    /// [`Lower`]'s methods.
    pub trait LowerImpl {
        /// Lowers this value as component type `ty` to flat values.
        fn lower_flat(&self, cx: &mut dyn LowerCx, ty: &ValueType, out: &mut Vec<u64>) -> Result<(), LiftError>;

        /// Stores this value as component type `ty` at `ptr`, which the
        /// caller has checked for alignment and bounds.
        fn store(&self, cx: &mut dyn LowerCx, ty: &ValueType, ptr: u32) -> Result<(), LiftError>;

        /// Lowers this value as a payload of type `ty`, `None` for none.
        fn lower_payload_flat(
            &self,
            cx: &mut dyn LowerCx,
            ty: Option<&ValueType>,
            out: &mut Vec<u64>,
        ) -> Result<(), LiftError> {
            match ty {
                Some(t) => self.lower_flat(cx, t, out),
                None => Err(no_payload::<Self>()),
            }
        }

        /// Stores this value as a payload of type `ty`, `None` for none.
        fn store_payload(&self, cx: &mut dyn LowerCx, ty: Option<&ValueType>, ptr: u32) -> Result<(), LiftError> {
            match ty {
                Some(t) => self.store(cx, t, ptr),
                None => Err(no_payload::<Self>()),
            }
        }

        /// Stores `items` as elements of type `elem`, `size` bytes apart,
        /// from `ptr` on: a block already allocated and checked.
        /// Overridden for `u8` to copy the bytes at once.
        fn store_list(
            items: &[Self],
            cx: &mut dyn LowerCx,
            elem: &ValueType,
            ptr: u32,
            size: u32,
        ) -> Result<(), LiftError>
        where
            Self: Sized,
        {
            for (i, item) in items.iter().enumerate() {
                // In range: the block holds `items.len() * size` bytes.
                item.store(cx, elem, ptr + i as u32 * size)?;
            }
            Ok(())
        }

        /// Lowers this tuple as a parameter list to flat values.
        fn lower_fields_flat(
            &self,
            cx: &mut dyn LowerCx,
            types: &[ValueType],
            out: &mut Vec<u64>,
        ) -> Result<(), LiftError> {
            let _ = (cx, types, out);
            Err(not_a_list::<Self>())
        }

        /// Stores this tuple as a parameter list, a tuple at `ptr`.
        fn store_fields(&self, cx: &mut dyn LowerCx, types: &[ValueType], ptr: u32) -> Result<(), LiftError> {
            let _ = (cx, types, ptr);
            Err(not_a_list::<Self>())
        }
    }
}

use private::{LiftImpl, LowerImpl, TypeImpl};

/// The error for a Rust type that does not match component type `ty`.
fn mismatch<T: ?Sized>(ty: &ValueType) -> String {
    format!("expected {}, found `{}`", type_name(ty), rust_name::<T>())
}

/// [`mismatch`] as a [`LiftError`], for a lift or lower of a type that was
/// not checked (or checked against another type).
fn wrong<T: ?Sized>(ty: &ValueType) -> LiftError {
    LiftError(format!("value does not match its type: {}", mismatch::<T>(ty)))
}

fn no_payload<T: ?Sized>() -> LiftError {
    LiftError(format!("value does not match its type: expected no payload, found `{}`", rust_name::<T>()))
}

fn not_a_list<T: ?Sized>() -> LiftError {
    LiftError(format!("`{}` is not a tuple to stand for a parameter list", rust_name::<T>()))
}

/// Pulls the next flat value, failing if there are too few.
fn next(flat: &mut Flat<'_>) -> Result<u64, LiftError> {
    flat.next().ok_or_else(|| LiftError::new("too few flat values for the type"))
}

/// Pulls the next flat `i32` (the low 32 bits of the next value).
fn next_i32(flat: &mut Flat<'_>) -> Result<u32, LiftError> {
    Ok(next(flat)? as u32)
}

/// Consumes the joined slots a variant's case left unused, so that `flat`
/// ends up `total` values past where it was when it had `start` left.
fn skip_rest(flat: &mut Flat<'_>, start: usize, total: usize) -> Result<(), LiftError> {
    let used = start - flat.len();
    for _ in used..total {
        next(flat)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Scalars.

// `list<u8>` is the hot path of WASI I/O: `u8` (marked `bulk` below)
// copies a list's bytes at once instead of a bounds check and a call per
// byte.
macro_rules! bulk_lift {
    (bulk) => {
        fn load_list(
            cx: &mut dyn LiftCx,
            elem: &ValueType,
            ptr: u32,
            len: u32,
            _size: u32,
        ) -> Result<Vec<Self>, LiftError> {
            let ValueType::U8 = elem else { return Err(wrong::<Self>(elem)) };
            Ok(slice(cx.memory(), ptr, len)?.to_vec())
        }
    };
}

macro_rules! bulk_lower {
    (bulk) => {
        fn store_list(
            items: &[Self],
            cx: &mut dyn LowerCx,
            elem: &ValueType,
            ptr: u32,
            _size: u32,
        ) -> Result<(), LiftError> {
            let ValueType::U8 = elem else { return Err(wrong::<Self>(elem)) };
            let len = u32::try_from(items.len()).map_err(|_| LiftError::new("list too long to lower"))?;
            slice_mut(cx.memory_mut(), ptr, len)?.copy_from_slice(items);
            Ok(())
        }
    };
}

macro_rules! scalars {
    ($($rust:ty => $vt:ident $(, $bulk:ident)?, |$x:ident| lift $lift:expr, lower $lower:expr, load $load:expr, store $store:expr;)*) => {$(
        impl TypeImpl for $rust {
            fn typecheck(ty: &ValueType) -> Result<(), String> {
                match ty {
                    ValueType::$vt => Ok(()),
                    _ => Err(mismatch::<Self>(ty)),
                }
            }
        }
        impl ComponentType for $rust {}

        impl LiftImpl for $rust {
            fn lift_flat(_cx: &mut dyn LiftCx, ty: &ValueType, flat: &mut Flat<'_>) -> Result<Self, LiftError> {
                let ValueType::$vt = ty else { return Err(wrong::<Self>(ty)) };
                let $x = next(flat)?;
                Ok($lift)
            }
            fn load(cx: &mut dyn LiftCx, ty: &ValueType, ptr: u32) -> Result<Self, LiftError> {
                let ValueType::$vt = ty else { return Err(wrong::<Self>(ty)) };
                let $x = read(cx.memory(), ptr)?;
                Ok($load)
            }
            $(bulk_lift!($bulk);)?
        }
        impl Lift for $rust {}

        impl LowerImpl for $rust {
            fn lower_flat(&self, _cx: &mut dyn LowerCx, ty: &ValueType, out: &mut Vec<u64>) -> Result<(), LiftError> {
                let ValueType::$vt = ty else { return Err(wrong::<Self>(ty)) };
                let $x = *self;
                out.push($lower);
                Ok(())
            }
            fn store(&self, cx: &mut dyn LowerCx, ty: &ValueType, ptr: u32) -> Result<(), LiftError> {
                let ValueType::$vt = ty else { return Err(wrong::<Self>(ty)) };
                let $x = *self;
                write(cx, ptr, &$store)
            }
            $(bulk_lower!($bulk);)?
        }
        impl Lower for $rust {}
    )*};
}

// Flat: an `i32` carries every integer up to 32 bits, which wraps to the
// width (`lift_flat_unsigned`/`_signed`) and sign-extends on the way in;
// any nonzero `i32` is `true`.
scalars! {
    bool => Bool, |x| lift x as u32 != 0, lower u64::from(x),
        load byte_to_bool(u8::from_le_bytes(x))?, store [u8::from(x)];
    u8 => U8, bulk, |x| lift x as u8, lower u64::from(x), load u8::from_le_bytes(x), store x.to_le_bytes();
    i8 => S8, |x| lift x as i8, lower u64::from(x as i32 as u32), load i8::from_le_bytes(x), store x.to_le_bytes();
    u16 => U16, |x| lift x as u16, lower u64::from(x), load u16::from_le_bytes(x), store x.to_le_bytes();
    i16 => S16, |x| lift x as i16, lower u64::from(x as i32 as u32), load i16::from_le_bytes(x), store x.to_le_bytes();
    u32 => U32, |x| lift x as u32, lower u64::from(x), load u32::from_le_bytes(x), store x.to_le_bytes();
    i32 => S32, |x| lift x as i32, lower u64::from(x as u32), load i32::from_le_bytes(x), store x.to_le_bytes();
    u64 => U64, |x| lift x, lower x, load u64::from_le_bytes(x), store x.to_le_bytes();
    i64 => S64, |x| lift x as i64, lower x as u64, load i64::from_le_bytes(x), store x.to_le_bytes();
    f32 => F32, |x| lift canon_f32(f32::from_bits(x as u32)), lower u64::from(canon_f32(x).to_bits()),
        load canon_f32(f32::from_le_bytes(x)), store canon_f32(x).to_le_bytes();
    f64 => F64, |x| lift canon_f64(f64::from_bits(x)), lower canon_f64(x).to_bits(),
        load canon_f64(f64::from_le_bytes(x)), store canon_f64(x).to_le_bytes();
    char => Char, |x| lift to_char(x as u32)?, lower u64::from(u32::from(x)),
        load to_char(u32::from_le_bytes(x))?, store u32::from(x).to_le_bytes();
}

// ---------------------------------------------------------------------------
// Strings.

impl TypeImpl for String {
    fn typecheck(ty: &ValueType) -> Result<(), String> {
        match ty {
            ValueType::String => Ok(()),
            _ => Err(mismatch::<Self>(ty)),
        }
    }
}
impl ComponentType for String {}

impl LiftImpl for String {
    fn lift_flat(cx: &mut dyn LiftCx, ty: &ValueType, flat: &mut Flat<'_>) -> Result<Self, LiftError> {
        let ValueType::String = ty else { return Err(wrong::<Self>(ty)) };
        let (ptr, len) = (next_i32(flat)?, next_i32(flat)?);
        strings::load_string_from_range(&*cx, ptr, len)
    }
    fn load(cx: &mut dyn LiftCx, ty: &ValueType, ptr: u32) -> Result<Self, LiftError> {
        let ValueType::String = ty else { return Err(wrong::<Self>(ty)) };
        let (ptr, len) = read_pair(cx.memory(), ptr)?;
        strings::load_string_from_range(&*cx, ptr, len)
    }
}
impl Lift for String {}

impl TypeImpl for str {
    fn typecheck(ty: &ValueType) -> Result<(), String> {
        String::typecheck(ty)
    }
}
impl ComponentType for str {}

impl LowerImpl for str {
    fn lower_flat(&self, cx: &mut dyn LowerCx, ty: &ValueType, out: &mut Vec<u64>) -> Result<(), LiftError> {
        let ValueType::String = ty else { return Err(wrong::<Self>(ty)) };
        let (ptr, len) = strings::store_string(cx, self)?;
        out.extend([u64::from(ptr), u64::from(len)]);
        Ok(())
    }
    fn store(&self, cx: &mut dyn LowerCx, ty: &ValueType, ptr: u32) -> Result<(), LiftError> {
        let ValueType::String = ty else { return Err(wrong::<Self>(ty)) };
        let (begin, len) = strings::store_string(cx, self)?;
        write_pair(cx, ptr, begin, len)
    }
}
impl Lower for str {}

impl LowerImpl for String {
    fn lower_flat(&self, cx: &mut dyn LowerCx, ty: &ValueType, out: &mut Vec<u64>) -> Result<(), LiftError> {
        self.as_str().lower_flat(cx, ty, out)
    }
    fn store(&self, cx: &mut dyn LowerCx, ty: &ValueType, ptr: u32) -> Result<(), LiftError> {
        self.as_str().store(cx, ty, ptr)
    }
}
impl Lower for String {}

// ---------------------------------------------------------------------------
// References: lower what they point to.

impl<T: ComponentType + ?Sized> TypeImpl for &T {
    fn typecheck(ty: &ValueType) -> Result<(), String> {
        T::typecheck(ty)
    }
    fn typecheck_payload(ty: Option<&ValueType>) -> Result<(), String> {
        T::typecheck_payload(ty)
    }
    fn typecheck_fields(types: &[ValueType]) -> Result<(), String> {
        T::typecheck_fields(types)
    }
}
impl<T: ComponentType + ?Sized> ComponentType for &T {}

impl<T: Lower + ?Sized> LowerImpl for &T {
    fn lower_flat(&self, cx: &mut dyn LowerCx, ty: &ValueType, out: &mut Vec<u64>) -> Result<(), LiftError> {
        (**self).lower_flat(cx, ty, out)
    }
    fn store(&self, cx: &mut dyn LowerCx, ty: &ValueType, ptr: u32) -> Result<(), LiftError> {
        (**self).store(cx, ty, ptr)
    }
    fn lower_payload_flat(
        &self,
        cx: &mut dyn LowerCx,
        ty: Option<&ValueType>,
        out: &mut Vec<u64>,
    ) -> Result<(), LiftError> {
        (**self).lower_payload_flat(cx, ty, out)
    }
    fn store_payload(&self, cx: &mut dyn LowerCx, ty: Option<&ValueType>, ptr: u32) -> Result<(), LiftError> {
        (**self).store_payload(cx, ty, ptr)
    }
    fn lower_fields_flat(
        &self,
        cx: &mut dyn LowerCx,
        types: &[ValueType],
        out: &mut Vec<u64>,
    ) -> Result<(), LiftError> {
        (**self).lower_fields_flat(cx, types, out)
    }
    fn store_fields(&self, cx: &mut dyn LowerCx, types: &[ValueType], ptr: u32) -> Result<(), LiftError> {
        (**self).store_fields(cx, types, ptr)
    }
}
impl<T: Lower + ?Sized> Lower for &T {}

// ---------------------------------------------------------------------------
// Lists, with `list<u8>` copied in bulk (the hot path of WASI I/O).

impl<T: ComponentType> TypeImpl for [T] {
    fn typecheck(ty: &ValueType) -> Result<(), String> {
        match list_elem(ty) {
            Some(elem) => T::typecheck(&elem).map_err(|e| format!("in list element: {e}")),
            None => Err(mismatch::<Self>(ty)),
        }
    }
}
impl<T: ComponentType> ComponentType for [T] {}

impl<T: ComponentType> TypeImpl for Vec<T> {
    fn typecheck(ty: &ValueType) -> Result<(), String> {
        <[T]>::typecheck(ty)
    }
}
impl<T: ComponentType> ComponentType for Vec<T> {}

/// Loads a list of `len` elements at `ptr`, checked first.
fn load_list<T: Lift>(cx: &mut dyn LiftCx, ty: &ValueType, ptr: u32, len: u32) -> Result<Vec<T>, LiftError> {
    let Some(elem) = list_elem(ty) else { return Err(wrong::<Vec<T>>(ty)) };
    let l = check_list(&elem, ptr, len, cx.memory().len())?;
    T::load_list(cx, &elem, ptr, len, l.size)
}

/// Allocates and stores the list `items`; returns `(pointer, length)`.
fn store_list<T: Lower>(cx: &mut dyn LowerCx, ty: &ValueType, items: &[T]) -> Result<(u32, u32), LiftError> {
    let Some(elem) = list_elem(ty) else { return Err(wrong::<[T]>(ty)) };
    let (ptr, l) = alloc_list(cx, &elem, items.len())?;
    T::store_list(items, cx, &elem, ptr, l.size)?;
    // `alloc_list` checked that the length fits.
    Ok((ptr, items.len() as u32))
}

impl<T: Lift> LiftImpl for Vec<T> {
    fn lift_flat(cx: &mut dyn LiftCx, ty: &ValueType, flat: &mut Flat<'_>) -> Result<Self, LiftError> {
        let (ptr, len) = (next_i32(flat)?, next_i32(flat)?);
        load_list(cx, ty, ptr, len)
    }
    fn load(cx: &mut dyn LiftCx, ty: &ValueType, ptr: u32) -> Result<Self, LiftError> {
        let (ptr, len) = read_pair(cx.memory(), ptr)?;
        load_list(cx, ty, ptr, len)
    }
}
impl<T: Lift> Lift for Vec<T> {}

impl<T: Lower> LowerImpl for [T] {
    fn lower_flat(&self, cx: &mut dyn LowerCx, ty: &ValueType, out: &mut Vec<u64>) -> Result<(), LiftError> {
        let (ptr, len) = store_list(cx, ty, self)?;
        out.extend([u64::from(ptr), u64::from(len)]);
        Ok(())
    }
    fn store(&self, cx: &mut dyn LowerCx, ty: &ValueType, ptr: u32) -> Result<(), LiftError> {
        let (begin, len) = store_list(cx, ty, self)?;
        write_pair(cx, ptr, begin, len)
    }
}
impl<T: Lower> Lower for [T] {}

impl<T: Lower> LowerImpl for Vec<T> {
    fn lower_flat(&self, cx: &mut dyn LowerCx, ty: &ValueType, out: &mut Vec<u64>) -> Result<(), LiftError> {
        self.as_slice().lower_flat(cx, ty, out)
    }
    fn store(&self, cx: &mut dyn LowerCx, ty: &ValueType, ptr: u32) -> Result<(), LiftError> {
        self.as_slice().store(cx, ty, ptr)
    }
}
impl<T: Lower> Lower for Vec<T> {}

// ---------------------------------------------------------------------------
// `option` and `result`.

impl<T: ComponentType> TypeImpl for Option<T> {
    fn typecheck(ty: &ValueType) -> Result<(), String> {
        match ty {
            ValueType::Option(t) => T::typecheck(t).map_err(|e| format!("in `some`: {e}")),
            _ => Err(mismatch::<Self>(ty)),
        }
    }
}
impl<T: ComponentType> ComponentType for Option<T> {}

impl<T: Lift> LiftImpl for Option<T> {
    fn lift_flat(cx: &mut dyn LiftCx, ty: &ValueType, flat: &mut Flat<'_>) -> Result<Self, LiftError> {
        let ValueType::Option(t) = ty else { return Err(wrong::<Self>(ty)) };
        let (start, total) = (flat.len(), flat_count(ty)?);
        let v = match next_i32(flat)? {
            0 => None,
            1 => Some(T::lift_flat(cx, t, flat)?),
            i => return Err(bad_discriminant(ty, i, 2)),
        };
        skip_rest(flat, start, total)?;
        Ok(v)
    }
    fn load(cx: &mut dyn LiftCx, ty: &ValueType, ptr: u32) -> Result<Self, LiftError> {
        let ValueType::Option(t) = ty else { return Err(wrong::<Self>(ty)) };
        let vl = abi::variant_layout(&[None, Some(t)])?;
        match read_discriminant(cx.memory(), vl.discriminant, ptr)? {
            0 => Ok(None),
            1 => Ok(Some(T::load(cx, t, add(ptr, vl.payload_offset)?)?)),
            i => Err(bad_discriminant(ty, i, 2)),
        }
    }
}
impl<T: Lift> Lift for Option<T> {}

impl<T: Lower> LowerImpl for Option<T> {
    fn lower_flat(&self, cx: &mut dyn LowerCx, ty: &ValueType, out: &mut Vec<u64>) -> Result<(), LiftError> {
        let ValueType::Option(t) = ty else { return Err(wrong::<Self>(ty)) };
        let (start, total) = (out.len(), flat_count(ty)?);
        match self {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                v.lower_flat(cx, t, out)?;
            }
        }
        // The joined slots this case leaves unused are zero.
        out.resize(start + total, 0);
        Ok(())
    }
    fn store(&self, cx: &mut dyn LowerCx, ty: &ValueType, ptr: u32) -> Result<(), LiftError> {
        let ValueType::Option(t) = ty else { return Err(wrong::<Self>(ty)) };
        let vl = abi::variant_layout(&[None, Some(t)])?;
        write_discriminant(cx, vl.discriminant, ptr, u32::from(self.is_some()))?;
        match self {
            None => Ok(()),
            Some(v) => v.store(cx, t, add(ptr, vl.payload_offset)?),
        }
    }
}
impl<T: Lower> Lower for Option<T> {}

impl<T: ComponentType, E: ComponentType> TypeImpl for Result<T, E> {
    fn typecheck(ty: &ValueType) -> Result<(), String> {
        match ty {
            ValueType::Result { ok, err } => {
                T::typecheck_payload(ok.as_deref()).map_err(|e| format!("in `ok`: {e}"))?;
                E::typecheck_payload(err.as_deref()).map_err(|e| format!("in `error`: {e}"))
            }
            _ => Err(mismatch::<Self>(ty)),
        }
    }
}
impl<T: ComponentType, E: ComponentType> ComponentType for Result<T, E> {}

impl<T: Lift, E: Lift> LiftImpl for Result<T, E> {
    fn lift_flat(cx: &mut dyn LiftCx, ty: &ValueType, flat: &mut Flat<'_>) -> Result<Self, LiftError> {
        let ValueType::Result { ok, err } = ty else { return Err(wrong::<Self>(ty)) };
        let (start, total) = (flat.len(), flat_count(ty)?);
        let v = match next_i32(flat)? {
            0 => Ok(T::lift_payload_flat(cx, ok.as_deref(), flat)?),
            1 => Err(E::lift_payload_flat(cx, err.as_deref(), flat)?),
            i => return Err(bad_discriminant(ty, i, 2)),
        };
        skip_rest(flat, start, total)?;
        Ok(v)
    }
    fn load(cx: &mut dyn LiftCx, ty: &ValueType, ptr: u32) -> Result<Self, LiftError> {
        let ValueType::Result { ok, err } = ty else { return Err(wrong::<Self>(ty)) };
        let vl = abi::variant_layout(&[ok.as_deref(), err.as_deref()])?;
        let payload = add(ptr, vl.payload_offset)?;
        match read_discriminant(cx.memory(), vl.discriminant, ptr)? {
            0 => Ok(Ok(T::load_payload(cx, ok.as_deref(), payload)?)),
            1 => Ok(Err(E::load_payload(cx, err.as_deref(), payload)?)),
            i => Err(bad_discriminant(ty, i, 2)),
        }
    }
}
impl<T: Lift, E: Lift> Lift for Result<T, E> {}

impl<T: Lower, E: Lower> LowerImpl for Result<T, E> {
    fn lower_flat(&self, cx: &mut dyn LowerCx, ty: &ValueType, out: &mut Vec<u64>) -> Result<(), LiftError> {
        let ValueType::Result { ok, err } = ty else { return Err(wrong::<Self>(ty)) };
        let (start, total) = (out.len(), flat_count(ty)?);
        match self {
            Ok(v) => {
                out.push(0);
                v.lower_payload_flat(cx, ok.as_deref(), out)?;
            }
            Err(v) => {
                out.push(1);
                v.lower_payload_flat(cx, err.as_deref(), out)?;
            }
        }
        out.resize(start + total, 0);
        Ok(())
    }
    fn store(&self, cx: &mut dyn LowerCx, ty: &ValueType, ptr: u32) -> Result<(), LiftError> {
        let ValueType::Result { ok, err } = ty else { return Err(wrong::<Self>(ty)) };
        let vl = abi::variant_layout(&[ok.as_deref(), err.as_deref()])?;
        let payload = add(ptr, vl.payload_offset)?;
        write_discriminant(cx, vl.discriminant, ptr, u32::from(self.is_err()))?;
        match self {
            Ok(v) => v.store_payload(cx, ok.as_deref(), payload),
            Err(v) => v.store_payload(cx, err.as_deref(), payload),
        }
    }
}
impl<T: Lower, E: Lower> Lower for Result<T, E> {}

// ---------------------------------------------------------------------------
// Tuples: WIT tuples, and parameter lists. `()` is also the payload of a
// result side that has none.

impl TypeImpl for () {
    fn typecheck(ty: &ValueType) -> Result<(), String> {
        match ty {
            ValueType::Tuple(types) if types.is_empty() => Ok(()),
            _ => Err(mismatch::<Self>(ty)),
        }
    }
    fn typecheck_payload(ty: Option<&ValueType>) -> Result<(), String> {
        match ty {
            None => Ok(()),
            Some(t) => Self::typecheck(t),
        }
    }
    fn typecheck_fields(types: &[ValueType]) -> Result<(), String> {
        match types.len() {
            0 => Ok(()),
            n => Err(format!("expected {n} elements, found `()`")),
        }
    }
}
impl ComponentType for () {}
impl ComponentNamedList for () {}

impl LiftImpl for () {
    fn lift_flat(_cx: &mut dyn LiftCx, ty: &ValueType, _flat: &mut Flat<'_>) -> Result<Self, LiftError> {
        Self::typecheck(ty).map_err(|_| wrong::<Self>(ty))
    }
    fn load(_cx: &mut dyn LiftCx, ty: &ValueType, _ptr: u32) -> Result<Self, LiftError> {
        Self::typecheck(ty).map_err(|_| wrong::<Self>(ty))
    }
    fn lift_payload_flat(_cx: &mut dyn LiftCx, ty: Option<&ValueType>, _flat: &mut Flat<'_>) -> Result<(), LiftError> {
        Self::typecheck_payload(ty).map_err(LiftError)
    }
    fn load_payload(_cx: &mut dyn LiftCx, ty: Option<&ValueType>, _ptr: u32) -> Result<(), LiftError> {
        Self::typecheck_payload(ty).map_err(LiftError)
    }
    fn lift_fields_flat(_cx: &mut dyn LiftCx, types: &[ValueType], _flat: &mut Flat<'_>) -> Result<(), LiftError> {
        Self::typecheck_fields(types).map_err(LiftError)
    }
    fn load_fields(_cx: &mut dyn LiftCx, types: &[ValueType], _ptr: u32) -> Result<(), LiftError> {
        Self::typecheck_fields(types).map_err(LiftError)
    }
}
impl Lift for () {}

impl LowerImpl for () {
    fn lower_flat(&self, _cx: &mut dyn LowerCx, ty: &ValueType, _out: &mut Vec<u64>) -> Result<(), LiftError> {
        Self::typecheck(ty).map_err(|_| wrong::<Self>(ty))
    }
    fn store(&self, _cx: &mut dyn LowerCx, ty: &ValueType, _ptr: u32) -> Result<(), LiftError> {
        Self::typecheck(ty).map_err(|_| wrong::<Self>(ty))
    }
    fn lower_payload_flat(
        &self,
        _: &mut dyn LowerCx,
        ty: Option<&ValueType>,
        _: &mut Vec<u64>,
    ) -> Result<(), LiftError> {
        Self::typecheck_payload(ty).map_err(LiftError)
    }
    fn store_payload(&self, _cx: &mut dyn LowerCx, ty: Option<&ValueType>, _ptr: u32) -> Result<(), LiftError> {
        Self::typecheck_payload(ty).map_err(LiftError)
    }
    fn lower_fields_flat(&self, _: &mut dyn LowerCx, types: &[ValueType], _: &mut Vec<u64>) -> Result<(), LiftError> {
        Self::typecheck_fields(types).map_err(LiftError)
    }
    fn store_fields(&self, _cx: &mut dyn LowerCx, types: &[ValueType], _ptr: u32) -> Result<(), LiftError> {
        Self::typecheck_fields(types).map_err(LiftError)
    }
}
impl Lower for () {}

/// The element types of tuple type `ty`.
fn tuple_types<T: ?Sized>(ty: &ValueType) -> Result<&[ValueType], LiftError> {
    match ty {
        ValueType::Tuple(types) => Ok(types),
        _ => Err(wrong::<T>(ty)),
    }
}

/// Checks that a tuple of `n` elements has as many types.
fn check_count(types: &[ValueType], n: usize) -> Result<(), String> {
    if types.len() == n {
        Ok(())
    } else {
        Err(format!("expected {} elements, found a tuple of {n}", types.len()))
    }
}

macro_rules! tuples {
    ($(($($t:ident $i:tt),+))*) => {$(
        impl<$($t: ComponentType),+> TypeImpl for ($($t,)+) {
            fn typecheck(ty: &ValueType) -> Result<(), String> {
                match ty {
                    ValueType::Tuple(types) => Self::typecheck_fields(types),
                    _ => Err(mismatch::<Self>(ty)),
                }
            }
            fn typecheck_fields(types: &[ValueType]) -> Result<(), String> {
                check_count(types, [$($i),+].len())?;
                $( $t::typecheck(&types[$i]).map_err(|e| format!("in element {}: {e}", $i))?; )+
                Ok(())
            }
        }
        impl<$($t: ComponentType),+> ComponentType for ($($t,)+) {}
        impl<$($t: ComponentType),+> ComponentNamedList for ($($t,)+) {}

        impl<$($t: Lift),+> LiftImpl for ($($t,)+) {
            fn lift_flat(cx: &mut dyn LiftCx, ty: &ValueType, flat: &mut Flat<'_>) -> Result<Self, LiftError> {
                Self::lift_fields_flat(cx, tuple_types::<Self>(ty)?, flat)
            }
            fn load(cx: &mut dyn LiftCx, ty: &ValueType, ptr: u32) -> Result<Self, LiftError> {
                Self::load_fields(cx, tuple_types::<Self>(ty)?, ptr)
            }
            fn lift_fields_flat(
                cx: &mut dyn LiftCx,
                types: &[ValueType],
                flat: &mut Flat<'_>,
            ) -> Result<Self, LiftError> {
                check_count(types, [$($i),+].len()).map_err(LiftError)?;
                Ok(($($t::lift_flat(cx, &types[$i], flat)?,)+))
            }
            fn load_fields(cx: &mut dyn LiftCx, types: &[ValueType], ptr: u32) -> Result<Self, LiftError> {
                check_count(types, [$($i),+].len()).map_err(LiftError)?;
                let rl = abi::record_layout(types)?;
                Ok(($($t::load(cx, &types[$i], add(ptr, rl.offsets[$i])?)?,)+))
            }
        }
        impl<$($t: Lift),+> Lift for ($($t,)+) {}

        impl<$($t: Lower),+> LowerImpl for ($($t,)+) {
            fn lower_flat(&self, cx: &mut dyn LowerCx, ty: &ValueType, out: &mut Vec<u64>) -> Result<(), LiftError> {
                self.lower_fields_flat(cx, tuple_types::<Self>(ty)?, out)
            }
            fn store(&self, cx: &mut dyn LowerCx, ty: &ValueType, ptr: u32) -> Result<(), LiftError> {
                self.store_fields(cx, tuple_types::<Self>(ty)?, ptr)
            }
            fn lower_fields_flat(
                &self,
                cx: &mut dyn LowerCx,
                types: &[ValueType],
                out: &mut Vec<u64>,
            ) -> Result<(), LiftError> {
                check_count(types, [$($i),+].len()).map_err(LiftError)?;
                $( self.$i.lower_flat(cx, &types[$i], out)?; )+
                Ok(())
            }
            fn store_fields(&self, cx: &mut dyn LowerCx, types: &[ValueType], ptr: u32) -> Result<(), LiftError> {
                check_count(types, [$($i),+].len()).map_err(LiftError)?;
                let rl = abi::record_layout(types)?;
                $( self.$i.store(cx, &types[$i], add(ptr, rl.offsets[$i])?)?; )+
                Ok(())
            }
        }
        impl<$($t: Lower),+> Lower for ($($t,)+) {}
    )*};
}

tuples! {
    (A 0)
    (A 0, B 1)
    (A 0, B 1, C 2)
    (A 0, B 1, C 2, D 3)
    (A 0, B 1, C 2, D 3, E 4)
    (A 0, B 1, C 2, D 3, E 4, F 5)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11)
}

// ---------------------------------------------------------------------------
// Resource handles. The resource type itself is checked by the handle table
// (`ty` names it in the component's own numbering); here only that the
// component type is a handle, and ownership.

fn check_handle<T: ?Sized>(ty: &ValueType) -> Result<(), String> {
    match ty {
        ValueType::Own(_) | ValueType::Borrow(_) => Ok(()),
        _ => Err(mismatch::<T>(ty)),
    }
}

fn lift_handle<T: ?Sized>(cx: &mut dyn LiftCx, ty: &ValueType, index: u32) -> Result<ResourceAny, LiftError> {
    check_handle::<T>(ty).map_err(|_| wrong::<T>(ty))?;
    cx.lift_resource(ty, index)
}

impl TypeImpl for ResourceAny {
    fn typecheck(ty: &ValueType) -> Result<(), String> {
        check_handle::<Self>(ty)
    }
}
impl ComponentType for ResourceAny {}

impl LiftImpl for ResourceAny {
    fn lift_flat(cx: &mut dyn LiftCx, ty: &ValueType, flat: &mut Flat<'_>) -> Result<Self, LiftError> {
        let index = next_i32(flat)?;
        lift_handle::<Self>(cx, ty, index)
    }
    fn load(cx: &mut dyn LiftCx, ty: &ValueType, ptr: u32) -> Result<Self, LiftError> {
        let index = u32::from_le_bytes(read(cx.memory(), ptr)?);
        lift_handle::<Self>(cx, ty, index)
    }
}
impl Lift for ResourceAny {}

impl LowerImpl for ResourceAny {
    fn lower_flat(&self, cx: &mut dyn LowerCx, ty: &ValueType, out: &mut Vec<u64>) -> Result<(), LiftError> {
        out.push(u64::from(lower_handle(cx, ty, *self)?));
        Ok(())
    }
    fn store(&self, cx: &mut dyn LowerCx, ty: &ValueType, ptr: u32) -> Result<(), LiftError> {
        let index = lower_handle(cx, ty, *self)?;
        write(cx, ptr, &index.to_le_bytes())
    }
}
impl Lower for ResourceAny {}

impl<T: 'static> TypeImpl for Resource<T> {
    fn typecheck(ty: &ValueType) -> Result<(), String> {
        check_handle::<Self>(ty)
    }
}
impl<T: 'static> ComponentType for Resource<T> {}

/// A handle of the host-defined type `T` as a [`ResourceAny`].
fn any_of<T: 'static>(r: &Resource<T>) -> Result<ResourceAny, LiftError> {
    let copy = if r.owned() { Resource::<T>::new_own(r.rep()) } else { Resource::<T>::new_borrow(r.rep()) };
    copy.try_into_resource_any().map_err(|e| LiftError(e.to_string()))
}

impl<T: 'static> LiftImpl for Resource<T> {
    fn lift_flat(cx: &mut dyn LiftCx, ty: &ValueType, flat: &mut Flat<'_>) -> Result<Self, LiftError> {
        ResourceAny::lift_flat(cx, ty, flat)?.try_into_resource().map_err(|e| LiftError(e.to_string()))
    }
    fn load(cx: &mut dyn LiftCx, ty: &ValueType, ptr: u32) -> Result<Self, LiftError> {
        ResourceAny::load(cx, ty, ptr)?.try_into_resource().map_err(|e| LiftError(e.to_string()))
    }
}
impl<T: 'static> Lift for Resource<T> {}

impl<T: 'static> LowerImpl for Resource<T> {
    fn lower_flat(&self, cx: &mut dyn LowerCx, ty: &ValueType, out: &mut Vec<u64>) -> Result<(), LiftError> {
        any_of(self)?.lower_flat(cx, ty, out)
    }
    fn store(&self, cx: &mut dyn LowerCx, ty: &ValueType, ptr: u32) -> Result<(), LiftError> {
        any_of(self)?.store(cx, ty, ptr)
    }
}
impl<T: 'static> Lower for Resource<T> {}

// ---------------------------------------------------------------------------
// `Val`: any type, checked when lowered.

impl TypeImpl for Val {
    fn typecheck(_ty: &ValueType) -> Result<(), String> {
        Ok(())
    }
}
impl ComponentType for Val {}

impl LiftImpl for Val {
    fn lift_flat(cx: &mut dyn LiftCx, ty: &ValueType, flat: &mut Flat<'_>) -> Result<Self, LiftError> {
        values::lift_flat(cx, ty, flat)
    }
    fn load(cx: &mut dyn LiftCx, ty: &ValueType, ptr: u32) -> Result<Self, LiftError> {
        values::load(cx, ty, ptr)
    }
}
impl Lift for Val {}

impl LowerImpl for Val {
    fn lower_flat(&self, cx: &mut dyn LowerCx, ty: &ValueType, out: &mut Vec<u64>) -> Result<(), LiftError> {
        values::lower_to_flat(cx, ty, self, out)
    }
    fn store(&self, cx: &mut dyn LowerCx, ty: &ValueType, ptr: u32) -> Result<(), LiftError> {
        self.type_check(ty).map_err(|e| LiftError(format!("value does not match its type: {e}")))?;
        values::store(cx, ty, self, ptr)
    }
}
impl Lower for Val {}

// ---------------------------------------------------------------------------
// Whole parameter lists and results, as `values::func` for `Val`s.

/// A function's result as the list the typed API sees it as: none or one.
fn result_list(result: Option<&ValueType>) -> &[ValueType] {
    result.map(std::slice::from_ref).unwrap_or(&[])
}

/// Checks the tuple `P` against the parameter types `params`.
pub(crate) fn typecheck_params<P: ComponentNamedList>(params: &[ValueType]) -> Result<(), String> {
    P::typecheck_fields(params)
}

/// Checks the tuple `R` (`()` or `(T,)`) against a function's result type.
pub(crate) fn typecheck_results<R: ComponentNamedList>(result: Option<&ValueType>) -> Result<(), String> {
    R::typecheck_fields(result_list(result))
}

/// [`values::func::lower_args`] for a typed parameter tuple: the arguments
/// of a guest export, flat or (past [`MAX_FLAT_PARAMS`]) stored as a tuple
/// in a block from `realloc`, whose pointer is pushed.
pub(crate) fn lower_args_typed<P: ComponentNamedList + Lower>(
    cx: &mut dyn LowerCx,
    params: &[ValueType],
    args: &P,
    out: &mut Vec<u64>,
) -> Result<(), LiftError> {
    if flat_len(params, MAX_FLAT_PARAMS).is_some() {
        return args.lower_fields_flat(cx, params, out);
    }
    let rl = abi::record_layout(params)?;
    let ptr = alloc(cx, "parameters", rl.layout.size, rl.layout.align)?;
    args.store_fields(cx, params, ptr)?;
    out.push(u64::from(ptr));
    Ok(())
}

/// [`values::func::lift_args`] for a typed parameter tuple: the arguments
/// of a host import from the guest's core arguments `flat` (without the
/// return pointer).
pub(crate) fn lift_args_typed<P: ComponentNamedList + Lift>(
    cx: &mut dyn LiftCx,
    params: &[ValueType],
    flat: &[u64],
) -> Result<P, LiftError> {
    lift_list(cx, params, flat, MAX_FLAT_PARAMS, "core arguments", "parameters")
}

/// [`values::func::lift_results`] for a typed result (`()` or `(T,)`): the
/// result of a guest export from its core results.
pub(crate) fn lift_results_typed<R: ComponentNamedList + Lift>(
    cx: &mut dyn LiftCx,
    result: Option<&ValueType>,
    flat: &[u64],
) -> Result<R, LiftError> {
    lift_list(cx, result_list(result), flat, MAX_FLAT_RESULTS, "core results", "result")
}

/// Lifts the list `types` from `flat`: flat if they fit in `max` values,
/// else from the tuple the one flat value points to.
fn lift_list<L: ComponentNamedList + Lift>(
    cx: &mut dyn LiftCx,
    types: &[ValueType],
    flat: &[u64],
    max: usize,
    core: &str,
    what: &str,
) -> Result<L, LiftError> {
    match flat_len(types, max) {
        Some(n) => {
            if flat.len() != n {
                return Err(LiftError(format!("expected {n} {core}, found {}", flat.len())));
            }
            L::lift_fields_flat(cx, types, &mut flat.iter().copied())
        }
        None => {
            let [p] = flat else {
                return Err(LiftError(format!("expected 1 of {core} (a pointer), found {}", flat.len())));
            };
            let ptr = *p as u32;
            let l = abi::record_layout(types)?.layout;
            check_range(what, ptr, u64::from(l.size), l.align, cx.memory().len())?;
            L::load_fields(cx, types, ptr)
        }
    }
}

/// [`values::func::lower_results`] for a typed result (`()` or `(T,)`):
/// the result of a host import, flat into `out`, or stored where the
/// return pointer (the last of the guest's core arguments `flat_in`)
/// points.
pub(crate) fn lower_results_typed<R: ComponentNamedList + Lower>(
    cx: &mut dyn LowerCx,
    result: Option<&ValueType>,
    val: &R,
    flat_in: &[u64],
    out: &mut Vec<u64>,
) -> Result<(), LiftError> {
    let types = result_list(result);
    if flat_len(types, MAX_FLAT_RESULTS).is_some() {
        return val.lower_fields_flat(cx, types, out);
    }
    let Some(&ret) = flat_in.last() else {
        return Err(LiftError::new("missing the return pointer among the core arguments"));
    };
    let ptr = ret as u32;
    let l = abi::record_layout(types)?.layout;
    check_range("result", ptr, u64::from(l.size), l.align, cx.memory_mut().len())?;
    val.store_fields(cx, types, ptr)
}

#[cfg(test)]
mod tests;
