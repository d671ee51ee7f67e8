//! Wasmtime with its Cranelift JIT, default configuration (signal-based
//! bounds checks, parallel compilation), as an embedder would use it; the
//! `-fuel` and `-epoch` variants add `consume_fuel` or `epoch_interruption`.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use wasmtime::{component, Caller, Config, Engine, Instance, Linker, Module, Store};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};

use super::{
    check, time_commands, CommandResult, Interruption, Sample, WasiRun, WasmEngine, EPOCH_DEADLINE, FUEL,
    WASI_PIPE_CAPACITY,
};
use crate::micro::{self, Micro};

pub struct Wasmtime {
    engine: Engine,
    interruption: Interruption,
}

impl Wasmtime {
    pub fn new(interruption: Interruption) -> Result<Self> {
        let mut config = Config::new();
        config.consume_fuel(interruption == Interruption::Fuel);
        config.epoch_interruption(interruption == Interruption::Epoch);
        Ok(Wasmtime { engine: Engine::new(&config)?, interruption })
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

    /// The component micro-benchmarks' setup, outside the timing: compiles
    /// the component and resolves its imports once.
    fn command_pre(&self, micro: Micro, wasm: &[u8]) -> Result<component::InstancePre<()>> {
        let component = component::Component::new(&self.engine, wasm)?;
        let mut linker = component::Linker::<()>::new(&self.engine);
        if micro.imports_host() {
            // The typed host function, as a Wasmtime embedder writes it.
            linker.root().func_wrap(micro::COMMAND_HOST_IMPORT, |_store, (x,): (u32,)| Ok((micro::host_u32(x),)))?;
        }
        Ok(linker.instantiate_pre(&component)?)
    }

    /// One request: a new store, a fresh instance, `run` looked up and
    /// called, the store dropped.
    fn command_request(&self, pre: &component::InstancePre<()>) -> Result<CommandResult> {
        let mut store = self.store(())?;
        let instance = pre.instantiate(&mut store)?;
        let iface = instance
            .get_export_index(&mut store, None, micro::RUN_INTERFACE)
            .with_context(|| format!("no export {}", micro::RUN_INTERFACE))?;
        let idx = instance
            .get_export_index(&mut store, Some(&iface), "run")
            .with_context(|| format!("no export run in {}", micro::RUN_INTERFACE))?;
        // Wasmtime 48 runs post-return itself (`post_return` is deprecated
        // and does nothing).
        let run = instance.get_typed_func::<(), (Result<(), ()>,)>(&mut store, &idx)?;
        let (result,) = run.call(&mut store, ())?;
        Ok(result)
    }
}

impl WasmEngine for Wasmtime {
    fn version(&self) -> String {
        let interruption = match self.interruption {
            Interruption::None => "",
            Interruption::Fuel => " + consume_fuel",
            Interruption::Epoch => " + epoch_interruption",
        };
        format!("wasmtime 48 (cranelift, default config{interruption})")
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

    /// WASI through `wasmtime-wasi` 48's preview 1 (`p1`), synchronous API.
    fn run_wasi(&self, wasm: &[u8], argv: &[String], dir: &Path) -> Result<WasiRun> {
        let mut linker: Linker<WasiP1Ctx> = Linker::new(&self.engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |t| t)?;
        let stdout = MemoryOutputPipe::new(WASI_PIPE_CAPACITY);
        let stderr = MemoryOutputPipe::new(WASI_PIPE_CAPACITY);
        let t0 = Instant::now();
        let module = Module::new(&self.engine, wasm)?;
        let t1 = Instant::now();
        let wasi = WasiCtxBuilder::new()
            .args(argv)
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .preopened_dir(dir, crate::wasi::GUEST_DIR, FsPerms::ReadWrite)?
            .build_p1();
        let mut store = self.store(wasi)?;
        let instance = linker.instantiate(&mut store, &module)?;
        let t2 = Instant::now();
        let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
        let t3 = Instant::now();
        let status = match start.call(&mut store, ()) {
            Ok(()) => 0,
            Err(e) => match e.downcast_ref::<I32Exit>() {
                Some(I32Exit(n)) => *n,
                None => return Err(e.into()),
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
            stdout: stdout.contents().to_vec(),
            stderr: stderr.contents().to_vec(),
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
                // Imports resolved and type-checked once; per request only
                // the store and the instance are made.
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
