//! kiln-bench: Kiln's tiers against Wasmtime, wasmi and native code, in one
//! run, on the same programs and inputs. See benches/README.md.
//!
//! ```text
//! cargo run -p kiln-bench --release -- [--quick] [--filter NAME] \
//!     [--engines kiln-interp,kiln-jit,wasmtime,wasmi,native,...] [--runs N]
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Parser;

mod engines;
mod micro;
mod programs;
mod report;
mod wasi;

use engines::{Engine, EngineId, Sample, Simd, WasiRun};
use micro::Micro;
use programs::{Program, PROGRAMS};
use wasi::{WasiProgram, WASI_PROGRAMS};

#[derive(Parser, Debug)]
#[command(name = "kiln-bench", about = "Kiln against Wasmtime, wasmi and native code, in one run")]
struct Args {
    /// Run every program at a tenth of its default size (and the
    /// micro-benchmarks at a tenth of their iterations).
    #[arg(long)]
    quick: bool,

    /// Only programs and micro-benchmarks whose name contains one of these
    /// (comma-separated) strings; "micro" selects all micro-benchmarks,
    /// "programs" all import-free programs, "wasi" all WASI programs,
    /// "component" the component micro-benchmarks.
    #[arg(long, value_delimiter = ',')]
    filter: Vec<String>,

    /// The engines to compare, in any order; the -fuel and -epoch variants
    /// run only when named here.
    #[arg(long, value_delimiter = ',', default_values_t = EngineId::DEFAULT.to_vec())]
    engines: Vec<EngineId>,

    /// Measured runs per program and engine, after one warm-up run; the
    /// tables show the median.
    #[arg(long, default_value_t = 5)]
    runs: usize,

    /// Skip the micro-benchmarks.
    #[arg(long)]
    no_micro: bool,

    /// Where results.json and ratios.svg go [default: target/kiln-bench/].
    #[arg(long)]
    out: Option<PathBuf>,
}

/// `benches/programs/`.
pub fn programs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("programs")
}

/// `target/kiln-bench/` of the workspace.
pub fn out_dir() -> PathBuf {
    workspace_root().join("target").join("kiln-bench")
}

/// The workspace root, the parent of `benches/`.
pub fn workspace_root() -> PathBuf {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The outcome of one engine on one program or micro-benchmark.
pub enum Cell<T> {
    /// The engine does not exist or is not built; the reason.
    Absent(String),
    /// The measurement does not apply to this engine (native micro-benchmarks).
    NotApplicable,
    /// The engine lacks a WebAssembly feature the program needs (SIMD); the
    /// reason. Skipped, not a failure.
    Unsupported(String),
    /// Failed: an error, a trap or a wrong checksum. Fails the whole run.
    Failed(String),
    /// The measured samples, warm-up excluded.
    Ok(Vec<T>),
}

/// What a correct run produces.
pub enum Expected {
    /// An import-free program: the checksum `run(n)` returns.
    Checksum(i64),
    /// A WASI program: exit status 0 and exactly this stdout.
    Output { argv: Vec<String>, stdout: String },
}

/// The outcome of every engine on one program (import-free or WASI).
pub struct ProgramResult {
    pub name: &'static str,
    pub character: &'static str,
    /// Built with `-msimd128` ([`Program::simd`]).
    pub simd: bool,
    /// The size of the module.
    pub wasm_bytes: usize,
    /// `run(n)`'s argument, or a WASI program's size (rows).
    pub n: i32,
    pub expected: Expected,
    /// For WASI programs, [`Sample::checksum`] is the exit status.
    pub cells: BTreeMap<EngineId, Cell<Sample>>,
}

pub struct MicroResult {
    pub micro: Micro,
    pub iterations: u32,
    /// Samples are nanoseconds per operation.
    pub cells: BTreeMap<EngineId, Cell<f64>>,
}

pub struct Results {
    pub quick: bool,
    pub runs: usize,
    pub engines: Vec<(EngineId, String, bool)>,
    pub programs: Vec<ProgramResult>,
    /// The WASI programs ([`wasi::WASI_PROGRAMS`]).
    pub wasi: Vec<ProgramResult>,
    pub micro: Vec<MicroResult>,
    pub elapsed: Duration,
    /// The workspace's git commit when the run started (see report::workspace_git).
    pub git: serde_json::Value,
}

fn selected(filter: &[String], name: &str, group: &str) -> bool {
    filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()) || f == group)
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("kiln-bench: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<bool> {
    anyhow::ensure!(args.runs >= 1, "--runs must be at least 1");
    let start = Instant::now();
    let mut ids = args.engines.clone();
    ids.sort();
    ids.dedup();
    let engines: Vec<(EngineId, Engine)> = ids.iter().map(|&id| (id, Engine::create(id))).collect();

    eprintln!(
        "kiln-bench: {} mode, {} measured run(s) after a warm-up",
        if args.quick { "quick" } else { "full" },
        args.runs
    );
    for (id, engine) in &engines {
        eprintln!("  {:<17} {}", id.name(), engine.version());
    }

    let mut results = Results {
        quick: args.quick,
        runs: args.runs,
        engines: engines.iter().map(|(id, e)| (*id, e.version(), !matches!(e, Engine::Absent(_)))).collect(),
        programs: Vec::new(),
        wasi: Vec::new(),
        micro: Vec::new(),
        elapsed: Duration::ZERO,
        git: report::workspace_git(),
    };

    let programs: Vec<&'static Program> =
        PROGRAMS.iter().filter(|p| selected(&args.filter, p.name, "programs")).collect();
    // Probed once, and only when a SIMD program runs.
    let mut simd: BTreeMap<EngineId, Simd> = BTreeMap::new();
    if programs.iter().any(|p| p.simd) {
        for (id, engine) in &engines {
            if let Engine::Wasm(e) = engine {
                simd.insert(*id, engines::simd_support(e.as_ref()));
            }
        }
    }
    for program in programs {
        results.programs.push(measure_program(program, &engines, &simd, args.quick, args.runs));
    }
    for program in WASI_PROGRAMS.iter().filter(|p| selected(&args.filter, p.name, "wasi")) {
        results.wasi.push(measure_wasi(program, &engines, args.quick, args.runs));
    }
    if !args.no_micro {
        let micros = Micro::ALL.into_iter().filter(|m| {
            selected(&args.filter, m.name(), "micro")
                || (m.is_component() && selected(&args.filter, m.name(), "component"))
        });
        for micro in micros {
            results.micro.push(measure_micro(micro, &engines, args.quick, args.runs)?);
        }
    }
    results.elapsed = start.elapsed();

    print!("{}", report::tables(&results));

    let out = args.out.unwrap_or_else(out_dir);
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let json_path = out.join("results.json");
    std::fs::write(&json_path, serde_json::to_string_pretty(&report::json(&results))?)?;
    let svg_path = out.join("ratios.svg");
    std::fs::write(&svg_path, report::svg(&results))?;
    println!("\nwrote {} and {}", json_path.display(), svg_path.display());
    println!("total time {:.1} s", results.elapsed.as_secs_f64());

    let failures = report::failures(&results);
    if failures.is_empty() {
        Ok(true)
    } else {
        eprintln!();
        eprintln!("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
        eprintln!("kiln-bench: {} FAILURE(S): these results are not valid", failures.len());
        for f in &failures {
            eprintln!("  {f}");
        }
        eprintln!("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
        Ok(false)
    }
}

/// Runs one program on every engine: a warm-up round, then `runs` rounds.
/// Rounds are interleaved across engines, so a change in the machine's load
/// (it is shared) hits every engine alike instead of one engine's samples.
/// A SIMD program skips the wasm engines whose `simd` probe failed.
fn measure_program(
    program: &'static Program,
    engines: &[(EngineId, Engine)],
    simd: &BTreeMap<EngineId, Simd>,
    quick: bool,
    runs: usize,
) -> ProgramResult {
    let (n, expected) = program.size(quick);
    let mut cells: BTreeMap<EngineId, Cell<Sample>> = BTreeMap::new();
    let mut native_exe = None;
    for (id, engine) in engines {
        let cell = match engine {
            Engine::Absent(why) => Cell::Absent(why.clone()),
            Engine::Native(native) => match native.build(program) {
                Ok(exe) => {
                    native_exe = Some(exe);
                    Cell::Ok(Vec::new())
                }
                Err(e) => Cell::Failed(format!("{e:#}")),
            },
            Engine::Wasm(_) if program.simd => match simd.get(id) {
                Some(Simd::Supported) => Cell::Ok(Vec::new()),
                Some(Simd::Unsupported(why)) => Cell::Unsupported(format!("no SIMD: {why}")),
                Some(Simd::Wrong(why)) => Cell::Failed(why.clone()),
                None => Cell::Failed("the SIMD probe did not run".to_string()),
            },
            Engine::Wasm(_) => Cell::Ok(Vec::new()),
        };
        cells.insert(*id, cell);
    }
    for round in 0..=runs {
        for (id, engine) in engines {
            let cell = cells.get_mut(id).unwrap();
            let Cell::Ok(samples) = cell else { continue };
            let sample = match engine {
                Engine::Wasm(e) => e.run_once(program.wasm, n),
                Engine::Native(native) => native.run_once(native_exe.as_deref().unwrap(), n),
                Engine::Absent(_) => unreachable!(),
            };
            match sample {
                Ok(s) if s.checksum != expected => {
                    *cell = Cell::Failed(format!(
                        "CHECKSUM MISMATCH: run({n}) returned {}, expected {expected}",
                        s.checksum
                    ));
                }
                Ok(s) => {
                    if round > 0 {
                        samples.push(s);
                    }
                }
                Err(e) => *cell = Cell::Failed(format!("{e:#}")),
            }
        }
    }
    let result = ProgramResult {
        name: program.name,
        character: program.character,
        simd: program.simd,
        wasm_bytes: program.wasm.len(),
        n,
        expected: Expected::Checksum(expected),
        cells,
    };
    eprintln!("{}", report::progress_line(&result));
    result
}

/// Runs one WASI program on every engine, rounds interleaved as in
/// [`measure_program`]. Each run gets a fresh, empty temporary directory
/// (preopened as `/data` for the wasm engines, passed by its host path to
/// the native build), removed after the run and outside the timing.
fn measure_wasi(
    program: &'static WasiProgram,
    engines: &[(EngineId, Engine)],
    quick: bool,
    runs: usize,
) -> ProgramResult {
    let rows = program.rows(quick);
    let argv = program.argv(rows);
    let expected = program.expected_stdout(rows);
    let native_cc = engines.iter().find_map(|(_, e)| match e {
        Engine::Native(native) => Some(native.compiler()),
        _ => None,
    });
    let built = wasi::build(program, native_cc);
    let mut cells: BTreeMap<EngineId, Cell<Sample>> = BTreeMap::new();
    for (id, engine) in engines {
        let cell = match (engine, &built) {
            (Engine::Absent(why), _) => Cell::Absent(why.clone()),
            (_, Err(e)) => Cell::Failed(format!("{e:#}")),
            (Engine::Native(_), Ok(b)) => match &b.native {
                Some(Ok(_)) => Cell::Ok(Vec::new()),
                Some(Err(e)) => Cell::Failed(format!("{e:#}")),
                None => Cell::Failed("not built natively".to_string()),
            },
            (Engine::Wasm(_), Ok(_)) => Cell::Ok(Vec::new()),
        };
        cells.insert(*id, cell);
    }
    for round in 0..=runs {
        for (id, engine) in engines {
            let cell = cells.get_mut(id).unwrap();
            let Cell::Ok(samples) = cell else { continue };
            let Ok(built) = &built else { unreachable!() };
            let run =
                tempfile::Builder::new().prefix("kiln-bench-wasi-").tempdir().map_err(anyhow::Error::from).and_then(
                    |dir| match engine {
                        Engine::Wasm(e) => e.run_wasi(&built.wasm, &argv, dir.path()),
                        Engine::Native(native) => {
                            let Some(Ok(exe)) = &built.native else { unreachable!() };
                            native.run_process(exe, &program.native_argv(dir.path(), rows))
                        }
                        Engine::Absent(_) => unreachable!(),
                    },
                );
            match run {
                Ok(WasiRun { sample, stdout, stderr }) if sample.checksum != 0 || stdout != expected.as_bytes() => {
                    *cell = Cell::Failed(format!(
                        "WRONG OUTPUT: exit status {}, stdout {:?} (expected exit status 0 and {:?}), stderr {:?}",
                        sample.checksum,
                        String::from_utf8_lossy(&stdout),
                        expected,
                        String::from_utf8_lossy(&stderr),
                    ));
                }
                Ok(WasiRun { sample, .. }) => {
                    if round > 0 {
                        samples.push(sample);
                    }
                }
                Err(e) => *cell = Cell::Failed(format!("{e:#}")),
            }
        }
    }
    let result = ProgramResult {
        name: program.name,
        character: program.character,
        simd: false,
        wasm_bytes: built.as_ref().map(|b| b.wasm.len()).unwrap_or(0),
        n: rows,
        expected: Expected::Output { argv, stdout: expected },
        cells,
    };
    eprintln!("{}", report::progress_line(&result));
    result
}

fn measure_micro(micro: Micro, engines: &[(EngineId, Engine)], quick: bool, runs: usize) -> Result<MicroResult> {
    let wasm = wat::parse_str(micro.wat()).with_context(|| format!("assembling the {} module", micro.name()))?;
    let iterations = micro.iterations(quick);
    let mut cells = BTreeMap::new();
    for (id, engine) in engines {
        let cell = match engine {
            Engine::Absent(why) => Cell::Absent(why.clone()),
            Engine::Native(_) => Cell::NotApplicable,
            Engine::Wasm(e) if micro.is_component() && e.component_support().is_err() => {
                Cell::Unsupported(e.component_support().err().unwrap_or_default())
            }
            Engine::Wasm(e) => {
                let mut per_op = Vec::new();
                let mut failed = None;
                // warm-up at a tenth of the iterations, then the measured runs
                if let Err(err) = e.micro(micro, &wasm, (iterations / 10).max(1)) {
                    failed = Some(err);
                }
                for _ in 0..runs {
                    if failed.is_some() {
                        break;
                    }
                    match e.micro(micro, &wasm, iterations) {
                        Ok(total) => per_op.push(total.as_secs_f64() * 1e9 / f64::from(iterations)),
                        Err(err) => failed = Some(err),
                    }
                }
                match failed {
                    Some(err) => Cell::Failed(format!("{err:#}")),
                    None => Cell::Ok(per_op),
                }
            }
        };
        cells.insert(*id, cell);
    }
    let result = MicroResult { micro, iterations, cells };
    eprintln!("{}", report::micro_progress_line(&result));
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The guests must run without WASI or host functions, and export
    /// `run(i32) -> i64`; checked here too, so a rebuilt .wasm that picked
    /// up an import fails `cargo test`, not only build.sh.
    #[test]
    fn programs_import_nothing_and_export_run() {
        let engine = wasmi::Engine::default();
        for p in PROGRAMS {
            let module = wasmi::Module::new(&engine, p.wasm).unwrap_or_else(|e| panic!("{}: {e}", p.name));
            let imports: Vec<String> = module.imports().map(|i| format!("{}.{}", i.module(), i.name())).collect();
            assert!(imports.is_empty(), "{} imports {imports:?}", p.name);
            let run = module.get_export("run").and_then(|e| e.func().cloned());
            let ty = run.unwrap_or_else(|| panic!("{} exports no function `run`", p.name));
            assert_eq!(ty.params(), &[wasmi::ValType::I32], "{}", p.name);
            assert_eq!(ty.results(), &[wasmi::ValType::I64], "{}", p.name);
        }
    }

    /// build.sh gives `-msimd128` to the `simd_*` programs and to no other,
    /// so the flag and the name must agree; and the scalar programs must
    /// really be scalar (their results predate SIMD, and an engine without
    /// SIMD must run them).
    #[test]
    fn simd_programs_are_the_simd_named_ones() {
        let mut config = wasmi::Config::default();
        config.wasm_simd(false);
        let no_simd = wasmi::Engine::new(&config);
        for p in PROGRAMS {
            assert_eq!(p.simd, p.name.starts_with("simd_"), "{}", p.name);
            let validates_without_simd = wasmi::Module::new(&no_simd, p.wasm).is_ok();
            assert_eq!(validates_without_simd, !p.simd, "{}", p.name);
        }
    }

    #[test]
    fn simd_probe_runs_on_wasmi() {
        assert!(matches!(engines::simd_support(&engines::wasmi::Wasmi::new()), Simd::Supported));
    }

    #[test]
    fn program_names_are_unique_and_sources_exist() {
        for (i, p) in PROGRAMS.iter().enumerate() {
            assert!(PROGRAMS[..i].iter().all(|q| q.name != p.name), "duplicate {}", p.name);
            assert!(programs_dir().join(format!("{}.c", p.name)).exists(), "no source for {}", p.name);
        }
    }

    #[test]
    fn sqlite_expected_output() {
        let sqlite = WASI_PROGRAMS.iter().find(|p| p.name == "sqlite").unwrap();
        let sum: i64 = (0..100_000i64).map(|i| i * 7 % 1000).sum();
        assert_eq!(
            sqlite.expected_stdout(100_000),
            format!("inserted 100000\ncount 100000 sum {sum} v=42 100\nreopened count 100000 sum {sum} last ok\nok\n")
        );
        assert_eq!(sqlite.argv(10), ["driver", "/data/bench.db", "10"]);
    }

    #[test]
    fn micro_modules_assemble() {
        for m in Micro::ALL {
            wat::parse_str(m.wat()).unwrap_or_else(|e| panic!("{}: {e}", m.name()));
        }
        assert_eq!(micro::host_call_checksum(3), 1 + 2 + 3);
    }

    /// The component micro-benchmarks' components assemble, are
    /// components, import exactly what the engines link, and each engine
    /// that has the component model returns ok from `run` (the host import
    /// variant only if the host function really answered); wasmi says it
    /// has no component model. One request each, untimed.
    #[test]
    fn component_micro_commands_return_ok() {
        let components: Vec<Micro> = Micro::ALL.into_iter().filter(|m| m.is_component()).collect();
        assert_eq!(components, [Micro::CommandPerRequest, Micro::CommandPerRequestHost]);
        let mut ran = Vec::new();
        for m in components {
            let wasm = wat::parse_str(m.wat()).unwrap_or_else(|e| panic!("{}: {e}", m.name()));
            // The preamble's layer field: 1 for a component (0 for a module).
            assert_eq!(wasm.get(6..8), Some(&[1u8, 0][..]), "{} is not a component", m.name());
            for id in [EngineId::KilnInterp, EngineId::KilnJit, EngineId::Wasmtime, EngineId::Wasmi] {
                let e = match Engine::create(id) {
                    Engine::Wasm(e) => e,
                    Engine::Absent(why) => {
                        eprintln!("{id} absent: {why}");
                        continue;
                    }
                    Engine::Native(_) => unreachable!(),
                };
                if id == EngineId::Wasmi {
                    assert!(e.component_support().is_err());
                    assert!(e.run_command(m, &wasm).is_err());
                    continue;
                }
                assert_eq!(e.component_support(), Ok(()), "{id}");
                let got = e.run_command(m, &wasm).unwrap_or_else(|err| panic!("{} on {id}: {err:#}", m.name()));
                assert_eq!(got, Ok(()), "{} on {id}: run returned err", m.name());
                ran.push((m, id));
            }
        }
        // Wasmtime is always built; Kiln's columns whenever its feature is.
        assert!(ran.contains(&(Micro::CommandPerRequestHost, EngineId::Wasmtime)));
        #[cfg(feature = "kiln")]
        assert!(ran.contains(&(Micro::CommandPerRequestHost, EngineId::KilnInterp)));
    }

    /// The host import variant reports a host function that answers wrong
    /// as `err`, so the test above really checks the round trip.
    #[test]
    fn component_host_variant_detects_a_wrong_answer() {
        let wat = micro::COMMAND_HOST_WAT.replace("(i32.const 42)", "(i32.const 43)");
        assert_ne!(wat, micro::COMMAND_HOST_WAT);
        let wasm = wat::parse_str(&wat).unwrap();
        for id in [EngineId::KilnInterp, EngineId::Wasmtime] {
            let Engine::Wasm(e) = Engine::create(id) else { continue };
            let got = e.run_command(Micro::CommandPerRequestHost, &wasm).unwrap_or_else(|err| panic!("{id}: {err:#}"));
            assert_eq!(got, Err(()), "{id}");
        }
    }

    #[test]
    fn medians_and_formats() {
        assert_eq!(report::median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(report::median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(report::fmt_secs(1.234), "1.23 s");
        assert_eq!(report::fmt_secs(0.0456), "45.6 ms");
        assert_eq!(report::fmt_secs(123e-6), "123 µs");
        assert_eq!(report::fmt_secs(3.5e-9), "3.50 ns");
        assert_eq!(report::fmt_ratio(12.34), "12.3×");
    }
}
