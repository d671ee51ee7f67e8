/* Clocks: the wall clock, the monotonic clock, their resolutions, the
 * CPU-time clocks that are not offered, and libc's views of the time. The
 * host test replaces both clocks with deterministic ones. */
#include "common.h"
#include <sys/time.h>
#include <time.h>

int main(void) {
    struct timespec ts;
    report("clock_gettime(CLOCK_REALTIME)", clock_gettime(CLOCK_REALTIME, &ts) == 0);
    printf("realtime: %lld.%09ld\n", (long long)ts.tv_sec, ts.tv_nsec);
    printf("time(): %lld\n", (long long)time(NULL));
    struct timeval tv;
    gettimeofday(&tv, NULL);
    printf("gettimeofday: %lld.%06ld\n", (long long)tv.tv_sec, (long)tv.tv_usec);
    char text[64];
    time_t now = ts.tv_sec;
    strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", gmtime(&now));
    printf("UTC: %s\n", text);

    struct timespec m1, m2;
    clock_gettime(CLOCK_MONOTONIC, &m1);
    clock_gettime(CLOCK_MONOTONIC, &m2);
    printf("monotonic: %lld.%09ld then %lld.%09ld\n", (long long)m1.tv_sec, m1.tv_nsec, (long long)m2.tv_sec,
           m2.tv_nsec);
    long long delta = (m2.tv_sec - m1.tv_sec) * 1000000000LL + (m2.tv_nsec - m1.tv_nsec);
    printf("monotonic advanced: %d\n", delta >= 0);

    clock_getres(CLOCK_REALTIME, &ts);
    printf("realtime resolution: %lld.%09ld\n", (long long)ts.tv_sec, ts.tv_nsec);
    clock_getres(CLOCK_MONOTONIC, &ts);
    printf("monotonic resolution: %lld.%09ld\n", (long long)ts.tv_sec, ts.tv_nsec);

    __wasi_timestamp_t t;
    report_wasi("clock_time_get process cputime", __wasi_clock_time_get(__WASI_CLOCKID_PROCESS_CPUTIME_ID, 1, &t));
    report_wasi("clock_time_get thread cputime", __wasi_clock_time_get(__WASI_CLOCKID_THREAD_CPUTIME_ID, 1, &t));
    report_wasi("clock_time_get clock 4", __wasi_clock_time_get(4, 1, &t));
    report_wasi("clock_res_get process cputime", __wasi_clock_res_get(__WASI_CLOCKID_PROCESS_CPUTIME_ID, &t));
    report_wasi("clock_res_get clock 99", __wasi_clock_res_get(99, &t));
    return 0;
}
