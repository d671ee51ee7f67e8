//! What `kiln run` says when something is wrong: `--invoke` arguments that
//! do not fit their parameters, traps (the message once, the backtrace
//! capped), files that fail to decode or parse (named, in the right
//! format), and bad flags and `-W`/`-S` options (named, with what is
//! expected).

use super::{kiln, write};
use std::path::Path;
use std::process::{Command, Output};

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const INVOKE: &str = r#"(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "wide") (param i64) (result i64) (local.get 0))
  (func (export "single") (param f32) (result f32) (local.get 0))
  (func (export "double") (param f64) (result f64) (local.get 0))
  (func (export "vector") (param v128) (result v128) (i32x4.add (local.get 0) (v128.const i32x4 1 1 1 1)))
  (func (export "funcref") (param funcref))
  (func (export "externref") (param externref)))"#;

#[test]
fn invoke_arguments_take_the_signed_and_unsigned_range_and_float_forms() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "invoke.wat", INVOKE);
    let cases: &[(&str, &[&str], &str)] = &[
        // -1 and 4294967295 are the same i32, as in Wasmtime.
        ("add", &["-1", "4294967295"], "-2"),
        ("add", &["-2147483648", "0"], "-2147483648"),
        ("add", &["2147483647", "+1"], "-2147483648"),
        ("add", &["0x10", "0XfF"], "271"),
        ("add", &["-0x1", "0"], "-1"),
        ("wide", &["18446744073709551615"], "-1"),
        ("wide", &["-9223372036854775808"], "-9223372036854775808"),
        ("wide", &["0xffffffffffffffff"], "-1"),
        ("single", &["1.5"], "1.5"),
        ("single", &["-inf"], "-inf"),
        ("single", &["nan"], "NaN"),
        ("single", &["1e-50"], "0"),
        ("double", &["1e10"], "10000000000"),
        ("double", &["-.25"], "-0.25"),
        ("double", &["infinity"], "inf"),
        ("double", &["NaN"], "NaN"),
        // All 128 bits as one number, printed in hexadecimal.
        ("vector", &["0"], "0x00000001000000010000000100000001"),
        ("vector", &["0xfffffffe00000000000000000000000f"], "0xffffffff000000010000000100000010"),
        ("vector", &["340282366920938463463374607431768211455"], "0x00000000000000000000000000000000"),
    ];
    for (func, args, result) in cases {
        let mut argv = vec!["run", "--invoke", func, &file];
        argv.extend_from_slice(args);
        let out = kiln(&argv, dir.path());
        assert_eq!(out.status.code(), Some(0), "{func} {args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), format!("{result}\n"), "{func} {args:?}");
    }
}

#[test]
fn invoke_arguments_that_do_not_fit_are_errors_naming_the_argument() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "invoke.wat", INVOKE);
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "add",
            &["99999999999", "1"],
            "invalid argument `99999999999` (argument 1 of `add`): out of range for i32 (-2147483648 to 4294967295)",
        ),
        ("add", &["1", "4294967296"], "invalid argument `4294967296` (argument 2 of `add`): out of range for i32"),
        ("add", &["-2147483649", "1"], "(argument 1 of `add`): out of range for i32"),
        ("add", &["1", "99999999999999999999999999999999999999999"], "(argument 2 of `add`): out of range for i32"),
        ("wide", &["18446744073709551616"], "(argument 1 of `wide`): out of range for i64"),
        ("add", &["1.5", "1"], "invalid argument `1.5` (argument 1 of `add`): not an i32"),
        ("add", &["1", "abc"], "invalid argument `abc` (argument 2 of `add`): not an i32"),
        ("add", &["", "1"], "invalid argument `` (argument 1 of `add`): not an i32"),
        ("add", &["-+1", "1"], "invalid argument `-+1` (argument 1 of `add`): not an i32"),
        ("add", &["0x", "1"], "invalid argument `0x` (argument 1 of `add`): not an i32"),
        ("wide", &["1e3"], "invalid argument `1e3` (argument 1 of `wide`): not an i64"),
        ("single", &["1.2.3"], "invalid argument `1.2.3` (argument 1 of `single`): not an f32"),
        ("double", &["one"], "invalid argument `one` (argument 1 of `double`): not an f64"),
        // Rust would round these to infinity: a different argument.
        ("single", &["1e39"], "invalid argument `1e39` (argument 1 of `single`): out of range for f32"),
        ("double", &["-1e309"], "invalid argument `-1e309` (argument 1 of `double`): out of range for f64"),
        ("add", &["1"], "`add` takes 2 arguments ((func (param i32 i32) (result i32))), 1 given"),
        ("add", &["1", "2", "3"], "`add` takes 2 arguments ((func (param i32 i32) (result i32))), 3 given"),
        ("vector", &["-1"], "invalid argument `-1` (argument 1 of `vector`): a v128 is written as one unsigned"),
        ("vector", &["0x1g"], "invalid argument `0x1g` (argument 1 of `vector`): not a v128"),
        ("vector", &["340282366920938463463374607431768211456"], "(argument 1 of `vector`): not a v128"),
        ("funcref", &["null"], "argument 1 of `funcref` has type funcref, which cannot be passed on the command line"),
        ("externref", &["0"], "argument 1 of `externref` has type externref, which cannot be passed"),
    ];
    for (func, args, expected) in cases {
        let mut argv = vec!["run", "--invoke", func, &file];
        argv.extend_from_slice(args);
        let out = kiln(&argv, dir.path());
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{func} {args:?}: {err}");
        assert!(err.contains(expected), "{func} {args:?} should say `{expected}`: {err}");
        assert_eq!(stdout(&out), "", "{func} {args:?}: nothing runs");
    }
}

/// `$rec` calls itself until the stack is exhausted: tens of thousands of
/// frames.
const RECURSE: &str = r#"(module (func $rec (export "_start") call $rec))"#;

#[test]
fn a_stack_overflow_prints_the_trap_once_and_20_frames() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "recurse.wat", RECURSE);
    for strategy in ["interpreter", "cranelift"] {
        let out = kiln(&["run", "--strategy", strategy, &file], dir.path());
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(134), "{strategy}: {err}");
        let lines: Vec<&str> = err.lines().collect();
        let expected_head =
            [format!("Error: failed to run main module `{file}`"), String::new(), "Caused by:".to_string()];
        assert_eq!(lines[..3], expected_head, "{strategy}: {err}");
        assert_eq!(lines[3], "    wasm trap: call stack exhausted", "{strategy}: {err}");
        assert_eq!(err.matches("call stack exhausted").count(), 1, "{strategy}: the trap once: {err}");
        assert_eq!(lines[4], "wasm backtrace:", "{strategy}: {err}");
        // 10 frames, the omission, 10 frames, then the limit's line.
        let frames = &lines[5..26];
        assert_eq!(lines.len(), 27, "{strategy}: {err}");
        assert!(lines[26].starts_with("error: the guest exhausted its wasm stack"), "{strategy}: {err}");
        for (depth, line) in frames[..10].iter().enumerate() {
            assert!(line.trim_start().starts_with(&format!("{depth}: ")), "{strategy}: {line}");
            assert!(line.ends_with(" - rec"), "{strategy}: {line}");
        }
        let omitted: usize = frames[10]
            .trim()
            .strip_prefix("... ")
            .and_then(|l| l.strip_suffix(" frames omitted ..."))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{strategy}: the omission line: {}", frames[10]));
        assert!(omitted > 1000, "{strategy}: a deep stack: {omitted}");
        // The last frames are numbered by their depth in the whole stack.
        for (j, line) in frames[11..].iter().enumerate() {
            let depth = 10 + omitted + j;
            assert!(line.trim_start().starts_with(&format!("{depth}: ")), "{strategy}: {line}");
            assert!(line.ends_with(" - rec"), "{strategy}: {line}");
        }
    }
}

#[test]
fn a_shallow_trap_prints_the_message_once_and_every_frame() {
    let dir = tempfile::tempdir().unwrap();
    let file =
        write(dir.path(), "trap.wat", r#"(module (func $inner unreachable) (func (export "_start") call $inner))"#);
    for strategy in ["interpreter", "cranelift"] {
        let out = kiln(&["run", "--strategy", strategy, &file], dir.path());
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(134), "{strategy}: {err}");
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 7, "{strategy}: {err}");
        assert_eq!(lines[0], format!("Error: failed to run main module `{file}`"));
        assert_eq!(lines[1..5], ["", "Caused by:", "    wasm trap: unreachable", "wasm backtrace:"], "{err}");
        assert!(lines[5].trim_start().starts_with("0: ") && lines[5].ends_with(" - inner"), "{err}");
        assert!(lines[6].trim_start().starts_with("1: ") && lines[6].ends_with(" - <wasm function 1>"), "{err}");
    }
}

/// An error from a host function (not a trap) that ends the run is shown
/// the same way, once, with status 1 as in Wasmtime.
#[test]
fn a_host_error_prints_the_message_once_with_the_backtrace() {
    let dir = tempfile::tempdir().unwrap();
    // WASI needs the guest's memory exported as `memory`; this one has none.
    let file = write(
        dir.path(),
        "nomem.wat",
        r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory 1)
  (func $write (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0))))
  (func (export "_start") call $write))"#,
    );
    let out = kiln(&["run", &file], dir.path());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let message = "does not export its memory as `memory`";
    assert_eq!(err.matches(message).count(), 1, "the message once: {err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines[0], format!("Error: failed to run main module `{file}`"), "{err}");
    assert!(lines[3].starts_with("    ") && lines[3].contains(message), "{err}");
    assert_eq!(lines[4], "wasm backtrace:", "{err}");
    // The JIT does not know the offset of a call to the host (yet): the
    // frame is then shown without one.
    assert!(lines[5].trim_start().starts_with("0: ") && lines[5].ends_with("write"), "{err}");
    assert!(lines[6].trim_start().starts_with("1: ") && lines[6].ends_with(" - <wasm function 2>"), "{err}");
    assert_eq!(lines.len(), 7, "{err}");
}

#[test]
fn a_file_that_fails_to_decode_is_a_binary_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let files: &[(&str, &[u8])] = &[
        ("garbage.wasm", b"garbage"),
        ("truncated.wasm", b"\0as"),
        ("truncated.bin", b"\0as"),
        ("wrong-magic.wasm", b"\0asn\x01\0\0\0"),
        ("wrong-magic", b"\0asn\x01\0\0\0"),
        ("not-utf8.bin", b"\xff\xfe\x01"),
        ("version2.wasm", b"\0asm\x02\0\0\0"),
    ];
    for (name, bytes) in files {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let out = kiln(&["run", path.to_str().unwrap()], dir.path());
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(err.contains(&format!("failed to compile {}: malformed module", path.display())), "{name}: {err}");
        assert!(!err.contains("<anon>") && !err.contains("text"), "{name}: not a text error: {err}");
    }
}

#[test]
fn a_text_error_names_the_file_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad.wat", "(module\n  (func (export \"_start\") foo))");
    let out = kiln(&["run", &bad], dir.path());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("failed to compile {bad}: failed to parse WebAssembly text")), "{err}");
    assert!(err.contains(&format!("--> {bad}:2:27")), "file, line and column: {err}");
    assert!(!err.contains("<anon>"), "{err}");

    // A `.wat` file is text whatever it holds.
    let path = dir.path().join("latin1.wat");
    std::fs::write(&path, b"(module) ;; caf\xe9").unwrap();
    let out = kiln(&["run", path.to_str().unwrap()], dir.path());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("utf-8") && err.contains(&*path.to_string_lossy()), "{err}");

    // A preloaded module is named too.
    let main = write(dir.path(), "main.wat", "(module)");
    let out = kiln(&["run", "--preload", &format!("lib={bad}"), &main], dir.path());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("--> {bad}:2:27")), "{err}");

    // WAT in a `.wasm` file still runs, as in Wasmtime.
    let text = write(dir.path(), "text.wasm", r#"(module (func (export "f") (result i32) i32.const 7))"#);
    let out = kiln(&["run", "--invoke", "f", &text], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "7\n");
}

/// `Module::from_file` and `Module::new` give API users the same errors.
#[test]
fn the_api_reports_binary_and_text_errors_as_such() {
    let engine = kiln::Engine::default();
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.wasm");
    std::fs::write(&garbage, "garbage").unwrap();
    let err = kiln::Module::from_file(&engine, &garbage).unwrap_err();
    assert!(err.downcast_ref::<kiln::CompileError>().is_some(), "a decode error: {err:#}");
    assert!(format!("{err:#}").contains(&*garbage.to_string_lossy()), "{err:#}");

    let bad = dir.path().join("bad.wat");
    std::fs::write(&bad, "(module (func foo))").unwrap();
    let err = format!("{:#}", kiln::Module::from_file(&engine, &bad).unwrap_err());
    assert!(err.contains(&format!("{}:1:15", bad.display())) && !err.contains("<anon>"), "{err}");

    for truncated in [&b"\0as"[..], b"\0asm\x01\0", b"\0"] {
        let err = kiln::Module::new(&engine, truncated).unwrap_err();
        assert!(err.downcast_ref::<kiln::CompileError>().is_some(), "{truncated:?}: {err:#}");
    }
}

#[test]
fn bad_flag_values_name_the_flag_and_what_it_takes() {
    let dir = tempfile::tempdir().unwrap();
    let ok = write(dir.path(), "ok.wat", r#"(module (func (export "_start")))"#);
    let wast = write(dir.path(), "t.wast", "(module)");
    let cases: &[(&[&str], i32, &[&str])] = &[
        (
            &["run", "--strategy", "jit", &ok],
            2,
            &["invalid value 'jit' for '--strategy <STRATEGY>'", "[possible values: auto, interpreter, cranelift]"],
        ),
        (&["wast", "--strategy", "Cranelift", &wast], 2, &["'--strategy <STRATEGY>'", "auto, interpreter, cranelift"]),
        (&["wast", "--spec-version", "1.0", &wast], 2, &["'--spec-version <SPEC_VERSION>'", "2.0, 3.0"]),
        (
            &["run", "--max-wasm-stack", "100", &ok],
            1,
            &["invalid value `100` for --max-wasm-stack: expected at least 4096"],
        ),
        (&["run", "-W", "max-wasm-stack=1K", &ok], 1, &["invalid value `1K` for -W max-wasm-stack: expected at least"]),
        (&["run", "-S", "nope", &ok], 1, &["unknown -S option `nope` (known: inherit-env[=y|n], cli[=y|n]"]),
        (&["run", "-S", "http", &ok], 1, &["-S http is not supported: Kiln does not implement wasi:http yet"]),
        (&["run", "-S", "inherit-network", &ok], 1, &["-S inherit-network is not supported", "wasi:sockets"]),
        (&["run", "-S", "cli,tcp=y", &ok], 1, &["-S tcp is not supported", "wasi:sockets"]),
        (&["run", "-S", "cli=n", &ok], 1, &["-S cli=n is not supported"]),
        (&[&ok, "-S", "nn"], 1, &["-S nn is not supported: Kiln does not implement wasi-nn yet"]),
        (&["run", "-S", "inherit-env=maybe", &ok], 1, &["invalid value `maybe` for -S inherit-env: expected y or n"]),
        (&["run", "-W", "multi-value=maybe", &ok], 1, &["invalid value `maybe` for -W multi-value: expected y or n"]),
        (&["run", "--env", "=x", &ok], 1, &["--env expects NAME[=VALUE], got `=x`"]),
        (&["run", "--preload", "lib", &ok], 1, &["--preload expects NAME=PATH, got `lib`"]),
    ];
    for (argv, status, expected) in cases {
        let out = kiln(argv, dir.path());
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(*status), "{argv:?}: {err}");
        for e in *expected {
            assert!(err.contains(e), "{argv:?} should say `{e}`: {err}");
        }
        // No Rust names of the API's types or methods.
        assert!(!err.contains("Strategy::") && !err.contains("max_wasm_stack"), "{argv:?}: {err}");
    }
}

/// `-W timeout` takes a duration, as Wasmtime's does.
#[test]
fn w_timeout_takes_a_duration() {
    let dir = tempfile::tempdir().unwrap();
    let ok = write(dir.path(), "ok.wat", r#"(module (func (export "f") (result i32) i32.const 3))"#);
    for duration in ["1s", "500ms", "2m", "1.5s", "10"] {
        let out = kiln(&["run", "-W", &format!("timeout={duration}"), "--invoke", "f", &ok], dir.path());
        assert_eq!(out.status.code(), Some(0), "{duration}: {}", stderr(&out));
        assert_eq!(stdout(&out), "3\n", "{duration}");
    }
}

fn run_env_program(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(args)
        .current_dir(cwd)
        .env("KILN_TEST_INHERITED", "from the host")
        .env("XDG_CACHE_HOME", super::test_cache())
        .output()
        .expect("run kiln")
}

#[test]
fn s_inherit_env_passes_the_hosts_environment() {
    let programs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/programs/wasi/wasm");
    let inherited = "KILN_TEST_INHERITED=from the host";
    let out = run_env_program(&["run", "-S", "inherit-env", "env.wasm"], &programs);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains(inherited), "{}", stdout(&out));
    // `--env` overrides an inherited variable: the guest sees it once.
    let out = run_env_program(
        &["run", "-S", "inherit-env=y", "--env", "KILN_TEST_INHERITED=overridden", "env.wasm"],
        &programs,
    );
    assert!(stdout(&out).contains("[KILN_TEST_INHERITED=overridden]"), "{}", stdout(&out));
    assert!(!stdout(&out).contains(inherited), "{}", stdout(&out));

    for off in [&["run", "env.wasm"][..], &["run", "-S", "inherit-env=n", "env.wasm"]] {
        let out = run_env_program(off, &programs);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(!stdout(&out).contains("KILN_TEST_INHERITED"), "{off:?}: {}", stdout(&out));
    }
}

/// A component, binary or text, is named as one (not reported as a bad
/// core module), with what Kiln runs instead.
#[test]
fn a_component_that_is_not_a_command_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let text = write(dir.path(), "c.wat", "(component)");
    let binary = dir.path().join("c.wasm");
    std::fs::write(&binary, wat::parse_str("(component (core module))").unwrap()).unwrap();
    for file in [text.as_str(), binary.to_str().unwrap()] {
        let out = kiln(&["run", file], dir.path());
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("is not a command: it does not export `wasi:cli/run`"), "{err}");
        assert!(err.contains("--invoke"), "{err}");
    }
}

/// What `kiln run` leaves out stays in the error for embedders: every
/// frame (up to the API's own 10,000 at each end), and the `Display` of
/// the backtrace shows each on a line of its own.
#[test]
fn the_api_keeps_the_frames_the_cli_leaves_out() {
    for strategy in [kiln::Strategy::Interpreter, kiln::Strategy::Cranelift] {
        let mut config = kiln::Config::new();
        config.strategy(strategy);
        let engine = kiln::Engine::new(&config).unwrap();
        let module = kiln::Module::new(&engine, RECURSE).unwrap();
        let mut store = kiln::Store::new(&engine, ());
        let instance = kiln::Instance::new(&mut store, &module, &[]).unwrap();
        let start = instance.get_typed_func::<(), ()>(&mut store, "_start").unwrap();
        let err = start.call(&mut store, ()).unwrap_err();
        assert_eq!(err.downcast_ref::<kiln::Trap>(), Some(&kiln::Trap::StackOverflow), "{strategy:?}");
        let bt = err.downcast_ref::<kiln::WasmBacktrace>().expect("a backtrace");
        let total = bt.frames().len() + bt.frames_omitted();
        assert!(total > 10_000, "{strategy:?}: {total} frames");
        assert!(bt.frames().iter().all(|f| f.func_name() == Some("rec")), "{strategy:?}");

        let text = bt.to_string();
        let lines: Vec<&str> = text.lines().collect();
        // The trap, `wasm backtrace:`, the frames and, if frames were left
        // out, the line that says so.
        let omission_line = usize::from(bt.frames_omitted() > 0);
        assert_eq!(lines.len(), 2 + bt.frames().len() + omission_line, "{strategy:?}");
        assert_eq!(lines[..2], ["wasm trap: call stack exhausted", "wasm backtrace:"], "{strategy:?}");
        let last = lines.last().unwrap().trim_start();
        assert!(last.starts_with(&format!("{}: ", total - 1)) && last.ends_with(" - rec"), "{strategy:?}: {last}");
    }
}
