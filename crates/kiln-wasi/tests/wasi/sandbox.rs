//! Escaping the sandbox: absolute paths, `..` out of the root, symlinks to
//! `/` and to `..`, hard links and renames out. Every attempt must fail with
//! an errno, and the host files next to the preopen must be neither read,
//! changed, linked nor joined by new ones.

use crate::harness::{Guest, Sandbox};
use kiln_wasi::{DirPerms, FilePerms};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, SystemTime};

const EXPECTED: &str = "\
open inside.txt: OK
libc open /etc/passwd: ENOTCAPABLE
path_open /etc/passwd: EPERM
path_open /: EPERM
path_filestat_get /etc: EPERM
libc open ../outside/secret.txt: EPERM
path_open ..: EPERM
path_open ./..: EPERM
path_open ../outside/secret.txt: EPERM
path_open sub/../../outside/secret.txt: EPERM
path_open ../sandbox/inside.txt: EPERM
create ../outside/created.txt: EPERM
path_filestat_get ../outside/secret.txt: EPERM
path_filestat_set_times ../outside/secret.txt: EPERM
path_create_directory ../outside/newdir: EPERM
path_unlink_file ../outside/secret.txt: EPERM
path_remove_directory ../outside: EPERM
path_symlink at ../outside/evil: EPERM
path_readlink ../outside/x: EPERM
path_open .. from sub's fd: EPERM
path_open ../inside.txt from sub's fd: EPERM
path_open rootlink: EPERM
path_open rootlink/etc/passwd: EPERM
path_open uplink/outside/secret.txt: EPERM
path_open secretlink: EPERM
path_filestat_get uplink/outside: EPERM
path_readlink rootlink: EPERM
path_readlink uplink: OK
uplink reads as: ..
libc open secretlink: EPERM
libc stat rootlink/etc: EPERM
libc lstat rootlink: OK
symlink / root2: EPERM
symlink /etc/passwd passwd: EPERM
symlink .. up2: OK
symlink ../outside/secret.txt s2: OK
symlink ../outside/new.txt s3: OK
path_open up2/outside/secret.txt: EPERM
path_open s2: EPERM
libc open s2 for writing: EPERM
libc create through s3: EPERM
libc truncate through s2: EPERM
path_link inside.txt ../outside/linked.txt: EPERM
path_link ../outside/secret.txt stolen.txt: EPERM
path_link uplink/outside/secret.txt stolen.txt: EPERM
path_link secretlink (the link itself) stolen.txt: OK
path_open stolen.txt: EPERM
libc link secretlink stolen2.txt: OK
libc open stolen2.txt: EPERM
path_rename inside.txt ../outside/moved.txt: EPERM
path_rename inside.txt uplink/outside/moved.txt: EPERM
path_rename ../outside/secret.txt got.txt: EPERM
path_rename sub ../outside/sub: EPERM
libc rename inside.txt ../outside/moved.txt: EPERM
path_rename secretlink secretlink2: OK
path_open secretlink2: EPERM
stat inside.txt: OK
";

/// One host entry, seen without reading it: name, inode, size, access and
/// modification times, link count.
type Entry = (String, u64, u64, (i64, i64), (i64, i64), u64);

/// What the host entries of a directory look like.
fn snapshot(dir: &Path) -> Vec<Entry> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let m = std::fs::symlink_metadata(e.path()).unwrap();
            let name = e.file_name().into_string().unwrap();
            (name, m.ino(), m.size(), (m.atime(), m.atime_nsec()), (m.mtime(), m.mtime_nsec()), m.nlink())
        })
        .collect();
    entries.sort();
    entries
}

#[test]
fn escape_attempts_fail_and_touch_nothing_outside() {
    let sandbox = Sandbox::new();
    let inside = sandbox.dir();
    let outside = sandbox.outside();
    std::fs::write(inside.join("inside.txt"), "inside\n").unwrap();
    std::fs::create_dir(inside.join("sub")).unwrap();
    std::os::unix::fs::symlink("/", inside.join("rootlink")).unwrap();
    std::os::unix::fs::symlink("..", inside.join("uplink")).unwrap();
    std::os::unix::fs::symlink("../outside/secret.txt", inside.join("secretlink")).unwrap();

    // The sentinel: an access time older than its modification time, so
    // that a read would move it even on a `relatime` mount. Its contents
    // are read only at the end.
    let secret = outside.join("secret.txt");
    std::fs::write(&secret, "top secret\n").unwrap();
    let times = std::fs::FileTimes::new()
        .set_accessed(SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000))
        .set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(1_500_000_000));
    std::fs::File::options().write(true).open(&secret).unwrap().set_times(times).unwrap();
    let outside_before = snapshot(&outside);
    let root_before = snapshot(sandbox.root.path());

    let mut guest = Guest::new("sandbox");
    guest.builder.preopened_dir(&inside, "/sandbox", DirPerms::all(), FilePerms::all()).unwrap();
    guest.run().expect(0, EXPECTED);

    assert_eq!(snapshot(&outside), outside_before, "the directory next to the preopen changed (or was read)");
    assert_eq!(std::fs::read(&secret).unwrap(), b"top secret\n");
    if snapshot(&outside) == outside_before {
        eprintln!("note: this filesystem does not record reads in atime; the not-read check proved nothing");
    }
    let root_after = snapshot(sandbox.root.path());
    assert_eq!(
        root_after.iter().map(|e| &e.0).collect::<Vec<_>>(),
        root_before.iter().map(|e| &e.0).collect::<Vec<_>>(),
        "something was created next to the preopen"
    );
    for name in ["created.txt", "new.txt", "linked.txt", "moved.txt", "evil", "newdir", "sub"] {
        assert!(!outside.join(name).exists(), "{name} appeared outside the sandbox");
    }
    assert_eq!(std::fs::read(inside.join("inside.txt")).unwrap(), b"inside\n");
    assert!(!inside.join("got.txt").exists());
    for name in ["stolen.txt", "stolen2.txt"] {
        let meta = std::fs::symlink_metadata(inside.join(name)).unwrap();
        assert!(meta.file_type().is_symlink(), "{name} must be a link to the symlink, not to the file");
    }
}

#[test]
fn a_preopen_named_slash_does_not_reach_the_host_root() {
    // With the guest path "/", absolute guest paths name files in the
    // preopen, and `/..` is still the preopen's root, never the host's.
    let sandbox = Sandbox::new();
    std::fs::write(sandbox.outside().join("secret.txt"), "top secret\n").unwrap();
    let mut guest = Guest::new("cat");
    guest.builder.args(["/etc/passwd", "/../outside/secret.txt", "/hello.txt"]);
    std::fs::write(sandbox.dir().join("hello.txt"), "hello from inside\n").unwrap();
    guest.builder.preopened_dir(sandbox.dir(), "/", DirPerms::all(), FilePerms::all()).unwrap();
    guest.run().expect(
        0,
        "/etc/passwd: ENOENT\n\
         /../outside/secret.txt: EPERM\n\
         /hello.txt: hello from inside\n",
    );
}
