//! Engine configuration: which WebAssembly features are on, which tier runs
//! code, and the limits that protect the host.

use anyhow::{bail, Result};
use wasmparser::WasmFeatures;

/// Which execution tier compiles and runs WebAssembly code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Strategy {
    /// The best tier available on this host: the Cranelift JIT on Linux on
    /// x86_64 and aarch64, the interpreter elsewhere.
    #[default]
    Auto,
    /// The Cranelift JIT: machine code, compiled in parallel when a module
    /// is created. Refused by `Engine::new` on hosts it does not support.
    /// A module with a function Cranelift cannot compile in time and memory
    /// proportional to its size (thousands of nested blocks, blocks or calls
    /// carrying more than 64 values, tens of thousands of locals: hostile
    /// input rather than compiler output) is run by the interpreter instead.
    Cranelift,
    /// The portable interpreter.
    Interpreter,
}

/// Global configuration of an [`Engine`](crate::Engine).
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) features: WasmFeatures,
    pub(crate) strategy: Strategy,
    pub(crate) max_wasm_stack: usize,
    pub(crate) wasm2_encoding: bool,
    pub(crate) memory_reservation: usize,
    pub(crate) parallel_compilation: bool,
    pub(crate) lazy_translation: bool,
    pub(crate) consume_fuel: bool,
    pub(crate) epoch_interruption: bool,
    pub(crate) cache: Option<std::path::PathBuf>,
    pub(crate) portable_dispatch: bool,
}

/// The WebAssembly proposals Kiln implements, all on in a default
/// `Config`: Wasm 2.0 (SIMD included) and relaxed SIMD.
pub(crate) fn supported_features() -> WasmFeatures {
    WasmFeatures::MUTABLE_GLOBAL
        | WasmFeatures::SIMD
        | WasmFeatures::RELAXED_SIMD
        | WasmFeatures::SATURATING_FLOAT_TO_INT
        | WasmFeatures::SIGN_EXTENSION
        | WasmFeatures::REFERENCE_TYPES
        | WasmFeatures::MULTI_VALUE
        | WasmFeatures::BULK_MEMORY
        | WasmFeatures::FLOATS
        | WasmFeatures::GC_TYPES
}

/// Proposals Kiln knows by name: the `-W` flag's vocabulary.
const PROPOSALS: &[(&str, WasmFeatures)] = &[
    ("mutable-global", WasmFeatures::MUTABLE_GLOBAL),
    ("nontrapping-float-to-int", WasmFeatures::SATURATING_FLOAT_TO_INT),
    ("sign-extension", WasmFeatures::SIGN_EXTENSION),
    ("reference-types", WasmFeatures::REFERENCE_TYPES),
    ("multi-value", WasmFeatures::MULTI_VALUE),
    ("bulk-memory", WasmFeatures::BULK_MEMORY),
    ("simd", WasmFeatures::SIMD),
    ("relaxed-simd", WasmFeatures::RELAXED_SIMD),
    ("threads", WasmFeatures::THREADS),
    ("tail-call", WasmFeatures::TAIL_CALL),
    ("multi-memory", WasmFeatures::MULTI_MEMORY),
    ("exceptions", WasmFeatures::EXCEPTIONS),
    ("memory64", WasmFeatures::MEMORY64),
    ("extended-const", WasmFeatures::EXTENDED_CONST),
    ("function-references", WasmFeatures::FUNCTION_REFERENCES),
    ("gc", WasmFeatures::GC),
    ("custom-page-sizes", WasmFeatures::CUSTOM_PAGE_SIZES),
    ("wide-arithmetic", WasmFeatures::WIDE_ARITHMETIC),
];

impl Default for Config {
    fn default() -> Self {
        Config::new()
    }
}

impl Config {
    /// The default configuration: every supported proposal on, the best
    /// tier, a 512 KiB wasm stack.
    pub fn new() -> Config {
        Config {
            features: supported_features(),
            strategy: Strategy::Auto,
            max_wasm_stack: 512 * 1024,
            wasm2_encoding: false,
            memory_reservation: 4 << 30,
            parallel_compilation: true,
            lazy_translation: true,
            consume_fuel: false,
            epoch_interruption: false,
            cache: None,
            portable_dispatch: false,
        }
    }

    /// Makes WebAssembly code consume fuel: every instruction that does work
    /// costs one unit (as Wasmtime counts), and code traps with "all fuel
    /// consumed by WebAssembly" at the next function entry or loop
    /// iteration once the store's fuel ([`Store::set_fuel`]) is used up. The
    /// count is the same in every tier. Off by default: it costs run time.
    ///
    /// [`Store::set_fuel`]: crate::Store::set_fuel
    pub fn consume_fuel(&mut self, enable: bool) -> &mut Self {
        self.consume_fuel = enable;
        self
    }

    /// Makes WebAssembly code check, at every function entry and loop
    /// iteration, whether the engine's epoch ([`Engine::increment_epoch`],
    /// callable from any thread) has reached the store's deadline
    /// ([`Store::set_epoch_deadline`]); if so the store's epoch behaviour
    /// runs: a trap ("interrupt", the default) or a callback that may set a
    /// new deadline ([`Store::epoch_deadline_callback`]). This is how a
    /// host bounds a guest's wall-clock time, more cheaply than with fuel.
    /// Off by default. The deadline starts at 0, so with this on a store
    /// must be given a deadline before it runs code.
    ///
    /// [`Engine::increment_epoch`]: crate::Engine::increment_epoch
    /// [`Store::set_epoch_deadline`]: crate::Store::set_epoch_deadline
    /// [`Store::epoch_deadline_callback`]: crate::Store::epoch_deadline_callback
    pub fn epoch_interruption(&mut self, enable: bool) -> &mut Self {
        self.epoch_interruption = enable;
        self
    }

    /// The interruption checks code compiled under this configuration carries.
    pub(crate) fn interrupts(&self) -> crate::compile::Interrupts {
        crate::compile::Interrupts { fuel: self.consume_fuel, epochs: self.epoch_interruption }
    }

    /// Keeps the machine code of compiled modules in a cache directory
    /// (`$XDG_CACHE_HOME/kiln`, else `$HOME/.cache/kiln`), so compiling a
    /// module compiled before, by this process or another, maps the earlier
    /// code instead of compiling it again: a large module then loads in
    /// milliseconds. Entries are keyed by a hash of the module's binary,
    /// Kiln's build, the host's CPU features and the settings that shape
    /// compiled code; the least recently used go when the directory passes
    /// 1 GiB. Off by default (as in Wasmtime's library; `kiln run` turns it
    /// on). Only the JIT's code is cached; a directory that cannot be
    /// written is simply not used. Whoever can write the directory can
    /// change the code your modules run: keep it private.
    pub fn cache(&mut self, enable: bool) -> &mut Self {
        self.cache = if enable { crate::cache::default_directory() } else { None };
        self
    }

    /// Like [`cache(true)`](Config::cache), in the directory `dir`.
    pub fn cache_directory(&mut self, dir: impl Into<std::path::PathBuf>) -> &mut Self {
        self.cache = Some(dir.into());
        self
    }

    /// Whether the JIT compiles a module's functions on every core (the
    /// default) or on the calling thread only.
    pub fn parallel_compilation(&mut self, enable: bool) -> &mut Self {
        self.parallel_compilation = enable;
        self
    }

    /// Whether the interpreter translates each function to its own code on
    /// the function's first call (`true`, the default, as wasmi does) or
    /// every function when the module is compiled (`false`). Either way
    /// [`Module::new`](crate::Module::new) validates every function body,
    /// so it refuses exactly the same modules with the same errors; lazily,
    /// it costs little more than that validation, and functions a program
    /// never calls are never translated. The price is a translation on each
    /// function's first call, on whichever thread makes it.
    ///
    /// Translate eagerly when a module is compiled once, ahead of time, and
    /// then serves requests whose latency matters: a server that compiles
    /// its modules at start-up and instantiates one per request would
    /// otherwise translate functions while serving its first requests. The
    /// JIT compiles every function when the module is compiled, whatever
    /// this says.
    ///
    /// ```
    /// # fn main() -> anyhow::Result<()> {
    /// let mut config = kiln::Config::new();
    /// config.strategy(kiln::Strategy::Interpreter).lazy_translation(false);
    /// let engine = kiln::Engine::new(&config)?;
    /// // Translated here, not on the first call of `answer`.
    /// let module = kiln::Module::new(&engine, r#"(module (func (export "answer") (result i32) i32.const 42))"#)?;
    /// # let _ = module;
    /// # Ok(())
    /// # }
    /// ```
    pub fn lazy_translation(&mut self, enable: bool) -> &mut Self {
        self.lazy_translation = enable;
        self
    }

    /// Picks the execution tier.
    pub fn strategy(&mut self, strategy: Strategy) -> &mut Self {
        self.strategy = strategy;
        self
    }

    /// The most stack, in bytes, that WebAssembly code may use before it traps
    /// with "call stack exhausted". The interpreter counts its value slots
    /// (8 bytes each) and a fixed overhead per frame against it; compiled
    /// code runs on the calling thread's native stack, so it gets at most
    /// what that thread has left (less a reserve for the host): run wasm on
    /// a thread with a stack at least this big. Every entry into wasm from
    /// the host costs 16 KiB of it.
    pub fn max_wasm_stack(&mut self, size: usize) -> &mut Self {
        self.max_wasm_stack = size;
        self
    }

    /// Turns a proposal on or off by its name (the names `kiln wast -W` and
    /// Wasmtime's `-W` use, e.g. `multi-value`, `bulk-memory`, `simd`).
    /// Turning on a proposal Kiln does not implement yet is accepted here and
    /// refused by [`Engine::new`](crate::Engine::new), with its name.
    pub fn wasm_feature(&mut self, name: &str, enable: bool) -> Result<&mut Self> {
        let Some((_, flag)) = PROPOSALS.iter().find(|(n, _)| *n == name) else {
            let names: Vec<&str> = PROPOSALS.iter().map(|(n, _)| *n).collect();
            bail!("unknown WebAssembly proposal `{name}` (known: {})", names.join(", "));
        };
        self.features.set(*flag, enable);
        Ok(self)
    }

    /// Decodes binaries as the Wasm 2.0 binary format does: memory and
    /// table limits and memory-argument offsets are 32-bit LEB128s, and an
    /// alignment exponent of 32 or more is not an alignment. Such encodings
    /// are then malformed. By default Kiln follows Wasm 3.0, which decodes
    /// them as 64-bit numbers and lets validation refuse values that are
    /// out of range (invalid rather than malformed). The module is rejected
    /// either way; only the phase differs. Off by default; the 2.0 spec
    /// tests turn it on.
    pub fn wasm2_encoding(&mut self, enable: bool) -> &mut Self {
        self.wasm2_encoding = enable;
        self
    }

    /// Runs interpreted code with the interpreter's portable `match` loop
    /// even where its threaded executor is built (x86_64 and aarch64 at
    /// opt-level 2 and up; elsewhere the `match` loop is all there is).
    /// For testing the fallback: it is several times slower.
    #[doc(hidden)]
    pub fn interp_portable_dispatch(&mut self, enable: bool) -> &mut Self {
        self.portable_dispatch = enable;
        self
    }

    /// Address space reserved up front for each 32-bit linear memory, in
    /// bytes (rounded up to whole pages; default 4 GiB, the whole range a
    /// 32-bit memory can address). A memory grows in place within its
    /// reservation; past it, growing copies the memory to a new place.
    /// Lower it where address space is scarce (`ulimit -v`, many
    /// instances); when even the reservation is refused, memories fall back
    /// to reserving only what they need.
    pub fn memory_reservation(&mut self, bytes: u64) -> &mut Self {
        let page = super::vm::WASM_PAGE_SIZE as u64;
        let bytes = bytes.clamp(page, 4 << 30).div_ceil(page) * page;
        self.memory_reservation = bytes as usize;
        self
    }

    /// Turns multi-value on or off.
    pub fn wasm_multi_value(&mut self, enable: bool) -> &mut Self {
        self.features.set(WasmFeatures::MULTI_VALUE, enable);
        self
    }
    /// Turns bulk memory on or off.
    pub fn wasm_bulk_memory(&mut self, enable: bool) -> &mut Self {
        self.features.set(WasmFeatures::BULK_MEMORY, enable);
        self
    }
    /// Turns reference types on or off.
    pub fn wasm_reference_types(&mut self, enable: bool) -> &mut Self {
        self.features.set(WasmFeatures::REFERENCE_TYPES, enable);
        self
    }
    /// Turns 128-bit SIMD (the `v128` type and its instructions) on or off.
    pub fn wasm_simd(&mut self, enable: bool) -> &mut Self {
        self.features.set(WasmFeatures::SIMD, enable);
        self
    }
    /// Turns relaxed SIMD on or off (it needs [`Config::wasm_simd`] too).
    /// Kiln gives each relaxed instruction one deterministic meaning, the
    /// same in every tier and on every host: the spec's deterministic
    /// profile (e.g. `relaxed_madd` is a fused multiply-add, `relaxed_swizzle`
    /// is `swizzle`, `relaxed_laneselect` is `bitselect`).
    pub fn wasm_relaxed_simd(&mut self, enable: bool) -> &mut Self {
        self.features.set(WasmFeatures::RELAXED_SIMD, enable);
        self
    }

    pub(crate) fn check(&self) -> Result<()> {
        let unsupported = self.features - supported_features();
        for (name, flag) in PROPOSALS {
            if unsupported.intersects(*flag) {
                bail!("the WebAssembly proposal `{name}` is not supported by Kiln yet");
            }
        }
        if self.features.contains(WasmFeatures::RELAXED_SIMD) && !self.features.contains(WasmFeatures::SIMD) {
            bail!(
                "the WebAssembly proposal `relaxed-simd` is on but `simd` is off, and relaxed SIMD needs SIMD: \
                 turn both off (`-W simd=n,relaxed-simd=n`, or `Config::wasm_relaxed_simd(false)` as well as \
                 `wasm_simd(false)`) or leave `simd` on"
            );
        }
        if self.strategy == Strategy::Cranelift && !crate::tier::JIT_AVAILABLE {
            bail!("the Cranelift tier does not support this host yet; use Strategy::Interpreter or Strategy::Auto");
        }
        if self.max_wasm_stack < 4096 {
            bail!("max_wasm_stack of {} bytes is too small (at least 4096)", self.max_wasm_stack);
        }
        Ok(())
    }
}
