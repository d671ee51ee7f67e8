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
