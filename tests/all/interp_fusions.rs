//! The interpreter folds some operator sequences into one instruction
//! (address arithmetic into a load or store, a loop counter's add into the
//! branch that tests it, a local into `select`'s condition, a `br_table` entry into the table, extensions that are no-ops
//! on its slots) and hands values from one instruction to the next in its
//! accumulator registers. These check the edge cases those must keep (an
//! address that wraps around 2^32 before the access, an out-of-bounds
//! store after a fused add, values crossing between the integer and f64
//! accumulators) in both interpreter executors and the JIT, which has none
//! of them.

use kiln::{Config, Engine, Instance, Module, Store, Strategy, Trap};

const PROGRAM: &str = r#"
(module
  (memory 1)
  (func (export "store32") (param $base i32) (param $v i32) (result i32)
    (i32.store (i32.add (local.get $base) (i32.const 8)) (local.get $v))
    (i32.load (i32.const 4)))
  (func (export "store64") (param $base i32) (param $v i64) (result i64)
    (i64.store (i32.add (local.get $base) (i32.const 8)) (local.get $v))
    (i64.load (i32.const 4)))
  (func (export "store8") (param $base i32) (param $v i32) (result i32)
    (i32.store8 (i32.add (local.get $base) (i32.const 8)) (local.get $v))
    (i32.load8_u (i32.const 4)))
  (func (export "load32") (param $base i32) (result i32)
    (i32.store (i32.const 4) (i32.const 0x01020304))
    (i32.load (i32.add (local.get $base) (i32.const 8))))
  (func (export "store_oob") (param $base i32) (param $v i32)
    (i32.store (i32.add (local.get $base) (i32.const 65534)) (local.get $v)))
  (func (export "extend_wrap") (param $x i32) (param $y i64) (result i64)
    (i64.add
      (i64.extend_i32_u (local.get $x))
      (i64.extend_i32_u (i32.wrap_i64 (i64.shr_u (local.get $y) (i64.const 40))))))
  (func (export "wrap_low") (param $y i64) (result i64)
    ;; A shift below 32 leaves high bits: the wrap must stay.
    (i64.extend_i32_u (i32.wrap_i64 (i64.shr_u (local.get $y) (i64.const 4)))))
  (func (export "select_local") (param $c i32) (param $a i32) (param $b i32) (result i32)
    (select (local.get $a) (local.get $b) (local.get $c)))
  (func (export "table") (param $i i32) (result i32)
    (block $c
      (block $b
        (block $a (br_table $a $b $c (local.get $i)))
        (return (i32.const 10)))
      (return (i32.const 20)))
    (i32.const 30))
  (func (export "count") (param $n i32) (result i32)
    (local $i i32) (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s) (local.get $i)))
      (br_if $l (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (local.get $s))
  (func (export "count_imm") (result i32)
    (local $i i32) (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s) (local.get $i)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 3))) (i32.const 30))))
    (local.get $s))
  (func (export "count_if") (result i32)
    (local $i i32) (local $s i32)
    (loop $l
      (if (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 10))
        (then (local.set $s (i32.add (local.get $s) (local.get $i))) (br $l))))
    (local.get $s))
  (func (export "count_step") (param $n i32) (param $step i32) (result i32)
    (local $i i32) (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s) (local.get $i)))
      (br_if $l (i32.le_u (local.tee $i (i32.add (local.get $i) (local.get $step))) (local.get $n))))
    (local.get $s))
  (func (export "count_step_imm") (param $step i32) (result i32)
    (local $i i32) (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s) (local.get $i)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (local.get $step))) (i32.const 12))))
    (local.get $s))
  (func (export "chain") (param $x f64) (param $n i32) (result i32)
    ;; f64 results feeding f64 ops, a conversion to an integer feeding
    ;; integer ops, and back.
    (i32.add
      (i32.trunc_f64_s (f64.mul (f64.add (local.get $x) (f64.const 1.5)) (f64.const 2)))
      (i32.trunc_f64_s (f64.sub (f64.convert_i32_s (i32.mul (local.get $n) (i32.const 3)))
                                (f64.const 0.25))))))
"#;

/// The interpreter (threaded where the build has it), the interpreter's
/// portable `match` loop, and the JIT where it runs.
fn engines() -> Vec<(&'static str, Engine)> {
    let mut tiers = Vec::new();
    for (name, portable) in [("interpreter", false), ("interpreter (portable match loop)", true)] {
        let mut config = Config::new();
        config.strategy(Strategy::Interpreter).interp_portable_dispatch(portable);
        tiers.push((name, Engine::new(&config).unwrap()));
    }
    let mut config = Config::new();
    config.strategy(Strategy::Cranelift);
    if let Ok(engine) = Engine::new(&config) {
        tiers.push(("cranelift", engine));
    }
    tiers
}

#[test]
fn fused_instructions_keep_wasm_semantics_in_every_tier() {
    for (tier, engine) in engines() {
        let module = Module::new(&engine, PROGRAM).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let store32 = instance.get_typed_func::<(i32, i32), i32>(&mut store, "store32").unwrap();
        let store64 = instance.get_typed_func::<(i32, i64), i64>(&mut store, "store64").unwrap();
        let store8 = instance.get_typed_func::<(i32, i32), i32>(&mut store, "store8").unwrap();
        let load32 = instance.get_typed_func::<i32, i32>(&mut store, "load32").unwrap();
        let store_oob = instance.get_typed_func::<(i32, i32), ()>(&mut store, "store_oob").unwrap();
        let extend_wrap = instance.get_typed_func::<(i32, i64), i64>(&mut store, "extend_wrap").unwrap();
        let wrap_low = instance.get_typed_func::<i64, i64>(&mut store, "wrap_low").unwrap();
        let select_local = instance.get_typed_func::<(i32, i32, i32), i32>(&mut store, "select_local").unwrap();
        let table = instance.get_typed_func::<i32, i32>(&mut store, "table").unwrap();
        let chain = instance.get_typed_func::<(f64, i32), i32>(&mut store, "chain").unwrap();
        let count = instance.get_typed_func::<i32, i32>(&mut store, "count").unwrap();
        let count_imm = instance.get_typed_func::<(), i32>(&mut store, "count_imm").unwrap();
        let count_if = instance.get_typed_func::<(), i32>(&mut store, "count_if").unwrap();
        let count_step = instance.get_typed_func::<(i32, i32), i32>(&mut store, "count_step").unwrap();
        let count_step_imm = instance.get_typed_func::<i32, i32>(&mut store, "count_step_imm").unwrap();

        // -4 + 8 wraps around to address 4.
        assert_eq!(store32.call(&mut store, (-4, 0x5566_7788)).unwrap(), 0x5566_7788, "{tier}");
        assert_eq!(store64.call(&mut store, (-4, -2)).unwrap(), -2, "{tier}");
        assert_eq!(store8.call(&mut store, (-4, 0x1ab)).unwrap(), 0xab, "{tier}");
        assert_eq!(load32.call(&mut store, -4).unwrap(), 0x0102_0304, "{tier}");
        // 4 + 65534: the last byte is past the one page.
        let err = store_oob.call(&mut store, (4, 1)).unwrap_err();
        assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::MemoryOutOfBounds), "{tier}: {err:#}");
        store_oob.call(&mut store, (-65534, 1)).unwrap();

        assert_eq!(extend_wrap.call(&mut store, (-1, -1)).unwrap(), 0xffff_ffff + 0xff_ffff, "{tier}");
        assert_eq!(wrap_low.call(&mut store, -1).unwrap(), 0xffff_ffff, "{tier}");
        for (c, expected) in [(0, 2), (1, 1), (-7, 1)] {
            assert_eq!(select_local.call(&mut store, (c, 1, 2)).unwrap(), expected, "{tier}: select {c}");
        }
        for (i, expected) in [(0, 10), (1, 20), (2, 30), (3, 30), (-1, 30)] {
            assert_eq!(table.call(&mut store, i).unwrap(), expected, "{tier}: br_table {i}");
        }
        // Loop counters fused with their test.
        assert_eq!(count.call(&mut store, 10).unwrap(), 45, "{tier}");
        assert_eq!(count.call(&mut store, -5).unwrap(), 0, "{tier}");
        assert_eq!(count_imm.call(&mut store, ()).unwrap(), 135, "{tier}");
        assert_eq!(count_if.call(&mut store, ()).unwrap(), 45, "{tier}");
        assert_eq!(count_step.call(&mut store, (10, 2)).unwrap(), 30, "{tier}");
        assert_eq!(count_step_imm.call(&mut store, 2).unwrap(), 30, "{tier}");
        // (2.5 + 1.5) * 2 = 8; 7 * 3 - 0.25 = 20.75, truncated to 20.
        assert_eq!(chain.call(&mut store, (2.5, 7)).unwrap(), 28, "{tier}");
    }
}
