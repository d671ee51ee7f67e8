/* crc32: table-driven CRC-32 (IEEE, reflected) of a 256 KiB buffer, `n`
 * times, feeding each CRC back into the buffer. Byte loads, table lookups,
 * shifts and xors in one dependent chain. */
#include <stdlib.h>
#include "bench.h"

#define BUF_LEN (256 * 1024)

int64_t run(int32_t n) {
    uint32_t table[256];
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    uint8_t *buf = malloc(BUF_LEN);
    rng_t rng = {0xfeedfacecafebeefULL};
    for (size_t i = 0; i < BUF_LEN; i++)
        buf[i] = (uint8_t)(rng_next(&rng) >> 56);
    uint64_t h = MIX_INIT;
    uint32_t crc = 0;
    for (int32_t r = 0; r < n; r++) {
        uint32_t c = ~0u;
        for (size_t i = 0; i < BUF_LEN; i++)
            c = table[(c ^ buf[i]) & 0xff] ^ (c >> 8);
        crc = ~c;
        buf[((size_t)r * 4099) % BUF_LEN] ^= (uint8_t)crc;
        h = mix(h, crc);
    }
    free(buf);
    return (int64_t)h;
}
