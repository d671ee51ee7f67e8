//! Clocks and `poll_oneoff`.

use super::error::Result;
use super::memory::GuestMemory;
use super::table::Descriptor;
use super::types::{clockid, eventrwflags, eventtype, layout, subclockflags, Errno};
use crate::ctx::WasiCtx;
use std::time::{Duration, Instant};

/// One subscription of `poll_oneoff`, decoded.
enum Subscription {
    /// Ready at this real-time instant.
    Clock(Instant),
    /// A descriptor to read (with the bytes left before its end, if known)
    /// or write.
    Fd { ty: u8, nbytes: u64 },
}
impl WasiCtx {
    pub(crate) fn clock_res_get(&mut self, id: u32) -> Result<u64> {
        match id {
            clockid::REALTIME => Ok(u64::try_from(self.wall_clock.resolution().as_nanos())?),
            clockid::MONOTONIC => Ok(self.monotonic_clock.resolution()),
            // CPU-time clocks are not offered (`EBADF`, as in Wasmtime).
            clockid::PROCESS_CPUTIME_ID | clockid::THREAD_CPUTIME_ID => Err(Errno::Badf.into()),
            _ => Err(Errno::Inval.into()),
        }
    }

    pub(crate) fn clock_time_get(&mut self, id: u32, _precision: u64) -> Result<u64> {
        match id {
            clockid::REALTIME => Ok(u64::try_from(self.wall_clock.now().as_nanos())?),
            clockid::MONOTONIC => Ok(self.monotonic_clock.now()),
            clockid::PROCESS_CPUTIME_ID | clockid::THREAD_CPUTIME_ID => Err(Errno::Badf.into()),
            _ => Err(Errno::Inval.into()),
        }
    }

    /// Decodes the subscription at `ptr`.
    fn subscription(&mut self, mem: &GuestMemory<'_>, ptr: u32, start: Instant) -> Result<Subscription> {
        let tag = mem.read_u8(ptr + layout::SUB_TAG)?;
        match tag {
            eventtype::CLOCK => {
                let id = mem.read_u32(ptr + layout::SUB_CLOCK_ID)?;
                let timeout = mem.read_u64(ptr + layout::SUB_CLOCK_TIMEOUT)?;
                let flags = mem.read_u16(ptr + layout::SUB_CLOCK_FLAGS)?;
                if flags & !subclockflags::ABSTIME != 0 || !matches!(id, clockid::MONOTONIC | clockid::REALTIME) {
                    return Err(Errno::Inval.into());
                }
                let wait = if flags & subclockflags::ABSTIME == 0 {
                    timeout
                } else {
                    match id {
                        clockid::MONOTONIC => timeout.saturating_sub(self.monotonic_clock.now()),
                        _ => {
                            timeout.saturating_sub(u64::try_from(self.wall_clock.now().as_nanos()).unwrap_or(u64::MAX))
                        }
                    }
                };
                // An instant too far away to represent is "never".
                let at = start.checked_add(Duration::from_nanos(wait));
                Ok(Subscription::Clock(at.unwrap_or(start + Duration::from_secs(u32::MAX as u64))))
            }
            eventtype::FD_READ | eventtype::FD_WRITE => {
                let fd = mem.read_u32(ptr + layout::SUB_FD)?;
                let entry = self.table.get(fd)?;
                // Files and stdio are always ready: a file for as many bytes
                // as are left before its end, stdio for at least one.
                let nbytes = match (&entry.desc, tag) {
                    (Descriptor::File(f), eventtype::FD_READ) => f.file.metadata()?.len().saturating_sub(f.position),
                    (Descriptor::File(_), _) | (Descriptor::Stdin(_), eventtype::FD_READ) => 1,
                    (Descriptor::Stdout(_), eventtype::FD_WRITE) => 1,
                    _ => return Err(Errno::Badf.into()),
                };
                Ok(Subscription::Fd { ty: tag, nbytes })
            }
            _ => Err(Errno::Inval.into()),
        }
    }

    pub(crate) fn poll_oneoff(
        &mut self,
        mem: &mut GuestMemory<'_>,
        subs: u32,
        events: u32,
        nsubscriptions: u32,
    ) -> Result<u32> {
        // Waiting for nothing would wait forever.
        if nsubscriptions == 0 {
            return Err(Errno::Inval.into());
        }
        mem.check_array(subs, nsubscriptions, layout::SUBSCRIPTION_SIZE)?;
        mem.check_array(events, nsubscriptions, layout::EVENT_SIZE)?;
        let start = Instant::now();
        let mut decoded = Vec::new();
        for i in 0..nsubscriptions {
            let ptr = subs + i * layout::SUBSCRIPTION_SIZE;
            let userdata = mem.read_u64(ptr + layout::SUB_USERDATA)?;
            decoded.push((userdata, self.subscription(mem, ptr, start)?));
        }

        // Descriptors are ready at once; otherwise sleep until the first
        // clock is due.
        let any_fd = decoded.iter().any(|(_, s)| matches!(s, Subscription::Fd { .. }));
        if !any_fd {
            let first = decoded
                .iter()
                .filter_map(|(_, s)| match s {
                    Subscription::Clock(at) => Some(*at),
                    Subscription::Fd { .. } => None,
                })
                .min()
                .expect("at least one subscription");
            let now = Instant::now();
            if first > now {
                std::thread::sleep(first - now);
            }
        }

        let now = Instant::now();
        let mut count = 0u32;
        for (userdata, sub) in decoded {
            let (ty, nbytes, flags) = match sub {
                Subscription::Clock(at) if at <= now => (eventtype::CLOCK, 0, 0),
                Subscription::Clock(_) => continue,
                Subscription::Fd { ty, nbytes } => {
                    let hangup = ty == eventtype::FD_READ && nbytes == 0;
                    (ty, nbytes, if hangup { eventrwflags::FD_READWRITE_HANGUP } else { 0 })
                }
            };
            let mut event = [0u8; layout::EVENT_SIZE as usize];
            event[layout::EVENT_USERDATA as usize..][..8].copy_from_slice(&userdata.to_le_bytes());
            event[layout::EVENT_ERROR as usize..][..2].copy_from_slice(&(Errno::Success as u16).to_le_bytes());
            event[layout::EVENT_TYPE as usize] = ty;
            event[layout::EVENT_NBYTES as usize..][..8].copy_from_slice(&nbytes.to_le_bytes());
            event[layout::EVENT_FLAGS as usize..][..2].copy_from_slice(&flags.to_le_bytes());
            mem.write_bytes(events + count * layout::EVENT_SIZE, &event)?;
            count += 1;
        }
        Ok(count)
    }
}
