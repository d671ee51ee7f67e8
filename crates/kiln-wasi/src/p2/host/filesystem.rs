//! `wasi:filesystem/types` and `wasi:filesystem/preopens`.
//!
//! Every path goes through the descriptor's `cap_std::fs::Dir`, exactly as
//! preview 1's `path_*` functions do: an absolute path, `..` past a
//! preopen, or a symlink leading out of one is refused by cap-std
//! (`not-permitted`), never followed. The embedder's [`DirPerms`] and
//! [`FilePerms`] are checked before the host is asked, and refusals are
//! `not-permitted`, as in Wasmtime.

use crate::ctx::{DirPerms, FilePerms};
use crate::p2::error::{ErrorCode, FsError, FsResult, IoError};
use crate::p2::filesystem::{
    Advice, DescriptorFlags, DescriptorStat, DescriptorType, DirDescriptor, DirectoryEntry, DirectoryEntryStream,
    FileDescriptor, MetadataHashValue, NewTimestamp, OpenFlags, PathFlags,
};
use crate::p2::streams::{retry, InputSource, InputStream, OutputSink, OutputStream, MAX_READ};
use crate::p2::{Descriptor, WasiCtxView};
use crate::preview1::budget::growth;
use crate::preview1::path::{cap_spec, strip_trailing_slashes};
use cap_fs_ext::OpenOptionsSyncExt as _;
use cap_fs_ext::{DirExt as _, FollowSymlinks, OpenOptionsFollowExt as _, OpenOptionsMaybeDirExt as _};
use cap_std::fs::{FileExt as _, MetadataExt as _};
use kiln::component::Resource;
use std::hash::{Hash, Hasher};
use std::num::NonZeroU64;
use std::sync::Arc;

fn file(d: &Descriptor) -> FsResult<&FileDescriptor> {
    match d {
        Descriptor::File(f) => Ok(f),
        // File-only operations on a directory are `bad-descriptor`, as in
        // Wasmtime.
        Descriptor::Dir(_) => Err(ErrorCode::BadDescriptor.into()),
    }
}

/// The directory `d`, if the embedder granted it `perms`.
fn dir(d: &Descriptor, perms: DirPerms) -> FsResult<&DirDescriptor> {
    match d {
        Descriptor::Dir(d) if d.perms.contains(perms) => Ok(d),
        Descriptor::Dir(_) => Err(ErrorCode::NotPermitted.into()),
        Descriptor::File(_) => Err(ErrorCode::NotDirectory.into()),
    }
}

/// A rename or link between two directories must not move a file to where
/// the embedder granted other permissions.
fn same_perms(a: &DirDescriptor, b: &DirDescriptor) -> FsResult<()> {
    if a.perms != b.perms || a.file_perms != b.file_perms {
        return Err(ErrorCode::NotPermitted.into());
    }
    Ok(())
}

/// A hash of what identifies a file and its version: the same object gives
/// the same value until it is modified or replaced.
fn metadata_hash(meta: &cap_std::fs::Metadata) -> MetadataHashValue {
    let fields = (meta.dev(), meta.ino(), meta.len(), meta.mtime(), meta.mtime_nsec(), meta.ctime(), meta.ctime_nsec());
    let half = |salt: u8| {
        // `DefaultHasher::new` has fixed keys, so values are stable across
        // calls (the WIT asks for that, not for secrecy).
        let mut h = std::collections::hash_map::DefaultHasher::new();
        salt.hash(&mut h);
        fields.hash(&mut h);
        h.finish()
    };
    MetadataHashValue { lower: half(0), upper: half(1) }
}

impl WasiCtxView<'_> {
    /// `wasi:filesystem/preopens.get-directories`: a fresh descriptor for
    /// each preopened directory (sharing its host descriptor), with its
    /// guest path.
    pub fn get_directories(&mut self) -> anyhow::Result<Vec<(Resource<Descriptor>, String)>> {
        let mut out = Vec::with_capacity(self.ctx.preopens.len());
        for p in &self.ctx.preopens {
            let d = Descriptor::Dir(DirDescriptor { dir: p.dir.clone(), perms: p.dir_perms, file_perms: p.file_perms });
            out.push((self.table.push(d)?, p.guest_path.clone()));
        }
        Ok(out)
    }

    /// `[method]descriptor.read-via-stream`
    pub fn descriptor_read_via_stream(
        &mut self,
        fd: Resource<Descriptor>,
        offset: u64,
    ) -> FsResult<Resource<InputStream>> {
        let f = match self.table.get(&fd)? {
            Descriptor::File(f) => f,
            Descriptor::Dir(_) => return Err(ErrorCode::IsDirectory.into()),
        };
        if !f.perms.contains(FilePerms::READ) {
            return Err(ErrorCode::NotPermitted.into());
        }
        let source = InputSource::File { file: f.file.clone(), position: offset };
        Ok(self.table.push(InputStream::new(source))?)
    }

    /// `[method]descriptor.write-via-stream`
    pub fn descriptor_write_via_stream(
        &mut self,
        fd: Resource<Descriptor>,
        offset: u64,
    ) -> FsResult<Resource<OutputStream>> {
        self.file_output(fd, Some(offset))
    }

    /// `[method]descriptor.append-via-stream`
    pub fn descriptor_append_via_stream(&mut self, fd: Resource<Descriptor>) -> FsResult<Resource<OutputStream>> {
        self.file_output(fd, None)
    }

    fn file_output(&mut self, fd: Resource<Descriptor>, position: Option<u64>) -> FsResult<Resource<OutputStream>> {
        let f = file(self.table.get(&fd)?)?;
        if !f.perms.contains(FilePerms::WRITE) {
            return Err(ErrorCode::NotPermitted.into());
        }
        let sink = OutputSink::File { file: f.file.clone(), position };
        Ok(self.table.push(OutputStream::new(sink))?)
    }

    /// `[method]descriptor.advise`
    pub fn descriptor_advise(
        &mut self,
        fd: Resource<Descriptor>,
        offset: u64,
        len: u64,
        advice: Advice,
    ) -> FsResult<()> {
        let f = file(self.table.get(&fd)?)?;
        let advice = match advice {
            Advice::Normal => rustix::fs::Advice::Normal,
            Advice::Sequential => rustix::fs::Advice::Sequential,
            Advice::Random => rustix::fs::Advice::Random,
            Advice::WillNeed => rustix::fs::Advice::WillNeed,
            Advice::DontNeed => rustix::fs::Advice::DontNeed,
            Advice::NoReuse => rustix::fs::Advice::NoReuse,
        };
        rustix::fs::fadvise(&*f.file, offset, NonZeroU64::new(len), advice).map_err(std::io::Error::from)?;
        Ok(())
    }

    /// `[method]descriptor.sync-data`
    pub fn descriptor_sync_data(&mut self, fd: Resource<Descriptor>) -> FsResult<()> {
        match self.table.get(&fd)? {
            Descriptor::File(f) => f.file.sync_data()?,
            Descriptor::Dir(d) => rustix::fs::fdatasync(&*d.dir).map_err(std::io::Error::from)?,
        }
        Ok(())
    }

    /// `[method]descriptor.sync`
    pub fn descriptor_sync(&mut self, fd: Resource<Descriptor>) -> FsResult<()> {
        match self.table.get(&fd)? {
            Descriptor::File(f) => f.file.sync_all()?,
            Descriptor::Dir(d) => rustix::fs::fsync(&*d.dir).map_err(std::io::Error::from)?,
        }
        Ok(())
    }

    /// `[method]descriptor.get-flags`: how it was opened (`read`, `write`
    /// and the sync flags it asked for, which cannot change afterwards),
    /// and for a directory `read` plus `mutate-directory` if the embedder
    /// allows changes under it.
    ///
    /// The sync flags are the requested ones, not read back from the host:
    /// Linux has no separate `O_RSYNC` (it is `O_SYNC`, which also holds
    /// the `O_DSYNC` bit), so reading them back would report
    /// `requested-write-sync` and `data-integrity-sync` for a file opened
    /// with `file-integrity-sync` alone.
    pub fn descriptor_get_flags(&mut self, fd: Resource<Descriptor>) -> FsResult<DescriptorFlags> {
        Ok(match self.table.get(&fd)? {
            Descriptor::File(f) => f.flags,
            Descriptor::Dir(d) => {
                let mut flags = DescriptorFlags::READ;
                if d.perms.contains(DirPerms::MUTATE) {
                    flags |= DescriptorFlags::MUTATE_DIRECTORY;
                }
                flags
            }
        })
    }

    /// `[method]descriptor.get-type`
    pub fn descriptor_get_type(&mut self, fd: Resource<Descriptor>) -> FsResult<DescriptorType> {
        Ok(match self.table.get(&fd)? {
            Descriptor::File(f) => DescriptorType::of(f.file.metadata()?.file_type()),
            Descriptor::Dir(_) => DescriptorType::Directory,
        })
    }

    /// `[method]descriptor.set-size`, within the disk budget.
    pub fn descriptor_set_size(&mut self, fd: Resource<Descriptor>, size: u64) -> FsResult<()> {
        let f = file(self.table.get(&fd)?)?;
        if !f.perms.contains(FilePerms::WRITE) {
            return Err(ErrorCode::NotPermitted.into());
        }
        if i64::try_from(size).is_err() {
            return Err(ErrorCode::FileTooLarge.into());
        }
        let planned = if self.ctx.disk.is_limited() { growth(f.file.metadata()?.len(), size, 0) } else { 0 };
        self.ctx.disk.check(planned).map_err(|_| ErrorCode::InsufficientSpace)?;
        f.file.set_len(size)?;
        self.ctx.disk.charge(planned);
        Ok(())
    }

    /// `[method]descriptor.set-times`
    pub fn descriptor_set_times(
        &mut self,
        fd: Resource<Descriptor>,
        atime: NewTimestamp,
        mtime: NewTimestamp,
    ) -> FsResult<()> {
        let (atime, mtime) = (atime.to_spec()?, mtime.to_spec()?);
        match self.table.get(&fd)? {
            Descriptor::File(f) => {
                if !f.perms.contains(FilePerms::WRITE) {
                    return Err(ErrorCode::NotPermitted.into());
                }
                fs_set_times::SetTimes::set_times(&*f.file, atime, mtime)?;
            }
            Descriptor::Dir(d) => {
                if !d.perms.contains(DirPerms::MUTATE) {
                    return Err(ErrorCode::NotPermitted.into());
                }
                fs_set_times::SetTimes::set_times(&*d.dir, atime, mtime)?;
            }
        }
        Ok(())
    }

    /// `[method]descriptor.read`: up to `len` bytes at `offset` (at most
    /// 64 KiB per call), and whether the end of the file was reached
    /// (nothing could be read).
    pub fn descriptor_read(&mut self, fd: Resource<Descriptor>, len: u64, offset: u64) -> FsResult<(Vec<u8>, bool)> {
        let f = file(self.table.get(&fd)?)?;
        if !f.perms.contains(FilePerms::READ) {
            return Err(ErrorCode::NotPermitted.into());
        }
        let mut buf = vec![0u8; usize::try_from(len).unwrap_or(usize::MAX).min(MAX_READ)];
        let n = retry(|| f.file.read_at(&mut buf, offset))?;
        buf.truncate(n);
        Ok((buf, n == 0 && len > 0))
    }

    /// `[method]descriptor.write`: all of `buf` at `offset`, within the
    /// disk budget.
    pub fn descriptor_write(&mut self, fd: Resource<Descriptor>, buf: &[u8], offset: u64) -> FsResult<u64> {
        let f = file(self.table.get(&fd)?)?;
        if !f.perms.contains(FilePerms::WRITE) {
            return Err(ErrorCode::NotPermitted.into());
        }
        let len = buf.len() as u64;
        let planned = if self.ctx.disk.is_limited() { growth(f.file.metadata()?.len(), offset, len) } else { 0 };
        self.ctx.disk.check(planned).map_err(|_| ErrorCode::InsufficientSpace)?;
        let mut done = 0usize;
        while done < buf.len() {
            let at = offset.checked_add(done as u64).ok_or(ErrorCode::FileTooLarge)?;
            match retry(|| f.file.write_at(&buf[done..], at)) {
                Ok(0) => return Err(ErrorCode::Io.into()),
                Ok(n) => done += n,
                // A short write is a success, with what was written.
                Err(_) if done > 0 => break,
                Err(e) => return Err(e.into()),
            }
        }
        self.ctx.disk.charge(planned.min(done as u64));
        Ok(done as u64)
    }

    /// `[method]descriptor.read-directory`
    pub fn descriptor_read_directory(&mut self, fd: Resource<Descriptor>) -> FsResult<Resource<DirectoryEntryStream>> {
        let d = dir(self.table.get(&fd)?, DirPerms::READ)?;
        let mut entries = Vec::new();
        for e in d.dir.entries()? {
            let entry = e.map_err(FsError::from).and_then(|e| {
                let name = e.file_name().into_string().map_err(|_| ErrorCode::IllegalByteSequence)?;
                let type_ = e.file_type().map(DescriptorType::of).unwrap_or(DescriptorType::Unknown);
                Ok(DirectoryEntry { type_, name })
            });
            entries.push(entry.map_err(|e| match e {
                FsError::Code(c) => c,
                FsError::Trap(_) => ErrorCode::Io,
            }));
        }
        Ok(self.table.push(DirectoryEntryStream { entries: entries.into_iter() })?)
    }

    /// `[method]directory-entry-stream.read-directory-entry`: the next
    /// entry, or `None` at the end.
    pub fn read_directory_entry(&mut self, s: Resource<DirectoryEntryStream>) -> FsResult<Option<DirectoryEntry>> {
        match self.table.get_mut(&s)?.entries.next() {
            Some(Ok(e)) => Ok(Some(e)),
            Some(Err(c)) => Err(c.into()),
            None => Ok(None),
        }
    }

    /// `[resource-drop]directory-entry-stream`
    pub fn drop_directory_entry_stream(&mut self, s: Resource<DirectoryEntryStream>) -> anyhow::Result<()> {
        self.table.delete(s)?;
        Ok(())
    }

    /// `[method]descriptor.create-directory-at`
    pub fn descriptor_create_directory_at(&mut self, fd: Resource<Descriptor>, path: &str) -> FsResult<()> {
        dir(self.table.get(&fd)?, DirPerms::MUTATE)?.dir.create_dir(path)?;
        Ok(())
    }

    /// `[method]descriptor.stat`
    pub fn descriptor_stat(&mut self, fd: Resource<Descriptor>) -> FsResult<DescriptorStat> {
        let meta = match self.table.get(&fd)? {
            Descriptor::File(f) => f.file.metadata()?,
            Descriptor::Dir(d) => d.dir.dir_metadata()?,
        };
        Ok(DescriptorStat::of(&meta))
    }

    /// `[method]descriptor.stat-at`
    pub fn descriptor_stat_at(
        &mut self,
        fd: Resource<Descriptor>,
        flags: PathFlags,
        path: &str,
    ) -> FsResult<DescriptorStat> {
        let d = dir(self.table.get(&fd)?, DirPerms::READ)?;
        // A trailing slash resolves a final symlink, as in POSIX.
        let meta = if flags.contains(PathFlags::SYMLINK_FOLLOW) || path.ends_with('/') {
            d.dir.metadata(path)?
        } else {
            d.dir.symlink_metadata(path)?
        };
        Ok(DescriptorStat::of(&meta))
    }

    /// `[method]descriptor.set-times-at`
    pub fn descriptor_set_times_at(
        &mut self,
        fd: Resource<Descriptor>,
        flags: PathFlags,
        path: &str,
        atime: NewTimestamp,
        mtime: NewTimestamp,
    ) -> FsResult<()> {
        let (atime, mtime) = (cap_spec(atime.to_spec()?), cap_spec(mtime.to_spec()?));
        let d = dir(self.table.get(&fd)?, DirPerms::MUTATE)?;
        if flags.contains(PathFlags::SYMLINK_FOLLOW) {
            d.dir.set_times(path, atime, mtime)?;
        } else {
            d.dir.set_symlink_times(path, atime, mtime)?;
        }
        Ok(())
    }

    /// `[method]descriptor.link-at`. Following a symlink at the source is
    /// not supported (`invalid`), as in Wasmtime.
    pub fn descriptor_link_at(
        &mut self,
        fd: Resource<Descriptor>,
        old_flags: PathFlags,
        old_path: &str,
        new_fd: Resource<Descriptor>,
        new_path: &str,
    ) -> FsResult<()> {
        if old_flags.contains(PathFlags::SYMLINK_FOLLOW) {
            return Err(ErrorCode::Invalid.into());
        }
        let old = dir(self.table.get(&fd)?, DirPerms::MUTATE)?;
        let new = dir(self.table.get(&new_fd)?, DirPerms::MUTATE)?;
        same_perms(old, new)?;
        old.dir.hard_link(old_path, &new.dir, new_path)?;
        Ok(())
    }

    /// `[method]descriptor.open-at`
    pub fn descriptor_open_at(
        &mut self,
        fd: Resource<Descriptor>,
        path_flags: PathFlags,
        path: &str,
        oflags: OpenFlags,
        flags: DescriptorFlags,
    ) -> FsResult<Resource<Descriptor>> {
        let parent = dir(self.table.get(&fd)?, DirPerms::READ)?;
        let create = oflags.contains(OpenFlags::CREATE);
        let truncate = oflags.contains(OpenFlags::TRUNCATE);
        let write = flags.contains(DescriptorFlags::WRITE);
        let directory = oflags.contains(OpenFlags::DIRECTORY);
        if directory && (create || truncate || oflags.contains(OpenFlags::EXCLUSIVE)) {
            return Err(ErrorCode::Invalid.into());
        }
        if (create || truncate || write || flags.contains(DescriptorFlags::MUTATE_DIRECTORY))
            && !parent.perms.contains(DirPerms::MUTATE)
        {
            return Err(ErrorCode::NotPermitted.into());
        }
        if (create || truncate || write) && !parent.file_perms.contains(FilePerms::WRITE) {
            return Err(ErrorCode::NotPermitted.into());
        }

        let mut opts = cap_std::fs::OpenOptions::new();
        opts.maybe_dir(true);
        // A trailing slash resolves a final symlink, as in POSIX.
        let follow = path_flags.contains(PathFlags::SYMLINK_FOLLOW) || path.ends_with('/');
        opts.follow(if follow { FollowSymlinks::Yes } else { FollowSymlinks::No });
        if create {
            if oflags.contains(OpenFlags::EXCLUSIVE) {
                opts.create_new(true);
            } else {
                opts.create(true);
            }
        }
        opts.truncate(truncate);
        opts.write(write || create || truncate);
        // Opened for reading unless only for writing, so that the host
        // lets us open it at all (a directory, say); the `read` flag then
        // decides what the guest may do, as in Wasmtime.
        let read = flags.contains(DescriptorFlags::READ) || !write;
        opts.read(read);
        opts.sync(flags.contains(DescriptorFlags::FILE_INTEGRITY_SYNC));
        opts.dsync(flags.contains(DescriptorFlags::DATA_INTEGRITY_SYNC));
        opts.rsync(flags.contains(DescriptorFlags::REQUESTED_WRITE_SYNC));
        let opened = parent.dir.open_with(path, &opts)?;
        let desc = if opened.metadata()?.is_dir() {
            Descriptor::Dir(DirDescriptor {
                dir: Arc::new(cap_std::fs::Dir::from_std_file(opened.into_std())),
                perms: parent.perms,
                file_perms: parent.file_perms,
            })
        } else if directory {
            return Err(ErrorCode::NotDirectory.into());
        } else {
            // What the guest may do with it is what the host opened it for
            // (anything else is `bad-descriptor` from the host) within the
            // embedder's file permissions.
            let mut open_mode = DescriptorFlags::default();
            if read {
                open_mode |= DescriptorFlags::READ;
            }
            if write || create || truncate {
                open_mode |= DescriptorFlags::WRITE;
            }
            // And the sync flags asked for, as `get-flags` reports them.
            for sync in [
                DescriptorFlags::FILE_INTEGRITY_SYNC,
                DescriptorFlags::DATA_INTEGRITY_SYNC,
                DescriptorFlags::REQUESTED_WRITE_SYNC,
            ] {
                if flags.contains(sync) {
                    open_mode |= sync;
                }
            }
            let perms = parent.file_perms;
            Descriptor::File(FileDescriptor { file: Arc::new(opened), perms, flags: open_mode })
        };
        Ok(self.table.push(desc)?)
    }

    /// `[method]descriptor.readlink-at`
    pub fn descriptor_readlink_at(&mut self, fd: Resource<Descriptor>, path: &str) -> FsResult<String> {
        let target = dir(self.table.get(&fd)?, DirPerms::READ)?.dir.read_link(path)?;
        target.into_os_string().into_string().map_err(|_| ErrorCode::IllegalByteSequence.into())
    }

    /// `[method]descriptor.remove-directory-at`
    pub fn descriptor_remove_directory_at(&mut self, fd: Resource<Descriptor>, path: &str) -> FsResult<()> {
        // `rmdir("d/")` removes `d`, as on Linux.
        dir(self.table.get(&fd)?, DirPerms::MUTATE)?.dir.remove_dir(strip_trailing_slashes(path))?;
        Ok(())
    }

    /// `[method]descriptor.rename-at`
    pub fn descriptor_rename_at(
        &mut self,
        fd: Resource<Descriptor>,
        old_path: &str,
        new_fd: Resource<Descriptor>,
        new_path: &str,
    ) -> FsResult<()> {
        let old = dir(self.table.get(&fd)?, DirPerms::MUTATE)?;
        let new = dir(self.table.get(&new_fd)?, DirPerms::MUTATE)?;
        same_perms(old, new)?;
        // A trailing slash on the new name says "a directory", as on Linux
        // (cap-std ignores it).
        if new_path.ends_with('/') && !old.dir.symlink_metadata(strip_trailing_slashes(old_path))?.is_dir() {
            return Err(ErrorCode::NotDirectory.into());
        }
        old.dir.rename(old_path, &new.dir, new_path)?;
        Ok(())
    }

    /// `[method]descriptor.symlink-at`. An absolute target is refused by
    /// cap-std; a relative one pointing outside is created, but never
    /// followed out of the sandbox.
    pub fn descriptor_symlink_at(&mut self, fd: Resource<Descriptor>, old_path: &str, new_path: &str) -> FsResult<()> {
        dir(self.table.get(&fd)?, DirPerms::MUTATE)?.dir.symlink(old_path, new_path)?;
        Ok(())
    }

    /// `[method]descriptor.unlink-file-at`
    pub fn descriptor_unlink_file_at(&mut self, fd: Resource<Descriptor>, path: &str) -> FsResult<()> {
        dir(self.table.get(&fd)?, DirPerms::MUTATE)?.dir.remove_file(path)?;
        Ok(())
    }

    /// `[method]descriptor.is-same-object`: a failure to read either's
    /// metadata is "not the same" (the WIT gives this no error).
    pub fn descriptor_is_same_object(
        &mut self,
        a: Resource<Descriptor>,
        b: Resource<Descriptor>,
    ) -> anyhow::Result<bool> {
        let id = |d: &Descriptor| -> Option<(u64, u64)> {
            let meta = match d {
                Descriptor::File(f) => f.file.metadata().ok()?,
                Descriptor::Dir(d) => d.dir.dir_metadata().ok()?,
            };
            Some((meta.dev(), meta.ino()))
        };
        let a = id(self.table.get(&a)?);
        let b = id(self.table.get(&b)?);
        Ok(a.is_some() && a == b)
    }

    /// `[method]descriptor.metadata-hash`
    pub fn descriptor_metadata_hash(&mut self, fd: Resource<Descriptor>) -> FsResult<MetadataHashValue> {
        let meta = match self.table.get(&fd)? {
            Descriptor::File(f) => f.file.metadata()?,
            Descriptor::Dir(d) => d.dir.dir_metadata()?,
        };
        Ok(metadata_hash(&meta))
    }

    /// `[method]descriptor.metadata-hash-at`
    pub fn descriptor_metadata_hash_at(
        &mut self,
        fd: Resource<Descriptor>,
        flags: PathFlags,
        path: &str,
    ) -> FsResult<MetadataHashValue> {
        let d = dir(self.table.get(&fd)?, DirPerms::READ)?;
        let meta = if flags.contains(PathFlags::SYMLINK_FOLLOW) {
            d.dir.metadata(path)?
        } else {
            d.dir.symlink_metadata(path)?
        };
        Ok(metadata_hash(&meta))
    }

    /// `[resource-drop]descriptor`
    pub fn drop_descriptor(&mut self, fd: Resource<Descriptor>) -> anyhow::Result<()> {
        self.table.delete(fd)?;
        Ok(())
    }

    /// `filesystem-error-code`: the code of a stream error that came from
    /// the filesystem (or standard I/O), if it has one.
    pub fn filesystem_error_code(&mut self, err: Resource<IoError>) -> anyhow::Result<Option<ErrorCode>> {
        let err = &self.table.get(&err)?.0;
        Ok(err.downcast_ref::<std::io::Error>().map(ErrorCode::from))
    }
}
