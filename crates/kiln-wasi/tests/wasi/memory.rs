//! Guest memory: bad pointers are EFAULT (the `misc` program, which also
//! covers proc_raise, sched_yield and the socket calls), and a module
//! without an exported memory gets an error, not a crash.

use crate::harness::{Guest, Sandbox, State};
use kiln::{Engine, Linker, Module, Store};
use kiln_wasi::{DirPerms, FilePerms, WasiCtxBuilder};

const EXPECTED: &str = "\
args_sizes_get: EFAULT
args_get: EFAULT
environ_sizes_get: EFAULT
environ_get: EFAULT
clock_time_get: EFAULT
clock_res_get: EFAULT
random_get: EFAULT
random_get wrapping: EFAULT
fd_write, bad iovec array: EFAULT
fd_write, bad buffer: EFAULT
fd_write, wrapping buffer: EFAULT
fd_write, bad result pointer: EFAULT
fd_read, bad buffer: EFAULT
fd_pread, bad buffer: EFAULT
fd_pread, bad result pointer: EFAULT
fd_pwrite, bad buffer: EFAULT
fd_seek, bad result pointer: EFAULT
fd_tell, bad result pointer: EFAULT
fd_fdstat_get: EFAULT
fd_filestat_get: EFAULT
fd_prestat_get: EFAULT
fd_prestat_dir_name: EFAULT
fd_readdir, bad buffer: EFAULT
fd_readdir, bad result pointer: EFAULT
path_open, bad result pointer: EFAULT
path_open, bad result pointer, creating: EFAULT
access new.txt: ENOENT
path_filestat_get, bad result pointer: EFAULT
path_readlink, bad buffer: EFAULT
poll_oneoff, bad subscriptions: EFAULT
poll_oneoff, bad events: EFAULT
path_create_directory, bad path: EFAULT
path_create_directory, path not UTF-8: EILSEQ
path_create_directory, path with a NUL: EINVAL
path_open, good call after all that: OK
no fd leaked by the failed opens: 1
file still intact: 10 bytes
proc_raise SIGINT: ENOTSUP
proc_raise 99: EINVAL
sched_yield: OK
sched_yield(): OK
sock_accept stdin: ENOTSOCK
sock_accept closed fd: EBADF
sock_recv a file: ENOTSOCK
sock_send stdout: ENOTSOCK
sock_shutdown a directory: ENOTSOCK
sock_shutdown closed fd: EBADF
sock_shutdown with a bad flag: EINVAL
";

#[test]
fn bad_pointers_are_efault_and_misc_functions() {
    let sandbox = Sandbox::new();
    let mut guest = Guest::new("misc");
    guest.builder.preopened_dir(sandbox.dir(), "/sandbox", DirPerms::all(), FilePerms::all()).unwrap();
    guest.run().expect(0, EXPECTED);
    assert!(!sandbox.dir().join("new.txt").exists());
}

#[test]
fn a_module_without_memory_gets_an_error() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
             (func (export "_start") (drop (call $yield))))"#,
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    kiln_wasi::add_to_linker(&mut linker, |s: &mut State| &mut s.wasi).unwrap();
    let mut store = Store::new(&engine, State { wasi: WasiCtxBuilder::new().build() });
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let start = instance.get_typed_func::<(), ()>(&mut store, "_start").unwrap();
    let err = start.call(&mut store, ()).unwrap_err();
    assert!(format!("{err:#}").contains("does not export its memory"), "{err:#}");
}

#[test]
fn pointers_at_the_very_end_of_memory() {
    // A 4-byte result written at the last 4 bytes of memory is fine; one
    // byte further is EFAULT.
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
             (memory (export "memory") 1)
             (func (export "at") (param i32 i32) (result i32)
               (call $sizes (local.get 0) (local.get 1))))"#,
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    kiln_wasi::add_to_linker(&mut linker, |s: &mut State| &mut s.wasi).unwrap();
    let wasi = WasiCtxBuilder::new().args(["a", "bc"]).build();
    let mut store = Store::new(&engine, State { wasi });
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let at = instance.get_typed_func::<(u32, u32), i32>(&mut store, "at").unwrap();
    assert_eq!(at.call(&mut store, (0, 65532)).unwrap(), 0);
    let memory = instance.get_memory(&mut store, "memory").unwrap();
    assert_eq!(&memory.data(&store)[65532..], &5u32.to_le_bytes());
    assert_eq!(&memory.data(&store)[0..4], &2u32.to_le_bytes());
    assert_eq!(at.call(&mut store, (0, 65533)).unwrap(), 21, "EFAULT");
    assert_eq!(at.call(&mut store, (u32::MAX, 0)).unwrap(), 21, "EFAULT");
}
