//! Gives the build an identity for precompiled modules: the crate version
//! and a hash of the library's sources, so code compiled by one build of
//! Kiln is never loaded by another (the run-time layout compiled code
//! relies on may differ between them, even at the same version).

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=src");
    select_dispatch();
    let mut files = Vec::new();
    collect(Path::new("src"), &mut files);
    files.sort();
    // FNV-1a: stable across toolchains and platforms, unlike std's hasher.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for file in &files {
        let name = file.to_string_lossy().replace('\\', "/");
        let contents = std::fs::read(file).unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
        for byte in name.bytes().chain([0]).chain(contents).chain([0]) {
            hash = (hash ^ byte as u64).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    let version = std::env::var("CARGO_PKG_VERSION").expect("cargo sets the version");
    println!("cargo:rustc-env=KILN_BUILD_ID={version}-{hash:016x}");
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// The interpreter's threaded executor relies on LLVM turning each
/// handler's call of the next one into a jump. That happens at opt-level 2
/// and up on x86_64 and aarch64 (the handlers' arguments all fit in
/// registers there); anywhere else, or with the `portable-dispatch`
/// feature, the interpreter runs its `match` loop instead.
fn select_dispatch() {
    println!("cargo::rustc-check-cfg=cfg(kiln_tail_dispatch)");
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let opt = std::env::var("OPT_LEVEL").unwrap_or_default();
    let portable = std::env::var_os("CARGO_FEATURE_PORTABLE_DISPATCH").is_some();
    if !portable && matches!(arch.as_str(), "x86_64" | "aarch64") && matches!(opt.as_str(), "2" | "3") {
        println!("cargo:rustc-cfg=kiln_tail_dispatch");
    }
}
