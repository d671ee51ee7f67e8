/* A read-only preopen: the host gives /ro (fd 3) with DirPerms::READ and
 * FilePerms::READ, holding data.txt ("data\n"), an empty sub/ and a
 * symlink link -> data.txt. Reading works; every change is EPERM. */
#include "common.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
    CHECK(chdir("/ro") == 0);
    char buf[16];
    int fd = open("data.txt", O_RDONLY);
    report("open data.txt for reading", fd >= 0);
    ssize_t n = read(fd, buf, sizeof buf);
    printf("read: %zd [%.*s]\n", n, (int)n - 1, buf);
    struct stat st;
    report("stat data.txt", stat("data.txt", &st) == 0);
    n = readlink("link", buf, sizeof buf);
    printf("readlink link: %zd [%.*s]\n", n, (int)n, buf);
    DIR *d = opendir(".");
    int count = 0;
    while (d && readdir(d)) count++;
    printf("entries: %d\n", count);
    closedir(d);

    report("open data.txt for writing", open("data.txt", O_WRONLY) >= 0);
    report("open data.txt for reading and writing", open("data.txt", O_RDWR) >= 0);
    report("open data.txt with O_TRUNC", open("data.txt", O_RDONLY | O_TRUNC) >= 0);
    report("create new.txt", open("new.txt", O_CREAT | O_WRONLY, 0644) >= 0);
    report("mkdir newdir", mkdir("newdir", 0755) == 0);
    report("rmdir sub", rmdir("sub") == 0);
    report("unlink data.txt", unlink("data.txt") == 0);
    report("rename data.txt moved.txt", rename("data.txt", "moved.txt") == 0);
    report("link data.txt hard.txt", link("data.txt", "hard.txt") == 0);
    report("symlink data.txt sym", symlink("data.txt", "sym") == 0);
    struct timespec times[2] = {{1, 0}, {2, 0}};
    report("utimensat data.txt", utimensat(AT_FDCWD, "data.txt", times, 0) == 0);
    report_wasi("fd_filestat_set_times on the read fd",
                __wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    report_wasi("fd_filestat_set_times on the directory",
                __wasi_fd_filestat_set_times(3, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    __wasi_fd_t wfd;
    report_wasi("path_open with FD_WRITE", __wasi_path_open(3, 0, "data.txt", 0, __WASI_RIGHTS_FD_WRITE, 0, 0, &wfd));
    int sub = open("sub", O_RDONLY | O_DIRECTORY);
    report("open sub", sub >= 0);
    report("create sub/x", open("sub/x", O_CREAT | O_WRONLY, 0644) >= 0);
    report_wasi("path_create_directory through sub's fd", __wasi_path_create_directory(sub, "y"));
    return 0;
}
