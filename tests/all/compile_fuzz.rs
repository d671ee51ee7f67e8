//! No input crashes, hangs or exhausts the compiler: a bounded, seeded run
//! of the compile check (the cargo-fuzz target `compile` in `fuzz/` runs
//! the same check on fuzzer input without a bound, and also bounds each
//! input's peak heap; this test does not, see `compile_check.rs`).

use crate::compile_check::{check, input, Checked, Tiers};
use std::time::Duration;

/// Inputs per run. `KILN_COMPILE_INPUTS` asks for more (longer runs by
/// hand).
const INPUTS: u64 = 20_000;

/// Per input, generous: a debug build, two tiers, and other tests on the
/// same cores. The fuzz target's bound is 5 s in a release build.
const TIME_BOUND: Duration = Duration::from_secs(20);

#[test]
fn arbitrary_bytes_compile_or_fail_alike_in_every_tier() {
    let inputs: u64 = std::env::var("KILN_COMPILE_INPUTS").ok().and_then(|n| n.parse().ok()).unwrap_or(INPUTS);
    let tiers = Tiers::new();
    // xorshift64*: the same inputs on every run and machine.
    let mut state = 0x636f_6d70_696c_6521u64;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let mut total = Checked::default();
    for i in 0..inputs {
        let len = 1 + (next() % 4096) as usize;
        let mut data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        // The first byte picks the kind of input: each kind in turn.
        data[0] = i as u8;
        let bytes = input(&data);
        match check(&tiers, &bytes, TIME_BOUND) {
            Ok(c) => total.add(&c),
            Err(problem) => panic!("input {i}: {problem}"),
        }
    }
    println!("{inputs} inputs, {} tiers: {total:?}", tiers.count());
    // Guard against a check that checks nothing: inputs must reach every
    // phase, and some modules must run. (Not `unsupported`: what Kiln
    // refuses as unsupported, such as a frame too large for the
    // interpreter, these inputs do not reach; a proposal Kiln lacks is
    // refused by the validator, as invalid.)
    assert!(total.compiled > inputs / 10, "{total:?}");
    assert!(total.malformed > inputs / 10, "{total:?}");
    assert!(total.invalid > inputs / 50, "{total:?}");
    assert!(total.other_errors > 0, "{total:?}");
    assert!(total.instantiated > inputs / 20 && total.calls > inputs / 10, "{total:?}");
    assert!(total.traps > 0 && total.traps < total.calls, "{total:?}");
}

/// Found by the compile check: a module whose first body is invalid and
/// whose binary ends inside a later body. The specification decodes the
/// whole binary before validating it, so the module is malformed; the JIT
/// says so, the interpreter (which validates each body as the parser
/// reaches it) said invalid until it deferred body errors to the end of
/// the module as the JIT does.
#[test]
fn an_invalid_body_before_a_truncation_is_malformed_in_every_tier() {
    use kiln::{CompileError, CompileErrorKind, Config, Engine, Module, Strategy};
    let bytes: &[u8] = &[
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // header
        0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type section: (func)
        0x03, 0x03, 0x02, 0x00, 0x00, // function section: two functions
        0x0a, 0x0b, 0x02, // code section: 11 bytes, two bodies
        0x04, 0x00, 0x0c, 0x05, 0x0b, // body 0: `br 5`, an unknown label
        0x05, 0x00, // body 1: 5 bytes announced, but the binary ends
    ];
    for strategy in [Strategy::Interpreter, Strategy::Cranelift] {
        let mut config = Config::new();
        config.strategy(strategy);
        let Ok(engine) = Engine::new(&config) else { continue };
        let err = Module::new(&engine, bytes).unwrap_err();
        let ce = err.downcast_ref::<CompileError>().unwrap_or_else(|| panic!("{strategy:?}: {err:?}"));
        assert_eq!(ce.kind(), CompileErrorKind::Malformed, "{strategy:?}: {ce}");
    }
}
