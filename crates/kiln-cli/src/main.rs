//! `kiln`: run WebAssembly from the command line.

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use kiln_cli::limits::{self, Limits, Spelling};
use kiln_cli::output::{self, StdoutClosed, STDOUT_CLOSED_STATUS};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "kiln", version, about = "A WebAssembly runtime")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum StrategyArg {
    Auto,
    Interpreter,
    Cranelift,
}

#[derive(Subcommand)]
// Parsed once per process: the size of a variant does not matter.
#[allow(clippy::large_enum_variant)]
enum Command {
    /// Run a WebAssembly module: a WASI command (its `_start`), or one
    /// export with `--invoke`. Exits with the guest's exit status (0 to 125;
    /// any other is an error, status 1); a trap, including one from a limit,
    /// prints the message and wasm backtrace and exits with 134.
    Run {
        /// Which tier runs the code.
        #[arg(long, value_enum, default_value = "auto")]
        strategy: StrategyArg,
        /// WebAssembly proposal switches, as in Wasmtime: `-W multi-value=n`;
        /// and Wasmtime's spelling of the limits: `-W fuel=N`,
        /// `-W timeout=DURATION`, `-W max-wasm-stack=BYTES`.
        #[arg(short = 'W', value_name = "NAME[=y|n]|KEY=VALUE")]
        wasm: Vec<String>,
        /// WASI options, as in Wasmtime: `-S inherit-env` passes kiln's
        /// whole environment to the guest.
        #[arg(short = 'S', value_name = "NAME[=y|n]")]
        wasi: Vec<String>,
        #[command(flatten)]
        limits: LimitArgs,
        /// Give the guest a host directory, under its own name or as GUEST.
        #[arg(long = "dir", value_name = "HOST[::GUEST]")]
        dirs: Vec<String>,
        /// Set an environment variable; without a value it is taken from the host.
        #[arg(long = "env", value_name = "NAME[=VALUE]")]
        envs: Vec<String>,
        /// Call this export instead of `_start`, with ARGS as its arguments,
        /// and print its results.
        #[arg(long, value_name = "NAME")]
        invoke: Option<String>,
        /// Instantiate another module first and link it in under NAME.
        #[arg(long = "preload", value_name = "NAME=PATH")]
        preloads: Vec<String>,
        /// Compilation options, as in Wasmtime: `-C cache=n` turns off the
        /// compiled-module cache (on by default, in `$XDG_CACHE_HOME/kiln`
        /// or `~/.cache/kiln`).
        #[arg(short = 'C', value_name = "KEY[=VALUE]")]
        codegen: Vec<String>,
        /// Allow FILE (and preloads) to be precompiled modules made by
        /// `kiln compile`. Their machine code runs as it is: only run
        /// precompiled modules you made or trust.
        #[arg(long)]
        allow_precompiled: bool,
        /// The module (.wasm binary or .wat text; a .cwasm with
        /// `--allow-precompiled`).
        file: PathBuf,
        /// Arguments for the guest (argv[1..]), or for `--invoke`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Compile a module ahead of time into a precompiled module (.cwasm)
    /// that `kiln run --allow-precompiled` runs without compiling it again,
    /// on this host (or one with the same CPU features). Options that
    /// change compiled code (`--strategy`, `-W` proposals, `--fuel`,
    /// `--timeout`) must be the same here and at `kiln run`, which refuses
    /// an artifact compiled otherwise.
    Compile {
        /// Which tier compiles the code.
        #[arg(long, value_enum, default_value = "auto")]
        strategy: StrategyArg,
        /// WebAssembly proposal switches and limits, as for `kiln run`.
        #[arg(short = 'W', value_name = "NAME[=y|n]|KEY=VALUE")]
        wasm: Vec<String>,
        #[command(flatten)]
        limits: LimitArgs,
        /// Where to write the precompiled module [default: FILE with the
        /// extension .cwasm].
        #[arg(short = 'o', long = "output", value_name = "OUT")]
        output: Option<PathBuf>,
        /// The module (.wasm binary or .wat text).
        file: PathBuf,
    },
    /// Run WebAssembly spec-test scripts (.wast).
    Wast {
        /// Which tier runs the code.
        #[arg(long, value_enum, default_value = "auto")]
        strategy: StrategyArg,
        /// WebAssembly proposal switches, as in Wasmtime: `-W multi-value=n`,
        /// `-W bulk-memory` (comma-separated lists are accepted).
        #[arg(short = 'W', value_name = "NAME[=y|n]")]
        wasm: Vec<String>,
        /// The spec version whose binary format decides whether an
        /// out-of-range encoding is malformed (2.0) or invalid (3.0).
        #[arg(long, default_value = "3.0", value_parser = ["2.0", "3.0"])]
        spec_version: String,
        /// The scripts.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

/// The limits of `kiln run`. Each is also a `-W KEY=VALUE` option, as in
/// Wasmtime (`limits::OPTIONS`); `kiln_cli::limits` parses both spellings.
#[derive(Args)]
struct LimitArgs {
    /// Trap once the guest has consumed N units of fuel (one per
    /// instruction that does work, as Wasmtime counts). Also `-W fuel=N`.
    #[arg(long, value_name = "N")]
    fuel: Option<String>,
    /// Trap once the guest has run this long: `500ms`, `2s`, `1m` (a plain
    /// number is seconds). Also `-W timeout=DURATION`.
    #[arg(long, value_name = "DURATION")]
    timeout: Option<String>,
    /// Trap when wasm code uses more stack than this many bytes (`64K`,
    /// `8M` also work). Also `-W max-wasm-stack=BYTES`.
    #[arg(long, value_name = "BYTES")]
    max_wasm_stack: Option<String>,
    /// Cap every linear memory of the guest at this many bytes (`64K`,
    /// `8M`, `1G` also work): growing past it fails as the guest's
    /// `memory.grow` (-1). Also `-W max-memory-size=BYTES`.
    #[arg(long, value_name = "BYTES")]
    max_memory_size: Option<String>,
    /// Cap every table of the guest at N elements. Also
    /// `-W max-table-elements=N`.
    #[arg(long, value_name = "N")]
    max_table_elements: Option<String>,
}

impl LimitArgs {
    /// Adds the limits given as flags to `limits`.
    fn apply(&self, limits: &mut Limits) -> Result<()> {
        let flags = [
            ("fuel", &self.fuel),
            ("timeout", &self.timeout),
            ("max-wasm-stack", &self.max_wasm_stack),
            ("max-memory-size", &self.max_memory_size),
            ("max-table-elements", &self.max_table_elements),
        ];
        for (key, value) in flags {
            if let Some(value) = value {
                limits.set(key, value, Spelling::Flag)?;
            }
        }
        Ok(())
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        // Nothing to say: the reader of stdout has gone (see output.rs).
        Err(e) if e.is::<StdoutClosed>() => ExitCode::from(STDOUT_CLOSED_STATUS),
        Err(e) => {
            output::eprintln(format_args!("error: {e:#}"));
            ExitCode::from(1)
        }
    }
}

fn config(strategy: StrategyArg) -> kiln::Config {
    let mut config = kiln::Config::new();
    config.strategy(match strategy {
        StrategyArg::Auto => kiln::Strategy::Auto,
        StrategyArg::Interpreter => kiln::Strategy::Interpreter,
        StrategyArg::Cranelift => kiln::Strategy::Cranelift,
    });
    config
}

/// Applies the `-W` items (comma-separated lists too): WebAssembly proposal
/// switches (`multi-value=n`) to `config`, limits (`fuel=N`) to `limits`,
/// which only `kiln run` has.
fn apply_w(config: &mut kiln::Config, wasm: &[String], mut limits: Option<&mut Limits>) -> Result<()> {
    for item in wasm.iter().flat_map(|w| w.split(',')) {
        let (name, value) = match item.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (item, None),
        };
        if let Some((_, form)) = limits::OPTIONS.iter().find(|(key, _)| *key == name) {
            let Some(limits) = limits.as_deref_mut() else {
                bail!("-W {name} is an option of `kiln run`, not of `kiln wast`");
            };
            let Some(value) = value else { bail!("-W {name} needs a value: -W {name}={form}") };
            limits.set(name, value, Spelling::W)?;
            continue;
        }
        // Not a limit, so a proposal. Its name is checked before its value,
        // so that a misspelt option (`-W timout=1s`) is reported as the
        // unknown name it is rather than as a bad y/n.
        if let Err(e) = kiln::Config::new().wasm_feature(name, true) {
            let options: Vec<String> = limits::OPTIONS.iter().map(|(key, form)| format!("{key}={form}")).collect();
            return Err(e.context(format!(
                "unknown -W option `{name}`: neither an option of `kiln run` ({}) nor a WebAssembly proposal",
                options.join(", ")
            )));
        }
        let enable = kiln_cli::run::parse_bool(&format!("-W {name}"), value)?;
        config.wasm_feature(name, enable)?;
    }
    Ok(())
}

/// The `-C` keys `kiln run` knows, with the form of their values.
const CODEGEN_OPTIONS: &[(&str, &str)] = &[("cache", "[=y|n]")];

/// Applies the `-C` items (comma-separated lists too). The compiled-module
/// cache is on unless `-C cache=n`.
fn apply_c(config: &mut kiln::Config, items: &[String]) -> Result<()> {
    let mut cache = true;
    for item in items.iter().flat_map(|c| c.split(',')) {
        let (name, value) = match item.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (item, None),
        };
        match name {
            "cache" => cache = kiln_cli::run::parse_bool("-C cache", value)?,
            _ => {
                let known: Vec<String> = CODEGEN_OPTIONS.iter().map(|(k, form)| format!("{k}{form}")).collect();
                bail!("unknown -C option `{name}` (known: {})", known.join(", "));
            }
        }
    }
    config.cache(cache);
    Ok(())
}

/// The arguments with `run` put in when the first names no subcommand:
/// `kiln FILE ARGS...` and `kiln --dir . FILE` are `kiln run ...`, as
/// Wasmtime users type them.
fn with_default_subcommand(mut args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    const OWN: &[&str] = &["run", "compile", "wast", "help", "-h", "--help", "-V", "--version"];
    if let Some(first) = args.get(1).and_then(|a| a.to_str()) {
        if !OWN.contains(&first) {
            args.insert(1, "run".into());
        }
    }
    args
}

fn run() -> Result<ExitCode> {
    let cli = Cli::parse_from(with_default_subcommand(std::env::args_os().collect()));
    match cli.command {
        Command::Run {
            strategy,
            wasm,
            wasi,
            limits: limit_args,
            dirs,
            envs,
            invoke,
            preloads,
            codegen,
            allow_precompiled,
            file,
            args,
        } => {
            let mut config = config(strategy);
            // Flags first, so that a limit also given with -W is reported
            // in the order written.
            let mut limits = Limits::default();
            limit_args.apply(&mut limits)?;
            apply_w(&mut config, &wasm, Some(&mut limits))?;
            limits.configure(&mut config);
            apply_c(&mut config, &codegen)?;
            let wasi = kiln_cli::run::WasiOptions::parse(&wasi)?;
            let engine = kiln::Engine::new(&config)?;
            let opts =
                kiln_cli::run::RunOptions { file, args, dirs, envs, invoke, preloads, wasi, limits, allow_precompiled };
            match kiln_cli::run::run(&engine, &opts)? {
                kiln_cli::run::Outcome::Exit(code) => {
                    use std::io::Write;
                    // Lines we printed are flushed as they end and the
                    // guest's writes as it makes them; a failure here has
                    // nothing left to lose.
                    let _ = std::io::stdout().flush();
                    // The guest's status (0..=125) as the process's.
                    std::process::exit(code)
                }
                kiln_cli::run::Outcome::Trapped => std::process::exit(kiln_cli::run::TRAP_EXIT_STATUS),
                kiln_cli::run::Outcome::Failed => Ok(ExitCode::from(1)),
            }
        }
        Command::Compile { strategy, wasm, limits: limit_args, output, file } => {
            let mut config = config(strategy);
            let mut limits = Limits::default();
            limit_args.apply(&mut limits)?;
            apply_w(&mut config, &wasm, Some(&mut limits))?;
            limits.configure(&mut config);
            let engine = kiln::Engine::new(&config)?;
            let output = output.unwrap_or_else(|| file.with_extension("cwasm"));
            let module = kiln::Module::from_file(&engine, &file)?;
            let bytes = module.serialize()?;
            std::fs::write(&output, bytes).with_context(|| format!("failed to write {}", output.display()))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Wast { strategy, wasm, spec_version, files } => {
            let mut config = config(strategy);
            apply_w(&mut config, &wasm, None)?;
            config.wasm2_encoding(spec_version == "2.0");
            let mut failed = 0;
            let mut passed = 0;
            for file in &files {
                let report = kiln_cli::wast::run_file(file, &config)?;
                for f in &report.failures {
                    output::println(format_args!("{}:{}: {}", file.display(), f.line, f.message))?;
                }
                passed += report.passed;
                failed += report.failures.len();
                if !report.wording.is_empty() {
                    output::println(format_args!(
                        "{}: {} passing directives had differently worded errors (information only)",
                        file.display(),
                        report.wording.len()
                    ))?;
                }
            }
            output::println(format_args!("{passed} passed, {failed} failed"))?;
            Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
    }
}
