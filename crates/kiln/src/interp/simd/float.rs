//! Float lane arithmetic: the IEEE operations, wasm's `min`/`max` and the
//! pseudo-min/max, rounding, sign operations, comparisons, and the relaxed
//! fused multiply-adds.
//!
//! The arithmetic is Rust's float arithmetic, whose NaN results (a quiet
//! NaN, canonical when no input was a NaN) are among those wasm allows.

use super::super::numeric::{fmax, fmin, quiet_f32, quiet_f64};
use super::lanes::*;
#[cfg(target_arch = "x86_64")]
use core::arch::x86_64::*;

/// Defines `fn(u128) -> u128` functions over float lanes.
macro_rules! lanewise1 {
    (@with $inline:meta; $( $(#[$doc:meta])* $name:ident($split:ident -> $join:ident) = $f:expr
        $(, x86 = $helper:ident($x86:expr))?; )*) => {$(
        $(#[$doc])*
        #[$inline]
        pub(crate) fn $name(a: u128) -> u128 {
            $(
                #[cfg(target_arch = "x86_64")]
                if super::x86::fast() {
                    return super::x86::$helper(a, $x86);
                }
            )?
            $join(map($split(a), $f))
        }
    )*};
    ($($t:tt)*) => {
        lanewise1! { @with inline(always); $($t)* }
    };
}

/// Defines `fn(u128, u128) -> u128` functions over pairs of float lanes.
macro_rules! lanewise2 {
    ($( $(#[$doc:meta])* $name:ident($split:ident -> $join:ident) = $f:expr
        $(, x86 = $helper:ident($x86:expr))?; )*) => {$(
        $(#[$doc])*
        #[inline(always)]
        pub(crate) fn $name(a: u128, b: u128) -> u128 {
            $(
                #[cfg(target_arch = "x86_64")]
                if super::x86::fast() {
                    return super::x86::$helper(a, b, $x86);
                }
            )?
            $join(zip($split(a), $split(b), $f))
        }
    )*};
}

/// Wasm's `f32.min`: NaN if either is, and -0 below +0.
#[inline(always)]
fn min32(a: f32, b: f32) -> f32 {
    fmin(a, b, a.to_bits() as u64, b.to_bits() as u64, |x| f32::from_bits(x as u32))
}

/// Wasm's `f32.max`: NaN if either is, and +0 above -0.
#[inline(always)]
fn max32(a: f32, b: f32) -> f32 {
    fmax(a, b, a.to_bits() as u64, b.to_bits() as u64, |x| f32::from_bits(x as u32))
}

/// Wasm's `f64.min`.
#[inline(always)]
fn min64(a: f64, b: f64) -> f64 {
    fmin(a, b, a.to_bits(), b.to_bits(), f64::from_bits)
}

/// Wasm's `f64.max`.
#[inline(always)]
fn max64(a: f64, b: f64) -> f64 {
    fmax(a, b, a.to_bits(), b.to_bits(), f64::from_bits)
}

// Sign operations work on the bits: a NaN keeps its payload.
lanewise1! {
    /// `f32x4.abs`: the sign bits cleared.
    f32x4_abs(u32x4 -> from_u32x4) = |x| x & !(1 << 31);
    /// `f32x4.neg`: the sign bits flipped.
    f32x4_neg(u32x4 -> from_u32x4) = |x| x ^ (1 << 31);
    /// `f64x2.abs`: the sign bits cleared.
    f64x2_abs(u64x2 -> from_u64x2) = |x| x & !(1 << 63);
    /// `f64x2.neg`: the sign bits flipped.
    f64x2_neg(u64x2 -> from_u64x2) = |x| x ^ (1 << 63);
}

lanewise1! {
    /// `f32x4.sqrt`.
    f32x4_sqrt(f32x4 -> from_f32x4) = f32::sqrt, x86 = unary_ps(_mm_sqrt_ps);
    /// `f64x2.sqrt`.
    f64x2_sqrt(f64x2 -> from_f64x2) = f64::sqrt, x86 = unary_pd(_mm_sqrt_pd);
}

// Rounding: libm may hand a signalling NaN back unchanged, and wasm wants
// an arithmetic (quiet) NaN out of a NaN in. Without SSE4.1 (a baseline
// x86-64 build) each lane is a libm call, so these stay out of line: the
// interpreter's handlers call them directly, never through a register
// (`tests/all/interp_dispatch.rs`).
lanewise1! {
    @with inline(never);
    /// `f32x4.ceil`.
    f32x4_ceil(f32x4 -> from_f32x4) = |x| quiet_f32(x.ceil());
    /// `f32x4.floor`.
    f32x4_floor(f32x4 -> from_f32x4) = |x| quiet_f32(x.floor());
    /// `f32x4.trunc`.
    f32x4_trunc(f32x4 -> from_f32x4) = |x| quiet_f32(x.trunc());
    /// `f32x4.nearest`: ties to even.
    f32x4_nearest(f32x4 -> from_f32x4) = |x| quiet_f32(x.round_ties_even());
    /// `f64x2.ceil`.
    f64x2_ceil(f64x2 -> from_f64x2) = |x| quiet_f64(x.ceil());
    /// `f64x2.floor`.
    f64x2_floor(f64x2 -> from_f64x2) = |x| quiet_f64(x.floor());
    /// `f64x2.trunc`.
    f64x2_trunc(f64x2 -> from_f64x2) = |x| quiet_f64(x.trunc());
    /// `f64x2.nearest`: ties to even.
    f64x2_nearest(f64x2 -> from_f64x2) = |x| quiet_f64(x.round_ties_even());
}

lanewise2! {
    /// `f32x4.add`.
    f32x4_add(f32x4 -> from_f32x4) = |x, y| x + y,
        x86 = binary_ps(_mm_add_ps);
    /// `f32x4.sub`.
    f32x4_sub(f32x4 -> from_f32x4) = |x, y| x - y,
        x86 = binary_ps(_mm_sub_ps);
    /// `f32x4.mul`.
    f32x4_mul(f32x4 -> from_f32x4) = |x, y| x * y,
        x86 = binary_ps(_mm_mul_ps);
    /// `f32x4.div`.
    f32x4_div(f32x4 -> from_f32x4) = |x, y| x / y,
        x86 = binary_ps(_mm_div_ps);
    /// `f32x4.min` and `f32x4.relaxed_min`.
    f32x4_min(f32x4 -> from_f32x4) = min32;
    /// `f32x4.max` and `f32x4.relaxed_max`.
    f32x4_max(f32x4 -> from_f32x4) = max32;
    /// `f32x4.pmin`: `b < a ? b : a`, bit for bit (a NaN is returned as is).
    f32x4_pmin(f32x4 -> from_f32x4) = |x, y| if y < x { y } else { x };
    /// `f32x4.pmax`: `a < b ? b : a`.
    f32x4_pmax(f32x4 -> from_f32x4) = |x, y| if x < y { y } else { x };

    /// `f64x2.add`.
    f64x2_add(f64x2 -> from_f64x2) = |x, y| x + y,
        x86 = binary_pd(_mm_add_pd);
    /// `f64x2.sub`.
    f64x2_sub(f64x2 -> from_f64x2) = |x, y| x - y,
        x86 = binary_pd(_mm_sub_pd);
    /// `f64x2.mul`.
    f64x2_mul(f64x2 -> from_f64x2) = |x, y| x * y,
        x86 = binary_pd(_mm_mul_pd);
    /// `f64x2.div`.
    f64x2_div(f64x2 -> from_f64x2) = |x, y| x / y,
        x86 = binary_pd(_mm_div_pd);
    /// `f64x2.min` and `f64x2.relaxed_min`.
    f64x2_min(f64x2 -> from_f64x2) = min64;
    /// `f64x2.max` and `f64x2.relaxed_max`.
    f64x2_max(f64x2 -> from_f64x2) = max64;
    /// `f64x2.pmin`: `b < a ? b : a`.
    f64x2_pmin(f64x2 -> from_f64x2) = |x, y| if y < x { y } else { x };
    /// `f64x2.pmax`: `a < b ? b : a`.
    f64x2_pmax(f64x2 -> from_f64x2) = |x, y| if x < y { y } else { x };
}

// Comparisons: IEEE, so every comparison with a NaN is false but `ne`.
lanewise2! {
    /// `f32x4.eq`.
    f32x4_eq(f32x4 -> from_u32x4) = |x, y| mask32(x == y),
        x86 = binary_ps(_mm_cmpeq_ps);
    /// `f32x4.ne`.
    f32x4_ne(f32x4 -> from_u32x4) = |x, y| mask32(x != y),
        x86 = binary_ps(_mm_cmpneq_ps);
    /// `f32x4.lt`.
    f32x4_lt(f32x4 -> from_u32x4) = |x, y| mask32(x < y),
        x86 = binary_ps(_mm_cmplt_ps);
    /// `f32x4.gt`.
    f32x4_gt(f32x4 -> from_u32x4) = |x, y| mask32(x > y),
        x86 = binary_ps(_mm_cmpgt_ps);
    /// `f32x4.le`.
    f32x4_le(f32x4 -> from_u32x4) = |x, y| mask32(x <= y),
        x86 = binary_ps(_mm_cmple_ps);
    /// `f32x4.ge`.
    f32x4_ge(f32x4 -> from_u32x4) = |x, y| mask32(x >= y),
        x86 = binary_ps(_mm_cmpge_ps);
    /// `f64x2.eq`.
    f64x2_eq(f64x2 -> from_u64x2) = |x, y| mask64(x == y),
        x86 = binary_pd(_mm_cmpeq_pd);
    /// `f64x2.ne`.
    f64x2_ne(f64x2 -> from_u64x2) = |x, y| mask64(x != y),
        x86 = binary_pd(_mm_cmpneq_pd);
    /// `f64x2.lt`.
    f64x2_lt(f64x2 -> from_u64x2) = |x, y| mask64(x < y),
        x86 = binary_pd(_mm_cmplt_pd);
    /// `f64x2.gt`.
    f64x2_gt(f64x2 -> from_u64x2) = |x, y| mask64(x > y),
        x86 = binary_pd(_mm_cmpgt_pd);
    /// `f64x2.le`.
    f64x2_le(f64x2 -> from_u64x2) = |x, y| mask64(x <= y),
        x86 = binary_pd(_mm_cmple_pd);
    /// `f64x2.ge`.
    f64x2_ge(f64x2 -> from_u64x2) = |x, y| mask64(x >= y),
        x86 = binary_pd(_mm_cmpge_pd);
}

// The relaxed multiply-adds, fused here (one rounding) so that the result
// does not depend on the host; the JIT fuses them too. A baseline x86-64
// build has no FMA instruction: `mul_add` calls libm once per lane, so
// these stay out of line, where the interpreter's handlers call them
// directly (a handler must never call through a register: see
// `tests/all/interp_dispatch.rs`).

/// `f32x4.relaxed_madd(a, b, c)`: `a * b + c`, fused.
#[inline(never)]
pub(crate) fn f32x4_relaxed_madd(a: u128, b: u128, c: u128) -> u128 {
    let (a, b, c) = (f32x4(a), f32x4(b), f32x4(c));
    from_f32x4(std::array::from_fn(|i| a[i].mul_add(b[i], c[i])))
}

/// `f32x4.relaxed_nmadd(a, b, c)`: `-(a * b) + c`, fused.
#[inline(never)]
pub(crate) fn f32x4_relaxed_nmadd(a: u128, b: u128, c: u128) -> u128 {
    let (a, b, c) = (f32x4(a), f32x4(b), f32x4(c));
    from_f32x4(std::array::from_fn(|i| (-a[i]).mul_add(b[i], c[i])))
}

/// `f64x2.relaxed_madd(a, b, c)`: `a * b + c`, fused.
#[inline(never)]
pub(crate) fn f64x2_relaxed_madd(a: u128, b: u128, c: u128) -> u128 {
    let (a, b, c) = (f64x2(a), f64x2(b), f64x2(c));
    from_f64x2(std::array::from_fn(|i| a[i].mul_add(b[i], c[i])))
}

/// `f64x2.relaxed_nmadd(a, b, c)`: `-(a * b) + c`, fused.
#[inline(never)]
pub(crate) fn f64x2_relaxed_nmadd(a: u128, b: u128, c: u128) -> u128 {
    let (a, b, c) = (f64x2(a), f64x2(b), f64x2(c));
    from_f64x2(std::array::from_fn(|i| (-a[i]).mul_add(b[i], c[i])))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f4(l: [f32; 4]) -> u128 {
        from_f32x4(l)
    }
    fn d2(l: [f64; 2]) -> u128 {
        from_f64x2(l)
    }
    fn bits4(v: u128) -> [u32; 4] {
        u32x4(v)
    }
    fn bits2(v: u128) -> [u64; 2] {
        u64x2(v)
    }
    const QNAN32: u32 = 0x7fc0_0000;
    const SNAN32: u32 = 0x7fa0_0000;
    const QNAN64: u64 = 0x7ff8_0000_0000_0000;
    const SNAN64: u64 = 0x7ff4_0000_0000_0000;

    fn is_nan32(b: u32) -> bool {
        f32::from_bits(b).is_nan()
    }
    fn is_arith_nan32(b: u32) -> bool {
        is_nan32(b) && b & 0x0040_0000 != 0
    }
    fn is_arith_nan64(b: u64) -> bool {
        f64::from_bits(b).is_nan() && b & 0x0008_0000_0000_0000 != 0
    }

    #[test]
    fn arithmetic() {
        assert_eq!(f32x4(f32x4_add(f4([1.0, -0.0, 3e38, 0.5]), f4([2.0, 0.0, 3e38, 0.25]))), {
            [3.0, 0.0, f32::INFINITY, 0.75]
        });
        assert_eq!(f32x4(f32x4_sub(f4([1.0; 4]), f4([3.0; 4]))), [-2.0; 4]);
        assert_eq!(f32x4(f32x4_mul(f4([1.5; 4]), f4([-2.0; 4]))), [-3.0; 4]);
        assert_eq!(f32x4(f32x4_div(f4([1.0, -1.0, 0.0, 6.0]), f4([0.0, 0.0, 1.0, 4.0]))), {
            [f32::INFINITY, f32::NEG_INFINITY, 0.0, 1.5]
        });
        assert!(bits4(f32x4_div(f4([0.0; 4]), f4([0.0; 4]))).iter().all(|&b| is_nan32(b)));
        assert_eq!(f32x4(f32x4_sqrt(f4([4.0, 2.25, 0.0, -0.0]))), [2.0, 1.5, 0.0, -0.0]);
        assert!(is_nan32(bits4(f32x4_sqrt(f4([-1.0; 4])))[0]));
        assert_eq!(f64x2(f64x2_add(d2([1.0, 2.0]), d2([0.5, -2.0]))), [1.5, 0.0]);
        assert_eq!(f64x2(f64x2_sub(d2([1.0, 2.0]), d2([0.5, -2.0]))), [0.5, 4.0]);
        assert_eq!(f64x2(f64x2_mul(d2([1.0, 2.0]), d2([0.5, -2.0]))), [0.5, -4.0]);
        assert_eq!(f64x2(f64x2_div(d2([1.0, 2.0]), d2([0.5, -2.0]))), [2.0, -1.0]);
        assert_eq!(f64x2(f64x2_sqrt(d2([9.0, 1e300]))), [3.0, 1e150]);
    }

    #[test]
    fn min_max_follow_wasm() {
        let a = f4([0.0, -0.0, 1.0, f32::NAN]);
        let b = f4([-0.0, 0.0, f32::NAN, 1.0]);
        let min = bits4(f32x4_min(a, b));
        assert_eq!(min[..2], [(-0.0f32).to_bits(); 2]);
        assert!(is_arith_nan32(min[2]) && is_arith_nan32(min[3]));
        let max = bits4(f32x4_max(a, b));
        assert_eq!(max[..2], [0; 2]);
        assert!(is_arith_nan32(max[2]) && is_arith_nan32(max[3]));
        assert_eq!(f32x4(f32x4_min(f4([1.0, -5.0, 3.0, f32::INFINITY]), f4([2.0, 5.0, -3.0, 0.0]))), {
            [1.0, -5.0, -3.0, 0.0]
        });
        assert_eq!(f32x4(f32x4_max(f4([1.0, -5.0, 3.0, f32::NEG_INFINITY]), f4([2.0, 5.0, -3.0, 0.0]))), {
            [2.0, 5.0, 3.0, 0.0]
        });
        // A signalling NaN comes out quiet.
        let min = bits4(f32x4_min(from_u32x4([SNAN32; 4]), f4([1.0; 4])));
        assert!(min.iter().all(|&b| is_arith_nan32(b)));

        let min = bits2(f64x2_min(d2([0.0, f64::NAN]), d2([-0.0, 1.0])));
        assert_eq!(min[0], (-0.0f64).to_bits());
        assert!(is_arith_nan64(min[1]));
        let max = bits2(f64x2_max(d2([-0.0, 2.0]), d2([0.0, f64::NAN])));
        assert_eq!(max[0], 0);
        assert!(is_arith_nan64(max[1]));
        assert_eq!(f64x2(f64x2_min(d2([1.0, 2.0]), d2([-1.0, 3.0]))), [-1.0, 2.0]);
        assert_eq!(f64x2(f64x2_max(d2([1.0, 2.0]), d2([-1.0, 3.0]))), [1.0, 3.0]);
    }

    #[test]
    fn pmin_pmax_are_bitwise_selects() {
        // NaN in either position: the comparison is false, so `a` comes back.
        let a = from_u32x4([0x7fc0_1234, 0, (-0.0f32).to_bits(), 1.0f32.to_bits()]);
        let b = from_u32x4([0, QNAN32, 0, 2.0f32.to_bits()]);
        assert_eq!(bits4(f32x4_pmin(a, b)), [0x7fc0_1234, 0, (-0.0f32).to_bits(), 1.0f32.to_bits()]);
        assert_eq!(bits4(f32x4_pmax(a, b)), [0x7fc0_1234, 0, (-0.0f32).to_bits(), 2.0f32.to_bits()]);
        assert_eq!(bits4(f32x4_pmin(b, a))[..3], [0, QNAN32, 0]);
        let a = from_u64x2([(-0.0f64).to_bits(), 3.0f64.to_bits()]);
        let b = from_u64x2([0, QNAN64]);
        assert_eq!(bits2(f64x2_pmin(a, b)), [(-0.0f64).to_bits(), 3.0f64.to_bits()]);
        assert_eq!(bits2(f64x2_pmax(a, b)), [(-0.0f64).to_bits(), 3.0f64.to_bits()]);
        assert_eq!(f64x2(f64x2_pmin(d2([2.0, 1.0]), d2([1.0, 2.0]))), [1.0, 1.0]);
        assert_eq!(f64x2(f64x2_pmax(d2([2.0, 1.0]), d2([1.0, 2.0]))), [2.0, 2.0]);
    }

    #[test]
    fn sign_operations_keep_nan_payloads() {
        let v = from_u32x4([SNAN32, 0, 0x8000_0001, f32::NEG_INFINITY.to_bits()]);
        assert_eq!(bits4(f32x4_neg(v)), [SNAN32 | 1 << 31, 1 << 31, 1, f32::INFINITY.to_bits()]);
        assert_eq!(bits4(f32x4_abs(v)), [SNAN32, 0, 1, f32::INFINITY.to_bits()]);
        let v = from_u64x2([SNAN64 | 1 << 63, 5]);
        assert_eq!(bits2(f64x2_abs(v)), [SNAN64, 5]);
        assert_eq!(bits2(f64x2_neg(v)), [SNAN64, 5 | 1 << 63]);
    }

    #[test]
    fn rounding() {
        let v = f4([1.5, -1.5, 2.5, -0.5]);
        assert_eq!(f32x4(f32x4_ceil(v)), [2.0, -1.0, 3.0, -0.0]);
        assert_eq!(f32x4(f32x4_floor(v)), [1.0, -2.0, 2.0, -1.0]);
        assert_eq!(f32x4(f32x4_trunc(v)), [1.0, -1.0, 2.0, -0.0]);
        assert_eq!(f32x4(f32x4_nearest(v)), [2.0, -2.0, 2.0, -0.0]);
        assert_eq!(bits4(f32x4_nearest(f4([-0.5, 0.5, 3.5, 8388609.0]))), {
            [(-0.0f32).to_bits(), 0, 4.0f32.to_bits(), 8388609.0f32.to_bits()]
        });
        let nan = bits4(f32x4_ceil(from_u32x4([SNAN32; 4])));
        assert!(nan.iter().all(|&b| is_arith_nan32(b)));
        let nan = bits4(f32x4_nearest(from_u32x4([SNAN32; 4])));
        assert!(nan.iter().all(|&b| is_arith_nan32(b)));
        assert_eq!(f64x2(f64x2_ceil(d2([0.5, -0.5]))), [1.0, -0.0]);
        assert_eq!(f64x2(f64x2_floor(d2([0.5, -0.5]))), [0.0, -1.0]);
        assert_eq!(f64x2(f64x2_trunc(d2([2.7, -2.7]))), [2.0, -2.0]);
        assert_eq!(f64x2(f64x2_nearest(d2([2.5, 3.5]))), [2.0, 4.0]);
        assert_eq!(bits2(f64x2_nearest(d2([-2.5, 4503599627370497.0]))), {
            [(-2.0f64).to_bits(), 4503599627370497.0f64.to_bits()]
        });
        assert!(bits2(f64x2_trunc(from_u64x2([SNAN64; 2]))).iter().all(|&b| is_arith_nan64(b)));
        assert!(bits2(f64x2_floor(from_u64x2([SNAN64; 2]))).iter().all(|&b| is_arith_nan64(b)));
    }

    #[test]
    fn comparisons() {
        let a = f4([1.0, f32::NAN, -0.0, 2.0]);
        let b = f4([1.0, f32::NAN, 0.0, 1.0]);
        let t = u32::MAX;
        assert_eq!(bits4(f32x4_eq(a, b)), [t, 0, t, 0]);
        assert_eq!(bits4(f32x4_ne(a, b)), [0, t, 0, t]);
        assert_eq!(bits4(f32x4_lt(a, b)), [0, 0, 0, 0]);
        assert_eq!(bits4(f32x4_gt(a, b)), [0, 0, 0, t]);
        assert_eq!(bits4(f32x4_le(a, b)), [t, 0, t, 0]);
        assert_eq!(bits4(f32x4_ge(a, b)), [t, 0, t, t]);
        let a = d2([f64::NAN, -1.0]);
        let b = d2([1.0, 1.0]);
        let t = u64::MAX;
        assert_eq!(bits2(f64x2_eq(a, b)), [0, 0]);
        assert_eq!(bits2(f64x2_ne(a, b)), [t, t]);
        assert_eq!(bits2(f64x2_lt(a, b)), [0, t]);
        assert_eq!(bits2(f64x2_gt(a, b)), [0, 0]);
        assert_eq!(bits2(f64x2_le(a, b)), [0, t]);
        assert_eq!(bits2(f64x2_ge(a, b)), [0, 0]);
    }

    #[test]
    fn relaxed_madd_is_fused() {
        // (1 + e)² - (1 + 2e) is e² exactly, and zero if the product were
        // rounded before the addition.
        let (x, c) = (1.0 + f32::EPSILON, 1.0 + 2.0 * f32::EPSILON);
        let r = f32x4(f32x4_relaxed_madd(f4([x; 4]), f4([x; 4]), f4([-c; 4])));
        assert_eq!(r, [f32::EPSILON * f32::EPSILON; 4]);
        let r = f32x4(f32x4_relaxed_nmadd(f4([x; 4]), f4([x; 4]), f4([c; 4])));
        assert_eq!(r, [-f32::EPSILON * f32::EPSILON; 4]);
        let (y, c) = (1.0 + f64::EPSILON, 1.0 + 2.0 * f64::EPSILON);
        let r = f64x2(f64x2_relaxed_madd(d2([y; 2]), d2([y; 2]), d2([-c; 2])));
        assert_eq!(r, [f64::EPSILON * f64::EPSILON; 2]);
        let r = f64x2(f64x2_relaxed_nmadd(d2([y; 2]), d2([y; 2]), d2([c; 2])));
        assert_eq!(r, [-f64::EPSILON * f64::EPSILON; 2]);
        assert_eq!(f64x2(f64x2_relaxed_madd(d2([2.0, 3.0]), d2([4.0, -1.0]), d2([1.0, 3.0]))), [9.0, 0.0]);
        assert_eq!(f32x4(f32x4_relaxed_nmadd(f4([2.0; 4]), f4([4.0; 4]), f4([1.0; 4]))), [-7.0; 4]);
    }
}
