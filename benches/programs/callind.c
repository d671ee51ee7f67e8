/* callind: indirect calls through a table of function pointers, the way
 * virtual methods and callbacks are called (call_indirect in wasm). Each
 * of `n` iterations picks an operation by a pseudo-random index. */
#include "bench.h"

typedef uint32_t (*op_fn)(uint32_t acc, uint32_t x);

static uint32_t op_add(uint32_t acc, uint32_t x) { return acc + x; }
static uint32_t op_sub(uint32_t acc, uint32_t x) { return acc - (x >> 3); }
static uint32_t op_mul(uint32_t acc, uint32_t x) { return acc * (x | 1); }
static uint32_t op_xor(uint32_t acc, uint32_t x) { return acc ^ x; }
static uint32_t op_rotl(uint32_t acc, uint32_t x) {
    uint32_t s = x & 31;
    return (acc << s) | (acc >> ((32 - s) & 31));
}
static uint32_t op_min(uint32_t acc, uint32_t x) { return acc < x ? acc : x + (acc & 0xff); }
static uint32_t op_max(uint32_t acc, uint32_t x) { return acc > x ? acc - (x & 0xff) : x; }
static uint32_t op_mix(uint32_t acc, uint32_t x) { return (acc ^ (acc >> 15)) * 0x2c1b3c6du + x; }

static op_fn const ops[8] = {op_add, op_sub, op_mul, op_xor, op_rotl, op_min, op_max, op_mix};

int64_t run(int32_t n) {
    uint32_t acc = 1, x = 12345;
    uint64_t h = MIX_INIT;
    for (int32_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        acc = ops[x >> 29](acc, x);
        if ((i & 0xffff) == 0)
            h = mix(h, acc);
    }
    return (int64_t)mix(h, acc);
}
