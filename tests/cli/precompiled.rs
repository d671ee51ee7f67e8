//! `kiln compile`, `kiln run --allow-precompiled` and the compiled-module
//! cache of `kiln run`.

use super::{kiln, write};
use std::path::Path;
use std::process::{Command, Output};

const ADD: &str =
    r#"(module (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))"#;

fn text(out: &Output) -> (String, String) {
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Runs `kiln` with its cache in `cache` (as `$XDG_CACHE_HOME`).
fn kiln_cached(args: &[&str], cwd: &Path, cache: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(args)
        .current_dir(cwd)
        .env("XDG_CACHE_HOME", cache)
        .output()
        .expect("run kiln")
}

#[test]
fn compile_then_run_precompiled() {
    let dir = tempfile::tempdir().unwrap();
    let wat = write(dir.path(), "add.wat", ADD);
    let out = kiln(&["compile", &wat, "-o", "add.cwasm"], dir.path());
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(dir.path().join("add.cwasm").is_file());
    let out = kiln(&["run", "--allow-precompiled", "--invoke", "add", "add.cwasm", "40", "2"], dir.path());
    assert_eq!(text(&out), ("42\n".to_string(), String::new()));

    // Without -o, next to the input with the extension `.cwasm`.
    let other = write(dir.path(), "other.wat", ADD);
    let out = kiln(&["compile", &other], dir.path());
    assert!(out.status.success(), "{:?}", text(&out));
    let out = kiln(&["run", "--allow-precompiled", "--invoke", "add", "other.cwasm", "5", "6"], dir.path());
    assert_eq!(text(&out), ("11\n".to_string(), String::new()));

    // A precompiled module runs only when asked for: it is machine code.
    let out = kiln(&["run", "--invoke", "add", "add.cwasm", "1", "2"], dir.path());
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("precompiled") && stderr.contains("--allow-precompiled"), "{stderr}");
}

#[test]
fn a_precompiled_module_for_other_settings_or_another_build_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let wat = write(dir.path(), "add.wat", ADD);
    let out = kiln(&["compile", &wat, "-o", "add.cwasm"], dir.path());
    assert!(out.status.success(), "{:?}", text(&out));

    // Fuel changes the code: an artifact compiled without it is refused.
    let out =
        kiln(&["run", "--allow-precompiled", "--fuel", "100", "--invoke", "add", "add.cwasm", "1", "2"], dir.path());
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("add.cwasm") && stderr.contains("consume_fuel"), "{stderr}");
    // Compiled with the same flag, it runs.
    let out = kiln(&["compile", "--fuel", "100", &wat, "-o", "fuel.cwasm"], dir.path());
    assert!(out.status.success(), "{:?}", text(&out));
    let out =
        kiln(&["run", "--allow-precompiled", "--fuel", "100", "--invoke", "add", "fuel.cwasm", "1", "2"], dir.path());
    assert_eq!(text(&out), ("3\n".to_string(), String::new()));

    // Another build of Kiln: its build id differs.
    let mut bytes = std::fs::read(dir.path().join("add.cwasm")).unwrap();
    let len = u64::from_le_bytes(bytes[12..20].try_into().unwrap()) as usize;
    bytes[20 + len - 1] ^= 1;
    std::fs::write(dir.path().join("other.cwasm"), &bytes).unwrap();
    let out = kiln(&["run", "--allow-precompiled", "--invoke", "add", "other.cwasm", "1", "2"], dir.path());
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("another build of Kiln") && stderr.contains("compile it again"), "{stderr}");
}

#[test]
fn run_caches_compiled_modules_unless_told_not_to() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let wat = write(dir.path(), "add.wat", ADD);
    let entries = || -> usize {
        match std::fs::read_dir(cache.path().join("kiln")) {
            Ok(dir) => dir.filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "kilnc")).count(),
            Err(_) => 0,
        }
    };
    let out = kiln_cached(&["run", "-C", "cache=n", "--invoke", "add", &wat, "1", "2"], dir.path(), cache.path());
    assert_eq!(text(&out), ("3\n".to_string(), String::new()));
    assert_eq!(entries(), 0, "-C cache=n writes nothing");
    if !cfg!(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64"))) {
        return; // only machine code is cached
    }
    for _ in 0..2 {
        let out = kiln_cached(&["run", "--invoke", "add", &wat, "1", "2"], dir.path(), cache.path());
        assert_eq!(text(&out), ("3\n".to_string(), String::new()));
        assert_eq!(entries(), 1, "the cache is on by default, one entry per module and settings");
    }
    let out = kiln_cached(&["run", "-C", "cache=maybe", &wat], dir.path(), cache.path());
    let (_, stderr) = text(&out);
    assert!(stderr.contains("-C cache") && stderr.contains("y or n"), "{stderr}");
}
