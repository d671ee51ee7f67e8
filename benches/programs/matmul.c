/* matmul: dense f64 matrix multiply (ikj order) of 128x128 matrices, `n`
 * times, perturbing one input element between rounds. f64 loads, stores,
 * multiplies and adds in a regular loop nest. */
#include <stdlib.h>
#include "bench.h"

#define N 128

int64_t run(int32_t n) {
    double *a = malloc(sizeof(double) * N * N);
    double *b = malloc(sizeof(double) * N * N);
    double *c = malloc(sizeof(double) * N * N);
    rng_t rng = {0x9e3779b97f4a7c15ULL};
    for (int i = 0; i < N * N; i++) {
        a[i] = (double)(rng_next(&rng) >> 11) * (1.0 / 9007199254740992.0);
        b[i] = (double)(rng_next(&rng) >> 11) * (1.0 / 9007199254740992.0) - 0.5;
    }
    uint64_t h = MIX_INIT;
    for (int32_t r = 0; r < n; r++) {
        for (int i = 0; i < N * N; i++)
            c[i] = 0.0;
        for (int i = 0; i < N; i++)
            for (int k = 0; k < N; k++) {
                double aik = a[i * N + k];
                for (int j = 0; j < N; j++)
                    c[i * N + j] += aik * b[k * N + j];
            }
        double trace = 0.0;
        for (int i = 0; i < N; i++)
            trace += c[i * N + i];
        h = mix(h, f64_bits(trace));
        h = mix(h, f64_bits(c[(r * 31) % (N * N)]));
        b[(r * 17) % (N * N)] += 0.25;
    }
    free(a);
    free(b);
    free(c);
    return (int64_t)h;
}
