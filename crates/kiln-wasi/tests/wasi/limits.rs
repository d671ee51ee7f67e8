//! Resource limits: the cap on open descriptors (`max_open_files`, EMFILE)
//! and on disk growth (`max_disk_bytes`, ENOSPC), driven call by call from
//! the host through a small WAT guest.

use crate::harness::{Sandbox, State};
use kiln::{Engine, Instance, Linker, Memory, Module, Store, WasmParams};
use kiln_wasi::{DirPerms, FilePerms, WasiCtxBuilder};

const EFAULT: i32 = 21;
const EMFILE: i32 = 33;
const ENOSPC: i32 = 51;
const O_CREAT: i32 = 1;
const FDFLAG_APPEND: i32 = 1;

/// Thin wrappers around the preview 1 calls. Each returns the errno; a
/// call's u32 result (fd, bytes written) is left at address 0. Paths are
/// taken from address 64, written bytes from address 1024. Opens go
/// through fd 3, the first preopen, with every right.
const GUEST: &str = r#"(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pwrite" (func $fd_pwrite (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_allocate" (func $fd_allocate (param i32 i64 i64) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_set_size" (func $set_size (param i32 i64) (result i32)))
  (memory (export "memory") 2)
  (func (export "open") (param $path_len i32) (param $oflags i32) (param $fdflags i32) (result i32)
    (call $path_open (i32.const 3) (i32.const 0) (i32.const 64) (local.get $path_len) (local.get $oflags)
      (i64.const 0x3fffffff) (i64.const 0x3fffffff) (local.get $fdflags) (i32.const 0)))
  (func (export "close") (param $fd i32) (result i32)
    (call $fd_close (local.get $fd)))
  (func $iovec (param $len i32)
    (i32.store (i32.const 16) (i32.const 1024))
    (i32.store (i32.const 20) (local.get $len)))
  (func (export "write") (param $fd i32) (param $len i32) (result i32)
    (call $iovec (local.get $len))
    (call $fd_write (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 0)))
  (func (export "write_then_fault") (param $fd i32) (param $len i32) (result i32)
    (call $iovec (local.get $len))
    (i32.store (i32.const 24) (i32.const 0xfffffff0))
    (i32.store (i32.const 28) (i32.const 64))
    (call $fd_write (local.get $fd) (i32.const 16) (i32.const 2) (i32.const 0)))
  (func (export "pwrite") (param $fd i32) (param $len i32) (param $offset i64) (result i32)
    (call $iovec (local.get $len))
    (call $fd_pwrite (local.get $fd) (i32.const 16) (i32.const 1) (local.get $offset) (i32.const 0)))
  (func (export "allocate") (param $fd i32) (param $offset i64) (param $len i64) (result i32)
    (call $fd_allocate (local.get $fd) (local.get $offset) (local.get $len)))
  (func (export "set_size") (param $fd i32) (param $size i64) (result i32)
    (call $set_size (local.get $fd) (local.get $size))))"#;

/// One context running [`GUEST`].
struct Guest {
    store: Store<State>,
    instance: Instance,
    memory: Memory,
}

impl Guest {
    /// A context made by `builder`, which should preopen a directory.
    fn new(builder: &mut WasiCtxBuilder) -> Guest {
        let engine = Engine::default();
        let module = Module::new(&engine, GUEST).unwrap();
        let mut linker = Linker::new(&engine);
        kiln_wasi::add_to_linker(&mut linker, |s: &mut State| &mut s.wasi).unwrap();
        let mut store = Store::new(&engine, State { wasi: builder.build() });
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let memory = instance.get_memory(&mut store, "memory").unwrap();
        memory.write(&mut store, 1024, &[b'x'; 64 * 1024]).unwrap();
        Guest { store, instance, memory }
    }

    fn errno(&mut self, name: &str, args: impl WasmParams) -> i32 {
        let func = self.instance.get_typed_func(&mut self.store, name).unwrap();
        func.call(&mut self.store, args).unwrap()
    }

    /// The errno of a call, or its u32 result if it succeeded.
    fn result(&mut self, name: &str, args: impl WasmParams) -> Result<u32, i32> {
        match self.errno(name, args) {
            0 => {
                let mut out = [0u8; 4];
                self.memory.read(&self.store, 0, &mut out).unwrap();
                Ok(u32::from_le_bytes(out))
            }
            errno => Err(errno),
        }
    }

    fn open_with(&mut self, path: &str, oflags: i32, fdflags: i32) -> Result<u32, i32> {
        self.memory.write(&mut self.store, 64, path.as_bytes()).unwrap();
        self.result("open", (path.len() as i32, oflags, fdflags))
    }

    /// Creates (or opens) `path` for reading and writing.
    fn create(&mut self, path: &str) -> Result<u32, i32> {
        self.open_with(path, O_CREAT, 0)
    }

    fn close(&mut self, fd: u32) -> i32 {
        self.errno("close", fd as i32)
    }

    /// Writes `len` bytes at the fd's offset.
    fn write(&mut self, fd: u32, len: u32) -> Result<u32, i32> {
        self.result("write", (fd as i32, len as i32))
    }

    /// Writes `len` good bytes, then a buffer outside memory, in one call.
    fn write_then_fault(&mut self, fd: u32, len: u32) -> Result<u32, i32> {
        self.result("write_then_fault", (fd as i32, len as i32))
    }

    fn pwrite(&mut self, fd: u32, len: u32, offset: u64) -> Result<u32, i32> {
        self.result("pwrite", (fd as i32, len as i32, offset as i64))
    }

    fn allocate(&mut self, fd: u32, offset: u64, len: u64) -> i32 {
        self.errno("allocate", (fd as i32, offset as i64, len as i64))
    }

    fn set_size(&mut self, fd: u32, size: u64) -> i32 {
        self.errno("set_size", (fd as i32, size as i64))
    }
}

/// A builder with `sandbox` preopened read-write as fd 3.
fn builder(sandbox: &Sandbox) -> WasiCtxBuilder {
    let mut builder = WasiCtxBuilder::new();
    builder.preopened_dir(sandbox.dir(), "/sandbox", DirPerms::all(), FilePerms::all()).unwrap();
    builder
}

fn size(sandbox: &Sandbox, name: &str) -> u64 {
    std::fs::metadata(sandbox.dir().join(name)).unwrap().len()
}

#[test]
fn opening_past_max_open_files_is_emfile() {
    let sandbox = Sandbox::new();
    // Three stdio fds and the preopen leave room for four files.
    let mut guest = Guest::new(builder(&sandbox).max_open_files(8));
    let mut fds = Vec::new();
    let errno = loop {
        match guest.create(&format!("f{}", fds.len())) {
            Ok(fd) => fds.push(fd),
            Err(errno) => break errno,
        }
        assert!(fds.len() <= 100, "no cap: {fds:?}");
    };
    assert_eq!(fds, [4, 5, 6, 7]);
    assert_eq!(errno, EMFILE);
    // Refused before the host open: O_CREAT did not create the file.
    assert!(!sandbox.dir().join("f4").exists());
    // The cap is the guest's, not the host's: the host, and another
    // context, still open files.
    std::fs::write(sandbox.dir().join("host.txt"), "host").unwrap();
    assert_eq!(std::fs::read(sandbox.dir().join("f0")).unwrap(), b"");
    let mut other = Guest::new(builder(&sandbox).max_open_files(8));
    assert_eq!(other.create("other"), Ok(4));
}

#[test]
fn closing_a_descriptor_makes_room_for_one_more() {
    let sandbox = Sandbox::new();
    let mut guest = Guest::new(builder(&sandbox).max_open_files(8));
    for (i, fd) in (4..8).enumerate() {
        assert_eq!(guest.create(&format!("f{i}")), Ok(fd));
    }
    assert_eq!(guest.create("again"), Err(EMFILE));
    assert_eq!(guest.close(5), 0);
    assert_eq!(guest.create("again"), Ok(5));
    assert_eq!(guest.create("more"), Err(EMFILE));
    assert!(sandbox.dir().join("again").exists());
    assert!(!sandbox.dir().join("more").exists());
}

#[test]
fn stdio_and_preopens_count_against_max_open_files() {
    let sandbox = Sandbox::new();
    // A cap below what the embedder gives the guest still builds: the
    // guest just has no room until it closes something.
    let mut guest = Guest::new(builder(&sandbox).max_open_files(3));
    assert_eq!(guest.create("a"), Err(EMFILE));
    assert_eq!(guest.close(2), 0);
    assert_eq!(guest.create("a"), Err(EMFILE));
    assert_eq!(guest.close(1), 0);
    assert_eq!(guest.create("a"), Ok(1));
}

#[test]
fn writing_past_max_disk_bytes_is_enospc() {
    let sandbox = Sandbox::new();
    let mut guest = Guest::new(builder(&sandbox).max_disk_bytes(100));
    let fd = guest.create("data").unwrap();
    assert_eq!(guest.write(fd, 60), Ok(60));
    // Nothing of a refused write is written, not even what would fit.
    assert_eq!(guest.write(fd, 60), Err(ENOSPC));
    assert_eq!(size(&sandbox, "data"), 60);
    assert_eq!(guest.write(fd, 40), Ok(40));
    assert_eq!(size(&sandbox, "data"), 100);
    // Overwriting is free; growing by one byte is not.
    assert_eq!(guest.pwrite(fd, 100, 0), Ok(100));
    assert_eq!(guest.pwrite(fd, 2, 99), Err(ENOSPC));
    assert_eq!(guest.write(fd, 1), Err(ENOSPC));
    assert_eq!(size(&sandbox, "data"), 100);
    // Standard output is not a file on disk: not counted.
    assert_eq!(guest.write(1, 1000), Ok(1000));

    // The budget is the context's, across files; shrinking gives nothing
    // back.
    assert_eq!(guest.set_size(fd, 0), 0);
    assert_eq!(guest.write(fd, 1), Err(ENOSPC));
    let other = guest.create("other").unwrap();
    assert_eq!(guest.write(other, 1), Err(ENOSPC));
    assert_eq!(size(&sandbox, "data"), 0);
    assert_eq!(size(&sandbox, "other"), 0);
}

#[test]
fn a_write_with_a_bad_buffer_writes_nothing() {
    // Otherwise the good buffer would reach the file while the call fails,
    // and the budget, charged only on success, would not see it.
    let sandbox = Sandbox::new();
    let mut guest = Guest::new(builder(&sandbox).max_disk_bytes(100));
    let fd = guest.create("data").unwrap();
    assert_eq!(guest.write_then_fault(fd, 60), Err(EFAULT));
    assert_eq!(size(&sandbox, "data"), 0);
    assert_eq!(guest.write(fd, 100), Ok(100));
    assert_eq!(guest.write(fd, 1), Err(ENOSPC));
}

#[test]
fn appending_is_charged_even_at_offset_zero() {
    let sandbox = Sandbox::new();
    std::fs::write(sandbox.dir().join("log"), [b'x'; 10]).unwrap();
    let mut guest = Guest::new(builder(&sandbox).max_disk_bytes(5));
    let fd = guest.open_with("log", 0, FDFLAG_APPEND).unwrap();
    // The guest's offset is 0, but an appending write lands at the end.
    assert_eq!(guest.write(fd, 6), Err(ENOSPC));
    assert_eq!(guest.pwrite(fd, 6, 0), Err(ENOSPC));
    assert_eq!(size(&sandbox, "log"), 10);
    assert_eq!(guest.write(fd, 5), Ok(5));
    assert_eq!(guest.pwrite(fd, 1, 0), Err(ENOSPC));
    assert_eq!(size(&sandbox, "log"), 15);
}

#[test]
fn allocating_past_max_disk_bytes_is_refused() {
    let sandbox = Sandbox::new();
    let mut guest = Guest::new(builder(&sandbox).max_disk_bytes(1000));
    let fd = guest.create("big").unwrap();
    // A huge allocation is refused before the host is asked for any of it.
    assert_eq!(guest.allocate(fd, 0, 1 << 40), ENOSPC);
    assert_eq!(size(&sandbox, "big"), 0);
    assert_eq!(guest.allocate(fd, 0, 600), 0);
    assert_eq!(size(&sandbox, "big"), 600);
    // Inside the file: no growth, free.
    assert_eq!(guest.allocate(fd, 100, 500), 0);
    assert_eq!(guest.allocate(fd, 550, 451), ENOSPC);
    assert_eq!(size(&sandbox, "big"), 600);
    // Extending with fd_filestat_set_size is charged the same way.
    assert_eq!(guest.set_size(fd, 1001), ENOSPC);
    assert_eq!(size(&sandbox, "big"), 600);
    assert_eq!(guest.set_size(fd, 1000), 0);
    assert_eq!(size(&sandbox, "big"), 1000);
    assert_eq!(guest.allocate(fd, 1000, 1), ENOSPC);
    assert_eq!(guest.pwrite(fd, 1, 1000), Err(ENOSPC));
    assert_eq!(size(&sandbox, "big"), 1000);
}

#[test]
fn without_caps_nothing_is_refused() {
    // The defaults leave ordinary use alone: more files than the small caps
    // above, and more bytes.
    let sandbox = Sandbox::new();
    let mut guest = Guest::new(&mut builder(&sandbox));
    for i in 0..16u32 {
        assert_eq!(guest.create(&format!("f{i}")), Ok(4 + i));
    }
    assert_eq!(guest.write(4, 64 * 1024), Ok(64 * 1024));
    assert_eq!(guest.allocate(4, 0, 1 << 20), 0);
    assert_eq!(size(&sandbox, "f0"), 1 << 20);
}
