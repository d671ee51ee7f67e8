//! Arguments, environment, clocks, randomness, `poll_oneoff`, process exit
//! and signals, `sched_yield`.

use super::error::{Error, Result};
use super::memory::GuestMemory;
use super::table::Descriptor;
use super::types::{clockid, eventrwflags, eventtype, layout, subclockflags, Errno, SIGNAL_MAX};
use crate::ctx::WasiCtx;
use crate::I32Exit;
use std::time::{Duration, Instant};

/// Writes strings as a C `argv`: `count` pointers at `ptrs`, and the
/// NUL-terminated strings one after another at `buf`.
fn write_string_list<'s>(
    mem: &mut GuestMemory<'_>,
    items: impl ExactSizeIterator<Item = Vec<u8>> + 's,
    ptrs: u32,
    buf: u32,
) -> Result<()> {
    mem.check_array(ptrs, u32::try_from(items.len())?, 4)?;
    let mut at = buf;
    for (i, mut item) in items.enumerate() {
        item.push(0);
        mem.write_u32(ptrs + 4 * i as u32, at)?;
        mem.write_bytes(at, &item)?;
        at = at.checked_add(u32::try_from(item.len())?).ok_or(Errno::Fault)?;
    }
    Ok(())
}

/// The count and total NUL-terminated size of a list of strings.
fn list_sizes(mem: &mut GuestMemory<'_>, lens: &[usize], count_ptr: u32, size_ptr: u32) -> Result<()> {
    let count = u32::try_from(lens.len())?;
    let size = u32::try_from(lens.iter().map(|l| l + 1).sum::<usize>())?;
    mem.write_u32(count_ptr, count)?;
    mem.write_u32(size_ptr, size)
}

/// One subscription of `poll_oneoff`, decoded.
enum Subscription {
    /// Ready at this real-time instant.
    Clock(Instant),
    /// A descriptor to read (with the bytes left before its end, if known)
    /// or write.
    Fd { ty: u8, nbytes: u64 },
}

impl WasiCtx {
    pub(crate) fn args_get(&mut self, mem: &mut GuestMemory<'_>, argv: u32, argv_buf: u32) -> Result<()> {
        write_string_list(mem, self.args.iter().map(|a| a.clone().into_bytes()), argv, argv_buf)
    }

    pub(crate) fn args_sizes_get(&mut self, mem: &mut GuestMemory<'_>, count: u32, size: u32) -> Result<()> {
        let lens: Vec<usize> = self.args.iter().map(String::len).collect();
        list_sizes(mem, &lens, count, size)
    }

    pub(crate) fn environ_get(&mut self, mem: &mut GuestMemory<'_>, environ: u32, buf: u32) -> Result<()> {
        let items = self.env.iter().map(|(k, v)| format!("{k}={v}").into_bytes());
        write_string_list(mem, items, environ, buf)
    }

    pub(crate) fn environ_sizes_get(&mut self, mem: &mut GuestMemory<'_>, count: u32, size: u32) -> Result<()> {
        let lens: Vec<usize> = self.env.iter().map(|(k, v)| k.len() + 1 + v.len()).collect();
        list_sizes(mem, &lens, count, size)
    }

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

    pub(crate) fn random_get(&mut self, mem: &mut GuestMemory<'_>, buf: u32, len: u32) -> Result<()> {
        let buf = mem.slice_mut(buf, len)?;
        self.random.fill(buf).map_err(|_| Errno::Io)?;
        Ok(())
    }

    pub(crate) fn proc_exit(&mut self, code: u32) -> Error {
        for fd in [1, 2] {
            if let Ok(entry) = self.table.get_mut(fd) {
                if let Descriptor::Stdout(out) = &mut entry.desc {
                    let _ = out.flush();
                }
            }
        }
        Error::Trap(I32Exit(code as i32).into())
    }

    pub(crate) fn proc_raise(&mut self, signal: u32) -> Result<()> {
        if signal > u32::from(SIGNAL_MAX) {
            return Err(Errno::Inval.into());
        }
        // Signals are not supported (as in Wasmtime).
        Err(Errno::Notsup.into())
    }

    pub(crate) fn sched_yield(&mut self) -> Result<()> {
        std::thread::yield_now();
        Ok(())
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
        let mut decoded = Vec::with_capacity(nsubscriptions as usize);
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
