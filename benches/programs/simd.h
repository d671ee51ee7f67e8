/* The 128-bit vector operations of the simd_* programs: wasm_simd128.h's
 * intrinsics when built for wasm with -msimd128 (build.sh does that for
 * the simd_* programs only), SSE2's natively on x86-64, so that the native
 * column runs the same vector algorithm rather than a scalar loop. Each
 * operation is one wasm instruction (sum_u8 two), named after it.
 *
 * HAVE_V128 is defined when one of the two is available; without it (e.g.
 * a native build on another architecture) the programs take their scalar
 * path, which computes the same checksum. */
#ifndef KILN_BENCH_SIMD_H
#define KILN_BENCH_SIMD_H

#include <stdint.h>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#define HAVE_V128 1

typedef v128_t v128;

static inline v128 v_load(const void *p) { return wasm_v128_load(p); }
static inline void v_store(void *p, v128 v) { wasm_v128_store(p, v); }
static inline v128 v_zero(void) { return wasm_i64x2_const_splat(0); }
static inline v128 v_splat_i8(int8_t x) { return wasm_i8x16_splat(x); }
static inline v128 v_splat_i16(int16_t x) { return wasm_i16x8_splat(x); }
static inline v128 v_make_i16(int16_t a, int16_t b, int16_t c, int16_t d, int16_t e, int16_t f, int16_t g,
                              int16_t h) {
    return wasm_i16x8_make(a, b, c, d, e, f, g, h);
}
static inline v128 v_add_i16(v128 a, v128 b) { return wasm_i16x8_add(a, b); }
static inline v128 v_add_i32(v128 a, v128 b) { return wasm_i32x4_add(a, b); }
static inline v128 v_sub_i8(v128 a, v128 b) { return wasm_i8x16_sub(a, b); }
static inline v128 v_shl_i16(v128 a, int n) { return wasm_i16x8_shl(a, (uint32_t)n); }
static inline v128 v_shr_u16(v128 a, int n) { return wasm_u16x8_shr(a, (uint32_t)n); }
/* i8x16.eq: all-ones lanes where equal. */
static inline v128 v_eq_i8(v128 a, v128 b) { return wasm_i8x16_eq(a, b); }
/* i8x16.bitmask: bit i = the top bit of lane i. */
static inline uint32_t v_bitmask_i8(v128 a) { return wasm_i8x16_bitmask(a); }
/* i16x8.extend_{low,high}_i8x16_u: u8 lanes 0-7 or 8-15 to u16. */
static inline v128 v_extend_low_u8(v128 a) { return wasm_u16x8_extend_low_u8x16(a); }
static inline v128 v_extend_high_u8(v128 a) { return wasm_u16x8_extend_high_u8x16(a); }
/* i8x16.narrow_i16x8_u: i16 lanes of a then b to u8, saturating. */
static inline v128 v_narrow_u8(v128 a, v128 b) { return wasm_u8x16_narrow_i16x8(a, b); }
/* i32x4.dot_i16x8_s: the i16 products of adjacent lanes, added pairwise. */
static inline v128 v_dot_i16(v128 a, v128 b) { return wasm_i32x4_dot_i16x8(a, b); }
/* The 16 u8 lanes summed into u32 lanes (whose total is the bytes' total):
 * two extadd_pairwise, u8 -> u16 -> u32. */
static inline v128 v_sum_u8(v128 a) { return wasm_u32x4_extadd_pairwise_u16x8(wasm_u16x8_extadd_pairwise_u8x16(a)); }
/* The total of the four u32 lanes, in 64 bits. */
static inline uint64_t v_total_u32(v128 a) {
    return (uint64_t)wasm_u32x4_extract_lane(a, 0) + wasm_u32x4_extract_lane(a, 1) + wasm_u32x4_extract_lane(a, 2) +
           wasm_u32x4_extract_lane(a, 3);
}

#elif defined(__SSE2__)
#include <emmintrin.h>
#define HAVE_V128 1

typedef __m128i v128;

static inline v128 v_load(const void *p) { return _mm_loadu_si128((const __m128i *)p); }
static inline void v_store(void *p, v128 v) { _mm_storeu_si128((__m128i *)p, v); }
static inline v128 v_zero(void) { return _mm_setzero_si128(); }
static inline v128 v_splat_i8(int8_t x) { return _mm_set1_epi8(x); }
static inline v128 v_splat_i16(int16_t x) { return _mm_set1_epi16(x); }
static inline v128 v_make_i16(int16_t a, int16_t b, int16_t c, int16_t d, int16_t e, int16_t f, int16_t g,
                              int16_t h) {
    return _mm_setr_epi16(a, b, c, d, e, f, g, h);
}
static inline v128 v_add_i16(v128 a, v128 b) { return _mm_add_epi16(a, b); }
static inline v128 v_add_i32(v128 a, v128 b) { return _mm_add_epi32(a, b); }
static inline v128 v_sub_i8(v128 a, v128 b) { return _mm_sub_epi8(a, b); }
static inline v128 v_shl_i16(v128 a, int n) { return _mm_slli_epi16(a, n); }
static inline v128 v_shr_u16(v128 a, int n) { return _mm_srli_epi16(a, n); }
static inline v128 v_eq_i8(v128 a, v128 b) { return _mm_cmpeq_epi8(a, b); }
static inline uint32_t v_bitmask_i8(v128 a) { return (uint32_t)_mm_movemask_epi8(a); }
static inline v128 v_extend_low_u8(v128 a) { return _mm_unpacklo_epi8(a, _mm_setzero_si128()); }
static inline v128 v_extend_high_u8(v128 a) { return _mm_unpackhi_epi8(a, _mm_setzero_si128()); }
static inline v128 v_narrow_u8(v128 a, v128 b) { return _mm_packus_epi16(a, b); }
static inline v128 v_dot_i16(v128 a, v128 b) { return _mm_madd_epi16(a, b); }
/* psadbw against zero: two u64 lanes of 8 bytes each, i.e. u32 lanes
 * (sum, 0, sum, 0): a different split than wasm's, the same total. */
static inline v128 v_sum_u8(v128 a) { return _mm_sad_epu8(a, _mm_setzero_si128()); }
static inline uint64_t v_total_u32(v128 a) {
    uint32_t lanes[4];
    _mm_storeu_si128((__m128i *)lanes, a);
    return (uint64_t)lanes[0] + lanes[1] + lanes[2] + lanes[3];
}
#endif

#endif
