//! `kiln run`: run a WASI command (or call an export) from the shell.

use anyhow::{anyhow, bail, Context, Result};
use kiln::{Engine, Linker, Module, Store, Trap, Val, ValType};
use kiln_wasi::{DirPerms, FilePerms, I32Exit, WasiCtx, WasiCtxBuilder};
use std::path::{Path, PathBuf};

/// What `kiln run` was asked to do.
pub struct RunOptions {
    /// The module (.wasm or .wat).
    pub file: PathBuf,
    /// Arguments after the file: argv[1..] of a command, or the wasm
    /// arguments of `--invoke`.
    pub args: Vec<String>,
    /// `--dir HOST[::GUEST]`.
    pub dirs: Vec<String>,
    /// `--env NAME[=VALUE]`.
    pub envs: Vec<String>,
    /// `--invoke NAME`.
    pub invoke: Option<String>,
    /// `--preload NAME=PATH`.
    pub preloads: Vec<String>,
}

/// How a run ended, for the process's exit status.
pub enum Outcome {
    /// The guest finished; its exit status (0 unless it called `proc_exit`).
    Exit(i32),
    /// The guest trapped (message and backtrace already printed).
    Trapped,
}

/// The exit status Wasmtime uses for a trap on Unix (128 + SIGABRT), so test
/// runners that check for it agree.
pub const TRAP_EXIT_STATUS: i32 = 134;

struct Host {
    wasi: WasiCtx,
}

/// Runs the module as the options say.
pub fn run(engine: &Engine, opts: &RunOptions) -> Result<Outcome> {
    let module = Module::from_file(engine, &opts.file)?;
    let mut builder = WasiCtxBuilder::new();
    builder.inherit_stdio();
    // argv[0] is the file as given; with --invoke the arguments are the
    // export's, not the guest's argv.
    builder.arg(opts.file.display().to_string());
    if opts.invoke.is_none() {
        builder.args(&opts.args);
    }
    for env in &opts.envs {
        match env.split_once('=') {
            Some((name, value)) => {
                builder.env(name, value);
            }
            None => {
                if let Ok(value) = std::env::var(env) {
                    builder.env(env, &value);
                }
            }
        }
    }
    for dir in &opts.dirs {
        let (host, guest) = dir.split_once("::").unwrap_or((dir.as_str(), dir.as_str()));
        builder
            .preopened_dir(Path::new(host), guest, DirPerms::all(), FilePerms::all())
            .with_context(|| format!("failed to open directory `{host}` for --dir"))?;
    }
    let mut store = Store::new(engine, Host { wasi: builder.build() });
    let mut linker: Linker<Host> = Linker::new(engine);
    kiln_wasi::add_to_linker(&mut linker, |h: &mut Host| &mut h.wasi)?;

    for preload in &opts.preloads {
        let (name, path) =
            preload.split_once('=').ok_or_else(|| anyhow!("--preload expects NAME=PATH, got `{preload}`"))?;
        let m = Module::from_file(engine, path)?;
        linker.module(&mut store, name, &m).with_context(|| format!("failed to preload `{name}` from {path}"))?;
    }

    // Every import must resolve before any code runs.
    for import in module.imports() {
        if linker.get(&mut store, import.module(), import.name()).is_none() {
            bail!(
                "unknown import: `{}::{}` of type {} is not provided by WASI or a --preload",
                import.module(),
                import.name(),
                import.ty()
            );
        }
    }

    let outcome = (|| -> Result<Vec<Val>> {
        let instance = linker.instantiate(&mut store, &module)?;
        match &opts.invoke {
            Some(name) => {
                let func = instance
                    .get_func(&mut store, name)
                    .ok_or_else(|| anyhow!("the module has no function export named `{name}`"))?;
                let ty = func.ty(&store);
                if ty.params().len() != opts.args.len() {
                    bail!("`{name}` takes {} arguments ({ty}), {} given", ty.params().len(), opts.args.len());
                }
                let args =
                    ty.params().iter().zip(&opts.args).map(|(t, a)| parse_arg(t, a)).collect::<Result<Vec<_>>>()?;
                let mut results: Vec<Val> = ty.results().iter().map(Val::default_for).collect();
                func.call(&mut store, &args, &mut results)?;
                Ok(results)
            }
            None => {
                let start = instance.get_func(&mut store, "_start").or_else(|| instance.get_func(&mut store, ""));
                match start {
                    Some(f) => {
                        f.call(&mut store, &[], &mut [])?;
                        Ok(Vec::new())
                    }
                    // A reactor: `_initialize` ran at instantiation; nothing else to do.
                    None => Ok(Vec::new()),
                }
            }
        }
    })();

    match outcome {
        Ok(results) => {
            for r in results {
                println!("{}", format_val(&r));
            }
            Ok(Outcome::Exit(0))
        }
        Err(e) => {
            if let Some(exit) = e.downcast_ref::<I32Exit>() {
                return Ok(Outcome::Exit(exit.0));
            }
            if e.downcast_ref::<Trap>().is_some() {
                eprintln!("Error: failed to run main module `{}`\n\nCaused by:\n    {e:#}", opts.file.display());
                return Ok(Outcome::Trapped);
            }
            Err(e)
        }
    }
}

fn parse_arg(ty: &ValType, text: &str) -> Result<Val> {
    let bad = || anyhow!("invalid argument `{text}` for a parameter of type {ty}");
    Ok(match ty {
        ValType::I32 => Val::I32(parse_int::<i64>(text).ok_or_else(bad)? as i32),
        ValType::I64 => Val::I64(parse_int::<i128>(text).ok_or_else(bad)? as i64),
        ValType::F32 => Val::from(text.parse::<f32>().map_err(|_| bad())?),
        ValType::F64 => Val::from(text.parse::<f64>().map_err(|_| bad())?),
        other => bail!("cannot pass a {other} argument from the command line"),
    })
}

fn parse_int<T: TryFrom<i128>>(text: &str) -> Option<T> {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let value = match digits.strip_prefix("0x") {
        Some(hex) => i128::from_str_radix(hex, 16).ok()?,
        None => digits.parse::<i128>().ok()?,
    };
    T::try_from(if neg { -value } else { value }).ok()
}

fn format_val(v: &Val) -> String {
    match v {
        Val::I32(x) => x.to_string(),
        Val::I64(x) => x.to_string(),
        Val::F32(bits) => f32::from_bits(*bits).to_string(),
        Val::F64(bits) => f64::from_bits(*bits).to_string(),
        Val::V128(x) => format!("{x:#034x}"),
        Val::FuncRef(None) | Val::ExternRef(None) => "null".to_string(),
        Val::FuncRef(Some(_)) => "<funcref>".to_string(),
        Val::ExternRef(Some(_)) => "<externref>".to_string(),
    }
}
