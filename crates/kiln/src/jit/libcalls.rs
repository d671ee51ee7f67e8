//! Rust implementations of the Cranelift library calls compiled code may
//! need: float rounding when the host lacks SSE4.1 (x86_64), and fused
//! multiply-add. Nothing else is ever emitted for Kiln's translations.

use cranelift_codegen::ir::LibCall;

extern "C" fn ceil_f32(x: f32) -> f32 {
    x.ceil()
}
extern "C" fn ceil_f64(x: f64) -> f64 {
    x.ceil()
}
extern "C" fn floor_f32(x: f32) -> f32 {
    x.floor()
}
extern "C" fn floor_f64(x: f64) -> f64 {
    x.floor()
}
extern "C" fn trunc_f32(x: f32) -> f32 {
    x.trunc()
}
extern "C" fn trunc_f64(x: f64) -> f64 {
    x.trunc()
}
// Wasm's `nearest` rounds half-way cases to even.
extern "C" fn nearest_f32(x: f32) -> f32 {
    x.round_ties_even()
}
extern "C" fn nearest_f64(x: f64) -> f64 {
    x.round_ties_even()
}
extern "C" fn fma_f32(a: f32, b: f32, c: f32) -> f32 {
    a.mul_add(b, c)
}
extern "C" fn fma_f64(a: f64, b: f64, c: f64) -> f64 {
    a.mul_add(b, c)
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
        _ => return None,
    })
}
