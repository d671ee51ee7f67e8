//! Strict decoding of 32-bit limits.
//!
//! wasmparser reads every memory and table limit as a 64-bit LEB128 (it
//! serves memory64 too), so a 32-bit limit encoded with too many bytes, or
//! one that does not fit in 32 bits, reaches validation instead of being a
//! decoding error as the spec requires. This re-reads those limits strictly.

use super::{CompileError, CompileErrorKind};

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    base: usize,
}

/// Stops the check without an error: the bytes are something this checker
/// does not know (a later proposal's encoding), left to wasmparser.
struct Unknown;

enum Problem {
    Unknown,
    Malformed(&'static str, usize),
}

impl From<Unknown> for Problem {
    fn from(_: Unknown) -> Problem {
        Problem::Unknown
    }
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, Unknown> {
        let b = *self.bytes.get(self.pos).ok_or(Unknown)?;
        self.pos += 1;
        Ok(b)
    }

    fn u32(&mut self) -> Result<u32, Problem> {
        let start = self.base + self.pos;
        let mut result: u64 = 0;
        for i in 0..5 {
            let b = self.byte()?;
            result |= ((b & 0x7f) as u64) << (7 * i);
            if b & 0x80 == 0 {
                if i == 4 && b & 0x70 != 0 {
                    return Err(Problem::Malformed("integer too large", start));
                }
                return Ok(result as u32);
            }
        }
        Err(Problem::Malformed("integer representation too long", start))
    }

    fn skip_name(&mut self) -> Result<(), Problem> {
        let len = self.u32()? as usize;
        self.pos = self.pos.checked_add(len).ok_or(Unknown)?;
        Ok(())
    }

    fn limits(&mut self) -> Result<(), Problem> {
        let flags = self.byte()?;
        match flags {
            0x00 => {
                self.u32()?;
            }
            0x01 => {
                self.u32()?;
                self.u32()?;
            }
            _ => return Err(Problem::Unknown),
        }
        Ok(())
    }

    fn ref_type(&mut self) -> Result<(), Unknown> {
        match self.byte()? {
            0x70 | 0x6f => Ok(()),
            _ => Err(Unknown),
        }
    }
}

/// Which section the bytes are.
pub(crate) enum Section {
    Import,
    Table,
    Memory,
}

/// Checks the 32-bit limits in a section's contents.
pub(crate) fn check(section: Section, bytes: &[u8], offset: usize) -> Result<(), CompileError> {
    let mut r = Reader { bytes, pos: 0, base: offset };
    let outcome = (|| -> Result<(), Problem> {
        let count = r.u32()?;
        for _ in 0..count {
            match section {
                Section::Memory => r.limits()?,
                Section::Table => {
                    r.ref_type()?;
                    r.limits()?;
                }
                Section::Import => {
                    r.skip_name()?;
                    r.skip_name()?;
                    match r.byte()? {
                        0x00 => {
                            r.u32()?;
                        }
                        0x01 => {
                            r.ref_type()?;
                            r.limits()?;
                        }
                        0x02 => r.limits()?,
                        0x03 => {
                            r.byte()?;
                            r.byte()?;
                        }
                        _ => return Err(Problem::Unknown),
                    }
                }
            }
        }
        Ok(())
    })();
    match outcome {
        Err(Problem::Malformed(msg, at)) => Err(CompileError::new(CompileErrorKind::Malformed, msg, Some(at))),
        _ => Ok(()),
    }
}
