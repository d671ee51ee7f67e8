//! The filesystem through a preopened temporary directory.

use super::{borrow, bval, call, Host};
use crate::p2::*;
use crate::{DirPerms, FilePerms, WasiCtxBuilder};
use kiln::component::{Resource, Val};

fn host(dir: &std::path::Path, d: DirPerms, f: FilePerms) -> (Host, Resource<Descriptor>) {
    let mut h = Host::new(WasiCtxBuilder::new().preopened_dir(dir, "/sandbox", d, f).unwrap());
    let mut dirs = h.view().get_directories().unwrap();
    assert_eq!(dirs.len(), 1);
    let (root, name) = dirs.pop().unwrap();
    assert_eq!(name, "/sandbox");
    (h, root)
}

fn code<T: std::fmt::Debug>(r: FsResult<T>) -> ErrorCode {
    match r {
        Err(FsError::Code(c)) => c,
        other => panic!("expected an error code, got {other:?}"),
    }
}

#[test]
fn create_write_read_stat_and_list() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut h, root) = host(tmp.path(), DirPerms::all(), FilePerms::all());
    let mut v = h.view();
    let flags = DescriptorFlags::READ | DescriptorFlags::WRITE;
    let f = v.descriptor_open_at(borrow(&root), PathFlags::default(), "a.txt", OpenFlags::CREATE, flags).unwrap();
    assert_eq!(v.descriptor_get_type(borrow(&f)).unwrap(), DescriptorType::RegularFile);
    assert!(v.descriptor_get_flags(borrow(&f)).unwrap().contains(flags));

    // Write through a stream, append through another, read back both ways.
    let out = v.descriptor_write_via_stream(borrow(&f), 0).unwrap();
    v.output_stream_check_write(borrow(&out)).unwrap();
    v.output_stream_write(borrow(&out), b"hello").unwrap();
    v.output_stream_blocking_write_and_flush(borrow(&out), b" world").unwrap();
    let app = v.descriptor_append_via_stream(borrow(&f)).unwrap();
    v.output_stream_blocking_write_and_flush(borrow(&app), b"!").unwrap();
    assert_eq!(std::fs::read(tmp.path().join("a.txt")).unwrap(), b"hello world!");

    let input = v.descriptor_read_via_stream(borrow(&f), 6).unwrap();
    assert_eq!(v.input_stream_blocking_read(borrow(&input), 100).unwrap(), b"world!");
    assert!(matches!(v.input_stream_read(borrow(&input), 1), Err(StreamError::Closed)));
    assert_eq!(v.descriptor_read(borrow(&f), 5, 0).unwrap(), (b"hello".to_vec(), false));
    assert_eq!(v.descriptor_read(borrow(&f), 5, 100).unwrap(), (Vec::new(), true));
    assert_eq!(v.descriptor_write(borrow(&f), b"J", 0).unwrap(), 1);

    let stat = v.descriptor_stat(borrow(&f)).unwrap();
    assert_eq!((stat.type_, stat.size, stat.link_count), (DescriptorType::RegularFile, 12, 1));
    assert!(stat.data_modification_timestamp.is_some());
    let at = v.descriptor_stat_at(borrow(&root), PathFlags::default(), "a.txt").unwrap();
    assert_eq!(at.size, 12);
    assert_eq!(
        v.descriptor_metadata_hash(borrow(&f)).unwrap(),
        v.descriptor_metadata_hash_at(borrow(&root), PathFlags::default(), "a.txt").unwrap()
    );
    v.descriptor_set_size(borrow(&f), 3).unwrap();
    assert_eq!(std::fs::read(tmp.path().join("a.txt")).unwrap(), b"Jel");
    v.descriptor_sync(borrow(&f)).unwrap();
    v.descriptor_sync_data(borrow(&f)).unwrap();
    v.descriptor_advise(borrow(&f), 0, 0, Advice::Sequential).unwrap();
    v.descriptor_set_times(borrow(&f), NewTimestamp::NoChange, NewTimestamp::Now).unwrap();
    let far = NewTimestamp::Timestamp(Datetime { seconds: u64::MAX, nanoseconds: 0 });
    assert_eq!(code(v.descriptor_set_times(borrow(&f), far, NewTimestamp::NoChange)), ErrorCode::Overflow);

    // Directories.
    v.descriptor_create_directory_at(borrow(&root), "sub").unwrap();
    let sub = v
        .descriptor_open_at(borrow(&root), PathFlags::default(), "sub", OpenFlags::DIRECTORY, DescriptorFlags::READ)
        .unwrap();
    assert_eq!(v.descriptor_get_type(borrow(&sub)).unwrap(), DescriptorType::Directory);
    v.descriptor_rename_at(borrow(&root), "a.txt", borrow(&sub), "b.txt").unwrap();
    v.descriptor_link_at(borrow(&sub), PathFlags::default(), "b.txt", borrow(&root), "hard").unwrap();
    v.descriptor_symlink_at(borrow(&root), "sub/b.txt", "link").unwrap();
    assert_eq!(v.descriptor_readlink_at(borrow(&root), "link").unwrap(), "sub/b.txt");
    assert!(v.descriptor_is_same_object(borrow(&f), borrow(&f)).unwrap());
    assert!(!v.descriptor_is_same_object(borrow(&f), borrow(&root)).unwrap());

    let entries = v.descriptor_read_directory(borrow(&root)).unwrap();
    let mut names = Vec::new();
    while let Some(e) = v.read_directory_entry(borrow(&entries)).unwrap() {
        names.push((e.name, e.type_));
    }
    names.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        names,
        [
            ("hard".to_string(), DescriptorType::RegularFile),
            ("link".to_string(), DescriptorType::SymbolicLink),
            ("sub".to_string(), DescriptorType::Directory)
        ]
    );
    v.descriptor_unlink_file_at(borrow(&root), "link").unwrap();
    v.descriptor_unlink_file_at(borrow(&sub), "b.txt").unwrap();
    assert_eq!(code(v.descriptor_remove_directory_at(borrow(&root), "nope")), ErrorCode::NoEntry);
    v.descriptor_remove_directory_at(borrow(&root), "sub/").unwrap();
    assert_eq!(code(v.descriptor_stat_at(borrow(&root), PathFlags::default(), "sub")), ErrorCode::NoEntry);
}

#[test]
fn the_sandbox_holds() {
    let tmp = tempfile::tempdir().unwrap();
    let inner = tmp.path().join("inner");
    std::fs::create_dir(&inner).unwrap();
    std::fs::write(tmp.path().join("secret"), "x").unwrap();
    std::os::unix::fs::symlink("../secret", inner.join("escape")).unwrap();
    let (mut h, root) = host(&inner, DirPerms::all(), FilePerms::all());
    let mut v = h.view();
    let follow = PathFlags::SYMLINK_FOLLOW;
    let none = DescriptorFlags::READ;
    for path in ["../secret", "/etc/passwd", "escape"] {
        let c = code(v.descriptor_open_at(borrow(&root), follow, path, OpenFlags::default(), none));
        assert_eq!(c, ErrorCode::NotPermitted, "{path}");
    }
    assert_eq!(code(v.descriptor_stat_at(borrow(&root), follow, "../secret")), ErrorCode::NotPermitted);
    assert_eq!(code(v.descriptor_symlink_at(borrow(&root), "/etc/passwd", "abs")), ErrorCode::NotPermitted);
    assert_eq!(code(v.descriptor_create_directory_at(borrow(&root), "../made")), ErrorCode::NotPermitted);
    assert!(!tmp.path().join("made").exists());
}

#[test]
fn embedder_permissions_are_enforced() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("f"), "data").unwrap();
    let (mut h, root) = host(tmp.path(), DirPerms::READ, FilePerms::READ);
    let mut v = h.view();
    let rd = DescriptorFlags::READ;
    let wr = DescriptorFlags::WRITE;
    assert_eq!(
        code(v.descriptor_open_at(borrow(&root), PathFlags::default(), "f", OpenFlags::default(), wr)),
        ErrorCode::NotPermitted
    );
    assert_eq!(
        code(v.descriptor_open_at(borrow(&root), PathFlags::default(), "g", OpenFlags::CREATE, rd)),
        ErrorCode::NotPermitted
    );
    assert_eq!(code(v.descriptor_create_directory_at(borrow(&root), "d")), ErrorCode::NotPermitted);
    assert_eq!(code(v.descriptor_unlink_file_at(borrow(&root), "f")), ErrorCode::NotPermitted);
    let f = v.descriptor_open_at(borrow(&root), PathFlags::default(), "f", OpenFlags::default(), rd).unwrap();
    assert_eq!(code(v.descriptor_write_via_stream(borrow(&f), 0)), ErrorCode::NotPermitted);
    assert_eq!(code(v.descriptor_write(borrow(&f), b"x", 0)), ErrorCode::NotPermitted);
    assert_eq!(code(v.descriptor_set_size(borrow(&f), 0)), ErrorCode::NotPermitted);
    assert_eq!(v.descriptor_read(borrow(&f), 10, 0).unwrap().0, b"data");
    assert_eq!(v.descriptor_get_flags(borrow(&root)).unwrap(), DescriptorFlags::READ);
    // File-only operations on a directory, directory ones on a file.
    assert_eq!(code(v.descriptor_read(borrow(&root), 1, 0)), ErrorCode::BadDescriptor);
    assert_eq!(code(v.descriptor_read_via_stream(borrow(&root), 0)), ErrorCode::IsDirectory);
    assert_eq!(code(v.descriptor_stat_at(borrow(&f), PathFlags::default(), "x")), ErrorCode::NotDirectory);
    assert_eq!(
        code(v.descriptor_open_at(borrow(&root), PathFlags::default(), "f", OpenFlags::DIRECTORY, rd)),
        ErrorCode::NotDirectory
    );
}

#[test]
fn get_flags_reports_the_sync_flags_asked_for() {
    // Linux's `O_RSYNC` is `O_SYNC`, which also holds the `O_DSYNC` bit:
    // what the host reads back is not what was asked for. `get-flags`
    // reports the latter (the preview 1 adapter turns it into fdflags).
    let tmp = tempfile::tempdir().unwrap();
    let (mut h, root) = host(tmp.path(), DirPerms::all(), FilePerms::all());
    let mut v = h.view();
    let wr = DescriptorFlags::WRITE;
    let (fsync, dsync, rsync) = (
        DescriptorFlags::FILE_INTEGRITY_SYNC,
        DescriptorFlags::DATA_INTEGRITY_SYNC,
        DescriptorFlags::REQUESTED_WRITE_SYNC,
    );
    for asked in [DescriptorFlags::default(), fsync, dsync, fsync | dsync, rsync, fsync | dsync | rsync] {
        let f = v.descriptor_open_at(borrow(&root), PathFlags::default(), "s.txt", OpenFlags::CREATE, wr | asked);
        let f = f.unwrap();
        assert_eq!(v.descriptor_get_flags(borrow(&f)).unwrap(), wr | asked, "asked for {asked:?}");
    }
    let rd = DescriptorFlags::READ;
    let f = v.descriptor_open_at(borrow(&root), PathFlags::default(), "s.txt", OpenFlags::default(), rd).unwrap();
    assert_eq!(v.descriptor_get_flags(borrow(&f)).unwrap(), rd);
}

#[test]
fn disk_budget_applies_to_streams_and_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = Host::new(
        WasiCtxBuilder::new()
            .preopened_dir(tmp.path(), ".", DirPerms::all(), FilePerms::all())
            .unwrap()
            .max_disk_bytes(4),
    );
    let mut v = h.view();
    let (root, _) = v.get_directories().unwrap().pop().unwrap();
    let f = v
        .descriptor_open_at(borrow(&root), PathFlags::default(), "f", OpenFlags::CREATE, DescriptorFlags::WRITE)
        .unwrap();
    assert_eq!(v.descriptor_write(borrow(&f), b"abc", 0).unwrap(), 3);
    assert_eq!(code(v.descriptor_write(borrow(&f), b"de", 3)), ErrorCode::InsufficientSpace);
    let s = v.descriptor_append_via_stream(borrow(&f)).unwrap();
    let Err(StreamError::LastOperationFailed(e)) = v.output_stream_blocking_write_and_flush(borrow(&s), b"de") else {
        panic!("over the budget")
    };
    let e = v.push_io_error(e).unwrap();
    assert_eq!(v.filesystem_error_code(e).unwrap(), Some(ErrorCode::InsufficientSpace));
    assert_eq!(std::fs::read(tmp.path().join("f")).unwrap(), b"abc");
}

#[test]
fn filesystem_bindings_convert_values() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("f"), "data").unwrap();
    let (mut h, root) = host(tmp.path(), DirPerms::all(), FilePerms::all());
    let r = call(
        &mut h,
        "wasi:filesystem/types",
        "[method]descriptor.open-at",
        &[
            bval(&root),
            Val::Flags(vec!["symlink-follow".into()]),
            Val::String("f".into()),
            Val::Flags(vec![]),
            Val::Flags(vec!["read".into()]),
        ],
    )
    .unwrap();
    let Some(Val::Result(Ok(Some(f)))) = r else { panic!("{r:?}") };
    let Val::Resource(f) = *f else { panic!() };
    let f = Resource::<Descriptor>::new_borrow(f.rep());
    let r = call(&mut h, "wasi:filesystem/types", "[method]descriptor.stat", &[bval(&f)]).unwrap();
    let Some(Val::Result(Ok(Some(stat)))) = r else { panic!("{r:?}") };
    let Val::Record(fields) = *stat else { panic!() };
    assert_eq!(fields[0], ("type".to_string(), Val::Enum("regular-file".into())));
    assert_eq!(fields[2], ("size".to_string(), Val::U64(4)));
    let r = call(&mut h, "wasi:filesystem/types", "[method]descriptor.get-flags", &[bval(&f)]).unwrap();
    assert_eq!(r, Some(Val::Result(Ok(Some(Box::new(Val::Flags(vec!["read".into()])))))));
    let r = call(
        &mut h,
        "wasi:filesystem/types",
        "[method]descriptor.unlink-file-at",
        &[bval(&root), Val::String("missing".into())],
    )
    .unwrap();
    assert_eq!(r, Some(Val::Result(Err(Some(Box::new(Val::Enum("no-entry".into())))))));
    let r = call(&mut h, "wasi:filesystem/preopens", "get-directories", &[]).unwrap();
    let Some(Val::List(dirs)) = r else { panic!() };
    assert_eq!(dirs.len(), 1);
}
