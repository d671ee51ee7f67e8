//! SSE2 forms of the lane operations x86-64 does in an instruction or
//! two. Every x86-64 CPU has SSE2, so these need no run-time check (and
//! the intrinsics are safe to call). Written per lane, the same operations
//! become one scalar instruction per lane on a `u128` in two general
//! registers: LLVM does not turn them into vector code itself. Each
//! function computes exactly what the portable one it stands in for does
//! (the spec suite runs both: see the `match` executor's tests on other
//! hosts and `x86_matches_portable` below).

use core::arch::x86_64::*;

// SAFETY (every `unsafe` block here): the functions called are SSE and
// SSE2 intrinsics, or functions of this module that enable only SSE2,
// and every x86-64 CPU has SSE and SSE2 (they are part of the x86-64
// baseline the crate is built for); they touch no memory.

/// An intrinsic (or a function of this module) on one vector.
type Unary<T> = unsafe fn(T) -> T;
/// An intrinsic on two vectors.
type Binary<T> = unsafe fn(T, T) -> T;

/// The vector of `a`'s bits.
#[inline(always)]
pub(super) fn v(a: u128) -> __m128i {
    // SAFETY: see the top of the module.
    unsafe { _mm_set_epi64x((a >> 64) as i64, a as i64) }
}

/// The bits of `x`.
#[inline(always)]
fn bits(x: __m128i) -> u128 {
    // SAFETY: see the top of the module.
    let (lo, hi) = unsafe { (_mm_cvtsi128_si64(x) as u64, _mm_cvtsi128_si64(_mm_unpackhi_epi64(x, x)) as u64) };
    (hi as u128) << 64 | lo as u128
}

/// `f` on one vector.
#[inline(always)]
pub(super) fn unary(a: u128, f: Unary<__m128i>) -> u128 {
    // SAFETY: see the top of the module.
    bits(unsafe { f(v(a)) })
}

/// `f` on two vectors.
#[inline(always)]
pub(super) fn binary(a: u128, b: u128, f: Binary<__m128i>) -> u128 {
    // SAFETY: see the top of the module.
    bits(unsafe { f(v(a), v(b)) })
}

/// A shift of every lane by `n` (already taken modulo the lane width).
#[inline(always)]
pub(super) fn shift(a: u128, n: u32, f: Binary<__m128i>) -> u128 {
    // SAFETY: see the top of the module.
    bits(unsafe { f(v(a), _mm_cvtsi32_si128(n as i32)) })
}

/// `f` on a vector of `f32` lanes.
#[inline(always)]
pub(super) fn unary_ps(a: u128, f: Unary<__m128>) -> u128 {
    // SAFETY: see the top of the module.
    bits(unsafe { _mm_castps_si128(f(_mm_castsi128_ps(v(a)))) })
}

/// `f` on two vectors of `f32` lanes.
#[inline(always)]
pub(super) fn binary_ps(a: u128, b: u128, f: Binary<__m128>) -> u128 {
    // SAFETY: see the top of the module.
    bits(unsafe { _mm_castps_si128(f(_mm_castsi128_ps(v(a)), _mm_castsi128_ps(v(b)))) })
}

/// `f` on a vector of `f64` lanes.
#[inline(always)]
pub(super) fn unary_pd(a: u128, f: Unary<__m128d>) -> u128 {
    // SAFETY: see the top of the module.
    bits(unsafe { _mm_castpd_si128(f(_mm_castsi128_pd(v(a)))) })
}

/// `f` on two vectors of `f64` lanes.
#[inline(always)]
pub(super) fn binary_pd(a: u128, b: u128, f: Binary<__m128d>) -> u128 {
    // SAFETY: see the top of the module.
    bits(unsafe { _mm_castpd_si128(f(_mm_castsi128_pd(v(a)), _mm_castsi128_pd(v(b)))) })
}

/// Lane masks of `!(x == y)`.
macro_rules! not_equal {
    ($($name:ident = $eq:ident;)*) => {$(
        #[target_feature(enable = "sse2")]
        pub(super) fn $name(x: __m128i, y: __m128i) -> __m128i {
            _mm_xor_si128($eq(x, y), _mm_set1_epi32(-1))
        }
    )*};
}
not_equal! {
    ne_epi8 = _mm_cmpeq_epi8;
    ne_epi16 = _mm_cmpeq_epi16;
    ne_epi32 = _mm_cmpeq_epi32;
}

/// Widening, pairwise sums: functions of one vector, each the body given.
macro_rules! widening {
    ($($name:ident(|$x:ident| $body:expr);)*) => {$(
        #[target_feature(enable = "sse2")]
        pub(super) fn $name($x: __m128i) -> __m128i {
            $body
        }
    )*};
}
widening! {
    // Signed: each narrow lane paired with itself, then shifted down
    // arithmetically, which keeps its sign in the high half.
    extend_low_i8_s(|x| _mm_srai_epi16::<8>(_mm_unpacklo_epi8(x, x)));
    extend_high_i8_s(|x| _mm_srai_epi16::<8>(_mm_unpackhi_epi8(x, x)));
    extend_low_i8_u(|x| _mm_unpacklo_epi8(x, _mm_setzero_si128()));
    extend_high_i8_u(|x| _mm_unpackhi_epi8(x, _mm_setzero_si128()));
    extend_low_i16_s(|x| _mm_srai_epi32::<16>(_mm_unpacklo_epi16(x, x)));
    extend_high_i16_s(|x| _mm_srai_epi32::<16>(_mm_unpackhi_epi16(x, x)));
    extend_low_i16_u(|x| _mm_unpacklo_epi16(x, _mm_setzero_si128()));
    extend_high_i16_u(|x| _mm_unpackhi_epi16(x, _mm_setzero_si128()));
    // No 64-bit arithmetic shift in SSE2: the high halves are the sign masks.
    extend_low_i32_s(|x| _mm_unpacklo_epi32(x, _mm_srai_epi32::<31>(x)));
    extend_high_i32_s(|x| _mm_unpackhi_epi32(x, _mm_srai_epi32::<31>(x)));
    extend_low_i32_u(|x| _mm_unpacklo_epi32(x, _mm_setzero_si128()));
    extend_high_i32_u(|x| _mm_unpackhi_epi32(x, _mm_setzero_si128()));
    // Odd lanes shifted down plus even lanes (sign- or zero-extended).
    extadd_i8_s(|x| _mm_add_epi16(_mm_srai_epi16::<8>(x), _mm_srai_epi16::<8>(_mm_slli_epi16::<8>(x))));
    extadd_i8_u(|x| _mm_add_epi16(_mm_srli_epi16::<8>(x), _mm_and_si128(x, _mm_set1_epi16(0xff))));
    extadd_i16_s(|x| _mm_madd_epi16(x, _mm_set1_epi16(1)));
    extadd_i16_u(|x| _mm_add_epi32(_mm_srli_epi32::<16>(x), _mm_and_si128(x, _mm_set1_epi32(0xffff))));
}

/// 1 when no lane of `x` is zero (`eq`: the lane shape's equality).
#[inline(always)]
fn all_true(x: u128, eq: Binary<__m128i>) -> u64 {
    // SAFETY: see the top of the module.
    (unsafe { _mm_movemask_epi8(eq(v(x), _mm_setzero_si128())) } == 0) as u64
}

/// `i8x16.all_true`.
#[inline(always)]
pub(super) fn all_true8(x: u128) -> u64 {
    all_true(x, _mm_cmpeq_epi8)
}

/// `i16x8.all_true`.
#[inline(always)]
pub(super) fn all_true16(x: u128) -> u64 {
    all_true(x, _mm_cmpeq_epi16)
}

/// `i32x4.all_true`.
#[inline(always)]
pub(super) fn all_true32(x: u128) -> u64 {
    all_true(x, _mm_cmpeq_epi32)
}

/// `i8x16.bitmask`.
#[inline(always)]
pub(super) fn bitmask8(x: u128) -> u64 {
    // SAFETY: see the top of the module.
    unsafe { _mm_movemask_epi8(v(x)) as u32 as u64 }
}

/// `i16x8.bitmask`: the lanes narrowed (keeping their signs) to bytes.
#[inline(always)]
pub(super) fn bitmask16(x: u128) -> u64 {
    // SAFETY: see the top of the module.
    unsafe { (_mm_movemask_epi8(_mm_packs_epi16(v(x), _mm_setzero_si128())) & 0xff) as u64 }
}

/// `i32x4.bitmask`.
#[inline(always)]
pub(super) fn bitmask32(x: u128) -> u64 {
    // SAFETY: see the top of the module.
    unsafe { _mm_movemask_ps(_mm_castsi128_ps(v(x))) as u32 as u64 }
}

/// `i64x2.bitmask`.
#[inline(always)]
pub(super) fn bitmask64(x: u128) -> u64 {
    // SAFETY: see the top of the module.
    unsafe { _mm_movemask_pd(_mm_castsi128_pd(v(x))) as u32 as u64 }
}

/// Whether to take the SSE2 forms: always, but in the test that compares
/// them with the portable code.
#[inline(always)]
pub(super) fn fast() -> bool {
    #[cfg(test)]
    return !PORTABLE.with(|p| p.get());
    #[cfg(not(test))]
    true
}

#[cfg(test)]
thread_local! {
    /// Set by `x86_matches_portable` to run the portable code.
    static PORTABLE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[cfg(test)]
mod tests {
    use super::super::{V128Binary, V128Extract, V128Replace, V128Shift, V128Splat, V128Ternary, V128Test, V128Unary};
    use super::PORTABLE;

    /// A few thousand vectors with edge lanes in every shape.
    fn vectors() -> Vec<u128> {
        let mut out = vec![0, u128::MAX, 1, 1 << 127, 0x8000_7fff_0080_007f_ff80_8001_7f7f_8080];
        let mut x: u128 = 0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c834;
        for _ in 0..500 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            out.push(x);
        }
        // NaNs, infinities and zeros in float lanes.
        out.push(0x7fc0_0000_ff80_0000_7f80_0000_8000_0000);
        out.push(0x7ff8_0000_0000_0001_fff0_0000_0000_0000);
        out
    }

    /// Every instruction's result, by the SSE2 forms and by the portable
    /// code, on the same inputs: bit for bit the same.
    #[test]
    fn x86_matches_portable() {
        let run = |portable: bool| {
            PORTABLE.with(|p| p.set(portable));
            let vs = vectors();
            let mut out = Vec::new();
            for (i, &a) in vs.iter().enumerate() {
                let b = vs[(i * 7 + 3) % vs.len()];
                out.extend(V128Unary::ALL.iter().map(|op| op.eval(a)));
                out.extend(V128Binary::ALL.iter().map(|op| op.eval(a, b)));
                let c = vs[(i * 13 + 5) % vs.len()];
                out.extend(V128Ternary::ALL.iter().map(|op| op.eval(a, b, c)));
                for lane in [0, 1, 3, 7, 15] {
                    out.extend(V128Extract::ALL.iter().map(|op| op.eval(a, lane) as u128));
                    out.extend(V128Replace::ALL.iter().map(|op| op.eval(a, b as u64, lane)));
                }
                for n in [0, 1, 7, 8, 15, 16, 31, 33, 63, 64, 200] {
                    out.extend(V128Shift::ALL.iter().map(|op| op.eval(a, n)));
                }
                out.extend(V128Splat::ALL.iter().map(|op| op.eval(a as u64)));
                out.extend(V128Test::ALL.iter().map(|op| op.eval(a) as u128));
            }
            PORTABLE.with(|p| p.set(false));
            out
        };
        let (fast, portable) = (run(false), run(true));
        assert_eq!(fast.len(), portable.len());
        let differ = fast.iter().zip(&portable).filter(|(x, y)| x != y).count();
        assert_eq!(differ, 0, "{differ} results differ");
    }
}
