//! Read-only access: a preopen with `DirPerms::READ, FilePerms::READ`
//! (the `readonly` program), and one whose directories may change but
//! whose files may not be written.

use crate::harness::{Guest, Sandbox};
use kiln_wasi::{DirPerms, FilePerms};

const EXPECTED: &str = "\
open data.txt for reading: OK
read: 5 [data]
stat data.txt: OK
readlink link: 8 [data.txt]
entries: 5
open data.txt for writing: EPERM
open data.txt for reading and writing: EPERM
open data.txt with O_TRUNC: EPERM
create new.txt: EPERM
mkdir newdir: EPERM
rmdir sub: EPERM
unlink data.txt: EPERM
rename data.txt moved.txt: EPERM
link data.txt hard.txt: EPERM
symlink data.txt sym: EPERM
utimensat data.txt: EPERM
fd_filestat_set_times on the read fd: EPERM
fd_filestat_set_times on the directory: EPERM
path_open with FD_WRITE: EPERM
open sub: OK
create sub/x: EPERM
path_create_directory through sub's fd: EPERM
";

#[test]
fn read_only_preopen() {
    let sandbox = Sandbox::new();
    let dir = sandbox.dir();
    std::fs::write(dir.join("data.txt"), "data\n").unwrap();
    std::fs::create_dir(dir.join("sub")).unwrap();
    std::os::unix::fs::symlink("data.txt", dir.join("link")).unwrap();
    let before = std::fs::metadata(dir.join("data.txt")).unwrap().modified().unwrap();

    let mut guest = Guest::new("readonly");
    guest.builder.preopened_dir(&dir, "/ro", DirPerms::READ, FilePerms::READ).unwrap();
    guest.run().expect(0, EXPECTED);

    assert_eq!(std::fs::read(dir.join("data.txt")).unwrap(), b"data\n");
    assert_eq!(std::fs::metadata(dir.join("data.txt")).unwrap().modified().unwrap(), before);
    let mut names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["data.txt", "link", "sub"]);
    assert_eq!(std::fs::read_dir(dir.join("sub")).unwrap().count(), 0);
}

#[test]
fn mutable_directories_with_read_only_files() {
    let sandbox = Sandbox::new();
    let dir = sandbox.dir();
    std::fs::write(dir.join("data.txt"), "data\n").unwrap();
    let mut guest = Guest::new("readonly");
    guest.builder.preopened_dir(&dir, "/ro", DirPerms::all(), FilePerms::READ).unwrap();
    let run = guest.run();
    assert_eq!(run.status, Some(0), "{:?}", run.error);
    // Directories may change; files may not be written or created.
    assert!(run.stdout.contains("open data.txt for writing: EPERM\n"), "{}", run.stdout);
    assert!(run.stdout.contains("create new.txt: EPERM\n"), "{}", run.stdout);
    assert!(run.stdout.contains("mkdir newdir: OK\n"), "{}", run.stdout);
    assert!(run.stdout.contains("unlink data.txt: OK\n"), "{}", run.stdout);
    assert!(dir.join("newdir").is_dir() && !dir.join("data.txt").exists() && !dir.join("new.txt").exists());
}
