//! Files: the `files` program in a fresh read-write preopen, then a look
//! at what it left on the host.

use crate::harness::{Guest, Sandbox};
use kiln_wasi::{DirPerms, FilePerms};

const EXPECTED: &str = "\
create a.txt: OK
write 12 bytes: OK
read from a write-only fd: EBADF
close: OK
close again: EBADF
create a.txt with O_EXCL: EEXIST
read 5: [hello]
tell: 5
seek end-3: 9
read 3: [ld]
read at the end: 0
seek before the start: EINVAL
seek past the end: 100
read past the end: 0
pread at 6: 5 [world], tell 100
write to a read-only fd: EBADF
pwrite to a read-only fd: EBADF
ftruncate a read-only fd: ENOTCAPABLE
fd_seek with whence 3: EINVAL
readv: 9 [hel|lo |wor]
O_APPEND set: 1
writev appending: 5
tell after appending: 17
clear O_APPEND: OK
O_APPEND set: 0
overwrite the first byte: OK
set O_APPEND: OK
append after seeking to 0: OK
tell: 18
set O_SYNC with fcntl: EINVAL
a.txt contains 18 bytes: [Jello world\\nmore\\n!]
ftruncate to 4: OK
size: 4
ftruncate to 8: OK
pread: 8, byte 5 is 0
posix_fallocate 0+100: OK
size: 100
posix_fallocate 10+0: EINVAL
posix_fadvise sequential: OK
posix_fadvise 99: EINVAL
fsync: OK
fdatasync: OK
pwrite at 1: 2, tell 10
size after O_TRUNC: 0
stat a.txt: OK
regular 1, size 18, nlink 1
same inode through fstat: 1
stat a missing file: ENOENT
utimensat: OK
atime 1000.000000005 mtime 2000.123456789
fd_filestat_set_times MTIM_NOW: OK
atime kept: 1, mtime now: 1
fd_filestat_set_times ATIM|ATIM_NOW: EINVAL
fd_filestat_set_times MTIM|MTIM_NOW: EINVAL
fd_filestat_set_times unknown flag: EINVAL
fd_filestat_set_times on a closed fd: EBADF
path_filestat_set_times ATIM|ATIM_NOW: EINVAL
path_filestat_set_times MTIM: OK
mtime 0.000000007
rename a.txt c.txt: OK
open a.txt: ENOENT
rename e.txt over b.txt: OK
rename a missing file: ENOENT
link c.txt d.txt: OK
nlink: 2
link onto an existing name: EEXIST
unlink c.txt: OK
nlink: 1
d.txt contains 18 bytes: [Jello world\\nmore\\n!]
unlink a missing file: ENOENT
open a missing file: ENOENT
open d.txt/: ENOTDIR
open d.txt with O_DIRECTORY: ENOTDIR
open d.txt/x: ENOTDIR
unlink d.txt/: ENOTDIR
mkdir sub: OK
open a directory for writing: EISDIR
open a directory with O_TRUNC: EISDIR
unlink a directory: EISDIR
open sub/../d.txt: OK
open an empty path: OK
create with O_DIRECTORY: EINVAL
create a 299-byte name: ENAMETOOLONG
path_open an empty path: ENOENT
path_open with an unknown oflag: EINVAL
path_open with an unknown fdflag: EINVAL
path_open on a file fd: ENOTDIR
path_open on stdin: EBADF
path_open on a closed fd: EBADF
";

#[test]
fn file_operations() {
    let sandbox = Sandbox::new();
    let mut guest = Guest::new("files");
    guest.builder.preopened_dir(sandbox.dir(), "/sandbox", DirPerms::all(), FilePerms::all()).unwrap();
    guest.run().expect(0, EXPECTED);

    let dir = sandbox.dir();
    assert_eq!(std::fs::read(dir.join("d.txt")).unwrap(), b"Jello world\nmore\n!");
    assert_eq!(std::fs::metadata(dir.join("b.txt")).unwrap().len(), 0);
    assert!(dir.join("sub").is_dir());
    let mut names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["b.txt", "d.txt", "sub"]);
}
