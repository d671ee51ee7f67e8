/* sieve: the sieve of Eratosthenes over a 2M-entry byte array, `n` times
 * with a slightly different limit each round. Tight integer loops with
 * byte loads and stores. */
#include <stdlib.h>
#include <string.h>
#include "bench.h"

#define LIMIT (1u << 21)

int64_t run(int32_t n) {
    uint8_t *s = malloc(LIMIT + 1);
    uint64_t h = MIX_INIT;
    for (int32_t r = 0; r < n; r++) {
        uint32_t lim = LIMIT - (uint32_t)(r % 64) * 7;
        memset(s, 1, lim + 1);
        s[0] = s[1] = 0;
        for (uint32_t i = 2; (uint64_t)i * i <= lim; i++)
            if (s[i])
                for (uint32_t j = i * i; j <= lim; j += i)
                    s[j] = 0;
        uint32_t count = 0;
        uint64_t sum = 0;
        for (uint32_t i = 0; i <= lim; i++)
            if (s[i]) {
                count++;
                sum += i;
            }
        h = mix(mix(h, count), sum);
    }
    free(s);
    return (int64_t)h;
}
