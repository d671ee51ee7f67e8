//! The process: arguments, environment, randomness, exit, signals and
//! `sched_yield`.

use super::error::{Error, Result};
use super::memory::GuestMemory;
use super::table::Descriptor;
use super::types::{Errno, SIGNAL_MAX};
use crate::ctx::WasiCtx;
use crate::I32Exit;

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
}
