//! Wasmtime with its Cranelift JIT, default configuration (signal-based
//! bounds checks, parallel compilation), as an embedder would use it.

use std::time::{Duration, Instant};

use anyhow::Result;
use wasmtime::{Caller, Config, Engine, Instance, Linker, Module, Store};

use super::{check, Sample, WasmEngine};
use crate::micro::{self, Micro};

pub struct Wasmtime {
    engine: Engine,
}

impl Wasmtime {
    pub fn new() -> Result<Self> {
        let config = Config::new();
        Ok(Wasmtime { engine: Engine::new(&config)? })
    }
}

impl WasmEngine for Wasmtime {
    fn version(&self) -> String {
        "wasmtime 48 (cranelift, default config)".to_string()
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

    fn micro(&self, micro: Micro, wasm: &[u8], iterations: u32) -> Result<Duration> {
        let module = Module::new(&self.engine, wasm)?;
        match micro {
            Micro::InstantiateCallDrop => {
                let mut sum = 0i64;
                let t0 = Instant::now();
                for i in 0..iterations as i32 {
                    let mut store = Store::new(&self.engine, ());
                    let instance = Instance::new(&mut store, &module, &[])?;
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
                let instance = linker.instantiate(&mut store, &module)?;
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
                let instance = Instance::new(&mut store, &module, &[])?;
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
