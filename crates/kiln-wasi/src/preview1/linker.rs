//! The glue between a `kiln::Linker` and the context: one host function per
//! `wasi_snapshot_preview1` import, each finding the caller's memory and
//! the store's `WasiCtx`, and turning the outcome into an errno or a trap.

use super::error::{Error, Result};
use super::memory::GuestMemory;
use super::types::{fdflags, RIFLAGS_ALL, SDFLAGS_ALL};
use crate::ctx::WasiCtx;
use anyhow::bail;
use kiln::{Caller, Extern, Linker};

const MODULE: &str = "wasi_snapshot_preview1";

/// Runs `f` with the context and the calling instance's exported memory.
/// The result is 0 or the errno for the guest, or the error that ends the
/// call (a missing memory, `proc_exit`).
fn with_ctx<T, R>(
    caller: &mut Caller<'_, T>,
    get_cx: impl Fn(&mut T) -> &mut WasiCtx,
    f: impl FnOnce(&mut WasiCtx, &mut GuestMemory<'_>) -> Result<R>,
    store_result: impl FnOnce(&mut GuestMemory<'_>, R) -> Result<()>,
) -> anyhow::Result<i32> {
    let memory = match caller.get_export("memory") {
        Some(Extern::Memory(m)) => m,
        _ => bail!("a WASI function was called by a module that does not export its memory as `memory`"),
    };
    let (bytes, data) = memory.data_and_store_mut(&mut *caller);
    let mut mem = GuestMemory::new(bytes);
    let outcome = f(get_cx(data), &mut mem).and_then(|r| store_result(&mut mem, r));
    match outcome {
        Ok(()) => Ok(0),
        Err(Error::Errno(e)) => Ok(e as i32),
        Err(Error::Trap(e)) => Err(e),
    }
}

/// A call whose only result is its errno.
fn call<T>(
    caller: &mut Caller<'_, T>,
    get_cx: impl Fn(&mut T) -> &mut WasiCtx,
    f: impl FnOnce(&mut WasiCtx, &mut GuestMemory<'_>) -> Result<()>,
) -> anyhow::Result<i32> {
    with_ctx(caller, get_cx, f, |_, ()| Ok(()))
}

/// A call that also stores a u32 result at `out`. A bad `out` is `EFAULT`
/// before anything is done (no fd is opened, no byte written).
fn call_u32<T>(
    caller: &mut Caller<'_, T>,
    get_cx: impl Fn(&mut T) -> &mut WasiCtx,
    out: u32,
    f: impl FnOnce(&mut WasiCtx, &mut GuestMemory<'_>) -> Result<u32>,
) -> anyhow::Result<i32> {
    let f = |cx: &mut WasiCtx, mem: &mut GuestMemory<'_>| {
        mem.check_array(out, 1, 4)?;
        f(cx, mem)
    };
    with_ctx(caller, get_cx, f, |mem, v| mem.write_u32(out, v))
}

/// A call that also stores a u64 result at `out` (checked first, as for
/// [`call_u32`]).
fn call_u64<T>(
    caller: &mut Caller<'_, T>,
    get_cx: impl Fn(&mut T) -> &mut WasiCtx,
    out: u32,
    f: impl FnOnce(&mut WasiCtx, &mut GuestMemory<'_>) -> Result<u64>,
) -> anyhow::Result<i32> {
    let f = |cx: &mut WasiCtx, mem: &mut GuestMemory<'_>| {
        mem.check_array(out, 1, 8)?;
        f(cx, mem)
    };
    with_ctx(caller, get_cx, f, |mem, v| mem.write_u64(out, v))
}

/// Defines every function of `wasi_snapshot_preview1` in `linker`.
/// `get_cx` finds the [`WasiCtx`] in the store's data; it is called on each
/// WASI call, so it should be a plain field access, e.g.
/// `|state: &mut MyState| &mut state.wasi`.
///
/// A WASI function called by a module that does not export its memory as
/// `memory` fails with an error (a trap). `proc_exit(n)` ends the call that
/// entered wasm with an error holding [`I32Exit(n)`](crate::I32Exit).
pub fn add_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    get_cx: impl Fn(&mut T) -> &mut WasiCtx + Copy + Send + Sync + 'static,
) -> anyhow::Result<()> {
    let g = get_cx;
    linker.func_wrap(MODULE, "args_get", move |mut c: Caller<'_, T>, argv: u32, buf: u32| {
        call(&mut c, g, |cx, mem| cx.args_get(mem, argv, buf))
    })?;
    linker.func_wrap(MODULE, "args_sizes_get", move |mut c: Caller<'_, T>, count: u32, size: u32| {
        call(&mut c, g, |cx, mem| cx.args_sizes_get(mem, count, size))
    })?;
    linker.func_wrap(MODULE, "environ_get", move |mut c: Caller<'_, T>, environ: u32, buf: u32| {
        call(&mut c, g, |cx, mem| cx.environ_get(mem, environ, buf))
    })?;
    linker.func_wrap(MODULE, "environ_sizes_get", move |mut c: Caller<'_, T>, count: u32, size: u32| {
        call(&mut c, g, |cx, mem| cx.environ_sizes_get(mem, count, size))
    })?;
    linker.func_wrap(MODULE, "clock_res_get", move |mut c: Caller<'_, T>, id: u32, out: u32| {
        call_u64(&mut c, g, out, |cx, _| cx.clock_res_get(id))
    })?;
    linker.func_wrap(MODULE, "clock_time_get", move |mut c: Caller<'_, T>, id: u32, precision: u64, out: u32| {
        call_u64(&mut c, g, out, |cx, _| cx.clock_time_get(id, precision))
    })?;
    linker.func_wrap(
        MODULE,
        "fd_advise",
        move |mut c: Caller<'_, T>, fd: u32, offset: u64, len: u64, advice: u32| {
            call(&mut c, g, |cx, _| cx.fd_advise(fd, offset, len, advice))
        },
    )?;
    linker.func_wrap(MODULE, "fd_allocate", move |mut c: Caller<'_, T>, fd: u32, offset: u64, len: u64| {
        call(&mut c, g, |cx, _| cx.fd_allocate(fd, offset, len))
    })?;
    linker
        .func_wrap(MODULE, "fd_close", move |mut c: Caller<'_, T>, fd: u32| call(&mut c, g, |cx, _| cx.fd_close(fd)))?;
    linker.func_wrap(MODULE, "fd_datasync", move |mut c: Caller<'_, T>, fd: u32| {
        call(&mut c, g, |cx, _| cx.fd_datasync(fd))
    })?;
    linker.func_wrap(MODULE, "fd_fdstat_get", move |mut c: Caller<'_, T>, fd: u32, out: u32| {
        call(&mut c, g, |cx, mem| cx.fd_fdstat_get(mem, fd, out))
    })?;
    linker.func_wrap(MODULE, "fd_fdstat_set_flags", move |mut c: Caller<'_, T>, fd: u32, flags: u32| {
        call(&mut c, g, |cx, _| cx.fd_fdstat_set_flags(fd, flags))
    })?;
    linker.func_wrap(
        MODULE,
        "fd_fdstat_set_rights",
        move |mut c: Caller<'_, T>, fd: u32, base: u64, inheriting: u64| {
            call(&mut c, g, |cx, _| cx.fd_fdstat_set_rights(fd, base, inheriting))
        },
    )?;
    linker.func_wrap(MODULE, "fd_filestat_get", move |mut c: Caller<'_, T>, fd: u32, out: u32| {
        call(&mut c, g, |cx, mem| cx.fd_filestat_get(mem, fd, out))
    })?;
    linker.func_wrap(MODULE, "fd_filestat_set_size", move |mut c: Caller<'_, T>, fd: u32, size: u64| {
        call(&mut c, g, |cx, _| cx.fd_filestat_set_size(fd, size))
    })?;
    linker.func_wrap(
        MODULE,
        "fd_filestat_set_times",
        move |mut c: Caller<'_, T>, fd: u32, atim: u64, mtim: u64, flags: u32| {
            call(&mut c, g, |cx, _| cx.fd_filestat_set_times(fd, atim, mtim, flags))
        },
    )?;
    linker.func_wrap(
        MODULE,
        "fd_pread",
        move |mut c: Caller<'_, T>, fd: u32, iovs: u32, iovs_len: u32, offset: u64, out: u32| {
            call_u32(&mut c, g, out, |cx, mem| cx.fd_pread(mem, fd, iovs, iovs_len, offset))
        },
    )?;
    linker.func_wrap(MODULE, "fd_prestat_get", move |mut c: Caller<'_, T>, fd: u32, out: u32| {
        call(&mut c, g, |cx, mem| cx.fd_prestat_get(mem, fd, out))
    })?;
    linker.func_wrap(MODULE, "fd_prestat_dir_name", move |mut c: Caller<'_, T>, fd: u32, path: u32, len: u32| {
        call(&mut c, g, |cx, mem| cx.fd_prestat_dir_name(mem, fd, path, len))
    })?;
    linker.func_wrap(
        MODULE,
        "fd_pwrite",
        move |mut c: Caller<'_, T>, fd: u32, iovs: u32, iovs_len: u32, offset: u64, out: u32| {
            call_u32(&mut c, g, out, |cx, mem| cx.fd_pwrite(mem, fd, iovs, iovs_len, offset))
        },
    )?;
    linker.func_wrap(MODULE, "fd_read", move |mut c: Caller<'_, T>, fd: u32, iovs: u32, iovs_len: u32, out: u32| {
        call_u32(&mut c, g, out, |cx, mem| cx.fd_read(mem, fd, iovs, iovs_len))
    })?;
    linker.func_wrap(
        MODULE,
        "fd_readdir",
        move |mut c: Caller<'_, T>, fd: u32, buf: u32, buf_len: u32, cookie: u64, out: u32| {
            call_u32(&mut c, g, out, |cx, mem| cx.fd_readdir(mem, fd, buf, buf_len, cookie))
        },
    )?;
    linker.func_wrap(MODULE, "fd_renumber", move |mut c: Caller<'_, T>, from: u32, to: u32| {
        call(&mut c, g, |cx, _| cx.fd_renumber(from, to))
    })?;
    linker.func_wrap(MODULE, "fd_seek", move |mut c: Caller<'_, T>, fd: u32, offset: i64, whence: u32, out: u32| {
        call_u64(&mut c, g, out, |cx, _| cx.fd_seek(fd, offset, whence))
    })?;
    linker
        .func_wrap(MODULE, "fd_sync", move |mut c: Caller<'_, T>, fd: u32| call(&mut c, g, |cx, _| cx.fd_sync(fd)))?;
    linker.func_wrap(MODULE, "fd_tell", move |mut c: Caller<'_, T>, fd: u32, out: u32| {
        call_u64(&mut c, g, out, |cx, _| cx.fd_tell(fd))
    })?;
    linker.func_wrap(
        MODULE,
        "fd_write",
        move |mut c: Caller<'_, T>, fd: u32, iovs: u32, iovs_len: u32, out: u32| {
            call_u32(&mut c, g, out, |cx, mem| cx.fd_write(mem, fd, iovs, iovs_len))
        },
    )?;
    linker.func_wrap(MODULE, "path_create_directory", move |mut c: Caller<'_, T>, fd: u32, path: u32, len: u32| {
        call(&mut c, g, |cx, mem| cx.path_create_directory(mem, fd, path, len))
    })?;
    linker.func_wrap(
        MODULE,
        "path_filestat_get",
        move |mut c: Caller<'_, T>, fd: u32, flags: u32, path: u32, len: u32, out: u32| {
            call(&mut c, g, |cx, mem| cx.path_filestat_get(mem, fd, flags, path, len, out))
        },
    )?;
    linker.func_wrap(
        MODULE,
        "path_filestat_set_times",
        move |mut c: Caller<'_, T>, fd: u32, flags: u32, path: u32, len: u32, atim: u64, mtim: u64, fst: u32| {
            call(&mut c, g, |cx, mem| cx.path_filestat_set_times(mem, fd, flags, path, len, atim, mtim, fst))
        },
    )?;
    linker.func_wrap(
        MODULE,
        "path_link",
        move |mut c: Caller<'_, T>,
              old_fd: u32,
              old_flags: u32,
              old_path: u32,
              old_len: u32,
              new_fd: u32,
              new_path: u32,
              new_len: u32| {
            call(&mut c, g, |cx, mem| {
                cx.path_link(mem, old_fd, old_flags, old_path, old_len, new_fd, new_path, new_len)
            })
        },
    )?;
    linker.func_wrap(
        MODULE,
        "path_open",
        move |mut c: Caller<'_, T>,
              fd: u32,
              dirflags: u32,
              path: u32,
              len: u32,
              oflags: u32,
              base: u64,
              inheriting: u64,
              fdflags: u32,
              out: u32| {
            call_u32(&mut c, g, out, |cx, mem| {
                cx.path_open(mem, fd, dirflags, path, len, oflags, base, inheriting, fdflags)
            })
        },
    )?;
    linker.func_wrap(
        MODULE,
        "path_readlink",
        move |mut c: Caller<'_, T>, fd: u32, path: u32, len: u32, buf: u32, buf_len: u32, out: u32| {
            call_u32(&mut c, g, out, |cx, mem| cx.path_readlink(mem, fd, path, len, buf, buf_len))
        },
    )?;
    linker.func_wrap(MODULE, "path_remove_directory", move |mut c: Caller<'_, T>, fd: u32, path: u32, len: u32| {
        call(&mut c, g, |cx, mem| cx.path_remove_directory(mem, fd, path, len))
    })?;
    linker.func_wrap(
        MODULE,
        "path_rename",
        move |mut c: Caller<'_, T>, fd: u32, old_path: u32, old_len: u32, new_fd: u32, new_path: u32, new_len: u32| {
            call(&mut c, g, |cx, mem| cx.path_rename(mem, fd, old_path, old_len, new_fd, new_path, new_len))
        },
    )?;
    linker.func_wrap(
        MODULE,
        "path_symlink",
        move |mut c: Caller<'_, T>, old_path: u32, old_len: u32, fd: u32, new_path: u32, new_len: u32| {
            call(&mut c, g, |cx, mem| cx.path_symlink(mem, old_path, old_len, fd, new_path, new_len))
        },
    )?;
    linker.func_wrap(MODULE, "path_unlink_file", move |mut c: Caller<'_, T>, fd: u32, path: u32, len: u32| {
        call(&mut c, g, |cx, mem| cx.path_unlink_file(mem, fd, path, len))
    })?;
    linker.func_wrap(
        MODULE,
        "poll_oneoff",
        move |mut c: Caller<'_, T>, subs: u32, events: u32, nsubs: u32, out: u32| {
            call_u32(&mut c, g, out, |cx, mem| cx.poll_oneoff(mem, subs, events, nsubs))
        },
    )?;
    linker.func_wrap(MODULE, "proc_exit", move |mut c: Caller<'_, T>, code: u32| -> anyhow::Result<()> {
        let err = call(&mut c, g, |cx, _| Err(cx.proc_exit(code)));
        match err {
            Err(e) => Err(e),
            Ok(_) => bail!("proc_exit did not exit"),
        }
    })?;
    linker.func_wrap(MODULE, "proc_raise", move |mut c: Caller<'_, T>, signal: u32| {
        call(&mut c, g, |cx, _| cx.proc_raise(signal))
    })?;
    linker.func_wrap(MODULE, "sched_yield", move |mut c: Caller<'_, T>| call(&mut c, g, |cx, _| cx.sched_yield()))?;
    linker.func_wrap(MODULE, "random_get", move |mut c: Caller<'_, T>, buf: u32, len: u32| {
        call(&mut c, g, |cx, mem| cx.random_get(mem, buf, len))
    })?;
    linker.func_wrap(MODULE, "sock_accept", move |mut c: Caller<'_, T>, fd: u32, flags: u32, out: u32| {
        call_u32(&mut c, g, out, |cx, _| cx.not_a_socket(fd, flags, u32::from(fdflags::ALL)))
    })?;
    linker.func_wrap(
        MODULE,
        "sock_recv",
        move |mut c: Caller<'_, T>, fd: u32, _data: u32, _len: u32, flags: u32, out_len: u32, _out_flags: u32| {
            call_u32(&mut c, g, out_len, |cx, _| cx.not_a_socket(fd, flags, u32::from(RIFLAGS_ALL)))
        },
    )?;
    linker.func_wrap(
        MODULE,
        "sock_send",
        move |mut c: Caller<'_, T>, fd: u32, _data: u32, _len: u32, flags: u32, out_len: u32| {
            call_u32(&mut c, g, out_len, |cx, _| cx.not_a_socket(fd, flags, 0))
        },
    )?;
    linker.func_wrap(MODULE, "sock_shutdown", move |mut c: Caller<'_, T>, fd: u32, how: u32| {
        call(&mut c, g, |cx, _| cx.not_a_socket(fd, how, u32::from(SDFLAGS_ALL)).map(|_| ()))
    })?;
    Ok(())
}
