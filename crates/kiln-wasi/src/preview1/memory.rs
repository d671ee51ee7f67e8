//! Guest memory as WASI functions see it: every pointer and length the
//! guest passes is checked against the memory's size, and a bad one is
//! `EFAULT`, never a panic. Values are little-endian; pointers need not be
//! aligned.

use super::error::Result;
use super::types::{layout, Errno};

/// A guest's linear memory, borrowed for the duration of one WASI call.
pub(crate) struct GuestMemory<'a> {
    bytes: &'a mut [u8],
}

/// One `iovec` or `ciovec`: a guest buffer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct IoVec {
    pub ptr: u32,
    pub len: u32,
}

impl<'a> GuestMemory<'a> {
    pub fn new(bytes: &'a mut [u8]) -> GuestMemory<'a> {
        GuestMemory { bytes }
    }

    fn range(&self, ptr: u32, len: u32) -> Result<std::ops::Range<usize>> {
        let start = ptr as usize;
        let end = start.checked_add(len as usize).ok_or(Errno::Fault)?;
        if end > self.bytes.len() {
            return Err(Errno::Fault.into());
        }
        Ok(start..end)
    }

    /// `len` bytes at `ptr`.
    pub fn slice(&self, ptr: u32, len: u32) -> Result<&[u8]> {
        let range = self.range(ptr, len)?;
        Ok(&self.bytes[range])
    }

    /// `len` writable bytes at `ptr`.
    pub fn slice_mut(&mut self, ptr: u32, len: u32) -> Result<&mut [u8]> {
        let range = self.range(ptr, len)?;
        Ok(&mut self.bytes[range])
    }

    /// Checks that `count` elements of `size` bytes fit at `ptr`.
    pub fn check_array(&self, ptr: u32, count: u32, size: u32) -> Result<()> {
        let len = count.checked_mul(size).ok_or(Errno::Fault)?;
        self.range(ptr, len).map(|_| ())
    }

    fn array<const N: usize>(&self, ptr: u32) -> Result<[u8; N]> {
        let bytes = self.slice(ptr, N as u32)?;
        Ok(bytes.try_into().expect("slice of N bytes"))
    }

    pub fn read_u8(&self, ptr: u32) -> Result<u8> {
        Ok(self.array::<1>(ptr)?[0])
    }

    pub fn read_u16(&self, ptr: u32) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array(ptr)?))
    }

    pub fn read_u32(&self, ptr: u32) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array(ptr)?))
    }

    pub fn read_u64(&self, ptr: u32) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array(ptr)?))
    }

    pub fn write_bytes(&mut self, ptr: u32, bytes: &[u8]) -> Result<()> {
        let len = u32::try_from(bytes.len()).map_err(|_| Errno::Fault)?;
        self.slice_mut(ptr, len)?.copy_from_slice(bytes);
        Ok(())
    }

    pub fn write_u32(&mut self, ptr: u32, value: u32) -> Result<()> {
        self.write_bytes(ptr, &value.to_le_bytes())
    }

    pub fn write_u64(&mut self, ptr: u32, value: u64) -> Result<()> {
        self.write_bytes(ptr, &value.to_le_bytes())
    }

    /// A guest string (a path): `len` bytes at `ptr`, which must be UTF-8
    /// (`EILSEQ` otherwise) and contain no NUL byte (`EINVAL`).
    pub fn read_str(&self, ptr: u32, len: u32) -> Result<String> {
        let bytes = self.slice(ptr, len)?;
        let s = std::str::from_utf8(bytes).map_err(|_| Errno::Ilseq)?;
        if s.contains('\0') {
            return Err(Errno::Inval.into());
        }
        Ok(s.to_owned())
    }

    /// The array of `count` iovecs at `ptr`. Only the array is checked
    /// here; each buffer is checked when it is used.
    pub fn read_iovecs(&self, ptr: u32, count: u32) -> Result<Vec<IoVec>> {
        self.check_array(ptr, count, layout::IOVEC_SIZE)?;
        (0..count)
            .map(|i| {
                let at = ptr + i * layout::IOVEC_SIZE;
                Ok(IoVec { ptr: self.read_u32(at)?, len: self.read_u32(at + 4)? })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preview1::error::Error;

    fn errno<T: std::fmt::Debug>(r: Result<T>) -> Errno {
        match r {
            Err(Error::Errno(e)) => e,
            other => panic!("expected an errno, got {other:?}"),
        }
    }

    #[test]
    fn out_of_bounds_is_efault() {
        let mut bytes = vec![0u8; 16];
        let mut mem = GuestMemory::new(&mut bytes);
        assert_eq!(errno(mem.read_u32(13)), Errno::Fault);
        assert_eq!(errno(mem.read_u64(u32::MAX)), Errno::Fault);
        assert_eq!(errno(mem.slice(8, u32::MAX)), Errno::Fault);
        assert_eq!(errno(mem.write_u32(14, 1)), Errno::Fault);
        assert_eq!(errno(mem.read_iovecs(8, 2)), Errno::Fault);
        assert_eq!(errno(mem.check_array(0, u32::MAX, 8)), Errno::Fault);
        mem.write_u32(12, 0xdead_beef).unwrap();
        assert_eq!(mem.read_u32(12).unwrap(), 0xdead_beef);
        assert_eq!(mem.slice(16, 0).unwrap(), &[] as &[u8]);
    }

    #[test]
    fn strings_must_be_utf8_without_nul() {
        let mut bytes = b"ok\xffa\0b".to_vec();
        let mem = GuestMemory::new(&mut bytes);
        assert_eq!(mem.read_str(0, 2).unwrap(), "ok");
        assert_eq!(errno(mem.read_str(0, 3)), Errno::Ilseq);
        assert_eq!(errno(mem.read_str(3, 3)), Errno::Inval);
    }
}
