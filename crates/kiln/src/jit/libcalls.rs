//! Rust implementations of the Cranelift library calls compiled code may
//! need: float rounding when the host lacks SSE4.1 (x86_64), fused
//! multiply-add when it lacks FMA (scalar, and each lane of a vector), and
//! `pshufb` (swizzles and shuffles) when it lacks SSSE3. Nothing else is
//! ever emitted for Kiln's translations.

use cranelift_codegen::ir::LibCall;

// Wasm's rounding operators turn a NaN into a quiet NaN; a software
// rounding (Rust's, without SSE4.1) may return a signalling one unchanged.
fn quiet_f32(x: f32) -> f32 {
    if x.is_nan() {
        f32::from_bits(x.to_bits() | 1 << 22)
    } else {
        x
    }
}
fn quiet_f64(x: f64) -> f64 {
    if x.is_nan() {
        f64::from_bits(x.to_bits() | 1 << 51)
    } else {
        x
    }
}

extern "C" fn ceil_f32(x: f32) -> f32 {
    quiet_f32(x.ceil())
}
extern "C" fn ceil_f64(x: f64) -> f64 {
    quiet_f64(x.ceil())
}
extern "C" fn floor_f32(x: f32) -> f32 {
    quiet_f32(x.floor())
}
extern "C" fn floor_f64(x: f64) -> f64 {
    quiet_f64(x.floor())
}
extern "C" fn trunc_f32(x: f32) -> f32 {
    quiet_f32(x.trunc())
}
extern "C" fn trunc_f64(x: f64) -> f64 {
    quiet_f64(x.trunc())
}
// Wasm's `nearest` rounds half-way cases to even.
extern "C" fn nearest_f32(x: f32) -> f32 {
    quiet_f32(x.round_ties_even())
}
extern "C" fn nearest_f64(x: f64) -> f64 {
    quiet_f64(x.round_ties_even())
}
extern "C" fn fma_f32(a: f32, b: f32, c: f32) -> f32 {
    a.mul_add(b, c)
}
extern "C" fn fma_f64(a: f64, b: f64, c: f64) -> f64 {
    a.mul_add(b, c)
}

/// SSSE3's `pshufb`: byte `i` is `a[mask[i] & 15]`, or 0 where `mask[i]`
/// has its top bit set.
#[cfg(target_arch = "x86_64")]
// The lint knows no SIMD type as FFI-safe, but the System V x64 ABI (the
// JIT runs on Linux only) passes an `__m128i` in an XMM register, as
// Cranelift's call does.
#[allow(improper_ctypes_definitions)]
extern "C" fn x86_pshufb(
    a: std::arch::x86_64::__m128i,
    mask: std::arch::x86_64::__m128i,
) -> std::arch::x86_64::__m128i {
    use std::arch::x86_64::__m128i;
    // SAFETY: `__m128i` and `[u8; 16]` are both 16 plain bytes, any bit
    // pattern valid for either.
    let (a, mask) =
        unsafe { (std::mem::transmute::<__m128i, [u8; 16]>(a), std::mem::transmute::<__m128i, [u8; 16]>(mask)) };
    let out = mask.map(|m| if m & 0x80 != 0 { 0 } else { a[(m & 15) as usize] });
    // SAFETY: as above.
    unsafe { std::mem::transmute::<[u8; 16], __m128i>(out) }
}

/// Address of the routine implementing `libcall`, if Kiln provides one.
pub(crate) fn address(libcall: LibCall) -> Option<usize> {
    Some(match libcall {
        LibCall::CeilF32 => ceil_f32 as extern "C" fn(f32) -> f32 as usize,
        LibCall::CeilF64 => ceil_f64 as extern "C" fn(f64) -> f64 as usize,
        LibCall::FloorF32 => floor_f32 as extern "C" fn(f32) -> f32 as usize,
        LibCall::FloorF64 => floor_f64 as extern "C" fn(f64) -> f64 as usize,
        LibCall::TruncF32 => trunc_f32 as extern "C" fn(f32) -> f32 as usize,
        LibCall::TruncF64 => trunc_f64 as extern "C" fn(f64) -> f64 as usize,
        LibCall::NearestF32 => nearest_f32 as extern "C" fn(f32) -> f32 as usize,
        LibCall::NearestF64 => nearest_f64 as extern "C" fn(f64) -> f64 as usize,
        LibCall::FmaF32 => fma_f32 as extern "C" fn(f32, f32, f32) -> f32 as usize,
        LibCall::FmaF64 => fma_f64 as extern "C" fn(f64, f64, f64) -> f64 as usize,
        #[cfg(target_arch = "x86_64")]
        LibCall::X86Pshufb => {
            use std::arch::x86_64::__m128i;
            x86_pshufb as extern "C" fn(__m128i, __m128i) -> __m128i as usize
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_quiets_nans_and_keeps_zero_signs() {
        let snan32 = f32::from_bits(0x7fa0_0000);
        let snan64 = f64::from_bits(0x7ff4_0000_0000_0000);
        for f in [ceil_f32, floor_f32, trunc_f32, nearest_f32] {
            assert_eq!(f(snan32).to_bits(), 0x7fe0_0000);
        }
        for f in [ceil_f32, trunc_f32, nearest_f32] {
            assert_eq!(f(-0.25).to_bits(), (-0.0f32).to_bits());
        }
        for f in [ceil_f64, floor_f64, trunc_f64, nearest_f64] {
            assert_eq!(f(snan64).to_bits(), 0x7ffc_0000_0000_0000);
        }
        assert_eq!(nearest_f32(2.5), 2.0);
        assert_eq!(nearest_f64(-3.5), -4.0);
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn pshufb_selects_bytes_or_zero() {
        use std::arch::x86_64::__m128i;
        let a: [u8; 16] = std::array::from_fn(|i| 100 + i as u8);
        let mask: [u8; 16] = [15, 0, 0x80, 0x8f, 16, 17, 31, 1, 2, 3, 4, 5, 6, 7, 0xff, 9];
        // SAFETY: 16 plain bytes either way.
        let (va, vm) =
            unsafe { (std::mem::transmute::<[u8; 16], __m128i>(a), std::mem::transmute::<[u8; 16], __m128i>(mask)) };
        // SAFETY: as above.
        let out = unsafe { std::mem::transmute::<__m128i, [u8; 16]>(x86_pshufb(va, vm)) };
        assert_eq!(out, [115, 100, 0, 0, 100, 101, 115, 101, 102, 103, 104, 105, 106, 107, 0, 109]);
    }
}
