//! A file mapped read-only into memory, for loading precompiled modules
//! without copying them: the pages are read from the page cache as they are
//! touched, and shared by every process that maps the same file.

use anyhow::{bail, Context as _};
use std::fs::File;
use std::path::Path;
use std::ptr::NonNull;

/// A whole file, mapped read-only and private.
pub(crate) struct MappedFile {
    ptr: NonNull<u8>,
    len: usize,
    /// Kept open so parts of the file can be mapped again with other
    /// protections (compiled code: written by relocation, then executed).
    file: File,
}

// SAFETY: the mapping is read-only and owned by this value alone, so it may
// be shared and sent between threads.
unsafe impl Send for MappedFile {}
// SAFETY: as above: nothing mutates the mapping through `&self`.
unsafe impl Sync for MappedFile {}

impl MappedFile {
    /// Maps the file at `path`.
    ///
    /// # Safety
    ///
    /// The file must not be truncated or written to while it is mapped:
    /// the mapping would see the change (or fault, past a truncation).
    pub(crate) unsafe fn open(path: &Path) -> anyhow::Result<MappedFile> {
        let file = File::open(path).with_context(|| format!("failed to open {}", path.display()))?;
        let len = file.metadata().with_context(|| format!("failed to read the size of {}", path.display()))?.len();
        let Ok(len) = usize::try_from(len) else { bail!("{} is too large to map", path.display()) };
        if len == 0 {
            bail!("{} is empty", path.display());
        }
        // SAFETY: a private read-only mapping of an open file at an address
        // of the kernel's choosing touches no existing memory; the file
        // stays as it is while mapped (the caller's promise).
        let raw = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_PRIVATE,
                std::os::fd::AsRawFd::as_raw_fd(&file),
                0,
            )
        };
        if raw == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error()).with_context(|| format!("failed to map {}", path.display()));
        }
        let ptr = NonNull::new(raw.cast::<u8>()).context("mmap returned null")?;
        Ok(MappedFile { ptr, len, file })
    }

    /// The open file (to map parts of it again).
    pub(crate) fn file(&self) -> &File {
        &self.file
    }
}

impl AsRef<[u8]> for MappedFile {
    fn as_ref(&self) -> &[u8] {
        // SAFETY: `ptr..ptr+len` is mapped readable for as long as `self`
        // lives, and nothing writes to it.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for MappedFile {
    fn drop(&mut self) {
        // SAFETY: the region was mapped by `open` with exactly this length,
        // and borrows of it cannot outlive `self`.
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}
