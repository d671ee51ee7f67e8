//! The interpreter's threaded executor relies on each handler jumping to
//! the next one (a call in tail position that LLVM turns into a jump). If
//! that ever stops happening, every executed instruction would take native
//! stack: these tests fail then, instead of programs crashing in the field.
//! They run the interpreter on a small native stack, and (on x86_64 Linux)
//! read the test binary's own machine code for calls between handlers.

use kiln::{Config, Engine, Instance, Module, Store, Strategy};

fn interpreter() -> Engine {
    let mut config = Config::new();
    config.strategy(Strategy::Interpreter);
    // Deep wasm recursion lives in the interpreter's own frame stack, whose
    // size this bounds.
    config.max_wasm_stack(64 << 20);
    Engine::new(&config).unwrap()
}

const PROGRAM: &str = r#"
(module
  (memory 1)
  (global $g (mut i32) (i32.const 0))
  ;; A loop of ten million iterations mixing arithmetic, memory, globals,
  ;; compare-and-branch and a call.
  (func $leaf (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func (export "spin") (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (loop $top
      (local.set $acc (i32.xor (local.get $acc) (call $leaf (local.get $i))))
      (i32.store (i32.const 16) (local.get $acc))
      (global.set $g (i32.load (i32.const 16)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $top (i32.lt_u (local.get $i) (local.get $n))))
    (global.get $g))
  ;; Recursion `n` deep (not a tail call in wasm).
  (func $depth (export "depth") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $depth (i32.sub (local.get $n) (i32.const 1))))))))
"#;

/// Runs `f` on a thread with a small native stack (256 KiB): far too small
/// for ten million nested handler frames, ample for the executor's own.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new().stack_size(256 << 10).spawn(f).unwrap().join().expect("the run finished");
}

#[test]
fn a_long_loop_runs_in_constant_native_stack() {
    on_small_stack(|| {
        let engine = interpreter();
        let module = Module::new(&engine, PROGRAM).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let spin = instance.get_typed_func::<i32, i32>(&mut store, "spin").unwrap();
        let n = 10_000_000;
        let expected = (0..n).fold(0i32, |acc, i| acc ^ (i + 1));
        assert_eq!(spin.call(&mut store, n).unwrap(), expected);
    });
}

#[test]
fn deep_wasm_recursion_runs_in_constant_native_stack() {
    on_small_stack(|| {
        let engine = interpreter();
        let module = Module::new(&engine, PROGRAM).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let depth = instance.get_typed_func::<i32, i32>(&mut store, "depth").unwrap();
        assert_eq!(depth.call(&mut store, 200_000).unwrap(), 200_000);
    });
}

/// The handlers are the functions of `kiln::interp::threaded::handlers`;
/// none may call another handler or call through a register (the next
/// handler's address): they jump. Reads this test binary's code with
/// `objdump`, which the Rust toolchain's linker setup (binutils) provides.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
#[test]
fn no_handler_calls_another() {
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new("objdump")
        .args(["-d", "--no-show-raw-insn", "-C"])
        .arg(&exe)
        .output()
        .expect("objdump (binutils) runs; install binutils to run this check");
    assert!(out.status.success(), "objdump failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let marker = "kiln::interp::threaded::handlers::";
    let mut handlers = 0;
    let mut current: Option<String> = None;
    let mut bad = Vec::new();
    for line in text.lines() {
        // Function headers: `0000000000123456 <name>:`.
        if let Some(name) = line.strip_suffix(">:").and_then(|l| l.split_once(" <")).map(|(_, n)| n) {
            current = name.contains(marker).then(|| name.to_string());
            if current.is_some() {
                handlers += 1;
            }
            continue;
        }
        let Some(name) = &current else { continue };
        let Some(insn) = line.split('\t').nth(1) else { continue };
        let insn = insn.trim();
        // `call *%reg` would be a dispatch that returns; calls through the
        // GOT (`call *0x..(%rip)`, libm and memset) and to helpers are fine.
        if insn.starts_with("call") && (insn.contains("*%") || insn.contains(marker)) {
            bad.push(format!("{name}: {insn}"));
        }
    }
    // A build where the executor is the `match` loop has no handlers.
    if cfg!(feature = "portable-dispatch") {
        return;
    }
    assert!(handlers > 100, "found only {handlers} handler functions in {}", exe.display());
    assert!(bad.is_empty(), "handlers that call instead of jumping:\n{}", bad.join("\n"));
}
