/* Shared helpers for the kiln-bench guest programs.
 *
 * Every program defines `int64_t run(int32_t n)`: `n` scales the amount of
 * work, the result is a checksum of everything computed. Programs must not
 * keep state between calls (the native driver calls `run` repeatedly in one
 * process), and must not import anything when built for wasm32 (no printf,
 * no clock, no exit): only pure computation plus malloc/memcpy/memset. */
#ifndef KILN_BENCH_H
#define KILN_BENCH_H

#include <stddef.h>
#include <stdint.h>

int64_t run(int32_t n);

/* FNV-1a style 64-bit mixing of a value into a running checksum. */
static inline uint64_t mix(uint64_t h, uint64_t v) {
    for (int i = 0; i < 8; i++) {
        h ^= (v >> (i * 8)) & 0xff;
        h *= 0x100000001b3ULL;
    }
    return h;
}

#define MIX_INIT 0xcbf29ce484222325ULL

/* Deterministic pseudo-random numbers (xorshift64*). */
typedef struct { uint64_t s; } rng_t;

static inline uint64_t rng_next(rng_t *r) {
    uint64_t x = r->s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static inline uint64_t f64_bits(double d) {
    union { double d; uint64_t u; } v;
    v.d = d;
    return v.u;
}

#endif
