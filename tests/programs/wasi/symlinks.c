/* Symbolic links inside the sandbox: create, read, follow or not, dangling
 * links, loops, and links to directories. Runs in the preopen /sandbox,
 * which the host gives empty. */
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind(mode_t m) {
    return S_ISLNK(m) ? "symlink" : S_ISDIR(m) ? "directory" : S_ISREG(m) ? "file" : "other";
}

static void stat_both(const char *path) {
    struct stat st;
    int l = lstat(path, &st);
    printf("lstat %s: %s", path, l == 0 ? kind(st.st_mode) : errname(errno));
    int s = stat(path, &st);
    printf(", stat: %s\n", s == 0 ? kind(st.st_mode) : errname(errno));
    errno = 0;
}

int main(void) {
    CHECK(chdir("/sandbox") == 0);
    int fd = open("target.txt", O_CREAT | O_WRONLY, 0644);
    CHECK(write(fd, "T\n", 2) == 2);
    close(fd);
    CHECK(mkdir("dir", 0755) == 0);
    close(open("dir/inner", O_CREAT | O_WRONLY, 0644));

    report("symlink target.txt link", symlink("target.txt", "link") == 0);
    report("symlink onto an existing name", symlink("target.txt", "link") == 0);
    char buf[64];
    ssize_t n = readlink("link", buf, sizeof buf);
    printf("readlink link: %zd [%.*s]\n", n, (int)n, buf);
    n = readlink("link", buf, 4);
    printf("readlink link into 4 bytes: %zd [%.*s]\n", n, (int)n, buf);
    report("readlink a regular file", readlink("target.txt", buf, sizeof buf) >= 0);
    report("readlink a missing path", readlink("missing", buf, sizeof buf) >= 0);
    fd = open("link", O_RDONLY);
    n = read(fd, buf, sizeof buf);
    printf("read through link: %zd [%.*s]\n", n, (int)n - 1, buf);
    close(fd);
    stat_both("link");
    report("open link with O_NOFOLLOW", open("link", O_RDONLY | O_NOFOLLOW) >= 0);
    __wasi_filestat_t fst;
    CHECK(__wasi_path_filestat_get(3, 0, "link", &fst) == 0);
    printf("path_filestat_get link: filetype %d size %llu\n", fst.filetype, (unsigned long long)fst.size);
    CHECK(__wasi_path_filestat_get(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "link", &fst) == 0);
    printf("path_filestat_get link, following: filetype %d size %llu\n", fst.filetype, (unsigned long long)fst.size);
    report_wasi("path_filestat_get with an unknown lookup flag", __wasi_path_filestat_get(3, 2, "link", &fst));

    /* A link to a directory. */
    report("symlink dir dirlink", symlink("dir", "dirlink") == 0);
    report("open dirlink/inner", (fd = open("dirlink/inner", O_RDONLY)) >= 0);
    close(fd);
    stat_both("dirlink");
    stat_both("dirlink/");
    report("open dirlink/ with O_NOFOLLOW", (fd = open("dirlink/", O_RDONLY | O_NOFOLLOW | O_DIRECTORY)) >= 0);
    close(fd);
    report("open dirlink with O_NOFOLLOW", open("dirlink", O_RDONLY | O_NOFOLLOW | O_DIRECTORY) >= 0);
    report("rmdir dirlink", rmdir("dirlink") == 0);
    report("unlink dirlink", unlink("dirlink") == 0);
    stat_both("dir");

    /* A dangling link. */
    report("symlink nowhere dangling", symlink("nowhere", "dangling") == 0);
    stat_both("dangling");
    report("open dangling", open("dangling", O_RDONLY) >= 0);
    report("create through dangling with O_EXCL", open("dangling", O_CREAT | O_EXCL | O_WRONLY, 0644) >= 0);
    report("create through dangling", (fd = open("dangling", O_CREAT | O_WRONLY, 0644)) >= 0);
    close(fd);
    stat_both("nowhere");
    stat_both("dangling");

    /* Loops. */
    report("symlink loop2 loop1", symlink("loop2", "loop1") == 0);
    report("symlink loop1 loop2", symlink("loop1", "loop2") == 0);
    report("symlink self self", symlink("self", "self") == 0);
    stat_both("loop1");
    stat_both("self");
    report("open loop1", open("loop1", O_RDONLY) >= 0);
    report("open self/x", open("self/x", O_RDONLY) >= 0);
    report("create through loop1", open("loop1", O_CREAT | O_WRONLY, 0644) >= 0);
    report("mkdir self/x", mkdir("self/x", 0755) == 0);

    /* Renaming, hard-linking and removing links touches the link only. */
    report("rename link link2", rename("link", "link2") == 0);
    report("link link2 hard", link("link2", "hard") == 0);
    stat_both("hard");
    report_wasi("path_link following the symlink", __wasi_path_link(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "link2", 3, "x"));
    struct timespec times[2] = {{1000, 0}, {2000, 0}};
    report("utimensat the link itself", utimensat(AT_FDCWD, "link2", times, AT_SYMLINK_NOFOLLOW) == 0);
    struct stat st;
    lstat("link2", &st);
    printf("link mtime %lld, ", (long long)st.st_mtim.tv_sec);
    stat("link2", &st);
    printf("target mtime changed: %d\n", st.st_mtim.tv_sec == 2000);
    report("unlink link2", unlink("link2") == 0);
    report("unlink hard", unlink("hard") == 0);
    stat_both("target.txt");
    report("symlink into a missing directory", symlink("target.txt", "missing/link") == 0);
    return 0;
}
