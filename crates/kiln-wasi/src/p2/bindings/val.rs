//! Reading parameters from, and building results as, dynamic component
//! values. A value of the wrong shape is a trap with a message: the
//! linker type-checks imports, so it means a mismatch between this host
//! and its WIT, never something a guest can cause by itself.

use anyhow::{anyhow, bail, Result};
use kiln::component::{Resource, Val};

/// Parameter `i` of `params`.
pub(super) fn arg(params: &[Val], i: usize) -> Result<&Val> {
    params.get(i).ok_or_else(|| anyhow!("missing parameter {i}"))
}

pub(super) fn u8_(v: &Val) -> Result<u8> {
    match v {
        Val::U8(x) => Ok(*x),
        other => bail!("expected a u8, got {other:?}"),
    }
}

pub(super) fn u64_(v: &Val) -> Result<u64> {
    match v {
        Val::U64(x) => Ok(*x),
        other => bail!("expected a u64, got {other:?}"),
    }
}

pub(super) fn u32_(v: &Val) -> Result<u32> {
    match v {
        Val::U32(x) => Ok(*x),
        other => bail!("expected a u32, got {other:?}"),
    }
}

pub(super) fn string(v: &Val) -> Result<&str> {
    match v {
        Val::String(s) => Ok(s),
        other => bail!("expected a string, got {other:?}"),
    }
}

/// A `list<u8>`, converted once per call (the dynamic API carries each
/// byte as a value).
pub(super) fn bytes(v: &Val) -> Result<Vec<u8>> {
    match v {
        Val::List(items) => items
            .iter()
            .map(|b| match b {
                Val::U8(b) => Ok(*b),
                other => bail!("expected a list<u8> element, got {other:?}"),
            })
            .collect(),
        other => bail!("expected a list<u8>, got {other:?}"),
    }
}

pub(super) fn list(v: &Val) -> Result<&[Val]> {
    match v {
        Val::List(items) => Ok(items),
        other => bail!("expected a list, got {other:?}"),
    }
}

/// An `own` or `borrow` handle to a host resource of type `T`.
pub(super) fn resource<T: 'static>(v: &Val) -> Result<Resource<T>> {
    match v {
        Val::Resource(any) => any.try_into_resource::<T>(),
        other => bail!("expected a resource handle, got {other:?}"),
    }
}

pub(super) fn enum_case(v: &Val) -> Result<&str> {
    match v {
        Val::Enum(name) => Ok(name),
        other => bail!("expected an enum case, got {other:?}"),
    }
}

pub(super) fn flag_names(v: &Val) -> Result<&[String]> {
    match v {
        Val::Flags(names) => Ok(names),
        other => bail!("expected flags, got {other:?}"),
    }
}

pub(super) fn record_field<'a>(v: &'a Val, name: &str) -> Result<&'a Val> {
    match v {
        Val::Record(fields) => fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
            .ok_or_else(|| anyhow!("record has no field `{name}`")),
        other => bail!("expected a record, got {other:?}"),
    }
}

/// A handle given to the guest (`own` results).
pub(super) fn own<T: 'static>(r: Resource<T>) -> Result<Val> {
    Ok(Val::Resource(r.try_into_resource_any()?))
}

pub(super) fn list_u8(bytes: Vec<u8>) -> Val {
    Val::List(bytes.into_iter().map(Val::U8).collect())
}

pub(super) fn ok(v: Option<Val>) -> Val {
    Val::Result(Ok(v.map(Box::new)))
}

pub(super) fn err(v: Option<Val>) -> Val {
    Val::Result(Err(v.map(Box::new)))
}

pub(super) fn some(v: Option<Val>) -> Val {
    Val::Option(v.map(Box::new))
}

pub(super) fn variant(case: &str, payload: Option<Val>) -> Val {
    Val::Variant(case.to_owned(), payload.map(Box::new))
}
