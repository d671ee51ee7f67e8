//! Host functions (`Func::wrap`, `Func::new`), `Caller`, multi-value, and
//! errors returned by host functions.

use crate::{engine_and_store, module};
use anyhow::{anyhow, bail, Result};
use kiln::{Caller, Engine, Extern, Func, FuncType, Instance, Store, Trap, Val, ValType};
use std::fmt;

/// `(import "" "f" (func (param i32 * n) (result i32)))` and an export
/// `run` that calls it with 1, 2, ..., n.
fn caller_of_arity(n: usize) -> String {
    let params = "i32 ".repeat(n);
    let args: String = (1..=n).map(|i| format!("(i32.const {i}) ")).collect();
    format!(
        r#"(module
             (import "" "f" (func $f (param {params}) (result i32)))
             (func (export "run") (result i32) (call $f {args})))"#
    )
}

/// The weighted sum the host functions compute: order matters.
fn weighted(args: &[i32]) -> i32 {
    args.iter().enumerate().map(|(i, a)| (i as i32 + 1) * a).sum()
}

macro_rules! i32_ty {
    ($a:ident) => {
        i32
    };
}

/// For one arity: a closure without and one with `Caller`, each called from
/// wasm, through `Func::call` and through a typed call.
macro_rules! check_arity {
    ($engine:expr, $n:expr; $($a:ident)*) => {{
        let engine: &Engine = $engine;
        let n: usize = $n;
        let expected = weighted(&(1..=n as i32).collect::<Vec<_>>());
        let m = module(engine, &caller_of_arity(n));
        let mut store = Store::new(engine, Vec::<usize>::new());

        let plain = Func::wrap(&mut store, |$($a: i32),*| -> i32 { weighted(&[$($a),*]) });
        let with_caller = Func::wrap(&mut store, move |mut caller: Caller<'_, Vec<usize>>, $($a: i32),*| -> i32 {
            caller.data_mut().push(n);
            weighted(&[$($a),*])
        });
        let fty = FuncType::new(engine, vec![ValType::I32; n], [ValType::I32]);
        assert_eq!(plain.ty(&store), fty, "arity {n}");
        assert_eq!(with_caller.ty(&store), fty, "arity {n}");

        for f in [plain, with_caller] {
            // From wasm.
            let instance = Instance::new(&mut store, &m, &[f.into()]).unwrap();
            let run = instance.get_typed_func::<(), i32>(&mut store, "run").unwrap();
            assert_eq!(run.call(&mut store, ()).unwrap(), expected, "arity {n} from wasm");
            // Untyped, from the host.
            let args: Vec<Val> = (1..=n as i32).map(Val::I32).collect();
            let mut results = [Val::I32(0)];
            f.call(&mut store, &args, &mut results).unwrap();
            assert_eq!(results[0].i32(), Some(expected), "arity {n} by Func::call");
            // Typed, from the host.
            let typed = f.typed::<($(i32_ty!($a),)*), i32>(&store).unwrap();
            #[allow(unused_mut, unused_variables)]
            let mut k = 0;
            let args = ($({ let _ = stringify!($a); k += 1; k },)*);
            assert_eq!(typed.call(&mut store, args).unwrap(), expected, "arity {n} typed");
        }
        assert_eq!(store.data(), &vec![n; 3], "arity {n}: the Caller closure ran three times");
    }};
}

#[test]
fn func_wrap_with_0_to_16_params_with_and_without_caller() {
    let engine = Engine::default();
    check_arity!(&engine, 0;);
    check_arity!(&engine, 1; a);
    check_arity!(&engine, 2; a b);
    check_arity!(&engine, 3; a b c);
    check_arity!(&engine, 4; a b c d);
    check_arity!(&engine, 5; a b c d e);
    check_arity!(&engine, 6; a b c d e f);
    check_arity!(&engine, 7; a b c d e f g);
    check_arity!(&engine, 8; a b c d e f g h);
    check_arity!(&engine, 9; a b c d e f g h i);
    check_arity!(&engine, 10; a b c d e f g h i j);
    check_arity!(&engine, 11; a b c d e f g h i j k);
    check_arity!(&engine, 12; a b c d e f g h i j k l);
    check_arity!(&engine, 13; a b c d e f g h i j k l m);
    check_arity!(&engine, 14; a b c d e f g h i j k l m n);
    check_arity!(&engine, 15; a b c d e f g h i j k l m n o);
    check_arity!(&engine, 16; a b c d e f g h i j k l m n o p);
}

#[test]
fn func_wrap_with_every_value_type() {
    let (engine, mut store) = engine_and_store();
    // 16 parameters of mixed types, passed through wasm.
    #[allow(clippy::too_many_arguments)]
    fn mix(
        a: i32,
        b: i64,
        c: f32,
        d: f64,
        e: u32,
        f: u64,
        g: i32,
        h: i64,
        i: f32,
        j: f64,
        k: i32,
        l: i64,
        m: f32,
        n: f64,
        o: i32,
        p: i64,
    ) -> f64 {
        a as f64
            + b as f64
            + c as f64
            + d
            + e as f64
            + f as f64
            + g as f64
            + h as f64
            + i as f64
            + j
            + k as f64
            + l as f64
            + m as f64
            + n
            + o as f64
            + p as f64
    }
    let f = Func::wrap(&mut store, mix);
    let m = module(
        &engine,
        r#"(module
          (import "" "mix" (func $mix (param i32 i64 f32 f64 i32 i64 i32 i64 f32 f64 i32 i64 f32 f64 i32 i64) (result f64)))
          (func (export "run") (result f64)
            (call $mix
              (i32.const -1) (i64.const 2) (f32.const 0.5) (f64.const 0.25)
              (i32.const -1) (i64.const 1) (i32.const 3) (i64.const -4000000000)
              (f32.const 1.5) (f64.const 2.5) (i32.const 7) (i64.const 8)
              (f32.const -0.5) (f64.const 100) (i32.const 10) (i64.const 4000000000))))"#,
    );
    let instance = Instance::new(&mut store, &m, &[f.into()]).unwrap();
    let run = instance.get_typed_func::<(), f64>(&mut store, "run").unwrap();
    // e = u32::MAX (from -1), f = 1.
    let expected =
        -1.0 + 2.0 + 0.5 + 0.25 + 4294967295.0 + 1.0 + 3.0 - 4e9 + 1.5 + 2.5 + 7.0 + 8.0 - 0.5 + 100.0 + 10.0 + 4e9;
    assert_eq!(run.call(&mut store, ()).unwrap(), expected);

    // Unsigned views of the same bits.
    let u = Func::wrap(&mut store, |a: u32, b: u64| -> (u32, u64) { (a.wrapping_add(1), b.wrapping_add(1)) });
    let typed = u.typed::<(i32, i64), (i32, i64)>(&store).unwrap();
    assert_eq!(typed.call(&mut store, (-1, -1)).unwrap(), (0, 0));
    // NaN payloads survive the trip through a host function.
    let id = Func::wrap(&mut store, |x: f32, y: f64| (x, y));
    let typed = id.typed::<(f32, f64), (f32, f64)>(&store).unwrap();
    let (x, y) = typed.call(&mut store, (f32::from_bits(0x7fa0_0001), f64::from_bits(0x7ff4_0000_0000_0001))).unwrap();
    assert_eq!((x.to_bits(), y.to_bits()), (0x7fa0_0001, 0x7ff4_0000_0000_0001));
}

#[test]
fn caller_reaches_exports_and_data() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, String::new());
    let read = Func::wrap(&mut store, |mut caller: Caller<'_, String>, ptr: i32, len: i32| -> Result<()> {
        let memory = match caller.get_export("memory") {
            Some(Extern::Memory(m)) => m,
            _ => bail!("no memory"),
        };
        assert!(caller.get_export("nope").is_none());
        let mut buf = vec![0; len as usize];
        memory.read(&caller, ptr as usize, &mut buf)?;
        let text = String::from_utf8(buf)?;
        caller.data_mut().push_str(&text);
        // Caller works as a context for other API calls.
        let counter = caller.get_export("counter").and_then(Extern::into_global).unwrap();
        counter.set(&mut caller, Val::I32(text.len() as i32))?;
        Ok(())
    });
    let m = module(
        &engine,
        r#"(module
          (import "" "read" (func $read (param i32 i32)))
          (memory (export "memory") 1)
          (global (export "counter") (mut i32) (i32.const 0))
          (data (i32.const 4) "from wasm")
          (func (export "run") (result i32) (call $read (i32.const 4) (i32.const 9)) global.get 0))"#,
    );
    let instance = Instance::new(&mut store, &m, &[read.into()]).unwrap();
    let run = instance.get_typed_func::<(), i32>(&mut store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 9);
    assert_eq!(store.data(), "from wasm");

    // Called directly from the host there is no calling instance.
    let err = read.call(&mut store, &[Val::I32(4), Val::I32(9)], &mut []).unwrap_err();
    assert!(format!("{err:#}").contains("no memory"), "{err:#}");
}

#[test]
fn multi_value_returns() {
    let (engine, mut store) = engine_and_store();
    let swap3 = Func::wrap(&mut store, |a: i32, b: i64, c: f32| (c, b, a));
    let fallible = Func::wrap(&mut store, |a: i32| -> Result<(i32, i32)> { Ok((a, a * 2)) });
    let m = module(
        &engine,
        r#"(module
          (import "" "swap3" (func $swap3 (param i32 i64 f32) (result f32 i64 i32)))
          (import "" "fallible" (func $fallible (param i32) (result i32 i32)))
          (func (export "pair") (result i32 i64) (i32.const 1) (i64.const 2))
          (func (export "four") (param i32) (result i32 i64 f32 f64)
            (local.get 0) (i64.const -2) (f32.const 1.5) (f64.const -0.25))
          (func (export "via_host") (result f32 i64 i32)
            (call $swap3 (i32.const 7) (i64.const 8) (f32.const 9)))
          (func (export "sum_pair") (param i32) (result i32)
            (call $fallible (local.get 0)) i32.add)
          (func (export "many") (result i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)
            (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5) (i32.const 6) (i32.const 7) (i32.const 8)
            (i32.const 9) (i32.const 10) (i32.const 11) (i32.const 12) (i32.const 13) (i32.const 14) (i32.const 15) (i32.const 16)))"#,
    );
    let instance = Instance::new(&mut store, &m, &[swap3.into(), fallible.into()]).unwrap();
    let pair = instance.get_typed_func::<(), (i32, i64)>(&mut store, "pair").unwrap();
    assert_eq!(pair.call(&mut store, ()).unwrap(), (1, 2));
    let four = instance.get_typed_func::<i32, (i32, i64, f32, f64)>(&mut store, "four").unwrap();
    assert_eq!(four.call(&mut store, 5).unwrap(), (5, -2, 1.5, -0.25));
    let via_host = instance.get_typed_func::<(), (f32, i64, i32)>(&mut store, "via_host").unwrap();
    assert_eq!(via_host.call(&mut store, ()).unwrap(), (9.0, 8, 7));
    let sum_pair = instance.get_typed_func::<i32, i32>(&mut store, "sum_pair").unwrap();
    assert_eq!(sum_pair.call(&mut store, 5).unwrap(), 15);
    type Sixteen = (i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32);
    let many = instance.get_typed_func::<(), Sixteen>(&mut store, "many").unwrap();
    // Tuples of more than 12 have no `PartialEq`/`Debug`: compare the halves.
    let (a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p) = many.call(&mut store, ()).unwrap();
    assert_eq!(
        ((a, b, c, d, e, f, g, h), (i, j, k, l, m, n, o, p)),
        ((1, 2, 3, 4, 5, 6, 7, 8), (9, 10, 11, 12, 13, 14, 15, 16))
    );
    // A single-element tuple and a bare type are the same signature.
    assert!(instance.get_typed_func::<(i32,), (i32,)>(&mut store, "sum_pair").is_ok());

    // Untyped.
    let four = instance.get_func(&mut store, "four").unwrap();
    let mut results = [Val::I32(0); 4];
    four.call(&mut store, &[Val::I32(3)], &mut results).unwrap();
    assert_eq!(results[0].i32(), Some(3));
    assert_eq!(results[1].i64(), Some(-2));
    assert_eq!(results[2].f32(), Some(1.5));
    assert_eq!(results[3].f64(), Some(-0.25));
    let many = instance.get_func(&mut store, "many").unwrap();
    let mut results = [Val::I32(0); 16];
    many.call(&mut store, &[], &mut results).unwrap();
    assert_eq!(results.iter().map(|v| v.i32().unwrap()).collect::<Vec<_>>(), (1..=16).collect::<Vec<_>>());
}

#[test]
fn func_new_dynamic_host_function() {
    let (engine, mut store) = engine_and_store();
    let ty = FuncType::new(&engine, [ValType::I32, ValType::I64, ValType::F64], [ValType::I64, ValType::F64]);
    let f = Func::new(&mut store, ty.clone(), |_caller, params, results| {
        let a = params[0].i32().ok_or_else(|| anyhow!("param 0"))?;
        let b = params[1].i64().ok_or_else(|| anyhow!("param 1"))?;
        let c = params[2].f64().ok_or_else(|| anyhow!("param 2"))?;
        results[0] = Val::I64(a as i64 + b);
        results[1] = Val::from(c * 2.0);
        Ok(())
    });
    assert_eq!(f.ty(&store), ty);
    let m = module(
        &engine,
        r#"(module
          (import "" "f" (func $f (param i32 i64 f64) (result i64 f64)))
          (func (export "run") (result i64 f64)
            (call $f (i32.const -3) (i64.const 10) (f64.const 1.25))))"#,
    );
    let instance = Instance::new(&mut store, &m, &[f.into()]).unwrap();
    let run = instance.get_typed_func::<(), (i64, f64)>(&mut store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), (7, 2.5));
    // Called directly, untyped and typed.
    let mut results = [Val::I64(0), Val::F64(0)];
    f.call(&mut store, &[Val::I32(1), Val::I64(2), Val::from(3.0f64)], &mut results).unwrap();
    assert_eq!((results[0].i64(), results[1].f64()), (Some(3), Some(6.0)));
    let typed = f.typed::<(i32, i64, f64), (i64, f64)>(&store).unwrap();
    assert_eq!(typed.call(&mut store, (1, 1, 1.0)).unwrap(), (2, 2.0));

    // A dynamic function that returns a value of the wrong type is an error,
    // not a corrupted result.
    let bad = Func::new(&mut store, FuncType::new(&engine, [], [ValType::I32]), |_c, _p, r| {
        r[0] = Val::I64(1);
        Ok(())
    });
    let mut results = [Val::I32(0)];
    assert!(bad.call(&mut store, &[], &mut results).is_err());
    let m = module(
        &engine,
        r#"(module (import "" "bad" (func $bad (result i32))) (func (export "run") (result i32) call $bad))"#,
    );
    let instance = Instance::new(&mut store, &m, &[bad.into()]).unwrap();
    let run = instance.get_typed_func::<(), i32>(&mut store, "run").unwrap();
    assert!(run.call(&mut store, ()).is_err());
    // So is a funcref result of another store.
    let mut other_store = Store::new(&engine, ());
    let foreign = Func::wrap(&mut other_store, || {});
    let leak = Func::new(&mut store, FuncType::new(&engine, [], [ValType::FUNCREF]), move |_c, _p, r| {
        r[0] = Val::FuncRef(Some(foreign));
        Ok(())
    });
    let mut results = [Val::FuncRef(None)];
    assert!(leak.call(&mut store, &[], &mut results).is_err());
}

#[derive(Debug)]
struct HostError {
    code: u32,
}
impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the host refused with code {}", self.code)
    }
}
impl std::error::Error for HostError {}

#[test]
fn host_errors_surface_from_the_call() {
    let (engine, mut store) = engine_and_store();
    let fail = Func::wrap(&mut store, |x: i32| -> Result<i32> {
        if x < 0 {
            bail!("negative input {x} is not allowed");
        }
        if x == 0 {
            return Err(HostError { code: 7 }.into());
        }
        Ok(x)
    });
    let m = module(
        &engine,
        r#"(module
          (import "" "fail" (func $fail (param i32) (result i32)))
          (func $through (export "run") (param i32) (result i32)
            (call $fail (local.get 0))))"#,
    );
    let instance = Instance::new(&mut store, &m, &[fail.into()]).unwrap();
    let run = instance.get_typed_func::<i32, i32>(&mut store, "run").unwrap();
    assert_eq!(run.call(&mut store, 5).unwrap(), 5);

    let err = run.call(&mut store, -2).unwrap_err();
    assert!(err.to_string().contains("negative input -2 is not allowed"), "{err}");
    assert!(err.downcast_ref::<Trap>().is_none(), "a host error is not a trap: {err:?}");
    // The wasm frames are attached, with names.
    assert!(err.to_string().contains("through"), "{err}");

    // The host's own error type survives, for downcasting.
    let err = run.call(&mut store, 0).unwrap_err();
    let host = err.downcast_ref::<HostError>().unwrap_or_else(|| panic!("not a HostError: {err:?}"));
    assert_eq!(host.code, 7);
    assert!(err.to_string().contains("the host refused with code 7"), "{err}");

    // Called directly from the host: the error as is.
    let err = fail.typed::<i32, i32>(&store).unwrap().call(&mut store, -1).unwrap_err();
    assert!(err.to_string().contains("negative input -1"), "{err}");

    // The instance works after the errors.
    assert_eq!(run.call(&mut store, 9).unwrap(), 9);
}

#[test]
fn caller_is_the_instance_whose_code_called() {
    // Module A reads its own memory through the host; module B imports A's
    // function and calls it directly and through a table, then uses its own
    // memory again.
    let engine = Engine::default();
    let mut store = Store::new(&engine, Vec::<u8>::new());
    let whoami = Func::wrap(&mut store, |mut caller: Caller<'_, Vec<u8>>| -> Result<i32> {
        let memory = caller.get_export("memory").and_then(Extern::into_memory).ok_or_else(|| anyhow!("no memory"))?;
        let byte = memory.data(&caller)[0];
        caller.data_mut().push(byte);
        Ok(i32::from(byte))
    });
    let a = module(
        &engine,
        r#"(module $a
          (import "" "whoami" (func $whoami (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 0) "A")
          (func $callhost (export "callhost") (result i32) call $whoami))"#,
    );
    let b = module(
        &engine,
        r#"(module $b
          (type $ret (func (result i32)))
          (import "a" "callhost" (func $callhost (result i32)))
          (import "" "whoami" (func $whoami (result i32)))
          (memory (export "memory") 1)
          (table 1 funcref)
          (elem (i32.const 0) $callhost)
          (data (i32.const 0) "B")
          (func (export "run") (result i32)
            ;; B -> host: sees B
            call $whoami
            ;; B -> A -> host: sees A
            call $callhost
            i32.add
            ;; B -> (table) A -> host: sees A
            (call_indirect (type $ret) (i32.const 0))
            i32.add
            ;; back in B: B's memory again
            (i32.load8_u (i32.const 0))
            i32.add))"#,
    );
    let ia = Instance::new(&mut store, &a, &[whoami.into()]).unwrap();
    let callhost = ia.get_func(&mut store, "callhost").unwrap();
    let ib = Instance::new(&mut store, &b, &[callhost.into(), whoami.into()]).unwrap();
    let run = ib.get_typed_func::<(), i32>(&mut store, "run").unwrap();
    let expected = i32::from(b'B') + i32::from(b'A') + i32::from(b'A') + i32::from(b'B');
    assert_eq!(run.call(&mut store, ()).unwrap(), expected);
    assert_eq!(store.data(), b"BAA");
}

#[test]
fn a_panicking_host_function_leaves_the_store_usable() {
    use std::panic::{catch_unwind, AssertUnwindSafe};
    let engine = Engine::default();
    let m = module(
        &engine,
        r#"(module
          (import "" "boom" (func $boom (param i32)))
          (func $deep (export "deep") (param $n i32) (result i32)
            (if (result i32) (i32.eqz (local.get $n))
              (then (i32.const 0))
              (else (i32.add (i32.const 1) (call $deep (i32.sub (local.get $n) (i32.const 1)))))))
          (func $panic_deep (export "panic_deep") (param $n i32)
            (if (i32.eqz (local.get $n))
              (then (call $boom (i32.const 1)))
              (else (call $panic_deep (i32.sub (local.get $n) (i32.const 1)))))))"#,
    );
    let mut store = Store::new(&engine, ());
    let boom = Func::wrap(&mut store, |x: i32| {
        if x != 0 {
            panic!("host function panicked on purpose");
        }
    });
    let instance = Instance::new(&mut store, &m, &[boom.into()]).unwrap();
    let deep = instance.get_typed_func::<i32, i32>(&mut store, "deep").unwrap();
    let panic_deep = instance.get_typed_func::<i32, ()>(&mut store, "panic_deep").unwrap();
    // The deepest recursion that fits.
    let max_depth = |store: &mut Store<()>| {
        let (mut lo, mut hi) = (0, 1 << 20);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if deep.call(&mut *store, mid).is_ok() {
                lo = mid
            } else {
                hi = mid
            }
        }
        lo
    };
    let before = max_depth(&mut store);
    for _ in 0..5 {
        let result = catch_unwind(AssertUnwindSafe(|| panic_deep.call(&mut store, 100)));
        let payload = result.expect_err("the panic propagates to the caller");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"host function panicked on purpose"));
    }
    assert_eq!(deep.call(&mut store, 10).unwrap(), 10);
    let after = max_depth(&mut store);
    assert_eq!(before, after, "caught host panics shrank the wasm stack available to the store");
}
