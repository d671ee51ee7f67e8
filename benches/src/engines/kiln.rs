//! Kiln's tiers. The adapter is compiled with the `kiln` cargo feature;
//! without it (or for a tier Kiln does not have yet) the engine is reported
//! as absent, with the reason, and never stood in for by another engine.

use anyhow::Result;

use super::{Engine, Interruption};

#[cfg(not(feature = "kiln"))]
const NO_KILN_FEATURE: &str = "not available: kiln-bench was built without its `kiln` feature (--no-default-features)";

/// Kiln's interpreter tier (`Strategy::Interpreter`), with `interruption`.
pub fn interpreter(interruption: Interruption) -> Result<Engine> {
    #[cfg(feature = "kiln")]
    {
        imp::Kiln::create(imp::Tier::Interpreter, interruption)
    }
    #[cfg(not(feature = "kiln"))]
    {
        let _ = interruption;
        Ok(Engine::Absent(NO_KILN_FEATURE.to_string()))
    }
}

/// Kiln's Cranelift tier (`Strategy::Cranelift`), with `interruption`. On a
/// host the tier does not support, `Engine::new` refuses that strategy; the
/// refusal is reported as the reason the engine is absent.
pub fn jit(interruption: Interruption) -> Result<Engine> {
    #[cfg(feature = "kiln")]
    {
        imp::Kiln::create(imp::Tier::Cranelift, interruption)
    }
    #[cfg(not(feature = "kiln"))]
    {
        let _ = interruption;
        Ok(Engine::Absent(NO_KILN_FEATURE.to_string()))
    }
}

#[cfg(feature = "kiln")]
mod imp {
    use std::path::Path;
    use std::time::{Duration, Instant};

    use anyhow::{Context as _, Result};
    use kiln::component;
    use kiln::{Caller, Config, Engine, Instance, Linker, Module, Store, Strategy, Trap};
    use kiln_wasi::{DirPerms, FilePerms, I32Exit, MemoryOutputPipe, WasiCtx, WasiCtxBuilder};

    use crate::engines::{
        check, time_commands, CommandResult, Engine as BenchEngine, Interruption, Sample, WasiRun, WasmEngine,
        EPOCH_DEADLINE, FUEL, WASI_PIPE_CAPACITY,
    };
    use crate::micro::{self, Micro};

    pub enum Tier {
        Interpreter,
        Cranelift,
    }

    pub struct Kiln {
        engine: Engine,
        tier: &'static str,
        interruption: Interruption,
    }

    /// Loops `n` times: what [`Kiln::interrupts`] runs.
    const PROBE_WAT: &str = r#"(module (func (export "run") (param i32) (result i64)
        (loop $l (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
        (i64.const 0)))"#;

    impl Kiln {
        /// The engine, or absent with the reason: `Engine::new` refused the
        /// tier, or the tier does not interrupt code as configured yet.
        pub fn create(tier: Tier, interruption: Interruption) -> Result<BenchEngine> {
            let mut config = Config::new();
            let (strategy, tier) = match tier {
                Tier::Interpreter => (Strategy::Interpreter, "interpreter"),
                Tier::Cranelift => (Strategy::Cranelift, "cranelift"),
            };
            config.strategy(strategy);
            config.consume_fuel(interruption == Interruption::Fuel);
            config.epoch_interruption(interruption == Interruption::Epoch);
            // SIMD is on by default, as in Wasmtime.
            let engine = match Engine::new(&config) {
                Ok(engine) => engine,
                Err(e) => return Ok(BenchEngine::Absent(format!("Engine::new refused Strategy::{strategy:?}: {e:#}"))),
            };
            let kiln = Kiln { engine, tier, interruption };
            if !kiln.interrupts()? {
                return Ok(BenchEngine::Absent(format!(
                    "Kiln's {tier} tier ignores {}(true) (yet): a loop that should have trapped ran to completion",
                    if interruption == Interruption::Fuel { "consume_fuel" } else { "epoch_interruption" }
                )));
            }
            Ok(BenchEngine::Wasm(Box::new(kiln)))
        }

        /// A new store, with fuel or a deadline that programs never reach.
        fn store<T>(&self, data: T) -> Result<Store<T>> {
            let mut store = Store::new(&self.engine, data);
            match self.interruption {
                Interruption::None => {}
                Interruption::Fuel => store.set_fuel(FUEL)?,
                Interruption::Epoch => store.set_epoch_deadline(EPOCH_DEADLINE),
            }
            Ok(store)
        }

        /// Whether the engine really interrupts as configured (true for
        /// [`Interruption::None`]): a million-iteration loop in a store
        /// with 1000 units of fuel, or whose deadline is now, must trap
        /// instead of returning, so that a tier that ignores the setting is
        /// never measured as if it paid for it.
        fn interrupts(&self) -> Result<bool> {
            let mut store = Store::new(&self.engine, ());
            let expected = match self.interruption {
                Interruption::None => return Ok(true),
                Interruption::Fuel => {
                    store.set_fuel(1000)?;
                    Trap::OutOfFuel
                }
                Interruption::Epoch => {
                    store.set_epoch_deadline(0);
                    Trap::Interrupt
                }
            };
            let module = Module::new(&self.engine, PROBE_WAT)?;
            let instance = Instance::new(&mut store, &module, &[])?;
            let run = instance.get_typed_func::<(i32,), i64>(&mut store, "run")?;
            match run.call(&mut store, (1_000_000,)) {
                Ok(_) => Ok(false),
                Err(e) if e.downcast_ref::<Trap>() == Some(&expected) => Ok(true),
                Err(e) => Err(e.context("the interruption probe")),
            }
        }
    }

    impl Kiln {
        /// The component micro-benchmarks' setup, outside the timing:
        /// compiles the component and resolves its imports once.
        fn command_pre(&self, micro: Micro, wasm: &[u8]) -> Result<component::InstancePre<()>> {
            let component = component::Component::new(&self.engine, wasm)?;
            let mut linker = component::Linker::<()>::new(&self.engine);
            if micro.imports_host() {
                // The typed host function, as with Wasmtime.
                linker
                    .root()
                    .func_wrap(micro::COMMAND_HOST_IMPORT, |_store, (x,): (u32,)| Ok((micro::host_u32(x),)))?;
            }
            linker.instantiate_pre(&component)
        }

        /// One request: a new store, a fresh instance, `run` looked up and
        /// called through a typed handle (Kiln runs post-return inside the
        /// call), the store dropped.
        fn command_request(&self, pre: &component::InstancePre<()>) -> Result<CommandResult> {
            let mut store = self.store(())?;
            let instance = pre.instantiate(&mut store)?;
            let iface = instance
                .get_export_index(&mut store, None, micro::RUN_INTERFACE)
                .with_context(|| format!("no export {}", micro::RUN_INTERFACE))?;
            let idx = instance
                .get_export_index(&mut store, Some(&iface), "run")
                .with_context(|| format!("no export run in {}", micro::RUN_INTERFACE))?;
            let run = instance.get_typed_func::<(), (Result<(), ()>,)>(&mut store, &idx)?;
            let (result,) = run.call(&mut store, ())?;
            Ok(result)
        }
    }

    struct WasiState {
        wasi: WasiCtx,
    }

    impl WasmEngine for Kiln {
        fn version(&self) -> String {
            let interruption = match self.interruption {
                Interruption::None => "",
                Interruption::Fuel => ", consume_fuel",
                Interruption::Epoch => ", epoch_interruption",
            };
            format!("kiln {} ({}{interruption})", env!("CARGO_PKG_VERSION"), self.tier)
        }

        fn run_once(&self, wasm: &[u8], n: i32) -> Result<Sample> {
            let t0 = Instant::now();
            let module = Module::new(&self.engine, wasm)?;
            let t1 = Instant::now();
            let mut store = self.store(())?;
            let instance = Instance::new(&mut store, &module, &[])?;
            let t2 = Instant::now();
            let run = instance.get_typed_func::<(i32,), i64>(&mut store, "run")?;
            let t3 = Instant::now();
            let checksum = run.call(&mut store, (n,))?;
            let t4 = Instant::now();
            Ok(Sample { compile: Some(t1 - t0), instantiate: Some(t2 - t1), run: t4 - t3, checksum })
        }

        fn run_wasi(&self, wasm: &[u8], argv: &[String], dir: &Path) -> Result<WasiRun> {
            let mut linker = Linker::new(&self.engine);
            kiln_wasi::add_to_linker(&mut linker, |s: &mut WasiState| &mut s.wasi)?;
            let stdout = MemoryOutputPipe::new(WASI_PIPE_CAPACITY);
            let stderr = MemoryOutputPipe::new(WASI_PIPE_CAPACITY);
            let t0 = Instant::now();
            let module = Module::new(&self.engine, wasm)?;
            let t1 = Instant::now();
            let wasi = WasiCtxBuilder::new()
                .args(argv)
                .stdout(stdout.clone())
                .stderr(stderr.clone())
                .preopened_dir(dir, crate::wasi::GUEST_DIR, DirPerms::all(), FilePerms::all())?
                .build();
            let mut store = self.store(WasiState { wasi })?;
            let instance = linker.instantiate(&mut store, &module)?;
            let t2 = Instant::now();
            let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
            let t3 = Instant::now();
            let status = match start.call(&mut store, ()) {
                Ok(()) => 0,
                Err(e) => match e.downcast_ref::<I32Exit>() {
                    Some(I32Exit(n)) => *n,
                    None => return Err(e),
                },
            };
            let t4 = Instant::now();
            Ok(WasiRun {
                sample: Sample {
                    compile: Some(t1 - t0),
                    instantiate: Some(t2 - t1),
                    run: t4 - t3,
                    checksum: i64::from(status),
                },
                stdout: stdout.contents(),
                stderr: stderr.contents(),
            })
        }

        fn component_support(&self) -> Result<(), String> {
            Ok(())
        }

        fn run_command(&self, micro: Micro, wasm: &[u8]) -> Result<CommandResult> {
            let pre = self.command_pre(micro, wasm)?;
            self.command_request(&pre)
        }

        fn micro(&self, micro: Micro, wasm: &[u8], iterations: u32) -> Result<Duration> {
            // Compiled in each core module's arm: the components are not modules.
            let module = || Module::new(&self.engine, wasm);
            match micro {
                Micro::CommandPerRequest | Micro::CommandPerRequestHost => {
                    let pre = self.command_pre(micro, wasm)?;
                    time_commands(micro, iterations, || self.command_request(&pre))
                }
                Micro::InstantiateCallDrop => {
                    // Imports resolved and type-checked once; per request
                    // only the store and the instance are made.
                    let mut linker = Linker::<()>::new(&self.engine);
                    linker.func_wrap("env", "host", |_caller: Caller<'_, ()>, x: i32| -> i32 { micro::host(x) })?;
                    let pre = linker.instantiate_pre(&module()?)?;
                    let mut sum = 0i64;
                    let t0 = Instant::now();
                    for i in 0..iterations as i32 {
                        let mut store = self.store(())?;
                        let instance = pre.instantiate(&mut store)?;
                        let run = instance.get_typed_func::<(i32,), i64>(&mut store, "run")?;
                        sum += run.call(&mut store, (i,))? - micro::instantiate_checksum(i);
                    }
                    let elapsed = t0.elapsed();
                    check(micro.name(), sum, 0)?;
                    Ok(elapsed)
                }
                Micro::HostRoundTrip => {
                    let mut linker = Linker::<()>::new(&self.engine);
                    linker.func_wrap("env", "host", |_caller: Caller<'_, ()>, x: i32| -> i32 { micro::host(x) })?;
                    let mut store = self.store(())?;
                    let instance = linker.instantiate(&mut store, &module()?)?;
                    let run = instance.get_typed_func::<(i32,), i64>(&mut store, "run")?;
                    let n = iterations as i32;
                    let t0 = Instant::now();
                    let got = run.call(&mut store, (n,))?;
                    let elapsed = t0.elapsed();
                    check(micro.name(), got, micro::host_call_checksum(n))?;
                    Ok(elapsed)
                }
                Micro::EmptyTypedCall => {
                    let mut store = self.store(())?;
                    let instance = Instance::new(&mut store, &module()?, &[])?;
                    let empty = instance.get_typed_func::<(), ()>(&mut store, "empty")?;
                    let t0 = Instant::now();
                    for _ in 0..iterations {
                        empty.call(&mut store, ())?;
                    }
                    Ok(t0.elapsed())
                }
            }
        }
    }
}
