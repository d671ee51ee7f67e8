//! Clocks: replaced by deterministic ones, and the host's own.

use crate::harness::Guest;
use kiln_wasi::{MonotonicClock, WallClock};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

/// A wall clock stopped at a fixed time.
pub(crate) struct FixedWall(pub(crate) Duration);

impl WallClock for FixedWall {
    fn now(&self) -> Duration {
        self.0
    }
    fn resolution(&self) -> Duration {
        Duration::from_micros(1)
    }
}

/// A monotonic clock that moves 1 µs each time it is read.
pub(crate) struct Ticking(pub(crate) AtomicU64);

impl MonotonicClock for Ticking {
    fn now(&self) -> u64 {
        self.0.fetch_add(1000, Ordering::Relaxed)
    }
    fn resolution(&self) -> u64 {
        1000
    }
}

#[test]
fn replaced_clocks() {
    let mut guest = Guest::new("clocks");
    guest
        .builder
        .wall_clock(FixedWall(Duration::new(1_700_000_000, 123_456_789)))
        .monotonic_clock(Ticking(AtomicU64::new(5_000_000_000)));
    guest.run().expect(
        0,
        "clock_gettime(CLOCK_REALTIME): OK\n\
         realtime: 1700000000.123456789\n\
         time(): 1700000000\n\
         gettimeofday: 1700000000.123456\n\
         UTC: 2023-11-14 22:13:20\n\
         monotonic: 5.000000000 then 5.000001000\n\
         monotonic advanced: 1\n\
         realtime resolution: 0.000001000\n\
         monotonic resolution: 0.000001000\n\
         clock_time_get process cputime: EBADF\n\
         clock_time_get thread cputime: EBADF\n\
         clock_time_get clock 4: EINVAL\n\
         clock_res_get process cputime: EBADF\n\
         clock_res_get clock 99: EINVAL\n",
    );
}

#[test]
fn host_clocks() {
    let before = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
    let run = Guest::new("clocks").run();
    let after = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
    assert_eq!(run.status, Some(0));
    let realtime: u64 =
        run.stdout.lines().find_map(|l| l.strip_prefix("time(): ")).expect("time() printed").parse().unwrap();
    assert!(before <= realtime && realtime <= after, "{before} <= {realtime} <= {after}");
    assert!(run.stdout.contains("monotonic advanced: 1\n"), "{}", run.stdout);
    assert!(run.stdout.contains("clock_time_get process cputime: EBADF\n"), "{}", run.stdout);
}
