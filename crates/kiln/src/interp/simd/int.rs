//! Integer lane arithmetic: add/sub/mul (wrapping and saturating), min/max,
//! averages, abs/neg/popcnt, comparisons, shifts, narrowing and widening,
//! the dot products and q15 multiplies (relaxed ones included).

use super::lanes::*;
#[cfg(target_arch = "x86_64")]
use core::arch::x86_64::*;

/// Defines `fn(u128) -> u128` functions that map each lane of one shape to
/// a lane of the same width.
macro_rules! lanewise1 {
    ($( $(#[$doc:meta])* $name:ident($split:ident -> $join:ident) = $f:expr $(, x86 = $x86:expr)?; )*) => {$(
        $(#[$doc])*
        #[inline(always)]
        pub(crate) fn $name(a: u128) -> u128 {
            $(
                #[cfg(target_arch = "x86_64")]
                if super::x86::fast() {
                    return super::x86::unary(a, $x86);
                }
            )?
            $join(map($split(a), $f))
        }
    )*};
}

/// Defines `fn(u128, u128) -> u128` functions that combine the lanes of
/// two vectors at the same index.
macro_rules! lanewise2 {
    ($( $(#[$doc:meta])* $name:ident($split:ident -> $join:ident) = $f:expr $(, x86 = $x86:expr)?; )*) => {$(
        $(#[$doc])*
        #[inline(always)]
        pub(crate) fn $name(a: u128, b: u128) -> u128 {
            $(
                #[cfg(target_arch = "x86_64")]
                if super::x86::fast() {
                    return super::x86::binary(a, b, $x86);
                }
            )?
            $join(zip($split(a), $split(b), $f))
        }
    )*};
}

/// `(a + b + 1) / 2` without overflow, rounding up.
macro_rules! avgr {
    ($t:ty, $wide:ty) => {
        |x: $t, y: $t| ((x as $wide + y as $wide + 1) >> 1) as $t
    };
}

lanewise1! {
    /// `i8x16.abs` (of -128: -128).
    i8x16_abs(i8x16 -> from_i8x16) = i8::wrapping_abs;
    /// `i8x16.neg`.
    i8x16_neg(i8x16 -> from_i8x16) = i8::wrapping_neg;
    /// `i8x16.popcnt`.
    i8x16_popcnt(u8x16 -> from_u8x16) = |x| x.count_ones() as u8;
    /// `i16x8.abs`.
    i16x8_abs(i16x8 -> from_i16x8) = i16::wrapping_abs;
    /// `i16x8.neg`.
    i16x8_neg(i16x8 -> from_i16x8) = i16::wrapping_neg;
    /// `i32x4.abs`.
    i32x4_abs(i32x4 -> from_i32x4) = i32::wrapping_abs;
    /// `i32x4.neg`.
    i32x4_neg(i32x4 -> from_i32x4) = i32::wrapping_neg;
    /// `i64x2.abs`.
    i64x2_abs(i64x2 -> from_i64x2) = i64::wrapping_abs;
    /// `i64x2.neg`.
    i64x2_neg(i64x2 -> from_i64x2) = i64::wrapping_neg;
}

lanewise2! {
    /// `i8x16.add`.
    i8x16_add(u8x16 -> from_u8x16) = u8::wrapping_add, x86 = _mm_add_epi8;
    /// `i8x16.sub`.
    i8x16_sub(u8x16 -> from_u8x16) = u8::wrapping_sub, x86 = _mm_sub_epi8;
    /// `i8x16.add_sat_s`.
    i8x16_add_sat_s(i8x16 -> from_i8x16) = i8::saturating_add, x86 = _mm_adds_epi8;
    /// `i8x16.add_sat_u`.
    i8x16_add_sat_u(u8x16 -> from_u8x16) = u8::saturating_add, x86 = _mm_adds_epu8;
    /// `i8x16.sub_sat_s`.
    i8x16_sub_sat_s(i8x16 -> from_i8x16) = i8::saturating_sub, x86 = _mm_subs_epi8;
    /// `i8x16.sub_sat_u`.
    i8x16_sub_sat_u(u8x16 -> from_u8x16) = u8::saturating_sub, x86 = _mm_subs_epu8;
    /// `i8x16.min_s`.
    i8x16_min_s(i8x16 -> from_i8x16) = i8::min;
    /// `i8x16.min_u`.
    i8x16_min_u(u8x16 -> from_u8x16) = u8::min, x86 = _mm_min_epu8;
    /// `i8x16.max_s`.
    i8x16_max_s(i8x16 -> from_i8x16) = i8::max;
    /// `i8x16.max_u`.
    i8x16_max_u(u8x16 -> from_u8x16) = u8::max, x86 = _mm_max_epu8;
    /// `i8x16.avgr_u`.
    i8x16_avgr_u(u8x16 -> from_u8x16) = avgr!(u8, u16), x86 = _mm_avg_epu8;

    /// `i16x8.add`.
    i16x8_add(u16x8 -> from_u16x8) = u16::wrapping_add, x86 = _mm_add_epi16;
    /// `i16x8.sub`.
    i16x8_sub(u16x8 -> from_u16x8) = u16::wrapping_sub, x86 = _mm_sub_epi16;
    /// `i16x8.mul`.
    i16x8_mul(u16x8 -> from_u16x8) = u16::wrapping_mul, x86 = _mm_mullo_epi16;
    /// `i16x8.add_sat_s`.
    i16x8_add_sat_s(i16x8 -> from_i16x8) = i16::saturating_add, x86 = _mm_adds_epi16;
    /// `i16x8.add_sat_u`.
    i16x8_add_sat_u(u16x8 -> from_u16x8) = u16::saturating_add, x86 = _mm_adds_epu16;
    /// `i16x8.sub_sat_s`.
    i16x8_sub_sat_s(i16x8 -> from_i16x8) = i16::saturating_sub, x86 = _mm_subs_epi16;
    /// `i16x8.sub_sat_u`.
    i16x8_sub_sat_u(u16x8 -> from_u16x8) = u16::saturating_sub, x86 = _mm_subs_epu16;
    /// `i16x8.min_s`.
    i16x8_min_s(i16x8 -> from_i16x8) = i16::min, x86 = _mm_min_epi16;
    /// `i16x8.min_u`.
    i16x8_min_u(u16x8 -> from_u16x8) = u16::min;
    /// `i16x8.max_s`.
    i16x8_max_s(i16x8 -> from_i16x8) = i16::max, x86 = _mm_max_epi16;
    /// `i16x8.max_u`.
    i16x8_max_u(u16x8 -> from_u16x8) = u16::max;
    /// `i16x8.avgr_u`.
    i16x8_avgr_u(u16x8 -> from_u16x8) = avgr!(u16, u32), x86 = _mm_avg_epu16;
    /// `i16x8.q15mulr_sat_s` and `i16x8.relaxed_q15mulr_s`: `(a * b +
    /// 0x4000) >> 15`, saturated (only -32768 * -32768 overflows).
    i16x8_q15mulr_sat_s(i16x8 -> from_i16x8) =
        |x, y| ((x as i32 * y as i32 + 0x4000) >> 15).clamp(i16::MIN as i32, i16::MAX as i32) as i16;

    /// `i32x4.add`.
    i32x4_add(u32x4 -> from_u32x4) = u32::wrapping_add, x86 = _mm_add_epi32;
    /// `i32x4.sub`.
    i32x4_sub(u32x4 -> from_u32x4) = u32::wrapping_sub, x86 = _mm_sub_epi32;
    /// `i32x4.mul`.
    i32x4_mul(u32x4 -> from_u32x4) = u32::wrapping_mul;
    /// `i32x4.min_s`.
    i32x4_min_s(i32x4 -> from_i32x4) = i32::min;
    /// `i32x4.min_u`.
    i32x4_min_u(u32x4 -> from_u32x4) = u32::min;
    /// `i32x4.max_s`.
    i32x4_max_s(i32x4 -> from_i32x4) = i32::max;
    /// `i32x4.max_u`.
    i32x4_max_u(u32x4 -> from_u32x4) = u32::max;

    /// `i64x2.add`.
    i64x2_add(u64x2 -> from_u64x2) = u64::wrapping_add, x86 = _mm_add_epi64;
    /// `i64x2.sub`.
    i64x2_sub(u64x2 -> from_u64x2) = u64::wrapping_sub, x86 = _mm_sub_epi64;
    /// `i64x2.mul`.
    i64x2_mul(u64x2 -> from_u64x2) = u64::wrapping_mul;
}

// Comparisons: each lane all ones where the comparison holds, else zero.
lanewise2! {
    /// `i8x16.eq`.
    i8x16_eq(u8x16 -> from_u8x16) = |x, y| mask8(x == y), x86 = _mm_cmpeq_epi8;
    /// `i8x16.ne`.
    i8x16_ne(u8x16 -> from_u8x16) = |x, y| mask8(x != y), x86 = super::x86::ne_epi8;
    /// `i8x16.lt_s`.
    i8x16_lt_s(i8x16 -> from_u8x16) = |x, y| mask8(x < y), x86 = _mm_cmplt_epi8;
    /// `i8x16.lt_u`.
    i8x16_lt_u(u8x16 -> from_u8x16) = |x, y| mask8(x < y);
    /// `i8x16.gt_s`.
    i8x16_gt_s(i8x16 -> from_u8x16) = |x, y| mask8(x > y), x86 = _mm_cmpgt_epi8;
    /// `i8x16.gt_u`.
    i8x16_gt_u(u8x16 -> from_u8x16) = |x, y| mask8(x > y);
    /// `i8x16.le_s`.
    i8x16_le_s(i8x16 -> from_u8x16) = |x, y| mask8(x <= y);
    /// `i8x16.le_u`.
    i8x16_le_u(u8x16 -> from_u8x16) = |x, y| mask8(x <= y);
    /// `i8x16.ge_s`.
    i8x16_ge_s(i8x16 -> from_u8x16) = |x, y| mask8(x >= y);
    /// `i8x16.ge_u`.
    i8x16_ge_u(u8x16 -> from_u8x16) = |x, y| mask8(x >= y);

    /// `i16x8.eq`.
    i16x8_eq(u16x8 -> from_u16x8) = |x, y| mask16(x == y), x86 = _mm_cmpeq_epi16;
    /// `i16x8.ne`.
    i16x8_ne(u16x8 -> from_u16x8) = |x, y| mask16(x != y), x86 = super::x86::ne_epi16;
    /// `i16x8.lt_s`.
    i16x8_lt_s(i16x8 -> from_u16x8) = |x, y| mask16(x < y), x86 = _mm_cmplt_epi16;
    /// `i16x8.lt_u`.
    i16x8_lt_u(u16x8 -> from_u16x8) = |x, y| mask16(x < y);
    /// `i16x8.gt_s`.
    i16x8_gt_s(i16x8 -> from_u16x8) = |x, y| mask16(x > y), x86 = _mm_cmpgt_epi16;
    /// `i16x8.gt_u`.
    i16x8_gt_u(u16x8 -> from_u16x8) = |x, y| mask16(x > y);
    /// `i16x8.le_s`.
    i16x8_le_s(i16x8 -> from_u16x8) = |x, y| mask16(x <= y);
    /// `i16x8.le_u`.
    i16x8_le_u(u16x8 -> from_u16x8) = |x, y| mask16(x <= y);
    /// `i16x8.ge_s`.
    i16x8_ge_s(i16x8 -> from_u16x8) = |x, y| mask16(x >= y);
    /// `i16x8.ge_u`.
    i16x8_ge_u(u16x8 -> from_u16x8) = |x, y| mask16(x >= y);

    /// `i32x4.eq`.
    i32x4_eq(u32x4 -> from_u32x4) = |x, y| mask32(x == y), x86 = _mm_cmpeq_epi32;
    /// `i32x4.ne`.
    i32x4_ne(u32x4 -> from_u32x4) = |x, y| mask32(x != y), x86 = super::x86::ne_epi32;
    /// `i32x4.lt_s`.
    i32x4_lt_s(i32x4 -> from_u32x4) = |x, y| mask32(x < y), x86 = _mm_cmplt_epi32;
    /// `i32x4.lt_u`.
    i32x4_lt_u(u32x4 -> from_u32x4) = |x, y| mask32(x < y);
    /// `i32x4.gt_s`.
    i32x4_gt_s(i32x4 -> from_u32x4) = |x, y| mask32(x > y), x86 = _mm_cmpgt_epi32;
    /// `i32x4.gt_u`.
    i32x4_gt_u(u32x4 -> from_u32x4) = |x, y| mask32(x > y);
    /// `i32x4.le_s`.
    i32x4_le_s(i32x4 -> from_u32x4) = |x, y| mask32(x <= y);
    /// `i32x4.le_u`.
    i32x4_le_u(u32x4 -> from_u32x4) = |x, y| mask32(x <= y);
    /// `i32x4.ge_s`.
    i32x4_ge_s(i32x4 -> from_u32x4) = |x, y| mask32(x >= y);
    /// `i32x4.ge_u`.
    i32x4_ge_u(u32x4 -> from_u32x4) = |x, y| mask32(x >= y);

    /// `i64x2.eq`.
    i64x2_eq(u64x2 -> from_u64x2) = |x, y| mask64(x == y);
    /// `i64x2.ne`.
    i64x2_ne(u64x2 -> from_u64x2) = |x, y| mask64(x != y);
    /// `i64x2.lt_s`.
    i64x2_lt_s(i64x2 -> from_u64x2) = |x, y| mask64(x < y);
    /// `i64x2.gt_s`.
    i64x2_gt_s(i64x2 -> from_u64x2) = |x, y| mask64(x > y);
    /// `i64x2.le_s`.
    i64x2_le_s(i64x2 -> from_u64x2) = |x, y| mask64(x <= y);
    /// `i64x2.ge_s`.
    i64x2_ge_s(i64x2 -> from_u64x2) = |x, y| mask64(x >= y);
}

/// Defines `fn(u128, u32) -> u128` shifts; the count is taken modulo the
/// lane width, as wasm requires.
macro_rules! shifts {
    ($( $(#[$doc:meta])* $name:ident($split:ident -> $join:ident, $bits:literal) = $op:tt $(, x86 = $x86:expr)?; )*) => {$(
        $(#[$doc])*
        #[inline(always)]
        pub(crate) fn $name(a: u128, n: u32) -> u128 {
            let n = n & ($bits - 1);
            $(
                #[cfg(target_arch = "x86_64")]
                if super::x86::fast() {
                    return super::x86::shift(a, n, $x86);
                }
            )?
            $join(map($split(a), |x| x $op n))
        }
    )*};
}

shifts! {
    /// `i8x16.shl`.
    i8x16_shl(u8x16 -> from_u8x16, 8) = <<;
    /// `i8x16.shr_s`.
    i8x16_shr_s(i8x16 -> from_i8x16, 8) = >>;
    /// `i8x16.shr_u`.
    i8x16_shr_u(u8x16 -> from_u8x16, 8) = >>;
    /// `i16x8.shl`.
    i16x8_shl(u16x8 -> from_u16x8, 16) = <<, x86 = _mm_sll_epi16;
    /// `i16x8.shr_s`.
    i16x8_shr_s(i16x8 -> from_i16x8, 16) = >>, x86 = _mm_sra_epi16;
    /// `i16x8.shr_u`.
    i16x8_shr_u(u16x8 -> from_u16x8, 16) = >>, x86 = _mm_srl_epi16;
    /// `i32x4.shl`.
    i32x4_shl(u32x4 -> from_u32x4, 32) = <<, x86 = _mm_sll_epi32;
    /// `i32x4.shr_s`.
    i32x4_shr_s(i32x4 -> from_i32x4, 32) = >>, x86 = _mm_sra_epi32;
    /// `i32x4.shr_u`.
    i32x4_shr_u(u32x4 -> from_u32x4, 32) = >>, x86 = _mm_srl_epi32;
    /// `i64x2.shl`.
    i64x2_shl(u64x2 -> from_u64x2, 64) = <<, x86 = _mm_sll_epi64;
    /// `i64x2.shr_s`.
    i64x2_shr_s(i64x2 -> from_i64x2, 64) = >>;
    /// `i64x2.shr_u`.
    i64x2_shr_u(u64x2 -> from_u64x2, 64) = >>, x86 = _mm_srl_epi64;
}

// Narrowing: `a`'s lanes then `b`'s, each saturated to the narrow type
// (signed input in both cases; `_u` saturates to the unsigned range).

/// `i8x16.narrow_i16x8_s`.
#[inline(always)]
pub(crate) fn i8x16_narrow_i16x8_s(a: u128, b: u128) -> u128 {
    #[cfg(target_arch = "x86_64")]
    if super::x86::fast() {
        return super::x86::binary(a, b, _mm_packs_epi16);
    }
    let (a, b) = (i16x8(a), i16x8(b));
    let sat = |x: i16| x.clamp(i8::MIN as i16, i8::MAX as i16) as i8;
    from_i8x16(std::array::from_fn(|i| sat(if i < 8 { a[i] } else { b[i - 8] })))
}

/// `i8x16.narrow_i16x8_u`.
#[inline(always)]
pub(crate) fn i8x16_narrow_i16x8_u(a: u128, b: u128) -> u128 {
    #[cfg(target_arch = "x86_64")]
    if super::x86::fast() {
        return super::x86::binary(a, b, _mm_packus_epi16);
    }
    let (a, b) = (i16x8(a), i16x8(b));
    let sat = |x: i16| x.clamp(0, u8::MAX as i16) as u8;
    from_u8x16(std::array::from_fn(|i| sat(if i < 8 { a[i] } else { b[i - 8] })))
}

/// `i16x8.narrow_i32x4_s`.
#[inline(always)]
pub(crate) fn i16x8_narrow_i32x4_s(a: u128, b: u128) -> u128 {
    #[cfg(target_arch = "x86_64")]
    if super::x86::fast() {
        return super::x86::binary(a, b, _mm_packs_epi32);
    }
    let (a, b) = (i32x4(a), i32x4(b));
    let sat = |x: i32| x.clamp(i16::MIN as i32, i16::MAX as i32) as i16;
    from_i16x8(std::array::from_fn(|i| sat(if i < 4 { a[i] } else { b[i - 4] })))
}

/// `i16x8.narrow_i32x4_u`.
#[inline(always)]
pub(crate) fn i16x8_narrow_i32x4_u(a: u128, b: u128) -> u128 {
    let (a, b) = (i32x4(a), i32x4(b));
    let sat = |x: i32| x.clamp(0, u16::MAX as i32) as u16;
    from_u16x8(std::array::from_fn(|i| sat(if i < 4 { a[i] } else { b[i - 4] })))
}

/// Defines widening functions: `$half` (`low` or `high`) picks the half of
/// the narrow lanes, each converted to the wide lane type with `as` (so
/// signedness comes from the split).
macro_rules! extend {
    ($( $(#[$doc:meta])* $name:ident($split:ident, $half:ident -> $join:ident, $wide:ty) $(, x86 = $x86:expr)?; )*) => {$(
        $(#[$doc])*
        #[inline(always)]
        pub(crate) fn $name(a: u128) -> u128 {
            $(
                #[cfg(target_arch = "x86_64")]
                if super::x86::fast() {
                    return super::x86::unary(a, $x86);
                }
            )?
            $join(map($half($split(a)), |x| x as $wide))
        }
    )*};
}

extend! {
    /// `i16x8.extend_low_i8x16_s`; also `v128.load8x8_s` on the loaded bytes.
    i16x8_extend_low_i8x16_s(i8x16, low -> from_i16x8, i16), x86 = super::x86::extend_low_i8_s;
    /// `i16x8.extend_high_i8x16_s`.
    i16x8_extend_high_i8x16_s(i8x16, high -> from_i16x8, i16), x86 = super::x86::extend_high_i8_s;
    /// `i16x8.extend_low_i8x16_u`; also `v128.load8x8_u`.
    i16x8_extend_low_i8x16_u(u8x16, low -> from_u16x8, u16), x86 = super::x86::extend_low_i8_u;
    /// `i16x8.extend_high_i8x16_u`.
    i16x8_extend_high_i8x16_u(u8x16, high -> from_u16x8, u16), x86 = super::x86::extend_high_i8_u;
    /// `i32x4.extend_low_i16x8_s`; also `v128.load16x4_s`.
    i32x4_extend_low_i16x8_s(i16x8, low -> from_i32x4, i32), x86 = super::x86::extend_low_i16_s;
    /// `i32x4.extend_high_i16x8_s`.
    i32x4_extend_high_i16x8_s(i16x8, high -> from_i32x4, i32), x86 = super::x86::extend_high_i16_s;
    /// `i32x4.extend_low_i16x8_u`; also `v128.load16x4_u`.
    i32x4_extend_low_i16x8_u(u16x8, low -> from_u32x4, u32), x86 = super::x86::extend_low_i16_u;
    /// `i32x4.extend_high_i16x8_u`.
    i32x4_extend_high_i16x8_u(u16x8, high -> from_u32x4, u32), x86 = super::x86::extend_high_i16_u;
    /// `i64x2.extend_low_i32x4_s`; also `v128.load32x2_s`.
    i64x2_extend_low_i32x4_s(i32x4, low -> from_i64x2, i64), x86 = super::x86::extend_low_i32_s;
    /// `i64x2.extend_high_i32x4_s`.
    i64x2_extend_high_i32x4_s(i32x4, high -> from_i64x2, i64), x86 = super::x86::extend_high_i32_s;
    /// `i64x2.extend_low_i32x4_u`; also `v128.load32x2_u`.
    i64x2_extend_low_i32x4_u(u32x4, low -> from_u64x2, u64), x86 = super::x86::extend_low_i32_u;
    /// `i64x2.extend_high_i32x4_u`.
    i64x2_extend_high_i32x4_u(u32x4, high -> from_u64x2, u64), x86 = super::x86::extend_high_i32_u;
}

/// Defines extended multiplies: the chosen halves widened, then multiplied
/// (which cannot overflow the wide type, except i64's `u64` product whose
/// wrap is the wasm result anyway).
macro_rules! extmul {
    ($( $(#[$doc:meta])* $name:ident($split:ident, $half:ident -> $join:ident, $wide:ty); )*) => {$(
        $(#[$doc])*
        #[inline(always)]
        pub(crate) fn $name(a: u128, b: u128) -> u128 {
            let (a, b) = ($half($split(a)), $half($split(b)));
            $join(zip(a, b, |x, y| (x as $wide).wrapping_mul(y as $wide)))
        }
    )*};
}

extmul! {
    /// `i16x8.extmul_low_i8x16_s`.
    i16x8_extmul_low_i8x16_s(i8x16, low -> from_i16x8, i16);
    /// `i16x8.extmul_high_i8x16_s`.
    i16x8_extmul_high_i8x16_s(i8x16, high -> from_i16x8, i16);
    /// `i16x8.extmul_low_i8x16_u`.
    i16x8_extmul_low_i8x16_u(u8x16, low -> from_u16x8, u16);
    /// `i16x8.extmul_high_i8x16_u`.
    i16x8_extmul_high_i8x16_u(u8x16, high -> from_u16x8, u16);
    /// `i32x4.extmul_low_i16x8_s`.
    i32x4_extmul_low_i16x8_s(i16x8, low -> from_i32x4, i32);
    /// `i32x4.extmul_high_i16x8_s`.
    i32x4_extmul_high_i16x8_s(i16x8, high -> from_i32x4, i32);
    /// `i32x4.extmul_low_i16x8_u`.
    i32x4_extmul_low_i16x8_u(u16x8, low -> from_u32x4, u32);
    /// `i32x4.extmul_high_i16x8_u`.
    i32x4_extmul_high_i16x8_u(u16x8, high -> from_u32x4, u32);
    /// `i64x2.extmul_low_i32x4_s`.
    i64x2_extmul_low_i32x4_s(i32x4, low -> from_i64x2, i64);
    /// `i64x2.extmul_high_i32x4_s`.
    i64x2_extmul_high_i32x4_s(i32x4, high -> from_i64x2, i64);
    /// `i64x2.extmul_low_i32x4_u`.
    i64x2_extmul_low_i32x4_u(u32x4, low -> from_u64x2, u64);
    /// `i64x2.extmul_high_i32x4_u`.
    i64x2_extmul_high_i32x4_u(u32x4, high -> from_u64x2, u64);
}

/// Defines pairwise widening additions: wide lane `i` is narrow lanes `2i`
/// and `2i + 1` summed (never overflows).
macro_rules! extadd_pairwise {
    ($( $(#[$doc:meta])* $name:ident($split:ident -> $join:ident, $wide:ty) $(, x86 = $x86:expr)?; )*) => {$(
        $(#[$doc])*
        #[inline(always)]
        pub(crate) fn $name(a: u128) -> u128 {
            $(
                #[cfg(target_arch = "x86_64")]
                if super::x86::fast() {
                    return super::x86::unary(a, $x86);
                }
            )?
            let a = $split(a);
            $join(std::array::from_fn(|i| a[2 * i] as $wide + a[2 * i + 1] as $wide))
        }
    )*};
}

extadd_pairwise! {
    /// `i16x8.extadd_pairwise_i8x16_s`.
    i16x8_extadd_pairwise_i8x16_s(i8x16 -> from_i16x8, i16), x86 = super::x86::extadd_i8_s;
    /// `i16x8.extadd_pairwise_i8x16_u`.
    i16x8_extadd_pairwise_i8x16_u(u8x16 -> from_u16x8, u16), x86 = super::x86::extadd_i8_u;
    /// `i32x4.extadd_pairwise_i16x8_s`.
    i32x4_extadd_pairwise_i16x8_s(i16x8 -> from_i32x4, i32), x86 = super::x86::extadd_i16_s;
    /// `i32x4.extadd_pairwise_i16x8_u`.
    i32x4_extadd_pairwise_i16x8_u(u16x8 -> from_u32x4, u32), x86 = super::x86::extadd_i16_u;
}

/// `i32x4.dot_i16x8_s`: products of adjacent signed lanes summed; the one
/// sum that overflows, two times (-32768)², wraps to i32::MIN.
#[inline(always)]
pub(crate) fn i32x4_dot_i16x8_s(a: u128, b: u128) -> u128 {
    #[cfg(target_arch = "x86_64")]
    if super::x86::fast() {
        return super::x86::binary(a, b, _mm_madd_epi16);
    }
    let p = zip(i16x8(a), i16x8(b), |x, y| x as i32 * y as i32);
    from_i32x4(std::array::from_fn(|i| p[2 * i].wrapping_add(p[2 * i + 1])))
}

/// `i16x8.relaxed_dot_i8x16_i7x16_s`, as this runtime fixes it: both inputs
/// signed, each pair of products summed and saturated to i16 (only
/// (-128)·(-128) twice, 32768, saturates).
#[inline(always)]
pub(crate) fn i16x8_relaxed_dot_i8x16_i7x16_s(a: u128, b: u128) -> u128 {
    let p = zip(i8x16(a), i8x16(b), |x, y| x as i16 * y as i16);
    from_i16x8(std::array::from_fn(|i| p[2 * i].saturating_add(p[2 * i + 1])))
}

/// `i32x4.relaxed_dot_i8x16_i7x16_add_s`: the i16 lanes of
/// `i16x8_relaxed_dot_i8x16_i7x16_s`, summed pairwise into i32 lanes, plus
/// `c`'s lanes, wrapping.
#[inline(always)]
pub(crate) fn i32x4_relaxed_dot_i8x16_i7x16_add_s(a: u128, b: u128, c: u128) -> u128 {
    let d = i16x8(i16x8_relaxed_dot_i8x16_i7x16_s(a, b));
    let c = i32x4(c);
    from_i32x4(std::array::from_fn(|i| (d[2 * i] as i32 + d[2 * i + 1] as i32).wrapping_add(c[i])))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b16(l: [i8; 16]) -> u128 {
        from_i8x16(l)
    }
    fn splat8(x: i8) -> u128 {
        from_i8x16([x; 16])
    }
    fn splat16(x: i16) -> u128 {
        from_i16x8([x; 8])
    }
    fn splat32(x: i32) -> u128 {
        from_i32x4([x; 4])
    }

    #[test]
    fn add_sub_mul() {
        assert_eq!(i8x16_add(splat8(127), splat8(1)), splat8(-128));
        assert_eq!(i8x16_sub(splat8(-128), splat8(1)), splat8(127));
        assert_eq!(i16x8_mul(splat16(0x4000), splat16(4)), 0);
        assert_eq!(i16x8_add(splat16(-1), splat16(2)), splat16(1));
        assert_eq!(i32x4_mul(splat32(i32::MIN), splat32(-1)), splat32(i32::MIN));
        assert_eq!(i32x4_sub(splat32(0), splat32(1)), u128::MAX);
        assert_eq!(i64x2_add(from_u64x2([u64::MAX, 1]), from_u64x2([1, 2])), from_u64x2([0, 3]));
        assert_eq!(i64x2_sub(from_u64x2([0, 5]), from_u64x2([1, 2])), from_u64x2([u64::MAX, 3]));
        assert_eq!(i64x2_mul(from_i64x2([i64::MIN, 3]), from_i64x2([-1, -3])), from_i64x2([i64::MIN, -9]));
        // Lanes stay independent: no carry crosses a lane boundary.
        assert_eq!(i8x16_add(0xff, 1), 0);
        assert_eq!(i32x4_add(0xffff_ffff, 1), 0);
    }

    #[test]
    fn saturating() {
        assert_eq!(i8x16_add_sat_s(splat8(100), splat8(100)), splat8(127));
        assert_eq!(i8x16_add_sat_s(splat8(-100), splat8(-100)), splat8(-128));
        assert_eq!(i8x16_add_sat_u(splat8(-1), splat8(1)), splat8(-1));
        assert_eq!(i8x16_sub_sat_s(splat8(-128), splat8(1)), splat8(-128));
        assert_eq!(i8x16_sub_sat_s(splat8(127), splat8(-1)), splat8(127));
        assert_eq!(i8x16_sub_sat_u(splat8(1), splat8(2)), 0);
        assert_eq!(i16x8_add_sat_s(splat16(i16::MAX), splat16(1)), splat16(i16::MAX));
        assert_eq!(i16x8_add_sat_u(splat16(-2), splat16(5)), splat16(-1));
        assert_eq!(i16x8_sub_sat_s(splat16(i16::MIN), splat16(1)), splat16(i16::MIN));
        assert_eq!(i16x8_sub_sat_u(splat16(3), splat16(-1)), 0);
    }

    #[test]
    fn min_max_avgr() {
        assert_eq!(i8x16_min_s(splat8(-1), splat8(1)), splat8(-1));
        assert_eq!(i8x16_min_u(splat8(-1), splat8(1)), splat8(1));
        assert_eq!(i8x16_max_s(splat8(-1), splat8(1)), splat8(1));
        assert_eq!(i8x16_max_u(splat8(-1), splat8(1)), splat8(-1));
        assert_eq!(i16x8_min_u(splat16(-1), splat16(1)), splat16(1));
        assert_eq!(i16x8_max_s(splat16(i16::MIN), splat16(0)), 0);
        assert_eq!(i32x4_min_s(splat32(i32::MIN), splat32(0)), splat32(i32::MIN));
        assert_eq!(i32x4_max_u(splat32(-1), splat32(0)), u128::MAX);
        assert_eq!(i8x16_avgr_u(splat8(-1), splat8(-1)), splat8(-1));
        assert_eq!(i8x16_avgr_u(splat8(0), splat8(1)), splat8(1));
        assert_eq!(i16x8_avgr_u(splat16(-1), splat16(0)), splat16(-0x8000));
    }

    #[test]
    fn abs_neg_popcnt() {
        assert_eq!(i8x16_abs(splat8(-128)), splat8(-128));
        assert_eq!(i8x16_abs(splat8(-5)), splat8(5));
        assert_eq!(i8x16_neg(splat8(-128)), splat8(-128));
        assert_eq!(i16x8_abs(splat16(i16::MIN)), splat16(i16::MIN));
        assert_eq!(i16x8_neg(splat16(1)), u128::MAX);
        assert_eq!(i32x4_abs(splat32(-7)), splat32(7));
        assert_eq!(i32x4_neg(splat32(i32::MIN)), splat32(i32::MIN));
        assert_eq!(i64x2_abs(from_i64x2([i64::MIN, -3])), from_i64x2([i64::MIN, 3]));
        assert_eq!(i64x2_neg(from_i64x2([1, 0])), from_i64x2([-1, 0]));
        assert_eq!(i8x16_popcnt(b16([0, 1, 3, 7, 15, 31, 63, 127, -1, -128, 0x55, 0, 0, 0, 0, 0])), {
            b16([0, 1, 2, 3, 4, 5, 6, 7, 8, 1, 4, 0, 0, 0, 0, 0])
        });
    }

    #[test]
    fn comparisons() {
        let a = b16([-1, 0, 1, -128, 127, 5, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let b = b16([0, 0, -1, 127, -128, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(u8x16(i8x16_lt_s(a, b))[..7], [255, 0, 0, 255, 0, 0, 255]);
        assert_eq!(u8x16(i8x16_lt_u(a, b))[..7], [0, 0, 255, 0, 255, 0, 255]);
        assert_eq!(u8x16(i8x16_ge_s(a, b))[..7], [0, 255, 255, 0, 255, 255, 0]);
        assert_eq!(u8x16(i8x16_ge_u(a, b))[..7], [255, 255, 0, 255, 0, 255, 0]);
        assert_eq!(u8x16(i8x16_gt_s(a, b))[..7], [0, 0, 255, 0, 255, 0, 0]);
        assert_eq!(u8x16(i8x16_le_u(a, b))[..7], [0, 255, 255, 0, 255, 255, 255]);
        assert_eq!(u8x16(i8x16_eq(a, b))[..7], [0, 255, 0, 0, 0, 255, 0]);
        assert_eq!(i8x16_ne(a, a), 0);
        assert_eq!(i16x8_lt_s(splat16(-1), splat16(0)), u128::MAX);
        assert_eq!(i16x8_lt_u(splat16(-1), splat16(0)), 0);
        assert_eq!(i16x8_gt_u(splat16(-1), splat16(0)), u128::MAX);
        assert_eq!(i16x8_le_s(splat16(3), splat16(3)), u128::MAX);
        assert_eq!(i16x8_ge_u(splat16(2), splat16(3)), 0);
        assert_eq!(i16x8_eq(splat16(2), splat16(2)), u128::MAX);
        assert_eq!(i16x8_ne(splat16(2), splat16(3)), u128::MAX);
        assert_eq!(i16x8_gt_s(splat16(-2), splat16(3)), 0);
        assert_eq!(i16x8_le_u(splat16(-2), splat16(3)), 0);
        assert_eq!(i16x8_ge_s(splat16(-2), splat16(3)), 0);
        assert_eq!(i32x4_lt_s(splat32(i32::MIN), splat32(i32::MAX)), u128::MAX);
        assert_eq!(i32x4_lt_u(splat32(i32::MIN), splat32(i32::MAX)), 0);
        assert_eq!(i32x4_gt_s(splat32(1), splat32(0)), u128::MAX);
        assert_eq!(i32x4_gt_u(splat32(-1), splat32(0)), u128::MAX);
        assert_eq!(i32x4_le_s(splat32(-1), splat32(0)), u128::MAX);
        assert_eq!(i32x4_le_u(splat32(-1), splat32(0)), 0);
        assert_eq!(i32x4_ge_s(splat32(-1), splat32(0)), 0);
        assert_eq!(i32x4_ge_u(splat32(-1), splat32(0)), u128::MAX);
        assert_eq!(i32x4_eq(splat32(9), splat32(9)), u128::MAX);
        assert_eq!(i32x4_ne(splat32(9), splat32(9)), 0);
        let (x, y) = (from_i64x2([-1, 2]), from_i64x2([0, 2]));
        assert_eq!(i64x2_eq(x, y), from_u64x2([0, u64::MAX]));
        assert_eq!(i64x2_ne(x, y), from_u64x2([u64::MAX, 0]));
        assert_eq!(i64x2_lt_s(x, y), from_u64x2([u64::MAX, 0]));
        assert_eq!(i64x2_gt_s(x, y), 0);
        assert_eq!(i64x2_le_s(x, y), u128::MAX);
        assert_eq!(i64x2_ge_s(x, y), from_u64x2([0, u64::MAX]));
    }

    #[test]
    fn shifts_take_the_count_modulo_the_lane_width() {
        assert_eq!(i8x16_shl(splat8(1), 7), splat8(-128));
        assert_eq!(i8x16_shl(splat8(1), 8), splat8(1));
        assert_eq!(i8x16_shl(splat8(1), 9), splat8(2));
        assert_eq!(i8x16_shr_s(splat8(-128), 7), splat8(-1));
        assert_eq!(i8x16_shr_s(splat8(-128), 15), splat8(-1));
        assert_eq!(i8x16_shr_u(splat8(-128), 7), splat8(1));
        assert_eq!(i8x16_shr_u(splat8(-128), 8), splat8(-128));
        assert_eq!(i16x8_shl(splat16(1), 17), splat16(2));
        assert_eq!(i16x8_shr_s(splat16(i16::MIN), 15), u128::MAX);
        assert_eq!(i16x8_shr_u(splat16(i16::MIN), 31), splat16(1));
        assert_eq!(i32x4_shl(splat32(1), 32), splat32(1));
        assert_eq!(i32x4_shr_s(splat32(-8), 1), splat32(-4));
        assert_eq!(i32x4_shr_u(splat32(-8), 33), splat32(0x7fff_fffc));
        assert_eq!(i64x2_shl(from_u64x2([1, 1]), 63), from_u64x2([1 << 63, 1 << 63]));
        assert_eq!(i64x2_shl(from_u64x2([1, 1]), 64), from_u64x2([1, 1]));
        assert_eq!(i64x2_shr_s(from_i64x2([-2, 4]), 65), from_i64x2([-1, 2]));
        assert_eq!(i64x2_shr_u(from_i64x2([-2, 4]), 1), from_u64x2([u64::MAX >> 1, 2]));
    }

    #[test]
    fn narrow_saturates() {
        let a = from_i16x8([0, 127, 128, -128, -129, 255, 256, -1]);
        let b = from_i16x8([i16::MAX, i16::MIN, 1, 2, 3, 4, 5, 6]);
        assert_eq!(
            i8x16(i8x16_narrow_i16x8_s(a, b)),
            [0, 127, 127, -128, -128, 127, 127, -1, 127, -128, 1, 2, 3, 4, 5, 6]
        );
        assert_eq!(u8x16(i8x16_narrow_i16x8_u(a, b)), [0, 127, 128, 0, 0, 255, 255, 0, 255, 0, 1, 2, 3, 4, 5, 6]);
        let a = from_i32x4([32767, 32768, -32768, -32769]);
        let b = from_i32x4([65535, 65536, -1, i32::MAX]);
        assert_eq!(i16x8(i16x8_narrow_i32x4_s(a, b)), [32767, 32767, -32768, -32768, 32767, 32767, -1, 32767]);
        assert_eq!(u16x8(i16x8_narrow_i32x4_u(a, b)), [32767, 32768, 0, 0, 65535, 65535, 0, 65535]);
    }

    #[test]
    fn extend() {
        let v = b16([-1, 2, -3, 4, -5, 6, -7, 8, -9, 10, -11, 12, -13, 14, -15, 16]);
        assert_eq!(i16x8(i16x8_extend_low_i8x16_s(v)), [-1, 2, -3, 4, -5, 6, -7, 8]);
        assert_eq!(i16x8(i16x8_extend_high_i8x16_s(v)), [-9, 10, -11, 12, -13, 14, -15, 16]);
        assert_eq!(u16x8(i16x8_extend_low_i8x16_u(v)), [255, 2, 253, 4, 251, 6, 249, 8]);
        assert_eq!(u16x8(i16x8_extend_high_i8x16_u(v)), [247, 10, 245, 12, 243, 14, 241, 16]);
        let v = from_i16x8([-1, 2, -3, 4, -5, 6, -7, 8]);
        assert_eq!(i32x4(i32x4_extend_low_i16x8_s(v)), [-1, 2, -3, 4]);
        assert_eq!(i32x4(i32x4_extend_high_i16x8_s(v)), [-5, 6, -7, 8]);
        assert_eq!(u32x4(i32x4_extend_low_i16x8_u(v)), [65535, 2, 65533, 4]);
        assert_eq!(u32x4(i32x4_extend_high_i16x8_u(v)), [65531, 6, 65529, 8]);
        let v = from_i32x4([-1, 2, i32::MIN, 4]);
        assert_eq!(i64x2(i64x2_extend_low_i32x4_s(v)), [-1, 2]);
        assert_eq!(i64x2(i64x2_extend_high_i32x4_s(v)), [i32::MIN as i64, 4]);
        assert_eq!(u64x2(i64x2_extend_low_i32x4_u(v)), [u32::MAX as u64, 2]);
        assert_eq!(u64x2(i64x2_extend_high_i32x4_u(v)), [1 << 31, 4]);
    }

    #[test]
    fn extmul() {
        let a = b16([-128, 127, 0, 0, 0, 0, 0, 0, -1, 2, 0, 0, 0, 0, 0, 0]);
        let b = b16([-128, -128, 0, 0, 0, 0, 0, 0, -1, 3, 0, 0, 0, 0, 0, 0]);
        assert_eq!(i16x8(i16x8_extmul_low_i8x16_s(a, b))[..2], [16384, -16256]);
        assert_eq!(i16x8(i16x8_extmul_high_i8x16_s(a, b))[..2], [1, 6]);
        assert_eq!(u16x8(i16x8_extmul_low_i8x16_u(a, b))[..2], [16384, 16256]);
        assert_eq!(u16x8(i16x8_extmul_high_i8x16_u(a, b))[..2], [65025, 6]);
        let a = from_i16x8([i16::MIN, -1, 0, 0, 7, 0, 0, 0]);
        assert_eq!(i32x4(i32x4_extmul_low_i16x8_s(a, a)), [1 << 30, 1, 0, 0]);
        assert_eq!(i32x4(i32x4_extmul_high_i16x8_s(a, a)), [49, 0, 0, 0]);
        assert_eq!(u32x4(i32x4_extmul_low_i16x8_u(a, a)), [1 << 30, 0xfffe_0001, 0, 0]);
        assert_eq!(u32x4(i32x4_extmul_high_i16x8_u(a, a)), [49, 0, 0, 0]);
        let a = from_i32x4([i32::MIN, -1, -1, 3]);
        assert_eq!(i64x2(i64x2_extmul_low_i32x4_s(a, a)), [1 << 62, 1]);
        assert_eq!(i64x2(i64x2_extmul_high_i32x4_s(a, a)), [1, 9]);
        assert_eq!(u64x2(i64x2_extmul_low_i32x4_u(a, a)), [1 << 62, 0xffff_fffe_0000_0001]);
        assert_eq!(u64x2(i64x2_extmul_high_i32x4_u(a, a)), [0xffff_fffe_0000_0001, 9]);
    }

    #[test]
    fn extadd_pairwise() {
        assert_eq!(i16x8_extadd_pairwise_i8x16_s(splat8(-128)), splat16(-256));
        assert_eq!(i16x8_extadd_pairwise_i8x16_u(splat8(-1)), splat16(510));
        assert_eq!(i32x4_extadd_pairwise_i16x8_s(splat16(i16::MIN)), splat32(-65536));
        assert_eq!(i32x4_extadd_pairwise_i16x8_u(splat16(-1)), splat32(131070));
    }

    #[test]
    fn dot_and_q15() {
        let a = from_i16x8([1, 2, 3, 4, i16::MIN, i16::MIN, i16::MAX, i16::MAX]);
        let b = from_i16x8([5, 6, -7, 8, i16::MIN, i16::MIN, i16::MAX, i16::MAX]);
        assert_eq!(i32x4(i32x4_dot_i16x8_s(a, b)), [17, 11, i32::MIN, 2 * 32767 * 32767]);

        let a = from_i16x8([i16::MIN, i16::MIN, i16::MAX, 0x4000, -0x4000, 1, -1, 100]);
        let b = from_i16x8([i16::MIN, i16::MAX, i16::MAX, 0x4000, 0x4000, 1, 1, -100]);
        assert_eq!(i16x8(i16x8_q15mulr_sat_s(a, b)), [i16::MAX, -32767, 32766, 0x2000, -0x2000, 0, 0, 0]);
    }

    #[test]
    fn relaxed_dot() {
        assert_eq!(i16x8_relaxed_dot_i8x16_i7x16_s(splat8(-128), splat8(-128)), splat16(i16::MAX));
        assert_eq!(i16x8_relaxed_dot_i8x16_i7x16_s(splat8(-128), splat8(127)), splat16(-32512));
        let a = b16([1, 2, 3, 4, -5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let b = b16([7, 8, 9, 10, 11, -12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(i16x8(i16x8_relaxed_dot_i8x16_i7x16_s(a, b))[..3], [23, 67, -127]);
        assert_eq!(i32x4(i32x4_relaxed_dot_i8x16_i7x16_add_s(a, b, from_i32x4([10, 20, 30, 40]))), [100, -107, 30, 40]);
        let sat = i32x4_relaxed_dot_i8x16_i7x16_add_s(splat8(-128), splat8(-128), splat32(1));
        assert_eq!(sat, splat32(2 * 32767 + 1));
        let wrap = i32x4_relaxed_dot_i8x16_i7x16_add_s(splat8(-128), splat8(-128), splat32(i32::MAX));
        assert_eq!(wrap, splat32(i32::MAX.wrapping_add(2 * 32767)));
    }
}
