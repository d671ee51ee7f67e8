//! `kiln run`: run a WASI command (or call an export) from the shell.

use crate::limits::{GuestLimiter, Limits};
use crate::output;
use anyhow::{anyhow, bail, Context, Result};
use kiln::{Engine, Linker, Module, Store, Trap, Val, ValType, WasmBacktrace};
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
    /// `-S` options: how the guest's WASI is set up.
    pub wasi: WasiOptions,
    /// `--fuel`, `--timeout`, `--max-wasm-stack` (or their `-W` forms). The
    /// engine must have been configured with [`Limits::configure`].
    pub limits: Limits,
    /// `--allow-precompiled`: the file (and preloads) may be precompiled
    /// modules (`kiln compile`), whose machine code runs as it is.
    pub allow_precompiled: bool,
}

/// Loads the module at `path`: compiled from a binary or text, or, with
/// `allow_precompiled`, loaded from a precompiled module.
pub fn load_module(engine: &Engine, path: &Path, allow_precompiled: bool) -> Result<Module> {
    let mut head = [0u8; 16];
    let n = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .with_context(|| format!("failed to read {}", path.display()))?;
    if Engine::detect_precompiled(&head[..n]).is_none() {
        return Module::from_file(engine, path);
    }
    if !allow_precompiled {
        bail!(
            "{} is a precompiled module: running one requires `--allow-precompiled` (its machine code runs as it is, \
             so only run precompiled modules you made or trust)",
            path.display()
        );
    }
    // SAFETY: the user vouched for the file with `--allow-precompiled`
    // (Kiln still refuses artifacts of another build, host or
    // configuration), and `kiln` does not change it while it runs.
    unsafe { Module::deserialize_file(engine, path) }
}

/// How a run ended, for the process's exit status.
pub enum Outcome {
    /// The guest finished; its exit status (0 unless it called `proc_exit`),
    /// always in 0..=125: other statuses are an error from [`run`].
    Exit(i32),
    /// The guest trapped (message and backtrace already printed).
    Trapped,
    /// The guest's run ended with an error other than a trap, such as a
    /// host function's (message and backtrace already printed): status 1.
    Failed,
}

/// The `-S` options of `kiln run`, Wasmtime's spelling of WASI settings.
#[derive(Clone, Debug, Default)]
pub struct WasiOptions {
    /// `-S inherit-env`: the guest sees the whole environment of `kiln`
    /// (`--env` adds to it and overrides it).
    pub inherit_env: bool,
}

/// The `-S` keys `kiln run` knows, with the form of their values, for help
/// and errors.
pub const WASI_OPTIONS: &[(&str, &str)] = &[
    ("inherit-env", "[=y|n]"),
    ("cli", "[=y|n]"),
    ("common", "[=y|n]"),
    ("preview2", "[=y|n]"),
    ("inherit-network", "=n"),
];

/// Wasmtime's `-S` keys for what Kiln does not implement, with what is
/// missing: refused by name rather than as unknown.
const UNSUPPORTED_WASI_OPTIONS: &[(&str, &str)] = &[
    ("inherit-network", "WASI networking (wasi:sockets)"),
    ("allow-ip-name-lookup", "WASI networking (wasi:sockets)"),
    ("tcp", "WASI networking (wasi:sockets)"),
    ("udp", "WASI networking (wasi:sockets)"),
    ("network-error-code", "WASI networking (wasi:sockets)"),
    ("tcplisten", "WASI networking (wasi:sockets)"),
    ("http", "wasi:http"),
    ("http-outgoing-body-buffer-chunks", "wasi:http"),
    ("http-outgoing-body-chunk-size", "wasi:http"),
    ("nn", "wasi-nn"),
    ("nn-graph", "wasi-nn"),
    ("threads", "wasi-threads"),
    ("config", "wasi:config"),
    ("config-var", "wasi:config"),
    ("keyvalue", "wasi:keyvalue"),
    ("keyvalue-in-memory-data", "wasi:keyvalue"),
    ("listenfd", "inherited listening sockets"),
    ("p3", "WASI 0.3"),
];

impl WasiOptions {
    /// Parses `-S` items (comma-separated lists too, as Wasmtime takes
    /// them): each key by its own type, an unknown key named with the list
    /// of known ones.
    pub fn parse(items: &[String]) -> Result<WasiOptions> {
        let mut options = WasiOptions::default();
        for item in items.iter().flat_map(|s| s.split(',')) {
            let (name, value) = match item.split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => (item, None),
            };
            match name {
                "inherit-env" => options.inherit_env = parse_bool(&format!("-S {name}"), value)?,
                // WASI is what `kiln run` gives every guest (as Wasmtime's
                // defaults do); these may be named, but not turned off.
                "cli" | "common" | "preview2" => {
                    if !parse_bool(&format!("-S {name}"), value)? {
                        bail!(
                            "-S {name}=n is not supported: Kiln always gives the guest WASI's command-line interfaces"
                        );
                    }
                }
                "inherit-network" if value.is_some() && !parse_bool("-S inherit-network", value)? => {}
                _ if UNSUPPORTED_WASI_OPTIONS.iter().any(|(key, _)| *key == name) => {
                    let what = UNSUPPORTED_WASI_OPTIONS.iter().find(|(key, _)| *key == name).map(|(_, w)| *w);
                    bail!("-S {name} is not supported: Kiln does not implement {} yet", what.unwrap_or("it"));
                }
                _ => {
                    let known: Vec<String> = WASI_OPTIONS.iter().map(|(key, form)| format!("{key}{form}")).collect();
                    bail!("unknown -S option `{name}` (known: {})", known.join(", "));
                }
            }
        }
        Ok(options)
    }
}

/// Parses the value of a yes/no option named `option` (`-S inherit-env`,
/// `-W multi-value`): no value means yes, as in Wasmtime.
pub fn parse_bool(option: &str, value: Option<&str>) -> Result<bool> {
    match value.unwrap_or("y") {
        "y" | "yes" | "true" => Ok(true),
        "n" | "no" | "false" => Ok(false),
        other => bail!("invalid value `{other}` for {option}: expected y or n"),
    }
}

/// Frames of a wasm backtrace `kiln run` prints at each end. A runaway
/// recursion has tens of thousands of frames, which would bury the
/// message; Wasmtime prints about 20 too. The whole backtrace stays in the
/// error for embedders ([`WasmBacktrace::frames`]).
pub const BACKTRACE_FRAMES_AT_EACH_END: usize = 10;

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

pub(crate) struct Host {
    pub(crate) wasi: WasiCtx,
    /// WASI 0.2's resources (streams, descriptors) of a component guest.
    pub(crate) table: kiln::component::ResourceTable,
    /// `--max-memory-size` / `--max-table-elements`, if given.
    pub(crate) limiter: Option<GuestLimiter>,
}

impl kiln_wasi::p2::WasiView for Host {
    fn ctx(&mut self) -> kiln_wasi::p2::WasiCtxView<'_> {
        kiln_wasi::p2::WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
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

/// Runs the module or component on this thread.
fn run_here(engine: &Engine, opts: &RunOptions) -> Result<Outcome> {
    if let Some(component) = crate::run_component::load_component(engine, &opts.file)? {
        if !opts.preloads.is_empty() {
            bail!("--preload is for core modules: {} is a component", opts.file.display());
        }
        return crate::run_component::run(engine, opts, &component, new_store(engine, opts)?);
    }
    let module = load_module(engine, &opts.file, opts.allow_precompiled)?;
    let preloads = opts
        .preloads
        .iter()
        .map(|preload| {
            let (name, path) =
                preload.split_once('=').ok_or_else(|| anyhow!("--preload expects NAME=PATH, got `{preload}`"))?;
            Ok((name, path, load_module(engine, Path::new(path), opts.allow_precompiled)?))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut store = new_store(engine, opts)?;
    run_module(engine, opts, &module, &preloads, &mut store)
}

/// A store for the guest: its WASI context as the options say, and its
/// limits.
pub(crate) fn new_store(engine: &Engine, opts: &RunOptions) -> Result<Store<Host>> {
    let mut builder = WasiCtxBuilder::new();
    builder.inherit_stdio();
    if opts.wasi.inherit_env {
        // Each name once: `--env` overrides the host's value (a guest's
        // `getenv` would find the first of two equal names).
        let given: Vec<&str> =
            opts.envs.iter().map(|e| e.split_once('=').map_or(e.as_str(), |(name, _)| name)).collect();
        for (name, value) in std::env::vars_os() {
            let (name, value) = (name.to_string_lossy(), value.to_string_lossy());
            if !given.contains(&&*name) {
                builder.env(&*name, &*value);
            }
        }
    }
    // argv[0] is the file as given; with --invoke the arguments are the
    // export's, not the guest's argv.
    builder.arg(opts.file.display().to_string());
    if opts.invoke.is_none() {
        builder.args(&opts.args);
    }
    for env in &opts.envs {
        if env.is_empty() || env.starts_with('=') {
            bail!("--env expects NAME[=VALUE], got `{env}`");
        }
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
    let host = Host { wasi: builder.build(), table: kiln::component::ResourceTable::new(), limiter };
    let mut store = Store::new(engine, host);
    if limited {
        store.limiter(|h| h.limiter.as_mut().expect("set with the flags"));
    }
    opts.limits.limit_store(&mut store)?;
    Ok(store)
}

/// Runs the core module `module` (with its `--preload`s).
fn run_module(
    engine: &Engine,
    opts: &RunOptions,
    module: &Module,
    preloads: &[(&str, &str, Module)],
    store: &mut Store<Host>,
) -> Result<Outcome> {
    let mut store = store;
    let mut linker: Linker<Host> = Linker::new(engine);
    kiln_wasi::add_to_linker(&mut linker, |h: &mut Host| &mut h.wasi)?;

    // The clock starts once everything is compiled: --timeout bounds the
    // guest's running time (preloads' start functions included), not
    // compilation. It stops when this function returns.
    let _timer = opts.limits.start_timer(engine, TRAP_EXIT_STATUS)?;

    // Everything that runs guest code is in here, so that its traps and
    // exits are handled alike, preloads' start functions included.
    let outcome = (|| -> Result<Vec<Val>> {
        for (name, path, m) in preloads {
            linker.module(&mut store, name, m).with_context(|| format!("failed to preload `{name}` from {path}"))?;
        }

        // Every import must resolve before any code of the module runs.
        for import in module.imports() {
            if linker.get(&mut store, import.module(), import.name()).is_err() {
                bail!(
                    "unknown import: `{}::{}` of type {} is not provided by WASI or a --preload",
                    import.module(),
                    import.name(),
                    import.ty()
                );
            }
        }

        let instance = linker.instantiate(&mut store, module)?;
        match &opts.invoke {
            Some(name) => {
                let func = instance
                    .get_func(&mut store, name)
                    .ok_or_else(|| anyhow!("the module has no function export named `{name}`"))?;
                let ty = func.ty(&store);
                if ty.params().len() != opts.args.len() {
                    bail!("`{name}` takes {} arguments ({ty}), {} given", ty.params().len(), opts.args.len());
                }
                let args = ty
                    .params()
                    .iter()
                    .zip(&opts.args)
                    .enumerate()
                    .map(|(i, (t, a))| parse_arg(name, i + 1, t, a))
                    .collect::<Result<Vec<_>>>()?;
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
        Err(e) => failure(opts, store, e),
    }
}

/// What a run that ended with the error `e` reports and returns: the
/// guest's exit status for an exit, a printed report for a trap or a host
/// error that left wasm, and `e` itself for other errors (linking).
pub(crate) fn failure(opts: &RunOptions, store: &Store<Host>, e: anyhow::Error) -> Result<Outcome> {
    if let Some(exit) = e.downcast_ref::<I32Exit>() {
        return guest_status(exit.0);
    }
    let trap = e.downcast_ref::<Trap>().copied();
    // Errors that left running wasm code (traps, host functions' errors)
    // carry a backtrace; others (an unknown import, a link error) are
    // ordinary errors of the command.
    if trap.is_none() && e.downcast_ref::<WasmBacktrace>().is_none() {
        return Err(e);
    }
    output::eprintln(format_args!("{}", report(&opts.file, &e)));
    if let Some(why) = trap.and_then(|trap| opts.limits.explain(trap)) {
        output::eprintln(format_args!("error: {why}"));
    }
    if let Some(why) = store.data().limiter.as_ref().and_then(GuestLimiter::explain) {
        output::eprintln(format_args!("error: {why}"));
    }
    Ok(if trap.is_some() { Outcome::Trapped } else { Outcome::Failed })
}

/// What `kiln run` prints for an error that ended the guest's run: the
/// error's messages, outermost first, each once (the trap's own message
/// included), then its wasm backtrace with at most
/// [`BACKTRACE_FRAMES_AT_EACH_END`] frames at each end:
///
/// ```text
/// Error: failed to run main module `x.wat`
///
/// Caused by:
///     wasm trap: unreachable
/// wasm backtrace:
///     0:     0x25 - inner
///     1:     0x2b - <wasm function 1>
/// ```
pub fn report(file: &Path, e: &anyhow::Error) -> String {
    let backtrace = e.downcast_ref::<WasmBacktrace>();
    // The backtrace is a layer of the error whose text is the message of
    // the error it wraps followed by every frame: it is shown below, capped,
    // and its message is the next layer's, so the layer itself is left out.
    let backtrace_text = backtrace.map(|bt| bt.to_string());
    let messages: Vec<String> =
        e.chain().map(|cause| cause.to_string()).filter(|m| Some(m) != backtrace_text.as_ref()).collect();
    let mut out = format!("Error: failed to run main module `{}`\n\nCaused by:", file.display());
    if let [only] = &messages[..] {
        out += &format!("\n    {only}");
    } else {
        for (i, message) in messages.iter().enumerate() {
            out += &format!("\n    {i}: {message}");
        }
    }
    if let Some(bt) = backtrace {
        out += "\n";
        out += &format_backtrace(bt, BACKTRACE_FRAMES_AT_EACH_END);
    }
    out
}

/// The frames of `bt`, as the API's `Display` shows them, but at most
/// `at_each_end` frames at each end of the stack, with a line saying how
/// many are left out between them. Frames are numbered by their depth in
/// the whole stack (innermost 0), frames the API did not keep included.
pub fn format_backtrace(bt: &WasmBacktrace, at_each_end: usize) -> String {
    let frames = bt.frames();
    let total = frames.len() + bt.frames_omitted();
    let mut out = String::from("wasm backtrace:");
    if total <= 2 * at_each_end {
        for (depth, frame) in frames.iter().enumerate() {
            out += &frame_line(depth, frame);
        }
        return out;
    }
    // The API keeps thousands of frames at each end of a deep stack, so
    // both ends asked for here are in `frames`, and the last frame kept is
    // the outermost of the stack.
    for (depth, frame) in frames.iter().enumerate().take(at_each_end) {
        out += &frame_line(depth, frame);
    }
    out += &format!("\n  ... {} frames omitted ...", total - 2 * at_each_end);
    for (j, frame) in frames[frames.len() - at_each_end..].iter().enumerate() {
        out += &frame_line(total - at_each_end + j, frame);
    }
    out
}

/// One frame of a backtrace, on a line of its own: depth, offset in the
/// module binary, module and function names (index without one).
fn frame_line(depth: usize, frame: &kiln::FrameInfo) -> String {
    let mut line = format!("\n  {depth:>3}: ");
    if let Some(offset) = frame.module_offset() {
        line += &format!("{offset:#8x} - ");
    }
    if let Some(module) = frame.module_name() {
        line += &format!("{module}!");
    }
    match frame.func_name() {
        Some(name) => line += name,
        None => line += &format!("<wasm function {}>", frame.func_index()),
    }
    line
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

/// Parses `text` as argument `n` (from 1) of the export `func`, whose type
/// is `ty`, strictly: a number that does not fit the type is an error, never
/// truncated. Integers take the signed and the unsigned range of their
/// width (`-1` and `4294967295` are the same i32), in decimal or with `0x`
/// in hexadecimal; floats take decimal forms, `inf` and `nan`; a v128 is
/// one unsigned 128-bit number (as results are printed).
fn parse_arg(func: &str, n: usize, ty: &ValType, text: &str) -> Result<Val> {
    let bad = |why: String| anyhow!("invalid argument `{text}` (argument {n} of `{func}`): {why}");
    let int = |bits: u32| -> Result<i128> {
        let (min, max) = (-(1i128 << (bits - 1)), (1i128 << bits) - 1);
        match parse_int(text) {
            Some(Some(v)) if (min..=max).contains(&v) => Ok(v),
            Some(_) => Err(bad(format!("out of range for {ty} ({min} to {max})"))),
            None => Err(bad(format!("not an {ty}: expected a whole number, in decimal or hexadecimal with 0x"))),
        }
    };
    let not_float = || bad(format!("not an {ty}: expected a decimal number, inf or nan"));
    // Rust rounds a finite number too large for the type to infinity,
    // which would be a different argument from the one written.
    let finite_unless_inf = |infinite: bool| {
        if infinite && !text.to_ascii_lowercase().contains("inf") {
            return Err(bad(format!("out of range for {ty}")));
        }
        Ok(())
    };
    Ok(match ty {
        // Truncating to the width keeps the bits: 4294967295 is -1.
        ValType::I32 => Val::I32(int(32)? as i32),
        ValType::I64 => Val::I64(int(64)? as i64),
        ValType::F32 => {
            let value = text.parse::<f32>().map_err(|_| not_float())?;
            finite_unless_inf(value.is_infinite())?;
            Val::from(value)
        }
        ValType::F64 => {
            let value = text.parse::<f64>().map_err(|_| not_float())?;
            finite_unless_inf(value.is_infinite())?;
            Val::from(value)
        }
        // As results print: all 128 bits as one unsigned number.
        ValType::V128 => {
            let value = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
                Some(hex) if !hex.starts_with(['+', '-']) => u128::from_str_radix(hex, 16),
                _ if !text.starts_with(['+', '-']) => text.parse::<u128>(),
                _ => return Err(bad("a v128 is written as one unsigned 128-bit number".into())),
            };
            let value = value.map_err(|e| {
                bad(format!("not a v128: expected an unsigned 128-bit number, in decimal or hexadecimal with 0x ({e})"))
            })?;
            Val::V128(kiln::V128::from_u128(value))
        }
        other => bail!(
            "argument {n} of `{func}` has type {other}, which cannot be passed on the command line \
             (only i32, i64, f32, f64 and v128 can)"
        ),
    })
}

/// Parses a whole number: an optional sign, then decimal digits or `0x`
/// and hexadecimal digits. `None`: not such a number; `Some(None)`: too
/// large for an i128 (so for any wasm integer).
fn parse_int(text: &str) -> Option<Option<i128>> {
    let (neg, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (radix, digits) = match unsigned.strip_prefix("0x").or_else(|| unsigned.strip_prefix("0X")) {
        Some(hex) => (16, hex),
        None => (10, unsigned),
    };
    // Checked here rather than left to `from_str_radix`, which takes a
    // second sign (`-+1`).
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let value = i128::from_str_radix(digits, radix).ok();
    Some(value.map(|v| if neg { -v } else { v }))
}

fn format_val(v: &Val) -> String {
    match v {
        Val::I32(x) => x.to_string(),
        Val::I64(x) => x.to_string(),
        Val::F32(bits) => f32::from_bits(*bits).to_string(),
        Val::F64(bits) => f64::from_bits(*bits).to_string(),
        Val::V128(x) => format!("{:#034x}", x.as_u128()),
        Val::FuncRef(None) | Val::ExternRef(None) => "null".to_string(),
        Val::FuncRef(Some(_)) => "<funcref>".to_string(),
        Val::ExternRef(Some(_)) => "<externref>".to_string(),
    }
}
