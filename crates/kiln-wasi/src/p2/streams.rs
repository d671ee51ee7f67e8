//! `wasi:io/streams`' two resources over what a context can read and
//! write: standard input/output/error and files.
//!
//! Every stream here is synchronous: an operation completes (or fails)
//! before it returns, so there is never a write in flight, `flush` has
//! nothing to wait for and every `subscribe` pollable is ready at once. The
//! one place this differs from the WIT's ideal is a non-blocking `read` of
//! a standard input that has nothing yet: it waits for input, as
//! `blocking-read` does.

use super::error::{StreamError, StreamResult};
use crate::preview1::budget::{growth, DiskBudget};
use crate::stdio::{SharedStdin, SharedStdout, StdinStream as _, StdoutStream as _};
use cap_std::fs::FileExt as _;
use std::io;
use std::sync::Arc;

/// The most one read hands back (and so allocates) at once, whatever
/// length the guest asks for.
pub(crate) const MAX_READ: usize = 64 * 1024;

/// What `check-write` permits at once. Writes are synchronous, so this
/// only bounds how much the host holds per call.
pub(crate) const WRITE_BUDGET: u64 = 64 * 1024;

/// The most `blocking-write-and-flush` and `blocking-write-zeroes-and-flush`
/// accept: the WIT fixes it at 4096 bytes.
pub(crate) const BLOCKING_WRITE_MAX: u64 = 4096;

/// An `input-stream`.
pub struct InputStream {
    source: InputSource,
    closed: bool,
}

pub(crate) enum InputSource {
    Stdin(SharedStdin),
    File { file: Arc<cap_std::fs::File>, position: u64 },
}

impl InputStream {
    pub(crate) fn new(source: InputSource) -> InputStream {
        InputStream { source, closed: false }
    }

    /// Reads up to `len` bytes; the end of the input closes the stream.
    pub(crate) fn read(&mut self, len: u64) -> StreamResult<Vec<u8>> {
        if self.closed {
            return Err(StreamError::Closed);
        }
        if len == 0 {
            return Ok(Vec::new());
        }
        let mut buf = vec![0u8; usize::try_from(len).unwrap_or(usize::MAX).min(MAX_READ)];
        let r = retry(|| match &mut self.source {
            InputSource::Stdin(s) => s.read(&mut buf),
            InputSource::File { file, position } => file.read_at(&mut buf, *position),
        });
        match r {
            Ok(0) => {
                self.closed = true;
                Err(StreamError::Closed)
            }
            Ok(n) => {
                if let InputSource::File { position, .. } = &mut self.source {
                    *position += n as u64;
                }
                buf.truncate(n);
                Ok(buf)
            }
            Err(e) => {
                self.closed = true;
                Err(StreamError::LastOperationFailed(e.into()))
            }
        }
    }

    /// Like [`read`](Self::read), counting the bytes instead of returning
    /// them.
    pub(crate) fn skip(&mut self, len: u64) -> StreamResult<u64> {
        Ok(self.read(len)?.len() as u64)
    }
}

/// An `output-stream`.
pub struct OutputStream {
    sink: OutputSink,
    closed: bool,
    /// What the last `check-write` permitted and `write` has not used yet.
    permit: u64,
}

pub(crate) enum OutputSink {
    Stdout(SharedStdout),
    /// A file written at `position`, or at its end when `position` is
    /// `None` (`append-via-stream`).
    File {
        file: Arc<cap_std::fs::File>,
        position: Option<u64>,
    },
}

impl OutputStream {
    pub(crate) fn new(sink: OutputSink) -> OutputStream {
        OutputStream { sink, closed: false, permit: 0 }
    }

    pub(crate) fn check_write(&mut self) -> StreamResult<u64> {
        if self.closed {
            return Err(StreamError::Closed);
        }
        self.permit = WRITE_BUDGET;
        Ok(self.permit)
    }

    /// `write`: the guest must stay within what `check-write` permitted
    /// (the WIT's precondition; a trap otherwise).
    pub(crate) fn write(&mut self, disk: &mut DiskBudget, bytes: &[u8]) -> StreamResult<()> {
        self.take_permit(bytes.len() as u64)?;
        self.write_now(disk, bytes)
    }

    pub(crate) fn write_zeroes(&mut self, disk: &mut DiskBudget, len: u64) -> StreamResult<()> {
        // The permit is checked before allocating, so `len` is bounded.
        self.take_permit(len)?;
        self.write_now(disk, &vec![0u8; len as usize])
    }

    pub(crate) fn blocking_write_and_flush(&mut self, disk: &mut DiskBudget, bytes: &[u8]) -> StreamResult<()> {
        if bytes.len() as u64 > BLOCKING_WRITE_MAX {
            return Err(StreamError::trap(format!(
                "blocking-write-and-flush of {} bytes: at most {BLOCKING_WRITE_MAX} are allowed",
                bytes.len()
            )));
        }
        if self.closed {
            return Err(StreamError::Closed);
        }
        self.write_now(disk, bytes)?;
        self.flush()
    }

    pub(crate) fn blocking_write_zeroes_and_flush(&mut self, disk: &mut DiskBudget, len: u64) -> StreamResult<()> {
        if len > BLOCKING_WRITE_MAX {
            return Err(StreamError::trap(format!(
                "blocking-write-zeroes-and-flush of {len} bytes: at most {BLOCKING_WRITE_MAX} are allowed"
            )));
        }
        self.blocking_write_and_flush(disk, &vec![0u8; len as usize])
    }

    pub(crate) fn flush(&mut self) -> StreamResult<()> {
        if self.closed {
            return Err(StreamError::Closed);
        }
        let r = match &mut self.sink {
            OutputSink::Stdout(s) => s.flush(),
            // File writes are not buffered: there is nothing to flush.
            OutputSink::File { .. } => Ok(()),
        };
        r.map_err(|e| self.fail(e))
    }

    fn take_permit(&mut self, len: u64) -> StreamResult<()> {
        if self.closed {
            return Err(StreamError::Closed);
        }
        if len > self.permit {
            return Err(StreamError::trap(format!(
                "write of {len} bytes exceeds the {} bytes check-write permitted",
                self.permit
            )));
        }
        self.permit -= len;
        Ok(())
    }

    fn write_now(&mut self, disk: &mut DiskBudget, bytes: &[u8]) -> StreamResult<()> {
        let r = match &mut self.sink {
            OutputSink::Stdout(s) => s.write(bytes),
            OutputSink::File { file, position } => write_file(disk, file, position, bytes),
        };
        r.map_err(|e| self.fail(e))
    }

    /// A failed operation closes the stream: the WIT says every later one
    /// returns `closed`.
    fn fail(&mut self, e: io::Error) -> StreamError {
        self.closed = true;
        StreamError::LastOperationFailed(e.into())
    }
}

/// Writes all of `bytes` at `*position` (advancing it), or at the end of
/// the file, within the context's disk budget: a write that would grow the
/// files past it writes nothing and fails with `ENOSPC`
/// (`insufficient-space`), as in preview 1.
fn write_file(
    disk: &mut DiskBudget,
    file: &cap_std::fs::File,
    position: &mut Option<u64>,
    bytes: &[u8],
) -> io::Result<()> {
    let len = bytes.len() as u64;
    let old_len = if disk.is_limited() {
        let meta = file.metadata()?;
        meta.is_file().then(|| meta.len())
    } else {
        None
    };
    let planned = old_len.map(|old| growth(old, position.unwrap_or(old), len)).unwrap_or(0);
    if disk.check(planned).is_err() {
        return Err(io::Error::from_raw_os_error(libc::ENOSPC));
    }
    match position {
        Some(pos) => {
            let mut done = 0usize;
            while done < bytes.len() {
                let n = retry(|| file.write_at(&bytes[done..], *pos + done as u64))?;
                if n == 0 {
                    return Err(io::Error::from(io::ErrorKind::WriteZero));
                }
                done += n;
            }
            *pos += len;
        }
        None => {
            // The file's end is wherever it is now; the host's append mode
            // would do the same, but the descriptor may not have it.
            let end = file.metadata()?.len();
            let mut done = 0usize;
            while done < bytes.len() {
                let n = retry(|| file.write_at(&bytes[done..], end + done as u64))?;
                if n == 0 {
                    return Err(io::Error::from(io::ErrorKind::WriteZero));
                }
                done += n;
            }
        }
    }
    disk.charge(planned);
    Ok(())
}

/// Retries an I/O call interrupted by a signal.
pub(crate) fn retry<T>(mut f: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    loop {
        match f() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => return r,
        }
    }
}
