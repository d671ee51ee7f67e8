//! `kiln run`: run a WASI command (or call an export) from the shell.

use crate::limits::{GuestLimiter, Limits};
use crate::output;
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
    /// `--fuel`, `--timeout`, `--max-wasm-stack` (or their `-W` forms). The
    /// engine must have been configured with [`Limits::configure`].
    pub limits: Limits,
}

/// How a run ended, for the process's exit status.
pub enum Outcome {
    /// The guest finished; its exit status (0 unless it called `proc_exit`),
    /// always in 0..=125: other statuses are an error from [`run`].
    Exit(i32),
    /// The guest trapped (message and backtrace already printed).
    Trapped,
}

/// The exit status Wasmtime uses for a trap on Unix (128 + SIGABRT), so test
/// runners that check for it agree.
pub const TRAP_EXIT_STATUS: i32 = 134;

/// The highest exit status a guest can pass on. WASI gives `proc_exit`
/// statuses from 126 on no meaning, a shell gives 126 and up its own (cannot
/// execute, not found, killed by a signal) and the OS keeps only 8 bits, so
/// as in Wasmtime such a status is an error, not a status to pass on
/// truncated (256 would have read as success).
pub const MAX_GUEST_STATUS: i32 = 125;

/// Stack for the host's own work on the thread that runs a guest with
/// `--max-wasm-stack`, on top of the guest's: as much as a main thread
/// usually has.
const HOST_STACK: usize = 8 << 20;

struct Host {
    wasi: WasiCtx,
    /// `--max-memory-size` / `--max-table-elements`, if given.
    limiter: Option<GuestLimiter>,
}

/// Runs the module as the options say.
pub fn run(engine: &Engine, opts: &RunOptions) -> Result<Outcome> {
    let Some(stack) = &opts.limits.max_wasm_stack else { return run_here(engine, opts) };
    // Compiled code runs on the calling thread's stack and gets at most what
    // is left of it: a `--max-wasm-stack` larger than the main thread's
    // stack would trap early. So the guest gets a thread with room for it.
    let size = stack.value.checked_add(HOST_STACK).ok_or_else(|| anyhow!("{} is too large", stack.written))?;
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new()
            .name("kiln-run".into())
            .stack_size(size)
            .spawn_scoped(scope, || run_here(engine, opts))
            .with_context(|| format!("failed to start a thread with a {size}-byte stack for {}", stack.written))?;
        thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// Runs the module on this thread.
fn run_here(engine: &Engine, opts: &RunOptions) -> Result<Outcome> {
    let module = Module::from_file(engine, &opts.file)?;
    let preloads = opts
        .preloads
        .iter()
        .map(|preload| {
            let (name, path) =
                preload.split_once('=').ok_or_else(|| anyhow!("--preload expects NAME=PATH, got `{preload}`"))?;
            Ok((name, path, Module::from_file(engine, path)?))
        })
        .collect::<Result<Vec<_>>>()?;
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
    let limiter = opts.limits.guest_limiter();
    let limited = limiter.is_some();
    let mut store = Store::new(engine, Host { wasi: builder.build(), limiter });
    if limited {
        store.limiter(|h| h.limiter.as_mut().expect("set with the flags"));
    }
    opts.limits.limit_store(&mut store)?;
    let mut linker: Linker<Host> = Linker::new(engine);
    kiln_wasi::add_to_linker(&mut linker, |h: &mut Host| &mut h.wasi)?;

    // The clock starts once everything is compiled: --timeout bounds the
    // guest's running time (preloads' start functions included), not
    // compilation. It stops when this function returns.
    let _timer = opts.limits.start_timer(engine, TRAP_EXIT_STATUS)?;

    // Everything that runs guest code is in here, so that its traps and
    // exits are handled alike, preloads' start functions included.
    let outcome = (|| -> Result<Vec<Val>> {
        for (name, path, m) in &preloads {
            linker.module(&mut store, name, m).with_context(|| format!("failed to preload `{name}` from {path}"))?;
        }

        // Every import must resolve before any code of the module runs.
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
                output::println(format_args!("{}", format_val(&r)))?;
            }
            Ok(Outcome::Exit(0))
        }
        Err(e) => {
            if let Some(exit) = e.downcast_ref::<I32Exit>() {
                return guest_status(exit.0);
            }
            if let Some(&trap) = e.downcast_ref::<Trap>() {
                output::eprintln(format_args!(
                    "Error: failed to run main module `{}`\n\nCaused by:\n    {e:#}",
                    opts.file.display()
                ));
                if let Some(why) = opts.limits.explain(trap) {
                    output::eprintln(format_args!("error: {why}"));
                }
                if let Some(why) = store.data().limiter.as_ref().and_then(GuestLimiter::explain) {
                    output::eprintln(format_args!("error: {why}"));
                }
                return Ok(Outcome::Trapped);
            }
            Err(e)
        }
    }
}

/// The guest's `proc_exit` status as the process's, if a process can
/// report it (see [`MAX_GUEST_STATUS`]).
fn guest_status(status: i32) -> Result<Outcome> {
    if (0..=MAX_GUEST_STATUS).contains(&status) {
        return Ok(Outcome::Exit(status));
    }
    // WASI's status is unsigned: show what the guest passed.
    bail!(
        "the guest exited with status {}, which a process cannot report (valid statuses are 0 to {MAX_GUEST_STATUS})",
        status as u32
    )
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
