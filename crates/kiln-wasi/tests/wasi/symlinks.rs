//! Symbolic links inside the sandbox: the `symlinks` program in a fresh
//! read-write preopen.

use crate::harness::{Guest, Sandbox};
use kiln_wasi::{DirPerms, FilePerms};

const EXPECTED: &str = "\
symlink target.txt link: OK
symlink onto an existing name: EEXIST
readlink link: 10 [target.txt]
readlink link into 4 bytes: 4 [targ]
readlink a regular file: EINVAL
readlink a missing path: ENOENT
read through link: 2 [T]
lstat link: symlink, stat: file
open link with O_NOFOLLOW: ELOOP
path_filestat_get link: filetype 7 size 10
path_filestat_get link, following: filetype 4 size 2
path_filestat_get with an unknown lookup flag: EINVAL
symlink dir dirlink: OK
open dirlink/inner: OK
lstat dirlink: symlink, stat: directory
lstat dirlink/: directory, stat: directory
open dirlink/ with O_NOFOLLOW: OK
open dirlink with O_NOFOLLOW: ELOOP
rmdir dirlink: ENOTDIR
unlink dirlink: OK
lstat dir: directory, stat: directory
symlink nowhere dangling: OK
lstat dangling: symlink, stat: ENOENT
open dangling: ENOENT
create through dangling with O_EXCL: EEXIST
create through dangling: OK
lstat nowhere: file, stat: file
lstat dangling: symlink, stat: file
symlink loop2 loop1: OK
symlink loop1 loop2: OK
symlink self self: OK
lstat loop1: symlink, stat: ELOOP
lstat self: symlink, stat: ELOOP
open loop1: ELOOP
open self/x: ELOOP
create through loop1: ELOOP
mkdir self/x: ELOOP
rename link link2: OK
link link2 hard: OK
lstat hard: symlink, stat: file
path_link following the symlink: EINVAL
utimensat the link itself: OK
link mtime 2000, target mtime changed: 0
unlink link2: OK
unlink hard: OK
lstat target.txt: file, stat: file
symlink into a missing directory: ENOENT
";

#[test]
fn symlinks() {
    let sandbox = Sandbox::new();
    let mut guest = Guest::new("symlinks");
    guest.builder.preopened_dir(sandbox.dir(), "/sandbox", DirPerms::all(), FilePerms::all()).unwrap();
    guest.run().expect(0, EXPECTED);

    let dir = sandbox.dir();
    assert_eq!(std::fs::read_link(dir.join("dangling")).unwrap(), std::path::Path::new("nowhere"));
    assert!(dir.join("nowhere").is_file());
    assert_eq!(std::fs::read(dir.join("target.txt")).unwrap(), b"T\n");
}
