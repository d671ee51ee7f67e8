//! Strings across the boundary in the three `string-encoding`s: UTF-8,
//! UTF-16 and `latin1+utf16` (Latin-1 where every character fits, else
//! UTF-16, told apart by the top bit of the length).
//!
//! These follow `load_string_from_range` and `store_string_into_range` of
//! `design/mvp/CanonicalABI.md`. The host's strings are Rust strings, so
//! lowering is always from UTF-8: `store_string_copy` (to UTF-8),
//! `store_utf8_to_utf16` and `store_string_to_latin1_or_utf16`, with the
//! same `realloc` calls as the spec, shrinking calls included, since a
//! guest's allocator may count on them.

use super::{check_range, check_realloc, slice_mut, LiftError};
use crate::component::cx::{LiftCx, LowerCx, StringEncoding};

/// The bit of a `latin1+utf16` string's length that says its code units
/// are UTF-16 (`UTF16_TAG`).
pub(crate) const UTF16_TAG: u32 = 1 << 31;

/// The largest string, in bytes, lowering allocates
/// (`MAX_STRING_BYTE_LENGTH`): its length must leave the tag bit free.
pub(crate) const MAX_STRING_BYTE_LENGTH: u32 = (1 << 31) - 1;

/// The string of `tagged_code_units` code units at guest pointer `ptr`,
/// in the guest's encoding (`load_string_from_range`).
///
/// The pointer is checked for its alignment first (1 for UTF-8, 2 for the
/// others, even for an empty string), then the bytes for bounds, then for
/// valid text, as the spec traps.
pub(crate) fn load_string_from_range(cx: &dyn LiftCx, ptr: u32, tagged_code_units: u32) -> Result<String, LiftError> {
    let mem = cx.memory();
    let (align, byte_length, encoding) = match cx.string_encoding() {
        StringEncoding::Utf8 => (1, u64::from(tagged_code_units), Encoding::Utf8),
        StringEncoding::Utf16 => (2, 2 * u64::from(tagged_code_units), Encoding::Utf16),
        StringEncoding::CompactUtf16 if tagged_code_units & UTF16_TAG != 0 => {
            (2, 2 * u64::from(tagged_code_units ^ UTF16_TAG), Encoding::Utf16)
        }
        StringEncoding::CompactUtf16 => (2, u64::from(tagged_code_units), Encoding::Latin1),
    };
    check_range("string", ptr, byte_length, align, mem.len())?;
    // In bounds, so it fits a `usize` (a whole 4 GiB memory may hold a
    // string of 2^32 bytes, one more than a `u32` counts).
    let start = ptr as usize;
    let bytes = mem
        .get(start..start + byte_length as usize)
        .ok_or_else(|| LiftError(format!("string at {ptr:#x} is out of bounds of memory")))?;
    match encoding {
        // Validated in place: only valid text gets copied.
        Encoding::Utf8 => std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|e| LiftError(format!("string at {ptr:#x} is not valid UTF-8: {e}"))),
        Encoding::Utf16 => {
            let units = bytes.chunks_exact(2).map(|u| u16::from_le_bytes([u[0], u[1]]));
            let mut s = String::with_capacity(bytes.len());
            for (i, c) in char::decode_utf16(units).enumerate() {
                match c {
                    Ok(c) => s.push(c),
                    Err(e) => {
                        return Err(LiftError(format!(
                            "string at {ptr:#x} is not valid UTF-16: unpaired surrogate {:#06x} at code unit {i}",
                            e.unpaired_surrogate()
                        )))
                    }
                }
            }
            Ok(s)
        }
        // Every byte is a character: U+0000 to U+00FF.
        Encoding::Latin1 => Ok(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

/// How a guest string's bytes are to be read.
enum Encoding {
    Utf8,
    Utf16,
    Latin1,
}

/// Stores `s` in fresh guest memory in the guest's encoding
/// (`store_string_into_range` from a UTF-8 source) and returns the pointer
/// and (tagged) length the guest receives.
pub(crate) fn store_string(cx: &mut dyn LowerCx, s: &str) -> Result<(u32, u32), LiftError> {
    // The spec's bound on the source's code units, which for every
    // encoding here is the UTF-8 length; the worst cases below double it
    // and check again.
    let len = match u32::try_from(s.len()) {
        Ok(len) if len <= MAX_STRING_BYTE_LENGTH => len,
        _ => return Err(LiftError(format!("string of {} bytes is too long to lower", s.len()))),
    };
    match cx.string_encoding() {
        StringEncoding::Utf8 => store_string_copy(cx, s, len),
        StringEncoding::Utf16 => store_utf8_to_utf16(cx, s, len),
        StringEncoding::CompactUtf16 => store_string_to_latin1_or_utf16(cx, s, len),
    }
}

/// Calls `realloc` and checks the block it returns for `size` bytes at
/// alignment `align`.
fn realloc(cx: &mut dyn LowerCx, old_ptr: u32, old_size: u32, align: u32, size: u32) -> Result<u32, LiftError> {
    let ptr = cx.realloc(old_ptr, old_size, align, size)?;
    check_realloc("string", ptr, u64::from(size), align, cx.memory_mut().len())?;
    Ok(ptr)
}

/// `worst_case_size = 2 * src_code_units`, checked against the limit.
fn double(len: u32) -> Result<u32, LiftError> {
    len.checked_mul(2)
        .filter(|w| *w <= MAX_STRING_BYTE_LENGTH)
        .ok_or_else(|| LiftError(format!("string of {len} bytes is too long to lower as UTF-16")))
}

/// `store_string_copy` for UTF-8 to UTF-8: a block of exactly the string's
/// bytes, copied in.
fn store_string_copy(cx: &mut dyn LowerCx, s: &str, len: u32) -> Result<(u32, u32), LiftError> {
    let ptr = realloc(cx, 0, 0, 1, len)?;
    slice_mut(cx.memory_mut(), ptr, len)?.copy_from_slice(s.as_bytes());
    Ok((ptr, len))
}

/// `store_utf8_to_utf16`: room for the worst case (two bytes per UTF-8
/// byte), encoded, then shrunk to the code units written.
fn store_utf8_to_utf16(cx: &mut dyn LowerCx, s: &str, len: u32) -> Result<(u32, u32), LiftError> {
    let worst = double(len)?;
    let mut ptr = realloc(cx, 0, 0, 2, worst)?;
    let units = encode_utf16(slice_mut(cx.memory_mut(), ptr, worst)?, s, 0);
    let bytes = 2 * units;
    if bytes < worst {
        ptr = realloc(cx, ptr, worst, 2, bytes)?;
    }
    Ok((ptr, units))
}

/// Writes `s` as UTF-16LE code units into `dst`, skipping the first `skip`
/// units (already there), and returns how many units `s` takes.
///
/// `dst` has room for them: a string has at most as many UTF-16 code units
/// as UTF-8 bytes.
fn encode_utf16(dst: &mut [u8], s: &str, skip: usize) -> u32 {
    let mut units = 0u32;
    for (i, (u, d)) in s.encode_utf16().zip(dst.chunks_exact_mut(2)).enumerate() {
        if i >= skip {
            d.copy_from_slice(&u.to_le_bytes());
        }
        units += 1;
    }
    units
}

/// `store_string_to_latin1_or_utf16`: Latin-1 in a block of the UTF-8
/// length as long as every character fits; at the first that does not, the
/// block grows to the UTF-16 worst case, the Latin-1 bytes so far are
/// inflated in place to UTF-16, and the rest is encoded after them. The
/// block is then shrunk to what was written.
fn store_string_to_latin1_or_utf16(cx: &mut dyn LowerCx, s: &str, len: u32) -> Result<(u32, u32), LiftError> {
    let mut ptr = realloc(cx, 0, 0, 2, len)?;
    let mut latin1 = 0u32;
    let mut wide = false;
    {
        let dst = slice_mut(cx.memory_mut(), ptr, len)?;
        for c in s.chars() {
            let Ok(b) = u8::try_from(c) else {
                wide = true;
                break;
            };
            // A Latin-1 character takes at least one UTF-8 byte, so there
            // is room; `get_mut` only keeps that reasoning from a panic.
            let Some(d) = dst.get_mut(latin1 as usize) else { break };
            *d = b;
            latin1 += 1;
        }
    }
    if wide {
        let worst = double(len)?;
        ptr = realloc(cx, ptr, len, 2, worst)?;
        let dst = slice_mut(cx.memory_mut(), ptr, worst)?;
        // Backwards, so no byte is overwritten before it has moved.
        for j in (0..latin1 as usize).rev() {
            dst[2 * j] = dst[j];
            dst[2 * j + 1] = 0;
        }
        let units = encode_utf16(dst, s, latin1 as usize);
        let bytes = 2 * units;
        if worst > bytes {
            ptr = realloc(cx, ptr, worst, 2, bytes)?;
        }
        return Ok((ptr, units | UTF16_TAG));
    }
    if latin1 < len {
        ptr = realloc(cx, ptr, len, 2, latin1)?;
    }
    Ok((ptr, latin1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_worst_case_fits() {
        // Supplementary characters: 4 UTF-8 bytes, 2 UTF-16 units.
        let s = "a🦀é";
        let mut dst = vec![0u8; 2 * s.len()];
        let units = encode_utf16(&mut dst, s, 0);
        assert_eq!(units as usize, s.encode_utf16().count());
    }
}
