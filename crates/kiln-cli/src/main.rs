//! `kiln`: run WebAssembly from the command line.

use anyhow::{bail, Result};
use clap::{Parser, Subcommand, ValueEnum};
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
enum Command {
    /// Run a WebAssembly module: a WASI command (its `_start`), or one
    /// export with `--invoke`. Exits with the guest's exit status; a trap
    /// prints the message and wasm backtrace and exits with 134.
    Run {
        /// Which tier runs the code.
        #[arg(long, value_enum, default_value = "auto")]
        strategy: StrategyArg,
        /// WebAssembly proposal switches, as in Wasmtime: `-W multi-value=n`.
        #[arg(short = 'W', value_name = "NAME[=y|n]")]
        wasm: Vec<String>,
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
        /// The module (.wasm binary or .wat text).
        file: PathBuf,
        /// Arguments for the guest (argv[1..]), or for `--invoke`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
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

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn config(strategy: StrategyArg, wasm: &[String]) -> Result<kiln::Config> {
    let mut config = kiln::Config::new();
    config.strategy(match strategy {
        StrategyArg::Auto => kiln::Strategy::Auto,
        StrategyArg::Interpreter => kiln::Strategy::Interpreter,
        StrategyArg::Cranelift => kiln::Strategy::Cranelift,
    });
    for flag in wasm.iter().flat_map(|w| w.split(',')) {
        let (name, value) = flag.split_once('=').unwrap_or((flag, "y"));
        let enable = match value {
            "y" | "yes" | "true" => true,
            "n" | "no" | "false" => false,
            other => bail!("invalid value `{other}` for -W {name}: expected y or n"),
        };
        config.wasm_feature(name, enable)?;
    }
    Ok(config)
}

fn run() -> Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Run { strategy, wasm, dirs, envs, invoke, preloads, file, args } => {
            let config = config(strategy, &wasm)?;
            let engine = kiln::Engine::new(&config)?;
            let opts = kiln_cli::run::RunOptions { file, args, dirs, envs, invoke, preloads };
            match kiln_cli::run::run(&engine, &opts)? {
                kiln_cli::run::Outcome::Exit(code) => {
                    use std::io::Write;
                    let _ = std::io::stdout().flush();
                    // The guest's status as the process's, as the shell would
                    // see a native program's (truncated to 8 bits by the OS).
                    std::process::exit(code)
                }
                kiln_cli::run::Outcome::Trapped => std::process::exit(kiln_cli::run::TRAP_EXIT_STATUS),
            }
        }
        Command::Wast { strategy, wasm, spec_version, files } => {
            let mut config = config(strategy, &wasm)?;
            config.wasm2_encoding(spec_version == "2.0");
            let mut failed = 0;
            let mut passed = 0;
            for file in &files {
                let report = kiln_cli::wast::run_file(file, &config)?;
                for f in &report.failures {
                    println!("{}:{}: {}", file.display(), f.line, f.message);
                }
                passed += report.passed;
                failed += report.failures.len();
                if !report.wording.is_empty() {
                    println!(
                        "{}: {} passing directives had differently worded errors (information only)",
                        file.display(),
                        report.wording.len()
                    );
                }
            }
            println!("{passed} passed, {failed} failed");
            Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
    }
}
