//! Turning a preview 1 core module into a WASI 0.2 component at test time,
//! with `wit-component` and the preview 1 command adapter (Wasmtime 48's,
//! from `wasi-preview1-component-adapter-provider`), the way toolchains
//! produce most WASI 0.2 programs today.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use wasi_preview1_component_adapter_provider::{
    WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME, WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER,
};

/// The WASI 0.2 version the adapter's imports and its `wasi:cli/run`
/// export carry.
pub const WASI_VERSION: &str = "0.2.12";

/// The C guest programs of `tests/programs/wasi/` (each has a committed
/// `wasm/<name>.wasm`).
pub const C_PROGRAMS: &[&str] = &[
    "args",
    "cat",
    "clocks",
    "dirs",
    "env",
    "exit",
    "fdops",
    "files",
    "ls",
    "misc",
    "poll",
    "random",
    "readonly",
    "sandbox",
    "stdio",
    "symlinks",
    "trunc_append",
];

/// The directory of the preview 1 guest programs.
pub fn programs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/programs/wasi")
}

/// Wraps the preview 1 command module `module` (binary or text) in a
/// component: the command adapter implements `wasi_snapshot_preview1` on
/// WASI 0.2 imports and exports `wasi:cli/run`, whose `run` calls the
/// module's `_start`.
pub fn adapt(module: &[u8]) -> anyhow::Result<Vec<u8>> {
    let module = wat::parse_bytes(module)?;
    wit_component::ComponentEncoder::default()
        .module(&module)?
        .adapter(WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME, WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER)?
        .validate(true)
        .encode()
}

/// The program `name` of `tests/programs/wasi/` as a component: the C
/// programs from their committed `wasm/<name>.wasm`, the WAT ones from
/// `<name>.wat`. Adapted once per test process and shared.
pub fn program_component(name: &str) -> Arc<Vec<u8>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Vec<u8>>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(bytes) = cache.lock().unwrap().get(name) {
        return bytes.clone();
    }
    let dir = programs_dir();
    let wat = dir.join(format!("{name}.wat"));
    let path = if wat.exists() { wat } else { dir.join("wasm").join(format!("{name}.wasm")) };
    let module = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let component = adapt(&module).unwrap_or_else(|e| panic!("adapting {}: {e:?}", path.display()));
    // Two threads adapting the same program at once both succeed and store
    // equal bytes; the first stored wins.
    cache.lock().unwrap().entry(name.to_string()).or_insert_with(|| Arc::new(component)).clone()
}
