//! Directories: the `dirs` program in a fresh read-write preopen.

use crate::harness::{Guest, Sandbox};
use kiln_wasi::{DirPerms, FilePerms};

const EXPECTED: &str = "\
mkdir d: OK
mkdir d again: EEXIST
mkdir d/: EEXIST
mkdir x/y: ENOENT
mkdir d/e/: OK
mkdir file/x: ENOTDIR
rmdir d: ENOTEMPTY
rmdir d/f1: ENOTDIR
rmdir missing: ENOENT
rmdir d/e/: OK
mkdir d/e: OK
.: .(3) ..(3) d(3) file(4)
d: .(3) ..(3) e(3) f1(4) f2(4)
after seekdir: same entry 1, 2 more after it
after rewinddir: 5 entries
d_ino of . is d's inode: 1
fd_readdir: OK
whole: 76 bytes: [next 1 type 3 namlen 1 .] [next 2 type 3 namlen 2 ..] [next 3 type 4 namlen 1 x]
from cookie 2: 25 bytes: [next 3 type 4 namlen 1 x]
from cookie 3: 0 bytes:
from cookie 1000: 0 bytes:
buffer of 24: 24 bytes: [next 1 type 3 namlen 1 ]
buffer of 25: 25 bytes: [next 1 type 3 namlen 1 .]
buffer of 10: 10 bytes: +10 bytes of a cut header
buffer of 50: 50 bytes: [next 1 type 3 namlen 1 .] [next 2 type 3 namlen 2 .]
buffer of 0: 0 bytes
fd_seek on a directory: EBADF
fd_tell on a directory: EBADF
fd_read on a directory: EBADF
fd_write on a directory: EBADF
fd_filestat_set_size on a directory: EBADF
fd_allocate on a directory: EBADF
fd_sync on a directory: OK
fstat: directory 1
fd_readdir on a file: EBADF
path_create_directory on a file fd: ENOTDIR
fd_readdir on stdin: EBADF
fd_readdir on a closed fd: EBADF
rename d d2: OK
rename d2 into itself: EINVAL
rename file over a directory: EISDIR
mkdir empty: OK
rename empty over a non-empty directory: ENOTEMPTY
rename d2 over an empty directory: OK
rename a directory over a file: ENOTDIR
rename empty/ d3: OK
rename file/ x: ENOTDIR
rename file x/: ENOTDIR
open d3/../d3/f1: OK
d3/e/.. is d3: 1
d3/.. is the root: 1
d3: .(3) ..(3) e(3) f1(4) f2(4)
.: .(3) ..(3) d3(3) file(4)
";

#[test]
fn directory_operations() {
    let sandbox = Sandbox::new();
    let mut guest = Guest::new("dirs");
    guest.builder.preopened_dir(sandbox.dir(), "/sandbox", DirPerms::all(), FilePerms::all()).unwrap();
    guest.run().expect(0, EXPECTED);

    let dir = sandbox.dir();
    assert!(dir.join("d3/e/x").is_file());
    assert!(dir.join("file").is_file());
    assert!(!dir.join("d").exists() && !dir.join("d2").exists() && !dir.join("empty").exists());
}

#[test]
fn readdir_of_a_large_directory() {
    // More entries than wasi-libc's first readdir buffer holds: the guest
    // must come back with cookies and see every entry exactly once.
    let sandbox = Sandbox::new();
    for i in 0..300 {
        std::fs::write(sandbox.dir().join(format!("entry-with-a-long-name-{i:04}")), "").unwrap();
    }
    let mut guest = Guest::new("ls");
    guest.builder.preopened_dir(sandbox.dir(), "/sandbox", DirPerms::all(), FilePerms::all()).unwrap();
    let run = guest.run();
    let mut expected: Vec<String> = vec![".".into(), "..".into()];
    expected.extend((0..300).map(|i| format!("entry-with-a-long-name-{i:04}")));
    expected.sort();
    run.expect(0, &(expected.join("\n") + "\ncount: 302\n"));
}
