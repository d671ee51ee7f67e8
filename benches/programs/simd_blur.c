/* simd_blur: a separable 3x3 Gaussian blur ([1 2 1] / 4 horizontally, then
 * vertically, rounded) of a 1024x1024 8-bit grey image, `n` times, each
 * round blurring the previous round's output with one pixel perturbed.
 * 16 pixels at a time (simd.h): u8 -> u16 widening, i16x8 adds and
 * shifts, and a saturating narrowing back to u8 (the blur's values never
 * exceed 255, so it never saturates). The scalar path, for hosts without
 * SSE2, computes the same pixels one at a time. */
#include <stdlib.h>
#include "bench.h"
#include "simd.h"

#define W 1024
#define H 1024

/* (a + 2b + c + 2) / 4, the filter at one pixel. */
static inline uint8_t tap3(uint32_t a, uint32_t b, uint32_t c) {
    return (uint8_t)((a + 2 * b + c + 2) >> 2);
}

#ifdef HAVE_V128
/* The same on 8 pixels widened to u16: at most 4 * 255 + 2, no overflow. */
static inline v128 tap3_u16(v128 a, v128 b, v128 c) {
    v128 sum = v_add_i16(v_add_i16(a, c), v_shl_i16(b, 1));
    return v_shr_u16(v_add_i16(sum, v_splat_i16(2)), 2);
}

/* The filter on 16 pixels whose three taps are the vectors a, b, c. */
static inline v128 tap3_u8(v128 a, v128 b, v128 c) {
    v128 lo = tap3_u16(v_extend_low_u8(a), v_extend_low_u8(b), v_extend_low_u8(c));
    v128 hi = tap3_u16(v_extend_high_u8(a), v_extend_high_u8(b), v_extend_high_u8(c));
    return v_narrow_u8(lo, hi);
}
#endif

/* One row, horizontally: the edge pixels repeat themselves. */
static void blur_row(const uint8_t *in, uint8_t *out) {
    int x = 1;
#ifdef HAVE_V128
    for (; x + 16 <= W - 1; x += 16)
        v_store(out + x, tap3_u8(v_load(in + x - 1), v_load(in + x), v_load(in + x + 1)));
#endif
    for (; x < W - 1; x++)
        out[x] = tap3(in[x - 1], in[x], in[x + 1]);
    out[0] = tap3(in[0], in[0], in[1]);
    out[W - 1] = tap3(in[W - 2], in[W - 1], in[W - 1]);
}

/* One row, vertically, from the rows above and below (the same row at the
 * image's edges). W is a multiple of 16, so there is no scalar tail. */
static void blur_column(const uint8_t *up, const uint8_t *row, const uint8_t *down, uint8_t *out) {
#ifdef HAVE_V128
    for (int x = 0; x < W; x += 16)
        v_store(out + x, tap3_u8(v_load(up + x), v_load(row + x), v_load(down + x)));
#else
    for (int x = 0; x < W; x++)
        out[x] = tap3(up[x], row[x], down[x]);
#endif
}

int64_t run(int32_t n) {
    uint8_t *img = malloc(W * H);
    uint8_t *tmp = malloc(W * H);
    rng_t rng = {0x0123456789abcdefULL};
    /* Random pixels over a gradient: noise for the blur to smooth, and a
     * structure that survives many rounds. */
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            img[y * W + x] = (uint8_t)(((x + y) >> 3) + (rng_next(&rng) >> 60));
    uint64_t h = MIX_INIT;
    for (int32_t r = 0; r < n; r++) {
        for (int y = 0; y < H; y++)
            blur_row(img + y * W, tmp + y * W);
        for (int y = 0; y < H; y++) {
            const uint8_t *row = tmp + y * W;
            const uint8_t *up = y > 0 ? row - W : row;
            const uint8_t *down = y < H - 1 ? row + W : row;
            blur_column(up, row, down, img + y * W);
        }
        /* Feed the round back so that no round can be skipped. */
        size_t at = ((size_t)r * 40503u) % (W * H);
        h = mix(h, img[at]);
        img[at] ^= 0xff;
    }
    for (size_t i = 0; i < W * H; i += 61)
        h = mix(h, img[i]);
    free(tmp);
    free(img);
    return (int64_t)h;
}
