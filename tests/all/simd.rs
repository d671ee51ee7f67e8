//! `v128` values where they meet everything else: parameters, locals and
//! results mixed with scalars (the interpreter lays a `v128` over two of its
//! slots), blocks and branches carrying them, `select`, globals, calls
//! between tiers, to and from the host, through `call_indirect`, and
//! traps of the SIMD memory accesses. The spec suite checks each
//! instruction; this checks the layout around them, in both interpreter
//! executors and the JIT.

use kiln::{Config, Engine, Func, Instance, Linker, Module, Store, Strategy, Trap, Val, ValType, V128};

const PROGRAM: &str = r#"
(module
  (import "host" "rotate" (func $rotate (param i32 v128 i64) (result v128 i32)))
  (global $g (export "g") (mut v128) (v128.const i64x2 1 2))
  (memory (export "mem") 1)
  (table 2 funcref)
  (elem (i32.const 0) $mix $pick)

  ;; Scalars on both sides of v128 parameters and locals.
  (func $mix (export "mix") (param $a i32) (param $v v128) (param $b i64) (param $w v128) (result v128 i64 i32)
    (local $x i32) (local $t v128) (local $y f64) (local $u v128)
    (local.set $t (i32x4.add (local.get $v) (local.get $w)))
    (local.set $x (i32.add (local.get $a) (i32.const 1)))
    (local.set $u (local.get $t))
    (local.set $y (f64.const 2.5))
    (local.get $u)
    (i64.add (local.get $b) (i64.trunc_f64_s (local.get $y)))
    (local.get $x))

  ;; A block with v128 and i32 parameters and results; a branch out
  ;; carrying both over values left below.
  (func (export "block") (param $v v128) (param $n i32) (result v128 i32)
    (i32.const 7)
    (local.get $v)
    (local.get $n)
    (block (param v128 i32) (result v128 i32)
      (local.set $n)
      (i32x4.splat (local.get $n))
      (i32x4.add)
      (local.get $n)
      (br_if 0 (i32.eqz (local.get $n)))
      (i32.const 100)
      (i32.add))
    (i32.const 0)
    (drop)
    (br 0)
    (drop))

  (func $pick (export "pick") (param $c i32) (param $a v128) (param $b v128) (result v128)
    (select (local.get $a) (local.get $b) (local.get $c)))

  (func (export "indirect") (param $v v128) (result v128 i64 i32)
    (call_indirect (param i32 v128 i64 v128) (result v128 i64 i32)
      (i32.const 3) (local.get $v) (i64.const 4) (local.get $v) (i32.const 0)))

  (func (export "host") (param $v v128) (result v128 i32)
    (call $rotate (i32.const 5) (local.get $v) (i64.const 6)))

  (func (export "global") (param $v v128) (result v128)
    (global.get $g)
    (global.set $g (local.get $v)))

  ;; Many values on a branch: moved as one span.
  (func (export "many") (param $v v128) (result i32 v128 i32 v128 i32 v128 i32 v128 i32 v128)
    (block (result i32 v128 i32 v128 i32 v128 i32 v128 i32 v128)
      (i32.const 1) (local.get $v) (i32.const 2) (local.get $v) (i32.const 3)
      (local.get $v) (i32.const 4) (local.get $v) (i32.const 5) (local.get $v)
      (br 0)))

  (func (export "store") (param $a i32) (param $v v128)
    (v128.store offset=1 (local.get $a) (local.get $v)))
  (func (export "load_lane") (param $a i32) (param $v v128) (result v128)
    (v128.load32_lane 3 (local.get $a) (local.get $v)))
  (func (export "store_lane") (param $a i32) (param $v v128)
    (v128.store64_lane 1 (local.get $a) (local.get $v)))
)
"#;

/// Both interpreter executors, and the JIT where it runs.
fn engines() -> Vec<(&'static str, Engine)> {
    let mut engines = Vec::new();
    for (name, portable) in [("interpreter", false), ("interpreter (portable match loop)", true)] {
        let mut config = Config::new();
        config.strategy(Strategy::Interpreter).interp_portable_dispatch(portable);
        engines.push((name, Engine::new(&config).unwrap()));
    }
    let mut config = Config::new();
    config.strategy(Strategy::Cranelift);
    if let Ok(engine) = Engine::new(&config) {
        engines.push(("cranelift", engine));
    }
    engines
}

fn v(bits: u128) -> Val {
    Val::V128(V128::from_u128(bits))
}

fn instantiate(engine: &Engine) -> (Store<()>, Instance) {
    let module = Module::new(engine, PROGRAM).unwrap();
    let mut store = Store::new(engine, ());
    let mut linker = Linker::new(engine);
    linker
        .func_wrap("host", "rotate", |a: i32, v: V128, b: i64| (V128::from(v.as_u128().rotate_left(8)), a + b as i32))
        .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    (store, instance)
}

fn call(store: &mut Store<()>, instance: Instance, name: &str, args: &[Val]) -> Result<Vec<Val>, kiln::Error> {
    let func = instance.get_func(&mut *store, name).unwrap();
    let mut results: Vec<Val> = func.ty(&*store).results().iter().map(Val::default_for).collect();
    func.call(&mut *store, args, &mut results)?;
    Ok(results)
}

fn bits(vals: &[Val]) -> Vec<u128> {
    vals.iter()
        .map(|v| match v {
            Val::V128(x) => x.as_u128(),
            Val::I32(x) => *x as u32 as u128,
            Val::I64(x) => *x as u64 as u128,
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

const A: u128 = 0x0000_0004_0000_0003_0000_0002_0000_0001;
const B: u128 = 0x0000_0040_0000_0030_0000_0020_0000_0010;

#[test]
fn v128_values_keep_their_place_among_scalars_in_every_tier() {
    for (tier, engine) in engines() {
        let (mut store, instance) = instantiate(&engine);
        let check = |store: &mut Store<()>, name: &str, args: &[Val], want: &[u128]| {
            let got = bits(&call(store, instance, name, args).unwrap_or_else(|e| panic!("[{tier}] {name}: {e:?}")));
            assert_eq!(got, want, "[{tier}] {name}");
        };
        let sum = 0x0000_0044_0000_0033_0000_0022_0000_0011;
        check(&mut store, "mix", &[Val::I32(9), v(A), Val::I64(40), v(B)], &[sum, 42, 10]);
        check(&mut store, "block", &[v(A), Val::I32(2)], &[0x0000_0006_0000_0005_0000_0004_0000_0003, 102]);
        check(&mut store, "block", &[v(A), Val::I32(0)], &[A, 0]);
        check(&mut store, "pick", &[Val::I32(1), v(A), v(B)], &[A]);
        check(&mut store, "pick", &[Val::I32(0), v(A), v(B)], &[B]);
        check(&mut store, "indirect", &[v(A)], &[A.wrapping_mul(2), 4 + 2, 4]);
        check(&mut store, "host", &[v(A)], &[A.rotate_left(8), 11]);
        check(&mut store, "global", &[v(B)], &[(2u128 << 64) | 1]);
        check(&mut store, "global", &[v(A)], &[B]);
        check(&mut store, "many", &[v(A)], &[1, A, 2, A, 3, A, 4, A, 5, A]);

        // Memory: a store at an offset, a lane load and a lane store.
        check(&mut store, "store", &[Val::I32(7), v(A)], &[]);
        let memory = instance.get_memory(&mut store, "mem").unwrap();
        assert_eq!(&memory.data(&store)[8..24], &A.to_le_bytes(), "[{tier}] v128.store");
        check(&mut store, "load_lane", &[Val::I32(8), v(B)], &[(B & !(0xffff_ffff << 96)) | (1 << 96)]);
        check(&mut store, "store_lane", &[Val::I32(100), v(B)], &[]);
        assert_eq!(&memory.data(&store)[100..108], &((B >> 64) as u64).to_le_bytes(), "[{tier}] store64_lane");

        // Out of bounds, by one byte: a trap, and memory as it was.
        let err = call(&mut store, instance, "store", &[Val::I32(65536 - 16), v(A)]).unwrap_err();
        assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::MemoryOutOfBounds), "[{tier}]");
        assert!(memory.data(&store)[65520..].iter().all(|b| *b == 0), "[{tier}] nothing written");
        let err = call(&mut store, instance, "store_lane", &[Val::I32(65536 - 7), v(A)]).unwrap_err();
        assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::MemoryOutOfBounds), "[{tier}]");
        let err = call(&mut store, instance, "load_lane", &[Val::I32(-2), v(A)]).unwrap_err();
        assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::MemoryOutOfBounds), "[{tier}]");

        // The exported global holds all 128 bits for the host too.
        let g = instance.get_global(&mut store, "g").unwrap();
        assert_eq!(g.get(&store).unwrap_v128().as_u128(), A, "[{tier}]");
    }
}

/// A `v128` goes out to a dynamic host function and back, twice in one
/// expression, in every tier; and through a typed call from the host.
#[test]
fn v128_through_dynamic_host_functions() {
    for (tier, engine) in engines() {
        let mut store = Store::new(&engine, ());
        let ty = kiln::FuncType::new(&engine, [ValType::V128, ValType::I32], [ValType::V128]);
        let host = Func::new(&mut store, ty, |_, params, results| {
            let x = params[0].unwrap_v128().as_u128();
            results[0] = v(x ^ params[1].unwrap_i32() as u32 as u128);
            Ok(())
        });
        let module = Module::new(
            &engine,
            r#"(module
                 (import "" "f" (func $f (param v128 i32) (result v128)))
                 (func (export "run") (param v128) (result v128)
                   (call $f (call $f (local.get 0) (i32.const 1)) (i32.const -1))))"#,
        )
        .unwrap();
        let instance = Instance::new(&mut store, &module, &[host.into()]).unwrap();
        let run = instance.get_typed_func::<V128, V128>(&mut store, "run").unwrap();
        let out = run.call(&mut store, V128::from(A)).unwrap().as_u128();
        assert_eq!(out, A ^ 1 ^ 0xffff_ffff, "[{tier}]");
    }
}

/// SIMD and relaxed SIMD are on by default; turning SIMD off alone is an
/// error saying relaxed SIMD needs it; with both off a SIMD module is
/// refused as invalid, by name.
#[test]
fn simd_can_be_turned_off_as_in_wasmtime() {
    let simd = r#"(module (func (export "f") (result v128) (v128.const i64x2 1 2)))"#;
    Module::new(&Engine::default(), simd).expect("SIMD is on by default");
    let relaxed = r#"(module (func (param v128 v128 v128) (result v128)
        (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2))))"#;
    Module::new(&Engine::default(), relaxed).expect("relaxed SIMD is on by default");

    let mut config = Config::new();
    config.wasm_simd(false);
    let err = Engine::new(&config).expect_err("relaxed SIMD without SIMD is refused").to_string();
    assert!(err.contains("relaxed-simd") && err.contains("simd=n"), "{err}");

    config.wasm_relaxed_simd(false);
    let engine = Engine::new(&config).unwrap();
    let err = format!("{:#}", Module::new(&engine, simd).unwrap_err());
    assert!(err.contains("SIMD"), "{err}");
    let mut config = Config::new();
    config.wasm_relaxed_simd(false);
    let engine = Engine::new(&config).unwrap();
    Module::new(&engine, simd).expect("SIMD without relaxed SIMD");
    assert!(Module::new(&engine, relaxed).is_err(), "relaxed SIMD is off");
}
