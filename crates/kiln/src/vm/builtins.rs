//! The runtime helpers compiled code calls (`VMBuiltins`): each recovers
//! the store and instance from the calling context and runs the operation
//! `vm/` already has for every tier. A helper that traps resumes at the
//! innermost entry into compiled code (`traphandlers::raise`) after its
//! own values are gone, so nothing is leaked by skipping its frame.

use super::instance::instance_id_of_vmctx;
use super::store::{InstanceId, StoreOpaque};
use super::traphandlers;
use super::vmcontext::{VMBuiltins, VMContext};
use crate::compile::{MemoryIndex, TableIndex, VMCTX_STORE_OFFSET};
use crate::trap::Trap;

/// The one helper table every instance's context points at.
pub(crate) static BUILTINS: VMBuiltins = VMBuiltins {
    memory_grow,
    memory_fill,
    memory_copy,
    memory_init,
    data_drop,
    table_grow,
    table_fill,
    table_copy,
    table_init,
    elem_drop,
    raise_trap,
    out_of_fuel,
    new_epoch,
    unwind,
};

/// The store and calling instance of a helper call.
///
/// # Safety
/// `vmctx` is the context of a live instance whose compiled code is calling
/// (so its store is exclusively in use by this call chain).
unsafe fn caller<'a>(vmctx: *mut VMContext) -> (&'a mut StoreOpaque, InstanceId) {
    // SAFETY: per the contract; the header's store pointer is set at
    // instantiation and the store is boxed.
    unsafe {
        let store = *(vmctx.cast::<u8>().add(VMCTX_STORE_OFFSET) as *const *mut StoreOpaque);
        (&mut *store, instance_id_of_vmctx(vmctx))
    }
}

/// Resumes at the innermost entry with `trap` (or, for `None`, with the
/// store's pending error), with the backtrace from the frame that called.
///
/// # Safety
/// Called from a helper, called by the compiled code of `vmctx`, with
/// nothing owning resources left in its frame.
unsafe fn raise(vmctx: *mut VMContext, trap: Option<Trap>) -> ! {
    // SAFETY: per the contract; the compiled caller recorded its frame in
    // the store context just before calling.
    unsafe {
        let (store, _) = caller(vmctx);
        let ctx = &store.vm_store_context;
        let (pc, fp) = (*ctx.last_wasm_exit_pc.get(), *ctx.last_wasm_exit_fp.get());
        traphandlers::raise(trap, pc, fp)
    }
}

/// Returns `value`, or raises its trap.
///
/// # Safety
/// As for `raise`.
unsafe fn or_raise<T>(vmctx: *mut VMContext, result: Result<T, Trap>) -> T {
    match result {
        Ok(v) => v,
        // SAFETY: per the contract.
        Err(trap) => unsafe { raise(vmctx, Some(trap)) },
    }
}

unsafe extern "C" fn memory_grow(vmctx: *mut VMContext, memory: u32, delta: u32) -> u32 {
    // SAFETY: compiled code passes its own context.
    let (store, inst) = unsafe { caller(vmctx) };
    match store.memory_grow(inst, MemoryIndex(memory), delta as u64) {
        Ok(old) => old.map_or(u32::MAX, |old| old as u32),
        // SAFETY: called by compiled code inside an entry; the error now
        // belongs to the store.
        Err(error) => unsafe { raise_error(vmctx, error) },
    }
}

/// Resumes at the innermost entry with `error` (the store limiter's).
///
/// # Safety
/// As for `raise`.
unsafe fn raise_error(vmctx: *mut VMContext, error: anyhow::Error) -> ! {
    // SAFETY: per the contract.
    unsafe {
        let (store, _) = caller(vmctx);
        store.pending = Some(super::store::PendingError::Error(error));
        raise(vmctx, None)
    }
}

unsafe extern "C" fn memory_fill(vmctx: *mut VMContext, memory: u32, dst: u32, val: u32, len: u32) {
    // SAFETY: compiled code passes its own context; the result is consumed
    // before a raise.
    unsafe {
        let (store, inst) = caller(vmctx);
        let result = super::fill(store.memory_bytes(inst, MemoryIndex(memory)), dst, val as u8, len);
        or_raise(vmctx, result)
    }
}

unsafe extern "C" fn memory_copy(vmctx: *mut VMContext, dst_mem: u32, src_mem: u32, dst: u32, src: u32, len: u32) {
    // SAFETY: as for `memory_fill`.
    unsafe {
        let (store, inst) = caller(vmctx);
        let result = store.memory_copy(inst, MemoryIndex(dst_mem), MemoryIndex(src_mem), dst, src, len);
        or_raise(vmctx, result)
    }
}

unsafe extern "C" fn memory_init(vmctx: *mut VMContext, memory: u32, data: u32, dst: u32, src: u32, len: u32) {
    // SAFETY: as for `memory_fill`.
    unsafe {
        let (store, inst) = caller(vmctx);
        let result = store.memory_init(inst, MemoryIndex(memory), data, dst, src, len);
        or_raise(vmctx, result)
    }
}

unsafe extern "C" fn data_drop(vmctx: *mut VMContext, data: u32) {
    // SAFETY: compiled code passes its own context.
    let (store, inst) = unsafe { caller(vmctx) };
    store.instance_mut(inst).data_dropped[data as usize] = true;
}

unsafe extern "C" fn table_grow(vmctx: *mut VMContext, table: u32, delta: u32, init: usize) -> u32 {
    // SAFETY: compiled code passes its own context.
    let (store, inst) = unsafe { caller(vmctx) };
    match store.table_grow(inst, TableIndex(table), delta, init) {
        Ok(old) => old.unwrap_or(u32::MAX),
        // SAFETY: as in `memory_grow`.
        Err(error) => unsafe { raise_error(vmctx, error) },
    }
}

unsafe extern "C" fn table_fill(vmctx: *mut VMContext, table: u32, dst: u32, val: usize, len: u32) {
    // SAFETY: as for `memory_fill`.
    unsafe {
        let (store, inst) = caller(vmctx);
        let result = store.instance_table(inst, TableIndex(table)).fill(dst, val, len);
        or_raise(vmctx, result)
    }
}

unsafe extern "C" fn table_copy(vmctx: *mut VMContext, dst_table: u32, src_table: u32, dst: u32, src: u32, len: u32) {
    // SAFETY: as for `memory_fill`.
    unsafe {
        let (store, inst) = caller(vmctx);
        let result = store.table_copy(inst, TableIndex(dst_table), TableIndex(src_table), dst, src, len);
        or_raise(vmctx, result)
    }
}

unsafe extern "C" fn table_init(vmctx: *mut VMContext, table: u32, elem: u32, dst: u32, src: u32, len: u32) {
    // SAFETY: as for `memory_fill`.
    unsafe {
        let (store, inst) = caller(vmctx);
        let result = store.table_init(inst, TableIndex(table), elem, dst, src, len);
        or_raise(vmctx, result)
    }
}

unsafe extern "C" fn elem_drop(vmctx: *mut VMContext, elem: u32) {
    // SAFETY: compiled code passes its own context.
    let (store, inst) = unsafe { caller(vmctx) };
    store.instance_mut(inst).elems[elem as usize] = None;
}

unsafe extern "C" fn raise_trap(vmctx: *mut VMContext, code: u32) {
    let trap = Trap::from_code(code).unwrap_or(Trap::UnreachableCodeReached);
    // SAFETY: called by compiled code inside an entry; nothing is owned here.
    unsafe { raise(vmctx, Some(trap)) }
}

unsafe extern "C" fn out_of_fuel(vmctx: *mut VMContext) {
    // SAFETY: called by compiled code inside an entry; nothing is owned here.
    unsafe { raise(vmctx, Some(Trap::OutOfFuel)) }
}

unsafe extern "C" fn new_epoch(vmctx: *mut VMContext) {
    // SAFETY: compiled code passes its own context.
    let (store, _) = unsafe { caller(vmctx) };
    // The callback is host code: a panic must not unwind into compiled code.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| store.epoch_deadline_reached()));
    let error = match outcome {
        Ok(Ok(())) => return,
        Ok(Err(error)) => match error.downcast_ref::<Trap>().copied() {
            Some(trap) => {
                drop(error);
                // SAFETY: called by compiled code inside an entry; nothing
                // is owned here any more.
                unsafe { raise(vmctx, Some(trap)) }
            }
            None => super::store::PendingError::Error(error),
        },
        Err(panic) => super::store::PendingError::Panic(panic),
    };
    store.pending = Some(error);
    // SAFETY: as above; the error now belongs to the store.
    unsafe { raise(vmctx, None) }
}

unsafe extern "C" fn unwind(vmctx: *mut VMContext) {
    // SAFETY: called by compiled code inside an entry after a failed array
    // call; nothing is owned here.
    unsafe { raise(vmctx, None) }
}
