//! A function's parameters and result as a whole: flat while they fit in
//! [`MAX_FLAT_PARAMS`] / [`MAX_FLAT_RESULTS`] core values, else through
//! memory (`canon lift` and `canon lower` of `CanonicalABI.md`).
//!
//! Parameters past the limit are stored as one tuple: by the caller in
//! memory it allocates with the callee's `realloc` when the host calls a
//! guest export, at a pointer the guest gives when it calls a host import.
//! A result past the limit comes back as a pointer from a guest export, and
//! goes to a return pointer the guest passes as its last core parameter to
//! a host import.

use super::{
    abi, alloc, check_range, check_value, lift_flat, load, load_fields, lower_flat, store, store_fields, LiftError, Val,
};
use crate::component::abi::{FlatType, MAX_FLAT_PARAMS, MAX_FLAT_RESULTS};
use crate::component::cx::{LiftCx, LowerCx};
use crate::component::types::ValueType;

/// The number of flat values `types` take together, or `None` if more than
/// `max`.
pub(crate) fn flat_len(types: &[ValueType], max: usize) -> Option<usize> {
    let mut out: Vec<FlatType> = Vec::new();
    types.iter().try_for_each(|t| abi::flatten(t, &mut out, max)).ok()?;
    Some(out.len())
}

/// The pointer in flat value `v`, an `i32`.
fn pointer(v: u64) -> u32 {
    v as u32
}

/// Checks the pointer to a parameter tuple or result of `size` bytes and
/// alignment `align` that the guest gave.
fn check_block(what: &str, ptr: u32, layout: abi::Layout, mem_len: usize) -> Result<(), LiftError> {
    check_range(what, ptr, u64::from(layout.size), layout.align, mem_len)
}

/// Lowers the arguments `args` of a guest export with parameters `params`
/// into its core arguments, appended to `out`: flat, or (past
/// [`MAX_FLAT_PARAMS`] values) stored as a tuple in a block allocated with
/// `realloc`, whose pointer is the one core argument.
///
/// Every argument is type-checked before anything is lowered.
pub(crate) fn lower_args(
    cx: &mut dyn LowerCx,
    params: &[ValueType],
    args: &[Val],
    out: &mut Vec<u64>,
) -> Result<(), LiftError> {
    if args.len() != params.len() {
        return Err(LiftError(format!("expected {} arguments, found {}", params.len(), args.len())));
    }
    for (i, (t, v)) in params.iter().zip(args).enumerate() {
        v.type_check(t).map_err(|e| LiftError(format!("argument {i} does not match its type: {e}")))?;
    }
    if flat_len(params, MAX_FLAT_PARAMS).is_some() {
        for (t, v) in params.iter().zip(args) {
            lower_flat(cx, t, v, out)?;
        }
        return Ok(());
    }
    let rl = abi::record_layout(params)?;
    let ptr = alloc(cx, "parameters", rl.layout.size, rl.layout.align)?;
    store_fields(cx, params, args, ptr)?;
    out.push(u64::from(ptr));
    Ok(())
}

/// Lifts the result of a guest export of result type `result` from its core
/// results `flat`: flat, or (past [`MAX_FLAT_RESULTS`] values) loaded from
/// where the one core result points.
pub(crate) fn lift_results(
    cx: &mut dyn LiftCx,
    result: Option<&ValueType>,
    flat: &[u64],
) -> Result<Option<Val>, LiftError> {
    let Some(ty) = result else {
        return match flat.len() {
            0 => Ok(None),
            n => Err(LiftError(format!("expected no core results, found {n}"))),
        };
    };
    match flat_len(std::slice::from_ref(ty), MAX_FLAT_RESULTS) {
        Some(n) => {
            if flat.len() != n {
                return Err(LiftError(format!("expected {n} core results, found {}", flat.len())));
            }
            let mut it = flat.iter().copied();
            lift_flat(cx, ty, &mut it).map(Some)
        }
        None => {
            let [ret] = flat else {
                return Err(LiftError(format!("expected 1 core result (a pointer), found {}", flat.len())));
            };
            let ptr = pointer(*ret);
            check_block("result", ptr, abi::layout(ty)?, cx.memory().len())?;
            load(cx, ty, ptr).map(Some)
        }
    }
}

/// Lifts the arguments of a host import with parameters `params` from the
/// guest's core arguments `flat`: flat, or (past [`MAX_FLAT_PARAMS`]
/// values) loaded as a tuple from where the one core argument points.
///
/// `flat` holds the parameters' core values only: when the result is
/// returned through memory, the caller leaves the return pointer (the last
/// core argument) out, for [`lower_results`].
pub(crate) fn lift_args(cx: &mut dyn LiftCx, params: &[ValueType], flat: &[u64]) -> Result<Vec<Val>, LiftError> {
    match flat_len(params, MAX_FLAT_PARAMS) {
        Some(n) => {
            if flat.len() != n {
                return Err(LiftError(format!("expected {n} core arguments, found {}", flat.len())));
            }
            let mut it = flat.iter().copied();
            params.iter().map(|t| lift_flat(cx, t, &mut it)).collect()
        }
        None => {
            let [arg] = flat else {
                return Err(LiftError(format!("expected 1 core argument (a pointer), found {}", flat.len())));
            };
            let ptr = pointer(*arg);
            check_block("parameters", ptr, abi::record_layout(params)?.layout, cx.memory().len())?;
            load_fields(cx, params, ptr)
        }
    }
}

/// Lowers the result `val` of a host import of result type `result` for
/// the guest: flat into `out`, or (past [`MAX_FLAT_RESULTS`] values)
/// stored where the return pointer points, the last of the guest's core
/// arguments `flat_in`, pushing nothing.
pub(crate) fn lower_results(
    cx: &mut dyn LowerCx,
    result: Option<&ValueType>,
    val: Option<&Val>,
    flat_in: &[u64],
    out: &mut Vec<u64>,
) -> Result<(), LiftError> {
    let (ty, val) = match (result, val) {
        (None, None) => return Ok(()),
        (Some(ty), Some(val)) => (ty, val),
        (None, Some(_)) => return Err(LiftError::new("the function has no result, but one was given")),
        (Some(_), None) => return Err(LiftError::new("the function has a result, but none was given")),
    };
    check_value(ty, val)?;
    if flat_len(std::slice::from_ref(ty), MAX_FLAT_RESULTS).is_some() {
        return lower_flat(cx, ty, val, out);
    }
    let Some(&ret) = flat_in.last() else {
        return Err(LiftError::new("missing the return pointer among the core arguments"));
    };
    let ptr = pointer(ret);
    check_block("result", ptr, abi::layout(ty)?, cx.memory_mut().len())?;
    store(cx, ty, val, ptr)
}
