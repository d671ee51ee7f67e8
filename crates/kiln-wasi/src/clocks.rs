//! The time and randomness a guest sees. The defaults read the host's
//! clocks and its secure random source; an embedder (a test, say) can put
//! its own in with [`WasiCtxBuilder`](crate::WasiCtxBuilder).

use std::time::{Duration, Instant, SystemTime};

/// The wall clock (`clock_id::realtime`).
pub trait WallClock: Send {
    /// The time since 1970-01-01T00:00:00Z.
    fn now(&self) -> Duration;
    /// The clock's resolution.
    fn resolution(&self) -> Duration;
}

/// The monotonic clock (`clock_id::monotonic`). Its zero is arbitrary.
pub trait MonotonicClock: Send {
    /// Nanoseconds since the clock's zero; never decreases.
    fn now(&self) -> u64;
    /// The clock's resolution in nanoseconds.
    fn resolution(&self) -> u64;
}

/// Where `random_get` takes its bytes from.
pub trait RandomSource: Send {
    /// Fills `buf` with random bytes. A failure is `EIO` for the guest.
    fn fill(&mut self, buf: &mut [u8]) -> std::io::Result<()>;
}

/// A closure that fills a buffer is a random source (handy in tests).
impl<F: FnMut(&mut [u8]) + Send> RandomSource for F {
    fn fill(&mut self, buf: &mut [u8]) -> std::io::Result<()> {
        self(buf);
        Ok(())
    }
}

/// The host's real-time clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct HostWallClock;

impl WallClock for HostWallClock {
    fn now(&self) -> Duration {
        // A host clock before 1970 is reported as 1970.
        SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default()
    }
    fn resolution(&self) -> Duration {
        let ts = rustix::time::clock_getres(rustix::time::ClockId::Realtime);
        Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
    }
}

/// The host's monotonic clock, counted from when it was made.
#[derive(Clone, Copy, Debug)]
pub struct HostMonotonicClock {
    start: Instant,
}

impl Default for HostMonotonicClock {
    fn default() -> Self {
        HostMonotonicClock { start: Instant::now() }
    }
}

impl MonotonicClock for HostMonotonicClock {
    fn now(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
    fn resolution(&self) -> u64 {
        let ts = rustix::time::clock_getres(rustix::time::ClockId::Monotonic);
        (ts.tv_sec as u64).saturating_mul(1_000_000_000).saturating_add(ts.tv_nsec as u64).max(1)
    }
}

/// The host's cryptographically secure random source.
#[derive(Clone, Copy, Debug, Default)]
pub struct HostRandom;

impl RandomSource for HostRandom {
    fn fill(&mut self, buf: &mut [u8]) -> std::io::Result<()> {
        getrandom::fill(buf).map_err(std::io::Error::other)
    }
}
