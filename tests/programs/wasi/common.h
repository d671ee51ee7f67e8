/* Helpers shared by the WASI guest test programs.
 *
 * Each program prints one line per check, in a fixed order, so that the
 * test on the host side can compare the whole output with the exact text
 * it expects. Errors are printed by errno name (ENOENT, EPERM, ...), not
 * by message, so the output does not depend on libc's wording. */
#ifndef KILN_WASI_TEST_COMMON_H
#define KILN_WASI_TEST_COMMON_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <wasi/api.h>

static inline const char *errname(int e) {
    switch (e) {
    case 0: return "OK";
    case E2BIG: return "E2BIG";
    case EACCES: return "EACCES";
    case EAGAIN: return "EAGAIN";
    case EBADF: return "EBADF";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case EFAULT: return "EFAULT";
    case EFBIG: return "EFBIG";
    case EILSEQ: return "EILSEQ";
    case EINTR: return "EINTR";
    case EINVAL: return "EINVAL";
    case EIO: return "EIO";
    case EISDIR: return "EISDIR";
    case ELOOP: return "ELOOP";
    case EMFILE: return "EMFILE";
    case EMLINK: return "EMLINK";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOENT: return "ENOENT";
    case ENOSPC: return "ENOSPC";
    case ENOSYS: return "ENOSYS";
    case ENOTDIR: return "ENOTDIR";
    case ENOTEMPTY: return "ENOTEMPTY";
    case ENOTSOCK: return "ENOTSOCK";
    case ENOTSUP: return "ENOTSUP";
    case ENOTTY: return "ENOTTY";
    case EOVERFLOW: return "EOVERFLOW";
    case EPERM: return "EPERM";
    case EPIPE: return "EPIPE";
    case ERANGE: return "ERANGE";
    case EROFS: return "EROFS";
    case ESPIPE: return "ESPIPE";
    case EXDEV: return "EXDEV";
    case ENOTCAPABLE: return "ENOTCAPABLE";
    default: {
        static char buf[32];
        snprintf(buf, sizeof buf, "errno %d", e);
        return buf;
    }
    }
}

/* Prints "<what>: OK" when `ok` holds, else "<what>: <errno name>". */
static inline void report(const char *what, int ok) {
    printf("%s: %s\n", what, ok ? "OK" : errname(errno));
    errno = 0;
}

/* Prints "<what>: <errno name>" for a raw WASI call's result. */
static inline void report_wasi(const char *what, __wasi_errno_t e) {
    printf("%s: %s\n", what, errname(e));
}

/* Stops the program with exit status 1 if `cond` does not hold. */
#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            printf("CHECK failed at %s:%d: %s (errno %s)\n", __FILE__, __LINE__, #cond,    \
                   errname(errno));                                                        \
            exit(1);                                                                       \
        }                                                                                  \
    } while (0)

/* Prints the whole contents of the file at `path` (at most 127 bytes),
 * newlines and NULs escaped, so the output shows exactly what is there. */
static inline void print_file(const char *path) {
    char buf[128];
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    CHECK(n >= 0);
    buf[n] = 0;
    printf("%s contains %zd bytes: [", path, n);
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] == '\n') printf("\\n");
        else if (buf[i] == 0) printf("\\0");
        else putchar(buf[i]);
    }
    printf("]\n");
    close(fd);
}

#endif
