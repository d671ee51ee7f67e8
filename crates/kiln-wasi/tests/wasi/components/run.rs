//! The adapted programs run as WASI 0.2 components (issue 8, items 6 and
//! 7(b)).
//!
//! What they use (Wasmtime's shape):
//!
//! - `kiln_wasi::p2::add_to_linker_sync(&mut kiln::component::Linker<T>)`
//!   for `T: kiln_wasi::p2::WasiView`;
//! - `kiln_wasi::p2::WasiView::ctx(&mut self) -> kiln_wasi::p2::WasiCtxView<'_>`,
//!   `WasiCtxView { ctx: &mut kiln_wasi::WasiCtx, table: &mut ResourceTable }`
//!   (the preview 1 `WasiCtx`, from the shared `WasiCtxBuilder`);
//! - `kiln::component::ResourceTable` (`ResourceTable::new()`).
//!
//! What they check:
//!
//! - Every C program gives, as a component, the same stdout, stderr and
//!   files as its core version under the same context, in both tiers
//!   (differentially: each scenario runs core and component in fresh,
//!   identically prepared sandboxes). The exit status is the core one with
//!   one documented difference: the adapter maps `proc_exit(n)` with
//!   `n != 0` to `wasi:cli/exit.exit(err)`, which is exit status 1, so a
//!   core status `n` is expected as `min(n, 1)`. A trap stays a trap.
//!   Where the adapter's preview 1 emulation knowingly differs from a
//!   native preview 1 host (for example `fd_allocate`, `proc_raise`,
//!   `fd_fdstat_set_rights` are `ENOTSUP` in the adapter, and rights are
//!   reported differently), `KNOWN` lists the lines (each with what the
//!   adapter does), and `STOPS_EARLY` the programs it stops (fdops
//!   `CHECK`s that `fd_fdstat_set_rights` succeeds; misc's bad pointers
//!   are traps in the adapter, not `EFAULT`).
//! - `run` is found by `get_export_index(None, "wasi:cli/run@0.2.12")`,
//!   then `get_export_index(Some(&idx), "run")`, `get_func`, and called
//!   with no arguments and one result slot: `Val::Result(Ok(None))` is
//!   success; an exit comes back as an `Err` holding `kiln_wasi::I32Exit`.
//! - The run-once command (`tests/programs/wasi/run_once.wat`, adapted):
//!   the first `run` prints and succeeds; the second on the same instance
//!   traps (`unreachable`), with an error that says a command runs once per
//!   instance and how to run it again; a fresh instance from the same
//!   `InstancePre` runs again. `run_again.wat` may be called twice on one
//!   instance (Kiln must not refuse a second call up front).

use super::adapt::{program_component, WASI_VERSION};
use crate::clocks::{FixedWall, Ticking};
use crate::harness::{strategies, Guest, Run, Sandbox};
use kiln::component::{Component, Instance, Linker, ResourceTable, Val};
use kiln::{Config, Engine, Store, Strategy};
use kiln_wasi::p2::{WasiCtxView, WasiView};
use kiln_wasi::{DirPerms, FilePerms, I32Exit, MemoryInputPipe, WasiCtx};
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, SystemTime};

/// The store's data for a component: the WASI context and the resource
/// table its handles live in, as an embedder would have them.
pub struct P2State {
    pub wasi: WasiCtx,
    pub table: ResourceTable,
}

impl WasiView for P2State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

fn engine(strategy: Strategy) -> Engine {
    Engine::new(Config::new().strategy(strategy)).expect("an engine")
}

fn linker(engine: &Engine) -> Linker<P2State> {
    let mut linker = Linker::new(engine);
    kiln_wasi::p2::add_to_linker_sync(&mut linker).expect("WASI 0.2 is added to the linker");
    linker
}

/// Calls `wasi:cli/run`'s `run` once on `instance`: `Ok(status)` when it
/// returned ok (0) or the program exited (`I32Exit`), `Err` for anything
/// else (a trap).
fn call_run(store: &mut Store<P2State>, instance: &Instance) -> anyhow::Result<i32> {
    let run_iface = format!("wasi:cli/run@{WASI_VERSION}");
    let iface = instance.get_export_index(&mut *store, None, &run_iface).expect("exports wasi:cli/run");
    let idx = instance.get_export_index(&mut *store, Some(&iface), "run").expect("wasi:cli/run has run");
    let run = instance.get_func(&mut *store, &idx).expect("run is a function");
    let mut results = [Val::Bool(false)];
    match run.call(&mut *store, &[], &mut results) {
        Ok(()) => {
            run.post_return(&mut *store)?;
            // The adapter never returns `err`: a failing program exits
            // through `wasi:cli/exit` instead.
            assert_eq!(results[0], Val::Result(Ok(None)), "run's result");
            Ok(0)
        }
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(I32Exit(n)) => Ok(*n),
            None => Err(e),
        },
    }
}

/// Runs the guest as an adapted component (what `Guest::run_in` does for
/// the core module).
fn run_component_in(mut guest: Guest, strategy: Strategy) -> Run {
    let engine = engine(strategy);
    let component = Component::new(&engine, &*program_component(&guest.name)).expect("the component compiles");
    let mut store = Store::new(&engine, P2State { wasi: guest.builder.build(), table: ResourceTable::new() });
    let instance = linker(&engine).instantiate(&mut store, &component).expect("the component instantiates");
    let (status, error) = match call_run(&mut store, &instance) {
        Ok(n) => (Some(n), None),
        Err(e) => (None, Some(e)),
    };
    Run { status, error, stdout: guest.stdout.contents_string(), stderr: guest.stderr.contents_string() }
}

/// What a directory tree holds: paths with file contents, symlink targets
/// and directories, sorted.
fn tree(root: &Path) -> Vec<String> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries {
            let path = e.unwrap().path();
            let rel = path.strip_prefix(root).unwrap().display().to_string();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.file_type().is_symlink() {
                out.push(format!("{rel} -> {}", std::fs::read_link(&path).unwrap().display()));
            } else if meta.is_dir() {
                out.push(format!("{rel}/"));
                walk(&path, root, out);
            } else {
                let data = std::fs::read(&path).unwrap();
                out.push(format!("{rel}: {} bytes {:?}", data.len(), String::from_utf8_lossy(&data)));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

/// Where a documented difference shows.
#[derive(Clone, Copy, PartialEq)]
enum In {
    Stdout,
    /// The sandbox's files after the run (lines of `tree`).
    Files,
}

/// A place where the preview 1 adapter's emulation knowingly differs from
/// Kiln's preview 1 host: whole lines, `component` where the core run has
/// `core` (both end with a newline). The comparison puts `core` back in
/// the component's output only where the core output has exactly `core`
/// and the component's has exactly `component`, each at the start of a
/// line; anything else still differs. `why` says what the adapter does
/// (its source: wasmtime's `crates/wasi-preview1-component-adapter`).
struct Known {
    program: &'static str,
    in_: In,
    core: &'static str,
    component: &'static str,
    #[allow(dead_code)] // Documentation, kept next to the lines.
    why: &'static str,
}

/// The adapter passes only the first non-empty buffer of `fd_read`,
/// `fd_write`, `fd_pread` and `fd_pwrite` to the host (a short transfer,
/// which POSIX allows), where Kiln's host uses them all.
const ONE_BUFFER: &str = "the adapter reads or writes the first non-empty iovec only";
/// The adapter keeps no rights: `fd_fdstat_get` reports every right but
/// `fd_read`/`fd_write` (as the open mode says) for a file, and nothing is
/// refused with `ENOTCAPABLE`.
const NO_RIGHTS: &str = "the adapter has no rights";
/// `fd_filestat_set_size`, `fd_filestat_set_times`, `fd_sync`,
/// `fd_datasync` and `fd_pread` find the file with the adapter's
/// `get_file`: `EBADF` for a directory, `EINVAL` for stdio (before asking
/// the host), and `fd_filestat_set_times` ignores flag bits it does not know.
const GET_FILE: &str = "the adapter's get_file: EBADF for a directory, EINVAL for stdio";

const KNOWN: &[Known] = &[
    Known {
        program: "stdio",
        in_: In::Stdout,
        core: "abc\nfd_write 3 iovecs: OK\nwritten: 4\n",
        component: "abfd_write 3 iovecs: OK\nwritten: 2\n",
        why: ONE_BUFFER,
    },
    Known { program: "stdio", in_: In::Stdout, core: "fd_pread stdin: ESPIPE\n", component: "fd_pread stdin: EINVAL\n", why: GET_FILE },
    Known {
        program: "stdio",
        in_: In::Stdout,
        core: "fd_filestat_set_size stdout: EBADF\n",
        component: "fd_filestat_set_size stdout: EINVAL\n",
        why: GET_FILE,
    },
    Known {
        program: "files",
        in_: In::Stdout,
        core: "ftruncate a read-only fd: ENOTCAPABLE\n",
        component: "ftruncate a read-only fd: EINVAL\n",
        why: "no rights: the adapter asks the host, whose ftruncate on a read-only fd is EINVAL (as in Wasmtime)",
    },
    // `readv` into three buffers fills the first; `writev` of "mo" and
    // "re\n" appends "mo", and what follows sees a shorter file.
    Known { program: "files", in_: In::Stdout, core: "readv: 9 [hel|lo |wor]\n", component: "readv: 3 [hel||]\n", why: ONE_BUFFER },
    Known {
        program: "files",
        in_: In::Stdout,
        core: "writev appending: 5\ntell after appending: 17\n",
        component: "writev appending: 2\ntell after appending: 14\n",
        why: ONE_BUFFER,
    },
    Known { program: "files", in_: In::Stdout, core: "tell: 18\n", component: "tell: 15\n", why: ONE_BUFFER },
    Known {
        program: "files",
        in_: In::Stdout,
        core: "a.txt contains 18 bytes: [Jello world\\nmore\\n!]\n",
        component: "a.txt contains 15 bytes: [Jello world\\nmo!]\n",
        why: ONE_BUFFER,
    },
    Known {
        program: "files",
        in_: In::Stdout,
        core: "regular 1, size 18, nlink 1\n",
        component: "regular 1, size 15, nlink 1\n",
        why: ONE_BUFFER,
    },
    Known {
        program: "files",
        in_: In::Stdout,
        core: "d.txt contains 18 bytes: [Jello world\\nmore\\n!]\n",
        component: "d.txt contains 15 bytes: [Jello world\\nmo!]\n",
        why: ONE_BUFFER,
    },
    Known {
        program: "files",
        in_: In::Files,
        core: "sandbox/d.txt: 18 bytes \"Jello world\\nmore\\n!\"\n",
        component: "sandbox/d.txt: 15 bytes \"Jello world\\nmo!\"\n",
        why: ONE_BUFFER,
    },
    Known {
        program: "files",
        in_: In::Stdout,
        core: "posix_fallocate 0+100: OK\nsize: 100\nposix_fallocate 10+0: EINVAL\n",
        component: "posix_fallocate 0+100: ENOTSUP\nsize: 8\nposix_fallocate 10+0: ENOTSUP\n",
        why: "fd_allocate is ENOTSUP for every file in the adapter (WASI 0.2 has no allocate)",
    },
    Known {
        program: "files",
        in_: In::Stdout,
        core: "fd_filestat_set_times unknown flag: EINVAL\n",
        component: "fd_filestat_set_times unknown flag: EBADF\n",
        why: GET_FILE,
    },
    Known {
        program: "files",
        in_: In::Stdout,
        core: "path_open with an unknown oflag: EINVAL\npath_open with an unknown fdflag: EINVAL\n",
        component: "path_open with an unknown oflag: OK\npath_open with an unknown fdflag: OK\n",
        why: "the adapter's path_open ignores oflags and fdflags bits it does not know",
    },
    Known {
        program: "dirs",
        in_: In::Stdout,
        core: "fd_sync on a directory: OK\n",
        component: "fd_sync on a directory: EBADF\n",
        why: GET_FILE,
    },
    Known {
        program: "dirs",
        in_: In::Stdout,
        core: "fd_readdir on a file: EBADF\n",
        component: "fd_readdir on a file: ENOTDIR\n",
        why: "the adapter's get_dir: ENOTDIR for a file, before asking the host",
    },
    // With a read-only directory (core: EPERM) and a mutable one (core: OK).
    Known {
        program: "symlinks",
        in_: In::Stdout,
        core: "path_filestat_get with an unknown lookup flag: EINVAL\n",
        component: "path_filestat_get with an unknown lookup flag: OK\n",
        why: "the adapter reads SYMLINK_FOLLOW from lookupflags and ignores the other bits",
    },
    Known {
        program: "readonly",
        in_: In::Stdout,
        core: "fd_filestat_set_times on the directory: EPERM\n",
        component: "fd_filestat_set_times on the directory: EBADF\n",
        why: GET_FILE,
    },
    Known {
        program: "readonly",
        in_: In::Stdout,
        core: "fd_filestat_set_times on the directory: OK\n",
        component: "fd_filestat_set_times on the directory: EBADF\n",
        why: GET_FILE,
    },
    Known {
        program: "clocks",
        in_: In::Stdout,
        core: "clock_time_get clock 4: EINVAL\n",
        component: "clock_time_get clock 4: EBADF\n",
        why: "the adapter's clock_time_get and clock_res_get are EBADF for every clock but realtime and monotonic",
    },
    Known {
        program: "clocks",
        in_: In::Stdout,
        core: "clock_res_get clock 99: EINVAL\n",
        component: "clock_res_get clock 99: EBADF\n",
        why: "the adapter's clock_time_get and clock_res_get are EBADF for every clock but realtime and monotonic",
    },
    Known {
        program: "poll",
        in_: In::Stdout,
        core: "realtime deadline a second ago: OK, 1 events [userdata 4 type 0 error 0]\n",
        component: "realtime deadline a second ago: EOVERFLOW, 0 events\n",
        why: "the adapter turns an absolute realtime deadline into a duration by subtracting now's seconds \
              from the deadline's as u64: for a past deadline that wraps, and the product in nanoseconds \
              overflows (EOVERFLOW)",
    },
    Known {
        program: "poll",
        in_: In::Stdout,
        core: "unknown clock flag: EINVAL, 0 events\n",
        component: "unknown clock flag: OK, 1 events [userdata 14 type 0 error 0]\n",
        why: "the adapter's poll_oneoff reads ABSTIME from subclockflags and ignores the other bits",
    },
    Known {
        program: "fdops",
        in_: In::Stdout,
        core: "fd_prestat_dir_name of stdin: ENOTDIR\n",
        component: "fd_prestat_dir_name of stdin: EBADF\n",
        why: "the adapter's fd_prestat_dir_name is EBADF for anything but a preopen",
    },
    Known {
        program: "fdops",
        in_: In::Stdout,
        core: "fdstat b: filetype 4 flags 0 read 1 write 1 seek 1 tell 1 path_open 0\n\
               fdstat c (append): filetype 4 flags 0x1 read 0 write 1 seek 1 tell 1 path_open 0\n",
        component: "fdstat b: filetype 4 flags 0 read 1 write 1 seek 1 tell 1 path_open 1\n\
                    fdstat c (append): filetype 4 flags 0x1 read 0 write 1 seek 1 tell 1 path_open 1\n",
        why: NO_RIGHTS,
    },
    Known {
        program: "fdops",
        in_: In::Stdout,
        core: "fdstat c: filetype 4 flags 0x4 read 0 write 1 seek 1 tell 1 path_open 0\n\
               fdstat opened with O_NONBLOCK: filetype 4 flags 0x4 read 0 write 1 seek 1 tell 1 path_open 0\n",
        component: "fdstat c: filetype 4 flags 0x4 read 0 write 1 seek 1 tell 1 path_open 1\n\
                    fdstat opened with O_NONBLOCK: filetype 4 flags 0x4 read 0 write 1 seek 1 tell 1 path_open 1\n",
        why: NO_RIGHTS,
    },
    Known {
        program: "fdops",
        in_: In::Stdout,
        core: "fdstat opened with SYNC|DSYNC: filetype 4 flags 0x12 read 0 write 1 seek 0 tell 0 path_open 0\n",
        component: "fdstat opened with SYNC|DSYNC: filetype 4 flags 0x12 read 0 write 1 seek 1 tell 1 path_open 1\n",
        why: NO_RIGHTS,
    },
    Known {
        program: "fdops",
        in_: In::Stdout,
        core: "fd_fdstat_set_flags keeping SYNC|DSYNC, adding APPEND: OK\n\
               fdstat: filetype 4 flags 0x13 read 0 write 1 seek 0 tell 0 path_open 0\n",
        component: "fd_fdstat_set_flags keeping SYNC|DSYNC, adding APPEND: EINVAL\n\
                    fdstat: filetype 4 flags 0x12 read 0 write 1 seek 1 tell 1 path_open 1\n",
        why: "the adapter's fd_fdstat_set_flags takes APPEND and NONBLOCK only (EINVAL for the sync flags), and no rights",
    },
];

/// How the adapter stops a program early.
enum End {
    /// The program prints these last lines (a `CHECK` failing) and exits
    /// with status 1.
    Check(&'static str),
    /// A trap whose description mentions each of these.
    Trap(&'static [&'static str]),
}

/// A program the adapter stops early, where the core run goes on from the
/// line starting with `core_from` to the end: only what comes before is
/// compared. If the core run changes files after that point, `files` is
/// the component run's whole `tree`, checked instead of the core one.
struct StopsEarly {
    program: &'static str,
    core_from: &'static str,
    end: End,
    files: Option<&'static str>,
    #[allow(dead_code)] // Documentation.
    why: &'static str,
}

const STOPS_EARLY: &[StopsEarly] = &[
    StopsEarly {
        program: "fdops",
        core_from: "fd_fdstat_set_flags without the right: ",
        end: End::Check(
            "CHECK failed at fdops.c:92: __wasi_fd_fdstat_set_rights(s, __WASI_RIGHTS_FD_WRITE, 0) == 0 (errno OK)\n",
        ),
        files: None,
        why: "the adapter's fd_fdstat_set_rights is ENOTSUP for every open fd, and fdops CHECKs that it succeeds \
              (what follows is about rights, renumbering over a preopen and closing one)",
    },
    StopsEarly {
        program: "misc",
        core_from: "args_sizes_get: ",
        end: End::Trap(&["out of bounds memory access", "args_sizes_get"]),
        files: Some("outside/\nsandbox/\nsandbox/f.txt: 10 bytes \"0123456789\"\n"),
        why: "the adapter is wasm writing to the program's memory: a pointer out of bounds is a trap in the \
              adapter (at misc's first bad pointer, args_sizes_get's), never EFAULT",
    },
];

/// `text` with the whole lines `from` (ending with a newline, at the start
/// of a line) replaced by `to`, once; `None` if `text` has no such lines.
fn replace_lines(text: &str, from: &str, to: &str) -> Option<String> {
    let at = if text.starts_with(from) { 0 } else { text.find(&format!("\n{from}"))? + 1 };
    Some(format!("{}{to}{}", &text[..at], &text[at + from.len()..]))
}

fn has_lines(text: &str, lines: &str) -> bool {
    text.starts_with(lines) || text.contains(&format!("\n{lines}"))
}

/// `component` with the documented differences of `program` in `in_` put
/// back as the core run (`core`) has them.
fn reconcile(program: &str, in_: In, core: &str, component: &str) -> String {
    let mut out = component.to_string();
    for k in KNOWN.iter().filter(|k| k.program == program && k.in_ == in_) {
        if has_lines(core, k.core) {
            if let Some(replaced) = replace_lines(&out, k.component, k.core) {
                out = replaced;
            }
        }
    }
    out
}

/// The core run's stdout cut where the adapter stops `program` early, and
/// how it stops it, if it does.
fn stopped_early<'a>(program: &str, core: &'a str) -> Option<(&'a str, &'static StopsEarly)> {
    let s = STOPS_EARLY.iter().find(|s| s.program == program)?;
    let at = if core.starts_with(s.core_from) { 0 } else { core.find(&format!("\n{}", s.core_from))? + 1 };
    Some((&core[..at], s))
}

#[test]
fn known_differences_are_whole_lines() {
    for k in KNOWN {
        assert!(k.core.ends_with('\n') && k.component.ends_with('\n'), "{}", k.component);
    }
    assert_eq!(replace_lines("a\nb: 1\nc\n", "b: 1\n", "b: 2\n").as_deref(), Some("a\nb: 2\nc\n"));
    assert_eq!(replace_lines("b: 1\n", "b: 1\n", "b: 2\n").as_deref(), Some("b: 2\n"));
    // Not a whole line: left alone.
    assert_eq!(replace_lines("ab: 1\n", "b: 1\n", "b: 2\n"), None);
    assert_eq!(replace_lines("b: 10\n", "b: 1\n", "b: 2\n"), None);
    // Only where the core run has the documented line.
    let k = &KNOWN[1];
    assert_eq!(reconcile(k.program, In::Stdout, k.core, k.component), k.core);
    assert_eq!(reconcile(k.program, In::Stdout, "fd_pread stdin: EBADF\n", k.component), k.component);
    assert_eq!(reconcile("files", In::Stdout, k.core, k.component), k.component);
}

/// Runs `program` as a core module and as a component, each in every tier
/// and a fresh sandbox set up by `prepare` and `configure`, and checks
/// that they agree (see the module's comment for the exit status, and
/// `KNOWN` and `STOPS_EARLY` for the adapter's documented differences).
fn same_as_core(program: &str, prepare: impl Fn(&Sandbox), configure: impl Fn(&mut Guest, &Sandbox)) {
    for strategy in strategies() {
        let make = || {
            let sandbox = Sandbox::new();
            prepare(&sandbox);
            let mut guest = Guest::new(program);
            configure(&mut guest, &sandbox);
            (sandbox, guest)
        };
        let (core_box, guest) = make();
        let core = guest.run_in(strategy);
        let (component_box, guest) = make();
        let component = run_component_in(guest, strategy);

        let what = format!("{program} ({strategy:?})");
        let lines = |root: &Path| tree(root).iter().map(|l| format!("{l}\n")).collect::<String>();
        let component_files = lines(component_box.root.path());
        let mut core_files = lines(core_box.root.path());
        let (core_stdout, component_stdout) = match stopped_early(program, &core.stdout) {
            None => {
                // The adapter turns every non-zero exit code into 1.
                let expected_status = core.status.map(|n| if n == 0 { 0 } else { 1 });
                assert_eq!(
                    component.status, expected_status,
                    "{what}: status (core {:?}, error {:?}; component error {:?}, stdout:\n{})",
                    core.status, core.error, component.error, component.stdout
                );
                (core.stdout.as_str(), component.stdout.as_str())
            }
            Some((core_stdout, stop)) => {
                let component_stdout = match stop.end {
                    End::Check(tail) => {
                        assert_eq!(component.status, Some(1), "{what}: status ({:?})", component.error);
                        let before = component.stdout.strip_suffix(tail);
                        before.unwrap_or_else(|| panic!("{what}: stdout ends with {tail:?}:\n{}", component.stdout))
                    }
                    End::Trap(mentions) => {
                        let error = component.error.as_ref().unwrap_or_else(|| panic!("{what}: a trap"));
                        assert!(error.downcast_ref::<kiln::Trap>().is_some(), "{what}: a trap: {error:?}");
                        let described = format!("{error:?}");
                        for m in mentions {
                            assert!(described.contains(m), "{what}: the trap mentions {m:?}: {described}");
                        }
                        component.stdout.as_str()
                    }
                };
                if let Some(files) = stop.files {
                    assert_eq!(component_files, files, "{what}: files where the component stopped");
                    core_files = component_files.clone();
                }
                (core_stdout, component_stdout)
            }
        };
        assert_eq!(reconcile(program, In::Stdout, core_stdout, component_stdout), core_stdout, "{what}: stdout");
        assert_eq!(component.stderr, core.stderr, "{what}: stderr");
        assert_eq!(reconcile(program, In::Files, &core_files, &component_files), core_files, "{what}: files");
    }
}

fn rw_preopen(guest: &mut Guest, sandbox: &Sandbox) {
    guest.builder.preopened_dir(sandbox.dir(), "/sandbox", DirPerms::all(), FilePerms::all()).unwrap();
}

#[test]
fn stdio() {
    same_as_core(
        "stdio",
        |_| {},
        |g, _| {
            g.builder.stdin(MemoryInputPipe::new("hello, world\nline 2\n"));
        },
    );
}

#[test]
fn args_and_env() {
    same_as_core(
        "args",
        |_| {},
        |g, _| {
            g.builder.args(["one", "two words", "", "ünïcode"]);
        },
    );
    same_as_core("args", |_| {}, |_, _| {});
    same_as_core(
        "env",
        |_| {},
        |g, _| {
            g.builder.env("GREETING", "hello world").env("EMPTY", "").envs([("WITH_EQUALS", "a=b=c")]);
        },
    );
}

#[test]
fn exit_statuses() {
    for args in
        [&["return", "0"][..], &["return", "42"], &["exit", "7"], &["exit", "0"], &["proc_exit", "3"], &["abort"]]
    {
        same_as_core(
            "exit",
            |_| {},
            |g, _| {
                g.builder.args(args);
            },
        );
    }
}

#[test]
fn exit_codes_as_the_adapter_maps_them() {
    // Absolute, not only relative to the core run: `proc_exit(3)` is exit
    // status 1 through the adapter (`wasi:cli/exit.exit(err)`), 0 stays 0,
    // and `abort` is a trap, not an exit.
    let run = |args: &[&str]| {
        let mut g = Guest::new("exit");
        g.builder.args(args);
        run_component_in(g, Strategy::Interpreter)
    };
    let r = run(&["proc_exit", "3"]);
    assert_eq!((r.status, r.stdout.as_str()), (Some(1), "ending with proc_exit 3\n"), "{:?}", r.error);
    let r = run(&["return", "0"]);
    assert_eq!((r.status, r.stdout.as_str()), (Some(0), "ending with return 0\natexit handler ran\n"));
    let r = run(&["abort"]);
    assert_eq!(r.status, None);
    assert!(r.error.expect("a trap").downcast_ref::<kiln::Trap>().is_some());
}

#[test]
fn files() {
    same_as_core("files", |_| {}, rw_preopen);
    same_as_core("trunc_append", |_| {}, rw_preopen);
}

#[test]
fn directories() {
    same_as_core("dirs", |_| {}, rw_preopen);
    same_as_core(
        "ls",
        |s| {
            for i in 0..300 {
                std::fs::write(s.dir().join(format!("entry-with-a-long-name-{i:04}")), "").unwrap();
            }
        },
        rw_preopen,
    );
    same_as_core("symlinks", |_| {}, rw_preopen);
}

#[test]
fn descriptors() {
    same_as_core(
        "fdops",
        |s| std::fs::write(s.outside().join("data.txt"), "data\n").unwrap(),
        |g, s| {
            rw_preopen(g, s);
            g.builder.preopened_dir(s.outside(), "/data", DirPerms::READ, FilePerms::READ).unwrap();
        },
    );
}

#[test]
fn read_only_preopens() {
    let prepare = |s: &Sandbox| {
        std::fs::write(s.dir().join("data.txt"), "data\n").unwrap();
        std::fs::create_dir(s.dir().join("sub")).unwrap();
    };
    same_as_core("readonly", prepare, |g, s| {
        g.builder.preopened_dir(s.dir(), "/ro", DirPerms::READ, FilePerms::READ).unwrap();
    });
    same_as_core("readonly", prepare, |g, s| {
        g.builder.preopened_dir(s.dir(), "/ro", DirPerms::all(), FilePerms::READ).unwrap();
    });
}

#[test]
fn sandbox_escapes() {
    let prepare = |s: &Sandbox| {
        let inside = s.dir();
        std::fs::write(inside.join("inside.txt"), "inside\n").unwrap();
        std::fs::create_dir(inside.join("sub")).unwrap();
        std::os::unix::fs::symlink("/", inside.join("rootlink")).unwrap();
        std::os::unix::fs::symlink("..", inside.join("uplink")).unwrap();
        std::os::unix::fs::symlink("../outside/secret.txt", inside.join("secretlink")).unwrap();
        let secret = s.outside().join("secret.txt");
        std::fs::write(&secret, "top secret\n").unwrap();
        let times = std::fs::FileTimes::new()
            .set_accessed(SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000))
            .set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(1_500_000_000));
        std::fs::File::options().write(true).open(&secret).unwrap().set_times(times).unwrap();
    };
    same_as_core("sandbox", prepare, rw_preopen);
    same_as_core(
        "cat",
        |s| {
            std::fs::write(s.outside().join("secret.txt"), "top secret\n").unwrap();
            std::fs::write(s.dir().join("hello.txt"), "hello from inside\n").unwrap();
        },
        |g, s| {
            g.builder.args(["/etc/passwd", "/../outside/secret.txt", "/hello.txt"]);
            g.builder.preopened_dir(s.dir(), "/", DirPerms::all(), FilePerms::all()).unwrap();
        },
    );
}

#[test]
fn clocks_random_poll_misc() {
    same_as_core(
        "clocks",
        |_| {},
        |g, _| {
            g.builder
                .wall_clock(FixedWall(Duration::new(1_700_000_000, 123_456_789)))
                .monotonic_clock(Ticking(AtomicU64::new(5_000_000_000)));
        },
    );
    same_as_core(
        "random",
        |_| {},
        |g, _| {
            let mut next = 0u8;
            g.builder.secure_random(move |buf: &mut [u8]| {
                for b in buf {
                    *b = next;
                    next = next.wrapping_add(1) % 251;
                }
            });
        },
    );
    same_as_core("poll", |_| {}, rw_preopen);
    same_as_core("misc", |_| {}, rw_preopen);
}

/// A fresh `P2State` with stdout captured.
fn state_with_stdout() -> (P2State, kiln_wasi::MemoryOutputPipe) {
    let stdout = kiln_wasi::MemoryOutputPipe::new(1 << 16);
    let mut builder = kiln_wasi::WasiCtxBuilder::new();
    builder.stdout(stdout.clone());
    (P2State { wasi: builder.build(), table: ResourceTable::new() }, stdout)
}

#[test]
fn a_run_once_command_traps_on_a_second_run_and_says_why() {
    for strategy in strategies() {
        let engine = engine(strategy);
        let component = Component::new(&engine, &*program_component("run_once")).unwrap();
        let pre = linker(&engine).instantiate_pre(&component).expect("instantiate_pre");
        let (state, stdout) = state_with_stdout();
        let mut store = Store::new(&engine, state);
        let instance = pre.instantiate(&mut store).unwrap();

        assert_eq!(call_run(&mut store, &instance).expect("the first run succeeds"), 0);
        assert_eq!(stdout.contents_string(), "run\n");

        let err = call_run(&mut store, &instance).expect_err("a second run on one instance traps");
        let trap = err.downcast_ref::<kiln::Trap>().unwrap_or_else(|| panic!("a trap: {err:?}"));
        assert!(format!("{trap}").contains("unreachable"), "{err:?}");
        // Issue 8, item 6: the message explains the bare `unreachable`.
        let message = format!("{err:#}");
        assert!(message.contains("once per instance"), "{message}");
        assert!(message.contains("InstancePre") || message.contains("fresh instance"), "{message}");
        assert_eq!(stdout.contents_string(), "run\n", "the second run printed nothing");

        // The right way: a fresh instance from the same `InstancePre`.
        for _ in 0..3 {
            let (state, stdout) = state_with_stdout();
            let mut store = Store::new(&engine, state);
            let instance = pre.instantiate(&mut store).unwrap();
            assert_eq!(call_run(&mut store, &instance).expect("a fresh instance runs"), 0);
            assert_eq!(stdout.contents_string(), "run\n");
        }
    }
}

#[test]
fn a_command_that_allows_it_runs_twice_on_one_instance() {
    for strategy in strategies() {
        let engine = engine(strategy);
        let component = Component::new(&engine, &*program_component("run_again")).unwrap();
        let (state, stdout) = state_with_stdout();
        let mut store = Store::new(&engine, state);
        let instance = linker(&engine).instantiate(&mut store, &component).unwrap();
        assert_eq!(call_run(&mut store, &instance).expect("the first run"), 0);
        assert_eq!(call_run(&mut store, &instance).expect("the second run is not refused"), 0);
        assert_eq!(stdout.contents_string(), "run 1\nrun 2\n");
    }
}
