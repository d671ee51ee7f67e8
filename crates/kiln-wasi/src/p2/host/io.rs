//! `wasi:io/error`, `wasi:io/poll` and `wasi:io/streams`.

use crate::p2::error::{IoError, StreamResult};
use crate::p2::poll::{sleep, Pollable};
use crate::p2::streams::{InputStream, OutputStream};
use crate::p2::WasiCtxView;
use anyhow::{bail, Context as _};
use kiln::component::Resource;

impl WasiCtxView<'_> {
    /// `[method]error.to-debug-string`
    pub fn error_to_debug_string(&mut self, err: Resource<IoError>) -> anyhow::Result<String> {
        Ok(format!("{:#}", self.table.get(&err)?.0))
    }

    /// `[resource-drop]error`
    pub fn drop_error(&mut self, err: Resource<IoError>) -> anyhow::Result<()> {
        self.table.delete(err)?;
        Ok(())
    }

    /// `[method]pollable.ready`
    pub fn pollable_ready(&mut self, p: Resource<Pollable>) -> anyhow::Result<bool> {
        Ok(self.table.get(&p)?.is_ready())
    }

    /// `[method]pollable.block`
    pub fn pollable_block(&mut self, p: Resource<Pollable>) -> anyhow::Result<()> {
        let p = self.table.get(&p)?;
        if !p.is_ready() {
            sleep(p.time_left());
        }
        Ok(())
    }

    /// `[resource-drop]pollable`
    pub fn drop_pollable(&mut self, p: Resource<Pollable>) -> anyhow::Result<()> {
        self.table.delete(p)?;
        Ok(())
    }

    /// `poll`: the indices of the ready pollables, after waiting for at
    /// least one. An empty list traps (it could never return), as in
    /// Wasmtime.
    pub fn poll(&mut self, list: Vec<Resource<Pollable>>) -> anyhow::Result<Vec<u32>> {
        if list.is_empty() {
            bail!("poll called with an empty list of pollables");
        }
        u32::try_from(list.len()).context("poll called with more than 2^32 pollables")?;
        let mut pollables = Vec::with_capacity(list.len());
        for p in &list {
            pollables.push(*self.table.get(p)?);
        }
        let ready = |pollables: &[Pollable]| -> Vec<u32> {
            (0..pollables.len() as u32).filter(|&i| pollables[i as usize].is_ready()).collect()
        };
        let now = ready(&pollables);
        if !now.is_empty() {
            return Ok(now);
        }
        // Nothing is ready: sleep until the earliest deadline (none of them
        // is `Ready`, or `now` would not be empty).
        sleep(pollables.iter().filter_map(Pollable::time_left).min());
        Ok(ready(&pollables))
    }

    /// `[method]input-stream.read`
    pub fn input_stream_read(&mut self, s: Resource<InputStream>, len: u64) -> StreamResult<Vec<u8>> {
        self.table.get_mut(&s)?.read(len)
    }

    /// `[method]input-stream.blocking-read`
    pub fn input_stream_blocking_read(&mut self, s: Resource<InputStream>, len: u64) -> StreamResult<Vec<u8>> {
        self.table.get_mut(&s)?.read(len)
    }

    /// `[method]input-stream.skip`
    pub fn input_stream_skip(&mut self, s: Resource<InputStream>, len: u64) -> StreamResult<u64> {
        self.table.get_mut(&s)?.skip(len)
    }

    /// `[method]input-stream.blocking-skip`
    pub fn input_stream_blocking_skip(&mut self, s: Resource<InputStream>, len: u64) -> StreamResult<u64> {
        self.table.get_mut(&s)?.skip(len)
    }

    /// `[method]input-stream.subscribe`: a pollable that is a child of the
    /// stream, so the stream cannot be dropped before it.
    pub fn input_stream_subscribe(&mut self, s: Resource<InputStream>) -> anyhow::Result<Resource<Pollable>> {
        Ok(self.table.push_child(Pollable::ready(), &s)?)
    }

    /// `[resource-drop]input-stream`
    pub fn drop_input_stream(&mut self, s: Resource<InputStream>) -> anyhow::Result<()> {
        self.table.delete(s).context("cannot drop an input-stream while a pollable made from it is alive")?;
        Ok(())
    }

    /// `[method]output-stream.check-write`
    pub fn output_stream_check_write(&mut self, s: Resource<OutputStream>) -> StreamResult<u64> {
        self.table.get_mut(&s)?.check_write()
    }

    /// `[method]output-stream.write`
    pub fn output_stream_write(&mut self, s: Resource<OutputStream>, bytes: &[u8]) -> StreamResult<()> {
        self.table.get_mut(&s)?.write(&mut self.ctx.disk, bytes)
    }

    /// `[method]output-stream.blocking-write-and-flush`
    pub fn output_stream_blocking_write_and_flush(
        &mut self,
        s: Resource<OutputStream>,
        bytes: &[u8],
    ) -> StreamResult<()> {
        self.table.get_mut(&s)?.blocking_write_and_flush(&mut self.ctx.disk, bytes)
    }

    /// `[method]output-stream.flush`
    pub fn output_stream_flush(&mut self, s: Resource<OutputStream>) -> StreamResult<()> {
        self.table.get_mut(&s)?.flush()
    }

    /// `[method]output-stream.blocking-flush`
    pub fn output_stream_blocking_flush(&mut self, s: Resource<OutputStream>) -> StreamResult<()> {
        self.table.get_mut(&s)?.flush()
    }

    /// `[method]output-stream.subscribe`
    pub fn output_stream_subscribe(&mut self, s: Resource<OutputStream>) -> anyhow::Result<Resource<Pollable>> {
        Ok(self.table.push_child(Pollable::ready(), &s)?)
    }

    /// `[method]output-stream.write-zeroes`
    pub fn output_stream_write_zeroes(&mut self, s: Resource<OutputStream>, len: u64) -> StreamResult<()> {
        self.table.get_mut(&s)?.write_zeroes(&mut self.ctx.disk, len)
    }

    /// `[method]output-stream.blocking-write-zeroes-and-flush`
    pub fn output_stream_blocking_write_zeroes_and_flush(
        &mut self,
        s: Resource<OutputStream>,
        len: u64,
    ) -> StreamResult<()> {
        self.table.get_mut(&s)?.blocking_write_zeroes_and_flush(&mut self.ctx.disk, len)
    }

    /// `[method]output-stream.splice`: `check-write`, then `read` of at
    /// most what it permits, then `write`, as the WIT defines it.
    pub fn output_stream_splice(
        &mut self,
        dst: Resource<OutputStream>,
        src: Resource<InputStream>,
        len: u64,
    ) -> StreamResult<u64> {
        let permit = self.table.get_mut(&dst)?.check_write()?;
        let len = len.min(permit);
        if len == 0 {
            return Ok(0);
        }
        let bytes = self.table.get_mut(&src)?.read(len)?;
        self.table.get_mut(&dst)?.write(&mut self.ctx.disk, &bytes)?;
        Ok(bytes.len() as u64)
    }

    /// `[method]output-stream.blocking-splice` (every stream here is
    /// synchronous, so it is [`splice`](Self::output_stream_splice)).
    pub fn output_stream_blocking_splice(
        &mut self,
        dst: Resource<OutputStream>,
        src: Resource<InputStream>,
        len: u64,
    ) -> StreamResult<u64> {
        self.output_stream_splice(dst, src, len)
    }

    /// `[resource-drop]output-stream`
    pub fn drop_output_stream(&mut self, s: Resource<OutputStream>) -> anyhow::Result<()> {
        let mut stream =
            self.table.delete(s).context("cannot drop an output-stream while a pollable made from it is alive")?;
        // Dropping flushes: the guest may not have, and buffered output
        // must not be lost.
        let _ = stream.flush();
        Ok(())
    }

    /// Pushes `err` into the table as a `wasi:io/error`, for
    /// `last-operation-failed`.
    pub fn push_io_error(&mut self, err: anyhow::Error) -> anyhow::Result<Resource<IoError>> {
        Ok(self.table.push(IoError(err))?)
    }
}
