//! The WASI context of one store, and the builder an embedder configures it
//! with: arguments, environment, stdio, preopened directories, clocks and
//! randomness.

use crate::clocks::{HostMonotonicClock, HostRandom, HostWallClock, MonotonicClock, RandomSource, WallClock};
use crate::preview1::budget::DiskBudget;
use crate::preview1::table::{preopen_entry, Descriptor, Entry, FdTable};
use crate::preview1::types::rights;
use crate::stdio::{
    EmptyInput, HostStderr, HostStdin, HostStdout, SharedStdin, SharedStdout, SinkOutput, StdinStream, StdoutStream,
};
use anyhow::Context as _;
use std::fmt;
use std::ops::BitOr;
use std::path::Path;
use std::sync::Arc;

/// What a guest may do with a preopened directory and the directories
/// under it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DirPerms(u8);

impl DirPerms {
    /// List entries, open files and directories, read metadata and links.
    pub const READ: DirPerms = DirPerms(1);
    /// Create, remove, rename and link entries, change timestamps.
    pub const MUTATE: DirPerms = DirPerms(2);

    /// No permission at all.
    pub const fn empty() -> DirPerms {
        DirPerms(0)
    }
    /// Every permission.
    pub const fn all() -> DirPerms {
        DirPerms(3)
    }
    /// Whether every permission of `other` is in `self`.
    pub const fn contains(self, other: DirPerms) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for DirPerms {
    type Output = DirPerms;
    fn bitor(self, rhs: DirPerms) -> DirPerms {
        DirPerms(self.0 | rhs.0)
    }
}

impl fmt::Debug for DirPerms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "DirPerms({}{})",
            if self.contains(DirPerms::READ) { "READ " } else { "" },
            if self.contains(DirPerms::MUTATE) { "MUTATE" } else { "" }
        )
    }
}

/// What a guest may do with the files under a preopened directory.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct FilePerms(u8);

impl FilePerms {
    /// Read file contents.
    pub const READ: FilePerms = FilePerms(1);
    /// Write file contents, change size and timestamps.
    pub const WRITE: FilePerms = FilePerms(2);

    /// No permission at all.
    pub const fn empty() -> FilePerms {
        FilePerms(0)
    }
    /// Every permission.
    pub const fn all() -> FilePerms {
        FilePerms(3)
    }
    /// Whether every permission of `other` is in `self`.
    pub const fn contains(self, other: FilePerms) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for FilePerms {
    type Output = FilePerms;
    fn bitor(self, rhs: FilePerms) -> FilePerms {
        FilePerms(self.0 | rhs.0)
    }
}

impl fmt::Debug for FilePerms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "FilePerms({}{})",
            if self.contains(FilePerms::READ) { "READ " } else { "" },
            if self.contains(FilePerms::WRITE) { "WRITE" } else { "" }
        )
    }
}

/// The WASI state of one store: arguments, environment, the descriptor
/// table, clocks and randomness. Build it with [`WasiCtxBuilder`], keep it
/// in the store's data, and hand [`add_to_linker`](crate::add_to_linker) a
/// closure that finds it there.
pub struct WasiCtx {
    pub(crate) args: Vec<String>,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) table: FdTable,
    pub(crate) wall_clock: Box<dyn WallClock>,
    pub(crate) monotonic_clock: Box<dyn MonotonicClock>,
    pub(crate) random: Box<dyn RandomSource>,
    pub(crate) disk: DiskBudget,
    // What WASI 0.2 reaches of the same context: the stdio preview 1 has at
    // fds 0-2, the directories it has preopened (the same host
    // descriptors), and the 0.2-only insecure randomness.
    pub(crate) stdin: SharedStdin,
    pub(crate) stdout: SharedStdout,
    pub(crate) stderr: SharedStdout,
    pub(crate) preopens: Vec<PreopenDir>,
    pub(crate) insecure_random: Box<dyn RandomSource>,
    pub(crate) insecure_seed: (u64, u64),
}

/// A preopened directory as WASI 0.2's `get-directories` hands it out.
pub(crate) struct PreopenDir {
    pub dir: Arc<cap_std::fs::Dir>,
    pub guest_path: String,
    pub dir_perms: DirPerms,
    pub file_perms: FilePerms,
}

impl WasiCtx {
    /// A new builder (the same as [`WasiCtxBuilder::new`]).
    pub fn builder() -> WasiCtxBuilder {
        WasiCtxBuilder::new()
    }
}

impl fmt::Debug for WasiCtx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WasiCtx").field("args", &self.args).field("env", &self.env).finish_non_exhaustive()
    }
}

struct Preopen {
    dir: Arc<cap_std::fs::Dir>,
    guest_path: String,
    dir_perms: DirPerms,
    file_perms: FilePerms,
}

/// Configures a [`WasiCtx`]. By default a guest gets no arguments, no
/// environment, an empty standard input, standard output and error that
/// discard what is written, no directories, the host's clocks and the
/// host's secure random source; at most
/// [`DEFAULT_MAX_OPEN_FILES`](Self::DEFAULT_MAX_OPEN_FILES) open
/// descriptors and no cap on disk usage.
///
/// ```
/// use kiln_wasi::{DirPerms, FilePerms, MemoryInputPipe, MemoryOutputPipe, WasiCtxBuilder};
///
/// # fn main() -> anyhow::Result<()> {
/// let out = MemoryOutputPipe::new(1 << 20);
/// let dir = std::env::temp_dir();
/// let ctx = WasiCtxBuilder::new()
///     .arg("prog.wasm")
///     .args(["--verbose", "input.txt"])
///     .env("LANG", "C")
///     .stdin(MemoryInputPipe::new("some input"))
///     .stdout(out.clone())
///     .inherit_stderr()
///     .preopened_dir(&dir, "/data", DirPerms::READ, FilePerms::READ)?
///     .build();
/// # drop(ctx);
/// # Ok(())
/// # }
/// ```
pub struct WasiCtxBuilder {
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Box<dyn StdinStream>,
    stdout: Box<dyn StdoutStream>,
    stderr: Box<dyn StdoutStream>,
    preopens: Vec<Preopen>,
    wall_clock: Box<dyn WallClock>,
    monotonic_clock: Box<dyn MonotonicClock>,
    random: Box<dyn RandomSource>,
    insecure_random: Box<dyn RandomSource>,
    insecure_seed: Option<u128>,
    max_open_files: usize,
    max_disk_bytes: Option<u64>,
}

impl Default for WasiCtxBuilder {
    fn default() -> Self {
        WasiCtxBuilder::new()
    }
}

impl WasiCtxBuilder {
    /// The default of [`max_open_files`](Self::max_open_files): what a
    /// Unix process commonly gets (the usual soft `RLIMIT_NOFILE`), so that
    /// ordinary guests never meet the cap. It is per context: a host whose
    /// own limit is that low, or that runs many contexts, should set less.
    pub const DEFAULT_MAX_OPEN_FILES: usize = 1024;

    /// A builder with the defaults described above.
    pub fn new() -> WasiCtxBuilder {
        WasiCtxBuilder {
            args: Vec::new(),
            env: Vec::new(),
            stdin: Box::new(EmptyInput),
            stdout: Box::new(SinkOutput),
            stderr: Box::new(SinkOutput),
            preopens: Vec::new(),
            wall_clock: Box::new(HostWallClock),
            monotonic_clock: Box::new(HostMonotonicClock::default()),
            random: Box::new(HostRandom),
            insecure_random: Box::new(HostRandom),
            insecure_seed: None,
            max_open_files: Self::DEFAULT_MAX_OPEN_FILES,
            max_disk_bytes: None,
        }
    }

    /// Appends one argument. The first argument is the program's name
    /// (`argv[0]`).
    pub fn arg(&mut self, arg: impl AsRef<str>) -> &mut Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    /// Appends arguments.
    pub fn args(&mut self, args: impl IntoIterator<Item = impl AsRef<str>>) -> &mut Self {
        self.args.extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Appends the host process's own arguments (lossily converted to
    /// UTF-8).
    pub fn inherit_args(&mut self) -> &mut Self {
        self.args.extend(std::env::args_os().map(|a| a.to_string_lossy().into_owned()));
        self
    }

    /// Sets one environment variable.
    pub fn env(&mut self, key: impl AsRef<str>, value: impl AsRef<str>) -> &mut Self {
        self.env.push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Sets environment variables.
    pub fn envs(&mut self, env: impl IntoIterator<Item = (impl AsRef<str>, impl AsRef<str>)>) -> &mut Self {
        for (k, v) in env {
            self.env(k, v);
        }
        self
    }

    /// Passes the host process's whole environment (lossily converted to
    /// UTF-8).
    pub fn inherit_env(&mut self) -> &mut Self {
        self.env.extend(
            std::env::vars_os().map(|(k, v)| (k.to_string_lossy().into_owned(), v.to_string_lossy().into_owned())),
        );
        self
    }

    /// Sets standard input: a [`MemoryInputPipe`](crate::MemoryInputPipe),
    /// a host [`std::fs::File`], or any [`StdinStream`].
    pub fn stdin(&mut self, stdin: impl StdinStream + 'static) -> &mut Self {
        self.stdin = Box::new(stdin);
        self
    }

    /// Sets standard output: a [`MemoryOutputPipe`](crate::MemoryOutputPipe),
    /// a host [`std::fs::File`], or any [`StdoutStream`].
    pub fn stdout(&mut self, stdout: impl StdoutStream + 'static) -> &mut Self {
        self.stdout = Box::new(stdout);
        self
    }

    /// Sets standard error, like [`stdout`](Self::stdout).
    pub fn stderr(&mut self, stderr: impl StdoutStream + 'static) -> &mut Self {
        self.stderr = Box::new(stderr);
        self
    }

    /// Gives the guest the host process's standard input.
    pub fn inherit_stdin(&mut self) -> &mut Self {
        self.stdin(HostStdin)
    }

    /// Gives the guest the host process's standard output.
    pub fn inherit_stdout(&mut self) -> &mut Self {
        self.stdout(HostStdout)
    }

    /// Gives the guest the host process's standard error.
    pub fn inherit_stderr(&mut self) -> &mut Self {
        self.stderr(HostStderr)
    }

    /// Gives the guest the host process's standard input, output and error.
    pub fn inherit_stdio(&mut self) -> &mut Self {
        self.inherit_stdin().inherit_stdout().inherit_stderr()
    }

    /// Lets the guest use the host directory `host_path` under the name
    /// `guest_path` (e.g. `"/data"` or `"."`). The guest reaches nothing
    /// outside it: absolute paths, `..` past it and symlinks leading out of
    /// it are refused. `dir_perms` limits what it may do with directories
    /// there, `file_perms` with files (read-only access is
    /// `DirPerms::READ, FilePerms::READ`). Preopens get fds 3, 4, ... in
    /// the order they are added.
    pub fn preopened_dir(
        &mut self,
        host_path: impl AsRef<Path>,
        guest_path: impl AsRef<str>,
        dir_perms: DirPerms,
        file_perms: FilePerms,
    ) -> anyhow::Result<&mut Self> {
        let host_path = host_path.as_ref();
        let dir = cap_std::fs::Dir::open_ambient_dir(host_path, cap_std::ambient_authority())
            .with_context(|| format!("failed to open directory {} to preopen it", host_path.display()))?;
        self.preopens.push(Preopen {
            dir: Arc::new(dir),
            guest_path: guest_path.as_ref().to_owned(),
            dir_perms,
            file_perms,
        });
        Ok(self)
    }

    /// Replaces the wall clock (`clock_id::realtime`).
    pub fn wall_clock(&mut self, clock: impl WallClock + 'static) -> &mut Self {
        self.wall_clock = Box::new(clock);
        self
    }

    /// Replaces the monotonic clock (`clock_id::monotonic`). `poll_oneoff`
    /// measures absolute monotonic deadlines against it, and then sleeps in
    /// real time for the difference.
    pub fn monotonic_clock(&mut self, clock: impl MonotonicClock + 'static) -> &mut Self {
        self.monotonic_clock = Box::new(clock);
        self
    }

    /// Replaces the source of `random_get` (a closure `FnMut(&mut [u8])`
    /// will do, for deterministic tests).
    pub fn secure_random(&mut self, random: impl RandomSource + 'static) -> &mut Self {
        self.random = Box::new(random);
        self
    }

    /// Replaces the source of WASI 0.2's `wasi:random/insecure` (by
    /// default the host's secure source, which is also a fine insecure
    /// one).
    pub fn insecure_random(&mut self, random: impl RandomSource + 'static) -> &mut Self {
        self.insecure_random = Box::new(random);
        self
    }

    /// Sets what WASI 0.2's `wasi:random/insecure-seed` returns (by
    /// default a value drawn from the host's secure source when the context
    /// is built). The low 64 bits are the tuple's first element.
    pub fn insecure_random_seed(&mut self, seed: u128) -> &mut Self {
        self.insecure_seed = Some(seed);
        self
    }

    /// Caps how many descriptors the guest may have open at once
    /// (default [`DEFAULT_MAX_OPEN_FILES`](Self::DEFAULT_MAX_OPEN_FILES)).
    /// Standard input, output and error and the preopened directories
    /// count: with `n` = 8, three stdio fds and one preopen, the guest can
    /// open four more. Opening past the cap (`path_open`) fails with
    /// `EMFILE` before any host file is opened; closing a descriptor makes
    /// room again. Stdio and preopens are never refused, even past `n`.
    ///
    /// Each open file or directory holds one host descriptor, so the cap
    /// bounds what one context costs the host process; with many contexts
    /// in one process, keep their caps' sum under the process's own limit
    /// (`RLIMIT_NOFILE`).
    pub fn max_open_files(&mut self, n: usize) -> &mut Self {
        self.max_open_files = n;
        self
    }

    /// Caps by how many bytes the guest may make files grow, over the whole
    /// life of the context (default: no cap). Counted is the growth of a
    /// file's size by `fd_write` and `fd_pwrite` (writing past the end),
    /// `fd_allocate` and `fd_filestat_set_size` (extending); overwriting
    /// existing bytes is free, and shrinking or removing files gives
    /// nothing back. A call that would go past the cap fails with `ENOSPC`
    /// and writes or allocates nothing. Standard output and error are not
    /// counted, nor the space directories, links and empty files take.
    ///
    /// Without a cap, a guest with write access to a preopen can fill the
    /// host's disk like any other program (including with one large
    /// `fd_allocate` or `fd_filestat_set_size`).
    pub fn max_disk_bytes(&mut self, n: u64) -> &mut Self {
        self.max_disk_bytes = Some(n);
        self
    }

    /// Makes the context for preview 1 modules: the same as
    /// [`build`](Self::build), under Wasmtime's name (see [`crate::p1`]).
    pub fn build_p1(&mut self) -> crate::p1::WasiP1Ctx {
        self.build()
    }

    /// Makes the context. The builder is left as [`new`](Self::new) made
    /// it, so it can configure another one.
    pub fn build(&mut self) -> WasiCtx {
        let b = std::mem::take(self);
        let mut table = FdTable::default();
        let (stdin, stdout, stderr) =
            (SharedStdin::new(b.stdin), SharedStdout::new(b.stdout), SharedStdout::new(b.stderr));
        let stdio = [
            (Descriptor::Stdin(Box::new(stdin.clone())), rights::STDIN),
            (Descriptor::Stdout(Box::new(stdout.clone())), rights::STDOUT),
            (Descriptor::Stdout(Box::new(stderr.clone())), rights::STDOUT),
        ];
        for (desc, r) in stdio {
            table.push(Entry { desc, base: r, inheriting: r }).expect("an empty table has room");
        }
        let mut preopens = Vec::with_capacity(b.preopens.len());
        for p in b.preopens {
            let entry = preopen_entry(p.dir.clone(), p.guest_path.clone(), p.dir_perms, p.file_perms);
            table.push(entry).expect("the table has room");
            preopens.push(PreopenDir {
                dir: p.dir,
                guest_path: p.guest_path,
                dir_perms: p.dir_perms,
                file_perms: p.file_perms,
            });
        }
        let random = b.random;
        let seed = match b.insecure_seed {
            Some(seed) => seed,
            None => {
                let mut bytes = [0u8; 16];
                // From the host's own source, not the embedder's
                // `secure_random`: drawing from that here would shift what
                // the guest's first `random_get` sees. A seed the host
                // cannot draw is still a valid (if poor) insecure seed: the
                // interface promises no quality.
                let _ = HostRandom.fill(&mut bytes);
                u128::from_le_bytes(bytes)
            }
        };
        // Set only now, so that the embedder's own descriptors always fit.
        table.set_max_open(b.max_open_files);
        WasiCtx {
            args: b.args,
            env: b.env,
            table,
            wall_clock: b.wall_clock,
            monotonic_clock: b.monotonic_clock,
            random,
            disk: DiskBudget::new(b.max_disk_bytes),
            stdin,
            stdout,
            stderr,
            preopens,
            insecure_random: b.insecure_random,
            insecure_seed: (seed as u64, (seed >> 64) as u64),
        }
    }
}
