//! Standard input, output and error through in-memory pipes and host files.

use crate::harness::Guest;
use kiln_wasi::MemoryInputPipe;

const EXPECTED: &str = "\
HELLO, WORLD
LINE 2
read stdin to the end: OK
bytes: 20
abc
fd_write 3 iovecs: OK
written: 4
fd 0: filetype 0 read 1 write 0 seek 0
fd 1: filetype 0 read 0 write 1 seek 0
fd 2: filetype 0 read 0 write 1 seek 0
isatty(1): ENOTTY
fd_seek stdout: ESPIPE
fd_tell stdin: ESPIPE
fd_read stdout: EBADF
fd_write stdin: EBADF
fd_pread stdin: ESPIPE
fd_pwrite stdout: ESPIPE
fd_fdstat_set_flags stdout: EBADF
fd_filestat_get stdout: OK
stdout filestat: filetype 0 size 0
fd_filestat_set_size stdout: EBADF
fd_prestat_get stdout: EBADF
fd_close stdin: OK
fd_close stdin again: EBADF
fd_read closed stdin: EBADF
";

#[test]
fn memory_pipes() {
    let mut guest = Guest::new("stdio");
    guest.builder.stdin(MemoryInputPipe::new("hello, world\nline 2\n"));
    let run = guest.run();
    run.expect(0, EXPECTED);
    assert_eq!(run.stderr, "this goes to stderr\n");
}

#[test]
fn empty_stdin_by_default() {
    let run = Guest::new("stdio").run();
    assert!(run.stdout.starts_with("read stdin to the end: OK\nbytes: 0\n"), "{}", run.stdout);
}

#[test]
fn host_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in"), "from a file\n").unwrap();
    let stdin = std::fs::File::open(dir.path().join("in")).unwrap();
    let stdout = std::fs::File::create(dir.path().join("out")).unwrap();
    let stderr = std::fs::File::create(dir.path().join("err")).unwrap();
    let mut guest = Guest::new("stdio");
    guest.builder.stdin(stdin).stdout(stdout).stderr(stderr);
    let run = guest.run();
    assert_eq!(run.status, Some(0), "{:?}", run.error);
    let out = std::fs::read_to_string(dir.path().join("out")).unwrap();
    assert!(out.starts_with("FROM A FILE\nread stdin to the end: OK\nbytes: 12\nabc\n"), "{out}");
    assert_eq!(std::fs::read_to_string(dir.path().join("err")).unwrap(), "this goes to stderr\n");
}
