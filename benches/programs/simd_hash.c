/* simd_hash: Adler-32 (zlib's checksum) of a 256 KiB buffer, `n` times,
 * feeding each checksum back into the buffer. 16 bytes a step (simd.h):
 * pairwise widening adds (u8 -> u16 -> u32) for the byte sum and
 * i32x4.dot_i16x8 against the weights 16..1 for the position-weighted
 * sum, reduced modulo 65521 every few KiB. The scalar path, for hosts
 * without SSE2, is zlib's byte loop.
 *
 * Every run first checks the checksum of a fixed input against zlib's
 * value (below) and returns 0, which is never the expected checksum, if
 * it differs. */
#include <stdlib.h>
#include "bench.h"
#include "simd.h"

#define BUF_LEN (256 * 1024)
#define BASE 65521u
/* The most bytes after which s2 still fits in 32 bits (zlib's NMAX). */
#define NMAX 5552

/* zlib.adler32() of the 20,000 bytes (i * 7 + 3) & 0xff: long enough for
 * several NMAX chunks and a tail that is not a multiple of 16. */
#define CHECK_LEN 20000
#define CHECK_ADLER 0x2800e92bu

#ifdef HAVE_V128
static uint32_t adler32(uint32_t adler, const uint8_t *p, size_t len) {
    uint32_t s1 = adler & 0xffff, s2 = adler >> 16;
    const v128 weights_lo = v_make_i16(16, 15, 14, 13, 12, 11, 10, 9);
    const v128 weights_hi = v_make_i16(8, 7, 6, 5, 4, 3, 2, 1);
    while (len >= 16) {
        /* Whole 16-byte blocks, at most NMAX bytes before reducing. */
        size_t blocks = (len < NMAX ? len : NMAX) / 16;
        len -= blocks * 16;
        /* Over this chunk: s2 gains 16 * s1 per block (s1 as it stands
         * before the block) and each block's bytes weighted 16..1. */
        s2 += s1 * 16 * (uint32_t)blocks;
        v128 v_s1 = v_zero();        /* byte sums of this chunk */
        v128 v_ps = v_zero();        /* v_s1 before each block, summed */
        v128 v_dot = v_zero();       /* weighted byte sums */
        for (size_t b = 0; b < blocks; b++, p += 16) {
            v128 bytes = v_load(p);
            v_ps = v_add_i32(v_ps, v_s1);
            v_s1 = v_add_i32(v_s1, v_sum_u8(bytes));
            v_dot = v_add_i32(v_dot, v_dot_i16(v_extend_low_u8(bytes), weights_lo));
            v_dot = v_add_i32(v_dot, v_dot_i16(v_extend_high_u8(bytes), weights_hi));
        }
        /* The lanes are small; their totals, and 16 times v_ps's, are
         * added in 64 bits. */
        s1 = (uint32_t)((s1 + v_total_u32(v_s1)) % BASE);
        s2 = (uint32_t)((s2 % BASE + 16 * v_total_u32(v_ps) + v_total_u32(v_dot)) % BASE);
    }
    for (; len > 0; len--) {
        s1 += *p++;
        s2 += s1;
    }
    return ((s2 % BASE) << 16) | (s1 % BASE);
}
#else
/* zlib's definition, a byte at a time. */
static uint32_t adler32(uint32_t adler, const uint8_t *p, size_t len) {
    uint32_t s1 = adler & 0xffff, s2 = adler >> 16;
    while (len > 0) {
        size_t chunk = len < NMAX ? len : NMAX;
        len -= chunk;
        for (; chunk > 0; chunk--) {
            s1 += *p++;
            s2 += s1;
        }
        s1 %= BASE;
        s2 %= BASE;
    }
    return (s2 << 16) | s1;
}
#endif

int64_t run(int32_t n) {
    uint8_t *buf = malloc(BUF_LEN);
    for (size_t i = 0; i < CHECK_LEN; i++)
        buf[i] = (uint8_t)(i * 7 + 3);
    if (adler32(1, buf, CHECK_LEN) != CHECK_ADLER) {
        free(buf);
        return 0;
    }
    rng_t rng = {0xad1e532ad1e5320fULL};
    for (size_t i = 0; i < BUF_LEN; i++)
        buf[i] = (uint8_t)(rng_next(&rng) >> 56);
    uint64_t h = MIX_INIT;
    for (int32_t r = 0; r < n; r++) {
        /* An odd length and offset each round, so that the unaligned start
         * and the scalar tail are exercised too. */
        size_t off = (size_t)r % 13;
        uint32_t a = adler32(1, buf + off, BUF_LEN - off - (size_t)r % 7);
        buf[((size_t)r * 4099) % BUF_LEN] ^= (uint8_t)a;
        h = mix(h, a);
    }
    free(buf);
    return (int64_t)h;
}
