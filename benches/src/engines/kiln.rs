//! Kiln's tiers. The adapter is compiled with the `kiln` cargo feature;
//! without it (or for a tier Kiln does not have yet) the engine is reported
//! as absent, with the reason, and never stood in for by another engine.

use anyhow::Result;

use super::Engine;

/// Kiln's interpreter tier (`Strategy::Interpreter`).
pub fn interpreter() -> Result<Engine> {
    #[cfg(feature = "kiln")]
    {
        Ok(Engine::Wasm(Box::new(imp::Kiln::new(imp::Tier::Interpreter)?)))
    }
    #[cfg(not(feature = "kiln"))]
    {
        Ok(Engine::Absent(
            "not available: kiln-bench was built without its `kiln` feature \
             (--no-default-features)"
                .to_string(),
        ))
    }
}

/// Kiln's Cranelift tier (`Strategy::Cranelift`). On a host the tier does
/// not support, `Engine::new` refuses that strategy; the refusal is
/// reported as the reason the engine is absent.
pub fn jit() -> Result<Engine> {
    #[cfg(feature = "kiln")]
    {
        match imp::Kiln::new(imp::Tier::Cranelift) {
            Ok(kiln) => Ok(Engine::Wasm(Box::new(kiln))),
            Err(e) => Ok(Engine::Absent(format!("Engine::new refused Strategy::Cranelift: {e:#}"))),
        }
    }
    #[cfg(not(feature = "kiln"))]
    {
        Ok(Engine::Absent(
            "not available: kiln-bench was built without its `kiln` feature (--no-default-features)".to_string(),
        ))
    }
}

#[cfg(feature = "kiln")]
mod imp {
    use std::path::Path;
    use std::time::{Duration, Instant};

    use anyhow::Result;
    use kiln::{Caller, Config, Engine, Instance, Linker, Module, Store, Strategy};
    use kiln_wasi::{DirPerms, FilePerms, I32Exit, MemoryOutputPipe, WasiCtx, WasiCtxBuilder};

    use crate::engines::{check, Sample, WasiRun, WasmEngine, WASI_PIPE_CAPACITY};
    use crate::micro::{self, Micro};

    pub enum Tier {
        Interpreter,
        Cranelift,
    }

    pub struct Kiln {
        engine: Engine,
        tier: &'static str,
    }

    impl Kiln {
        pub fn new(tier: Tier) -> Result<Self> {
            let mut config = Config::new();
            let tier = match tier {
                Tier::Interpreter => {
                    config.strategy(Strategy::Interpreter);
                    "interpreter"
                }
                Tier::Cranelift => {
                    config.strategy(Strategy::Cranelift);
                    "cranelift"
                }
            };
            Ok(Kiln { engine: Engine::new(&config)?, tier })
        }
    }

    struct WasiState {
        wasi: WasiCtx,
    }

    impl WasmEngine for Kiln {
        fn version(&self) -> String {
            format!("kiln {} ({})", env!("CARGO_PKG_VERSION"), self.tier)
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
            let mut store = Store::new(&self.engine, WasiState { wasi });
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
}
