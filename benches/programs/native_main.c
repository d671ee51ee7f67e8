/* Native driver for a kiln-bench guest program: links with one program's
 * `run`, calls it `1 + runs` times (the first is the warm-up) and prints,
 * per call, the checksum and the wall-clock nanoseconds of the call:
 *
 *     usage: PROGRAM N RUNS
 *     output: one line per call, "<checksum> <nanoseconds>"
 */
#define _POSIX_C_SOURCE 199309L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int64_t run(int32_t n);

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s N RUNS\n", argv[0]);
        return 2;
    }
    int32_t n = (int32_t)strtol(argv[1], NULL, 10);
    int runs = atoi(argv[2]);
    for (int i = 0; i <= runs; i++) {
        uint64_t t0 = now_ns();
        int64_t checksum = run(n);
        uint64_t t1 = now_ns();
        printf("%" PRId64 " %" PRIu64 "\n", checksum, t1 - t0);
        fflush(stdout);
    }
    return 0;
}
