//! Linear memory.
//!
//! On 64-bit hosts a 32-bit memory reserves its whole addressable range
//! (4 GiB) plus a guard region up front, inaccessible; growing only makes
//! more of the reservation readable and writable, so the base never moves.
//! When the big reservation is refused (`ulimit -v`, small devices) the
//! memory falls back to reserving just its maximum; only if that fails too is
//! there an error, saying what was asked for.

use super::vmcontext::VMMemoryDefinition;
use crate::trap::Trap;
use anyhow::{bail, Result};
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};

/// The size of a wasm page.
pub(crate) const WASM_PAGE_SIZE: usize = 65536;
/// Pages a 32-bit memory can have at most.
pub(crate) const MAX_PAGES_32: u64 = 65536;
/// Inaccessible bytes after the reservation, so a future JIT can fold small
/// offsets into the access without a bounds check.
const GUARD_SIZE: usize = 32 << 20;

/// The reservation that covers every address a 32-bit memory can form.
pub(crate) const FULL_RESERVATION: usize = 4 << 30;
/// Reservations an engine keeps for reuse after their memory is dropped.
const POOL_CAPACITY: usize = 64;
/// Bytes at the start of a pooled reservation that are zeroed by writing
/// rather than handed back to the kernel, so they stay resident: a small
/// memory (the per-request pattern) then takes no system call when dropped
/// and no page fault when its reservation is reused. Measured on x86-64
/// Linux: `madvise` plus the fault of one page about 4 µs, writing 64 KiB of
/// zeros about 1 µs. The pool keeps at most `POOL_CAPACITY` times this
/// resident (4 MiB).
const KEEP_RESIDENT: usize = 64 << 10;

/// Reservations of the engine's standard size, kept after their memory was
/// dropped: reusing one costs at most one small syscall (zeroing the pages
/// beyond [`KEEP_RESIDENT`]) instead of mapping and unmapping gigabytes of
/// address space, which dominated instantiation. A pooled reservation keeps
/// its accessible prefix (zeroed), so the next memory of the same size
/// changes no protection.
#[derive(Default)]
pub(crate) struct ReservationPool {
    /// Base address and accessible bytes of each free reservation.
    free: Mutex<Vec<(usize, usize)>>,
    /// The size of every mapping in `free`.
    mapping: AtomicUsize,
}

impl ReservationPool {
    fn take(&self) -> Option<(*mut u8, usize)> {
        self.free.lock().unwrap_or_else(|e| e.into_inner()).pop().map(|(a, len)| (a as *mut u8, len))
    }

    fn give(&self, base: *mut u8, accessible: usize) -> bool {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        if free.len() >= POOL_CAPACITY {
            return false;
        }
        free.push((base as usize, accessible));
        true
    }
}

impl Drop for ReservationPool {
    fn drop(&mut self) {
        // The pool only holds mappings of one size, recorded when the first
        // memory of the engine was made.
        let free = std::mem::take(self.free.get_mut().unwrap_or_else(|e| e.into_inner()));
        let size = self.mapping_size();
        for (base, _) in free {
            // SAFETY: each address is a whole, unused mapping of `size`
            // bytes that only the pool knew about.
            unsafe {
                libc::munmap(base as *mut libc::c_void, size);
            }
        }
    }
}

/// How an engine lays out linear memories.
#[derive(Clone)]
pub(crate) struct MemoryConfig {
    /// Bytes of address space reserved up front per memory.
    pub(crate) reservation: usize,
    pub(crate) pool: Arc<ReservationPool>,
}

impl ReservationPool {
    fn mapping_size(&self) -> usize {
        self.mapping.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// One linear memory: an mmap'd region of which the first `len` bytes are
/// accessible.
pub(crate) struct LinearMemory {
    base: *mut u8,
    /// Bytes mapped (accessible part, rest of the reservation, guard).
    mapped: usize,
    /// Bytes the memory can grow to without moving.
    reserved: usize,
    len: usize,
    max_pages: u64,
    declared_max: Option<u64>,
    /// Where the mapping goes back when the memory is dropped, if it is of
    /// the pool's size.
    pool: Option<Arc<ReservationPool>>,
    /// `base` and `len` as code reads them; kept equal to them.
    def: VMMemoryDefinition,
}

// SAFETY: the memory owns its mapping exclusively; `&self` gives read access
// and `&mut self` write access to it, as for a `Vec<u8>`.
unsafe impl Send for LinearMemory {}
// SAFETY: see above; shared references only read.
unsafe impl Sync for LinearMemory {}

impl LinearMemory {
    /// A memory of `min` pages that may grow to `max` pages.
    pub(crate) fn new(min: u64, max: Option<u64>, config: &MemoryConfig) -> Result<LinearMemory> {
        let max_pages = max.unwrap_or(MAX_PAGES_32).min(MAX_PAGES_32);
        if min > max_pages {
            bail!("memory minimum of {min} pages exceeds the maximum of {max_pages} pages");
        }
        let len = min as usize * WASM_PAGE_SIZE;
        let standard = config.reservation + GUARD_SIZE;
        if len <= config.reservation {
            config.pool.mapping.store(standard, std::sync::atomic::Ordering::Relaxed);
            let slot = config.pool.take().or_else(|| reserve(standard).map(|base| (base, 0)));
            if let Some((base, accessible)) = slot {
                let mut memory = LinearMemory {
                    base,
                    mapped: standard,
                    reserved: config.reservation,
                    len: accessible,
                    max_pages,
                    declared_max: max,
                    pool: Some(config.pool.clone()),
                    def: VMMemoryDefinition { base, current_length: accessible },
                };
                if accessible > len {
                    memory.make_inaccessible_from(len)?;
                } else {
                    memory.make_accessible(len)?;
                }
                return Ok(memory);
            }
        }
        // The standard reservation was refused (or is too small): reserve
        // just what this memory may need, then just its current size.
        let wanted = max_pages as usize * WASM_PAGE_SIZE;
        for mapped in [wanted + GUARD_SIZE, len.max(WASM_PAGE_SIZE)] {
            if mapped < len {
                continue;
            }
            if let Some(base) = reserve(mapped) {
                let reserved = mapped.saturating_sub(GUARD_SIZE).max(len).min(mapped);
                let mut memory = LinearMemory {
                    base,
                    mapped,
                    reserved,
                    len: 0,
                    max_pages,
                    declared_max: max,
                    pool: None,
                    def: VMMemoryDefinition { base, current_length: 0 },
                };
                memory.make_accessible(len)?;
                return Ok(memory);
            }
        }
        bail!(
            "could not reserve virtual memory for a linear memory of {min} pages ({len} bytes): the host refused \
             {} bytes and even {} bytes; lower `Config::memory_reservation` or raise the address-space limit \
             (ulimit -v)",
            standard,
            len.max(WASM_PAGE_SIZE)
        )
    }

    /// The accessible bytes.
    pub(crate) fn data(&self) -> &[u8] {
        // SAFETY: `base..base + len` is mapped readable and writable and owned
        // by `self` (see `make_accessible`); `len` only grows while `&mut self`.
        unsafe { std::slice::from_raw_parts(self.base, self.len) }
    }

    /// Where the memory starts (`Memory::data_ptr`): the raw base, not taken
    /// from a reference, so writes through it by the host are not writes
    /// through a shared borrow.
    pub(crate) fn base_ptr(&self) -> *mut u8 {
        self.base
    }

    /// The accessible bytes, writable.
    pub(crate) fn data_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `data`, and `&mut self` makes the access exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.base, self.len) }
    }

    /// The definition compiled code reads (stable: the memory is boxed).
    pub(crate) fn definition(&mut self) -> *mut VMMemoryDefinition {
        &mut self.def
    }

    /// Whether the memory can never be reached out of bounds without a
    /// fault: its reservation covers the whole 32-bit range, followed by
    /// the guard region, and it never moves. Only such memories may be used
    /// by code compiled without bounds checks.
    pub(crate) fn guarded(&self) -> bool {
        self.reserved >= FULL_RESERVATION && self.mapped >= self.reserved + GUARD_SIZE
    }

    /// Size in pages.
    pub(crate) fn pages(&self) -> u64 {
        (self.len / WASM_PAGE_SIZE) as u64
    }

    /// The most pages the memory may have (its type's maximum, capped at
    /// what 32-bit addressing allows).
    pub(crate) fn max_pages(&self) -> u64 {
        self.max_pages
    }

    /// The maximum the memory's type declares, if any.
    pub(crate) fn declared_max(&self) -> Option<u64> {
        self.declared_max
    }

    /// Grows by `delta` pages; returns the old size in pages, or `None` if the
    /// memory cannot grow that much (the wasm `memory.grow` failure, -1).
    pub(crate) fn grow(&mut self, delta: u64) -> Option<u64> {
        let old = self.pages();
        let new = old.checked_add(delta)?;
        if new > self.max_pages {
            return None;
        }
        let new_len = new as usize * WASM_PAGE_SIZE;
        if new_len > self.reserved && !self.move_to_bigger_reservation(new_len) {
            return None;
        }
        self.make_accessible(new_len).ok()?;
        Some(old)
    }

    /// The fallback path for small reservations: map a bigger region and
    /// copy. Only memories whose big reservation was refused get here.
    fn move_to_bigger_reservation(&mut self, new_len: usize) -> bool {
        // A guarded memory covers every size it can grow to, so it never
        // gets here; it must never move (code without bounds checks relies
        // on it staying where its guard region is).
        if self.guarded() {
            return false;
        }
        let want = (new_len * 2).min(self.max_pages as usize * WASM_PAGE_SIZE).max(new_len);
        let Some(base) = reserve(want) else { return false };
        let mut bigger = LinearMemory {
            base,
            mapped: want,
            reserved: want,
            len: 0,
            max_pages: self.max_pages,
            declared_max: self.declared_max,
            pool: None,
            def: VMMemoryDefinition { base, current_length: 0 },
        };
        if bigger.make_accessible(self.len).is_err() {
            return false;
        }
        bigger.data_mut().copy_from_slice(self.data());
        std::mem::swap(self, &mut bigger);
        // The definition is read through pointers to `self.def`: it stays
        // where it is and takes the new values.
        self.def = VMMemoryDefinition { base: self.base, current_length: self.len };
        true
    }

    fn make_accessible(&mut self, new_len: usize) -> Result<()> {
        if new_len > self.len {
            // SAFETY: `base..base + reserved` is our own mapping and
            // `new_len <= reserved`; mprotect changes only its protection.
            let rc = unsafe { libc::mprotect(self.base.cast(), new_len, libc::PROT_READ | libc::PROT_WRITE) };
            if rc != 0 {
                bail!("could not commit {new_len} bytes of linear memory: {}", std::io::Error::last_os_error());
            }
            self.len = new_len;
            self.def.current_length = new_len;
        }
        Ok(())
    }
}

/// A memory's bytes as they are now, not tied to a borrow of the store, so
/// a tier can hold them while it uses the rest of the store. Valid until
/// the memory grows (which may move it when it has a small reservation):
/// holders take a new view after anything that may grow memory (calls,
/// `memory.grow`). Memories never shrink and live as long as their store.
pub(crate) struct MemoryView {
    base: *mut u8,
    len: usize,
}

impl MemoryView {
    /// A view of no memory (an instance without one).
    pub(crate) fn empty() -> MemoryView {
        MemoryView { base: std::ptr::NonNull::<u8>::dangling().as_ptr(), len: 0 }
    }

    /// A view of the memory `def` describes.
    ///
    /// # Safety
    /// `def` is the definition of a live memory, and the view is used only
    /// under the rule above, while nothing else accesses the memory.
    pub(crate) unsafe fn new(def: *const VMMemoryDefinition) -> MemoryView {
        // SAFETY: per the contract, `def` is readable.
        unsafe { MemoryView { base: (*def).base, len: (*def).current_length } }
    }

    /// The bytes.
    #[inline(always)]
    pub(crate) fn bytes(&mut self) -> &mut [u8] {
        // SAFETY: `base..base + len` is mapped read-write (or `len` is 0),
        // per the contract of `new`; `&mut self` keeps this slice unique
        // among slices of this view.
        unsafe { std::slice::from_raw_parts_mut(self.base, self.len) }
    }
}

/// Where a memory's current bounds are (its `VMMemoryDefinition`), kept by
/// a tier across calls so that taking a fresh `MemoryView` costs two loads.
/// Same rule as `MemoryView`: used only while the memory's store is
/// borrowed by the holder.
#[derive(Clone, Copy)]
pub(crate) struct MemoryRef(std::ptr::NonNull<VMMemoryDefinition>);

impl MemoryRef {
    /// # Safety
    /// `def` is the definition of a live memory of the store the holder
    /// uses it with.
    pub(crate) unsafe fn new(def: std::ptr::NonNull<VMMemoryDefinition>) -> MemoryRef {
        MemoryRef(def)
    }

    /// A view of the memory as it is now.
    #[inline(always)]
    pub(crate) fn view(self) -> MemoryView {
        // SAFETY: the definition is live (contract of `new`).
        unsafe { MemoryView::new(self.0.as_ptr()) }
    }
}

/// `memory.fill` on a memory's bytes.
#[inline]
pub(crate) fn fill(bytes: &mut [u8], dst: u32, val: u8, len: u32) -> Result<(), Trap> {
    let (dst, len) = (dst as usize, len as usize);
    match bytes.get_mut(dst..dst + len) {
        Some(range) => {
            range.fill(val);
            Ok(())
        }
        None => Err(Trap::MemoryOutOfBounds),
    }
}

/// `memory.copy` within one memory's bytes.
#[inline]
pub(crate) fn copy_within(bytes: &mut [u8], dst: u32, src: u32, len: u32) -> Result<(), Trap> {
    let (dst, src, len) = (dst as usize, src as usize, len as usize);
    if src + len > bytes.len() || dst + len > bytes.len() {
        return Err(Trap::MemoryOutOfBounds);
    }
    bytes.copy_within(src..src + len, dst);
    Ok(())
}

/// Reads `N` bytes at `addr + offset` of a memory's bytes, or traps when out
/// of bounds.
#[inline(always)]
pub(crate) fn load<const N: usize>(data: &[u8], addr: u64, offset: u32) -> Result<[u8; N], Trap> {
    let start = addr + offset as u64;
    match data.get(start as usize..start as usize + N) {
        Some(bytes) => Ok(bytes.try_into().expect("slice of length N")),
        None => Err(Trap::MemoryOutOfBounds),
    }
}

/// Reads `n` bytes (at most 16) at `addr + offset` of a memory's bytes,
/// little-endian and zero-extended, or traps when out of bounds.
pub(crate) fn load_le(data: &[u8], addr: u64, offset: u32, n: usize) -> Result<u128, Trap> {
    let start = addr + offset as u64;
    match data.get(start as usize..start as usize + n) {
        Some(bytes) => {
            let mut b = [0u8; 16];
            b[..n].copy_from_slice(bytes);
            Ok(u128::from_le_bytes(b))
        }
        None => Err(Trap::MemoryOutOfBounds),
    }
}

/// Writes the low `n` bytes (at most 16) of `v` at `addr + offset` of a
/// memory's bytes, little-endian, or traps when out of bounds.
pub(crate) fn store_le(data: &mut [u8], addr: u64, offset: u32, v: u128, n: usize) -> Result<(), Trap> {
    let start = addr + offset as u64;
    match data.get_mut(start as usize..start as usize + n) {
        Some(bytes) => {
            bytes.copy_from_slice(&v.to_le_bytes()[..n]);
            Ok(())
        }
        None => Err(Trap::MemoryOutOfBounds),
    }
}

/// Writes `N` bytes at `addr + offset` of a memory's bytes, or traps when out
/// of bounds.
#[inline(always)]
pub(crate) fn store<const N: usize>(data: &mut [u8], addr: u64, offset: u32, bytes: [u8; N]) -> Result<(), Trap> {
    let start = addr + offset as u64;
    match data.get_mut(start as usize..start as usize + N) {
        Some(dst) => {
            dst.copy_from_slice(&bytes);
            Ok(())
        }
        None => Err(Trap::MemoryOutOfBounds),
    }
}

impl Drop for LinearMemory {
    fn drop(&mut self) {
        if let Some(pool) = self.pool.take() {
            if self.mapped == pool.mapping_size() && self.zero() && pool.give(self.base, self.len) {
                return;
            }
        }
        // SAFETY: `base..base + mapped` is the mapping made by `reserve`,
        // unmapped once, here; no reference into it outlives `self`.
        unsafe {
            libc::munmap(self.base.cast(), self.mapped);
        }
    }
}

impl LinearMemory {
    /// Zeroes the accessible bytes: the first [`KEEP_RESIDENT`] by writing
    /// zeros (their pages stay mapped), the rest by giving their pages back
    /// to the kernel. Returns false if the kernel refused, in which case the
    /// mapping must be unmapped rather than reused.
    fn zero(&mut self) -> bool {
        let keep = self.len.min(KEEP_RESIDENT);
        // SAFETY: `base..base + keep` is accessible and owned by `self`; no
        // reference into the memory outlives `self`.
        unsafe { std::ptr::write_bytes(self.base, 0, keep) };
        if keep == self.len {
            return true;
        }
        // SAFETY: `base + keep..base + len` is inside our own mapping;
        // MADV_DONTNEED on a private anonymous mapping makes the next touch
        // read zeros, and no reference into the memory outlives `self`.
        unsafe { libc::madvise(self.base.add(keep).cast(), self.len - keep, libc::MADV_DONTNEED) == 0 }
    }

    /// Shrinks the accessible part to `new_len` bytes (a reused reservation
    /// that was bigger).
    fn make_inaccessible_from(&mut self, new_len: usize) -> Result<()> {
        // SAFETY: `base + new_len..base + len` is inside our own mapping and
        // holds no live data (the reservation was zeroed when pooled).
        let rc = unsafe { libc::mprotect(self.base.add(new_len).cast(), self.len - new_len, libc::PROT_NONE) };
        if rc != 0 {
            bail!("could not protect linear memory: {}", std::io::Error::last_os_error());
        }
        self.len = new_len;
        self.def.current_length = new_len;
        Ok(())
    }
}

/// Reserves `size` bytes of address space, inaccessible and not committed.
fn reserve(size: usize) -> Option<*mut u8> {
    // SAFETY: an anonymous private mapping at an address of the kernel's
    // choosing touches no existing memory.
    let ptr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            size,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if ptr == libc::MAP_FAILED {
        None
    } else {
        Some(ptr.cast())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_in_place_and_respects_the_maximum() {
        let config = MemoryConfig { reservation: 4 << 30, pool: Arc::default() };
        let mut m = LinearMemory::new(1, Some(3), &config).unwrap();
        let base = m.data().as_ptr();
        assert_eq!(m.pages(), 1);
        m.data_mut()[65535] = 7;
        assert_eq!(m.grow(2), Some(1));
        assert_eq!(m.data().as_ptr(), base);
        assert_eq!(m.data()[65535], 7);
        assert_eq!(m.data()[3 * 65536 - 1], 0);
        assert_eq!(m.grow(1), None);
        assert_eq!(load::<4>(m.data(), 3 * 65536 - 4, 0), Ok([0; 4]));
        assert_eq!(load::<4>(m.data(), 3 * 65536 - 3, 0), Err(Trap::MemoryOutOfBounds));
        m.data_mut()[100] = 1;
        drop(m);
        // A reused reservation starts zeroed and at its new size.
        let m = LinearMemory::new(2, None, &config).unwrap();
        assert_eq!(m.data().len(), 2 * 65536);
        assert!(m.data().iter().all(|b| *b == 0));
        assert_eq!(config.pool.free.lock().unwrap().len(), 0);
        drop(m);
        assert_eq!(config.pool.free.lock().unwrap().len(), 1);
    }

    #[test]
    fn a_pooled_reservation_is_zeroed_in_the_kept_part_and_beyond() {
        let config = MemoryConfig { reservation: 4 << 30, pool: Arc::default() };
        let pages = (2 * KEEP_RESIDENT / WASM_PAGE_SIZE).max(2) as u64;
        let mut m = LinearMemory::new(pages, None, &config).unwrap();
        let len = m.data().len();
        for at in [0, KEEP_RESIDENT - 1, KEEP_RESIDENT, len - 1] {
            m.data_mut()[at] = 0xff;
        }
        let base = m.data().as_ptr();
        drop(m);
        // The same reservation comes back, all zeros, kept part included.
        let m = LinearMemory::new(pages, None, &config).unwrap();
        assert_eq!(m.data().as_ptr(), base, "the pooled reservation is reused");
        assert!(m.data().iter().all(|b| *b == 0));
        drop(m);
        // And so for a memory smaller than the kept part.
        let mut small = LinearMemory::new(1, None, &config).unwrap();
        small.data_mut().fill(7);
        drop(small);
        let small = LinearMemory::new(1, None, &config).unwrap();
        assert!(small.data().iter().all(|b| *b == 0));
    }
}
