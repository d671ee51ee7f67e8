/* quicksort: recursive quicksort (median of three, insertion sort below
 * 16 elements) of 100k pseudo-random int32 values, `n` rounds. Branchy,
 * data-dependent comparisons, swaps, and recursion. */
#include <stdlib.h>
#include "bench.h"

#define LEN 100000

static void insertion_sort(int32_t *a, int32_t lo, int32_t hi) {
    for (int32_t i = lo + 1; i <= hi; i++) {
        int32_t v = a[i], j = i - 1;
        while (j >= lo && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static inline void swap(int32_t *a, int32_t i, int32_t j) {
    int32_t t = a[i];
    a[i] = a[j];
    a[j] = t;
}

static void quicksort(int32_t *a, int32_t lo, int32_t hi) {
    while (hi - lo >= 16) {
        int32_t mid = lo + (hi - lo) / 2;
        if (a[mid] < a[lo]) swap(a, mid, lo);
        if (a[hi] < a[lo]) swap(a, hi, lo);
        if (a[hi] < a[mid]) swap(a, hi, mid);
        int32_t pivot = a[mid];
        int32_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) {
                swap(a, i, j);
                i++;
                j--;
            }
        }
        /* recurse into the smaller side, loop on the larger */
        if (j - lo < hi - i) {
            quicksort(a, lo, j);
            lo = i;
        } else {
            quicksort(a, i, hi);
            hi = j;
        }
    }
    insertion_sort(a, lo, hi);
}

int64_t run(int32_t n) {
    int32_t *a = malloc(sizeof(int32_t) * LEN);
    rng_t rng = {0x5555aaaa12345678ULL};
    uint64_t h = MIX_INIT;
    for (int32_t r = 0; r < n; r++) {
        for (int32_t i = 0; i < LEN; i++)
            a[i] = (int32_t)(rng_next(&rng) >> 33) - (1 << 30);
        quicksort(a, 0, LEN - 1);
        uint64_t sorted = 1, acc = 0;
        for (int32_t i = 1; i < LEN; i++) {
            sorted &= a[i - 1] <= a[i];
            acc += (uint64_t)(int64_t)a[i] * (uint64_t)i;
        }
        h = mix(mix(h, sorted), acc);
    }
    free(a);
    return (int64_t)h;
}
