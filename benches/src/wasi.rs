//! WASI programs: real command-line programs (`_start`, files in a
//! preopened directory, stdout) rather than the import-free kernels of
//! [`crate::programs`]. Their `.wasm` is not committed: it is built at run
//! time from sources outside `benches/` (SQLite's amalgamation from the
//! `libsqlite3-sys` crate, our driver in `tests/programs/sqlite/`) and
//! cached in `target/kiln-bench/wasi/`, along with the native build.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

const SETUP: &str = "run benches/setup.sh (clang, lld and wasi-libc for wasm32-wasi)";

/// One WASI program.
pub struct WasiProgram {
    /// Its name in the tables and for `--filter`.
    pub name: &'static str,
    /// What kind of work it does, for the JSON.
    pub character: &'static str,
    /// Rows at the default size.
    pub rows: i32,
    /// Rows with `--quick`.
    pub quick_rows: i32,
}

impl WasiProgram {
    pub fn rows(&self, quick: bool) -> i32 {
        if quick {
            self.quick_rows
        } else {
            self.rows
        }
    }

    /// `argv` of a run (the guest sees the preopened directory as `/data`).
    pub fn argv(&self, rows: i32) -> Vec<String> {
        vec!["driver".to_string(), format!("{GUEST_DIR}/bench.db"), rows.to_string()]
    }

    /// `argv` of the native run, with the host's directory.
    pub fn native_argv(&self, dir: &Path, rows: i32) -> Vec<String> {
        vec![dir.join("bench.db").display().to_string(), rows.to_string()]
    }

    /// Exactly what the driver prints on stdout when it worked.
    pub fn expected_stdout(&self, rows: i32) -> String {
        let values = (0..i64::from(rows)).map(|i| i * 7 % 1000);
        let sum: i64 = values.clone().sum();
        let hits = values.filter(|v| *v == 42).count();
        format!("inserted {rows}\ncount {rows} sum {sum} v=42 {hits}\nreopened count {rows} sum {sum} last ok\nok\n")
    }
}

/// The directory name the guest gets its temporary directory under.
pub const GUEST_DIR: &str = "/data";

pub const WASI_PROGRAMS: &[WasiProgram] = &[WasiProgram {
    name: "sqlite",
    character: "SQLite: create a database file, insert rows in 10k-row transactions, query, close, reopen, check",
    rows: 100_000,
    quick_rows: 10_000,
}];

/// The built artefacts of one WASI program.
pub struct Built {
    pub wasm: Vec<u8>,
    /// The native executable, if a native build was asked for.
    pub native: Option<Result<PathBuf>>,
}

/// Where the WASI builds are cached.
fn cache_dir() -> PathBuf {
    crate::out_dir().join("wasi")
}

/// `tests/programs/sqlite/driver.c`.
fn driver_source() -> PathBuf {
    crate::workspace_root().join("tests").join("programs").join("sqlite").join("driver.c")
}

/// The SQLite amalgamation directory (`sqlite3/`) inside the source of the
/// `libsqlite3-sys` crate, found with `cargo metadata` (it is a
/// dev-dependency of kiln-cli, as in `tests/cli/sqlite.rs`).
fn amalgamation() -> Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_string());
    let out = Command::new(&cargo)
        .args(["metadata", "--format-version", "1"])
        .current_dir(crate::workspace_root())
        .output()
        .with_context(|| format!("running {cargo} metadata"))?;
    if !out.status.success() {
        bail!("cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).context("parsing cargo metadata")?;
    let manifest = meta["packages"]
        .as_array()
        .context("cargo metadata has no packages")?
        .iter()
        .find(|p| p["name"] == "libsqlite3-sys")
        .and_then(|p| p["manifest_path"].as_str())
        .context("libsqlite3-sys is not in the workspace's dependencies (it is a dev-dependency of kiln-cli)")?;
    let dir = Path::new(manifest).parent().context("manifest path")?.join("sqlite3");
    if !dir.join("sqlite3.c").exists() {
        bail!("no sqlite3.c in {}", dir.display());
    }
    Ok(dir)
}

/// The flags shared by the wasm and native builds (as in tests/cli/sqlite.rs).
const SQLITE_FLAGS: &[&str] = &[
    "-O2",
    "-DSQLITE_THREADSAFE=0",
    "-DSQLITE_OMIT_LOAD_EXTENSION",
    "-DSQLITE_OMIT_WAL",
    "-DSQLITE_DEFAULT_LOCKING_MODE=1",
    "-DLONGDOUBLE_TYPE=double",
];

/// The wasm32-wasi build adds wasi-libc's emulations of mmap, getpid,
/// signals and process clocks.
const WASI_EMULATION_DEFINES: &[&str] =
    &["-D_WASI_EMULATED_MMAN", "-D_WASI_EMULATED_GETPID", "-D_WASI_EMULATED_SIGNAL", "-D_WASI_EMULATED_PROCESS_CLOCKS"];
const WASI_EMULATION_LIBS: &[&str] =
    &["-lwasi-emulated-mman", "-lwasi-emulated-getpid", "-lwasi-emulated-signal", "-lwasi-emulated-process-clocks"];

/// FNV-1a, for cache keys (stable across Rust versions, unlike `DefaultHasher`).
fn fnv(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.iter().chain(&[0xff]) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Runs `compiler` with `args` into `out` (through a temporary file, so an
/// interrupted build leaves no truncated artefact) unless `out` exists.
fn build_cached(compiler: &str, args: &[String], out: &Path, what: &str) -> Result<()> {
    if out.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(out.parent().unwrap())?;
    let tmp = out.with_extension("partial");
    eprintln!("  building {what} (cached as {})", out.display());
    let result = Command::new(compiler)
        .args(args)
        .arg("-o")
        .arg(&tmp)
        .output()
        .with_context(|| format!("cannot run {compiler} to build {what}: {SETUP}"))?;
    if !result.status.success() {
        let _ = std::fs::remove_file(&tmp);
        bail!("building {what} failed ({SETUP}):\n{}", String::from_utf8_lossy(&result.stderr));
    }
    std::fs::rename(&tmp, out)?;
    Ok(())
}

/// Builds (or takes from the cache) SQLite with our driver: for wasm32-wasi
/// with clang, and natively with `native_cc` if given (same flags minus the
/// WASI emulations). The cache key covers the amalgamation's version, the
/// driver's text, the flags and the compiler's version.
pub fn build_sqlite(native_cc: Option<(&str, &str)>) -> Result<Built> {
    let src = amalgamation()?;
    let driver = driver_source();
    let driver_text = std::fs::read(&driver).with_context(|| format!("reading {}", driver.display()))?;
    let version =
        src.parent().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut common: Vec<String> = SQLITE_FLAGS.iter().map(|s| s.to_string()).collect();
    common.push(format!("-I{}", src.display()));
    let sources = [src.join("sqlite3.c").display().to_string(), driver.display().to_string()];

    // wasm32-wasi with clang
    let clang_version = Command::new("clang")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .with_context(|| format!("cannot run clang: {SETUP}"))?;
    let mut wasm_args = vec!["--target=wasm32-wasi".to_string()];
    wasm_args.extend(common.iter().cloned());
    wasm_args.extend(WASI_EMULATION_DEFINES.iter().map(|s| s.to_string()));
    wasm_args.extend(sources.iter().cloned());
    wasm_args.extend(WASI_EMULATION_LIBS.iter().map(|s| s.to_string()));
    let key = fnv(&[&driver_text, wasm_args.join(" ").as_bytes(), clang_version.as_bytes()]);
    let wasm_path = cache_dir().join(format!("sqlite-{version}-{key:016x}.wasm"));
    build_cached("clang", &wasm_args, &wasm_path, "SQLite for wasm32-wasi")?;
    let wasm = std::fs::read(&wasm_path)?;

    // natively
    let native = native_cc.map(|(cc, cc_version)| {
        let mut args = common.clone();
        args.extend(sources.iter().cloned());
        args.push("-lm".to_string());
        let key = fnv(&[&driver_text, args.join(" ").as_bytes(), cc.as_bytes(), cc_version.as_bytes()]);
        let exe = cache_dir().join(format!("sqlite-{version}-{key:016x}-native"));
        build_cached(cc, &args, &exe, "SQLite natively").map(|()| exe)
    });
    Ok(Built { wasm, native })
}

/// Builds the program `name` (see [`WASI_PROGRAMS`]).
pub fn build(program: &WasiProgram, native_cc: Option<(&str, &str)>) -> Result<Built> {
    match program.name {
        "sqlite" => build_sqlite(native_cc),
        other => bail!("no build recipe for WASI program {other}"),
    }
}
