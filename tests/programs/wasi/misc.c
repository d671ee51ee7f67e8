/* Bad guest pointers (EFAULT, never a crash), and the functions that do
 * little: proc_raise, sched_yield, the socket calls. The host gives the
 * preopen /sandbox (fd 3), empty. */
#include "common.h"
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

/* An address past the end of linear memory (which is far smaller than
 * 4 GiB), and one whose range wraps around the address space. */
#define BAD ((void *)0xfffffff0u)
#define HIGH ((void *)0xfffffffcu)

/* Raw imports: wasi-libc hides proc_raise, and its path wrappers take C
 * strings where the ABI takes a pointer and a length. */
__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise"))) int32_t
raw_proc_raise(int32_t sig);
__attribute__((import_module("wasi_snapshot_preview1"), import_name("path_create_directory"))) int32_t
raw_path_create_directory(int32_t fd, int32_t path, int32_t path_len);

int main(void) {
    CHECK(chdir("/sandbox") == 0);
    int fd = open("f.txt", O_CREAT | O_RDWR, 0644);
    CHECK(fd >= 0 && write(fd, "0123456789", 10) == 10);
    __wasi_size_t n;
    char ok[16];
    __wasi_iovec_t iov_bad_buf = {BAD, 8};
    __wasi_ciovec_t ciov_bad_buf = {BAD, 8};
    __wasi_ciovec_t ciov_wrap = {HIGH, 8};
    __wasi_iovec_t iov_ok = {(uint8_t *)ok, sizeof ok};

    report_wasi("args_sizes_get", __wasi_args_sizes_get(BAD, &n));
    report_wasi("args_get", __wasi_args_get(BAD, BAD));
    report_wasi("environ_sizes_get", __wasi_environ_sizes_get(&n, BAD));
    report_wasi("environ_get", __wasi_environ_get(BAD, BAD));
    report_wasi("clock_time_get", __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, BAD));
    report_wasi("clock_res_get", __wasi_clock_res_get(__WASI_CLOCKID_REALTIME, BAD));
    report_wasi("random_get", __wasi_random_get(BAD, 64));
    report_wasi("random_get wrapping", __wasi_random_get(HIGH, 8));
    report_wasi("fd_write, bad iovec array", __wasi_fd_write(1, BAD, 2, &n));
    report_wasi("fd_write, bad buffer", __wasi_fd_write(1, &ciov_bad_buf, 1, &n));
    report_wasi("fd_write, wrapping buffer", __wasi_fd_write(1, &ciov_wrap, 1, &n));
    report_wasi("fd_write, bad result pointer", __wasi_fd_write(fd, &(__wasi_ciovec_t){(const uint8_t *)"", 0}, 1, BAD));
    report_wasi("fd_read, bad buffer", __wasi_fd_read(fd, &iov_bad_buf, 1, &n));
    report_wasi("fd_pread, bad buffer", __wasi_fd_pread(fd, &iov_bad_buf, 1, 0, &n));
    report_wasi("fd_pread, bad result pointer", __wasi_fd_pread(fd, &iov_ok, 1, 0, BAD));
    report_wasi("fd_pwrite, bad buffer", __wasi_fd_pwrite(fd, &ciov_bad_buf, 1, 0, &n));
    report_wasi("fd_seek, bad result pointer", __wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, BAD));
    report_wasi("fd_tell, bad result pointer", __wasi_fd_tell(fd, BAD));
    report_wasi("fd_fdstat_get", __wasi_fd_fdstat_get(fd, BAD));
    report_wasi("fd_filestat_get", __wasi_fd_filestat_get(fd, BAD));
    report_wasi("fd_prestat_get", __wasi_fd_prestat_get(3, BAD));
    report_wasi("fd_prestat_dir_name", __wasi_fd_prestat_dir_name(3, BAD, 8));
    report_wasi("fd_readdir, bad buffer", __wasi_fd_readdir(3, BAD, 64, 0, &n));
    report_wasi("fd_readdir, bad result pointer", __wasi_fd_readdir(3, (uint8_t *)ok, sizeof ok, 0, BAD));
    __wasi_fd_t nfd;
    report_wasi("path_open, bad result pointer", __wasi_path_open(3, 0, "f.txt", 0, __WASI_RIGHTS_FD_READ, 0, 0, BAD));
    report_wasi("path_open, bad result pointer, creating",
                __wasi_path_open(3, 0, "new.txt", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_WRITE, 0, 0, BAD));
    report("access new.txt", access("new.txt", F_OK) == 0);
    report_wasi("path_filestat_get, bad result pointer", __wasi_path_filestat_get(3, 0, "f.txt", BAD));
    CHECK(symlink("f.txt", "link") == 0);
    report_wasi("path_readlink, bad buffer", __wasi_path_readlink(3, "link", BAD, 8, &n));
    __wasi_event_t ev;
    report_wasi("poll_oneoff, bad subscriptions", __wasi_poll_oneoff(BAD, &ev, 1, &n));
    __wasi_subscription_t sub;
    memset(&sub, 0, sizeof sub);
    sub.u.tag = __WASI_EVENTTYPE_CLOCK;
    sub.u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    report_wasi("poll_oneoff, bad events", __wasi_poll_oneoff(&sub, BAD, 1, &n));
    report_wasi("path_create_directory, bad path", raw_path_create_directory(3, (int32_t)(uintptr_t)BAD, 8));
    report_wasi("path_create_directory, path not UTF-8",
                raw_path_create_directory(3, (int32_t)(uintptr_t) "\xff\xfe", 2));
    report_wasi("path_create_directory, path with a NUL", raw_path_create_directory(3, (int32_t)(uintptr_t) "a\0b", 3));
    report_wasi("path_open, good call after all that", __wasi_path_open(3, 0, "f.txt", 0, __WASI_RIGHTS_FD_READ, 0, 0, &nfd));
    printf("no fd leaked by the failed opens: %d\n", nfd == (__wasi_fd_t)fd + 1);
    printf("file still intact: %zd bytes\n", pread(fd, ok, sizeof ok, 0));

    /* Functions that do little. */
    report_wasi("proc_raise SIGINT", raw_proc_raise(2));
    report_wasi("proc_raise 99", raw_proc_raise(99));
    report_wasi("sched_yield", __wasi_sched_yield());
    report("sched_yield()", sched_yield() == 0);
    __wasi_fd_t sock;
    report_wasi("sock_accept stdin", __wasi_sock_accept(0, 0, &sock));
    report_wasi("sock_accept closed fd", __wasi_sock_accept(99, 0, &sock));
    __wasi_roflags_t roflags;
    report_wasi("sock_recv a file", __wasi_sock_recv(fd, &iov_ok, 1, 0, &n, &roflags));
    report_wasi("sock_send stdout", __wasi_sock_send(1, &(__wasi_ciovec_t){(const uint8_t *)"x", 1}, 1, 0, &n));
    report_wasi("sock_shutdown a directory", __wasi_sock_shutdown(3, __WASI_SDFLAGS_RD));
    report_wasi("sock_shutdown closed fd", __wasi_sock_shutdown(99, __WASI_SDFLAGS_WR));
    report_wasi("sock_shutdown with a bad flag", __wasi_sock_shutdown(1, 4));
    return 0;
}
