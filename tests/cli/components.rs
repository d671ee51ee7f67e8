//! `kiln run` with components: the WASI 0.2 hello world, the preview 1
//! guest programs turned into components with the preview 1 adapter (same
//! output as their core versions, with `--dir` and `--env`), and
//! `--invoke` with WAVE values.

use super::{kiln, write};
use std::path::{Path, PathBuf};
use std::process::Output;

fn components() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/programs/components")
}

fn programs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/programs/wasi/wasm")
}

fn text(out: &Output) -> (String, String) {
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The preview 1 program `name` as a WASI 0.2 command component, written
/// to `dir`.
fn adapt(name: &str, dir: &Path) -> String {
    use wasi_preview1_component_adapter_provider::{
        WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME, WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER,
    };
    let core = std::fs::read(programs().join(format!("{name}.wasm"))).expect("program");
    let component = wit_component::ComponentEncoder::default()
        .module(&core)
        .and_then(|e| e.adapter(WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME, WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER))
        .and_then(|e| e.validate(true).encode())
        .expect("adapt");
    let path = dir.join(format!("{name}.p2wa.wasm"));
    std::fs::write(&path, component).expect("write component");
    path.to_string_lossy().into_owned()
}

#[test]
fn hello_world_runs_as_text_and_binary_with_and_without_run() {
    let dir = tempfile::tempdir().unwrap();
    let wat = components().join("hello.wat");
    let binary = dir.path().join("hello.component.wasm");
    std::fs::write(&binary, wat::parse_file(&wat).unwrap()).unwrap();
    for file in [wat.to_str().unwrap(), binary.to_str().unwrap()] {
        for args in [&["run", file][..], &[file]] {
            let out = kiln(args, dir.path());
            let (stdout, stderr) = text(&out);
            assert_eq!(stdout, "Hello, world!\n", "{args:?}: {stderr}");
            assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        }
    }
}

/// Runs `args` (`kiln run FLAGS FILE ARGS`) once with the core program and
/// once with its component.
fn core_and_component(name: &str, flags: &[&str], args: &[&str], cwd: &Path) -> (Output, Output) {
    // Same-length file names: argv[0] (and the sizes of the argument list)
    // must not differ between the two runs.
    let component = adapt(name, cwd);
    let core = cwd.join(format!("{name}.core.wasm"));
    std::fs::copy(programs().join(format!("{name}.wasm")), &core).expect("copy program");
    let run = |file: &str| {
        let mut argv = vec!["run"];
        argv.extend_from_slice(flags);
        argv.push(file);
        argv.extend_from_slice(args);
        kiln(&argv, cwd)
    };
    (run(core.to_str().unwrap()), run(&component))
}

#[test]
fn adapted_programs_print_what_their_core_versions_print() {
    let dir = tempfile::tempdir().unwrap();
    // argv[0] is the file name as given, which differs (not in length).
    let (core, component) = core_and_component("args", &[], &["one", "two words", "ünï"], dir.path());
    let tail =
        |o: &Output| text(o).0.lines().filter(|l| !l.starts_with("argv[0]")).map(String::from).collect::<Vec<_>>();
    assert_eq!(tail(&component), tail(&core), "{}", text(&component).1);
    assert!(text(&component).0.contains("two words"));
    assert_eq!(component.status.code(), Some(0));

    let (core, component) =
        core_and_component("env", &["--env", "GREETING=hello world", "--env", "EMPTY="], &[], dir.path());
    assert_eq!(text(&component).0, text(&core).0, "{}", text(&component).1);
    assert!(text(&component).0.contains("GREETING=hello world"));

    for name in ["files", "dirs"] {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let core = kiln(
            &[
                "run",
                "--dir",
                &format!("{}::/sandbox", a.path().display()),
                programs().join(format!("{name}.wasm")).to_str().unwrap(),
            ],
            dir.path(),
        );
        let component_file = adapt(name, dir.path());
        let component =
            kiln(&["run", "--dir", &format!("{}::/sandbox", b.path().display()), &component_file], dir.path());
        assert_eq!(component.status.code(), core.status.code(), "{name}: {}", text(&component).1);
        assert!(!text(&core).0.is_empty());
        // The file trees the two runs leave are the same.
        let tree = |p: &Path| {
            let mut names: Vec<String> =
                walk(p).into_iter().map(|q| q.strip_prefix(p).unwrap().display().to_string()).collect();
            names.sort();
            names
        };
        assert_eq!(tree(b.path()), tree(a.path()), "{name}");
    }
}

fn walk(p: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(p).unwrap() {
        let e = e.unwrap().path();
        if e.is_dir() {
            out.extend(walk(&e));
        }
        out.push(e);
    }
    out
}

/// The preview 1 adapter turns any non-zero `proc_exit` into `exit(err)`,
/// which is status 1.
#[test]
fn an_adapted_program_exits_with_the_adapters_status() {
    let dir = tempfile::tempdir().unwrap();
    let (core, component) = core_and_component("exit", &[], &["exit", "5"], dir.path());
    assert_eq!(core.status.code(), Some(5));
    assert_eq!(component.status.code(), Some(1), "{}", text(&component).1);
    let (_, component) = core_and_component("exit", &[], &["return", "0"], dir.path());
    assert_eq!(component.status.code(), Some(0), "{}", text(&component).1);
}

const MATH: &str = r#"(component
  (core module $m
    (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
    (func (export "neg") (param i32) (result i32) (i32.sub (i32.const 0) (local.get 0)))
    (func (export "pick") (param i32 i32) (result i32) (local.get 0)))
  (core instance $i (instantiate $m))
  (func (export "add") (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "add")))
  (func $neg (param "x" s32) (result s32) (canon lift (core func $i "neg")))
  (func $is-some (param "x" (option u8)) (result bool) (canon lift (core func $i "pick")))
  (instance $math (export "neg" (func $neg)) (export "is-some" (func $is-some)))
  (export "kiln:test/math" (instance $math)))"#;

#[test]
fn invoke_calls_a_component_function_with_wave_values() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "math.wat", MATH);
    for (call, want) in [
        ("add(1, 2)", "3\n"),
        ("neg(5)", "-5\n"),
        ("kiln:test/math.neg(-7)", "7\n"),
        ("kiln:test/math#neg(0)", "0\n"),
        ("is-some(some(3))", "true\n"),
        ("is-some(none)", "false\n"),
    ] {
        let out = kiln(&["run", "--invoke", call, &file], dir.path());
        let (stdout, stderr) = text(&out);
        assert_eq!(stdout, want, "{call}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{call}");
    }
    for (call, why) in [
        ("sub(1, 2)", "exports no function `sub`"),
        ("add(1)", "bad arguments for `add`"),
        ("add(1, -2)", "bad arguments for `add`"),
        ("add(1, 2", "not a WAVE function call"),
    ] {
        let out = kiln(&["run", "--invoke", call, &file], dir.path());
        let (_, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{call}");
        assert!(stderr.contains(why), "{call}: {stderr}");
    }
    // Not a command: `run` without --invoke says what to do.
    let out = kiln(&["run", &file], dir.path());
    assert!(text(&out).1.contains("kiln:test/math#neg, kiln:test/math#is-some, add"), "{}", text(&out).1);
}

#[test]
fn missing_wasi_imports_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let file =
        write(dir.path(), "c.wat", r#"(component (import "wasi:sockets/tcp@0.2.0" (instance (export "x" (func)))))"#);
    let out = kiln(&["run", &file], dir.path());
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("wasi:sockets/tcp@0.2.0"), "{stderr}");
}
