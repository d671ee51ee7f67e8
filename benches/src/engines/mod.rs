//! The engines under test, each behind the same small interface.
//!
//! A wasm engine implements [`WasmEngine`]; native code is measured by
//! [`native::NativeEngine`], which builds the C programs with the host
//! compiler. An engine that does not exist (yet) is [`Engine::Absent`] with
//! the reason, and is shown as absent in every output: never faked.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use serde::Serialize;

use crate::micro::Micro;

pub mod kiln;
pub mod native;
pub mod wasmi;
pub mod wasmtime;

/// Every engine the harness knows, in the order of the table's columns.
/// The `-fuel` and `-epoch` variants are the engine above them with
/// [`Interruption::Fuel`] or [`Interruption::Epoch`] turned on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EngineId {
    KilnInterp,
    KilnInterpFuel,
    KilnInterpEpoch,
    KilnJit,
    KilnJitFuel,
    KilnJitEpoch,
    Wasmtime,
    WasmtimeFuel,
    WasmtimeEpoch,
    Wasmi,
    Native,
}

impl EngineId {
    /// The engines compared when `--engines` is not given: each engine's
    /// default configuration. The fuel and epoch variants are left out: the
    /// interpreter's two would each take about as long as kiln-interp, most
    /// of a default run, so they would about double it. `--engines` selects
    /// them.
    pub const DEFAULT: [EngineId; 5] =
        [EngineId::KilnInterp, EngineId::KilnJit, EngineId::Wasmtime, EngineId::Wasmi, EngineId::Native];

    pub fn name(self) -> &'static str {
        match self {
            EngineId::KilnInterp => "kiln-interp",
            EngineId::KilnInterpFuel => "kiln-interp-fuel",
            EngineId::KilnInterpEpoch => "kiln-interp-epoch",
            EngineId::KilnJit => "kiln-jit",
            EngineId::KilnJitFuel => "kiln-jit-fuel",
            EngineId::KilnJitEpoch => "kiln-jit-epoch",
            EngineId::Wasmtime => "wasmtime",
            EngineId::WasmtimeFuel => "wasmtime-fuel",
            EngineId::WasmtimeEpoch => "wasmtime-epoch",
            EngineId::Wasmi => "wasmi",
            EngineId::Native => "native",
        }
    }

    pub fn is_wasm(self) -> bool {
        self != EngineId::Native
    }

    /// What this engine's stores interrupt wasm with.
    pub fn interruption(self) -> Interruption {
        match self {
            EngineId::KilnInterpFuel | EngineId::KilnJitFuel | EngineId::WasmtimeFuel => Interruption::Fuel,
            EngineId::KilnInterpEpoch | EngineId::KilnJitEpoch | EngineId::WasmtimeEpoch => Interruption::Epoch,
            _ => Interruption::None,
        }
    }

    /// For a fuel or epoch variant, the same engine without it.
    pub fn base(self) -> Option<EngineId> {
        match self {
            EngineId::KilnInterpFuel | EngineId::KilnInterpEpoch => Some(EngineId::KilnInterp),
            EngineId::KilnJitFuel | EngineId::KilnJitEpoch => Some(EngineId::KilnJit),
            EngineId::WasmtimeFuel | EngineId::WasmtimeEpoch => Some(EngineId::Wasmtime),
            _ => None,
        }
    }
}

/// How an engine can interrupt running wasm (Kiln and Wasmtime have the
/// same API). The harness only measures what the checks cost: a store gets
/// [`FUEL`] or a deadline [`EPOCH_DEADLINE`] epochs ahead, and the epoch is
/// never incremented, so every program runs to completion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interruption {
    /// Neither: the engine's default.
    None,
    /// `Config::consume_fuel(true)`, and `Store::set_fuel(FUEL)`.
    Fuel,
    /// `Config::epoch_interruption(true)`, and
    /// `Store::set_epoch_deadline(EPOCH_DEADLINE)`.
    Epoch,
}

/// The fuel each store gets. Kiln keeps at most `i64::MAX` and Wasmtime
/// takes `u64::MAX`: either is more than any program here consumes.
pub const FUEL: u64 = u64::MAX;

/// Epochs from now to each store's deadline: far away, and small enough
/// that Wasmtime's `current + delta` cannot overflow.
pub const EPOCH_DEADLINE: u64 = u64::MAX / 2;

impl fmt::Display for EngineId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One measured execution of a program.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    /// Bytes to a module ready to instantiate (wasm engines only).
    pub compile: Option<Duration>,
    /// New store + instantiation (wasm engines only).
    pub instantiate: Option<Duration>,
    /// The call of `run(n)`.
    pub run: Duration,
    /// What `run(n)` returned.
    pub checksum: i64,
}

/// One run of a WASI command (`_start`).
#[derive(Clone, Debug)]
pub struct WasiRun {
    /// The phases; `run` is the call of `_start`, and `checksum` is the
    /// exit status (0 when `_start` returns without `proc_exit`).
    pub sample: Sample,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// The capacity of the in-memory stdout and stderr of a WASI run.
pub const WASI_PIPE_CAPACITY: usize = 1 << 20;

/// The interface every wasm engine adapter implements.
pub trait WasmEngine {
    /// A version string for the report, e.g. "wasmtime 48.0.8 (cranelift)".
    fn version(&self) -> String;

    /// Compiles `wasm`, instantiates it in a fresh store (it has no imports)
    /// and calls its export `run(n) -> i64`, timing each phase.
    fn run_once(&self, wasm: &[u8], n: i32) -> Result<Sample>;

    /// Runs `iterations` operations of a micro-benchmark on the module
    /// `wasm` (see [`crate::micro`]) and returns the total time of the
    /// operations only (compilation and setup are excluded). Checks the
    /// results and fails if one is wrong.
    fn micro(&self, micro: Micro, wasm: &[u8], iterations: u32) -> Result<Duration>;

    /// Runs a WASI preview 1 command: compiles `wasm`, instantiates it in a
    /// fresh store with WASI (args `argv`, the host directory `dir`
    /// preopened read-write as [`crate::wasi::GUEST_DIR`], stdout and
    /// stderr in memory, no environment) and calls `_start`, timing each
    /// phase. A `proc_exit(n)` ends the run with exit status n; a trap or
    /// another error is an error.
    fn run_wasi(&self, wasm: &[u8], argv: &[String], dir: &Path) -> Result<WasiRun>;

    /// Whether the engine runs components (the component micro-benchmarks,
    /// [`Micro::is_component`]); `Err` says why not, and those cells are
    /// `unsupported` for it.
    fn component_support(&self) -> Result<(), String>;

    /// One request of a component micro-benchmark, from the bytes: compiles
    /// the component `wasm`, pre-instantiates it (linking
    /// [`crate::micro::host_u32`] if [`Micro::imports_host`]), instantiates
    /// it in a fresh store, looks up `run` in [`crate::micro::RUN_INTERFACE`]
    /// and calls it, and returns what `run` returned. The path
    /// [`WasmEngine::micro`] times, for the tests.
    #[cfg_attr(not(test), allow(dead_code))]
    fn run_command(&self, micro: Micro, wasm: &[u8]) -> Result<CommandResult>;
}

/// What a command's `run: func() -> result` returned.
pub type CommandResult = Result<(), ()>;

/// The timed loop of a component micro-benchmark: `iterations` requests,
/// each of which must return ok.
pub fn time_commands(
    micro: Micro,
    iterations: u32,
    mut request: impl FnMut() -> Result<CommandResult>,
) -> Result<Duration> {
    let mut errs = 0i64;
    let t0 = std::time::Instant::now();
    for _ in 0..iterations {
        if request()?.is_err() {
            errs += 1;
        }
    }
    let elapsed = t0.elapsed();
    check(&format!("{} (runs that returned err)", micro.name()), errs, 0)?;
    Ok(elapsed)
}

/// An engine as the harness sees it.
pub enum Engine {
    Wasm(Box<dyn WasmEngine>),
    Native(native::NativeEngine),
    /// Not available in this build or not written yet; the string says why.
    Absent(String),
}

impl Engine {
    pub fn create(id: EngineId) -> Engine {
        let made: Result<Engine> = match id {
            EngineId::KilnInterp | EngineId::KilnInterpFuel | EngineId::KilnInterpEpoch => {
                kiln::interpreter(id.interruption())
            }
            EngineId::KilnJit | EngineId::KilnJitFuel | EngineId::KilnJitEpoch => kiln::jit(id.interruption()),
            EngineId::Wasmtime | EngineId::WasmtimeFuel | EngineId::WasmtimeEpoch => {
                wasmtime::Wasmtime::new(id.interruption()).map(|e| Engine::Wasm(Box::new(e)))
            }
            EngineId::Wasmi => Ok(Engine::Wasm(Box::new(wasmi::Wasmi::new()))),
            EngineId::Native => native::NativeEngine::new().map(Engine::Native),
        };
        made.unwrap_or_else(|e| Engine::Absent(format!("could not be set up: {e:#}")))
    }

    pub fn version(&self) -> String {
        match self {
            Engine::Wasm(e) => e.version(),
            Engine::Native(n) => n.version(),
            Engine::Absent(why) => format!("absent: {why}"),
        }
    }
}

/// Whether an engine runs 128-bit SIMD, which the `simd_*` programs need
/// (see [`simd_support`]).
pub enum Simd {
    Supported,
    /// It refused the probe module (compile, instantiate or call); why.
    Unsupported(String),
    /// It ran the probe module but computed a wrong value.
    Wrong(String),
}

/// The SIMD probe: `run(n)` adds n to each i32 lane of (1, 2, 3, 4) and
/// returns the low two lanes as an i64, i.e. `(n + 2) << 32 | (n + 1)`.
const SIMD_PROBE_WAT: &str = r#"(module (func (export "run") (param i32) (result i64)
    (i64x2.extract_lane 0 (i32x4.add (i32x4.splat (local.get 0)) (v128.const i32x4 1 2 3 4)))))"#;

/// Runs the SIMD probe on `engine`, so that an engine without SIMD (Kiln
/// before it implements it, wasmi without its `simd` feature) is reported
/// as unsupported for the `simd_*` programs instead of failing them, and
/// one that gains SIMD is measured without a change here.
pub fn simd_support(engine: &dyn WasmEngine) -> Simd {
    let wasm = match wat::parse_str(SIMD_PROBE_WAT) {
        Ok(wasm) => wasm,
        Err(e) => return Simd::Wrong(format!("assembling the SIMD probe: {e}")),
    };
    let n = 40;
    let expected = ((n as i64 + 2) << 32) | (n as i64 + 1);
    match engine.run_once(&wasm, n) {
        Err(e) => Simd::Unsupported(format!("{e:#}")),
        Ok(s) if s.checksum != expected => {
            Simd::Wrong(format!("the SIMD probe returned {}, expected {expected}", s.checksum))
        }
        Ok(_) => Simd::Supported,
    }
}

/// Checks a returned checksum against the expected one.
pub fn check(what: &str, got: i64, want: i64) -> Result<()> {
    if got != want {
        anyhow::bail!("{what}: wrong result {got}, expected {want}");
    }
    Ok(())
}
