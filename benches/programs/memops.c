/* memops: memory traffic. Each round memsets a 16 MiB buffer, moves it
 * over itself in both directions (overlapping memmove), copies one half
 * onto the other, then does 64k small copies of 1..64 bytes at
 * pseudo-random offsets. Built with bulk memory, so the calls become
 * memory.fill / memory.copy in wasm. */
#include <stdlib.h>
#include <string.h>
#include "bench.h"

#define LEN (16u << 20)
#define SMALL_COPIES 65536

int64_t run(int32_t n) {
    uint8_t *buf = malloc(LEN);
    rng_t rng = {0x1357924680aceb0dULL};
    uint64_t h = MIX_INIT;
    for (int32_t r = 0; r < n; r++) {
        memset(buf, (int)(r * 37 + 1), LEN);
        for (uint32_t i = 0; i < LEN; i += 4096)
            buf[i] = (uint8_t)(i >> 12);
        memmove(buf + 4099, buf, LEN - 4099);        /* forward, overlapping */
        memmove(buf, buf + 777, LEN - 777);          /* backward, overlapping */
        memcpy(buf + LEN / 2, buf, LEN / 2);         /* disjoint halves */
        for (uint32_t k = 0; k < SMALL_COPIES; k++) {
            uint64_t x = rng_next(&rng);
            uint32_t len = 1 + (uint32_t)(x & 63);
            uint32_t src = (uint32_t)(x >> 8) % (LEN - 64);
            uint32_t dst = (uint32_t)(x >> 36) % (LEN - 64);
            memcpy(buf + dst, buf + src, len);
        }
        for (uint32_t i = 0; i < LEN; i += 4093)
            h = mix(h, buf[i]);
    }
    free(buf);
    return (int64_t)h;
}
