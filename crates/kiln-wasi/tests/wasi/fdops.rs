//! The descriptor table: preopens, numbering, renumbering, closing, flags
//! and rights (the `fdops` program with two preopens).

use crate::harness::{Guest, Sandbox};
use kiln_wasi::{DirPerms, FilePerms};

const EXPECTED: &str = "\
fd_prestat_get 0: EBADF
fd_prestat_get 1: EBADF
fd_prestat_get 2: EBADF
fd_prestat_get 3: dir, name [/sandbox] (8 bytes)
fd_prestat_get 4: dir, name [/data] (5 bytes)
fd_prestat_get 5: EBADF
fd_prestat_dir_name into 4 bytes: ENAMETOOLONG
fd_prestat_dir_name of stdin: ENOTDIR
fd_prestat_dir_name of a closed fd: EBADF
fdstat preopen: filetype 3 flags 0 read 0 write 0 seek 0 tell 0 path_open 1
opened a.txt as 5, b.txt as 6
reopened a.txt as 5
fd_renumber a b: OK
fd_write to the old number: EBADF
pread through b: 1 [A]
fd_renumber onto a closed fd: EBADF
fd_renumber from a closed fd: EBADF
fd_renumber b onto itself: OK
fdstat b: filetype 4 flags 0 read 1 write 1 seek 1 tell 1 path_open 0
fdstat c (append): filetype 4 flags 0x1 read 0 write 1 seek 1 tell 1 path_open 0
fd_fdstat_set_flags c NONBLOCK: OK
fdstat c: filetype 4 flags 0x4 read 0 write 1 seek 1 tell 1 path_open 0
fdstat opened with O_NONBLOCK: filetype 4 flags 0x4 read 0 write 1 seek 1 tell 1 path_open 0
write with O_NONBLOCK: OK
fd_fdstat_set_flags with an unknown flag: EINVAL
fd_fdstat_set_flags DSYNC: EINVAL
fd_fdstat_set_flags on a directory: EBADF
fdstat opened with SYNC|DSYNC: filetype 4 flags 0x12 read 0 write 1 seek 0 tell 0 path_open 0
fd_fdstat_set_flags keeping SYNC|DSYNC, adding APPEND: OK
fdstat: filetype 4 flags 0x13 read 0 write 1 seek 0 tell 0 path_open 0
fd_fdstat_set_flags without the right: ENOTCAPABLE
fdstat a before: filetype 4 flags 0 read 1 write 1 seek 1 tell 1 path_open 0
drop FD_WRITE and FD_SEEK: OK
fdstat after: filetype 4 flags 0 read 1 write 0 seek 0 tell 1 path_open 0
write without FD_WRITE: EBADF
lseek without FD_SEEK: ESPIPE
lseek(0, SEEK_CUR) with FD_TELL: 1
read still works: 0
add FD_WRITE back: ENOTCAPABLE
fd_fdstat_set_rights with an unknown bit: EINVAL
fd_fdstat_set_rights on a closed fd: EBADF
fdstat dir: filetype 3 flags 0 read 0 write 0 seek 0 tell 0 path_open 1
fdstat file opened through dir: filetype 4 flags 0 read 1 write 0 seek 0 tell 0 path_open 0
fd_write without an inherited FD_WRITE: EBADF
path_create_directory without the right: ENOTCAPABLE
path_open a.txt: ENOTCAPABLE
fd_renumber a file onto the preopen /data: OK
fd_prestat_get 4: EBADF
path_open data.txt: ENOTDIR
fdstat 4: filetype 4 flags 0 read 1 write 0 seek 0 tell 0 path_open 0
fd_close the preopen /sandbox: OK
fd_prestat_get 3: EBADF
path_open a.txt: EBADF
fd_close 3 again: EBADF
fdstat closed: EBADF
fd_filestat_get closed: EBADF
";

#[test]
fn descriptor_table() {
    let sandbox = Sandbox::new();
    std::fs::write(sandbox.outside().join("data.txt"), "data\n").unwrap();
    let mut guest = Guest::new("fdops");
    guest
        .builder
        .preopened_dir(sandbox.dir(), "/sandbox", DirPerms::all(), FilePerms::all())
        .unwrap()
        .preopened_dir(sandbox.outside(), "/data", DirPerms::READ, FilePerms::READ)
        .unwrap();
    guest.run().expect(0, EXPECTED);
    assert_eq!(std::fs::read(sandbox.dir().join("a.txt")).unwrap(), b"A");
}
