//! The `path_*` functions: operations on paths under a directory
//! descriptor. Every one of them goes through a `cap_std::fs::Dir`, which
//! is the sandbox: an absolute path, `..` past the directory, or a symlink
//! leading out of it is refused by cap-std (`EPERM`, as Wasmtime reports
//! it), never followed.

use super::error::Result;
use super::fd::{child_rights, time_specs, write_filestat};
use super::memory::GuestMemory;
use super::table::{Descriptor, Entry, OpenDir, OpenFile};
use super::types::{fdflags, lookupflags, oflags, rights, Errno};
use crate::ctx::{DirPerms, FilePerms, WasiCtx};
use cap_fs_ext::{DirExt as _, FollowSymlinks, OpenOptionsFollowExt as _, OpenOptionsMaybeDirExt as _};
use cap_fs_ext::{OpenOptionsSyncExt as _, SystemTimeSpec};
use std::os::unix::ffi::OsStringExt as _;

/// Checks `lookupflags` and says whether to follow a final symlink.
fn follow(flags: u32) -> Result<bool> {
    if flags & !lookupflags::ALL != 0 {
        return Err(Errno::Inval.into());
    }
    Ok(flags & lookupflags::SYMLINK_FOLLOW != 0)
}

/// The directory at `fd`, which must have the right `needed` and the
/// embedder's permission `perms` (`EPERM` otherwise, as in Wasmtime).
fn dir_with(entry: &Entry, needed: u64, perms: DirPerms) -> Result<&OpenDir> {
    let dir = match &entry.desc {
        Descriptor::Dir(d) => d,
        Descriptor::File(_) => return Err(Errno::Notdir.into()),
        _ => return Err(Errno::Badf.into()),
    };
    entry.require(needed)?;
    if !dir.perms.contains(perms) {
        return Err(Errno::Perm.into());
    }
    Ok(dir)
}

/// `path` without trailing slashes (but `/` stays `/`). WASI 0.2's
/// filesystem uses it too.
pub(crate) fn strip_trailing_slashes(path: &str) -> &str {
    let stripped = path.trim_end_matches('/');
    if stripped.is_empty() && !path.is_empty() {
        "/"
    } else {
        stripped
    }
}

/// A rename or link between two directories must not move a file to where
/// the embedder granted different permissions (`EPERM`, as in Wasmtime).
fn same_perms(a: &OpenDir, b: &OpenDir) -> Result<()> {
    if a.perms != b.perms || a.file_perms != b.file_perms {
        return Err(Errno::Perm.into());
    }
    Ok(())
}

/// cap-fs-ext's form of a time to set (for WASI 0.2 too).
pub(crate) fn cap_spec(spec: Option<fs_set_times::SystemTimeSpec>) -> Option<SystemTimeSpec> {
    spec.map(|s| match s {
        fs_set_times::SystemTimeSpec::SymbolicNow => SystemTimeSpec::SymbolicNow,
        fs_set_times::SystemTimeSpec::Absolute(t) => SystemTimeSpec::Absolute(cap_std::time::SystemTime::from_std(t)),
    })
}

impl WasiCtx {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn path_open(
        &mut self,
        mem: &mut GuestMemory<'_>,
        dirfd: u32,
        dirflags: u32,
        path: u32,
        path_len: u32,
        open_flags: u32,
        base: u64,
        inheriting: u64,
        flags: u32,
    ) -> Result<u32> {
        let follow = follow(dirflags)?;
        let oflags = u16::try_from(open_flags).map_err(|_| Errno::Inval)?;
        let flags = u16::try_from(flags).map_err(|_| Errno::Inval)?;
        if oflags & !oflags::ALL != 0 || flags & !fdflags::ALL != 0 || (base | inheriting) & !rights::ALL != 0 {
            return Err(Errno::Inval.into());
        }
        let path = mem.read_str(path, path_len)?;
        // A trailing slash resolves a final symlink, as in POSIX.
        let follow = follow || path.ends_with('/');
        let parent_entry = self.table.get(dirfd)?;
        let create = oflags & oflags::CREAT != 0;
        let truncate = oflags & oflags::TRUNC != 0;
        let needed = rights::PATH_OPEN | if create { rights::PATH_CREATE_FILE } else { 0 };
        let parent = dir_with(parent_entry, needed, DirPerms::READ)?;

        let read = base & (rights::FD_READ | rights::FD_READDIR) != 0;
        let write = base & rights::FD_WRITE != 0;
        let directory = oflags & oflags::DIRECTORY != 0;
        if directory && oflags & (oflags::CREAT | oflags::EXCL | oflags::TRUNC) != 0 {
            return Err(Errno::Inval.into());
        }
        if (create || truncate || write) && !parent.perms.contains(DirPerms::MUTATE) {
            return Err(Errno::Perm.into());
        }
        if (create || truncate || write) && !parent.file_perms.contains(FilePerms::WRITE) {
            return Err(Errno::Perm.into());
        }

        let mut opts = cap_std::fs::OpenOptions::new();
        opts.maybe_dir(true);
        opts.follow(if follow { FollowSymlinks::Yes } else { FollowSymlinks::No });
        if create {
            if oflags & oflags::EXCL != 0 {
                opts.create_new(true);
            } else {
                opts.create(true);
            }
        }
        opts.truncate(truncate);
        opts.write(write || create || truncate);
        // A descriptor opened without write access is opened for reading,
        // so that the host lets us open it at all.
        opts.read(read || !write);
        // cap-std (like std) refuses truncate together with append, which
        // Linux `open(2)` and Wasmtime accept: the file is truncated and
        // every later write appends. So in that case the file is opened
        // without append and O_APPEND is set on the host fd right after,
        // before the guest can use it: writes then append exactly as for a
        // file opened with append (`fd_write` relies on the host's O_APPEND,
        // as `fd_fdstat_set_flags` does when it turns append on).
        let append = flags & fdflags::APPEND != 0;
        let append_after_open = append && truncate;
        opts.append(append && !append_after_open);
        opts.sync(flags & fdflags::SYNC != 0);
        opts.dsync(flags & fdflags::DSYNC != 0);
        opts.rsync(flags & fdflags::RSYNC != 0);
        opts.nonblock(flags & fdflags::NONBLOCK != 0);

        // Refused before the host open, not at `push`: a full table must
        // not cost the host a descriptor even briefly.
        self.table.check_room()?;
        let file = parent.dir.open_with(&path, &opts)?;
        if append_after_open {
            // Should this fail, the file is already truncated, as it would
            // be by a host `open` that failed after truncating; the fd is
            // closed on return and the guest gets the error.
            let mut os = rustix::fs::fcntl_getfl(&file)?;
            os.insert(rustix::fs::OFlags::APPEND);
            rustix::fs::fcntl_setfl(&file, os)?;
        }
        let is_dir = file.metadata()?.is_dir();
        if directory && !is_dir {
            return Err(Errno::Notdir.into());
        }
        let (child_base, child_inheriting) = child_rights(parent_entry, base, inheriting, is_dir);
        let desc = if is_dir {
            Descriptor::Dir(OpenDir {
                dir: std::sync::Arc::new(cap_std::fs::Dir::from_std_file(file.into_std())),
                perms: parent.perms,
                file_perms: parent.file_perms,
                preopen: None,
            })
        } else {
            Descriptor::File(OpenFile { file, position: 0, fdflags: flags, perms: parent.file_perms })
        };
        self.table.push(Entry { desc, base: child_base, inheriting: child_inheriting })
    }

    pub(crate) fn path_create_directory(
        &mut self,
        mem: &mut GuestMemory<'_>,
        dirfd: u32,
        path: u32,
        path_len: u32,
    ) -> Result<()> {
        let path = mem.read_str(path, path_len)?;
        let dir = dir_with(self.table.get(dirfd)?, rights::PATH_CREATE_DIRECTORY, DirPerms::MUTATE)?;
        dir.dir.create_dir(&path)?;
        Ok(())
    }

    pub(crate) fn path_filestat_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        dirfd: u32,
        flags: u32,
        path: u32,
        path_len: u32,
        buf: u32,
    ) -> Result<()> {
        let path = mem.read_str(path, path_len)?;
        // A trailing slash resolves a final symlink, as in POSIX.
        let follow = follow(flags)? || path.ends_with('/');
        let dir = dir_with(self.table.get(dirfd)?, rights::PATH_FILESTAT_GET, DirPerms::READ)?;
        let meta = if follow { dir.dir.metadata(&path)? } else { dir.dir.symlink_metadata(&path)? };
        write_filestat(mem, buf, &meta)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn path_filestat_set_times(
        &mut self,
        mem: &mut GuestMemory<'_>,
        dirfd: u32,
        flags: u32,
        path: u32,
        path_len: u32,
        atim: u64,
        mtim: u64,
        fst_flags: u32,
    ) -> Result<()> {
        let follow = follow(flags)?;
        let (atime, mtime) = time_specs(atim, mtim, fst_flags)?;
        let path = mem.read_str(path, path_len)?;
        let dir = dir_with(self.table.get(dirfd)?, rights::PATH_FILESTAT_SET_TIMES, DirPerms::MUTATE)?;
        if follow {
            dir.dir.set_times(&path, cap_spec(atime), cap_spec(mtime))?;
        } else {
            dir.dir.set_symlink_times(&path, cap_spec(atime), cap_spec(mtime))?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn path_link(
        &mut self,
        mem: &mut GuestMemory<'_>,
        old_fd: u32,
        old_flags: u32,
        old_path: u32,
        old_path_len: u32,
        new_fd: u32,
        new_path: u32,
        new_path_len: u32,
    ) -> Result<()> {
        // Following a symlink at the source is not supported (as in
        // Wasmtime): the link is made to the symlink itself or refused.
        if follow(old_flags)? {
            return Err(Errno::Inval.into());
        }
        let old_path = mem.read_str(old_path, old_path_len)?;
        let new_path = mem.read_str(new_path, new_path_len)?;
        let old = dir_with(self.table.get(old_fd)?, rights::PATH_LINK_SOURCE, DirPerms::MUTATE)?;
        let new = dir_with(self.table.get(new_fd)?, rights::PATH_LINK_TARGET, DirPerms::MUTATE)?;
        same_perms(old, new)?;
        old.dir.hard_link(&old_path, &new.dir, &new_path)?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn path_readlink(
        &mut self,
        mem: &mut GuestMemory<'_>,
        dirfd: u32,
        path: u32,
        path_len: u32,
        buf: u32,
        buf_len: u32,
    ) -> Result<u32> {
        let path = mem.read_str(path, path_len)?;
        let dir = dir_with(self.table.get(dirfd)?, rights::PATH_READLINK, DirPerms::READ)?;
        let mut target = dir.dir.read_link(&path)?.into_os_string().into_vec();
        // A target longer than the buffer is cut off, as readlink(2) does.
        target.truncate(buf_len as usize);
        mem.write_bytes(buf, &target)?;
        Ok(target.len() as u32)
    }

    pub(crate) fn path_remove_directory(
        &mut self,
        mem: &mut GuestMemory<'_>,
        dirfd: u32,
        path: u32,
        path_len: u32,
    ) -> Result<()> {
        let path = mem.read_str(path, path_len)?;
        let dir = dir_with(self.table.get(dirfd)?, rights::PATH_REMOVE_DIRECTORY, DirPerms::MUTATE)?;
        // `rmdir("d/")` removes `d`, as on Linux (cap-std would see the
        // last component as `.`, which cannot be removed).
        dir.dir.remove_dir(strip_trailing_slashes(&path))?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn path_rename(
        &mut self,
        mem: &mut GuestMemory<'_>,
        old_fd: u32,
        old_path: u32,
        old_path_len: u32,
        new_fd: u32,
        new_path: u32,
        new_path_len: u32,
    ) -> Result<()> {
        let old_path = mem.read_str(old_path, old_path_len)?;
        let new_path = mem.read_str(new_path, new_path_len)?;
        let old = dir_with(self.table.get(old_fd)?, rights::PATH_RENAME_SOURCE, DirPerms::MUTATE)?;
        let new = dir_with(self.table.get(new_fd)?, rights::PATH_RENAME_TARGET, DirPerms::MUTATE)?;
        same_perms(old, new)?;
        // A trailing slash on the new name says "a directory": renaming a
        // file to `x/` is `ENOTDIR`, as on Linux (cap-std ignores the slash).
        if new_path.ends_with('/') && !old.dir.symlink_metadata(strip_trailing_slashes(&old_path))?.is_dir() {
            return Err(Errno::Notdir.into());
        }
        old.dir.rename(&old_path, &new.dir, &new_path)?;
        Ok(())
    }

    pub(crate) fn path_symlink(
        &mut self,
        mem: &mut GuestMemory<'_>,
        old_path: u32,
        old_path_len: u32,
        dirfd: u32,
        new_path: u32,
        new_path_len: u32,
    ) -> Result<()> {
        let old_path = mem.read_str(old_path, old_path_len)?;
        let new_path = mem.read_str(new_path, new_path_len)?;
        let dir = dir_with(self.table.get(dirfd)?, rights::PATH_SYMLINK, DirPerms::MUTATE)?;
        // cap-std refuses an absolute target (`EPERM`); a relative one that
        // points outside is created, but never followed out of the sandbox.
        dir.dir.symlink(&old_path, &new_path)?;
        Ok(())
    }

    pub(crate) fn path_unlink_file(
        &mut self,
        mem: &mut GuestMemory<'_>,
        dirfd: u32,
        path: u32,
        path_len: u32,
    ) -> Result<()> {
        let path = mem.read_str(path, path_len)?;
        let dir = dir_with(self.table.get(dirfd)?, rights::PATH_UNLINK_FILE, DirPerms::MUTATE)?;
        dir.dir.remove_file(&path)?;
        Ok(())
    }
}
