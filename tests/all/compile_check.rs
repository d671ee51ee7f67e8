//! Arbitrary bytes must not crash, hang or exhaust the host: every tier's
//! `Module::new` returns `Ok` or `Err` (never panics), the tiers agree on
//! which, and on the phase that refused a module (malformed, invalid,
//! unsupported), and each input stays within a time bound. A module that
//! compiles and has no imports is also instantiated under fuel and a store
//! limiter, and its exports are called with default arguments in every
//! tier: no panic, the same outcome (up to the licensed differences: NaN
//! bit patterns, where the stack runs out).
//!
//! The bytes come from [`input`]: raw, or a wasm-smith module mutated so
//! that it gets past the header and deep into the decoder and validator.
//!
//! Shared by the seeded test (`compile_fuzz.rs`) and the cargo-fuzz target
//! (`fuzz/fuzz_targets/compile.rs`), so it names nothing of the test crate.
//! Peak memory is measured by the fuzz target (its counting allocator), not
//! here: a global allocator in the shared test binary would count every
//! test running in parallel.

use arbitrary::Unstructured;
use kiln::{
    CompileError, CompileErrorKind, Config, Engine, Extern, Instance, Module, Store, StoreLimits, StoreLimitsBuilder,
    Strategy, Trap, Val, ValType,
};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

/// Fuel for the start function and for each call: enough to run real
/// code, small enough that an input never runs for long.
const FUEL: u64 = 20_000;

/// What one linear memory and the tables of a store may take: a mutated
/// limit (a memory of 65536 pages, a table of 2^32 - 1 elements) is
/// refused at instantiation or growth, as an embedder that hosts untrusted
/// code would configure it.
const MEMORY_BYTES: usize = 64 << 20;
const TABLE_ELEMENTS: usize = 100_000;

/// Exports called per module, at most (a mutated module may export
/// thousands of functions).
const MAX_CALLS: usize = 50;

/// The engines of every tier available on this host.
pub struct Tiers {
    /// Default configuration (parallel JIT compilation, lazy interpreter
    /// translation), plus the interpreter translating eagerly (second):
    /// the compile check.
    compile: Vec<(&'static str, Engine)>,
    /// Fuel on: modules that compiled are run with these.
    run: Vec<(&'static str, Engine)>,
}

impl Tiers {
    /// The interpreter, and the JIT where the host supports it.
    pub fn new() -> Tiers {
        let mut tiers = Tiers { compile: Vec::new(), run: Vec::new() };
        for (name, strategy) in [("interpreter", Strategy::Interpreter), ("JIT", Strategy::Cranelift)] {
            let mut config = Config::new();
            config.strategy(strategy);
            // `Engine::new` refuses the JIT on hosts it does not support.
            let Ok(engine) = Engine::new(&config) else { continue };
            tiers.compile.push((name, engine));
            // Compiled on the calling thread: run engines compile each
            // module a second time, and a thread per core per module would
            // slow the fuzzer down for nothing.
            config.consume_fuel(true).parallel_compilation(false);
            tiers.run.push((name, Engine::new(&config).expect("the same configuration with fuel")));
        }
        assert!(!tiers.compile.is_empty(), "the interpreter is always available");
        // The interpreter translates lazily by default (validating every
        // body at compile time); eagerly it must refuse exactly the same.
        let mut config = Config::new();
        config.strategy(Strategy::Interpreter).lazy_translation(false);
        tiers.compile.insert(1, ("interpreter (eager translation)", Engine::new(&config).expect("the interpreter")));
        for (name, engine) in tiers.compile.iter().chain(&tiers.run) {
            assert_calls_work(engine, name);
        }
        tiers
    }

    /// How many tiers are compared (1 where there is no JIT).
    pub fn count(&self) -> usize {
        self.run.len()
    }
}

impl Default for Tiers {
    fn default() -> Self {
        Tiers::new()
    }
}

/// Fails loudly when calls into wasm cannot work on this thread, rather
/// than let every call trap with "call stack exhausted", which the check
/// licenses and so would compare nothing. That happened under
/// AddressSanitizer's fake stacks while Kiln took a local's address for
/// the stack pointer (it reads the register now).
fn assert_calls_work(engine: &Engine, what: &str) {
    let module = Module::new(engine, r#"(module (func (export "f") (result i32) i32.const 7))"#).expect("compiles");
    let mut store = Store::new(engine, StoreLimits::default());
    // Refused when fuel is off; needed when it is on.
    let _ = store.set_fuel(FUEL);
    let instance = Instance::new(&mut store, &module, &[]).expect("instantiates");
    let f = instance.get_typed_func::<(), i32>(&mut store, "f").expect("exported");
    let result = f.call(&mut store, ()).map_err(|e| format!("{e:#}"));
    assert_eq!(result, Ok(7), "calling wasm fails in the {what}");
}

/// What one check saw.
#[derive(Clone, Copy, Debug, Default)]
pub struct Checked {
    /// Inputs every tier compiled.
    pub compiled: u64,
    /// Inputs every tier refused, by phase.
    pub malformed: u64,
    pub invalid: u64,
    pub unsupported: u64,
    /// Errors that are not a `CompileError` (from the text parser).
    pub other_errors: u64,
    /// Modules instantiated (in every tier).
    pub instantiated: u64,
    /// Exports called (in every tier), and of those, the calls that trapped.
    pub calls: u64,
    pub traps: u64,
    /// The slowest input's time, summed over the tiers.
    pub slowest: Duration,
}

impl Checked {
    /// Adds another check's counts.
    pub fn add(&mut self, other: &Checked) {
        self.compiled += other.compiled;
        self.malformed += other.malformed;
        self.invalid += other.invalid;
        self.unsupported += other.unsupported;
        self.other_errors += other.other_errors;
        self.instantiated += other.instantiated;
        self.calls += other.calls;
        self.traps += other.traps;
        self.slowest = self.slowest.max(other.slowest);
    }
}

/// The bytes to compile from fuzz input `data`: its first byte picks raw
/// bytes (the rest of `data` as is, or after a wasm header), or a
/// wasm-smith module (with Kiln's proposals or arbitrary ones) mutated by
/// byte flips, insertions, deletions, boundary values and truncation, as
/// the rest of `data` says.
pub fn input(data: &[u8]) -> Vec<u8> {
    let Some((&how, rest)) = data.split_first() else { return Vec::new() };
    match how % 4 {
        0 => rest.to_vec(),
        1 => {
            let mut bytes = b"\0asm\x01\0\0\0".to_vec();
            bytes.extend_from_slice(rest);
            bytes
        }
        _ => {
            let mut u = Unstructured::new(rest);
            let config = if how % 4 == 2 {
                kiln_config()
            } else {
                // Any proposal, including those Kiln refuses as unsupported.
                u.arbitrary().unwrap_or_default()
            };
            let mut bytes = match wasm_smith::Module::new(config, &mut u) {
                Ok(m) => m.to_bytes(),
                Err(_) => return rest.to_vec(),
            };
            // A quarter of the modules intact (they compile and run), the
            // others mutated, most only once (to stay close to valid).
            let mutations = *u.choose(&[0, 0, 1, 1, 1, 1, 2, 3]).unwrap_or(&0);
            for _ in 0..mutations {
                mutate(&mut u, &mut bytes);
            }
            bytes
        }
    }
}

/// Kiln's proposals, imports allowed (they are only compiled, not run).
fn kiln_config() -> wasm_smith::Config {
    wasm_smith::Config {
        simd_enabled: true,
        relaxed_simd_enabled: true,
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        exceptions_enabled: false,
        gc_enabled: false,
        tail_call_enabled: false,
        memory64_enabled: false,
        wide_arithmetic_enabled: false,
        extended_const_enabled: false,
        custom_page_sizes_enabled: false,
        bulk_memory_enabled: true,
        reference_types_enabled: true,
        multi_value_enabled: true,
        saturating_float_to_int_enabled: true,
        sign_extension_ops_enabled: true,
        max_memories: 1,
        max_imports: 3,
        export_everything: true,
        min_types: 1,
        min_funcs: 1,
        max_funcs: 30,
        max_instructions: 300,
        ..wasm_smith::Config::default()
    }
}

/// One mutation of `bytes` (past the 8-byte header, which would only ever
/// be refused at once).
fn mutate(u: &mut Unstructured<'_>, bytes: &mut Vec<u8>) {
    if bytes.len() <= 8 {
        return;
    }
    let at = u.int_in_range(8..=bytes.len() - 1).unwrap_or(8);
    match u.int_in_range(0..=15u8).unwrap_or(0) {
        0..=3 => bytes[at] ^= 1 << u.int_in_range(0..=7u8).unwrap_or(0),
        // Boundary values: LEB128 continuation bits, counts, opcodes'
        // prefixes.
        4..=6 => bytes[at] = *u.choose(&[0x00, 0x01, 0x7f, 0x80, 0xff, 0x40, 0xc0, 0xfc, 0x0b]).unwrap_or(&0),
        7 | 8 => bytes.insert(at, u.arbitrary().unwrap_or(0x80)),
        9 | 10 => {
            bytes.remove(at);
        }
        // Rarely: a truncated binary is refused at its end, without
        // reaching much.
        11 => bytes.truncate(at),
        _ => bytes[at] = u.arbitrary().unwrap_or(0),
    }
}

/// How a compilation ended, comparably across tiers.
#[derive(Debug, PartialEq, Eq)]
enum Compiled {
    Ok,
    Refused(CompileErrorKind),
    /// Not a `CompileError` (the text parser's errors, for input without
    /// the binary magic): the first line of the message.
    Other(String),
}

/// How a call (or an instantiation) ended, comparably across tiers.
#[derive(Debug)]
enum Outcome {
    Values(Vec<Val>),
    Trap(Trap),
    Error(String),
}

fn outcome<T>(result: anyhow::Result<T>, values: impl FnOnce(T) -> Vec<Val>) -> Outcome {
    match result {
        Ok(v) => Outcome::Values(values(v)),
        Err(e) => match e.downcast_ref::<Trap>() {
            Some(t) => Outcome::Trap(*t),
            None => Outcome::Error(format!("{e:#}").lines().next().unwrap_or_default().to_string()),
        },
    }
}

/// Values equal up to NaN bit patterns; references by nullness (they
/// belong to different stores).
fn same_val(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::F32(x), Val::F32(y)) => x == y || (f32::from_bits(*x).is_nan() && f32::from_bits(*y).is_nan()),
        (Val::F64(x), Val::F64(y)) => x == y || (f64::from_bits(*x).is_nan() && f64::from_bits(*y).is_nan()),
        (Val::FuncRef(x), Val::FuncRef(y)) => x.is_none() == y.is_none(),
        (Val::ExternRef(x), Val::ExternRef(y)) => x.is_none() == y.is_none(),
        (Val::I32(x), Val::I32(y)) => x == y,
        (Val::I64(x), Val::I64(y)) => x == y,
        (Val::V128(x), Val::V128(y)) => x == y,
        _ => false,
    }
}

/// Whether two outcomes agree; `None` when the stack ran out in one tier
/// (where it runs out may differ, and after that so may the state).
fn agree(a: &Outcome, b: &Outcome) -> Option<bool> {
    Some(match (a, b) {
        (Outcome::Trap(Trap::StackOverflow), _) | (_, Outcome::Trap(Trap::StackOverflow)) => return None,
        (Outcome::Values(p), Outcome::Values(q)) => p.len() == q.len() && p.iter().zip(q).all(|(p, q)| same_val(p, q)),
        (Outcome::Trap(p), Outcome::Trap(q)) => p == q,
        (Outcome::Error(p), Outcome::Error(q)) => p == q,
        _ => false,
    })
}

/// Runs `f`, turning a panic into an error naming `what`.
fn no_panic<R>(what: &str, f: impl FnOnce() -> R) -> Result<R, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let msg = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        format!("{what} panicked: {msg}")
    })
}

/// One tier's run of a module: its store and instance.
struct Run {
    store: Store<StoreLimits>,
    instance: Instance,
}

fn instantiate(engine: &Engine, module: &Module) -> (Outcome, Option<Run>) {
    let limits = StoreLimitsBuilder::new().memory_size(MEMORY_BYTES).table_elements(TABLE_ELEMENTS).build();
    let mut store = Store::new(engine, limits);
    store.limiter(|limits| limits);
    store.set_fuel(FUEL).expect("fuel is on");
    match Instance::new(&mut store, module, &[]) {
        Ok(instance) => (Outcome::Values(Vec::new()), Some(Run { store, instance })),
        Err(e) => (outcome::<()>(Err(e), |_| Vec::new()), None),
    }
}

impl Run {
    fn funcs(&mut self) -> Vec<(String, Vec<ValType>, Vec<ValType>)> {
        let exports: Vec<(String, Extern)> =
            self.instance.exports(&mut self.store).map(|e| (e.name().to_string(), e.into_extern())).collect();
        exports
            .into_iter()
            .filter_map(|(name, ext)| {
                let ty = ext.into_func()?.ty(&self.store);
                Some((name, ty.params().to_vec(), ty.results().to_vec()))
            })
            .take(MAX_CALLS)
            .collect()
    }

    fn call(&mut self, name: &str, params: &[ValType], results: &[ValType]) -> Outcome {
        self.store.set_fuel(FUEL).expect("fuel is on");
        let func = self.instance.get_func(&mut self.store, name).expect("an exported function");
        let args: Vec<Val> = params.iter().map(Val::default_for).collect();
        let mut out: Vec<Val> = results.iter().map(Val::default_for).collect();
        outcome(func.call(&mut self.store, &args, &mut out), |()| out)
    }
}

/// Checks one input: `Err` describes the problem (a panic, tiers that
/// disagree, an input over `time_bound`), with the input.
pub fn check(tiers: &Tiers, bytes: &[u8], time_bound: Duration) -> Result<Checked, String> {
    let describe = |what: String| {
        let shown = match bytes.len() {
            0..=256 => bytes.iter().map(|b| format!("{b:02x}")).collect::<String>(),
            n => format!("{n} bytes, starting {:02x?}", &bytes[..64]),
        };
        let text = wasmprinter::print_bytes(bytes).map(|t| format!("\n{t}")).unwrap_or_default();
        format!("{what}\ninput: {shown}{text}")
    };
    let started = Instant::now();
    let mut checked = Checked::default();

    // Compile in every tier; all must agree.
    let mut compiled = Vec::new();
    for (name, engine) in &tiers.compile {
        let t = Instant::now();
        let result =
            no_panic(&format!("Module::new in the {name}"), || Module::new(engine, bytes)).map_err(describe)?;
        let (result, message) = match result {
            Ok(_) => (Compiled::Ok, None),
            Err(e) => match e.downcast_ref::<CompileError>() {
                Some(ce) => (Compiled::Refused(ce.kind()), Some(ce.clone())),
                None => (Compiled::Other(format!("{e:#}").lines().next().unwrap_or_default().to_string()), None),
            },
        };
        compiled.push((name, result, message, t.elapsed()));
    }
    let (first_name, first, first_error, _) = &compiled[0];
    // Lazy and eager translation (the first two) refuse with the same message too.
    let (eager_name, _, eager_error, _) = &compiled[1];
    if first_error.as_ref().map(|e| e.to_string()) != eager_error.as_ref().map(|e| e.to_string()) {
        return Err(describe(format!("{first_name}: {first_error:?}, {eager_name}: {eager_error:?}")));
    }
    for (name, result, error, _) in &compiled[1..] {
        if result == first {
            continue;
        }
        let shown = |e: &Option<CompileError>| e.as_ref().map(|e| format!(" ({e})")).unwrap_or_default();
        return Err(describe(format!(
            "the tiers disagree: {first:?}{} in the {first_name}, {result:?}{} in the {name}",
            shown(first_error),
            shown(error)
        )));
    }
    match first {
        Compiled::Ok => checked.compiled = 1,
        Compiled::Refused(CompileErrorKind::Malformed) => checked.malformed = 1,
        Compiled::Refused(CompileErrorKind::Invalid) => checked.invalid = 1,
        Compiled::Refused(CompileErrorKind::Unsupported) => checked.unsupported = 1,
        Compiled::Other(_) => checked.other_errors = 1,
    }
    let over_time = |what: &str, checked: &mut Checked| {
        let elapsed = started.elapsed();
        checked.slowest = elapsed;
        match elapsed > time_bound {
            true => {
                let times: Vec<String> = compiled.iter().map(|(n, _, _, t)| format!("{n} compiled in {t:?}")).collect();
                Err(describe(format!("{what} took {elapsed:?} (bound {time_bound:?}; {})", times.join(", "))))
            }
            false => Ok(()),
        }
    };
    over_time("compiling", &mut checked)?;
    if *first != Compiled::Ok {
        return Ok(checked);
    }

    // Run it, when it needs nothing from outside.
    let mut runs = Vec::new();
    for (name, engine) in &tiers.run {
        let module = no_panic(&format!("Module::new with fuel in the {name}"), || Module::new(engine, bytes))
            .map_err(describe)?
            .map_err(|e| describe(format!("compiled without fuel, but not with fuel in the {name}: {e:#}")))?;
        if module.imports().len() > 0 {
            return Ok(checked);
        }
        let (result, run) =
            no_panic(&format!("instantiation in the {name}"), || instantiate(engine, &module)).map_err(describe)?;
        runs.push((name, result, run));
    }
    let (first_name, first, _) = &runs[0];
    for (name, result, _) in &runs[1..] {
        match agree(first, result) {
            None => return Ok(checked),
            Some(true) => {}
            Some(false) => {
                return Err(describe(format!(
                    "instantiation differs: {first:?} in the {first_name}, {result:?} in the {name}"
                )))
            }
        }
    }
    over_time("instantiating", &mut checked)?;
    let mut runs: Vec<(&str, Run)> = runs.into_iter().filter_map(|(name, _, run)| Some((*name, run?))).collect();
    if runs.is_empty() {
        return Ok(checked);
    }
    checked.instantiated = 1;
    let funcs = runs[0].1.funcs();
    for (func, params, results) in &funcs {
        let mut outcomes = Vec::new();
        for (name, run) in &mut runs {
            let what = format!("calling `{func}` in the {name}");
            outcomes.push(no_panic(&what, || run.call(func, params, results)).map_err(describe)?);
        }
        for (i, o) in outcomes.iter().enumerate().skip(1) {
            match agree(&outcomes[0], o) {
                None => return Ok(checked),
                Some(true) => {}
                Some(false) => {
                    return Err(describe(format!(
                        "`{func}` gave {:?} in the {}, {o:?} in the {}",
                        outcomes[0], runs[0].0, runs[i].0
                    )))
                }
            }
        }
        checked.calls += 1;
        checked.traps += matches!(outcomes[0], Outcome::Trap(_)) as u64;
        over_time(&format!("calling `{func}`"), &mut checked)?;
    }
    Ok(checked)
}
