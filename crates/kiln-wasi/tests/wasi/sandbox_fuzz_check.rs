//! Arbitrary sequences of WASI preview 1 calls against a preopened
//! temporary directory must keep to the sandbox, and never panic or hang.
//!
//! A small guest re-exports the `wasi_snapshot_preview1` functions it
//! imports, so the host can issue any call with any arguments (paths and
//! buffers written into the guest's memory first). The host tree is
//!
//! ```text
//! <tmp>/sandbox/             the preopen (fd 3), with files, a directory
//!                            and symlinks: up -> .., root -> /,
//!                            out -> ../outside/secret.txt, outdir -> ../outside,
//!                            abs -> <tmp>/outside, dangle -> ../outside/new,
//!                            loop -> loop
//! <tmp>/outside/             the sentinel next to it: secret.txt, sub/file
//! ```
//!
//! and after every call the check asserts: the call returned an errno (no
//! trap, no panic) in bounded time; nothing outside the preopen was
//! created, changed or read (`outside/` and everything in it keep their
//! inode, size, times and link count, found by `lstat` only so that the
//! check itself reads nothing there; so does `<tmp>`, but for its access
//! time; no `kiln-fuzz-escape` appeared in `/` or next to `<tmp>`);
//! no guest descriptor and no `path_filestat_get` result is a host object
//! outside the preopen (by device and inode); the files grew by no more
//! than the context's disk budget; and what the preopen's permissions
//! forbid did not happen (no entry created, removed or renamed without
//! `DirPerms::MUTATE`, no file contents changed without `FilePerms::WRITE`).
//!
//! Shared by the seeded test (`sandbox_fuzz.rs`) and the cargo-fuzz target
//! (`fuzz/fuzz_targets/wasi.rs`), so it names nothing of the test crate.

use arbitrary::Unstructured;
use kiln::{Engine, Func, Instance, Linker, Memory, Module, Store, Val};
use kiln_wasi::{DirPerms, FilePerms, WasiCtx, WasiCtxBuilder};
use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// The WASI functions the guest re-exports, with their wasm parameter
/// types (every one returns an errno as `i32`). `poll_oneoff` is left out
/// on purpose: a guest may ask it to sleep as long as it likes, which is
/// its right, not a hang of the host.
const FUNCS: &[(&str, &str)] = &[
    ("fd_advise", "i32 i64 i64 i32"),
    ("fd_allocate", "i32 i64 i64"),
    ("fd_close", "i32"),
    ("fd_datasync", "i32"),
    ("fd_fdstat_get", "i32 i32"),
    ("fd_fdstat_set_flags", "i32 i32"),
    ("fd_fdstat_set_rights", "i32 i64 i64"),
    ("fd_filestat_get", "i32 i32"),
    ("fd_filestat_set_size", "i32 i64"),
    ("fd_filestat_set_times", "i32 i64 i64 i32"),
    ("fd_pread", "i32 i32 i32 i64 i32"),
    ("fd_prestat_get", "i32 i32"),
    ("fd_prestat_dir_name", "i32 i32 i32"),
    ("fd_pwrite", "i32 i32 i32 i64 i32"),
    ("fd_read", "i32 i32 i32 i32"),
    ("fd_readdir", "i32 i32 i32 i64 i32"),
    ("fd_renumber", "i32 i32"),
    ("fd_seek", "i32 i64 i32 i32"),
    ("fd_sync", "i32"),
    ("fd_tell", "i32 i32"),
    ("fd_write", "i32 i32 i32 i32"),
    ("path_create_directory", "i32 i32 i32"),
    ("path_filestat_get", "i32 i32 i32 i32 i32"),
    ("path_filestat_set_times", "i32 i32 i32 i32 i64 i64 i32"),
    ("path_link", "i32 i32 i32 i32 i32 i32 i32"),
    ("path_open", "i32 i32 i32 i32 i32 i64 i64 i32 i32"),
    ("path_readlink", "i32 i32 i32 i32 i32 i32"),
    ("path_remove_directory", "i32 i32 i32"),
    ("path_rename", "i32 i32 i32 i32 i32 i32"),
    ("path_symlink", "i32 i32 i32 i32 i32"),
    ("path_unlink_file", "i32 i32 i32"),
];

/// The guest's memory map (one 64 KiB page).
const PATH_A: u32 = 0;
const PATH_B: u32 = 0x1000;
const IOVECS: u32 = 0x2000;
const DATA: u32 = 0x4000;
const DATA_LEN: u32 = 0x8000;
const OUT: u32 = 0xf000;
const MEMORY_SIZE: u32 = 0x1_0000;

/// The rights a preopened directory passes on to what is opened under it
/// (`rights::PREOPEN_INHERITING` in `preview1/types.rs`): every right but
/// the sockets' (bits 28 and 29).
const INHERITABLE: i64 = (1 << 28) - 1;

/// Descriptors the guest may hold: stdio, the preopen and a dozen more.
const MAX_OPEN_FILES: usize = 16;
/// How much the guest's files may grow in all.
const DISK_BUDGET: u64 = 1 << 20;
/// Calls per input, at most.
const MAX_CALLS: usize = 100;

/// Path components the guest's paths are made of: the sandbox's entries,
/// its symlinks, the way out (`..`, `outside`, absolute paths) and new
/// names.
const WORDS: &[&str] = &[
    ".",
    "..",
    "",
    "file.txt",
    "sub",
    "inner.txt",
    "up",
    "root",
    "out",
    "outdir",
    "abs",
    "dangle",
    "loop",
    "outside",
    "secret.txt",
    "sandbox",
    "new",
    "a",
    "b",
    ESCAPE,
    "tmp",
    "etc",
    "passwd",
];

/// A name that must never appear in `/` or next to the temporary root.
const ESCAPE: &str = "kiln-fuzz-escape";

/// The guest: imports and re-exports every function of [`FUNCS`], exports
/// its memory.
fn guest_wat() -> String {
    let mut wat = String::from("(module\n");
    for (name, params) in FUNCS {
        wat.push_str(&format!(
            "  (import \"wasi_snapshot_preview1\" \"{name}\" (func ${name} (param {params}) (result i32)))\n"
        ));
    }
    wat.push_str("  (memory (export \"memory\") 1 1)\n");
    for (name, params) in FUNCS {
        let gets: String = (0..params.split(' ').count()).map(|i| format!(" (local.get {i})")).collect();
        wat.push_str(&format!("  (func (export \"{name}\") (param {params}) (result i32) (call ${name}{gets}))\n"));
    }
    wat.push(')');
    wat
}

/// The store's data.
pub struct State {
    wasi: WasiCtx,
}

/// The engine, the compiled guest and a linker with WASI, made once.
pub struct Guest {
    module: Module,
    linker: Linker<State>,
}

impl Guest {
    /// Compiles the guest for the default engine.
    pub fn new() -> Guest {
        let engine = Engine::default();
        let module = Module::new(&engine, guest_wat()).expect("the guest compiles");
        let mut linker = Linker::new(&engine);
        kiln_wasi::add_to_linker(&mut linker, |s: &mut State| &mut s.wasi).expect("WASI is added to the linker");
        let guest = Guest { module, linker };
        guest.assert_calls_work();
        guest
    }

    /// Fails at once, saying why, when calls into wasm cannot work on this
    /// thread (every call would trap with "call stack exhausted", and the
    /// first input would be blamed). That happened under AddressSanitizer's
    /// fake stacks while Kiln took a local's address for the stack pointer
    /// (it reads the register now).
    fn assert_calls_work(&self) {
        let mut store = Store::new(self.module.engine(), State { wasi: WasiCtxBuilder::new().build() });
        let instance = self.linker.instantiate(&mut store, &self.module).expect("the guest instantiates");
        let close = instance.get_func(&mut store, "fd_close").expect("the guest exports fd_close");
        // Closing a descriptor that is not open: EBADF (8).
        assert_eq!(invoke(&mut store, close, &[Val::I32(100)]), Ok(8), "calling the guest fails");
    }
}

impl Default for Guest {
    fn default() -> Self {
        Guest::new()
    }
}

/// One host object, seen by `lstat` only.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Meta {
    ino: u64,
    size: u64,
    nlink: u64,
    atime: (i64, i64),
    mtime: (i64, i64),
    ctime: (i64, i64),
}

fn meta(path: &Path) -> Option<Meta> {
    let m = std::fs::symlink_metadata(path).ok()?;
    Some(Meta {
        ino: m.ino(),
        size: m.size(),
        nlink: m.nlink(),
        atime: (m.atime(), m.atime_nsec()),
        mtime: (m.mtime(), m.mtime_nsec()),
        ctime: (m.ctime(), m.ctime_nsec()),
    })
}

/// A sentinel's metadata. `<tmp>`'s access time is left out: the guest
/// reads it legitimately (`..` of the preopen is refused, but cap-std
/// looks at the preopen itself), and an entry created, removed or renamed
/// in it shows in its modification time and link count anyway.
fn sentinel_meta(root: &Path, path: &Path) -> Option<Meta> {
    let mut m = meta(path)?;
    if path == root {
        m.atime = (0, 0);
    }
    Some(m)
}

/// An entry of the sandbox, as the permission checks compare them.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Inside {
    ino: u64,
    kind: &'static str,
    /// A symlink's target.
    target: Option<PathBuf>,
}

/// The temporary tree of one input.
struct Tree {
    root: tempfile::TempDir,
    sandbox: PathBuf,
    outside: PathBuf,
    /// The sentinels (`outside` and everything in it, and `<tmp>`) before
    /// the calls.
    sentinels: Vec<(PathBuf, Option<Meta>)>,
    /// Host objects no guest descriptor or stat may be: (device, inode).
    forbidden: BTreeSet<(u64, u64)>,
    /// The sandbox's entries and the regular files' contents, before.
    entries: Entries,
    contents: Contents,
}

/// The sandbox's entries by path (relative to it).
type Entries = BTreeMap<PathBuf, Inside>;
/// Regular files' contents by inode.
type Contents = BTreeMap<u64, Vec<u8>>;

impl Tree {
    fn new() -> std::io::Result<Tree> {
        let root = tempfile::Builder::new().prefix("kiln-wasi-fuzz-").tempdir()?;
        let sandbox = root.path().join("sandbox");
        let outside = root.path().join("outside");
        std::fs::create_dir(&sandbox)?;
        std::fs::create_dir(&outside)?;
        std::fs::create_dir(outside.join("sub"))?;
        std::fs::write(outside.join("secret.txt"), "top secret\n")?;
        std::fs::write(outside.join("sub/file"), "also secret\n")?;
        std::fs::write(sandbox.join("file.txt"), "hello, sandbox\n")?;
        std::fs::create_dir(sandbox.join("sub"))?;
        std::fs::write(sandbox.join("sub/inner.txt"), "inner\n")?;
        let links: [(&Path, &str); 7] = [
            (Path::new(".."), "up"),
            (Path::new("/"), "root"),
            (Path::new("../outside/secret.txt"), "out"),
            (Path::new("../outside"), "outdir"),
            (&outside, "abs"),
            (Path::new("../outside/new"), "dangle"),
            (Path::new("loop"), "loop"),
        ];
        for (target, name) in links {
            std::os::unix::fs::symlink(target, sandbox.join(name))?;
        }
        // Access times older than modification times: a read moves them
        // even on a `relatime` mount, so reading is seen as a change.
        let old = std::fs::FileTimes::new()
            .set_accessed(SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000))
            .set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(1_500_000_000));
        for path in [outside.join("secret.txt"), outside.join("sub/file"), outside.join("sub"), outside.clone()] {
            std::fs::File::open(&path)?.set_times(old)?;
        }
        let sentinel_paths = [
            root.path().to_path_buf(),
            outside.clone(),
            outside.join("secret.txt"),
            outside.join("sub"),
            outside.join("sub/file"),
        ];
        let sentinels = sentinel_paths.iter().map(|p| (p.clone(), sentinel_meta(root.path(), p))).collect();
        let mut forbidden = BTreeSet::new();
        let dir_of_root = root.path().parent().map(Path::to_path_buf).unwrap_or_else(|| "/".into());
        for p in sentinel_paths.iter().chain([&dir_of_root, &PathBuf::from("/"), &PathBuf::from("/etc")]) {
            let m = std::fs::metadata(p)?;
            forbidden.insert((m.dev(), m.ino()));
        }
        let mut tree =
            Tree { root, sandbox, outside, sentinels, forbidden, entries: BTreeMap::new(), contents: BTreeMap::new() };
        (tree.entries, tree.contents) = tree.inside()?;
        Ok(tree)
    }

    /// Every entry under the sandbox, and each regular file's contents by
    /// inode.
    fn inside(&self) -> std::io::Result<(Entries, Contents)> {
        let (mut entries, mut contents) = (BTreeMap::new(), BTreeMap::new());
        let mut dirs = vec![self.sandbox.clone()];
        while let Some(dir) = dirs.pop() {
            for e in std::fs::read_dir(&dir)? {
                let path = e?.path();
                let m = std::fs::symlink_metadata(&path)?;
                let (kind, target) = if m.is_symlink() {
                    ("symlink", Some(std::fs::read_link(&path)?))
                } else if m.is_dir() {
                    dirs.push(path.clone());
                    ("dir", None)
                } else if m.is_file() {
                    contents.insert(m.ino(), std::fs::read(&path)?);
                    ("file", None)
                } else {
                    ("other", None)
                };
                let relative = path.strip_prefix(&self.sandbox).expect("under the sandbox").to_path_buf();
                entries.insert(relative, Inside { ino: m.ino(), kind, target });
            }
        }
        Ok((entries, contents))
    }

    /// The sandbox checks that the host side can make. `Err` says what was
    /// broken.
    fn check(&self, perms: (DirPerms, FilePerms), initial_bytes: u64) -> Result<(), String> {
        for (path, before) in &self.sentinels {
            let now = sentinel_meta(self.root.path(), path);
            if &now != before {
                return Err(format!("{} changed or was read: {before:?} -> {now:?}", path.display()));
            }
        }
        for new in ["secret.txt", "sub", "new", ESCAPE, "a", "b", "file.txt", "inner.txt"] {
            let path = self.outside.join(new);
            if !self.sentinels.iter().any(|(p, _)| p == &path) && meta(&path).is_some() {
                return Err(format!("{} appeared outside the sandbox", path.display()));
            }
        }
        let parent = self.root.path().parent().unwrap_or(Path::new("/"));
        for dir in [Path::new("/"), parent] {
            if meta(&dir.join(ESCAPE)).is_some() {
                return Err(format!("{} appeared", dir.join(ESCAPE).display()));
            }
        }
        let (entries, contents) = self.inside().map_err(|e| format!("reading the sandbox: {e}"))?;
        if !perms.0.contains(DirPerms::MUTATE) && entries != self.entries {
            return Err(format!("entries changed without DirPerms::MUTATE: {:?} -> {entries:?}", self.entries));
        }
        if !perms.1.contains(FilePerms::WRITE) {
            for (ino, data) in &contents {
                let before = self.contents.get(ino).map(Vec::as_slice).unwrap_or_default();
                if data.as_slice() != before {
                    return Err(format!("inode {ino}'s contents changed without FilePerms::WRITE"));
                }
            }
        }
        let bytes: u64 = contents.values().map(|c| c.len() as u64).sum();
        if bytes > initial_bytes + DISK_BUDGET {
            return Err(format!("the files hold {bytes} bytes, more than the budget allows"));
        }
        Ok(())
    }
}

/// One call: the export, its arguments and what to write into memory first.
#[derive(Debug)]
struct Call {
    name: &'static str,
    args: Vec<Val>,
    writes: Vec<(u32, Vec<u8>)>,
}

/// A path: mostly words joined by `/`, sometimes absolute or with a
/// trailing slash, sometimes arbitrary bytes (not UTF-8, NUL...).
fn path(u: &mut Unstructured<'_>) -> Vec<u8> {
    if u.ratio(1, 10).unwrap_or(false) {
        let len = u.int_in_range(0..=64usize).unwrap_or(0);
        return u.bytes(len).unwrap_or_default().to_vec();
    }
    let n = *u.choose(&[1, 1, 1, 1, 2, 2, 3, 4]).unwrap_or(&1);
    // Names that exist or may be created inside more often than the way
    // out, so that sequences build on what they made.
    let words: Vec<&str> = (0..n)
        .map(|_| match u.ratio(3, 5).unwrap_or(true) {
            true => *u.choose(&["file.txt", "sub", "inner.txt", "a", "b", "new", "."]).unwrap_or(&"a"),
            false => *u.choose(WORDS).unwrap_or(&"a"),
        })
        .collect();
    let mut p = words.join("/");
    if u.ratio(1, 8).unwrap_or(false) {
        p.insert(0, '/');
    }
    if u.ratio(1, 10).unwrap_or(false) {
        p.push('/');
    }
    p.into_bytes()
}

/// A descriptor: mostly the preopen (3) or one the guest may have opened
/// (the lowest free numbers come first), sometimes stdio or anything.
fn fd(u: &mut Unstructured<'_>) -> i32 {
    match u.int_in_range(0..=19u8).unwrap_or(0) {
        0..=13 => 3,
        14 | 15 => u.int_in_range(4..=7).unwrap_or(4),
        16 | 17 => u.int_in_range(0..=MAX_OPEN_FILES as i32).unwrap_or(0),
        _ => u.arbitrary().unwrap_or(-1),
    }
}

/// A pointer for a buffer of `len` bytes at `at`: mostly `at`, sometimes
/// near or past the end of memory (`EFAULT`).
fn ptr(u: &mut Unstructured<'_>, at: u32) -> i32 {
    match u.int_in_range(0..=63u8).unwrap_or(0) {
        0 => u.arbitrary().unwrap_or(0),
        1 => (MEMORY_SIZE - u.int_in_range(0..=16u32).unwrap_or(0)) as i32,
        _ => at as i32,
    }
}

/// A descriptor to close, renumber, read, write...: mostly one the guest
/// opened (so that the preopen stays usable for most of a sequence).
fn fd_opened(u: &mut Unstructured<'_>) -> i32 {
    match u.ratio(1, 8).unwrap_or(false) {
        true => fd(u),
        // The lowest free number is taken first.
        false => *u.choose(&[4, 4, 4, 5, 5, 6, 7]).unwrap_or(&4),
    }
}

/// `oflags` of `path_open`: the useful combinations mostly.
fn oflags(u: &mut Unstructured<'_>) -> i32 {
    // creat = 1, directory = 2, excl = 4, trunc = 8
    match u.ratio(1, 8).unwrap_or(false) {
        true => flags(u, 0xf),
        false => *u.choose(&[0, 0, 1, 1, 1 | 4, 8, 1 | 8, 2]).unwrap_or(&0),
    }
}

/// A flags word: mostly the defined bits, sometimes anything.
fn flags(u: &mut Unstructured<'_>, defined: u32) -> i32 {
    match u.ratio(1, 16).unwrap_or(false) {
        true => u.arbitrary().unwrap_or(0),
        false => (u.arbitrary::<u32>().unwrap_or(0) & defined) as i32,
    }
}

/// A 64-bit quantity (size, offset): small mostly, sometimes huge.
fn amount(u: &mut Unstructured<'_>) -> i64 {
    match u.int_in_range(0..=7u8).unwrap_or(0) {
        0 => u.arbitrary().unwrap_or(0),
        1 => i64::MAX,
        2 => -1,
        _ => u.int_in_range(0..=8192i64).unwrap_or(0),
    }
}

/// A path argument written at `at`: (pointer, length) and the write.
fn path_arg(u: &mut Unstructured<'_>, at: u32, writes: &mut Vec<(u32, Vec<u8>)>) -> (Val, Val) {
    let p = path(u);
    let len = match u.ratio(1, 20).unwrap_or(false) {
        true => u.arbitrary().unwrap_or(0),
        false => p.len() as i32,
    };
    writes.push((at, p));
    (Val::I32(ptr(u, at)), Val::I32(len))
}

/// Iovecs at [`IOVECS`] over the data buffer: (pointer, count) and the
/// writes.
fn iovecs(u: &mut Unstructured<'_>, writes: &mut Vec<(u32, Vec<u8>)>) -> (Val, Val) {
    let n = u.int_in_range(0..=4u32).unwrap_or(1);
    let mut table = Vec::new();
    for _ in 0..n {
        let at = DATA + u.int_in_range(0..=DATA_LEN - 1).unwrap_or(0);
        let len = match u.ratio(1, 16).unwrap_or(false) {
            true => u.arbitrary().unwrap_or(0),
            false => u.int_in_range(0..=DATA + DATA_LEN - at).unwrap_or(0),
        };
        table.extend_from_slice(&at.to_le_bytes());
        table.extend_from_slice(&len.to_le_bytes());
    }
    writes.push((IOVECS, table));
    let count = match u.ratio(1, 20).unwrap_or(false) {
        true => u.arbitrary().unwrap_or(0),
        false => n as i32,
    };
    (Val::I32(ptr(u, IOVECS)), Val::I32(count))
}

/// The next call from the fuzz input.
fn call(u: &mut Unstructured<'_>) -> Call {
    let mut w = Vec::new();
    let (name, args) = match u.int_in_range(0..=32u8).unwrap_or(0) {
        // A plain open of something that is there or is created, so that
        // the calls on descriptors have descriptors to work on.
        31 | 32 => {
            let name = *u.choose(&["file.txt", "sub", "sub/inner.txt", "a", "b", "new", "."]).unwrap_or(&"a");
            w.push((PATH_A, name.as_bytes().to_vec()));
            let (oflags, rights) = match u.int_in_range(0..=2u8).unwrap_or(0) {
                0 => (0, INHERITABLE & !(1 << 6)),
                1 => (0, INHERITABLE),
                _ => (1, INHERITABLE),
            };
            let args = vec![
                Val::I32(3),
                Val::I32(0),
                Val::I32(PATH_A as i32),
                Val::I32(name.len() as i32),
                Val::I32(oflags),
                Val::I64(rights),
                Val::I64(rights),
                Val::I32(0),
                Val::I32(OUT as i32),
            ];
            ("path_open", args)
        }
        0..=4 => {
            let (p, l) = path_arg(u, PATH_A, &mut w);
            // What a preopen may pass on (a descriptor never gets more
            // rights than its directory's inheriting rights: asking for
            // more is `ENOTCAPABLE`), a part of it, or anything.
            // Without `fd_write` (bit 6), an open is allowed under a
            // read-only preopen too.
            let rights = match u.int_in_range(0..=7u8).unwrap_or(0) {
                0..=2 => INHERITABLE,
                3 | 4 => INHERITABLE & !(1 << 6),
                5 | 6 => INHERITABLE & u.arbitrary::<i64>().unwrap_or(0),
                _ => u.arbitrary().unwrap_or(0),
            };
            let args = vec![
                Val::I32(fd(u)),
                Val::I32(flags(u, 1)),
                p,
                l,
                Val::I32(oflags(u)),
                Val::I64(rights),
                Val::I64(rights),
                // append = 1, dsync = 2, nonblock = 4, rsync = 8, sync = 16
                Val::I32(match u.ratio(1, 4).unwrap_or(false) {
                    true => flags(u, 0x1f),
                    false => *u.choose(&[0, 0, 1, 4]).unwrap_or(&0),
                }),
                Val::I32(ptr(u, OUT)),
            ];
            ("path_open", args)
        }
        5 | 6 => {
            let data: Vec<u8> = (0..u.int_in_range(0..=64usize).unwrap_or(0)).map(|i| i as u8).collect();
            w.push((DATA, data));
            let (iov, n) = iovecs(u, &mut w);
            match u.ratio(1, 2).unwrap_or(true) {
                true => ("fd_write", vec![Val::I32(fd_opened(u)), iov, n, Val::I32(ptr(u, OUT))]),
                false => {
                    ("fd_pwrite", vec![Val::I32(fd_opened(u)), iov, n, Val::I64(amount(u)), Val::I32(ptr(u, OUT))])
                }
            }
        }
        7 | 8 => {
            let (iov, n) = iovecs(u, &mut w);
            match u.ratio(1, 2).unwrap_or(true) {
                true => ("fd_read", vec![Val::I32(fd_opened(u)), iov, n, Val::I32(ptr(u, OUT))]),
                false => ("fd_pread", vec![Val::I32(fd_opened(u)), iov, n, Val::I64(amount(u)), Val::I32(ptr(u, OUT))]),
            }
        }
        9 => {
            ("fd_seek", vec![Val::I32(fd_opened(u)), Val::I64(amount(u)), Val::I32(flags(u, 3)), Val::I32(ptr(u, OUT))])
        }
        10 => ("fd_close", vec![Val::I32(fd_opened(u))]),
        11 => ("fd_renumber", vec![Val::I32(fd_opened(u)), Val::I32(fd_opened(u))]),
        12 | 13 => {
            let (p, l) = path_arg(u, PATH_A, &mut w);
            ("path_create_directory", vec![Val::I32(fd(u)), p, l])
        }
        14 => {
            let (p, l) = path_arg(u, PATH_A, &mut w);
            ("path_remove_directory", vec![Val::I32(fd(u)), p, l])
        }
        15 => {
            let (p, l) = path_arg(u, PATH_A, &mut w);
            ("path_unlink_file", vec![Val::I32(fd(u)), p, l])
        }
        16 | 17 => {
            let (p, l) = path_arg(u, PATH_A, &mut w);
            let (q, m) = path_arg(u, PATH_B, &mut w);
            ("path_rename", vec![Val::I32(fd(u)), p, l, Val::I32(fd(u)), q, m])
        }
        18 | 19 => {
            let (target, tl) = path_arg(u, PATH_A, &mut w);
            let (p, l) = path_arg(u, PATH_B, &mut w);
            ("path_symlink", vec![target, tl, Val::I32(fd(u)), p, l])
        }
        20 => {
            let (p, l) = path_arg(u, PATH_A, &mut w);
            let (q, m) = path_arg(u, PATH_B, &mut w);
            ("path_link", vec![Val::I32(fd(u)), Val::I32(flags(u, 1)), p, l, Val::I32(fd(u)), q, m])
        }
        21 | 22 => {
            let (p, l) = path_arg(u, PATH_A, &mut w);
            ("path_filestat_get", vec![Val::I32(fd(u)), Val::I32(flags(u, 1)), p, l, Val::I32(ptr(u, OUT))])
        }
        23 => {
            let (p, l) = path_arg(u, PATH_A, &mut w);
            let args = vec![
                Val::I32(fd(u)),
                Val::I32(flags(u, 1)),
                p,
                l,
                Val::I64(amount(u)),
                Val::I64(amount(u)),
                Val::I32(flags(u, 0xf)),
            ];
            ("path_filestat_set_times", args)
        }
        24 => {
            let (p, l) = path_arg(u, PATH_A, &mut w);
            let len = u.int_in_range(0..=DATA_LEN).unwrap_or(64) as i32;
            ("path_readlink", vec![Val::I32(fd(u)), p, l, Val::I32(ptr(u, DATA)), Val::I32(len), Val::I32(ptr(u, OUT))])
        }
        25 => {
            let len = u.int_in_range(0..=DATA_LEN).unwrap_or(256) as i32;
            let cookie = Val::I64(match u.ratio(3, 4).unwrap_or(true) {
                true => 0,
                false => amount(u),
            });
            ("fd_readdir", vec![Val::I32(fd(u)), Val::I32(ptr(u, DATA)), Val::I32(len), cookie, Val::I32(ptr(u, OUT))])
        }
        26 => match u.int_in_range(0..=2u8).unwrap_or(0) {
            0 => ("fd_filestat_set_size", vec![Val::I32(fd_opened(u)), Val::I64(amount(u))]),
            1 => ("fd_allocate", vec![Val::I32(fd_opened(u)), Val::I64(amount(u)), Val::I64(amount(u))]),
            _ => (
                "fd_filestat_set_times",
                vec![Val::I32(fd_opened(u)), Val::I64(amount(u)), Val::I64(amount(u)), Val::I32(flags(u, 0xf))],
            ),
        },
        27 => match u.int_in_range(0..=2u8).unwrap_or(0) {
            0 => ("fd_fdstat_get", vec![Val::I32(fd(u)), Val::I32(ptr(u, OUT))]),
            1 => ("fd_fdstat_set_flags", vec![Val::I32(fd(u)), Val::I32(flags(u, 0x1f))]),
            _ => ("fd_fdstat_set_rights", vec![Val::I32(fd(u)), Val::I64(amount(u)), Val::I64(amount(u))]),
        },
        28 => match u.int_in_range(0..=1u8).unwrap_or(0) {
            0 => ("fd_prestat_get", vec![Val::I32(fd(u)), Val::I32(ptr(u, OUT))]),
            _ => {
                let len = u.int_in_range(0..=64).unwrap_or(8);
                ("fd_prestat_dir_name", vec![Val::I32(fd(u)), Val::I32(ptr(u, DATA)), Val::I32(len)])
            }
        },
        29 => match u.int_in_range(0..=2u8).unwrap_or(0) {
            0 => ("fd_tell", vec![Val::I32(fd_opened(u)), Val::I32(ptr(u, OUT))]),
            1 => ("fd_sync", vec![Val::I32(fd(u))]),
            _ => ("fd_datasync", vec![Val::I32(fd(u))]),
        },
        _ => ("fd_advise", vec![Val::I32(fd(u)), Val::I64(amount(u)), Val::I64(amount(u)), Val::I32(flags(u, 7))]),
    };
    Call { name, args, writes: w }
}

/// What one check did.
#[derive(Clone, Copy, Debug, Default)]
pub struct Checked {
    /// Calls made, and of those the ones that succeeded (errno 0).
    pub calls: u64,
    pub succeeded: u64,
    /// Successful calls by kind: opens, and calls that changed the tree.
    pub opened: u64,
    pub created: u64,
}

/// The errno of a call, or why there is none.
fn invoke(store: &mut Store<State>, func: Func, args: &[Val]) -> Result<i32, String> {
    let mut result = [Val::I32(0)];
    func.call(&mut *store, args, &mut result)
        .map_err(|e| format!("the call failed instead of giving an errno: {e:#}"))?;
    match result[0] {
        Val::I32(errno @ 0..=76) => Ok(errno),
        other => Err(format!("not an errno: {other:?}")),
    }
}

/// The (device, inode) of every object a guest descriptor holds.
fn guest_objects(
    store: &mut Store<State>,
    instance: &Instance,
    memory: Memory,
) -> Result<Vec<(i32, u64, u64)>, String> {
    let stat = instance.get_func(&mut *store, "fd_filestat_get").expect("the guest exports fd_filestat_get");
    let mut objects = Vec::new();
    for fd in 0..=MAX_OPEN_FILES as i32 + 4 {
        if invoke(store, stat, &[Val::I32(fd), Val::I32(OUT as i32)])? == 0 {
            let mut buf = [0u8; 16];
            memory.read(&*store, OUT as usize, &mut buf).expect("inside memory");
            let dev = u64::from_le_bytes(buf[..8].try_into().expect("8 bytes"));
            let ino = u64::from_le_bytes(buf[8..].try_into().expect("8 bytes"));
            objects.push((fd, dev, ino));
        }
    }
    Ok(objects)
}

/// Runs the calls `data` describes against a fresh tree and checks the
/// sandbox after each. `Err` says what broke, after which calls.
pub fn check(guest: &Guest, data: &[u8], time_bound: Duration) -> Result<Checked, String> {
    let mut u = Unstructured::new(data);
    // Full access most often: most calls need it to do anything at all.
    let all = (DirPerms::all(), FilePerms::all());
    let perms = *u
        .choose(&[
            all,
            all,
            all,
            all,
            all,
            (DirPerms::READ, FilePerms::READ),
            (DirPerms::all(), FilePerms::READ),
            (DirPerms::READ, FilePerms::all()),
            (DirPerms::empty(), FilePerms::empty()),
        ])
        .unwrap_or(&all);
    let tree = Tree::new().map_err(|e| format!("making the temporary tree: {e}"))?;
    let initial_bytes: u64 = tree.contents.values().map(|c| c.len() as u64).sum();
    let wasi = WasiCtxBuilder::new()
        .preopened_dir(&tree.sandbox, "/sandbox", perms.0, perms.1)
        .map_err(|e| format!("{e:#}"))?
        .max_open_files(MAX_OPEN_FILES)
        .max_disk_bytes(DISK_BUDGET)
        .build();
    let mut store = Store::new(guest.module.engine(), State { wasi });
    let instance = guest.linker.instantiate(&mut store, &guest.module).map_err(|e| format!("{e:#}"))?;
    let memory = instance.get_memory(&mut store, "memory").expect("the guest exports its memory");

    let mut checked = Checked::default();
    let mut done: Vec<String> = Vec::new();
    let fail = |done: &[String], what: String| {
        Err(format!("{what}\nperms {perms:?}; calls (errno after each):\n  {}", done.join("\n  ")))
    };
    while !u.is_empty() && done.len() < MAX_CALLS {
        let call = call(&mut u);
        for (at, bytes) in &call.writes {
            memory.write(&mut store, *at as usize, bytes).expect("the layout fits in memory");
        }
        let func = instance.get_func(&mut store, call.name).expect("the guest exports every function");
        let paths: Vec<String> =
            call.writes.iter().map(|(at, b)| format!("{at:#x}: {:?}", String::from_utf8_lossy(b))).collect();
        let started = Instant::now();
        let errno = match invoke(&mut store, func, &call.args) {
            Ok(errno) => errno,
            Err(e) => return fail(&done, format!("{}{:?} ({}): {e}", call.name, call.args, paths.join(", "))),
        };
        let elapsed = started.elapsed();
        done.push(format!("{}{:?} [{}] -> {errno}", call.name, call.args, paths.join(", ")));
        if elapsed > time_bound {
            return fail(&done, format!("the last call took {elapsed:?} (bound {time_bound:?})"));
        }
        checked.calls += 1;
        if errno == 0 {
            checked.succeeded += 1;
            match call.name {
                "path_open" => checked.opened += 1,
                "path_create_directory" | "path_symlink" | "path_rename" | "path_link" => checked.created += 1,
                "path_filestat_get" if matches!(call.args[4], Val::I32(p) if p == OUT as i32) => {
                    let mut buf = [0u8; 16];
                    memory.read(&store, OUT as usize, &mut buf).expect("inside memory");
                    let dev = u64::from_le_bytes(buf[..8].try_into().expect("8 bytes"));
                    let ino = u64::from_le_bytes(buf[8..].try_into().expect("8 bytes"));
                    if tree.forbidden.contains(&(dev, ino)) {
                        return fail(&done, format!("path_filestat_get described a host object outside: {dev}:{ino}"));
                    }
                }
                _ => {}
            }
        }
        if let Err(e) = tree.check(perms, initial_bytes) {
            return fail(&done, e);
        }
        let objects = match guest_objects(&mut store, &instance, memory) {
            Ok(objects) => objects,
            Err(e) => return fail(&done, e),
        };
        if let Some((fd, dev, ino)) = objects.iter().find(|(_, d, i)| tree.forbidden.contains(&(*d, *i))) {
            return fail(&done, format!("fd {fd} is a host object outside the sandbox ({dev}:{ino})"));
        }
    }
    drop(store);
    // The tree is removed now: nothing the guest made may stop that.
    let root = tree.root.path().to_path_buf();
    tree.root.close().map_err(|e| format!("removing {}: {e}", root.display()))?;
    Ok(checked)
}
