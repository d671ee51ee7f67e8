//! The WASI guest programs of `tests/programs/wasi/` under `kiln run`: each
//! must print exactly what it prints through the embedding API (which
//! `crates/kiln-wasi/tests` checks line by line) and exit the same way.

use super::kiln;
use kiln::{Engine, Linker, Module, Store};
use kiln_wasi::{DirPerms, FilePerms, I32Exit, MemoryOutputPipe, WasiCtx, WasiCtxBuilder};
use std::path::{Path, PathBuf};

fn programs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/programs/wasi/wasm")
}

struct Outcome {
    status: Option<i32>,
    stdout: String,
}

/// Runs `name` through the embedding API, as the CLI would: argv[0] is the
/// file name, `dir` (if any) is preopened read-write as `/sandbox`.
fn embedded(name: &str, args: &[&str], env: &[(&str, &str)], dir: Option<&Path>) -> Outcome {
    struct State {
        wasi: WasiCtx,
    }
    let stdout = MemoryOutputPipe::new(1 << 20);
    let mut builder = WasiCtxBuilder::new();
    builder.arg(format!("{name}.wasm")).args(args).envs(env.iter().copied()).stdout(stdout.clone());
    if let Some(dir) = dir {
        builder.preopened_dir(dir, "/sandbox", DirPerms::all(), FilePerms::all()).unwrap();
    }
    let engine = Engine::default();
    let module = Module::from_file(&engine, programs().join(format!("{name}.wasm"))).unwrap();
    let mut linker = Linker::new(&engine);
    kiln_wasi::add_to_linker(&mut linker, |s: &mut State| &mut s.wasi).unwrap();
    let mut store = Store::new(&engine, State { wasi: builder.build() });
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let start = instance.get_typed_func::<(), ()>(&mut store, "_start").unwrap();
    let status = match start.call(&mut store, ()) {
        Ok(()) => Some(0),
        Err(e) => e.downcast_ref::<I32Exit>().map(|e| e.0),
    };
    Outcome { status, stdout: stdout.contents_string() }
}

/// The same through `kiln run` (flags `--env`, `--dir DIR::/sandbox`).
fn cli(name: &str, args: &[&str], env: &[(&str, &str)], dir: Option<&Path>) -> Outcome {
    let mut argv: Vec<String> = vec!["run".into()];
    for (k, v) in env {
        argv.push("--env".into());
        argv.push(format!("{k}={v}"));
    }
    if let Some(dir) = dir {
        argv.push("--dir".into());
        argv.push(format!("{}::/sandbox", dir.display()));
    }
    argv.push(format!("{name}.wasm"));
    argv.extend(args.iter().map(|a| a.to_string()));
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let out = kiln(&argv, &programs());
    Outcome { status: out.status.code(), stdout: String::from_utf8_lossy(&out.stdout).into_owned() }
}

#[track_caller]
fn same(name: &str, args: &[&str], env: &[(&str, &str)], with_dir: bool) {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let embedded = embedded(name, args, env, with_dir.then(|| a.path()));
    let cli = cli(name, args, env, with_dir.then(|| b.path()));
    assert!(!embedded.stdout.is_empty(), "{name} printed nothing");
    assert_eq!(cli.stdout, embedded.stdout, "{name}: kiln run and the embedding API differ");
    assert_eq!(cli.status, embedded.status, "{name}: exit status");
}

#[test]
fn args_env_and_exit_statuses() {
    same("args", &["one", "two words", "", "ünïcode"], &[], false);
    same("env", &[], &[("GREETING", "hello world"), ("EMPTY", ""), ("WITH_EQUALS", "a=b=c")], false);
    for args in [&["return", "0"][..], &["return", "3"], &["exit", "5"], &["proc_exit", "42"]] {
        same("exit", args, &[], false);
    }
}

#[test]
fn files_directories_and_symlinks() {
    for name in ["files", "dirs", "ls", "symlinks", "fdops"] {
        same(name, &[], &[], true);
    }
}

#[test]
fn poll_and_misc() {
    for name in ["poll", "misc"] {
        same(name, &[], &[], true);
    }
}

/// Clocks and random numbers differ from run to run: the same checks must
/// run in the same order with the same outcome, values aside.
#[test]
fn clocks_and_random() {
    let labels = |text: &str| -> Vec<String> {
        text.lines().map(|l| l.split(':').next().unwrap_or_default().to_string()).collect()
    };
    for name in ["clocks", "random"] {
        let embedded = embedded(name, &[], &[], None);
        let cli = cli(name, &[], &[], None);
        assert!(!embedded.stdout.is_empty(), "{name} printed nothing");
        assert_eq!(labels(&cli.stdout), labels(&embedded.stdout), "{name}: {}", cli.stdout);
        assert!(!cli.stdout.contains("FAIL"), "{name}: {}", cli.stdout);
        assert_eq!(cli.status, Some(0));
    }
}
