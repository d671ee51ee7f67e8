//! wasmi, the register-based Rust interpreter, default configuration (lazy
//! translation: validation at compile time, translation of each function to
//! wasmi's bytecode on its first call, which then counts as run time).

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use wasmi::{Caller, Config, Engine, Instance, Linker, Module, Store};
use wasmi_wasi::wasi_common::pipe::WritePipe;
use wasmi_wasi::{ambient_authority, Dir, WasiCtx, WasiCtxBuilder};

use super::{check, CommandResult, Sample, WasiRun, WasmEngine, WASI_PIPE_CAPACITY};
use crate::micro::{self, Micro};

pub struct Wasmi {
    engine: Engine,
}

impl Wasmi {
    pub fn new() -> Self {
        Wasmi { engine: Engine::new(&Config::default()) }
    }
}

impl WasmEngine for Wasmi {
    fn version(&self) -> String {
        "wasmi 2 (default config: lazy translation)".to_string()
    }

    fn run_once(&self, wasm: &[u8], n: i32) -> Result<Sample> {
        let t0 = Instant::now();
        let module = Module::new(&self.engine, wasm)?;
        let t1 = Instant::now();
        let mut store = Store::new(&self.engine, ());
        let instance = Instance::new(&mut store, &module, &[])?;
        let t2 = Instant::now();
        let run = instance.get_typed_func::<(i32,), i64>(&mut store, "run")?;
        let t3 = Instant::now();
        let checksum = run.call(&mut store, (n,))?;
        let t4 = Instant::now();
        Ok(Sample { compile: Some(t1 - t0), instantiate: Some(t2 - t1), run: t4 - t3, checksum })
    }

    /// WASI through `wasmi_wasi` 2 (wasi-common's preview 1, sync).
    fn run_wasi(&self, wasm: &[u8], argv: &[String], dir: &Path) -> Result<WasiRun> {
        let mut linker: Linker<WasiCtx> = Linker::new(&self.engine);
        wasmi_wasi::add_to_linker(&mut linker, |ctx| ctx).map_err(|e| anyhow!("{e}"))?;
        let stdout = Arc::new(RwLock::new(CappedBuffer::default()));
        let stderr = Arc::new(RwLock::new(CappedBuffer::default()));
        let t0 = Instant::now();
        let module = Module::new(&self.engine, wasm)?;
        let t1 = Instant::now();
        let preopen = Dir::open_ambient_dir(dir, ambient_authority())?;
        let wasi = WasiCtxBuilder::new()
            .args(argv)?
            .stdout(Box::new(WritePipe::from_shared(stdout.clone())))
            .stderr(Box::new(WritePipe::from_shared(stderr.clone())))
            .preopened_dir(preopen, crate::wasi::GUEST_DIR)
            .map_err(|e| anyhow!("{e}"))?
            .build();
        let mut store = Store::new(&self.engine, wasi);
        let instance = linker.instantiate_and_start(&mut store, &module)?;
        let t2 = Instant::now();
        let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
        let t3 = Instant::now();
        let status = match start.call(&mut store, ()) {
            Ok(()) => 0,
            Err(e) => match e.i32_exit_status() {
                Some(n) => n,
                None => return Err(e.into()),
            },
        };
        let t4 = Instant::now();
        let contents = |b: &Arc<RwLock<CappedBuffer>>| b.read().unwrap_or_else(|e| e.into_inner()).0.clone();
        Ok(WasiRun {
            sample: Sample {
                compile: Some(t1 - t0),
                instantiate: Some(t2 - t1),
                run: t4 - t3,
                checksum: i64::from(status),
            },
            stdout: contents(&stdout),
            stderr: contents(&stderr),
        })
    }

    fn component_support(&self) -> Result<(), String> {
        Err("wasmi has no component model".to_string())
    }

    fn run_command(&self, micro: Micro, _wasm: &[u8]) -> Result<CommandResult> {
        anyhow::bail!("{}: wasmi has no component model", micro.name())
    }

    fn micro(&self, micro: Micro, wasm: &[u8], iterations: u32) -> Result<Duration> {
        // Compiled in each core module's arm: the components are not modules.
        let module = || Module::new(&self.engine, wasm);
        match micro {
            Micro::CommandPerRequest | Micro::CommandPerRequestHost => {
                anyhow::bail!("{}: wasmi has no component model", micro.name())
            }
            Micro::InstantiateCallDrop => {
                // wasmi 2 has no `instantiate_pre`: its closest fast path is
                // a linker built once, which still looks each import up and
                // checks its type per instantiation.
                let mut linker = Linker::<()>::new(&self.engine);
                linker.func_wrap("env", "host", |_caller: Caller<'_, ()>, x: i32| -> i32 { micro::host(x) })?;
                let mut sum = 0i64;
                let t0 = Instant::now();
                for i in 0..iterations as i32 {
                    let mut store = Store::new(&self.engine, ());
                    let instance = linker.instantiate_and_start(&mut store, &module()?)?;
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
                let mut store = Store::new(&self.engine, ());
                let instance = linker.instantiate_and_start(&mut store, &module()?)?;
                let run = instance.get_typed_func::<(i32,), i64>(&mut store, "run")?;
                let n = iterations as i32;
                let t0 = Instant::now();
                let got = run.call(&mut store, (n,))?;
                let elapsed = t0.elapsed();
                check(micro.name(), got, micro::host_call_checksum(n))?;
                Ok(elapsed)
            }
            Micro::EmptyTypedCall => {
                let mut store = Store::new(&self.engine, ());
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

/// An in-memory stdout/stderr that, like the other engines' pipes, keeps at
/// most [`WASI_PIPE_CAPACITY`] bytes and fails a write past that.
#[derive(Default)]
struct CappedBuffer(Vec<u8>);

impl Write for CappedBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + buf.len() > WASI_PIPE_CAPACITY {
            return Err(std::io::Error::other("in-memory pipe full"));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
