//! Arbitrary bytes into `Module::new` in every tier (the same check as the
//! seeded test in `tests/all/compile_fuzz.rs`): no panic, the tiers agree,
//! and each input stays under a time and a peak-heap bound, measured here
//! with a counting global allocator.

#![no_main]

#[path = "../../tests/all/compile_check.rs"]
#[allow(dead_code)] // the seeded test's tallies are not used here
mod compile_check;

use libfuzzer_sys::fuzz_target;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

/// Per input, all tiers together (a release build with ASan).
const TIME_BOUND: Duration = Duration::from_secs(5);
/// Peak heap per input, above what was allocated when it started.
const PEAK_BOUND: usize = 512 << 20;

/// The system allocator, counting the bytes allocated now and the most
/// allocated since the last reset. Linear memories are mapped, not
/// allocated, so they are not counted: the store limiter of the check
/// bounds those.
struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

impl Counting {
    fn added(size: usize) {
        let now = CURRENT.fetch_add(size, Ordering::Relaxed) + size;
        PEAK.fetch_max(now, Ordering::Relaxed);
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged; the counters are only statistics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract, passed on as is.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            Counting::added(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            Counting::added(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator (so from `System`) with
        // `layout`.
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`, and `new_size` is the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
            Counting::added(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fuzz_target!(|data: &[u8]| {
    static TIERS: OnceLock<compile_check::Tiers> = OnceLock::new();
    let tiers = TIERS.get_or_init(compile_check::Tiers::new);
    let bytes = compile_check::input(data);
    let start = CURRENT.load(Ordering::Relaxed);
    PEAK.store(start, Ordering::Relaxed);
    if let Err(problem) = compile_check::check(tiers, &bytes, TIME_BOUND) {
        panic!("{problem}");
    }
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(start);
    assert!(peak <= PEAK_BOUND, "{} bytes: peak heap {peak} bytes above the start (bound {PEAK_BOUND})", bytes.len());
});
