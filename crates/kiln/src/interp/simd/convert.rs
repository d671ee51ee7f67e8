//! Conversions between lane types: saturating float-to-int truncations,
//! int-to-float conversions, and float demotion and promotion.
//!
//! Rust's float-to-int `as` is exactly wasm's `trunc_sat`: toward zero,
//! saturating at the bounds, NaN to 0. Its int-to-float `as` rounds to
//! nearest, ties to even, as wasm's `convert` does.

use super::super::numeric::{quiet_f32, quiet_f64};
use super::lanes::*;

/// `i32x4.trunc_sat_f32x4_s` and `i32x4.relaxed_trunc_f32x4_s`.
#[inline(always)]
pub(crate) fn i32x4_trunc_sat_f32x4_s(a: u128) -> u128 {
    from_i32x4(map(f32x4(a), |x| x as i32))
}

/// `i32x4.trunc_sat_f32x4_u` and `i32x4.relaxed_trunc_f32x4_u`.
#[inline(always)]
pub(crate) fn i32x4_trunc_sat_f32x4_u(a: u128) -> u128 {
    from_u32x4(map(f32x4(a), |x| x as u32))
}

/// `i32x4.trunc_sat_f64x2_s_zero` and `i32x4.relaxed_trunc_f64x2_s_zero`:
/// the two results in the low lanes, zeros above.
#[inline(always)]
pub(crate) fn i32x4_trunc_sat_f64x2_s_zero(a: u128) -> u128 {
    let [x, y] = f64x2(a);
    from_i32x4([x as i32, y as i32, 0, 0])
}

/// `i32x4.trunc_sat_f64x2_u_zero` and `i32x4.relaxed_trunc_f64x2_u_zero`.
#[inline(always)]
pub(crate) fn i32x4_trunc_sat_f64x2_u_zero(a: u128) -> u128 {
    let [x, y] = f64x2(a);
    from_u32x4([x as u32, y as u32, 0, 0])
}

/// `f32x4.convert_i32x4_s`.
#[inline(always)]
pub(crate) fn f32x4_convert_i32x4_s(a: u128) -> u128 {
    from_f32x4(map(i32x4(a), |x| x as f32))
}

/// `f32x4.convert_i32x4_u`.
#[inline(always)]
pub(crate) fn f32x4_convert_i32x4_u(a: u128) -> u128 {
    from_f32x4(map(u32x4(a), |x| x as f32))
}

/// `f64x2.convert_low_i32x4_s` (exact).
#[inline(always)]
pub(crate) fn f64x2_convert_low_i32x4_s(a: u128) -> u128 {
    from_f64x2(map(low(i32x4(a)), |x: i32| x as f64))
}

/// `f64x2.convert_low_i32x4_u` (exact).
#[inline(always)]
pub(crate) fn f64x2_convert_low_i32x4_u(a: u128) -> u128 {
    from_f64x2(map(low(u32x4(a)), |x: u32| x as f64))
}

/// `f32x4.demote_f64x2_zero`: the two lanes rounded to f32, zeros above.
/// A NaN stays a NaN with the quiet bit set, canonical from canonical.
#[inline(always)]
pub(crate) fn f32x4_demote_f64x2_zero(a: u128) -> u128 {
    let [x, y] = f64x2(a);
    from_f32x4([quiet_f32(x as f32), quiet_f32(y as f32), 0.0, 0.0])
}

/// `f64x2.promote_low_f32x4` (exact; a NaN comes out quiet).
#[inline(always)]
pub(crate) fn f64x2_promote_low_f32x4(a: u128) -> u128 {
    from_f64x2(map(low(f32x4(a)), |x: f32| quiet_f64(x as f64)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunc_sat_f32x4() {
        let v = from_f32x4([f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -1.9]);
        assert_eq!(i32x4(i32x4_trunc_sat_f32x4_s(v)), [0, i32::MAX, i32::MIN, -1]);
        assert_eq!(u32x4(i32x4_trunc_sat_f32x4_u(v)), [0, u32::MAX, 0, 0]);
        let v = from_f32x4([2147483648.0, -2147483904.0, 4294967296.0, 1.9]);
        assert_eq!(i32x4(i32x4_trunc_sat_f32x4_s(v)), [i32::MAX, i32::MIN, i32::MAX, 1]);
        assert_eq!(u32x4(i32x4_trunc_sat_f32x4_u(v)), [2147483648, 0, u32::MAX, 1]);
        let v = from_f32x4([-0.0, -0.9, 4294967040.0, -f32::NAN]);
        assert_eq!(u32x4(i32x4_trunc_sat_f32x4_u(v)), [0, 0, 4294967040, 0]);
    }

    #[test]
    fn trunc_sat_f64x2_zero() {
        let v = from_f64x2([f64::NAN, -2147483648.9]);
        assert_eq!(i32x4(i32x4_trunc_sat_f64x2_s_zero(v)), [0, i32::MIN, 0, 0]);
        let v = from_f64x2([2147483647.9, -2147483649.0]);
        assert_eq!(i32x4(i32x4_trunc_sat_f64x2_s_zero(v)), [i32::MAX, i32::MIN, 0, 0]);
        let v = from_f64x2([4294967295.9, f64::INFINITY]);
        assert_eq!(u32x4(i32x4_trunc_sat_f64x2_u_zero(v)), [u32::MAX, u32::MAX, 0, 0]);
        let v = from_f64x2([-1.0, f64::NEG_INFINITY]);
        assert_eq!(u32x4(i32x4_trunc_sat_f64x2_u_zero(v)), [0; 4]);
        assert_eq!(i32x4_trunc_sat_f64x2_u_zero(from_f64x2([f64::NAN, 1e300])) >> 32, 0xffff_ffff);
    }

    #[test]
    fn convert() {
        let v = from_i32x4([-1, i32::MIN, 16777217, i32::MAX]);
        assert_eq!(f32x4(f32x4_convert_i32x4_s(v)), [-1.0, -2147483648.0, 16777216.0, 2147483648.0]);
        assert_eq!(f32x4(f32x4_convert_i32x4_u(v)), [4294967296.0, 2147483648.0, 16777216.0, 2147483648.0]);
        // 16777219 is halfway between two f32s: ties to even.
        assert_eq!(f32x4(f32x4_convert_i32x4_s(from_i32x4([16777219; 4])))[0], 16777220.0);
        assert_eq!(f64x2(f64x2_convert_low_i32x4_s(v)), [-1.0, -2147483648.0]);
        assert_eq!(f64x2(f64x2_convert_low_i32x4_u(v)), [4294967295.0, 2147483648.0]);
    }

    #[test]
    fn demote_and_promote() {
        let v = from_f64x2([1.5, 1e300]);
        assert_eq!(u32x4(f32x4_demote_f64x2_zero(v)), [1.5f32.to_bits(), f32::INFINITY.to_bits(), 0, 0]);
        let v = from_u64x2([0x7ff8_0000_0000_0000, 0x7ff0_0000_0000_0001]);
        let r = u32x4(f32x4_demote_f64x2_zero(v));
        assert_eq!(r[0], 0x7fc0_0000);
        assert!(f32::from_bits(r[1]).is_nan() && r[1] & 0x0040_0000 != 0);
        assert_eq!(r[2..], [0, 0]);
        // The nearest f32 to 1 + 2^-24 + 2^-50 is above the tie.
        let v = from_f64x2([1.0 + 2f64.powi(-24) + 2f64.powi(-50), -0.0]);
        assert_eq!(f32x4(f32x4_demote_f64x2_zero(v))[..2], [1.0 + f32::EPSILON, -0.0]);

        let v = from_f32x4([1.5, -0.0, 7.0, 8.0]);
        assert_eq!(u64x2(f64x2_promote_low_f32x4(v)), [1.5f64.to_bits(), (-0.0f64).to_bits()]);
        let r = u64x2(f64x2_promote_low_f32x4(from_u32x4([0x7fc0_0000, 0x7f80_0001, 0, 0])));
        assert_eq!(r[0], 0x7ff8_0000_0000_0000);
        assert!(f64::from_bits(r[1]).is_nan() && r[1] & 0x0008_0000_0000_0000 != 0);
    }
}
