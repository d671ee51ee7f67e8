//! A v128 as an array of lanes and back, and the instructions that move
//! lanes or bits without computing on them: bitwise operations, splat,
//! extract and replace, swizzle, the lane tests, and what the
//! SIMD loads do to the bytes they read.
//!
//! Lanes go through `to_le_bytes`/`from_le_bytes` on fixed-size arrays so
//! that LLVM sees plain vector loads and stores (on a little-endian host the
//! conversions are no-ops).

/// Defines, per lane type, the split of a v128 into its lanes (lane 0
/// first) and the join of lanes back into a v128.
macro_rules! lane_arrays {
    ($( $t:ty, $n:literal, $split:ident, $join:ident; )*) => {$(
        #[doc = concat!("`v`'s lanes as `", stringify!($t), "`, lane 0 first.")]
        #[inline(always)]
        pub(crate) fn $split(v: u128) -> [$t; $n] {
            const W: usize = 16 / $n;
            let b = v.to_le_bytes();
            std::array::from_fn(|i| <$t>::from_le_bytes(std::array::from_fn(|j| b[i * W + j])))
        }
        #[doc = concat!("The v128 whose lanes are `l`, `", stringify!($t), "` lane 0 first.")]
        #[inline(always)]
        pub(crate) fn $join(l: [$t; $n]) -> u128 {
            const W: usize = 16 / $n;
            let mut b = [0u8; 16];
            for (chunk, x) in b.chunks_exact_mut(W).zip(l) {
                chunk.copy_from_slice(&x.to_le_bytes());
            }
            u128::from_le_bytes(b)
        }
    )*};
}

lane_arrays! {
    i8, 16, i8x16, from_i8x16;
    u8, 16, u8x16, from_u8x16;
    i16, 8, i16x8, from_i16x8;
    u16, 8, u16x8, from_u16x8;
    i32, 4, i32x4, from_i32x4;
    u32, 4, u32x4, from_u32x4;
    i64, 2, i64x2, from_i64x2;
    u64, 2, u64x2, from_u64x2;
    f32, 4, f32x4, from_f32x4;
    f64, 2, f64x2, from_f64x2;
}

/// `f` applied to each lane.
#[inline(always)]
pub(crate) fn map<T: Copy, R, const N: usize>(a: [T; N], f: impl Fn(T) -> R) -> [R; N] {
    std::array::from_fn(|i| f(a[i]))
}

/// `f` applied to each pair of lanes at the same index.
#[inline(always)]
pub(crate) fn zip<T: Copy, R, const N: usize>(a: [T; N], b: [T; N], f: impl Fn(T, T) -> R) -> [R; N] {
    std::array::from_fn(|i| f(a[i], b[i]))
}

/// The first `N` lanes of `a`.
#[inline(always)]
pub(crate) fn low<T: Copy, const M: usize, const N: usize>(a: [T; M]) -> [T; N] {
    std::array::from_fn(|i| a[i])
}

/// The last `N` lanes of `a`.
#[inline(always)]
pub(crate) fn high<T: Copy, const M: usize, const N: usize>(a: [T; M]) -> [T; N] {
    std::array::from_fn(|i| a[M - N + i])
}

/// The comparison lane for `c` in an 8-bit shape: all ones or zero.
#[inline(always)]
pub(crate) fn mask8(c: bool) -> u8 {
    0u8.wrapping_sub(c as u8)
}

/// The comparison lane for `c` in a 16-bit shape: all ones or zero.
#[inline(always)]
pub(crate) fn mask16(c: bool) -> u16 {
    0u16.wrapping_sub(c as u16)
}

/// The comparison lane for `c` in a 32-bit shape: all ones or zero.
#[inline(always)]
pub(crate) fn mask32(c: bool) -> u32 {
    0u32.wrapping_sub(c as u32)
}

/// The comparison lane for `c` in a 64-bit shape: all ones or zero.
#[inline(always)]
pub(crate) fn mask64(c: bool) -> u64 {
    0u64.wrapping_sub(c as u64)
}

// Bitwise operations.

/// `v128.not`.
#[inline(always)]
pub(crate) fn v128_not(a: u128) -> u128 {
    !a
}

/// `v128.and`.
#[inline(always)]
pub(crate) fn v128_and(a: u128, b: u128) -> u128 {
    a & b
}

/// `v128.andnot`: `a & !b`.
#[inline(always)]
pub(crate) fn v128_andnot(a: u128, b: u128) -> u128 {
    a & !b
}

/// `v128.or`.
#[inline(always)]
pub(crate) fn v128_or(a: u128, b: u128) -> u128 {
    a | b
}

/// `v128.xor`.
#[inline(always)]
pub(crate) fn v128_xor(a: u128, b: u128) -> u128 {
    a ^ b
}

/// `v128.bitselect`: `a`'s bits where `mask` is set, `b`'s elsewhere; also
/// every `relaxed_laneselect`, which may choose per bit.
#[inline(always)]
pub(crate) fn v128_bitselect(a: u128, b: u128, mask: u128) -> u128 {
    (a & mask) | (b & !mask)
}

// Splat. The scalar arrives in slot encoding; only its low bits count.
// `u128::MAX / (2^w - 1)` has a 1 in the lowest bit of every `w`-bit lane.

/// `i8x16.splat`.
#[inline(always)]
pub(crate) fn i8x16_splat(x: u64) -> u128 {
    (x as u8 as u128) * (u128::MAX / 0xff)
}

/// `i16x8.splat`.
#[inline(always)]
pub(crate) fn i16x8_splat(x: u64) -> u128 {
    (x as u16 as u128) * (u128::MAX / 0xffff)
}

/// `i32x4.splat` and `f32x4.splat` (an f32 slot holds its bits).
#[inline(always)]
pub(crate) fn i32x4_splat(x: u64) -> u128 {
    (x as u32 as u128) * (u128::MAX / 0xffff_ffff)
}

/// `i64x2.splat` and `f64x2.splat`.
#[inline(always)]
pub(crate) fn i64x2_splat(x: u64) -> u128 {
    (x as u128) | ((x as u128) << 64)
}

// Extract and replace. Lane indices are validated; masking them keeps the
// shifts in range whatever they are, at no cost.

/// `i8x16.extract_lane_s`: the lane sign-extended to an i32.
#[inline(always)]
pub(crate) fn i8x16_extract_lane_s(v: u128, lane: u8) -> u64 {
    (v >> ((lane & 15) * 8)) as i8 as i32 as u32 as u64
}

/// `i8x16.extract_lane_u`.
#[inline(always)]
pub(crate) fn i8x16_extract_lane_u(v: u128, lane: u8) -> u64 {
    (v >> ((lane & 15) * 8)) as u8 as u64
}

/// `i16x8.extract_lane_s`: the lane sign-extended to an i32.
#[inline(always)]
pub(crate) fn i16x8_extract_lane_s(v: u128, lane: u8) -> u64 {
    (v >> ((lane & 7) * 16)) as i16 as i32 as u32 as u64
}

/// `i16x8.extract_lane_u`.
#[inline(always)]
pub(crate) fn i16x8_extract_lane_u(v: u128, lane: u8) -> u64 {
    (v >> ((lane & 7) * 16)) as u16 as u64
}

/// `i32x4.extract_lane` and `f32x4.extract_lane`.
#[inline(always)]
pub(crate) fn i32x4_extract_lane(v: u128, lane: u8) -> u64 {
    (v >> ((lane & 3) * 32)) as u32 as u64
}

/// `i64x2.extract_lane` and `f64x2.extract_lane`.
#[inline(always)]
pub(crate) fn i64x2_extract_lane(v: u128, lane: u8) -> u64 {
    (v >> ((lane & 1) * 64)) as u64
}

/// `v` with its `bits`-wide lane at bit `shift` replaced by `x`'s low bits.
#[inline(always)]
fn replace_bits(v: u128, x: u64, bits: u32, shift: u32) -> u128 {
    let mask = (u128::MAX >> (128 - bits)) << shift;
    (v & !mask) | (((x as u128) << shift) & mask)
}

/// `i8x16.replace_lane`.
#[inline(always)]
pub(crate) fn i8x16_replace_lane(v: u128, x: u64, lane: u8) -> u128 {
    replace_bits(v, x, 8, (lane as u32 & 15) * 8)
}

/// `i16x8.replace_lane`.
#[inline(always)]
pub(crate) fn i16x8_replace_lane(v: u128, x: u64, lane: u8) -> u128 {
    replace_bits(v, x, 16, (lane as u32 & 7) * 16)
}

/// `i32x4.replace_lane` and `f32x4.replace_lane`.
#[inline(always)]
pub(crate) fn i32x4_replace_lane(v: u128, x: u64, lane: u8) -> u128 {
    replace_bits(v, x, 32, (lane as u32 & 3) * 32)
}

/// `i64x2.replace_lane` and `f64x2.replace_lane`.
#[inline(always)]
pub(crate) fn i64x2_replace_lane(v: u128, x: u64, lane: u8) -> u128 {
    replace_bits(v, x, 64, (lane as u32 & 1) * 64)
}

// Swizzle (shuffle, with its immediate, is `super::shuffle`).

/// `i8x16.swizzle` and `i8x16.relaxed_swizzle`: byte `i` of the result is
/// byte `s[i]` of `a`, or 0 where that index is 16 or more.
#[inline(always)]
pub(crate) fn i8x16_swizzle(a: u128, s: u128) -> u128 {
    let a = u8x16(a);
    from_u8x16(map(u8x16(s), |i| a.get(i as usize).copied().unwrap_or(0)))
}

// Tests: an i32 in slot encoding.

/// `v128.any_true`.
#[inline(always)]
pub(crate) fn v128_any_true(v: u128) -> u64 {
    (v != 0) as u64
}

/// `i8x16.all_true`.
#[inline(always)]
pub(crate) fn i8x16_all_true(v: u128) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if super::x86::fast() {
        return super::x86::all_true8(v);
    }
    u8x16(v).iter().all(|&x| x != 0) as u64
}

/// `i16x8.all_true`.
#[inline(always)]
pub(crate) fn i16x8_all_true(v: u128) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if super::x86::fast() {
        return super::x86::all_true16(v);
    }
    u16x8(v).iter().all(|&x| x != 0) as u64
}

/// `i32x4.all_true`.
#[inline(always)]
pub(crate) fn i32x4_all_true(v: u128) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if super::x86::fast() {
        return super::x86::all_true32(v);
    }
    u32x4(v).iter().all(|&x| x != 0) as u64
}

/// `i64x2.all_true`.
#[inline(always)]
pub(crate) fn i64x2_all_true(v: u128) -> u64 {
    u64x2(v).iter().all(|&x| x != 0) as u64
}

/// `i8x16.bitmask`: bit `i` is lane `i`'s sign bit.
#[inline(always)]
pub(crate) fn i8x16_bitmask(v: u128) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if super::x86::fast() {
        return super::x86::bitmask8(v);
    }
    u8x16(v).iter().enumerate().fold(0, |m, (i, &x)| m | (((x >> 7) as u64) << i))
}

/// `i16x8.bitmask`: bit `i` is lane `i`'s sign bit.
#[inline(always)]
pub(crate) fn i16x8_bitmask(v: u128) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if super::x86::fast() {
        return super::x86::bitmask16(v);
    }
    u16x8(v).iter().enumerate().fold(0, |m, (i, &x)| m | (((x >> 15) as u64) << i))
}

/// `i32x4.bitmask`: bit `i` is lane `i`'s sign bit.
#[inline(always)]
pub(crate) fn i32x4_bitmask(v: u128) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if super::x86::fast() {
        return super::x86::bitmask32(v);
    }
    u32x4(v).iter().enumerate().fold(0, |m, (i, &x)| m | (((x >> 31) as u64) << i))
}

/// `i64x2.bitmask`: bit `i` is lane `i`'s sign bit.
#[inline(always)]
pub(crate) fn i64x2_bitmask(v: u128) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if super::x86::fast() {
        return super::x86::bitmask64(v);
    }
    u64x2(v).iter().enumerate().fold(0, |m, (i, &x)| m | ((x >> 63) << i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_are_little_endian() {
        let v = 0x0f0e_0d0c_0b0a_0908_0706_0504_0302_0100u128;
        assert_eq!(u8x16(v), std::array::from_fn(|i| i as u8));
        assert_eq!(u16x8(v)[0], 0x0100);
        assert_eq!(u32x4(v)[3], 0x0f0e_0d0c);
        assert_eq!(u64x2(v), [0x0706_0504_0302_0100, 0x0f0e_0d0c_0b0a_0908]);
        assert_eq!(from_u8x16(u8x16(v)), v);
        assert_eq!(from_i16x8(i16x8(v)), v);
        assert_eq!(from_f32x4(f32x4(v)), v);
        assert_eq!(from_f64x2(f64x2(v)), v);
    }

    #[test]
    fn bitwise() {
        let a = 0xff00_ff00u128;
        let b = 0xf0f0_f0f0u128;
        assert_eq!(v128_not(0), u128::MAX);
        assert_eq!(v128_and(a, b), 0xf000_f000);
        assert_eq!(v128_andnot(a, b), 0x0f00_0f00);
        assert_eq!(v128_or(a, b), 0xfff0_fff0);
        assert_eq!(v128_xor(a, b), 0x0ff0_0ff0);
        assert_eq!(v128_bitselect(u128::MAX, 0, 0x1234 << 100), 0x1234 << 100);
        assert_eq!(v128_bitselect(a, b, 0xffff), 0xf0f0_ff00);
    }

    #[test]
    fn splat_extract_replace() {
        assert_eq!(i8x16_splat(0x1ab), u128::from_le_bytes([0xab; 16]));
        assert_eq!(i16x8_splat(0xffff_1234), from_u16x8([0x1234; 8]));
        assert_eq!(i32x4_splat(0x3f80_0000), from_f32x4([1.0; 4]));
        assert_eq!(i64x2_splat(2.5f64.to_bits()), from_f64x2([2.5; 2]));

        let v = from_i8x16(std::array::from_fn(|i| -(i as i8)));
        assert_eq!(i8x16_extract_lane_s(v, 15), (-15i32) as u32 as u64);
        assert_eq!(i8x16_extract_lane_u(v, 15), 241);
        let v = from_i16x8([0, 0, 0, -2, 0, 0, 0, 0]);
        assert_eq!(i16x8_extract_lane_s(v, 3), 0xffff_fffe);
        assert_eq!(i16x8_extract_lane_u(v, 3), 0xfffe);
        let v = from_i32x4([1, 2, -3, 4]);
        assert_eq!(i32x4_extract_lane(v, 2), 0xffff_fffd);
        assert_eq!(i64x2_extract_lane(from_i64x2([-1, 7]), 1), 7);

        assert_eq!(i8x16_replace_lane(0, 0x1ff, 15), 0xff << 120);
        assert_eq!(i16x8_replace_lane(u128::MAX, 0, 1), !(0xffff << 16));
        assert_eq!(i32x4_replace_lane(0, 0xdead_beef_0000_0001, 3), 1 << 96);
        assert_eq!(i64x2_replace_lane(u128::MAX, 5, 0), (u128::MAX << 64) | 5);
    }

    #[test]
    fn swizzle() {
        let b = from_u8x16(std::array::from_fn(|i| 16 + i as u8));
        let s = from_u8x16([0, 15, 16, 255, 128, 1, 17, 3, 0, 0, 0, 0, 0, 0, 0, 0x80]);
        assert_eq!(u8x16(i8x16_swizzle(b, s)), [16, 31, 0, 0, 0, 17, 0, 19, 16, 16, 16, 16, 16, 16, 16, 0]);
    }

    #[test]
    fn tests_and_bitmasks() {
        assert_eq!(v128_any_true(0), 0);
        assert_eq!(v128_any_true(1 << 127), 1);
        assert_eq!(i8x16_all_true(u128::from_le_bytes([1; 16])), 1);
        assert_eq!(i8x16_all_true(u128::from_le_bytes([1; 16]) & !(0xff << 64)), 0);
        assert_eq!(i16x8_all_true(from_u16x8([0x100; 8])), 1);
        assert_eq!(i16x8_all_true(from_u16x8([1, 1, 1, 1, 1, 1, 1, 0])), 0);
        assert_eq!(i32x4_all_true(from_u32x4([1 << 31, 1, 1, 1])), 1);
        assert_eq!(i32x4_all_true(from_u32x4([1, 1, 0, 1])), 0);
        assert_eq!(i64x2_all_true(from_u64x2([1 << 63, 1])), 1);
        assert_eq!(i64x2_all_true(from_u64x2([0, 1])), 0);
        let bytes = [0x80, 0, 0xff, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80];
        assert_eq!(i8x16_bitmask(u128::from_le_bytes(bytes)), 0x8005);
        assert_eq!(i16x8_bitmask(from_i16x8([-1, 0, 0, 0, 0, 0, 0, i16::MIN])), 0x81);
        assert_eq!(i32x4_bitmask(from_i32x4([0, -1, i32::MAX, -5])), 0b1010);
        assert_eq!(i64x2_bitmask(from_i64x2([-1, 1])), 1);
        assert_eq!(i8x16_bitmask(u128::MAX), 0xffff);
    }
}
