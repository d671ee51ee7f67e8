//! Running a guest program of `tests/programs/wasi/` through the embedding
//! API, with in-memory standard output and error.

use kiln::{Config, Engine, Linker, Module, Store, Strategy};
use kiln_wasi::{I32Exit, MemoryOutputPipe, WasiCtx, WasiCtxBuilder};
use std::path::PathBuf;

/// The store's data in these tests: the WASI context in a field, as an
/// embedder would have it.
pub struct State {
    pub wasi: WasiCtx,
}

/// The built `.wasm` of the guest program `name`.
pub fn program_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/programs/wasi/wasm").join(format!("{name}.wasm"))
}

/// How a run ended.
pub struct Run {
    /// The exit status: 0 when `_start` returned, `n` after `proc_exit(n)`,
    /// `None` after a trap.
    pub status: Option<i32>,
    /// The error of a run that did not exit (a trap).
    pub error: Option<anyhow::Error>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Checks that the program exited with `status` and printed exactly
    /// `stdout`.
    #[track_caller]
    pub fn expect(&self, status: i32, stdout: &str) {
        if self.status != Some(status) || self.stdout != stdout {
            panic!(
                "expected status {status} and stdout:\n{stdout}\n--- got status {:?} (error: {:?}) and stdout:\n{}\n--- stderr:\n{}",
                self.status, self.error, self.stdout, self.stderr
            );
        }
    }
}

/// A guest program about to run, with a builder to configure its context.
pub struct Guest {
    pub name: String,
    pub builder: WasiCtxBuilder,
    pub stdout: MemoryOutputPipe,
    pub stderr: MemoryOutputPipe,
}

impl Guest {
    /// The program `name` with `argv[0]` = `name.wasm` and in-memory stdout
    /// and stderr.
    pub fn new(name: &str) -> Guest {
        let stdout = MemoryOutputPipe::new(1 << 20);
        let stderr = MemoryOutputPipe::new(1 << 20);
        let mut builder = WasiCtxBuilder::new();
        builder.arg(format!("{name}.wasm")).stdout(stdout.clone()).stderr(stderr.clone());
        Guest { name: name.to_string(), builder, stdout, stderr }
    }

    /// Runs `_start` with the default engine.
    pub fn run(self) -> Run {
        self.run_with(Engine::default())
    }

    /// Runs `_start` in the tier `strategy` (see [`strategies`]).
    pub fn run_in(self, strategy: Strategy) -> Run {
        let mut config = Config::new();
        config.strategy(strategy);
        let engine = Engine::new(&config).unwrap_or_else(|e| panic!("an engine for {strategy:?}: {e}"));
        self.run_with(engine)
    }

    fn run_with(mut self, engine: Engine) -> Run {
        let path = program_path(&self.name);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let module = Module::new(&engine, bytes).expect("the guest program compiles");
        let mut linker = Linker::new(&engine);
        kiln_wasi::add_to_linker(&mut linker, |s: &mut State| &mut s.wasi).expect("WASI is added to the linker");
        let mut store = Store::new(&engine, State { wasi: self.builder.build() });
        let instance = linker.instantiate(&mut store, &module).expect("the guest program instantiates");
        let start = instance.get_typed_func::<(), ()>(&mut store, "_start").expect("the guest exports _start");
        let (status, error) = match start.call(&mut store, ()) {
            Ok(()) => (Some(0), None),
            Err(e) => match e.downcast_ref::<I32Exit>() {
                Some(I32Exit(n)) => (Some(*n), None),
                None => (None, Some(e)),
            },
        };
        Run { status, error, stdout: self.stdout.contents_string(), stderr: self.stderr.contents_string() }
    }
}

/// The tiers a test should run its guest in: the interpreter everywhere,
/// and the Cranelift JIT where Kiln has it (`Strategy::Cranelift` is
/// refused elsewhere, so asking the engine is how to know).
pub fn strategies() -> Vec<Strategy> {
    let mut all = vec![Strategy::Interpreter];
    if Engine::new(Config::new().strategy(Strategy::Cranelift)).is_ok() {
        all.push(Strategy::Cranelift);
    }
    all
}

/// A temporary directory to preopen, and a sibling "outside" directory
/// next to it, for sandbox checks.
pub struct Sandbox {
    pub root: tempfile::TempDir,
}

impl Sandbox {
    /// `<tmp>/outside/` and `<tmp>/sandbox/`.
    pub fn new() -> Sandbox {
        let root = tempfile::Builder::new().prefix("kiln-wasi-").tempdir().expect("a temporary directory");
        std::fs::create_dir(root.path().join("sandbox")).unwrap();
        std::fs::create_dir(root.path().join("outside")).unwrap();
        Sandbox { root }
    }

    /// The directory the guest gets.
    pub fn dir(&self) -> PathBuf {
        self.root.path().join("sandbox")
    }

    /// The directory next to it, which the guest must not reach.
    pub fn outside(&self) -> PathBuf {
        self.root.path().join("outside")
    }
}
