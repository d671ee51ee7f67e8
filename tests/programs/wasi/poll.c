/* poll_oneoff: clock subscriptions with real timeouts (relative and
 * absolute, on both clocks), readiness of files and stdio, and errors. The
 * host gives the preopen /sandbox (fd 3), empty. */
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static __wasi_subscription_t clock_sub(__wasi_userdata_t userdata, __wasi_clockid_t id, __wasi_timestamp_t timeout,
                                       __wasi_subclockflags_t flags) {
    __wasi_subscription_t s;
    memset(&s, 0, sizeof s);
    s.userdata = userdata;
    s.u.tag = __WASI_EVENTTYPE_CLOCK;
    s.u.u.clock.id = id;
    s.u.u.clock.timeout = timeout;
    s.u.u.clock.flags = flags;
    return s;
}

static __wasi_subscription_t fd_sub(__wasi_userdata_t userdata, __wasi_eventtype_t type, __wasi_fd_t fd) {
    __wasi_subscription_t s;
    memset(&s, 0, sizeof s);
    s.userdata = userdata;
    s.u.tag = type;
    if (type == __WASI_EVENTTYPE_FD_READ) s.u.u.fd_read.file_descriptor = fd;
    else s.u.u.fd_write.file_descriptor = fd;
    return s;
}

/* Polls, prints the events, and returns the time it took in ms. */
static long long poll_and_print(const char *what, const __wasi_subscription_t *subs, size_t n) {
    __wasi_event_t events[8];
    __wasi_size_t count = 0;
    long long start = now_ns(CLOCK_MONOTONIC);
    __wasi_errno_t e = __wasi_poll_oneoff(subs, events, n, &count);
    long long ms = (now_ns(CLOCK_MONOTONIC) - start) / 1000000;
    printf("%s: %s, %u events", what, errname(e), (unsigned)count);
    for (__wasi_size_t i = 0; i < count; i++) {
        printf(" [userdata %llu type %d error %d", (unsigned long long)events[i].userdata, events[i].type,
               events[i].error);
        if (events[i].type != __WASI_EVENTTYPE_CLOCK)
            printf(" nbytes %llu flags %d", (unsigned long long)events[i].fd_readwrite.nbytes,
                   events[i].fd_readwrite.flags);
        printf("]");
    }
    printf("\n");
    return ms;
}

int main(void) {
    /* nanosleep is a relative clock subscription. */
    long long start = now_ns(CLOCK_MONOTONIC);
    struct timespec req = {0, 50 * 1000000};
    report("nanosleep 50 ms", nanosleep(&req, NULL) == 0);
    long long ms = (now_ns(CLOCK_MONOTONIC) - start) / 1000000;
    printf("slept at least 50 ms: %d, less than 5 s: %d\n", ms >= 50, ms < 5000);

    /* The earlier of two timeouts fires; the other does not. */
    __wasi_subscription_t subs[4];
    subs[0] = clock_sub(1, __WASI_CLOCKID_MONOTONIC, 20 * 1000000, 0);
    subs[1] = clock_sub(2, __WASI_CLOCKID_MONOTONIC, 10 * 1000000000ULL, 0);
    ms = poll_and_print("20 ms and 10 s", subs, 2);
    printf("waited at least 20 ms: %d, less than 5 s: %d\n", ms >= 20, ms < 5000);

    /* Absolute deadlines. */
    subs[0] = clock_sub(3, __WASI_CLOCKID_MONOTONIC, (__wasi_timestamp_t)now_ns(CLOCK_MONOTONIC) + 30 * 1000000,
                        __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME);
    ms = poll_and_print("monotonic deadline in 30 ms", subs, 1);
    printf("waited at least 30 ms: %d\n", ms >= 30);
    subs[0] = clock_sub(4, __WASI_CLOCKID_REALTIME, (__wasi_timestamp_t)now_ns(CLOCK_REALTIME) - 1000000000,
                        __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME);
    ms = poll_and_print("realtime deadline a second ago", subs, 1);
    printf("at once: %d\n", ms < 1000);
    subs[0] = clock_sub(5, __WASI_CLOCKID_REALTIME, 5 * 1000000, 0);
    poll_and_print("realtime 5 ms", subs, 1);

    /* Files and stdio are ready at once. */
    CHECK(chdir("/sandbox") == 0);
    int fd = open("ten.txt", O_CREAT | O_RDWR, 0644);
    CHECK(write(fd, "0123456789", 10) == 10);
    lseek(fd, 3, SEEK_SET);
    subs[0] = fd_sub(6, __WASI_EVENTTYPE_FD_READ, (__wasi_fd_t)fd);
    subs[1] = fd_sub(7, __WASI_EVENTTYPE_FD_WRITE, (__wasi_fd_t)fd);
    subs[2] = fd_sub(8, __WASI_EVENTTYPE_FD_WRITE, 1);
    subs[3] = fd_sub(9, __WASI_EVENTTYPE_FD_READ, 0);
    poll_and_print("file read/write, stdout, stdin", subs, 4);
    lseek(fd, 0, SEEK_END);
    subs[0] = fd_sub(10, __WASI_EVENTTYPE_FD_READ, (__wasi_fd_t)fd);
    poll_and_print("file at its end", subs, 1);
    subs[0] = clock_sub(11, __WASI_CLOCKID_MONOTONIC, 10 * 1000000000ULL, 0);
    subs[1] = fd_sub(12, __WASI_EVENTTYPE_FD_READ, (__wasi_fd_t)fd);
    ms = poll_and_print("10 s or a file", subs, 2);
    printf("at once: %d\n", ms < 1000);

    /* Errors. */
    __wasi_event_t ev;
    __wasi_size_t count;
    report_wasi("no subscriptions", __wasi_poll_oneoff(subs, &ev, 0, &count));
    subs[0] = clock_sub(13, __WASI_CLOCKID_PROCESS_CPUTIME_ID, 1000, 0);
    poll_and_print("process cputime clock", subs, 1);
    subs[0] = clock_sub(14, __WASI_CLOCKID_MONOTONIC, 1000, 2);
    poll_and_print("unknown clock flag", subs, 1);
    subs[0] = fd_sub(15, __WASI_EVENTTYPE_FD_READ, 99);
    poll_and_print("closed fd", subs, 1);
    subs[0] = fd_sub(16, __WASI_EVENTTYPE_FD_READ, 1);
    poll_and_print("reading stdout", subs, 1);
    subs[0] = fd_sub(17, __WASI_EVENTTYPE_FD_READ, 3);
    poll_and_print("reading a directory", subs, 1);
    subs[0] = fd_sub(18, 3, 0);
    poll_and_print("unknown event type", subs, 1);

    /* libc's poll() on top of it. */
    struct pollfd pfd = {1, POLLOUT, 0};
    int r = poll(&pfd, 1, 1000);
    printf("poll stdout: %d, POLLOUT %d\n", r, !!(pfd.revents & POLLOUT));
    start = now_ns(CLOCK_MONOTONIC);
    r = poll(NULL, 0, 25);
    ms = (now_ns(CLOCK_MONOTONIC) - start) / 1000000;
    printf("poll nothing for 25 ms: %d, waited at least 25 ms: %d\n", r, ms >= 25);
    return 0;
}
