/* Files: create, write, read, seek, tell, positional I/O, append, vectored
 * I/O, truncate, allocate, advise, sync, stat, timestamps, rename, hard
 * links, unlink, and the errors of each. Runs in the preopen /sandbox,
 * which the host gives empty. */
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

int main(void) {
    CHECK(chdir("/sandbox") == 0);
    char buf[64];
    struct stat st;

    /* Create and write. */
    int fd = open("a.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    report("create a.txt", fd >= 0);
    report("write 12 bytes", write(fd, "hello world\n", 12) == 12);
    report("read from a write-only fd", read(fd, buf, 1) >= 0);
    report("close", close(fd) == 0);
    report("close again", close(fd) == 0);
    report("create a.txt with O_EXCL", open("a.txt", O_CREAT | O_EXCL | O_WRONLY, 0644) >= 0);

    /* Read, seek and tell. */
    fd = open("a.txt", O_RDONLY);
    CHECK(fd >= 0);
    ssize_t n = read(fd, buf, 5);
    printf("read %zd: [%.*s]\n", n, (int)n, buf);
    printf("tell: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    printf("seek end-3: %lld\n", (long long)lseek(fd, -3, SEEK_END));
    n = read(fd, buf, sizeof buf);
    printf("read %zd: [%.*s]\n", n, (int)n - 1, buf);
    printf("read at the end: %zd\n", read(fd, buf, sizeof buf));
    report("seek before the start", lseek(fd, -20, SEEK_CUR) >= 0);
    printf("seek past the end: %lld\n", (long long)lseek(fd, 100, SEEK_SET));
    printf("read past the end: %zd\n", read(fd, buf, sizeof buf));
    n = pread(fd, buf, 5, 6);
    printf("pread at 6: %zd [%.*s], tell %lld\n", n, (int)n, buf, (long long)lseek(fd, 0, SEEK_CUR));
    report("write to a read-only fd", write(fd, "x", 1) >= 0);
    report("pwrite to a read-only fd", pwrite(fd, "x", 1, 0) >= 0);
    report("ftruncate a read-only fd", ftruncate(fd, 0) == 0);
    __wasi_filesize_t pos;
    report_wasi("fd_seek with whence 3", __wasi_fd_seek(fd, 0, 3, &pos));
    close(fd);

    /* Vectored reads and writes. */
    fd = open("a.txt", O_RDONLY);
    char x[3], y[3], z[3];
    struct iovec riov[3] = {{x, 3}, {y, 3}, {z, 3}};
    n = readv(fd, riov, 3);
    printf("readv: %zd [%.3s|%.3s|%.3s]\n", n, x, y, z);
    close(fd);

    /* Append mode, switched off and on with fcntl. */
    fd = open("a.txt", O_WRONLY | O_APPEND);
    CHECK(fd >= 0);
    printf("O_APPEND set: %d\n", !!(fcntl(fd, F_GETFL) & O_APPEND));
    struct iovec wiov[2] = {{"mo", 2}, {"re\n", 3}};
    printf("writev appending: %zd\n", writev(fd, wiov, 2));
    printf("tell after appending: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    report("clear O_APPEND", fcntl(fd, F_SETFL, 0) == 0);
    printf("O_APPEND set: %d\n", !!(fcntl(fd, F_GETFL) & O_APPEND));
    lseek(fd, 0, SEEK_SET);
    report("overwrite the first byte", write(fd, "J", 1) == 1);
    report("set O_APPEND", fcntl(fd, F_SETFL, O_APPEND) == 0);
    lseek(fd, 0, SEEK_SET);
    report("append after seeking to 0", write(fd, "!", 1) == 1);
    printf("tell: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    report("set O_SYNC with fcntl", fcntl(fd, F_SETFL, O_SYNC) == 0);
    close(fd);
    print_file("a.txt");

    /* Truncate, allocate, advise, sync. */
    fd = open("b.txt", O_CREAT | O_RDWR, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, "0123456789", 10) == 10);
    report("ftruncate to 4", ftruncate(fd, 4) == 0);
    fstat(fd, &st);
    printf("size: %lld\n", (long long)st.st_size);
    report("ftruncate to 8", ftruncate(fd, 8) == 0);
    n = pread(fd, buf, sizeof buf, 0);
    printf("pread: %zd, byte 5 is %d\n", n, buf[5]);
    printf("posix_fallocate 0+100: %s\n", errname(posix_fallocate(fd, 0, 100)));
    fstat(fd, &st);
    printf("size: %lld\n", (long long)st.st_size);
    printf("posix_fallocate 10+0: %s\n", errname(posix_fallocate(fd, 10, 0)));
    printf("posix_fadvise sequential: %s\n", errname(posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)));
    printf("posix_fadvise 99: %s\n", errname(posix_fadvise(fd, 0, 0, 99)));
    report("fsync", fsync(fd) == 0);
    report("fdatasync", fdatasync(fd) == 0);
    n = pwrite(fd, "ab", 2, 1);
    printf("pwrite at 1: %zd, tell %lld\n", n, (long long)lseek(fd, 0, SEEK_CUR));
    close(fd);
    fd = open("b.txt", O_RDWR | O_TRUNC);
    fstat(fd, &st);
    printf("size after O_TRUNC: %lld\n", (long long)st.st_size);
    close(fd);

    /* stat, fstat. */
    report("stat a.txt", stat("a.txt", &st) == 0);
    printf("regular %d, size %lld, nlink %llu\n", S_ISREG(st.st_mode), (long long)st.st_size,
           (unsigned long long)st.st_nlink);
    struct stat st2;
    fd = open("a.txt", O_RDONLY);
    fstat(fd, &st2);
    printf("same inode through fstat: %d\n", st.st_ino == st2.st_ino && st.st_dev == st2.st_dev);
    report("stat a missing file", stat("missing", &st) == 0);

    /* Timestamps. */
    struct timespec times[2] = {{1000, 5}, {2000, 123456789}};
    report("utimensat", utimensat(AT_FDCWD, "a.txt", times, 0) == 0);
    stat("a.txt", &st);
    printf("atime %lld.%09ld mtime %lld.%09ld\n", (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
           (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    /* (This wasi-libc's futimens refuses UTIME_NOW/UTIME_OMIT itself, so
     * the flags go to the host directly.) */
    report_wasi("fd_filestat_set_times MTIM_NOW", __wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    fstat(fd, &st);
    printf("atime kept: %d, mtime now: %d\n", st.st_atim.tv_sec == 1000, st.st_mtim.tv_sec > 1600000000);
    close(fd);
    report_wasi("fd_filestat_set_times ATIM|ATIM_NOW",
                __wasi_fd_filestat_set_times(3, 0, 0, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW));
    report_wasi("fd_filestat_set_times MTIM|MTIM_NOW",
                __wasi_fd_filestat_set_times(3, 0, 0, __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_MTIM_NOW));
    report_wasi("fd_filestat_set_times unknown flag", __wasi_fd_filestat_set_times(3, 0, 0, 1 << 4));
    report_wasi("fd_filestat_set_times on a closed fd", __wasi_fd_filestat_set_times(99, 0, 0, 0));
    report_wasi("path_filestat_set_times ATIM|ATIM_NOW",
                __wasi_path_filestat_set_times(3, 0, "a.txt", 0, 0, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW));
    report_wasi("path_filestat_set_times MTIM", __wasi_path_filestat_set_times(3, 0, "a.txt", 0, 7, __WASI_FSTFLAGS_MTIM));
    stat("a.txt", &st);
    printf("mtime %lld.%09ld\n", (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);

    /* Rename, link, unlink. */
    report("rename a.txt c.txt", rename("a.txt", "c.txt") == 0);
    report("open a.txt", open("a.txt", O_RDONLY) >= 0);
    CHECK(close(open("e.txt", O_CREAT | O_WRONLY, 0644)) == 0);
    report("rename e.txt over b.txt", rename("e.txt", "b.txt") == 0);
    report("rename a missing file", rename("missing", "x") == 0);
    report("link c.txt d.txt", link("c.txt", "d.txt") == 0);
    stat("d.txt", &st);
    printf("nlink: %llu\n", (unsigned long long)st.st_nlink);
    report("link onto an existing name", link("c.txt", "b.txt") == 0);
    report("unlink c.txt", unlink("c.txt") == 0);
    stat("d.txt", &st);
    printf("nlink: %llu\n", (unsigned long long)st.st_nlink);
    print_file("d.txt");
    report("unlink a missing file", unlink("c.txt") == 0);

    /* Path errors. */
    report("open a missing file", open("missing", O_RDONLY) >= 0);
    report("open d.txt/", open("d.txt/", O_RDONLY) >= 0);
    report("open d.txt with O_DIRECTORY", open("d.txt", O_RDONLY | O_DIRECTORY) >= 0);
    report("open d.txt/x", open("d.txt/x", O_RDONLY) >= 0);
    report("unlink d.txt/", unlink("d.txt/") == 0);
    report("mkdir sub", mkdir("sub", 0755) == 0);
    report("open a directory for writing", open("sub", O_WRONLY) >= 0);
    report("open a directory with O_TRUNC", open("sub", O_RDONLY | O_TRUNC) >= 0);
    report("unlink a directory", unlink("sub") == 0);
    report("open sub/../d.txt", (fd = open("sub/../d.txt", O_RDONLY)) >= 0);
    close(fd);
    report("open an empty path", open("", O_RDONLY) >= 0);
    report("create with O_DIRECTORY", open("newdir", O_CREAT | O_DIRECTORY | O_RDONLY, 0755) >= 0);
    char longname[300];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    report("create a 299-byte name", open(longname, O_CREAT | O_WRONLY, 0644) >= 0);
    __wasi_fd_t nfd;
    report_wasi("path_open an empty path", __wasi_path_open(3, 0, "", 0, 0, 0, 0, &nfd));
    report_wasi("path_open with an unknown oflag", __wasi_path_open(3, 0, "d.txt", 1 << 5, 0, 0, 0, &nfd));
    report_wasi("path_open with an unknown fdflag", __wasi_path_open(3, 0, "d.txt", 0, 0, 0, 1 << 6, &nfd));
    fd = open("d.txt", O_RDONLY);
    report_wasi("path_open on a file fd", __wasi_path_open(fd, 0, "x", 0, 0, 0, 0, &nfd));
    close(fd);
    report_wasi("path_open on stdin", __wasi_path_open(0, 0, "d.txt", 0, 0, 0, 0, &nfd));
    report_wasi("path_open on a closed fd", __wasi_path_open(99, 0, "d.txt", 0, 0, 0, 0, &nfd));
    return 0;
}
