//! `wasi:clocks` and `wasi:random`.

use crate::p2::filesystem::Datetime;
use crate::p2::poll::Pollable;
use crate::p2::WasiCtxView;
use anyhow::Context as _;
use kiln::component::Resource;
use std::time::Duration;

/// The most bytes one `get-random-bytes` call returns. The WIT lets the
/// host bound it; the guest asks again for more, and this keeps a guest
/// from making the host allocate gigabytes in one call.
const MAX_RANDOM_BYTES: u64 = 64 * 1024 * 1024;

impl WasiCtxView<'_> {
    /// `wasi:clocks/monotonic-clock.now` (nanoseconds)
    pub fn monotonic_now(&mut self) -> anyhow::Result<u64> {
        Ok(self.ctx.monotonic_clock.now())
    }

    /// `wasi:clocks/monotonic-clock.resolution` (nanoseconds)
    pub fn monotonic_resolution(&mut self) -> anyhow::Result<u64> {
        Ok(self.ctx.monotonic_clock.resolution())
    }

    /// `subscribe-instant`: ready when the monotonic clock reaches `when`.
    pub fn subscribe_instant(&mut self, when: u64) -> anyhow::Result<Resource<Pollable>> {
        let wait = when.saturating_sub(self.ctx.monotonic_clock.now());
        Ok(self.table.push(Pollable::after(Duration::from_nanos(wait)))?)
    }

    /// `subscribe-duration`: ready `duration` nanoseconds from now.
    pub fn subscribe_duration(&mut self, duration: u64) -> anyhow::Result<Resource<Pollable>> {
        Ok(self.table.push(Pollable::after(Duration::from_nanos(duration)))?)
    }

    /// `wasi:clocks/wall-clock.now`
    pub fn wall_clock_now(&mut self) -> anyhow::Result<Datetime> {
        Ok(Datetime::from_duration(self.ctx.wall_clock.now()))
    }

    /// `wasi:clocks/wall-clock.resolution`
    pub fn wall_clock_resolution(&mut self) -> anyhow::Result<Datetime> {
        Ok(Datetime::from_duration(self.ctx.wall_clock.resolution()))
    }

    /// `get-random-bytes`: `len` bytes from the secure source (a trap past
    /// 64 MiB per call, or if the host's source fails).
    pub fn get_random_bytes(&mut self, len: u64) -> anyhow::Result<Vec<u8>> {
        let mut buf = random_buffer(len)?;
        self.ctx.random.fill(&mut buf).context("the host's random source failed")?;
        Ok(buf)
    }

    /// `get-random-u64`
    pub fn get_random_u64(&mut self) -> anyhow::Result<u64> {
        let mut buf = [0u8; 8];
        self.ctx.random.fill(&mut buf).context("the host's random source failed")?;
        Ok(u64::from_le_bytes(buf))
    }

    /// `get-insecure-random-bytes`
    pub fn get_insecure_random_bytes(&mut self, len: u64) -> anyhow::Result<Vec<u8>> {
        let mut buf = random_buffer(len)?;
        self.ctx.insecure_random.fill(&mut buf).context("the host's insecure random source failed")?;
        Ok(buf)
    }

    /// `get-insecure-random-u64`
    pub fn get_insecure_random_u64(&mut self) -> anyhow::Result<u64> {
        let mut buf = [0u8; 8];
        self.ctx.insecure_random.fill(&mut buf).context("the host's insecure random source failed")?;
        Ok(u64::from_le_bytes(buf))
    }

    /// `insecure-seed`: the same pair for the whole life of the context.
    pub fn insecure_seed(&mut self) -> anyhow::Result<(u64, u64)> {
        Ok(self.ctx.insecure_seed)
    }
}

fn random_buffer(len: u64) -> anyhow::Result<Vec<u8>> {
    if len > MAX_RANDOM_BYTES {
        anyhow::bail!("get-random-bytes of {len} bytes: at most {MAX_RANDOM_BYTES} per call");
    }
    Ok(vec![0u8; len as usize])
}
