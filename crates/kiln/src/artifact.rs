//! Precompiled modules (`Engine::precompile_module`, `Module::serialize`,
//! `Module::deserialize`): the file format and the checks that an artifact
//! was made for this build of Kiln, this host and this configuration.
//!
//! Layout: `MAGIC`, the format version, the build id, the target (arch and
//! OS), the settings that shape compiled code, the CPU features the code
//! may use, the module's binary, then the tier's code (the JIT's machine code
//! last, page-aligned, so a file's code can be mapped in place).

use crate::compile::serial::{Reader, Writer};
use crate::engine::Engine;
use crate::tier;
use crate::vm::{self, ModuleArtifacts, SharedBytes};
use anyhow::{bail, Context as _, Result};
use std::sync::Arc;

/// The first bytes of every precompiled module.
const MAGIC: &[u8; 8] = b"\0kilnaot";
/// Changes when the layout above does.
const FORMAT: u32 = 1;
/// The build of Kiln (version and a hash of its sources; `build.rs`).
pub(crate) const BUILD_ID: &str = env!("KILN_BUILD_ID");

/// Whether `bytes` look like a precompiled module (by their magic).
pub(crate) fn is_precompiled(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// The settings of `engine` that compiled code depends on, by name.
/// `Config::lazy_translation` is not one: it decides when the interpreter
/// translates a function, not into what, and an interpreter artifact holds
/// no translated code (the binary only: loading it validates it, and
/// translates it too when translation is eager). So an artifact loads
/// whichever way the loading engine translates.
fn settings(engine: &Engine) -> Vec<(&'static str, String)> {
    let config = engine.config();
    let jit = tier::uses_jit(config);
    let mut settings = vec![
        ("tier", if jit { "cranelift" } else { "interpreter" }.to_string()),
        ("wasm features", format!("{:#x}", config.features.bits())),
        ("wasm2_encoding", config.wasm2_encoding.to_string()),
        ("consume_fuel", config.consume_fuel.to_string()),
        ("epoch_interruption", config.epoch_interruption.to_string()),
    ];
    if jit {
        // Code for guarded memories omits bounds checks.
        let guarded = tier::guarded_memories(config);
        settings.push(("memory_reservation >= 4 GiB", guarded.to_string()));
    }
    settings
}

/// The CPU features the engine's compiled code may use.
fn host_features(engine: &Engine) -> Result<Vec<(String, String)>> {
    match tier::uses_jit(engine.config()) {
        true => crate::jit::host_features(),
        false => Ok(Vec::new()),
    }
}

/// A precompiled module for `artifacts`.
pub(crate) fn serialize(artifacts: &ModuleArtifacts) -> Result<Vec<u8>> {
    let mut w = Writer { bytes: header(&artifacts.engine)? };
    w.bytes(&artifacts.wasm);
    tier::serialize_code(&*artifacts.code, &mut w);
    Ok(w.bytes)
}

/// What every module the engine precompiles starts with: what it must be
/// loaded with (build, host, settings). Also part of the cache's key.
pub(crate) fn header(engine: &Engine) -> Result<Vec<u8>> {
    let mut w = Writer::default();
    w.bytes.extend_from_slice(MAGIC);
    w.u32(FORMAT);
    w.str(BUILD_ID);
    w.str(std::env::consts::ARCH);
    w.str(std::env::consts::OS);
    let settings = settings(engine);
    w.len(settings.len());
    for (name, value) in &settings {
        w.str(name);
        w.str(value);
    }
    let features = host_features(engine)?;
    w.len(features.len());
    for (name, value) in &features {
        w.str(name);
        w.str(value);
    }
    Ok(w.bytes)
}

/// Where a precompiled module is read from.
pub(crate) enum Input {
    /// Bytes in memory (copied: the caller keeps its buffer).
    Bytes,
    /// A mapped file (kept mapped: the module's binary and code stay in it).
    File(Arc<vm::MappedFile>),
}

/// Loads a precompiled module from `bytes` (all of `input`'s bytes when it
/// is a file), after checking that it was made for this build, host and
/// configuration. The code itself is trusted: see `Module::deserialize`.
pub(crate) fn deserialize(engine: &Engine, bytes: &[u8], input: &Input) -> Result<ModuleArtifacts> {
    let mut r = Reader::new(bytes);
    if !is_precompiled(bytes) {
        if bytes.starts_with(b"\0asm") {
            bail!("this is a WebAssembly binary, not a precompiled module: compile it with `Module::new`");
        }
        bail!("this is not a precompiled Kiln module (`kiln compile` or `Engine::precompile_module` makes one)");
    }
    r.take(MAGIC.len())?;
    let format = r.u32()?;
    let build = r.str()?;
    if format != FORMAT || build != BUILD_ID {
        bail!(
            "the precompiled module was made by another build of Kiln ({build}) than this one ({BUILD_ID}): \
             compile it again"
        );
    }
    let (arch, os) = (r.str()?, r.str()?);
    if (arch, os) != (std::env::consts::ARCH, std::env::consts::OS) {
        bail!(
            "the precompiled module is for {arch}-{os}, but this host is {}-{}: compile it again on this host \
             (or for it)",
            std::env::consts::ARCH,
            std::env::consts::OS
        );
    }
    let n = r.len(16)?;
    let mut theirs = Vec::with_capacity(n);
    for _ in 0..n {
        theirs.push((r.str()?, r.str()?));
    }
    check_settings(&theirs, &settings(engine))?;
    check_features(&mut r, &host_features(engine)?)?;
    let wasm_bytes = r.bytes()?;
    let (wasm, backing) = match input {
        Input::Bytes => (SharedBytes::from(wasm_bytes.to_vec()), crate::jit::Backing::Bytes),
        Input::File(file) => {
            let owner: Arc<dyn AsRef<[u8]> + Send + Sync> = file.clone();
            let whole = SharedBytes::new(owner, 0..bytes.len());
            let start = wasm_bytes.as_ptr() as usize - bytes.as_ptr() as usize;
            let wasm = whole.slice(start..start + wasm_bytes.len());
            (wasm, crate::jit::Backing::File { file: file.file(), whole })
        }
    };
    tier::deserialize_code(engine, wasm, &mut r, backing)
}

/// Refuses code that uses a CPU feature this host lacks (a feature the
/// host has and the code does not use is fine).
fn check_features(r: &mut Reader<'_>, host: &[(String, String)]) -> Result<()> {
    let n = r.len(16)?;
    for _ in 0..n {
        let (name, value) = (r.str()?, r.str()?);
        let ours = host.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        let fine = match (value, ours) {
            ("false", _) => true,
            (_, Some(ours)) => ours == value,
            (_, None) => false,
        };
        if !fine {
            let ours = ours.unwrap_or("absent");
            bail!(
                "the precompiled module was compiled for a CPU with `{name}` = {value}, but this host has {ours}: \
                 compile it again on this host"
            );
        }
    }
    Ok(())
}

/// Refuses an artifact compiled under settings other than the engine's,
/// naming the first that differs.
fn check_settings(theirs: &[(&str, &str)], ours: &[(&'static str, String)]) -> Result<()> {
    for (name, value) in ours {
        let their = theirs.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
        if their != Some(value.as_str()) {
            let their = their.unwrap_or("unset");
            bail!(
                "the precompiled module was compiled with `{name}` = {their}, but this engine has {value}: compile \
                 it again with the engine's configuration"
            );
        }
    }
    if theirs.len() != ours.len() {
        bail!("the precompiled module was compiled with other settings than this engine's: compile it again");
    }
    Ok(())
}

/// Reads the whole of a precompiled module's file, mapped.
///
/// # Safety
///
/// The file must not change while the module lives (see
/// `Module::deserialize_file`).
pub(crate) unsafe fn deserialize_file(engine: &Engine, path: &std::path::Path) -> Result<ModuleArtifacts> {
    // SAFETY: passed on to the caller.
    let file = Arc::new(unsafe { vm::MappedFile::open(path)? });
    let bytes: &[u8] = (*file).as_ref();
    deserialize(engine, bytes, &Input::File(file.clone()))
        .with_context(|| format!("failed to load the precompiled module {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::check_features;
    use crate::compile::serial::{Reader, Writer};

    fn features(list: &[(&str, &str)]) -> Vec<u8> {
        let mut w = Writer::default();
        w.len(list.len());
        for (name, value) in list {
            w.str(name);
            w.str(value);
        }
        w.bytes
    }

    #[test]
    fn code_may_not_use_a_cpu_feature_the_host_lacks() {
        let host = vec![("has_avx".to_string(), "true".to_string()), ("has_avx2".to_string(), "false".to_string())];
        let check = |list: &[(&str, &str)]| check_features(&mut Reader::new(&features(list)), &host);
        // Fewer features than the host has: fine.
        assert!(check(&[("has_avx", "false"), ("has_avx2", "false")]).is_ok());
        assert!(check(&[("has_avx", "true")]).is_ok());
        // A feature the host lacks, or does not know.
        let msg = check(&[("has_avx2", "true")]).unwrap_err().to_string();
        assert!(msg.contains("a CPU with `has_avx2` = true, but this host has false"), "{msg}");
        let msg = check(&[("has_future", "true")]).unwrap_err().to_string();
        assert!(msg.contains("`has_future` = true, but this host has absent"), "{msg}");
    }
}
