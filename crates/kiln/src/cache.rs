//! The compiled-module cache (`Config::cache`): a directory of precompiled
//! modules named by a hash of what they were compiled from (the module's
//! binary, and the build, host and settings `artifact::header` records), so
//! compiling a module the engine has compiled before, in this process or
//! an earlier one, maps the earlier code instead.
//!
//! The cache is an optimisation: an entry that cannot be read, or was made
//! for something else, is compiled again and replaced; a directory that
//! cannot be written is not used. Entries are written to a temporary file
//! and renamed into place, so a reader never sees half an entry and an
//! entry never changes once written (which mapping it relies on). When the
//! directory grows past its size limit, the least recently used entries
//! are removed.

use crate::artifact;
use crate::engine::Engine;
use crate::vm::{ModuleArtifacts, SharedBytes};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

/// The size past which the oldest entries are removed.
const MAX_CACHE_BYTES: u64 = 1 << 30;

/// The file extension of entries.
const EXTENSION: &str = "kilnc";

/// The default cache directory: `$XDG_CACHE_HOME/kiln`, else
/// `$HOME/.cache/kiln`.
pub(crate) fn default_directory() -> Option<PathBuf> {
    let base = match std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME").filter(|d| !d.is_empty())?).join(".cache"),
    };
    Some(base.join("kiln"))
}

/// The module compiled from `binary`: from the cache in `dir` if an entry
/// is there, else compiled and added.
pub(crate) fn load_or_compile(engine: &Engine, dir: &Path, binary: &[u8]) -> anyhow::Result<ModuleArtifacts> {
    let Ok(header) = artifact::header(engine) else { return compile(engine, binary) };
    let mut hasher = blake3::Hasher::new();
    hasher.update(&(header.len() as u64).to_le_bytes());
    hasher.update(&header);
    hasher.update(binary);
    let path = dir.join(format!("{}.{EXTENSION}", hasher.finalize().to_hex()));
    if path.is_file() {
        // SAFETY: cache entries are never written after they are renamed
        // into place (new entries replace them by another rename, which
        // leaves a mapped file as it was).
        if let Ok(artifacts) = unsafe { artifact::deserialize_file(engine, &path) } {
            // Entries are removed least recently used first.
            if let Ok(file) = std::fs::File::options().append(true).open(&path) {
                let _ = file.set_modified(SystemTime::now());
            }
            return Ok(artifacts);
        }
    }
    let artifacts = compile(engine, binary)?;
    if let Ok(bytes) = artifact::serialize(&artifacts) {
        if store(dir, &path, &bytes).is_ok() {
            evict(dir, MAX_CACHE_BYTES);
        }
    }
    Ok(artifacts)
}

fn compile(engine: &Engine, binary: &[u8]) -> anyhow::Result<ModuleArtifacts> {
    Ok(crate::tier::compile_module(engine, SharedBytes::from(binary.to_vec()))?)
}

/// Writes an entry: to a temporary file first, then renamed into place.
fn store(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    std::fs::create_dir_all(dir)?;
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let temp = dir.join(format!(".tmp-{}-{n}", std::process::id()));
    let written = std::fs::write(&temp, bytes).and_then(|()| std::fs::rename(&temp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// Removes the least recently used entries until the directory holds at
/// most `max` bytes of them.
fn evict(dir: &Path, max: u64) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut files: Vec<(SystemTime, u64, PathBuf)> = entries
        .filter_map(|e| {
            let e = e.ok()?;
            let path = e.path();
            if path.extension()? != EXTENSION {
                return None;
            }
            let meta = e.metadata().ok()?;
            Some((meta.modified().ok()?, meta.len(), path))
        })
        .collect();
    let mut total: u64 = files.iter().map(|(_, len, _)| len).sum();
    files.sort();
    for (_, len, path) in files {
        if total <= max {
            break;
        }
        if std::fs::remove_file(&path).is_ok() {
            total -= len;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::evict;
    use std::time::{Duration, SystemTime};

    #[test]
    fn eviction_removes_least_recently_used_entries_first() {
        let dir = std::env::temp_dir().join(format!("kiln-cache-evict-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let now = SystemTime::now();
        for (i, name) in ["old", "middle", "new"].iter().enumerate() {
            let path = dir.join(format!("{name}.kilnc"));
            std::fs::write(&path, [0u8; 100]).unwrap();
            let file = std::fs::File::options().append(true).open(&path).unwrap();
            file.set_modified(now - Duration::from_secs(100 - i as u64 * 10)).unwrap();
        }
        std::fs::write(dir.join("other.txt"), [0u8; 1000]).unwrap();
        evict(&dir, 200);
        let mut left: Vec<String> =
            std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        left.sort();
        assert_eq!(left, ["middle.kilnc", "new.kilnc", "other.txt"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
