//! The byte encoding of precompiled modules: little-endian integers and
//! length-prefixed byte strings, written by `Writer` and read back by a
//! `Reader` that checks every length against what is left, so a truncated
//! or corrupt file is an error, never a panic or a huge allocation.

use anyhow::{bail, Result};

/// Appends encoded values to a buffer.
#[derive(Default)]
pub(crate) struct Writer {
    pub(crate) bytes: Vec<u8>,
}

impl Writer {
    pub(crate) fn u8(&mut self, v: u8) {
        self.bytes.push(v);
    }
    pub(crate) fn u32(&mut self, v: u32) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn u64(&mut self, v: u64) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn i64(&mut self, v: i64) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn bool(&mut self, v: bool) {
        self.u8(v as u8);
    }
    /// A length (as u64) and the bytes.
    pub(crate) fn bytes(&mut self, v: &[u8]) {
        self.u64(v.len() as u64);
        self.bytes.extend_from_slice(v);
    }
    pub(crate) fn str(&mut self, v: &str) {
        self.bytes(v.as_bytes());
    }
    /// A count of items, before writing them.
    pub(crate) fn len(&mut self, n: usize) {
        self.u64(n as u64);
    }
    /// Pads with zeros to a multiple of `align` bytes from the start.
    pub(crate) fn align(&mut self, align: usize) {
        let padded = self.bytes.len().next_multiple_of(align);
        self.bytes.resize(padded, 0);
    }
    /// Where the next byte goes.
    pub(crate) fn position(&self) -> usize {
        self.bytes.len()
    }
}

/// Reads encoded values from a byte slice, in order.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, pos: 0 }
    }

    /// The next `n` bytes.
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&end| end <= self.bytes.len());
        let Some(end) = end else { bail!("the precompiled module is truncated or corrupt") };
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        Ok(self.take(N)?.try_into().expect("N bytes"))
    }
    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    pub(crate) fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    pub(crate) fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    pub(crate) fn i64(&mut self) -> Result<i64> {
        Ok(i64::from_le_bytes(self.array()?))
    }
    pub(crate) fn bool(&mut self) -> Result<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => bail!("the precompiled module is corrupt (a flag that is neither 0 nor 1)"),
        }
    }
    /// A length-prefixed byte string.
    pub(crate) fn bytes(&mut self) -> Result<&'a [u8]> {
        let n = self.len(1)?;
        self.take(n)
    }
    pub(crate) fn str(&mut self) -> Result<&'a str> {
        match std::str::from_utf8(self.bytes()?) {
            Ok(s) => Ok(s),
            Err(_) => bail!("the precompiled module is corrupt (a string that is not UTF-8)"),
        }
    }
    /// A count of items each at least `item_size` bytes long: refused when
    /// the rest of the input cannot hold that many, so a corrupt count
    /// cannot make the reader allocate without bound.
    pub(crate) fn len(&mut self, item_size: usize) -> Result<usize> {
        let n = self.u64()?;
        let left = (self.bytes.len() - self.pos) as u64;
        if n.saturating_mul(item_size.max(1) as u64) > left {
            bail!("the precompiled module is truncated or corrupt");
        }
        Ok(n as usize)
    }
    /// Where the next byte is read from.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }
    /// Moves to `pos` (an offset written earlier), if it is in the input.
    pub(crate) fn seek(&mut self, pos: usize) -> Result<()> {
        if pos > self.bytes.len() {
            bail!("the precompiled module is truncated or corrupt");
        }
        self.pos = pos;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{Reader, Writer};

    #[test]
    fn values_read_back_and_truncation_is_an_error() {
        let mut w = Writer::default();
        w.u8(7);
        w.u32(0xdead_beef);
        w.i64(-5);
        w.str("kiln");
        w.bool(true);
        w.len(3);
        let bytes = w.bytes;
        let mut r = Reader::new(&bytes);
        assert_eq!(r.u8().unwrap(), 7);
        assert_eq!(r.u32().unwrap(), 0xdead_beef);
        assert_eq!(r.i64().unwrap(), -5);
        assert_eq!(r.str().unwrap(), "kiln");
        assert!(r.bool().unwrap());
        // Three items of 8 bytes cannot follow: nothing is left.
        assert!(r.len(8).is_err());
        for cut in 0..bytes.len() - 8 {
            let mut r = Reader::new(&bytes[..cut]);
            let all = (|| -> anyhow::Result<()> {
                r.u8()?;
                r.u32()?;
                r.i64()?;
                r.str()?;
                r.bool()?;
                Ok(())
            })();
            assert!(all.is_err(), "reading {cut} bytes succeeded");
        }
    }
}
