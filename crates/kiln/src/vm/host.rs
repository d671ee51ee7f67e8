//! Host functions as the run-time layout sees them: a `VMFuncRef` whose
//! array-call entry calls a Rust closure. The closure gets the store
//! untyped; the API wraps the user's typed closure so that no tier is
//! generic over the store's data type.

use super::store::{FuncRefPtr, InstanceId, StoreOpaque};
use super::vmcontext::{VMContext, VMFuncRef, HOST_FUNC_INDEX};
use super::ValRaw;
use crate::type_registry::RegisteredType;
use crate::types::FuncType;
use std::ptr::NonNull;
use std::sync::Arc;

/// A host function in the untyped ABI: the store, the calling instance (if
/// wasm called), and the arguments in / results out.
pub(crate) type HostCall = Arc<HostCallFn>;

/// The closure behind a `HostCall`.
pub(crate) type HostCallFn =
    dyn Fn(&mut StoreOpaque, Option<InstanceId>, &mut [ValRaw]) -> anyhow::Result<()> + Send + Sync;

/// What a host function's `VMFuncRef::vmctx` points at.
#[repr(C)]
pub(crate) struct HostFuncContext {
    func_ref: VMFuncRef,
    store: *mut StoreOpaque,
    pub(crate) ty: FuncType,
    call: HostCall,
    /// Keeps `func_ref.type_id` this type's id for as long as the store can
    /// call the function (the store owns this context). Shared, so that an
    /// `InstancePre` registers its host functions' types once, not once per
    /// store (which would take the engine's registry lock per request).
    _registration: Arc<RegisteredType>,
}

impl StoreOpaque {
    /// Adds a host function to the store; its reference lives as long as
    /// the store.
    pub(crate) fn push_host_func(&mut self, ty: FuncType, call: HostCall) -> FuncRefPtr {
        let registration = Arc::new(RegisteredType::new(self.engine.type_registry(), &ty));
        self.push_registered_host_func(ty, call, registration)
    }

    /// Adds a host function whose type `registration` already holds (a
    /// registration of `ty` in this store's engine).
    pub(crate) fn push_registered_host_func(
        &mut self,
        ty: FuncType,
        call: HostCall,
        registration: Arc<RegisteredType>,
    ) -> FuncRefPtr {
        // An id of another engine could equal an unrelated type's id here.
        assert!(registration.is_in(self.engine.type_registry()), "a host function type registered in another engine");
        let store: *mut StoreOpaque = self;
        let mut ctx = Box::new(HostFuncContext {
            func_ref: VMFuncRef {
                array_call: host_array_call,
                wasm_call: std::ptr::null(),
                vmctx: std::ptr::null_mut(),
                type_id: registration.id(),
                func_index: HOST_FUNC_INDEX,
            },
            store,
            ty,
            call,
            _registration: registration,
        });
        let ctx_ptr: *mut HostFuncContext = &mut *ctx;
        ctx.func_ref.vmctx = ctx_ptr.cast::<VMContext>();
        let func_ref = FuncRefPtr(NonNull::from(&ctx.func_ref));
        self.host_funcs.push(ctx);
        func_ref
    }
}

/// The host function behind `func_ref`, if it is one.
pub(crate) fn host_func_context(func_ref: FuncRefPtr) -> Option<&'static HostFuncContext> {
    // SAFETY: a `FuncRefPtr` always points at a live `VMFuncRef` of its
    // store; for host functions (`HOST_FUNC_INDEX`) its `vmctx` is the
    // boxed `HostFuncContext`, which the store keeps until it is dropped.
    // The 'static is the store's life: callers hold the store borrowed.
    unsafe {
        let f = func_ref.0.as_ref();
        (f.func_index == HOST_FUNC_INDEX).then(|| &*(f.vmctx as *const HostFuncContext))
    }
}

/// The array-call entry of every host function.
///
/// # Safety
/// `callee` is a host function's `VMFuncRef`; `caller` is null or the
/// context of a live instance of the same store; `args` holds `len` values,
/// at least as many as the function has parameters and results.
unsafe extern "C" fn host_array_call(
    callee: *const VMFuncRef,
    caller: *mut VMContext,
    args: *mut ValRaw,
    len: usize,
) -> bool {
    // SAFETY: per this function's contract; the context outlives the call
    // because the store owns it and is borrowed by whoever called.
    let ctx = unsafe { &*((*callee).vmctx as *const HostFuncContext) };
    // The closure lives in the `Arc`'s own allocation, apart from the
    // store's objects, so it can be called while the store is borrowed
    // exclusively (no reference count traffic on every call).
    let call: *const HostCallFn = Arc::as_ptr(&ctx.call);
    let store_ptr = ctx.store;
    let caller = if caller.is_null() {
        None
    } else {
        // SAFETY: a non-null caller is a live instance context.
        Some(unsafe { super::instance::instance_id_of_vmctx(caller) })
    };
    // SAFETY: the store is boxed and alive; the caller of this array call
    // passed its exclusive borrow down to us (see `vm::call_array`).
    let args = unsafe { std::slice::from_raw_parts_mut(args, len) };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: as above; the store keeps the context, and so the `Arc`,
        // alive for the call.
        let (store, call) = unsafe { (&mut *store_ptr, &*call) };
        call(store, caller, args)
    }));
    // SAFETY: as above; the closure's borrow has ended.
    unsafe { &mut *store_ptr }.record_outcome(outcome)
}
