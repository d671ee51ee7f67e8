/* Standard input, output and error: copies stdin to stdout upper-cased,
 * writes to stderr, and checks what the three descriptors are and what
 * cannot be done with them. */
#include "common.h"
#include <ctype.h>
#include <unistd.h>

int main(void) {
    char buf[64];
    size_t total = 0;
    ssize_t n;
    while ((n = read(0, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++) buf[i] = (char)toupper((unsigned char)buf[i]);
        CHECK(write(1, buf, (size_t)n) == n);
        total += (size_t)n;
    }
    report("read stdin to the end", n == 0);
    printf("bytes: %zu\n", total);
    fprintf(stderr, "this goes to stderr\n");

    /* A vectored write of three buffers, one of them empty (after what
     * printf buffered, to keep the order). */
    fflush(stdout);
    __wasi_ciovec_t iov[3] = {{(const uint8_t *)"ab", 2}, {(const uint8_t *)"", 0}, {(const uint8_t *)"c\n", 2}};
    __wasi_size_t written = 0;
    report_wasi("fd_write 3 iovecs", __wasi_fd_write(1, iov, 3, &written));
    printf("written: %u\n", (unsigned)written);

    for (int fd = 0; fd <= 2; fd++) {
        __wasi_fdstat_t st;
        CHECK(__wasi_fd_fdstat_get(fd, &st) == 0);
        printf("fd %d: filetype %d read %d write %d seek %d\n", fd, st.fs_filetype,
               !!(st.fs_rights_base & __WASI_RIGHTS_FD_READ), !!(st.fs_rights_base & __WASI_RIGHTS_FD_WRITE),
               !!(st.fs_rights_base & __WASI_RIGHTS_FD_SEEK));
    }
    report("isatty(1)", isatty(1));

    __wasi_filesize_t pos;
    report_wasi("fd_seek stdout", __wasi_fd_seek(1, 0, __WASI_WHENCE_CUR, &pos));
    report_wasi("fd_tell stdin", __wasi_fd_tell(0, &pos));
    __wasi_size_t nread;
    __wasi_iovec_t riov = {(uint8_t *)buf, sizeof buf};
    report_wasi("fd_read stdout", __wasi_fd_read(1, &riov, 1, &nread));
    report_wasi("fd_write stdin", __wasi_fd_write(0, iov, 1, &written));
    report_wasi("fd_pread stdin", __wasi_fd_pread(0, &riov, 1, 0, &nread));
    report_wasi("fd_pwrite stdout", __wasi_fd_pwrite(1, iov, 1, 0, &written));
    report_wasi("fd_fdstat_set_flags stdout", __wasi_fd_fdstat_set_flags(1, __WASI_FDFLAGS_APPEND));
    __wasi_filestat_t fst;
    report_wasi("fd_filestat_get stdout", __wasi_fd_filestat_get(1, &fst));
    printf("stdout filestat: filetype %d size %llu\n", fst.filetype, (unsigned long long)fst.size);
    report_wasi("fd_filestat_set_size stdout", __wasi_fd_filestat_set_size(1, 0));
    report_wasi("fd_prestat_get stdout", __wasi_fd_prestat_get(1, &(__wasi_prestat_t){0}));

    /* stdio can be closed; the fd is then free. */
    fflush(stdout);
    report_wasi("fd_close stdin", __wasi_fd_close(0));
    report_wasi("fd_close stdin again", __wasi_fd_close(0));
    report_wasi("fd_read closed stdin", __wasi_fd_read(0, &riov, 1, &nread));
    return 0;
}
