//! Standard input, output and error: where a guest's fds 0, 1 and 2 read
//! from and write to. The host's own stdio, in-memory pipes an embedder can
//! fill and read back, a host file, or anything implementing
//! [`StdinStream`] / [`StdoutStream`].

use std::io::{self, IsTerminal, Read, Write};
use std::sync::{Arc, Mutex};

/// Something a guest's standard input reads from.
pub trait StdinStream: Send {
    /// Reads up to `buf.len()` bytes; `Ok(0)` is the end of the input.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize>;

    /// Whether this is a terminal (the guest sees a character device).
    fn is_terminal(&self) -> bool {
        false
    }
}

/// Something a guest's standard output or error writes to.
pub trait StdoutStream: Send {
    /// Writes all of `buf`.
    fn write(&mut self, buf: &[u8]) -> io::Result<()>;

    /// Flushes what was written.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// Whether this is a terminal (the guest sees a character device).
    fn is_terminal(&self) -> bool {
        false
    }
}

/// An input that is always at its end: the default standard input.
#[derive(Clone, Copy, Debug, Default)]
pub struct EmptyInput;

impl StdinStream for EmptyInput {
    fn read(&mut self, _buf: &mut [u8]) -> io::Result<usize> {
        Ok(0)
    }
}

/// An output that discards everything: the default standard output and
/// error.
#[derive(Clone, Copy, Debug, Default)]
pub struct SinkOutput;

impl StdoutStream for SinkOutput {
    fn write(&mut self, _buf: &[u8]) -> io::Result<()> {
        Ok(())
    }
}

/// An in-memory input: the guest reads the bytes it was made with, then
/// sees the end of the input. Clones share the same read position.
#[derive(Clone, Debug)]
pub struct MemoryInputPipe {
    inner: Arc<Mutex<(Vec<u8>, usize)>>,
}

impl MemoryInputPipe {
    /// An input holding `bytes`.
    pub fn new(bytes: impl Into<Vec<u8>>) -> MemoryInputPipe {
        MemoryInputPipe { inner: Arc::new(Mutex::new((bytes.into(), 0))) }
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.1 >= inner.0.len()
    }
}

impl StdinStream for MemoryInputPipe {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let (data, pos) = &mut *inner;
        let n = buf.len().min(data.len() - *pos);
        buf[..n].copy_from_slice(&data[*pos..*pos + n]);
        *pos += n;
        Ok(n)
    }
}

/// An in-memory output of bounded size. Clone it before giving it to the
/// builder and read what the guest wrote with [`contents`](Self::contents).
/// A write past the capacity fails (the guest sees `EIO`) after storing what
/// fits.
#[derive(Clone, Debug)]
pub struct MemoryOutputPipe {
    capacity: usize,
    buffer: Arc<Mutex<Vec<u8>>>,
}

impl MemoryOutputPipe {
    /// An output that keeps at most `capacity` bytes.
    pub fn new(capacity: usize) -> MemoryOutputPipe {
        MemoryOutputPipe { capacity, buffer: Arc::new(Mutex::new(Vec::new())) }
    }

    /// Everything written so far.
    pub fn contents(&self) -> Vec<u8> {
        self.buffer.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Everything written so far, as text (invalid UTF-8 replaced).
    pub fn contents_string(&self) -> String {
        String::from_utf8_lossy(&self.contents()).into_owned()
    }
}

impl StdoutStream for MemoryOutputPipe {
    fn write(&mut self, buf: &[u8]) -> io::Result<()> {
        let mut buffer = self.buffer.lock().unwrap_or_else(|e| e.into_inner());
        let room = self.capacity.saturating_sub(buffer.len());
        buffer.extend_from_slice(&buf[..buf.len().min(room)]);
        if buf.len() > room {
            return Err(io::Error::other("write beyond the capacity of a MemoryOutputPipe"));
        }
        Ok(())
    }
}

/// The host process's standard input.
#[derive(Clone, Copy, Debug, Default)]
pub struct HostStdin;

impl StdinStream for HostStdin {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        io::stdin().lock().read(buf)
    }
    fn is_terminal(&self) -> bool {
        io::stdin().is_terminal()
    }
}

/// The host process's standard output.
#[derive(Clone, Copy, Debug, Default)]
pub struct HostStdout;

impl StdoutStream for HostStdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<()> {
        let mut out = io::stdout().lock();
        out.write_all(buf)?;
        out.flush()
    }
    fn flush(&mut self) -> io::Result<()> {
        io::stdout().flush()
    }
    fn is_terminal(&self) -> bool {
        io::stdout().is_terminal()
    }
}

/// The host process's standard error.
#[derive(Clone, Copy, Debug, Default)]
pub struct HostStderr;

impl StdoutStream for HostStderr {
    fn write(&mut self, buf: &[u8]) -> io::Result<()> {
        io::stderr().lock().write_all(buf)
    }
    fn is_terminal(&self) -> bool {
        io::stderr().is_terminal()
    }
}

/// A host file as standard input: the guest reads it from its current
/// position.
impl StdinStream for std::fs::File {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Read::read(self, buf)
    }
}

/// A host file as standard output or error: the guest's writes go to it.
impl StdoutStream for std::fs::File {
    fn write(&mut self, buf: &[u8]) -> io::Result<()> {
        Write::write_all(self, buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Write::flush(self)
    }
}

/// Standard input as one context shares it: preview 1's fd 0 and every
/// 0.2 `input-stream` from `get-stdin` read from the same source, so bytes
/// are consumed once whichever way the guest reads.
#[derive(Clone)]
pub(crate) struct SharedStdin(Arc<Mutex<Box<dyn StdinStream>>>);

impl SharedStdin {
    pub fn new(inner: Box<dyn StdinStream>) -> SharedStdin {
        SharedStdin(Arc::new(Mutex::new(inner)))
    }
}

impl StdinStream for SharedStdin {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).read(buf)
    }
    fn is_terminal(&self) -> bool {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).is_terminal()
    }
}

/// Standard output or error as one context shares it (see [`SharedStdin`]).
#[derive(Clone)]
pub(crate) struct SharedStdout(Arc<Mutex<Box<dyn StdoutStream>>>);

impl SharedStdout {
    pub fn new(inner: Box<dyn StdoutStream>) -> SharedStdout {
        SharedStdout(Arc::new(Mutex::new(inner)))
    }
}

impl StdoutStream for SharedStdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<()> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).flush()
    }
    fn is_terminal(&self) -> bool {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).is_terminal()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_pipes() {
        let mut input = MemoryInputPipe::new(b"hello".to_vec());
        let mut buf = [0u8; 3];
        assert_eq!(StdinStream::read(&mut input, &mut buf).unwrap(), 3);
        assert_eq!(&buf, b"hel");
        assert_eq!(StdinStream::read(&mut input, &mut buf).unwrap(), 2);
        assert_eq!(StdinStream::read(&mut input, &mut buf).unwrap(), 0);
        assert!(input.is_empty());

        let out = MemoryOutputPipe::new(4);
        let mut writer = out.clone();
        StdoutStream::write(&mut writer, b"abc").unwrap();
        assert!(StdoutStream::write(&mut writer, b"de").is_err());
        assert_eq!(out.contents(), b"abcd");
    }
}
