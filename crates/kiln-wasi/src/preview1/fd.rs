//! The `fd_*` functions: operations on open descriptors.

use super::budget::{growth, DiskBudget};
use super::error::{Error, Result};
use super::memory::{GuestMemory, IoVec};
use super::table::{Descriptor, Entry};
use super::types::{fdflags, filetype, fstflags, layout, rights, whence, Errno, ADVICE_MAX};
use crate::ctx::{DirPerms, FilePerms, WasiCtx};
use cap_std::fs::{FileExt as _, FileTypeExt as _, MetadataExt as _};
use std::io;
use std::num::NonZeroU64;
use std::os::unix::fs::DirEntryExt as _;
use std::time::{Duration, SystemTime};

impl From<rustix::io::Errno> for Error {
    fn from(errno: rustix::io::Errno) -> Error {
        io::Error::from(errno).into()
    }
}

/// The WASI file type of a host file type.
pub(super) fn filetype_of(ty: cap_std::fs::FileType) -> u8 {
    if ty.is_dir() {
        filetype::DIRECTORY
    } else if ty.is_file() {
        filetype::REGULAR_FILE
    } else if ty.is_symlink() {
        filetype::SYMBOLIC_LINK
    } else if ty.is_block_device() {
        filetype::BLOCK_DEVICE
    } else if ty.is_char_device() {
        filetype::CHARACTER_DEVICE
    } else if ty.is_socket() {
        filetype::SOCKET_STREAM
    } else {
        filetype::UNKNOWN
    }
}

/// Nanoseconds since the epoch; times before it are 0.
fn timestamp(secs: i64, nsecs: i64) -> u64 {
    u64::try_from(secs).unwrap_or(0).saturating_mul(1_000_000_000).saturating_add(u64::try_from(nsecs).unwrap_or(0))
}

/// Writes a `filestat` for `meta` at `ptr`.
pub(super) fn write_filestat(mem: &mut GuestMemory<'_>, ptr: u32, meta: &cap_std::fs::Metadata) -> Result<()> {
    let ty = filetype_of(meta.file_type());
    write_filestat_raw(
        mem,
        ptr,
        [
            meta.dev(),
            meta.ino(),
            0,
            meta.nlink(),
            meta.len(),
            timestamp(meta.atime(), meta.atime_nsec()),
            timestamp(meta.mtime(), meta.mtime_nsec()),
            timestamp(meta.ctime(), meta.ctime_nsec()),
        ],
        ty,
    )
}

/// Writes a `filestat` whose u64 fields are `fields` (the third, the file
/// type, is written as the byte `ty`).
fn write_filestat_raw(mem: &mut GuestMemory<'_>, ptr: u32, fields: [u64; 8], ty: u8) -> Result<()> {
    let mut bytes = [0u8; layout::FILESTAT_SIZE as usize];
    for (i, v) in fields.iter().enumerate() {
        bytes[i * 8..i * 8 + 8].copy_from_slice(&v.to_le_bytes());
    }
    bytes[16..24].fill(0);
    bytes[16] = ty;
    mem.write_bytes(ptr, &bytes)
}

/// A time to set: none, now, or a point in time.
pub(super) fn time_specs(
    atim: u64,
    mtim: u64,
    flags: u32,
) -> Result<(Option<fs_set_times::SystemTimeSpec>, Option<fs_set_times::SystemTimeSpec>)> {
    let flags = u16::try_from(flags).map_err(|_| Errno::Inval)?;
    if flags & !fstflags::ALL != 0 {
        return Err(Errno::Inval.into());
    }
    let spec = |set: u16, now: u16, t: u64| -> Result<Option<fs_set_times::SystemTimeSpec>> {
        match (flags & set != 0, flags & now != 0) {
            (true, true) => Err(Errno::Inval.into()),
            (true, false) => {
                Ok(Some(fs_set_times::SystemTimeSpec::Absolute(SystemTime::UNIX_EPOCH + Duration::from_nanos(t))))
            }
            (false, true) => Ok(Some(fs_set_times::SystemTimeSpec::SymbolicNow)),
            (false, false) => Ok(None),
        }
    };
    Ok((spec(fstflags::ATIM, fstflags::ATIM_NOW, atim)?, spec(fstflags::MTIM, fstflags::MTIM_NOW, mtim)?))
}

/// Retries an I/O call interrupted by a signal.
fn retry<T>(mut f: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    loop {
        match f() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => return r,
        }
    }
}

/// Reads a file at `offset` into the guest buffers, in order, stopping at
/// the end of the file. Returns the number of bytes read.
fn read_file_at(file: &cap_std::fs::File, mem: &mut GuestMemory<'_>, iovs: &[IoVec], mut offset: u64) -> Result<u64> {
    let mut total = 0u64;
    for iov in iovs.iter().filter(|iov| iov.len > 0) {
        let buf = mem.slice_mut(iov.ptr, iov.len)?;
        let n = match retry(|| file.read_at(buf, offset)) {
            Ok(n) => n,
            Err(_) if total > 0 => break,
            Err(e) => return Err(e.into()),
        };
        total += n as u64;
        offset = offset.checked_add(n as u64).ok_or(Errno::Overflow)?;
        if n < buf.len() {
            break;
        }
    }
    Ok(total)
}

/// Writes the guest buffers to a file at `offset` (or at its end, if
/// `append`). Returns the number of bytes written.
fn write_file_at(
    file: &cap_std::fs::File,
    mem: &GuestMemory<'_>,
    iovs: &[IoVec],
    mut offset: u64,
    append: bool,
) -> Result<u64> {
    let mut total = 0u64;
    for iov in iovs.iter().filter(|iov| iov.len > 0) {
        let mut buf = mem.slice(iov.ptr, iov.len)?;
        while !buf.is_empty() {
            // In append mode the host fd has O_APPEND, so a positional write
            // lands at the end of the file (Linux semantics, as in Wasmtime).
            let r = if append {
                let mut w = file;
                retry(|| io::Write::write(&mut w, buf))
            } else {
                retry(|| file.write_at(buf, offset))
            };
            let n = match r {
                Ok(0) => return Err(Errno::Io.into()),
                Ok(n) => n,
                Err(_) if total > 0 => return Ok(total),
                Err(e) => return Err(e.into()),
            };
            buf = &buf[n..];
            total += n as u64;
            offset = offset.checked_add(n as u64).ok_or(Errno::Overflow)?;
        }
    }
    Ok(total)
}

/// The size of `file` if it is a regular file, the only kind whose growth
/// takes disk space (`None` for devices, pipes and sockets).
fn regular_len(file: &cap_std::fs::File) -> Result<Option<u64>> {
    let meta = file.metadata()?;
    Ok(meta.is_file().then(|| meta.len()))
}

/// How many bytes `file` would grow by if `len` bytes were written or
/// allocated at `offset` (measured only when there is a cap to measure it
/// against, to spare an `fstat` otherwise).
fn planned_growth(disk: &DiskBudget, file: &cap_std::fs::File, offset: u64, len: u64) -> Result<u64> {
    if !disk.is_limited() {
        return Ok(0);
    }
    Ok(regular_len(file)?.map_or(0, |old| growth(old, offset, len)))
}

/// [`write_file_at`] within the context's disk budget: the growth the
/// whole write would cause is checked first, so that a write past the cap
/// writes nothing, and the growth it did cause (it may be short) is
/// charged.
fn write_file_budgeted(
    disk: &mut DiskBudget,
    file: &cap_std::fs::File,
    mem: &GuestMemory<'_>,
    iovs: &[IoVec],
    offset: u64,
    append: bool,
) -> Result<u64> {
    // Every buffer is checked before the first byte goes out: a bad one
    // found halfway would leave bytes written, uncharged, behind an error.
    let mut len = 0u64;
    for iov in iovs {
        mem.slice(iov.ptr, iov.len)?;
        len = len.saturating_add(u64::from(iov.len));
    }
    let old_len = if disk.is_limited() { regular_len(file)? } else { None };
    let Some(old_len) = old_len else {
        return write_file_at(file, mem, iovs, offset, append);
    };
    // An appending write lands at the end, wherever the guest's offset is.
    let start = if append { old_len } else { offset };
    disk.check(growth(old_len, start, len))?;
    let n = write_file_at(file, mem, iovs, offset, append)?;
    disk.charge(growth(old_len, start, n));
    Ok(n)
}

/// Writes the guest buffers to an output stream.
fn write_stream(out: &mut dyn crate::StdoutStream, mem: &GuestMemory<'_>, iovs: &[IoVec]) -> Result<u64> {
    let mut total = 0u64;
    for iov in iovs.iter().filter(|iov| iov.len > 0) {
        let buf = mem.slice(iov.ptr, iov.len)?;
        match out.write(buf) {
            Ok(()) => total += buf.len() as u64,
            Err(_) if total > 0 => break,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(total)
}

impl WasiCtx {
    pub(crate) fn fd_advise(&mut self, fd: u32, offset: u64, len: u64, advice: u32) -> Result<()> {
        if advice > u32::from(ADVICE_MAX) {
            return Err(Errno::Inval.into());
        }
        let entry = self.table.get_mut(fd)?;
        entry.file_mut()?;
        entry.require(rights::FD_ADVISE)?;
        let file = entry.file_mut()?;
        let advice = match advice {
            0 => rustix::fs::Advice::Normal,
            1 => rustix::fs::Advice::Sequential,
            2 => rustix::fs::Advice::Random,
            3 => rustix::fs::Advice::WillNeed,
            4 => rustix::fs::Advice::DontNeed,
            _ => rustix::fs::Advice::NoReuse,
        };
        rustix::fs::fadvise(&file.file, offset, NonZeroU64::new(len), advice)?;
        Ok(())
    }

    pub(crate) fn fd_allocate(&mut self, fd: u32, offset: u64, len: u64) -> Result<()> {
        let entry = self.table.get_mut(fd)?;
        entry.file_mut()?;
        entry.require(rights::FD_ALLOCATE)?;
        let file = entry.file_mut()?;
        if !file.perms.contains(FilePerms::WRITE) {
            return Err(Errno::Perm.into());
        }
        let end = offset.checked_add(len).ok_or(Errno::Fbig)?;
        if len == 0 || i64::try_from(end).is_err() {
            return Err(Errno::Inval.into());
        }
        let growth = planned_growth(&self.disk, &file.file, offset, len)?;
        self.disk.check(growth)?;
        match rustix::fs::fallocate(&file.file, rustix::fs::FallocateFlags::empty(), offset, len) {
            Ok(()) => {}
            // Filesystems without fallocate: extending the file has the
            // same visible effect.
            Err(rustix::io::Errno::OPNOTSUPP) => {
                if file.file.metadata()?.len() < end {
                    file.file.set_len(end)?;
                }
            }
            Err(e) => return Err(e.into()),
        }
        self.disk.charge(growth);
        Ok(())
    }

    pub(crate) fn fd_close(&mut self, fd: u32) -> Result<()> {
        let entry = self.table.remove(fd)?;
        if let Descriptor::Stdout(mut out) = entry.desc {
            let _ = out.flush();
        }
        Ok(())
    }

    pub(crate) fn fd_datasync(&mut self, fd: u32) -> Result<()> {
        let entry = self.table.get(fd)?;
        entry.require(rights::FD_DATASYNC)?;
        match &entry.desc {
            Descriptor::File(f) => f.file.sync_data()?,
            Descriptor::Dir(d) => rustix::fs::fdatasync(&d.dir)?,
            _ => return Err(Errno::Badf.into()),
        }
        Ok(())
    }

    pub(crate) fn fd_sync(&mut self, fd: u32) -> Result<()> {
        let entry = self.table.get(fd)?;
        entry.require(rights::FD_SYNC)?;
        match &entry.desc {
            Descriptor::File(f) => f.file.sync_all()?,
            Descriptor::Dir(d) => rustix::fs::fsync(&d.dir)?,
            _ => return Err(Errno::Badf.into()),
        }
        Ok(())
    }

    pub(crate) fn fd_fdstat_get(&mut self, mem: &mut GuestMemory<'_>, fd: u32, ptr: u32) -> Result<()> {
        let entry = self.table.get(fd)?;
        let (ty, flags) = match &entry.desc {
            Descriptor::Stdin(s) => (if s.is_terminal() { filetype::CHARACTER_DEVICE } else { filetype::UNKNOWN }, 0),
            Descriptor::Stdout(s) => (if s.is_terminal() { filetype::CHARACTER_DEVICE } else { filetype::UNKNOWN }, 0),
            Descriptor::File(f) => (filetype_of(f.file.metadata()?.file_type()), f.fdflags),
            Descriptor::Dir(_) => (filetype::DIRECTORY, 0),
        };
        let mut bytes = [0u8; layout::FDSTAT_SIZE as usize];
        bytes[layout::FDSTAT_FILETYPE as usize] = ty;
        bytes[layout::FDSTAT_FLAGS as usize..][..2].copy_from_slice(&flags.to_le_bytes());
        bytes[layout::FDSTAT_RIGHTS_BASE as usize..][..8].copy_from_slice(&entry.base.to_le_bytes());
        bytes[layout::FDSTAT_RIGHTS_INHERITING as usize..][..8].copy_from_slice(&entry.inheriting.to_le_bytes());
        mem.write_bytes(ptr, &bytes)
    }

    pub(crate) fn fd_fdstat_set_flags(&mut self, fd: u32, flags: u32) -> Result<()> {
        let flags = u16::try_from(flags).map_err(|_| Errno::Inval)?;
        if flags & !fdflags::ALL != 0 {
            return Err(Errno::Inval.into());
        }
        let entry = self.table.get_mut(fd)?;
        let file = match &mut entry.desc {
            Descriptor::File(f) => f,
            _ => return Err(Errno::Badf.into()),
        };
        if entry.base & rights::FD_FDSTAT_SET_FLAGS == 0 {
            return Err(Errno::Notcapable.into());
        }
        // Only APPEND and NONBLOCK can change; the synchronisation flags
        // are fixed when the file is opened (as in Wasmtime).
        if flags & fdflags::SYNC_ANY != file.fdflags & fdflags::SYNC_ANY {
            return Err(Errno::Inval.into());
        }
        let append = flags & fdflags::APPEND != 0;
        if append != (file.fdflags & fdflags::APPEND != 0) {
            let mut os = rustix::fs::fcntl_getfl(&file.file)?;
            os.set(rustix::fs::OFlags::APPEND, append);
            rustix::fs::fcntl_setfl(&file.file, os)?;
        }
        file.fdflags = flags;
        Ok(())
    }

    pub(crate) fn fd_fdstat_set_rights(&mut self, fd: u32, base: u64, inheriting: u64) -> Result<()> {
        if (base | inheriting) & !rights::ALL != 0 {
            return Err(Errno::Inval.into());
        }
        let entry = self.table.get_mut(fd)?;
        // Rights can only be dropped, never gained.
        if base & !entry.base != 0 || inheriting & !entry.inheriting != 0 {
            return Err(Errno::Notcapable.into());
        }
        entry.base = base;
        entry.inheriting = inheriting;
        Ok(())
    }

    pub(crate) fn fd_filestat_get(&mut self, mem: &mut GuestMemory<'_>, fd: u32, ptr: u32) -> Result<()> {
        let entry = self.table.get(fd)?;
        entry.require(rights::FD_FILESTAT_GET)?;
        match &entry.desc {
            Descriptor::Stdin(s) => {
                let ty = if s.is_terminal() { filetype::CHARACTER_DEVICE } else { filetype::UNKNOWN };
                write_filestat_raw(mem, ptr, [0; 8], ty)
            }
            Descriptor::Stdout(s) => {
                let ty = if s.is_terminal() { filetype::CHARACTER_DEVICE } else { filetype::UNKNOWN };
                write_filestat_raw(mem, ptr, [0; 8], ty)
            }
            Descriptor::File(f) => {
                let meta = f.file.metadata()?;
                write_filestat(mem, ptr, &meta)
            }
            Descriptor::Dir(d) => {
                let meta = d.dir.dir_metadata()?;
                write_filestat(mem, ptr, &meta)
            }
        }
    }

    pub(crate) fn fd_filestat_set_size(&mut self, fd: u32, size: u64) -> Result<()> {
        let entry = self.table.get_mut(fd)?;
        let file = match &entry.desc {
            Descriptor::File(f) => f,
            _ => return Err(Errno::Badf.into()),
        };
        entry.require(rights::FD_FILESTAT_SET_SIZE)?;
        if !file.perms.contains(FilePerms::WRITE) {
            return Err(Errno::Perm.into());
        }
        if i64::try_from(size).is_err() {
            return Err(Errno::Fbig.into());
        }
        let growth = planned_growth(&self.disk, &file.file, size, 0)?;
        self.disk.check(growth)?;
        file.file.set_len(size)?;
        self.disk.charge(growth);
        Ok(())
    }

    pub(crate) fn fd_filestat_set_times(&mut self, fd: u32, atim: u64, mtim: u64, flags: u32) -> Result<()> {
        use fs_set_times::SetTimes as _;
        let (atime, mtime) = time_specs(atim, mtim, flags)?;
        let entry = self.table.get(fd)?;
        match &entry.desc {
            Descriptor::File(f) => {
                entry.require(rights::FD_FILESTAT_SET_TIMES)?;
                if !f.perms.contains(FilePerms::WRITE) {
                    return Err(Errno::Perm.into());
                }
                f.file.set_times(atime, mtime)?;
            }
            Descriptor::Dir(d) => {
                entry.require(rights::FD_FILESTAT_SET_TIMES)?;
                if !d.perms.contains(DirPerms::MUTATE) {
                    return Err(Errno::Perm.into());
                }
                d.dir.set_times(atime, mtime)?;
            }
            _ => return Err(Errno::Badf.into()),
        }
        Ok(())
    }

    pub(crate) fn fd_read(&mut self, mem: &mut GuestMemory<'_>, fd: u32, iovs: u32, iovs_len: u32) -> Result<u32> {
        let iovs = mem.read_iovecs(iovs, iovs_len)?;
        let entry = self.table.get_mut(fd)?;
        let can_read = entry.base & rights::FD_READ != 0;
        let n = match &mut entry.desc {
            Descriptor::File(f) => {
                if !can_read || !f.perms.contains(FilePerms::READ) {
                    return Err(Errno::Badf.into());
                }
                let n = read_file_at(&f.file, mem, &iovs, f.position)?;
                f.position += n;
                n
            }
            Descriptor::Stdin(s) => {
                if !can_read {
                    return Err(Errno::Badf.into());
                }
                // One read, into the first non-empty buffer: a second one
                // could block waiting for more input.
                match iovs.iter().find(|iov| iov.len > 0) {
                    None => 0,
                    Some(iov) => {
                        let buf = mem.slice_mut(iov.ptr, iov.len)?;
                        retry(|| s.read(buf))? as u64
                    }
                }
            }
            _ => return Err(Errno::Badf.into()),
        };
        Ok(u32::try_from(n)?)
    }

    pub(crate) fn fd_pread(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        iovs: u32,
        iovs_len: u32,
        offset: u64,
    ) -> Result<u32> {
        let iovs = mem.read_iovecs(iovs, iovs_len)?;
        let entry = self.table.get(fd)?;
        match &entry.desc {
            Descriptor::File(f) => {
                entry.require(rights::FD_SEEK)?;
                if entry.base & rights::FD_READ == 0 || !f.perms.contains(FilePerms::READ) {
                    return Err(Errno::Badf.into());
                }
                Ok(u32::try_from(read_file_at(&f.file, mem, &iovs, offset)?)?)
            }
            Descriptor::Stdin(_) => Err(Errno::Spipe.into()),
            _ => Err(Errno::Badf.into()),
        }
    }

    pub(crate) fn fd_write(&mut self, mem: &mut GuestMemory<'_>, fd: u32, iovs: u32, iovs_len: u32) -> Result<u32> {
        let iovs = mem.read_iovecs(iovs, iovs_len)?;
        let entry = self.table.get_mut(fd)?;
        let can_write = entry.base & rights::FD_WRITE != 0;
        let n = match &mut entry.desc {
            Descriptor::File(f) => {
                if !can_write || !f.perms.contains(FilePerms::WRITE) {
                    return Err(Errno::Badf.into());
                }
                let append = f.fdflags & fdflags::APPEND != 0;
                let n = write_file_budgeted(&mut self.disk, &f.file, mem, &iovs, f.position, append)?;
                if append {
                    f.position = f.file.metadata()?.len();
                } else {
                    f.position += n;
                }
                n
            }
            Descriptor::Stdout(s) => {
                if !can_write {
                    return Err(Errno::Badf.into());
                }
                write_stream(s.as_mut(), mem, &iovs)?
            }
            _ => return Err(Errno::Badf.into()),
        };
        Ok(u32::try_from(n)?)
    }

    pub(crate) fn fd_pwrite(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        iovs: u32,
        iovs_len: u32,
        offset: u64,
    ) -> Result<u32> {
        let iovs = mem.read_iovecs(iovs, iovs_len)?;
        let entry = self.table.get(fd)?;
        match &entry.desc {
            Descriptor::File(f) => {
                entry.require(rights::FD_SEEK)?;
                if entry.base & rights::FD_WRITE == 0 || !f.perms.contains(FilePerms::WRITE) {
                    return Err(Errno::Badf.into());
                }
                let append = f.fdflags & fdflags::APPEND != 0;
                Ok(u32::try_from(write_file_budgeted(&mut self.disk, &f.file, mem, &iovs, offset, append)?)?)
            }
            Descriptor::Stdout(_) => Err(Errno::Spipe.into()),
            _ => Err(Errno::Badf.into()),
        }
    }

    pub(crate) fn fd_prestat_get(&mut self, mem: &mut GuestMemory<'_>, fd: u32, ptr: u32) -> Result<()> {
        let name = self.preopen_name(fd).ok_or(Errno::Badf)?;
        let len = u32::try_from(name.len())?;
        let mut bytes = [0u8; layout::PRESTAT_SIZE as usize];
        bytes[4..8].copy_from_slice(&len.to_le_bytes());
        mem.write_bytes(ptr, &bytes)
    }

    pub(crate) fn fd_prestat_dir_name(&mut self, mem: &mut GuestMemory<'_>, fd: u32, ptr: u32, len: u32) -> Result<()> {
        self.table.get(fd)?;
        let name = self.preopen_name(fd).ok_or(Errno::Notdir)?;
        if name.len() > len as usize {
            return Err(Errno::Nametoolong.into());
        }
        mem.write_bytes(ptr, name.as_bytes())
    }

    fn preopen_name(&self, fd: u32) -> Option<&str> {
        match &self.table.get(fd).ok()?.desc {
            Descriptor::Dir(d) => d.preopen.as_deref(),
            _ => None,
        }
    }

    pub(crate) fn fd_renumber(&mut self, from: u32, to: u32) -> Result<()> {
        // Both must be open (as in Wasmtime); `to` is closed and replaced.
        if !self.table.contains(to) {
            return Err(Errno::Badf.into());
        }
        let entry = self.table.remove(from)?;
        self.table.insert_at(to, entry);
        Ok(())
    }

    pub(crate) fn fd_seek(&mut self, fd: u32, offset: i64, whence: u32) -> Result<u64> {
        let entry = self.table.get_mut(fd)?;
        let base = entry.base;
        let file = match &mut entry.desc {
            Descriptor::File(f) => f,
            Descriptor::Stdin(_) | Descriptor::Stdout(_) => return Err(Errno::Spipe.into()),
            Descriptor::Dir(_) => return Err(Errno::Badf.into()),
        };
        // Asking for the position is `fd_tell`'s right; moving it `fd_seek`'s.
        let needed = if whence == u32::from(whence::CUR) && offset == 0 { rights::FD_TELL } else { rights::FD_SEEK };
        if base & needed == 0 && base & rights::FD_SEEK == 0 {
            return Err(Errno::Notcapable.into());
        }
        let from = match u8::try_from(whence).map_err(|_| Errno::Inval)? {
            whence::SET => 0,
            whence::CUR => file.position,
            whence::END => file.file.metadata()?.len(),
            _ => return Err(Errno::Inval.into()),
        };
        let pos = from.checked_add_signed(offset).ok_or(Errno::Inval)?;
        if i64::try_from(pos).is_err() {
            return Err(Errno::Inval.into());
        }
        file.position = pos;
        Ok(pos)
    }

    pub(crate) fn fd_tell(&mut self, fd: u32) -> Result<u64> {
        let entry = self.table.get(fd)?;
        match &entry.desc {
            Descriptor::File(f) => {
                entry.require(rights::FD_TELL)?;
                Ok(f.position)
            }
            Descriptor::Stdin(_) | Descriptor::Stdout(_) => Err(Errno::Spipe.into()),
            Descriptor::Dir(_) => Err(Errno::Badf.into()),
        }
    }

    pub(crate) fn fd_readdir(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        buf: u32,
        buf_len: u32,
        cookie: u64,
    ) -> Result<u32> {
        let entry = self.table.get(fd)?;
        let dir = entry.dir()?;
        entry.require(rights::FD_READDIR)?;
        if !dir.perms.contains(DirPerms::READ) {
            return Err(Errno::Perm.into());
        }
        let cookie = usize::try_from(cookie).map_err(|_| Errno::Overflow)?;
        mem.check_array(buf, buf_len, 1)?;
        let dir_ino = dir.dir.dir_metadata()?.ino();

        // `.` and `..` first (cookies 1 and 2), then the host's entries in
        // the host's order; an entry's `d_next` is its cookie + 1.
        let mut entries: Vec<(u64, u8, Vec<u8>)> =
            vec![(dir_ino, filetype::DIRECTORY, b".".to_vec()), (dir_ino, filetype::DIRECTORY, b"..".to_vec())];
        for e in dir.dir.entries()? {
            let e = e?;
            let name = e.file_name().into_string().map_err(|_| Errno::Ilseq)?;
            let ty = e.file_type().map(filetype_of).unwrap_or(filetype::UNKNOWN);
            entries.push((e.ino(), ty, name.into_bytes()));
        }

        // Entries are written whole while they fit; the last one is cut
        // off at the end of the buffer, and a full buffer tells the guest
        // to ask again from the last whole entry's cookie.
        let mut out = Vec::new();
        let cap = buf_len as usize;
        for (i, (ino, ty, name)) in entries.iter().enumerate().skip(cookie) {
            let mut header = [0u8; layout::DIRENT_SIZE];
            header[0..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
            header[8..16].copy_from_slice(&ino.to_le_bytes());
            header[16..20].copy_from_slice(&u32::try_from(name.len())?.to_le_bytes());
            header[20] = *ty;
            let room = cap - out.len();
            out.extend_from_slice(&header[..room.min(header.len())]);
            let room = cap - out.len();
            out.extend_from_slice(&name[..room.min(name.len())]);
            if out.len() == cap {
                break;
            }
        }
        mem.write_bytes(buf, &out)?;
        Ok(out.len() as u32)
    }

    /// `sock_*` on `fd` with `flags` (of which `valid` are defined): there
    /// are never sockets, so an open fd is `ENOTSOCK` and anything else
    /// `EBADF` (as in Wasmtime).
    pub(crate) fn not_a_socket(&mut self, fd: u32, flags: u32, valid: u32) -> Result<u32> {
        if flags & !valid != 0 {
            return Err(Errno::Inval.into());
        }
        self.table.get(fd)?;
        Err(Errno::Notsock.into())
    }
}

/// The rights a newly opened descriptor may have, given its parent's
/// inheriting rights and whether it is a directory.
pub(super) fn child_rights(entry: &Entry, requested_base: u64, requested_inheriting: u64, is_dir: bool) -> (u64, u64) {
    let mask = if is_dir { rights::DIRECTORY } else { rights::FILE };
    (requested_base & entry.inheriting & mask, requested_inheriting & entry.inheriting)
}
