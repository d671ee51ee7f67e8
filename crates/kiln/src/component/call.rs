//! Calls across the component boundary, in both directions.
//!
//! - Into a component ([`call_lifted`]): the arguments are lowered into
//!   the callee instance, its core function runs, the result is lifted
//!   back, and `post-return` lets the callee free what the result used.
//! - Out of a component ([`lowered`]): a `canon lower`ed function is a
//!   core host function whose closure lifts the guest's arguments, calls
//!   the target (a host function, or another instance's lifted function:
//!   component-to-component calls go through the host's values), and
//!   lowers the result into the caller.
//!
//! The canonical ABI's run-time rules are kept here: an instance is not
//! entered while it runs (nor by its parent or children), not used again
//! after a trap, may not call out while a value is lowered into it, and
//! must have dropped the borrows it was lent before its export returns.

use std::sync::Arc;

use anyhow::{anyhow, bail, Result};

use super::abi::{self, Context, FlatType};
use super::cx::{LiftCx, LowerCx, StringEncoding};
use super::handles::{Handle, HandleKind};
use super::resources::{ResourceAny, ResourceType};
use super::store::{FrameId, FuncDef, Lifted, Options};
use super::typed::{self, ComponentNamedList, Lift, Lower};
use super::types::{FuncType, ValueType};
use super::values::{self, LiftError, Val};
use crate::func::{Caller, HostFunc};
use crate::store::{StoreContext, StoreContextMut, StoreInner};
use crate::types::ValType;
use crate::vm::ValRaw;

/// A trap of the component runtime, with what went wrong.
fn trap(msg: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("component trap: {msg}")
}

/// Lifting from one instance, over a store.
struct StoreLift<'a, T> {
    store: &'a mut StoreInner<T>,
    frame: FrameId,
    memory: Option<crate::Memory>,
    encoding: StringEncoding,
    /// Owned handles of the instance lent for this call, given back after.
    lent: Vec<u32>,
}

impl<T> LiftCx for StoreLift<'_, T> {
    fn memory(&self) -> &[u8] {
        match self.memory {
            Some(m) => m.data(StoreContext(&*self.store)),
            None => &[],
        }
    }

    fn string_encoding(&self) -> StringEncoding {
        self.encoding
    }

    fn lift_resource(&mut self, ty: &ValueType, index: u32) -> Result<ResourceAny, LiftError> {
        let (id, own) = match ty {
            ValueType::Own(r) => (*r, true),
            ValueType::Borrow(r) => (*r, false),
            _ => return Err(LiftError("not a handle type".into())),
        };
        let frame = self.store.components.frame(self.frame);
        let rt = *frame.resources.get(&id).ok_or_else(|| LiftError("resource type not known".into()))?;
        if own {
            let h = *frame.handles.get(index, rt).map_err(LiftError)?;
            if !matches!(h.kind, HandleKind::Own { .. }) {
                return Err(LiftError(format!("handle {index} is a borrow, but an owned handle was expected")));
            }
            frame.handles.remove(index, rt).map_err(LiftError)?;
            Ok(ResourceAny { ty: rt, rep: h.rep, owned: true })
        } else {
            let h = frame.handles.get_mut(index, rt).map_err(LiftError)?;
            if let HandleKind::Own { lends } = &mut h.kind {
                *lends += 1;
                self.lent.push(index);
            }
            Ok(ResourceAny { ty: rt, rep: h.rep, owned: false })
        }
    }
}

impl<T> StoreLift<'_, T> {
    /// Gives back the handles lent for the call.
    fn release(self) {
        let frame = self.store.components.frame(self.frame);
        for i in self.lent {
            if let Some(Handle { kind: HandleKind::Own { lends }, .. }) = frame.handles.get_any_mut(i) {
                *lends = lends.saturating_sub(1);
            }
        }
    }
}

/// Lowering into one instance, over a store.
struct StoreLower<'a, T> {
    store: &'a mut StoreInner<T>,
    frame: FrameId,
    options: &'a Options,
    /// The call borrows are lent for; `None` where no borrow may go.
    scope: Option<u64>,
    /// Borrow handles this lowering added.
    borrows: u32,
}

impl<T> LowerCx for StoreLower<'_, T> {
    fn memory_mut(&mut self) -> &mut [u8] {
        match self.options.memory {
            Some(m) => m.data_mut(StoreContextMut(&mut *self.store)),
            None => &mut [],
        }
    }

    fn realloc(&mut self, old_ptr: u32, old_size: u32, align: u32, new_size: u32) -> Result<u32, LiftError> {
        let f = self.options.realloc.ok_or_else(|| LiftError("the function has no `realloc` option".into()))?;
        let mut raw = [
            ValRaw::i32(old_ptr as i32),
            ValRaw::i32(old_size as i32),
            ValRaw::i32(align as i32),
            ValRaw::i32(new_size as i32),
        ];
        crate::func::call_raw(&mut self.store.opaque, f.func_ref(), &mut raw)
            .map_err(|e| LiftError(format!("realloc failed: {e:#}")))?;
        Ok(raw[0].get_i32() as u32)
    }

    fn string_encoding(&self) -> StringEncoding {
        self.options.encoding
    }

    fn lower_resource(&mut self, ty: &ValueType, r: ResourceAny) -> Result<u32, LiftError> {
        let (id, own) = match ty {
            ValueType::Own(r) => (*r, true),
            ValueType::Borrow(r) => (*r, false),
            _ => return Err(LiftError("not a handle type".into())),
        };
        let defined_here = self.store.components.guest_resources.get(&r.ty).map(|g| g.frame) == Some(self.frame);
        let frame = self.store.components.frame(self.frame);
        let rt = *frame.resources.get(&id).ok_or_else(|| LiftError("resource type not known".into()))?;
        if r.ty != rt {
            return Err(LiftError("resource handle is of another resource type than the function expects".into()));
        }
        if own {
            if !r.owned {
                return Err(LiftError("a borrowed resource cannot be passed where an owned one is expected".into()));
            }
            return frame
                .handles
                .insert(Handle { ty: rt, rep: r.rep, kind: HandleKind::Own { lends: 0 } })
                .map_err(LiftError);
        }
        // A borrow of a resource the callee itself defines is its `rep`.
        if defined_here {
            return Ok(r.rep);
        }
        let scope = self.scope.ok_or_else(|| LiftError("a borrow cannot be returned".into()))?;
        self.borrows += 1;
        frame.handles.insert(Handle { ty: rt, rep: r.rep, kind: HandleKind::Borrow { scope } }).map_err(LiftError)
    }
}

fn flat_to_raw(v: u64, ty: FlatType) -> ValRaw {
    match ty {
        FlatType::I32 => ValRaw::i32(v as u32 as i32),
        FlatType::I64 => ValRaw::i64(v as i64),
        FlatType::F32 => ValRaw::f32(v as u32),
        FlatType::F64 => ValRaw::f64(v),
    }
}

fn raw_to_flat(v: ValRaw, ty: FlatType) -> u64 {
    match ty {
        FlatType::I32 => u64::from(v.get_i32() as u32),
        FlatType::I64 => v.get_i64() as u64,
        FlatType::F32 => u64::from(v.get_f32()),
        FlatType::F64 => v.get_f64(),
    }
}

/// Whether `a` is `b` or one of its ancestors.
fn is_ancestor_or_self<T>(store: &mut StoreInner<T>, a: FrameId, mut b: FrameId) -> bool {
    loop {
        if a == b {
            return true;
        }
        match store.components.frame(b).parent {
            Some(p) => b = p,
            None => return false,
        }
    }
}

/// Calls the lifted function `f` with `args` (of its parameter types),
/// from the host or from the instance `caller`.
pub(crate) fn call_lifted<T>(
    store: &mut StoreInner<T>,
    f: &Lifted,
    args: &[Val],
    caller: Option<FrameId>,
) -> Result<Option<Val>> {
    if args.len() != f.params.len() {
        bail!("expected {} arguments, got {}", f.params.len(), args.len());
    }
    for (i, (a, (name, ty))) in args.iter().zip(&f.ty.params).enumerate() {
        a.type_check(ty).map_err(|e| anyhow!("argument {i} (`{name}`) has the wrong type: {e}"))?;
    }
    call_lifted_with(
        store,
        f,
        caller,
        |cx, params, out| values::func::lower_args(cx, params, args, out),
        |cx, result, flat| values::func::lift_results(cx, result, flat),
    )
}

/// Calls the lifted function `f`, its arguments lowered by `lower` and its
/// result lifted by `lift` (dynamic values or typed ones, checked against
/// `f`'s type by the caller).
pub(crate) fn call_lifted_with<T, R>(
    store: &mut StoreInner<T>,
    f: &Lifted,
    caller: Option<FrameId>,
    lower: impl FnOnce(&mut dyn LowerCx, &[ValueType], &mut Vec<u64>) -> Result<(), LiftError>,
    lift: impl FnOnce(&mut dyn LiftCx, Option<&ValueType>, &[u64]) -> Result<R, LiftError>,
) -> Result<R> {
    if let Some(c) = caller {
        if is_ancestor_or_self(store, c, f.frame) || is_ancestor_or_self(store, f.frame, c) {
            return Err(trap(
                "cannot enter component instance: a component may not call into itself, its parent or its children",
            ));
        }
    }
    let frame = store.components.frame(f.frame);
    if frame.poisoned {
        return Err(trap("cannot enter component instance: an earlier call into it trapped"));
    }
    if !frame.may_enter {
        return Err(trap(
            "cannot enter component instance: it is already running (component instances are not re-entrant)",
        ));
    }
    frame.may_enter = false;
    let scope = store.components.next_call;
    store.components.next_call += 1;
    let result = run_lifted(store, f, scope, lower, lift);
    let frame = store.components.frame(f.frame);
    match result {
        Ok(_) => frame.may_enter = true,
        Err(_) => frame.poisoned = true,
    }
    result
}

fn run_lifted<T, R>(
    store: &mut StoreInner<T>,
    f: &Lifted,
    scope: u64,
    lower: impl FnOnce(&mut dyn LowerCx, &[ValueType], &mut Vec<u64>) -> Result<(), LiftError>,
    lift: impl FnOnce(&mut dyn LiftCx, Option<&ValueType>, &[u64]) -> Result<R, LiftError>,
) -> Result<R> {
    let mut flat = Vec::new();
    store.components.frame(f.frame).may_leave = false;
    let mut cx = StoreLower { store: &mut *store, frame: f.frame, options: &f.options, scope: Some(scope), borrows: 0 };
    let lowered = lower(&mut cx, &f.params, &mut flat);
    let borrows = cx.borrows;
    store.components.frame(f.frame).may_leave = true;
    lowered.map_err(trap)?;

    let sig = &f.flat;
    if flat.len() != sig.params.len() {
        bail!("lifted function's core signature does not match its type");
    }
    let mut raw: Vec<ValRaw> = flat.iter().zip(&sig.params).map(|(v, t)| flat_to_raw(*v, *t)).collect();
    raw.resize(raw.len().max(sig.results.len()), ValRaw::default());
    crate::func::call_raw(&mut store.opaque, f.callee.func_ref(), &mut raw)?;
    let results: Vec<u64> = sig.results.iter().zip(&raw).map(|(t, v)| raw_to_flat(*v, *t)).collect();

    let mut cx = StoreLift {
        store: &mut *store,
        frame: f.frame,
        memory: f.options.memory,
        encoding: f.options.encoding,
        lent: Vec::new(),
    };
    let lifted = lift(&mut cx, f.ty.result.as_ref(), &results);
    cx.release();
    let val = lifted.map_err(trap)?;

    if let Some(post) = f.options.post_return {
        let mut raw: Vec<ValRaw> = results.iter().zip(&sig.results).map(|(v, t)| flat_to_raw(*v, *t)).collect();
        crate::func::call_raw(&mut store.opaque, post.func_ref(), &mut raw)?;
    }
    if borrows > 0 && store.components.frame(f.frame).handles.has_borrows_of(scope) {
        return Err(trap("borrow handles still remain at the end of the call"));
    }
    Ok(val)
}

/// A typed host function (`LinkerInstance::func_wrap`), its Rust types
/// erased: it lifts its own arguments and lowers its own result.
pub(crate) trait TypedHost<T>: Send + Sync {
    /// Checks the function's Rust types against the component's type.
    fn typecheck(&self, ty: &FuncType) -> Result<(), String>;

    /// Calls the function for a guest in `frame`: arguments lifted from
    /// `flat` (the core arguments, without a return pointer), the result
    /// lowered into `out` (or through the return pointer in `flat_in`).
    #[allow(clippy::too_many_arguments)]
    fn call(
        &self,
        store: &mut StoreInner<T>,
        frame: FrameId,
        options: &Options,
        params: &[ValueType],
        result: Option<&ValueType>,
        flat_in: &[u64],
        args_len: usize,
        out: &mut Vec<u64>,
    ) -> Result<()>;
}

/// A typed host function of parameter tuple `P` and result tuple `R`.
pub(crate) struct TypedHostFunc<F, P, R> {
    pub(crate) f: F,
    pub(crate) _types: std::marker::PhantomData<fn(P) -> R>,
}

impl<T, F, P, R> TypedHost<T> for TypedHostFunc<F, P, R>
where
    F: Fn(StoreContextMut<'_, T>, P) -> Result<R> + Send + Sync,
    P: ComponentNamedList + Lift + 'static,
    R: ComponentNamedList + Lower + 'static,
{
    fn typecheck(&self, ty: &FuncType) -> Result<(), String> {
        let params: Vec<ValueType> = ty.params.iter().map(|(_, t)| t.clone()).collect();
        typed::typecheck_params::<P>(&params).map_err(|e| format!("parameters: {e}"))?;
        typed::typecheck_results::<R>(ty.result.as_ref()).map_err(|e| format!("result: {e}"))
    }

    fn call(
        &self,
        store: &mut StoreInner<T>,
        frame: FrameId,
        options: &Options,
        params: &[ValueType],
        result: Option<&ValueType>,
        flat_in: &[u64],
        args_len: usize,
        out: &mut Vec<u64>,
    ) -> Result<()> {
        call_out(
            store,
            frame,
            options,
            |cx| typed::lift_args_typed::<P>(cx, params, &flat_in[..args_len]),
            |store, args| (self.f)(StoreContextMut(store), args),
            |cx, value| typed::lower_results_typed(cx, result, &value, flat_in, out),
        )?
        .map_err(|e| anyhow!("host function returned a bad result: {e}"))
    }
}

/// A guest's call out of instance `frame`: lifts the arguments with
/// `lift`, makes the call, gives back the handles the arguments lent, and
/// lowers the result with `lower` (the outer error is the call's or a
/// lifting trap; the inner one a value `lower` could not write, which the
/// caller words).
fn call_out<T, A, R>(
    store: &mut StoreInner<T>,
    frame: FrameId,
    options: &Options,
    lift: impl FnOnce(&mut dyn LiftCx) -> Result<A, LiftError>,
    call: impl FnOnce(&mut StoreInner<T>, A) -> Result<R>,
    lower: impl FnOnce(&mut dyn LowerCx, R) -> Result<(), LiftError>,
) -> Result<Result<(), LiftError>> {
    let mut cx =
        StoreLift { store: &mut *store, frame, memory: options.memory, encoding: options.encoding, lent: Vec::new() };
    let args = lift(&mut cx);
    let lent = std::mem::take(&mut cx.lent);
    let called = args.map_err(trap).and_then(|args| call(&mut *store, args));
    StoreLift { store: &mut *store, frame, memory: None, encoding: options.encoding, lent }.release();
    let value = called?;
    store.components.frame(frame).may_leave = false;
    let mut cx = StoreLower { store: &mut *store, frame, options, scope: None, borrows: 0 };
    let lowered = lower(&mut cx, value);
    store.components.frame(frame).may_leave = true;
    Ok(lowered)
}

/// The core type of a `canon lower` whose flat signature is `sig`.
fn lowered_core_type(engine: &crate::Engine, sig: &abi::FlatSignature) -> crate::FuncType {
    let vt = |f: &FlatType| match f {
        FlatType::I32 => ValType::I32,
        FlatType::I64 => ValType::I64,
        FlatType::F32 => ValType::F32,
        FlatType::F64 => ValType::F64,
    };
    crate::FuncType::new(engine, sig.params.iter().map(vt), sig.results.iter().map(vt))
}

/// The core host function a `canon lower` of `target` (of type `ty`, as
/// the lowering instance `frame` sees it) makes.
pub(crate) fn lowered<T: 'static>(
    engine: &crate::Engine,
    frame: FrameId,
    target: FuncDef<T>,
    ty: Arc<FuncType>,
    params: Arc<[ValueType]>,
    options: Options,
) -> (crate::FuncType, HostFunc<T>) {
    let sig = abi::flatten_func(&ty, Context::Lower);
    let core_ty = lowered_core_type(engine, &sig);
    let host = HostFunc::new(move |caller: Caller<'_, T>, raw: &mut [ValRaw]| {
        let store = caller.store;
        if !store.components.frame(frame).may_leave {
            return Err(trap("cannot leave component instance while a value is lowered into it"));
        }
        let flat: Vec<u64> = sig.params.iter().zip(raw.iter()).map(|(t, v)| raw_to_flat(*v, *t)).collect();
        // A result that does not fit the flat results comes with a return
        // pointer after the arguments.
        let args_len = flat.len() - usize::from(ty.result.is_some() && sig.results.is_empty());
        let mut out = Vec::new();
        let lowered = match &target {
            FuncDef::Typed(h) => {
                h.call(store, frame, &options, &params, ty.result.as_ref(), &flat, args_len, &mut out)?;
                Ok(())
            }
            target => call_out(
                store,
                frame,
                &options,
                |cx| values::func::lift_args(cx, &params, &flat[..args_len]),
                |store, args| {
                    let result = match target {
                        FuncDef::Host(h) => {
                            let mut results = vec![Val::Bool(false); usize::from(ty.result.is_some())];
                            h(StoreContextMut(&mut *store), &args, &mut results).map(|()| results.pop())
                        }
                        FuncDef::Lifted(l) => call_lifted(store, l, &args, Some(frame)),
                        FuncDef::Typed(_) => unreachable!("matched above"),
                    }?;
                    if ty.result.is_some() != result.is_some() {
                        bail!(
                            "host function returned {} result values, expected {}",
                            usize::from(result.is_some()),
                            usize::from(ty.result.is_some())
                        );
                    }
                    Ok(result)
                },
                |cx, result| values::func::lower_results(cx, ty.result.as_ref(), result.as_ref(), &flat, &mut out),
            )?,
        };
        lowered.map_err(|e| match &target {
            FuncDef::Lifted(_) => trap(e),
            _ => anyhow!("host function returned a bad result: {e}"),
        })?;
        for ((slot, v), t) in raw.iter_mut().zip(&out).zip(&sig.results) {
            *slot = flat_to_raw(*v, *t);
        }
        Ok(())
    });
    (core_ty, host)
}

/// The canonical built-ins on resources, as core host functions.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ResourceBuiltin {
    New,
    Drop,
    Rep,
}

pub(crate) fn resource_builtin<T: 'static>(
    engine: &crate::Engine,
    frame: FrameId,
    rt: ResourceType,
    which: ResourceBuiltin,
) -> (crate::FuncType, HostFunc<T>) {
    let ty = match which {
        ResourceBuiltin::New | ResourceBuiltin::Rep => crate::FuncType::new(engine, [ValType::I32], [ValType::I32]),
        ResourceBuiltin::Drop => crate::FuncType::new(engine, [ValType::I32], []),
    };
    let host = HostFunc::new(move |caller: Caller<'_, T>, raw: &mut [ValRaw]| {
        let store = caller.store;
        let arg = raw[0].get_i32() as u32;
        let handles = &mut store.components.frame(frame).handles;
        match which {
            ResourceBuiltin::New => {
                let h = Handle { ty: rt, rep: arg, kind: HandleKind::Own { lends: 0 } };
                raw[0] = ValRaw::i32(handles.insert(h).map_err(trap)? as i32);
            }
            ResourceBuiltin::Rep => raw[0] = ValRaw::i32(handles.get(arg, rt).map_err(trap)?.rep as i32),
            ResourceBuiltin::Drop => {
                let h = handles.remove(arg, rt).map_err(trap)?;
                if let HandleKind::Own { .. } = h.kind {
                    drop_resource(store, rt, h.rep)?;
                }
            }
        }
        Ok(())
    });
    (ty, host)
}

/// Runs the destructor of the resource `rep` of type `rt`, if it has one.
pub(crate) fn drop_resource<T>(store: &mut StoreInner<T>, rt: ResourceType, rep: u32) -> Result<()> {
    if let Some(g) = store.components.guest_resources.get(&rt) {
        let (owner, dtor) = (g.frame, g.dtor);
        if let Some(dtor) = dtor {
            if store.components.frame(owner).poisoned {
                return Err(trap(
                    "cannot enter component instance to run a resource destructor: an earlier call into it trapped",
                ));
            }
            let mut raw = [ValRaw::i32(rep as i32)];
            crate::func::call_raw(&mut store.opaque, dtor.func_ref(), &mut raw)?;
        }
        return Ok(());
    }
    if let Some(d) = store.components.host_dtors.get(&rt).cloned() {
        d(StoreContextMut(store), rep)?;
    }
    Ok(())
}
