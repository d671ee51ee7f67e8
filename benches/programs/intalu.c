/* intalu: an integer ALU loop with no memory traffic, `n` iterations: i32
 * and i64 add, sub, xor, and, or, shifts (logical and arithmetic),
 * rotates, multiplies, compares feeding a select and a branch, and
 * conversions between the two widths. Every value depends on the previous
 * iteration, so the loop cannot be vectorised or folded. */
#include "bench.h"

static inline uint32_t rotl32(uint32_t x, unsigned s) { return (x << s) | (x >> (32 - s)); }
static inline uint64_t rotr64(uint64_t x, unsigned s) { return (x >> s) | (x << (64 - s)); }

int64_t run(int32_t n) {
    uint32_t a = 0x12345678u, b = 0x9abcdef0u, c = 1;
    uint64_t x = 0x0123456789abcdefULL, y = 0xfedcba9876543210ULL;
    uint64_t h = MIX_INIT;
    for (int32_t i = 0; i < n; i++) {
        /* 32-bit lane */
        a += b ^ (uint32_t)i;
        b = rotl32(b, 5) - a;
        a ^= a >> 7;
        c = c * 0x2c1b3c6du + (a & 0xffffu);
        b |= (uint32_t)((int32_t)c >> 13) & 0x00ff00ffu;
        /* 64-bit lane, fed by the 32-bit one */
        x += y * 0x9e3779b97f4a7c15ULL;
        y = rotr64(y ^ x, 23) + (uint64_t)a;
        x ^= (uint64_t)((int64_t)x >> 31);
        y -= x & 0x5555555555555555ULL;
        /* compares: one feeds a select, one a branch taken 1 time in 8 */
        a += (int32_t)a < (int32_t)b ? c : (uint32_t)(y >> 40);
        if ((x & 7) == 0) {
            c ^= (uint32_t)y | 1;
            y += (uint64_t)c * 0xff51afd7ed558ccdULL;
            a = rotl32(a, 11) - b;
        }
        b += (uint32_t)(x >> 32) > c;
    }
    h = mix(h, a);
    h = mix(h, b);
    h = mix(h, c);
    h = mix(h, x);
    return (int64_t)mix(h, y);
}
