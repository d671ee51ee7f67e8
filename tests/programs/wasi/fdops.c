/* The descriptor table: preopens, fd numbers, renumbering, closing, flags
 * and rights. The host gives two preopens: /sandbox (fd 3, empty,
 * read-write) and /data (fd 4, read-only, holding data.txt). */
#include "common.h"
#include <fcntl.h>
#include <unistd.h>

static void fdstat(const char *what, int fd) {
    __wasi_fdstat_t st;
    __wasi_errno_t e = __wasi_fd_fdstat_get(fd, &st);
    if (e) {
        printf("%s: %s\n", what, errname(e));
        return;
    }
    printf("%s: filetype %d flags %#x read %d write %d seek %d tell %d path_open %d\n", what, st.fs_filetype,
           st.fs_flags, !!(st.fs_rights_base & __WASI_RIGHTS_FD_READ),
           !!(st.fs_rights_base & __WASI_RIGHTS_FD_WRITE), !!(st.fs_rights_base & __WASI_RIGHTS_FD_SEEK),
           !!(st.fs_rights_base & __WASI_RIGHTS_FD_TELL), !!(st.fs_rights_base & __WASI_RIGHTS_PATH_OPEN));
}

static __wasi_fd_t open_raw(__wasi_fd_t dir, const char *path, __wasi_oflags_t oflags, __wasi_rights_t base,
                            __wasi_rights_t inheriting) {
    __wasi_fd_t fd;
    __wasi_errno_t e = __wasi_path_open(dir, 0, path, oflags, base, inheriting, 0, &fd);
    if (e) {
        printf("path_open %s: %s\n", path, errname(e));
        return (__wasi_fd_t)-1;
    }
    return fd;
}

int main(void) {
    /* The preopens, as wasi-libc finds them. */
    for (__wasi_fd_t fd = 0; fd <= 5; fd++) {
        __wasi_prestat_t pre;
        __wasi_errno_t e = __wasi_fd_prestat_get(fd, &pre);
        if (e) {
            printf("fd_prestat_get %u: %s\n", (unsigned)fd, errname(e));
            continue;
        }
        char name[64] = {0};
        CHECK(__wasi_fd_prestat_dir_name(fd, (uint8_t *)name, pre.u.dir.pr_name_len) == 0);
        printf("fd_prestat_get %u: dir, name [%s] (%u bytes)\n", (unsigned)fd, name, (unsigned)pre.u.dir.pr_name_len);
    }
    char small[4];
    report_wasi("fd_prestat_dir_name into 4 bytes", __wasi_fd_prestat_dir_name(3, (uint8_t *)small, 4));
    report_wasi("fd_prestat_dir_name of stdin", __wasi_fd_prestat_dir_name(0, (uint8_t *)small, 4));
    report_wasi("fd_prestat_dir_name of a closed fd", __wasi_fd_prestat_dir_name(9, (uint8_t *)small, 4));
    fdstat("fdstat preopen", 3);

    /* New fds take the lowest free number. */
    CHECK(chdir("/sandbox") == 0);
    int a = open("a.txt", O_CREAT | O_RDWR, 0644);
    int b = open("b.txt", O_CREAT | O_RDWR, 0644);
    printf("opened a.txt as %d, b.txt as %d\n", a, b);
    close(a);
    a = open("a.txt", O_RDWR);
    printf("reopened a.txt as %d\n", a);

    /* Renumbering. */
    CHECK(write(a, "A", 1) == 1);
    report_wasi("fd_renumber a b", __wasi_fd_renumber(a, b));
    report_wasi("fd_write to the old number", __wasi_fd_write(a, &(__wasi_ciovec_t){(const uint8_t *)"x", 1}, 1,
                                                              &(__wasi_size_t){0}));
    char buf[8] = {0};
    printf("pread through b: %zd [%s]\n", pread(b, buf, sizeof buf - 1, 0), buf);
    report_wasi("fd_renumber onto a closed fd", __wasi_fd_renumber(b, 20));
    report_wasi("fd_renumber from a closed fd", __wasi_fd_renumber(20, b));
    report_wasi("fd_renumber b onto itself", __wasi_fd_renumber(b, b));
    fdstat("fdstat b", b);

    /* Flags. */
    int c = open("c.txt", O_CREAT | O_WRONLY | O_APPEND, 0644);
    fdstat("fdstat c (append)", c);
    report_wasi("fd_fdstat_set_flags c NONBLOCK", __wasi_fd_fdstat_set_flags(c, __WASI_FDFLAGS_NONBLOCK));
    fdstat("fdstat c", c);
    int nb = open("nb.txt", O_CREAT | O_WRONLY | O_NONBLOCK, 0644);
    fdstat("fdstat opened with O_NONBLOCK", nb);
    report("write with O_NONBLOCK", write(nb, "x", 1) == 1);
    close(nb);
    report_wasi("fd_fdstat_set_flags with an unknown flag", __wasi_fd_fdstat_set_flags(c, 1 << 5));
    report_wasi("fd_fdstat_set_flags DSYNC", __wasi_fd_fdstat_set_flags(c, __WASI_FDFLAGS_DSYNC));
    report_wasi("fd_fdstat_set_flags on a directory", __wasi_fd_fdstat_set_flags(3, 0));
    __wasi_fd_t s = open_raw(3, "s.txt", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_WRITE, 0);
    CHECK(__wasi_fd_close(s) == 0);
    CHECK(__wasi_path_open(3, 0, "s.txt", 0, __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_FDSTAT_SET_FLAGS, 0,
                           __WASI_FDFLAGS_SYNC | __WASI_FDFLAGS_DSYNC, &s) == 0);
    fdstat("fdstat opened with SYNC|DSYNC", s);
    report_wasi("fd_fdstat_set_flags keeping SYNC|DSYNC, adding APPEND",
                __wasi_fd_fdstat_set_flags(s, __WASI_FDFLAGS_SYNC | __WASI_FDFLAGS_DSYNC | __WASI_FDFLAGS_APPEND));
    fdstat("fdstat", s);
    CHECK(__wasi_fd_fdstat_set_rights(s, __WASI_RIGHTS_FD_WRITE, 0) == 0);
    report_wasi("fd_fdstat_set_flags without the right", __wasi_fd_fdstat_set_flags(s, __WASI_FDFLAGS_SYNC | __WASI_FDFLAGS_DSYNC));
    close(s);

    /* Rights: dropped, never regained. */
    fdstat("fdstat a before", b);
    __wasi_fdstat_t st;
    CHECK(__wasi_fd_fdstat_get(b, &st) == 0);
    report_wasi("drop FD_WRITE and FD_SEEK",
                __wasi_fd_fdstat_set_rights(b, st.fs_rights_base & ~(__WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK),
                                            st.fs_rights_inheriting));
    fdstat("fdstat after", b);
    report("write without FD_WRITE", write(b, "x", 1) >= 0);
    report("lseek without FD_SEEK", lseek(b, 0, SEEK_SET) >= 0);
    printf("lseek(0, SEEK_CUR) with FD_TELL: %lld\n", (long long)lseek(b, 0, SEEK_CUR));
    printf("read still works: %zd\n", read(b, buf, 1));
    report_wasi("add FD_WRITE back", __wasi_fd_fdstat_set_rights(b, st.fs_rights_base, st.fs_rights_inheriting));
    report_wasi("fd_fdstat_set_rights with an unknown bit", __wasi_fd_fdstat_set_rights(b, 1ull << 40, 0));
    report_wasi("fd_fdstat_set_rights on a closed fd", __wasi_fd_fdstat_set_rights(20, 0, 0));

    /* A directory's rights bound what is opened through it. */
    __wasi_fd_t dir = open_raw(3, ".", __WASI_OFLAGS_DIRECTORY,
                               __WASI_RIGHTS_PATH_OPEN | __WASI_RIGHTS_FD_READDIR | __WASI_RIGHTS_PATH_CREATE_FILE,
                               __WASI_RIGHTS_FD_READ);
    fdstat("fdstat dir", dir);
    __wasi_fd_t f = open_raw(dir, "a.txt", 0, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0);
    fdstat("fdstat file opened through dir", f);
    report_wasi("fd_write without an inherited FD_WRITE",
                __wasi_fd_write(f, &(__wasi_ciovec_t){(const uint8_t *)"x", 1}, 1, &(__wasi_size_t){0}));
    report_wasi("path_create_directory without the right", __wasi_path_create_directory(dir, "newdir"));
    CHECK(__wasi_fd_fdstat_set_rights(dir, __WASI_RIGHTS_FD_READDIR, 0) == 0);
    open_raw(dir, "a.txt", 0, __WASI_RIGHTS_FD_READ, 0);

    /* Renumbering over a preopen replaces it. */
    report_wasi("fd_renumber a file onto the preopen /data", __wasi_fd_renumber(f, 4));
    __wasi_prestat_t pre;
    report_wasi("fd_prestat_get 4", __wasi_fd_prestat_get(4, &pre));
    open_raw(4, "data.txt", 0, __WASI_RIGHTS_FD_READ, 0);
    fdstat("fdstat 4", 4);

    /* Closing a preopen (allowed, as in Wasmtime). */
    report_wasi("fd_close the preopen /sandbox", __wasi_fd_close(3));
    report_wasi("fd_prestat_get 3", __wasi_fd_prestat_get(3, &pre));
    open_raw(3, "a.txt", 0, __WASI_RIGHTS_FD_READ, 0);
    report_wasi("fd_close 3 again", __wasi_fd_close(3));
    fdstat("fdstat closed", 3);
    report_wasi("fd_filestat_get closed", __wasi_fd_filestat_get(3, &(__wasi_filestat_t){0}));
    return 0;
}
