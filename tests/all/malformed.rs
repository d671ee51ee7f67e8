//! Malformed and invalid input: truncated and bit-flipped copies of a real
//! module must give errors (with a message and a byte offset), never a panic.

use kiln::{
    Caller, CompileError, CompileErrorKind, Engine, Global, GlobalType, Linker, Module, Mutability, Store, Val, ValType,
};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A module with a bit of everything: types, imports, functions with
/// control flow, a table and elements, a memory and data, globals, exports,
/// a start function, and a name section.
const REAL: &str = r#"
(module $real
  (type $binop (func (param i32 i32) (result i32)))
  (import "env" "log" (func $log (param i32)))
  (import "env" "base" (global $base i32))
  (memory (export "memory") 1 4)
  (table $t 4 8 funcref)
  (global $counter (mut i32) (i32.const 0))
  (global $big i64 (i64.const 0x123456789abcdef))
  (global $pi f64 (f64.const 3.14159))
  (global $ref (mut externref) (ref.null extern))
  (data (i32.const 16) "hello, world\00\01\02\03")
  (data $passive "passive bytes")
  (elem (i32.const 0) $add $sub $mul)
  (elem $declared func $fact)
  (func $add (type $binop) (i32.add (local.get 0) (local.get 1)))
  (func $sub (type $binop) (i32.sub (local.get 0) (local.get 1)))
  (func $mul (type $binop) (i32.mul (local.get 0) (local.get 1)))
  (func $fact (export "fact") (param $n i64) (result i64)
    (if (result i64) (i64.le_u (local.get $n) (i64.const 1))
      (then (i64.const 1))
      (else (i64.mul (local.get $n) (call $fact (i64.sub (local.get $n) (i64.const 1)))))))
  (func $apply (export "apply") (param i32 i32 i32) (result i32)
    (call_indirect (type $binop) (local.get 1) (local.get 2) (local.get 0)))
  (func $sum (export "sum") (param $ptr i32) (param $len i32) (result i32)
    (local $acc i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $len)))
        (local.set $acc (i32.add (local.get $acc) (i32.load8_u (local.get $ptr))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 1)))
        (local.set $len (i32.sub (local.get $len) (i32.const 1)))
        (br $next)))
    (local.get $acc))
  (func $switch (export "switch") (param i32) (result i32)
    (block $c (block $b (block $a
      (br_table $a $b $c (local.get 0)))
      (return (i32.const 10)))
      (return (i32.const 20)))
    (i32.const 30))
  (func $bulk (export "bulk")
    (memory.init $passive (i32.const 100) (i32.const 0) (i32.const 5))
    (memory.copy (i32.const 200) (i32.const 100) (i32.const 5))
    (memory.fill (i32.const 300) (i32.const 7) (i32.const 10))
    (data.drop $passive)
    (table.set $t (i32.const 3) (ref.func $fact)))
  (func $floats (export "floats") (param f32 f64) (result f64)
    (f64.add (f64.promote_f32 (local.get 0))
      (f64.mul (local.get 1) (global.get $pi))))
  (func $multi (export "multi") (param i32) (result i32 i64)
    (local.get 0) (i64.extend_i32_s (local.get 0)))
  (func $start
    (global.set $counter (i32.add (global.get $base) (i32.const 1)))
    (call $log (global.get $counter)))
  (start $start))
"#;

/// A small deterministic PRNG (xorshift64*), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// What happened to one input.
#[derive(Default)]
struct Outcomes {
    ok: usize,
    compiled: Vec<String>,
    errors: usize,
    panics: Vec<String>,
    bad_errors: Vec<String>,
}

impl Outcomes {
    /// Compiles `bytes` with `Module::new` and `Module::from_binary`,
    /// catching panics, and checks the errors. A module that compiles is
    /// instantiated too (its imports given by a linker that has every import
    /// the intact module needs): Ok or Err, never a panic.
    fn feed(&mut self, engine: &Engine, what: &str, bytes: &[u8]) {
        let binary = bytes.starts_with(b"\0asm");
        for (api, result) in [
            ("Module::new", catch_unwind(AssertUnwindSafe(|| Module::new(engine, bytes)))),
            ("Module::from_binary", catch_unwind(AssertUnwindSafe(|| Module::from_binary(engine, bytes)))),
        ] {
            match result {
                Ok(Ok(module)) => {
                    self.ok += 1;
                    self.compiled.push(format!("{api} on {what}"));
                    if api == "Module::from_binary" {
                        let instantiated = catch_unwind(AssertUnwindSafe(|| instantiate(engine, &module)));
                        if let Err(payload) = instantiated {
                            let msg = panic_message(&*payload);
                            self.panics
                                .push(format!("instantiation panicked on {what}: {msg}\n  input: {}", hex(bytes)));
                        }
                    }
                }
                Ok(Err(err)) => {
                    self.errors += 1;
                    // Module::new reads input that does not start with the
                    // binary magic as text; its errors are the text parser's.
                    if api == "Module::new" && !binary {
                        continue;
                    }
                    if let Some(problem) = check_error(&err) {
                        self.bad_errors.push(format!("{api} on {what}: {problem}: {err:?}"));
                    }
                }
                Err(payload) => {
                    let msg = panic_message(&*payload);
                    self.panics.push(format!("{api} panicked on {what}: {msg}\n  input: {}", hex(bytes)));
                }
            }
        }
    }

    fn assert_clean(&self, what: &str) {
        println!(
            "{what}: {} compiled, {} errors, {} panics, {} errors without a compile error and offset",
            self.ok,
            self.errors,
            self.panics.len(),
            self.bad_errors.len()
        );
        assert!(self.panics.is_empty(), "{} inputs panicked:\n{}", self.panics.len(), self.panics.join("\n"));
        assert!(
            self.bad_errors.is_empty(),
            "{} errors lack a CompileError with message and offset:\n{}",
            self.bad_errors.len(),
            self.bad_errors.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
        );
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// Instantiates `module` in a new store, with the intact module's imports
/// (`env::log`, `env::base`) defined.
fn instantiate(engine: &Engine, module: &Module) -> anyhow::Result<()> {
    let mut store = Store::new(engine, 0);
    let mut linker = Linker::new(engine);
    linker.func_wrap("env", "log", |mut c: Caller<'_, i32>, x: i32| *c.data_mut() = x)?;
    let base = Global::new(&mut store, GlobalType::new(ValType::I32, Mutability::Const), Val::I32(41))?;
    linker.define(&mut store, "env", "base", base)?;
    linker.instantiate(&mut store, module)?;
    Ok(())
}

/// `None` when `err` is a proper compile error: a `CompileError` with a
/// message and an offset, both shown by the error's `Display`.
fn check_error(err: &anyhow::Error) -> Option<String> {
    let Some(ce) = err.downcast_ref::<CompileError>() else {
        return Some("not a CompileError".into());
    };
    if ce.message().is_empty() {
        return Some("empty message".into());
    }
    if ce.kind() == CompileErrorKind::Unsupported {
        return None;
    }
    let Some(offset) = ce.offset() else {
        return Some("no offset".into());
    };
    let text = format!("{err:#}");
    if !text.contains(ce.message()) || !text.contains(&format!("{offset:#x}")) {
        return Some(format!("display `{text}` lacks the message or the offset"));
    }
    None
}

fn hex(bytes: &[u8]) -> String {
    if bytes.len() > 64 {
        return format!("{} bytes", bytes.len());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The offsets where the binary's sections end (and the header's end).
fn section_boundaries(bytes: &[u8]) -> Vec<usize> {
    let mut ends = vec![8];
    let mut at = 8;
    while at < bytes.len() {
        // id byte, then the size as unsigned LEB128
        let (mut size, mut shift) = (0usize, 0);
        at += 1;
        loop {
            let b = bytes[at];
            at += 1;
            size |= usize::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                break;
            }
        }
        at += size;
        ends.push(at);
    }
    assert_eq!(at, bytes.len());
    ends
}

fn real_module() -> Vec<u8> {
    let bytes = wat::parse_str(REAL).expect("the test module parses");
    let engine = Engine::default();
    Module::new(&engine, &bytes).expect("the intact module compiles");
    bytes
}

#[test]
fn the_real_module_works() {
    use kiln::{Func, Global, GlobalType, Instance, Mutability, Store, Val, ValType};
    let engine = Engine::default();
    let m = Module::new(&engine, real_module()).unwrap();
    let mut store = Store::new(&engine, Vec::new());
    let log = Func::wrap(&mut store, |mut c: kiln::Caller<'_, Vec<i32>>, x: i32| c.data_mut().push(x));
    let base = Global::new(&mut store, GlobalType::new(ValType::I32, Mutability::Const), Val::I32(41)).unwrap();
    let i = Instance::new(&mut store, &m, &[log.into(), base.into()]).unwrap();
    assert_eq!(store.data(), &[42]);
    assert_eq!(i.get_typed_func::<i64, i64>(&mut store, "fact").unwrap().call(&mut store, 10).unwrap(), 3628800);
    let apply = i.get_typed_func::<(i32, i32, i32), i32>(&mut store, "apply").unwrap();
    assert_eq!(apply.call(&mut store, (2, 6, 7)).unwrap(), 42);
    let sum = i.get_typed_func::<(i32, i32), i32>(&mut store, "sum").unwrap();
    assert_eq!(sum.call(&mut store, (28, 4)).unwrap(), 6);
    let switch = i.get_typed_func::<i32, i32>(&mut store, "switch").unwrap();
    assert_eq!([0, 1, 2, 9].map(|x| switch.call(&mut store, x).unwrap()), [10, 20, 30, 30]);
    i.get_typed_func::<(), ()>(&mut store, "bulk").unwrap().call(&mut store, ()).unwrap();
    let memory = i.get_memory(&mut store, "memory").unwrap();
    assert_eq!(&memory.data(&store)[200..205], b"passi");
    let multi = i.get_typed_func::<i32, (i32, i64)>(&mut store, "multi").unwrap();
    assert_eq!(multi.call(&mut store, -1).unwrap(), (-1, -1));
}

#[test]
fn every_truncation_is_an_error_not_a_panic() {
    let bytes = real_module();
    let engine = Engine::default();
    let mut outcomes = Outcomes::default();
    for len in 0..bytes.len() {
        outcomes.feed(&engine, &format!("the first {len} of {} bytes", bytes.len()), &bytes[..len]);
    }
    outcomes.assert_clean("truncations");
    // Truncations that compile must be complete modules: the empty text
    // module, or a binary cut exactly at a section boundary.
    let boundaries = section_boundaries(&bytes);
    for what in &outcomes.compiled {
        let len: usize = what.split(' ').nth(4).and_then(|n| n.parse().ok()).expect("length in the description");
        assert!(
            len == 0 || boundaries.contains(&len),
            "{what} compiled, but is not cut at a section boundary ({boundaries:?})"
        );
    }
}

#[test]
fn every_single_bit_flip_is_handled() {
    let bytes = real_module();
    let engine = Engine::default();
    let mut outcomes = Outcomes::default();
    let mut copy = bytes.clone();
    for byte in 0..bytes.len() {
        for bit in 0..8 {
            copy[byte] ^= 1 << bit;
            outcomes.feed(&engine, &format!("bit {bit} of byte {byte:#x} flipped"), &copy);
            copy[byte] ^= 1 << bit;
        }
    }
    outcomes.assert_clean("single bit flips");
    assert!(outcomes.errors > 0);
}

#[test]
fn random_mutations_are_handled() {
    let bytes = real_module();
    let engine = Engine::default();
    let mut outcomes = Outcomes::default();
    let mut rng = Rng(0x6b69_6c6e_2d66_757a);
    for case in 0..3000 {
        let mut copy = bytes.clone();
        let what = match case % 3 {
            // A few bit flips anywhere after the header.
            0 => {
                let flips = 1 + rng.below(4);
                for _ in 0..flips {
                    let i = 8 + rng.below(copy.len() - 8);
                    copy[i] ^= 1 << rng.below(8);
                }
                format!("case {case}: {flips} bit flips")
            }
            // A byte set to a boundary value (often a LEB128 length or index).
            1 => {
                let i = 8 + rng.below(copy.len() - 8);
                let v = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x40, 0xc0][rng.below(7)];
                copy[i] = v;
                format!("case {case}: byte {i:#x} set to {v:#04x}")
            }
            // A byte inserted or removed, shifting everything after it.
            _ => {
                let i = 8 + rng.below(copy.len() - 8);
                if rng.below(2) == 0 {
                    copy.remove(i);
                    format!("case {case}: byte {i:#x} removed")
                } else {
                    let v = rng.next() as u8;
                    copy.insert(i, v);
                    format!("case {case}: byte {v:#04x} inserted at {i:#x}")
                }
            }
        };
        outcomes.feed(&engine, &what, &copy);
    }
    outcomes.assert_clean("random mutations");
}

#[test]
fn malformed_and_invalid_binaries_have_offsets() {
    let engine = Engine::default();
    let cases: &[(&str, &[u8], CompileErrorKind)] = &[
        ("bad magic", b"\0asx\x01\0\0\0", CompileErrorKind::Malformed),
        ("bad version", b"\0asm\x02\0\0\0", CompileErrorKind::Malformed),
        ("section too long", b"\0asm\x01\0\0\0\x01\x10\x00", CompileErrorKind::Malformed),
        // A function section declaring a function with no code section.
        ("function without body", b"\0asm\x01\0\0\0\x01\x04\x01\x60\0\0\x03\x02\x01\x00", CompileErrorKind::Malformed),
        // type 0 = [] -> [i32], body is empty: the result is missing.
        (
            "type mismatch",
            b"\0asm\x01\0\0\0\x01\x05\x01\x60\0\x01\x7f\x03\x02\x01\x00\x0a\x04\x01\x02\x00\x0b",
            CompileErrorKind::Invalid,
        ),
    ];
    for (what, bytes, kind) in cases {
        let err = Module::from_binary(&engine, bytes).unwrap_err();
        let ce = err.downcast_ref::<CompileError>().unwrap_or_else(|| panic!("{what}: {err:?}"));
        assert_eq!(ce.kind(), *kind, "{what}: {err}");
        assert!(ce.offset().is_some(), "{what}: {err}");
        assert!(check_error(&err).is_none(), "{what}: {:?}", check_error(&err));
        // Module::new gives the same error for binary input.
        let err = Module::new(&engine, bytes).unwrap_err();
        if bytes.starts_with(b"\0asm") {
            assert!(err.downcast_ref::<CompileError>().is_some(), "{what}: {err:?}");
        }
    }
    // An invalid module in text form (the text parser accepts it; validation does not).
    let err = Module::new(&engine, r#"(module (func (result i32) (i64.const 1)))"#).unwrap_err();
    let ce = err.downcast_ref::<CompileError>().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(ce.kind(), CompileErrorKind::Invalid);
    assert!(ce.offset().is_some());
    // Malformed text is an error too (from the text parser).
    assert!(Module::new(&engine, "(module (func").is_err());
    assert!(Module::new(&engine, [0xffu8, 0xfe, 0x00]).is_err());
}

#[test]
fn bytes_without_the_magic_are_named_as_not_wasm_in_one_line() {
    let engine = kiln::Engine::default();
    let err = kiln::Module::from_binary(&engine, b"garbage!").unwrap_err();
    let compile = err.downcast_ref::<kiln::CompileError>().expect("a compile error");
    assert_eq!(compile.kind(), kiln::CompileErrorKind::Malformed);
    let message = compile.to_string();
    assert!(message.contains("magic header not detected") && message.contains("not a WebAssembly binary"), "{message}");
    assert!(!message.contains('\n'), "{message}");
}
