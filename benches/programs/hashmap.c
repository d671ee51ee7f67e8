/* hashmap: a string-keyed open-addressing hash map (FNV-1a, linear
 * probing). Each round formats 60k decimal keys with duplicates, counts
 * them in the map (malloc'ed key copies), looks up 60k more keys of which
 * about half are missing, then frees everything. Strings, memcmp, malloc
 * and free, and unpredictable memory access. */
#include <stdlib.h>
#include <string.h>
#include "bench.h"

#define CAP (1u << 17)
#define KEYS 60000

typedef struct {
    char *key;
    uint32_t len;
    uint32_t hash;
    uint32_t count;
} slot_t;

static uint32_t fnv1a(const char *s, uint32_t len) {
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < len; i++) {
        h ^= (uint8_t)s[i];
        h *= 16777619u;
    }
    return h;
}

/* writes "key-<decimal>-<tag>" into out, returns the length */
static uint32_t make_key(char *out, uint32_t v, char tag) {
    char digits[12];
    uint32_t nd = 0;
    do {
        digits[nd++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    uint32_t len = 0;
    memcpy(out, "key-", 4);
    len = 4;
    while (nd)
        out[len++] = digits[--nd];
    out[len++] = '-';
    out[len++] = tag;
    return len;
}

static slot_t *find(slot_t *slots, const char *k, uint32_t len, uint32_t hash) {
    uint32_t i = hash & (CAP - 1);
    for (;;) {
        slot_t *s = &slots[i];
        if (!s->key)
            return s;
        if (s->hash == hash && s->len == len && memcmp(s->key, k, len) == 0)
            return s;
        i = (i + 1) & (CAP - 1);
    }
}

int64_t run(int32_t n) {
    rng_t rng = {0x2468ace013579bdfULL};
    uint64_t h = MIX_INIT;
    char key[32];
    for (int32_t r = 0; r < n; r++) {
        slot_t *slots = calloc(CAP, sizeof(slot_t));
        uint32_t distinct = 0;
        for (uint32_t k = 0; k < KEYS; k++) {
            uint32_t v = (uint32_t)(rng_next(&rng) % 40000);
            uint32_t len = make_key(key, v, (char)('a' + v % 3));
            uint32_t hash = fnv1a(key, len);
            slot_t *s = find(slots, key, len, hash);
            if (!s->key) {
                s->key = malloc(len);
                memcpy(s->key, key, len);
                s->len = len;
                s->hash = hash;
                distinct++;
            }
            s->count++;
        }
        uint64_t found = 0, total = 0;
        for (uint32_t k = 0; k < KEYS; k++) {
            uint32_t v = (uint32_t)(rng_next(&rng) % 80000);
            uint32_t len = make_key(key, v, (char)('a' + v % 3));
            slot_t *s = find(slots, key, len, fnv1a(key, len));
            if (s->key) {
                found++;
                total += s->count;
            }
        }
        uint64_t mixed = 0;
        for (uint32_t i = 0; i < CAP; i++)
            if (slots[i].key) {
                mixed += (uint64_t)slots[i].count * (i + 1);
                free(slots[i].key);
            }
        free(slots);
        h = mix(mix(mix(mix(h, distinct), found), total), mixed);
    }
    return (int64_t)h;
}
