//! Calls across the array-call ABI: the host entering wasm, a tier
//! calling a function of another tier or of the host, and the entry shim
//! that lets a tier written in safe Rust be called through the ABI.

use super::host::host_func_context;
use super::instance::instance_id_of_vmctx;
use super::instance::Instance;
use super::store::{FuncRefPtr, InstanceId, PendingError, StoreOpaque};
use super::traphandlers;
use super::vmcontext::VMArrayCallFn;
use super::vmcontext::{VMContext, VMFuncRef, HOST_FUNC_INDEX};
use super::{ValRaw, ACTIVATION_COST_BYTES};
use crate::compile::{DefinedFuncIndex, FuncIndex, VMCTX_INSTANCE_OFFSET, VMCTX_STORE_OFFSET};
use crate::engine::SigId;
use crate::trap::{FrameCollector, WasmBacktrace};
use crate::types::FuncType;

/// Calls `func_ref` with `args` (arguments in, results out) from the host.
/// A trap or host error comes back as `Err`; a host panic goes on
/// unwinding from here, after the store is left consistent.
pub(crate) fn invoke(store: &mut StoreOpaque, func_ref: FuncRefPtr, args: &mut [ValRaw]) -> anyhow::Result<()> {
    call_array(store, func_ref, std::ptr::null_mut(), args)
}

/// Calls `func_ref` through its array-call entry, `caller` being the
/// calling instance's context (or null for the host).
///
/// Takes the store as a raw pointer and is never inlined, so the compiler
/// sees the store escape into the call: the callee reaches the same store
/// through the pointers in its context and may change anything in it.
#[inline(never)]
pub(crate) fn call_array(
    store: *mut StoreOpaque,
    func_ref: FuncRefPtr,
    caller: *mut VMContext,
    args: &mut [ValRaw],
) -> anyhow::Result<()> {
    let f = func_ref.0.as_ptr();
    // SAFETY: `func_ref` points at a live `VMFuncRef` of this store; its
    // array-call entry follows the ABI of `VMArrayCallFn`; `args` holds
    // `max(params, results)` values as the caller checked.
    let ok = unsafe { ((*f).array_call)(f, caller, args.as_mut_ptr(), args.len()) };
    if ok {
        Ok(())
    } else {
        // SAFETY: the store outlives the call; the callee's borrows ended.
        Err(unsafe { &mut *store }.take_pending())
    }
}

/// The defining instance and index of a wasm function, or `None` for a
/// host function.
#[inline]
pub(crate) fn func_ref_target(func_ref: FuncRefPtr) -> Option<(InstanceId, FuncIndex)> {
    // SAFETY: a `FuncRefPtr` points at a live `VMFuncRef`; for wasm
    // functions its `vmctx` is a live instance context.
    unsafe {
        let f = func_ref.0.as_ref();
        (f.func_index != HOST_FUNC_INDEX).then(|| (instance_id_of_vmctx(f.vmctx), FuncIndex(f.func_index)))
    }
}

/// The engine-wide type id of a function.
#[inline]
pub(crate) fn func_ref_type_id(func_ref: FuncRefPtr) -> SigId {
    // SAFETY: a `FuncRefPtr` points at a live `VMFuncRef`.
    unsafe { func_ref.0.as_ref().type_id }
}

/// The type of a function.
pub(crate) fn func_ref_type(store: &StoreOpaque, func_ref: FuncRefPtr) -> FuncType {
    match func_ref_target(func_ref) {
        Some((inst, index)) => store.instance(inst).module.info.func_type(index.0).clone(),
        None => host_func_context(func_ref).expect("a host function").ty.clone(),
    }
}

/// A tier whose functions run as safe Rust: `array_call_shim::<Self>` is
/// then their array-call entry.
pub(crate) trait SafeArrayCall {
    /// Runs function `func` of instance `instance`, called from `caller`.
    fn call(
        store: &mut StoreOpaque,
        instance: InstanceId,
        func: FuncIndex,
        caller: Option<InstanceId>,
        args: &mut [ValRaw],
    ) -> anyhow::Result<()>;
}

/// The array-call entry of functions of a `SafeArrayCall` tier.
///
/// # Safety
/// The contract of `VMArrayCallFn`: `callee` is a wasm function's
/// `VMFuncRef` in a live store, `caller` null or a live context of the same
/// store, `args` valid for `len` values.
pub(crate) unsafe extern "C" fn array_call_shim<C: SafeArrayCall>(
    callee: *const VMFuncRef,
    caller: *mut VMContext,
    args: *mut ValRaw,
    len: usize,
) -> bool {
    // SAFETY: per the contract, `callee.vmctx` is a live instance context,
    // whose header holds the store pointer; the caller of this array call
    // handed its exclusive use of the store down to us.
    let (store_ptr, instance, func, caller, args) = unsafe {
        let f = &*callee;
        let store = *(f.vmctx.cast::<u8>().add(VMCTX_STORE_OFFSET) as *const *mut StoreOpaque);
        let caller = if caller.is_null() { None } else { Some(instance_id_of_vmctx(caller)) };
        (
            store,
            instance_id_of_vmctx(f.vmctx),
            FuncIndex(f.func_index),
            caller,
            std::slice::from_raw_parts_mut(args, len),
        )
    };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: see above.
        C::call(unsafe { &mut *store_ptr }, instance, func, caller, args)
    }));
    // SAFETY: see above; the call's borrow has ended.
    unsafe { &mut *store_ptr }.record_outcome(outcome)
}

/// The array-call entry of functions compiled to machine code: enters the
/// function's compiled array entry so that a trap comes back here
/// (`traphandlers`), sets the stack limit on the first entry into wasm, and
/// turns a trap into the store's pending error with a backtrace.
///
/// # Safety
/// The contract of `VMArrayCallFn`, for a function of a module whose code
/// has native array entries.
pub(crate) unsafe extern "C" fn native_array_call(
    callee: *const VMFuncRef,
    caller: *mut VMContext,
    args: *mut ValRaw,
    len: usize,
) -> bool {
    // SAFETY: per the contract, `callee.vmctx` is a live instance context
    // whose header holds the store and instance pointers; the module keeps
    // its code (and so the entry) alive while the instance lives.
    let (store_ptr, entry) = unsafe {
        let f = &*callee;
        let store = *(f.vmctx.cast::<u8>().add(VMCTX_STORE_OFFSET) as *const *mut StoreOpaque);
        let instance = &*(*(f.vmctx.cast::<u8>().add(VMCTX_INSTANCE_OFFSET) as *const *const Instance));
        let defined = DefinedFuncIndex(f.func_index - instance.module.info.num_imported_funcs);
        (store, instance.code().native_array_entry(defined))
    };
    if entry.is_null() {
        // Only functions that can escape their module have an array entry;
        // nothing can reach this one (validation guarantees it).
        let error = anyhow::anyhow!("internal error: a function without an array entry was called from outside");
        // SAFETY: as above.
        return unsafe { &mut *store_ptr }.record_outcome(Ok(Err(error)));
    }
    // SAFETY: a non-null native array entry has the `VMArrayCallFn` ABI.
    let entry: VMArrayCallFn = unsafe { std::mem::transmute(entry) };
    // SAFETY: the store is alive and in use by this call chain; only this
    // field is touched, through its cell.
    let limit = unsafe { (*store_ptr).vm_store_context.stack_limit.get() };
    // SAFETY: as above.
    let (old_limit, max_stack) = unsafe { (*limit, (*store_ptr).engine.config().max_wasm_stack) };
    let here = traphandlers::stack_pointer();
    let new_limit = if old_limit == usize::MAX {
        // The first entry into compiled code: wasm may use `max_wasm_stack`
        // bytes below here, as far as this thread's stack goes.
        here.saturating_sub(max_stack).max(traphandlers::stack_floor())
    } else {
        // A re-entry from the host: it costs as much as in the interpreter,
        // which bounds the host stack that wasm -> host -> wasm uses.
        old_limit.saturating_add(ACTIVATION_COST_BYTES)
    };
    if new_limit >= here {
        // SAFETY: as above.
        let store = unsafe { &mut *store_ptr };
        return store.record_outcome(Ok(Err(crate::trap::Trap::StackOverflow.into())));
    }
    // SAFETY: as above.
    let depth = unsafe {
        *limit = new_limit;
        (*store_ptr).begin_native_activation(here)
    };
    // SAFETY: the entry follows the array-call ABI, with this call's
    // arguments (per the contract).
    let outcome = traphandlers::call_with_resume(&mut || unsafe { entry(callee, caller, args, len) });
    // SAFETY: as above; the calls into wasm have returned.
    let store = unsafe {
        *limit = old_limit;
        &mut *store_ptr
    };
    store.end_activation(depth);
    match outcome {
        Ok(ok) => ok,
        Err(at) => {
            let error = match (at.trap, store.pending.take()) {
                (Some(trap), _) => trap.into(),
                (None, Some(PendingError::Error(e))) => e,
                // A host panic stays pending, to go on unwinding from the
                // host side of the outermost call (never through this frame).
                (None, panic) => {
                    store.pending = panic;
                    return false;
                }
            };
            let error = crate::trap::with_backtrace(error, native_backtrace(store, at.pcs));
            store.record_outcome(Ok(Err(error)))
        }
    }
}

/// The wasm frames of the instructions `pcs` (innermost first): the
/// functions of the store's modules they are in.
fn native_backtrace(store: &StoreOpaque, pcs: FrameCollector<usize>) -> WasmBacktrace {
    let (pcs, omitted) = pcs.finish();
    let modules = super::backtrace::store_modules(store);
    let frames = pcs.iter().filter_map(|pc| super::backtrace::compiled_frame(&modules, *pc)).collect();
    WasmBacktrace { frames, omitted, cause: None }
}
