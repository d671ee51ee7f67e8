//! SQLite, built for wasm32-wasi from the amalgamation the `libsqlite3-sys`
//! crate ships, run end to end with `kiln run`: a database file in a
//! preopened directory, 100,000 rows inserted, queried, reopened, checked.

use super::kiln;
use std::path::{Path, PathBuf};
use std::process::Command;

const SETUP: &str = "run scripts/setup.sh to install clang, lld and wasi-libc for wasm32-wasi";

/// The SQLite amalgamation directory inside the `libsqlite3-sys` source.
fn amalgamation() -> PathBuf {
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo metadata");
    assert!(out.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("cargo metadata JSON");
    let manifest = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .find(|p| p["name"] == "libsqlite3-sys")
        .and_then(|p| p["manifest_path"].as_str())
        .expect("libsqlite3-sys is a dev-dependency of kiln-cli");
    Path::new(manifest).parent().unwrap().join("sqlite3")
}

/// Builds the driver and SQLite for wasm32-wasi once (cached by the sources'
/// identity in the target directory).
fn build() -> PathBuf {
    let src = amalgamation();
    let driver = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/programs/sqlite/driver.c");
    let key = format!(
        "{}-{}",
        src.parent().unwrap().file_name().unwrap().to_string_lossy(),
        std::fs::metadata(&driver).map(|m| m.len()).unwrap_or(0)
    );
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("sqlite-{key}.wasm"));
    if out.exists() {
        return out;
    }
    let tmp = out.with_extension("wasm.partial");
    let status = Command::new("clang")
        .args(["--target=wasm32-wasi", "-O2"])
        .arg(format!("-I{}", src.display()))
        .args([
            "-DSQLITE_THREADSAFE=0",
            "-DSQLITE_OMIT_LOAD_EXTENSION",
            "-DSQLITE_OMIT_WAL",
            "-DSQLITE_DEFAULT_LOCKING_MODE=1",
            "-DLONGDOUBLE_TYPE=double",
            "-D_WASI_EMULATED_MMAN",
            "-D_WASI_EMULATED_GETPID",
            "-D_WASI_EMULATED_SIGNAL",
            "-D_WASI_EMULATED_PROCESS_CLOCKS",
        ])
        .arg(src.join("sqlite3.c"))
        .arg(&driver)
        .arg("-o")
        .arg(&tmp)
        .args([
            "-lwasi-emulated-mman",
            "-lwasi-emulated-getpid",
            "-lwasi-emulated-signal",
            "-lwasi-emulated-process-clocks",
        ])
        .status()
        .unwrap_or_else(|e| panic!("cannot run clang ({e}): {SETUP}"));
    assert!(status.success(), "building SQLite for wasm32-wasi failed: {SETUP}");
    std::fs::rename(&tmp, &out).unwrap();
    out
}

#[test]
fn sqlite_creates_fills_queries_and_reopens_a_database() {
    let wasm = build();
    let data = tempfile::tempdir().unwrap();
    let dir = format!("{}::/data", data.path().display());
    let out = kiln(&["run", "--dir", &dir, wasm.to_str().unwrap(), "/data/test.db"], data.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stdout: {stdout}\nstderr: {stderr}");
    let sum: i64 = (0..100_000i64).map(|i| i * 7 % 1000).sum();
    assert_eq!(
        stdout,
        format!("inserted 100000\ncount 100000 sum {sum} v=42 100\nreopened count 100000 sum {sum} last ok\nok\n")
    );
    let db = std::fs::metadata(data.path().join("test.db")).expect("the database file is on the host");
    assert!(db.len() > 1_000_000, "database of {} bytes", db.len());
}
