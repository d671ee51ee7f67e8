/* simd_search: byte search over 1 MiB of text-like bytes (lowercase
 * letters, spaces, a newline every 64 bytes or so, a rare '#'), `n` times:
 * count the newlines (wc -l) and find every '#' (memchr in a loop), one
 * byte of the buffer changed between rounds. 16 bytes a step (simd.h):
 * i8x16.eq; the count subtracts the compare's all-ones lanes from byte
 * counters (i8x16.sub), the search turns the compare into a 16-bit mask
 * (i8x16.bitmask) and walks its set bits with ctz. The buffer's length is
 * a multiple of 16, so the vector loops have no scalar tail. The scalar
 * path, for hosts without SSE2, compares a byte at a time. */
#include <stdlib.h>
#include "bench.h"
#include "simd.h"

#define LEN (1u << 20)

/* How many bytes of buf[0..LEN) equal c. */
static uint32_t count_byte(const uint8_t *buf, uint8_t c) {
    uint32_t count = 0;
#ifdef HAVE_V128
    const v128 needle = v_splat_i8((int8_t)c);
    for (uint32_t i = 0; i < LEN;) {
        /* Byte counters: a match's lane is -1, so subtracting it counts
         * up; 255 steps at most before a lane could wrap. */
        v128 counts = v_zero();
        uint32_t end = i + 255 * 16 < LEN ? i + 255 * 16 : LEN;
        for (; i < end; i += 16)
            counts = v_sub_i8(counts, v_eq_i8(v_load(buf + i), needle));
        count += (uint32_t)v_total_u32(v_sum_u8(counts));
    }
#else
    for (uint32_t i = 0; i < LEN; i++)
        count += buf[i] == c;
#endif
    return count;
}

/* Mixes the position of every byte of buf[0..LEN) that equals c into h, in
 * order, and the number of them. */
static uint64_t find_all(const uint8_t *buf, uint8_t c, uint64_t h) {
    uint32_t found = 0;
#ifdef HAVE_V128
    const v128 needle = v_splat_i8((int8_t)c);
    for (uint32_t i = 0; i < LEN; i += 16) {
        uint32_t mask = v_bitmask_i8(v_eq_i8(v_load(buf + i), needle));
        for (; mask != 0; mask &= mask - 1) {
            h = mix(h, i + (uint32_t)__builtin_ctz(mask));
            found++;
        }
    }
#else
    for (uint32_t i = 0; i < LEN; i++)
        if (buf[i] == c) {
            h = mix(h, i);
            found++;
        }
#endif
    return mix(h, found);
}

int64_t run(int32_t n) {
    uint8_t *buf = malloc(LEN);
    rng_t rng = {0x5ea4c4b1e5ea4c4bULL};
    for (uint32_t i = 0; i < LEN; i++) {
        uint32_t x = (uint32_t)(rng_next(&rng) >> 32);
        if (x % 64 == 0)
            buf[i] = '\n';
        else if (x % 1024 == 1)
            buf[i] = '#';
        else if (x % 6 == 0)
            buf[i] = ' ';
        else
            buf[i] = (uint8_t)('a' + (x >> 8) % 26);
    }
    uint64_t h = MIX_INIT;
    for (int32_t r = 0; r < n; r++) {
        h = mix(h, count_byte(buf, '\n'));
        h = find_all(buf, '#', h);
        /* Turn one byte into a newline or a '#' (or back into a letter), so
         * that every round's answer differs. */
        uint32_t at = ((uint32_t)r * 40503u) % LEN;
        buf[at] = r % 3 == 0 ? '\n' : r % 3 == 1 ? '#' : 'z';
    }
    free(buf);
    return (int64_t)h;
}
