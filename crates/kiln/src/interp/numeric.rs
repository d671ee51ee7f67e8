//! Numeric helpers shared by the executors: slot bits to floats and back,
//! wasm's `min`/`max`, and the range check of float-to-int truncation.

use crate::trap::Trap;

#[inline(always)]
pub(super) fn f32_of(v: u64) -> f32 {
    f32::from_bits(v as u32)
}
#[inline(always)]
pub(super) fn f64_of(v: u64) -> f64 {
    f64::from_bits(v)
}
/// Rounding a signalling NaN must give a quiet one (an arithmetic NaN);
/// some libm routines hand the input back unchanged.
#[inline(always)]
pub(super) fn quiet_f32(x: f32) -> f32 {
    if x.is_nan() {
        f32::from_bits(x.to_bits() | 0x0040_0000)
    } else {
        x
    }
}
#[inline(always)]
pub(super) fn quiet_f64(x: f64) -> f64 {
    if x.is_nan() {
        f64::from_bits(x.to_bits() | 0x0008_0000_0000_0000)
    } else {
        x
    }
}
#[inline(always)]
pub(super) fn from_f32(v: f32) -> u64 {
    v.to_bits() as u64
}
#[inline(always)]
pub(super) fn from_f64(v: f64) -> u64 {
    v.to_bits()
}

#[inline(always)]
pub(super) fn fmin<F: PartialOrd + Copy + std::ops::Add<Output = F>>(
    a: F,
    b: F,
    a_bits: u64,
    b_bits: u64,
    from: impl Fn(u64) -> F,
) -> F {
    #[allow(clippy::eq_op)]
    if a != a || b != b {
        a + b
    } else if a == b {
        from(a_bits | b_bits)
    } else if a < b {
        a
    } else {
        b
    }
}

#[inline(always)]
pub(super) fn fmax<F: PartialOrd + Copy + std::ops::Add<Output = F>>(
    a: F,
    b: F,
    a_bits: u64,
    b_bits: u64,
    from: impl Fn(u64) -> F,
) -> F {
    #[allow(clippy::eq_op)]
    if a != a || b != b {
        a + b
    } else if a == b {
        from(a_bits & b_bits)
    } else if a > b {
        a
    } else {
        b
    }
}

/// Checks a float-to-int truncation: NaN and out-of-range values trap.
/// `lo` and `hi` are exclusive bounds of the valid range.
#[inline(always)]
pub(super) fn trunc_check(x: f64, lo: f64, hi: f64) -> Result<(), Trap> {
    if x.is_nan() {
        Err(Trap::BadConversionToInteger)
    } else if x <= lo || x >= hi {
        Err(Trap::IntegerOverflow)
    } else {
        Ok(())
    }
}
