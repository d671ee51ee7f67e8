//! Functions: handles, host functions, typed calls, and `Caller`.

use crate::instance::Extern;
use crate::store::{AsContext, AsContextMut, StoreContext, StoreContextMut, StoreInner};
use crate::types::{FuncType, ValType};
use crate::values::{ExternRef, Val, V128};
use crate::vm::{self, FuncRefPtr, InstanceId, StoreId, StoreOpaque, ValRaw};
use anyhow::{bail, Result};
use std::marker::PhantomData;
use std::sync::Arc;

/// A host function for stores of data type `T`: `vm`'s untyped closure
/// (arguments in, results out, in one buffer of `max(params, results)` raw
/// values), made only by code that knows `T`, which is what lets it turn
/// the untyped store back into a `StoreInner<T>`.
#[doc(hidden)]
pub struct HostFunc<T> {
    pub(crate) call: vm::HostCall,
    _marker: PhantomData<fn(T)>,
}

impl<T> Clone for HostFunc<T> {
    fn clone(&self) -> Self {
        HostFunc { call: self.call.clone(), _marker: PhantomData }
    }
}

impl<T: 'static> HostFunc<T> {
    /// Wraps `f`, which gets the `Caller` (typed store and calling instance).
    pub(crate) fn new(f: impl Fn(Caller<'_, T>, &mut [ValRaw]) -> Result<()> + Send + Sync + 'static) -> Self {
        let call: vm::HostCall = Arc::new(move |opaque: &mut StoreOpaque, instance: Option<InstanceId>, raw| {
            f(Caller { store: StoreInner::<T>::from_opaque(opaque), instance }, raw)
        });
        HostFunc { call, _marker: PhantomData }
    }
}

/// A WebAssembly function, defined by a module or by the host. A handle
/// into its store: `Copy`, and only valid with that store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Func {
    store: StoreId,
    func_ref: FuncRefPtr,
}

impl Func {
    pub(crate) fn from_func_ref(store: StoreId, func_ref: FuncRefPtr) -> Func {
        Func { store, func_ref }
    }

    pub(crate) fn func_ref(&self) -> FuncRefPtr {
        self.func_ref
    }

    pub(crate) fn check(&self, store: &StoreOpaque) -> Result<()> {
        if store.id != self.store {
            bail!("function used with the wrong store");
        }
        Ok(())
    }

    /// The function's encoding in a value, after checking its store.
    pub(crate) fn slot(&self, store: &StoreOpaque) -> Result<u64> {
        self.check(store)?;
        Ok(self.func_ref.to_bits() as u64)
    }

    /// A host function with a dynamic signature: `func` gets the arguments
    /// as `Val`s and fills `results`, which has the length of the results.
    pub fn new<T: 'static>(
        mut store: impl AsContextMut<Data = T>,
        ty: FuncType,
        func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Func {
        let host = dynamic_host_func(ty.clone(), func);
        Func::from_host(store.as_context_mut().0, ty, host)
    }

    /// A host function from a Rust closure. The closure may take a leading
    /// [`Caller`], then up to 16 wasm-typed arguments (`i32`, `u32`, `i64`,
    /// `u64`, `f32`, `f64`, `Option<Func>`, `Option<ExternRef>`), and return
    /// `()`, one such value, a tuple of them, or a `Result` of those.
    pub fn wrap<T: 'static, Params, Results>(
        mut store: impl AsContextMut<Data = T>,
        func: impl IntoFunc<T, Params, Results>,
    ) -> Func {
        let (ty, host) = func.into_func();
        Func::from_host(store.as_context_mut().0, ty, host)
    }

    /// Adds a host function to the store.
    pub(crate) fn from_host<T: 'static>(store: &mut StoreInner<T>, ty: FuncType, func: HostFunc<T>) -> Func {
        let func_ref = store.opaque.push_host_func(ty, func.call);
        Func { store: store.opaque.id, func_ref }
    }

    /// The function's type.
    ///
    /// # Panics
    /// When used with another store than the function's own.
    pub fn ty(&self, store: impl AsContext) -> FuncType {
        let store = store.as_context();
        self.check(&store.0.opaque).expect("Func::ty");
        vm::func_ref_type(&store.0.opaque, self.func_ref)
    }

    /// Calls the function with `params`; results are written into `results`,
    /// whose length must be the number of results. Argument types are
    /// checked; a trap is an `Err` holding a [`Trap`](crate::Trap).
    pub fn call(&self, mut store: impl AsContextMut, params: &[Val], results: &mut [Val]) -> Result<()> {
        let store = store.as_context_mut().0;
        self.check(&store.opaque)?;
        let ty = vm::func_ref_type(&store.opaque, self.func_ref);
        if params.len() != ty.params().len() {
            bail!("expected {} arguments, got {}", ty.params().len(), params.len());
        }
        if results.len() != ty.results().len() {
            bail!("expected {} results, got room for {}", ty.results().len(), results.len());
        }
        let mut raw = vec![ValRaw::default(); params.len().max(results.len())];
        for (i, (p, t)) in params.iter().zip(ty.params()).enumerate() {
            raw[i] = p.to_raw(&store.opaque, t).map_err(|e| e.context(format!("argument {i}")))?;
        }
        call_raw(&mut store.opaque, self.func_ref, &mut raw)?;
        for (i, (r, t)) in results.iter_mut().zip(ty.results()).enumerate() {
            *r = Val::from_raw(&store.opaque, t, raw[i]);
        }
        Ok(())
    }

    /// A statically typed view of this function, after checking that its
    /// type is `Params -> Results`.
    pub fn typed<Params: WasmParams, Results: WasmResults>(
        &self,
        store: impl AsContext,
    ) -> Result<TypedFunc<Params, Results>> {
        let store = store.as_context();
        self.check(&store.0.opaque)?;
        let ty = vm::func_ref_type(&store.0.opaque, self.func_ref);
        if !Params::matches(ty.params()) || !Results::matches(ty.results()) {
            bail!(
                "type mismatch with parameters or results: the function's type is {ty}, \
                 asked for params {:?} and results {:?}",
                Params::types(),
                Results::types()
            );
        }
        Ok(TypedFunc { func: *self, _marker: PhantomData })
    }

    pub(crate) fn store_id(&self) -> StoreId {
        self.store
    }
}

/// Adapts a closure over `Val`s to the raw host-function ABI.
pub(crate) fn dynamic_host_func<T: 'static>(
    ty: FuncType,
    func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
) -> HostFunc<T> {
    HostFunc::new(move |caller: Caller<'_, T>, raw: &mut [ValRaw]| {
        let store = caller.store;
        let params: Vec<Val> =
            ty.params().iter().zip(raw.iter()).map(|(t, r)| Val::from_raw(&store.opaque, t, *r)).collect();
        let mut results: Vec<Val> = ty.results().iter().map(Val::default_for).collect();
        func(Caller { store: &mut *store, instance: caller.instance }, &params, &mut results)?;
        for (i, (v, t)) in results.iter().zip(ty.results()).enumerate() {
            raw[i] = v
                .to_raw(&store.opaque, t)
                .map_err(|e| e.context(format!("host function returned a bad result {i}")))?;
        }
        Ok(())
    })
}

/// Calls a function of the store in the raw ABI, from the host.
pub(crate) fn call_raw(store: &mut StoreOpaque, func: FuncRefPtr, raw: &mut [ValRaw]) -> Result<()> {
    // Most stores have no command: no lookup then (this is on every call's
    // path).
    if !store.commands.is_empty() {
        if let Some(started) = store.commands.get_mut(&func) {
            if *started {
                bail!("`_start` was already called: a command instance runs only once; instantiate the module again to run it again");
            }
            *started = true;
        }
    }
    vm::invoke(store, func, raw)
}

/// A function whose type was checked once, called without further checks
/// or conversions.
pub struct TypedFunc<Params, Results> {
    func: Func,
    _marker: PhantomData<fn(Params) -> Results>,
}

impl<Params, Results> Clone for TypedFunc<Params, Results> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<Params, Results> Copy for TypedFunc<Params, Results> {}

impl<Params: WasmParams, Results: WasmResults> TypedFunc<Params, Results> {
    /// Calls the function.
    pub fn call(&self, mut store: impl AsContextMut, params: Params) -> Result<Results> {
        let store = &mut store.as_context_mut().0.opaque;
        self.func.check(store)?;
        let mut buf = [ValRaw::default(); 16];
        params.store(store, &mut buf)?;
        let n = Params::LEN.max(Results::LEN);
        call_raw(store, self.func.func_ref, &mut buf[..n])?;
        Ok(Results::load(store, &buf))
    }

    /// The underlying function.
    pub fn func(&self) -> &Func {
        &self.func
    }
}

/// The context a host function is called in: the store (with the host's
/// data) and the instance whose code made the call.
pub struct Caller<'a, T> {
    pub(crate) store: &'a mut StoreInner<T>,
    pub(crate) instance: Option<InstanceId>,
}

impl<'a, T> Caller<'a, T> {
    /// An export of the calling instance (e.g. its `memory`), if the caller
    /// is a wasm instance and exports `name`.
    pub fn get_export(&mut self, name: &str) -> Option<Extern> {
        let instance = self.instance?;
        crate::instance::export_of(&self.store.opaque, instance, name)
    }
    /// The host's data.
    pub fn data(&self) -> &T {
        &self.store.data
    }
    /// The host's data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.store.data
    }
    /// The fuel left (see [`Store::get_fuel`](crate::Store::get_fuel)).
    pub fn get_fuel(&self) -> anyhow::Result<u64> {
        self.store.get_fuel()
    }
    /// Sets the fuel left (see [`Store::set_fuel`](crate::Store::set_fuel)).
    pub fn set_fuel(&mut self, fuel: u64) -> anyhow::Result<()> {
        self.store.set_fuel(fuel)
    }
    /// Sets the epoch deadline (see
    /// [`Store::set_epoch_deadline`](crate::Store::set_epoch_deadline)).
    pub fn set_epoch_deadline(&mut self, ticks_beyond_current: u64) {
        self.store.set_epoch_deadline(ticks_beyond_current)
    }
    /// The engine.
    pub fn engine(&self) -> &crate::Engine {
        &self.store.opaque.engine
    }
}

impl<T> AsContext for Caller<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.store)
    }
}
impl<T> AsContextMut for Caller<'_, T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(self.store)
    }
}
/// A Rust type that is a WebAssembly value type.
pub trait WasmTy: Sized + Send + 'static {
    /// The wasm type.
    #[doc(hidden)]
    fn valtype() -> ValType;
    #[doc(hidden)]
    fn to_raw(self, store: &StoreOpaque) -> Result<ValRaw>;
    #[doc(hidden)]
    fn from_raw(raw: ValRaw, store: &StoreOpaque) -> Self;
}

macro_rules! num_ty {
    ($t:ty, $vt:ident, |$x:ident| $to:expr, |$r:ident| $from:expr) => {
        impl WasmTy for $t {
            fn valtype() -> ValType {
                ValType::$vt
            }
            #[inline]
            fn to_raw(self, _store: &StoreOpaque) -> Result<ValRaw> {
                let $x = self;
                Ok($to)
            }
            #[inline]
            fn from_raw($r: ValRaw, _store: &StoreOpaque) -> Self {
                $from
            }
        }
    };
}
num_ty!(i32, I32, |x| ValRaw::i32(x), |r| r.get_i32());
num_ty!(u32, I32, |x| ValRaw::i32(x as i32), |r| r.get_i32() as u32);
num_ty!(i64, I64, |x| ValRaw::i64(x), |r| r.get_i64());
num_ty!(u64, I64, |x| ValRaw::i64(x as i64), |r| r.get_i64() as u64);
num_ty!(f32, F32, |x| ValRaw::f32(x.to_bits()), |r| f32::from_bits(r.get_f32()));
num_ty!(f64, F64, |x| ValRaw::f64(x.to_bits()), |r| f64::from_bits(r.get_f64()));
num_ty!(V128, V128, |x| ValRaw::v128(x.as_u128()), |r| V128::from_u128(r.get_v128()));

impl WasmTy for Option<Func> {
    fn valtype() -> ValType {
        ValType::FUNCREF
    }
    fn to_raw(self, store: &StoreOpaque) -> Result<ValRaw> {
        Ok(ValRaw::from_slot(match self {
            Some(f) => f.slot(store)?,
            None => 0,
        }))
    }
    fn from_raw(raw: ValRaw, store: &StoreOpaque) -> Self {
        FuncRefPtr::from_bits(raw.slot() as usize).map(|f| Func::from_func_ref(store.id, f))
    }
}

impl WasmTy for Option<ExternRef> {
    fn valtype() -> ValType {
        ValType::EXTERNREF
    }
    fn to_raw(self, store: &StoreOpaque) -> Result<ValRaw> {
        Ok(ValRaw::from_slot(match self {
            Some(e) => e.slot(store)?,
            None => 0,
        }))
    }
    fn from_raw(raw: ValRaw, store: &StoreOpaque) -> Self {
        let v = raw.slot();
        (v != 0).then(|| ExternRef { store: store.id, index: (v - 1) as u32 })
    }
}

/// A list of wasm values as a Rust type: a single [`WasmTy`], `()`, or a
/// tuple of up to 16. Used for parameters and results of typed functions.
pub trait WasmParams: Sized + Send + 'static {
    /// How many values.
    #[doc(hidden)]
    const LEN: usize;
    #[doc(hidden)]
    fn types() -> Vec<ValType>;
    #[doc(hidden)]
    fn matches(tys: &[ValType]) -> bool {
        Self::types() == tys
    }
    #[doc(hidden)]
    fn store(self, store: &StoreOpaque, out: &mut [ValRaw]) -> Result<()>;
    #[doc(hidden)]
    fn load(store: &StoreOpaque, raw: &[ValRaw]) -> Self;
}

/// Results of a typed function: the same lists as [`WasmParams`].
pub trait WasmResults: WasmParams {}
impl<T: WasmParams> WasmResults for T {}

impl<A: WasmTy> WasmParams for A {
    const LEN: usize = 1;
    fn types() -> Vec<ValType> {
        vec![A::valtype()]
    }
    fn matches(tys: &[ValType]) -> bool {
        tys.len() == 1 && tys[0] == A::valtype()
    }
    #[inline]
    fn store(self, store: &StoreOpaque, out: &mut [ValRaw]) -> Result<()> {
        out[0] = self.to_raw(store)?;
        Ok(())
    }
    #[inline]
    fn load(store: &StoreOpaque, raw: &[ValRaw]) -> Self {
        A::from_raw(raw[0], store)
    }
}

macro_rules! tuple_params {
    ($n:literal $(, $t:ident $i:tt)*) => {
        impl<$($t: WasmTy),*> WasmParams for ($($t,)*) {
            const LEN: usize = $n;
            fn types() -> Vec<ValType> {
                vec![$($t::valtype()),*]
            }
            // Without building the `Vec` of `types`: `typed` and
            // `get_typed_func` check this on every call (per request).
            fn matches(tys: &[ValType]) -> bool {
                tys.len() == $n $(&& tys[$i] == $t::valtype())*
            }
            #[inline]
            #[allow(unused_variables)]
            fn store(self, store: &StoreOpaque, out: &mut [ValRaw]) -> Result<()> {
                $(out[$i] = self.$i.to_raw(store)?;)*
                Ok(())
            }
            #[inline]
            #[allow(unused_variables, clippy::unused_unit)]
            fn load(store: &StoreOpaque, raw: &[ValRaw]) -> Self {
                ($($t::from_raw(raw[$i], store),)*)
            }
        }
    };
}
tuple_params!(0);
tuple_params!(1, A 0);
tuple_params!(2, A 0, B 1);
tuple_params!(3, A 0, B 1, C 2);
tuple_params!(4, A 0, B 1, C 2, D 3);
tuple_params!(5, A 0, B 1, C 2, D 3, E 4);
tuple_params!(6, A 0, B 1, C 2, D 3, E 4, F 5);
tuple_params!(7, A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_params!(8, A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_params!(9, A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_params!(10, A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_params!(11, A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_params!(12, A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);
tuple_params!(13, A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12);
tuple_params!(14, A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13);
tuple_params!(15, A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14);
tuple_params!(16, A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14, P 15);

/// What a host closure may return: results, or a `Result` of them.
pub trait WasmRet {
    /// The results.
    #[doc(hidden)]
    type Results: WasmResults;
    #[doc(hidden)]
    fn into_result(self) -> Result<Self::Results>;
}

impl<R: WasmResults> WasmRet for R {
    type Results = R;
    #[inline]
    fn into_result(self) -> Result<R> {
        Ok(self)
    }
}

impl<R: WasmResults> WasmRet for Result<R> {
    type Results = R;
    #[inline]
    fn into_result(self) -> Result<R> {
        self
    }
}

/// Closures that can become host functions (see [`Func::wrap`]).
pub trait IntoFunc<T, Params, Results>: Send + Sync + 'static {
    #[doc(hidden)]
    fn into_func(self) -> (FuncType, HostFunc<T>);
}

macro_rules! into_func {
    ($($a:ident $i:tt),*) => {
        impl<T: 'static, F, $($a: WasmTy,)* R: WasmRet> IntoFunc<T, (Caller<'_, T>, $($a,)*), R> for F
        where
            F: Fn(Caller<'_, T>, $($a),*) -> R + Send + Sync + 'static,
        {
            #[allow(non_snake_case)]
            fn into_func(self) -> (FuncType, HostFunc<T>) {
                let ty = FuncType::from_types(vec![$($a::valtype()),*], R::Results::types());
                let host = HostFunc::new(move |caller: Caller<'_, T>, raw: &mut [ValRaw]| {
                    let store = caller.store;
                    $(let $a = $a::from_raw(raw[$i], &store.opaque);)*
                    let results = (self)(Caller { store: &mut *store, instance: caller.instance }, $($a),*).into_result()?;
                    results.store(&store.opaque, raw)
                });
                (ty, host)
            }
        }

        impl<T: 'static, F, $($a: WasmTy,)* R: WasmRet> IntoFunc<T, ($($a,)*), R> for F
        where
            F: Fn($($a),*) -> R + Send + Sync + 'static,
        {
            #[allow(non_snake_case, unused_variables)]
            fn into_func(self) -> (FuncType, HostFunc<T>) {
                let ty = FuncType::from_types(vec![$($a::valtype()),*], R::Results::types());
                let host = HostFunc::new(move |caller: Caller<'_, T>, raw: &mut [ValRaw]| {
                    $(let $a = $a::from_raw(raw[$i], &caller.store.opaque);)*
                    let results = (self)($($a),*).into_result()?;
                    results.store(&caller.store.opaque, raw)
                });
                (ty, host)
            }
        }
    };
}
into_func!();
into_func!(A1 0);
into_func!(A1 0, A2 1);
into_func!(A1 0, A2 1, A3 2);
into_func!(A1 0, A2 1, A3 2, A4 3);
into_func!(A1 0, A2 1, A3 2, A4 3, A5 4);
into_func!(A1 0, A2 1, A3 2, A4 3, A5 4, A6 5);
into_func!(A1 0, A2 1, A3 2, A4 3, A5 4, A6 5, A7 6);
into_func!(A1 0, A2 1, A3 2, A4 3, A5 4, A6 5, A7 6, A8 7);
into_func!(A1 0, A2 1, A3 2, A4 3, A5 4, A6 5, A7 6, A8 7, A9 8);
into_func!(A1 0, A2 1, A3 2, A4 3, A5 4, A6 5, A7 6, A8 7, A9 8, A10 9);
into_func!(A1 0, A2 1, A3 2, A4 3, A5 4, A6 5, A7 6, A8 7, A9 8, A10 9, A11 10);
into_func!(A1 0, A2 1, A3 2, A4 3, A5 4, A6 5, A7 6, A8 7, A9 8, A10 9, A11 10, A12 11);
into_func!(A1 0, A2 1, A3 2, A4 3, A5 4, A6 5, A7 6, A8 7, A9 8, A10 9, A11 10, A12 11, A13 12);
into_func!(A1 0, A2 1, A3 2, A4 3, A5 4, A6 5, A7 6, A8 7, A9 8, A10 9, A11 10, A12 11, A13 12, A14 13);
into_func!(A1 0, A2 1, A3 2, A4 3, A5 4, A6 5, A7 6, A8 7, A9 8, A10 9, A11 10, A12 11, A13 12, A14 13, A15 14);
into_func!(A1 0, A2 1, A3 2, A4 3, A5 4, A6 5, A7 6, A8 7, A9 8, A10 9, A11 10, A12 11, A13 12, A14 13, A15 14, A16 15);
