//! Native code: the same C sources compiled for the host with the same
//! optimisation flags, linked with a small driver (`native_main.c`) that
//! times each call of `run` itself, so process start-up is not measured.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use super::{Sample, WasiRun};
use crate::programs::Program;

pub struct NativeEngine {
    compiler: String,
    compiler_version: String,
    programs_dir: PathBuf,
    out_dir: PathBuf,
}

/// Must match COMMON_CFLAGS in programs/build.sh.
const CFLAGS: &[&str] = &["-O2", "-ffp-contract=off", "-Wall", "-Wextra", "-Werror"];

impl NativeEngine {
    /// Picks the C compiler: `$CC`, else clang (the compiler the wasm
    /// builds use, so both sides get the same optimiser), else `cc`.
    pub fn new() -> Result<Self> {
        let candidates: Vec<String> = match std::env::var("CC") {
            Ok(cc) if !cc.is_empty() => vec![cc],
            _ => vec!["clang".to_string(), "cc".to_string()],
        };
        for compiler in candidates {
            if let Ok(out) = Command::new(&compiler).arg("--version").output() {
                if out.status.success() {
                    let version = String::from_utf8_lossy(&out.stdout).lines().next().unwrap_or("").to_string();
                    return Ok(NativeEngine {
                        compiler,
                        compiler_version: version,
                        programs_dir: crate::programs_dir(),
                        out_dir: crate::out_dir().join("native"),
                    });
                }
            }
        }
        bail!("no C compiler found (set CC, or run benches/setup.sh)")
    }

    pub fn version(&self) -> String {
        format!("{} {} ({})", self.compiler, CFLAGS.join(" "), self.compiler_version)
    }

    /// The compiler and its `--version` line (for WASI program builds and
    /// their cache keys).
    pub fn compiler(&self) -> (&str, &str) {
        (&self.compiler, &self.compiler_version)
    }

    /// Runs a natively built WASI program (see [`crate::wasi`]) as a
    /// subprocess with `args` and times the whole process, from spawn to
    /// exit: start-up and exit included, unlike [`Self::run_once`].
    pub fn run_process(&self, exe: &Path, args: &[String]) -> Result<WasiRun> {
        let t0 = Instant::now();
        let out = Command::new(exe).args(args).output().with_context(|| format!("running {}", exe.display()))?;
        let elapsed = t0.elapsed();
        let status = match out.status.code() {
            Some(code) => code,
            None => bail!("{} was killed: {}", exe.display(), out.status),
        };
        Ok(WasiRun {
            sample: Sample { compile: None, instantiate: None, run: elapsed, checksum: i64::from(status) },
            stdout: out.stdout,
            stderr: out.stderr,
        })
    }

    /// Builds the native binary of `program` (always rebuilt: it takes a
    /// fraction of a second and can never be stale).
    pub fn build(&self, program: &Program) -> Result<PathBuf> {
        std::fs::create_dir_all(&self.out_dir)?;
        let exe = self.out_dir.join(program.name);
        let src = self.programs_dir.join(format!("{}.c", program.name));
        let out = Command::new(&self.compiler)
            .args(CFLAGS)
            .arg(&src)
            .arg(self.programs_dir.join("native_main.c"))
            .arg("-o")
            .arg(&exe)
            .arg("-lm")
            .output()
            .with_context(|| format!("running {}", self.compiler))?;
        if !out.status.success() {
            bail!("building {} failed:\n{}", src.display(), String::from_utf8_lossy(&out.stderr));
        }
        Ok(exe)
    }

    /// Runs `run(n)` twice in a fresh process (a warm-up and the measured
    /// call) and returns the measured call.
    pub fn run_once(&self, exe: &Path, n: i32) -> Result<Sample> {
        let out = Command::new(exe)
            .arg(n.to_string())
            .arg("1")
            .output()
            .with_context(|| format!("running {}", exe.display()))?;
        if !out.status.success() {
            bail!("{} exited with {}: {}", exe.display(), out.status, String::from_utf8_lossy(&out.stderr));
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        let last = stdout.lines().last().context("native driver printed nothing")?;
        let mut fields = last.split_whitespace();
        let (Some(checksum), Some(ns), None) = (fields.next(), fields.next(), fields.next()) else {
            bail!("unexpected native driver output: {last:?}");
        };
        Ok(Sample {
            compile: None,
            instantiate: None,
            run: Duration::from_nanos(ns.parse()?),
            checksum: checksum.parse()?,
        })
    }
}
