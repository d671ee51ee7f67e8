/* Directories: create, remove, rename, list (readdir with its cookies and
 * its buffer rules), `..` inside the sandbox, and what cannot be done with
 * a directory descriptor. Runs in the preopen /sandbox, which the host
 * gives empty. */
#include "common.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static void touch(const char *path) {
    int fd = open(path, O_CREAT | O_WRONLY, 0644);
    CHECK(fd >= 0);
    close(fd);
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Lists a directory with opendir/readdir, sorted. */
static void list(const char *path) {
    DIR *d = opendir(path);
    CHECK(d);
    char *names[32];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 32) {
        char *s = malloc(strlen(e->d_name) + 8);
        sprintf(s, "%s(%d)", e->d_name, e->d_type);
        names[n++] = s;
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp);
    printf("%s:", path);
    for (int i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

/* Parses what fd_readdir put in a buffer. */
static void dump_dirents(const char *what, const uint8_t *buf, size_t used) {
    printf("%s: %zu bytes:", what, used);
    size_t at = 0;
    while (at + sizeof(__wasi_dirent_t) <= used) {
        __wasi_dirent_t d;
        memcpy(&d, buf + at, sizeof d);
        at += sizeof d;
        size_t len = d.d_namlen;
        if (at + len > used) len = used - at;
        printf(" [next %llu type %d namlen %u %.*s]", (unsigned long long)d.d_next, d.d_type, (unsigned)d.d_namlen,
               (int)len, (const char *)buf + at);
        at += len;
    }
    if (at < used) printf(" +%zu bytes of a cut header", used - at);
    printf("\n");
}

int main(void) {
    CHECK(chdir("/sandbox") == 0);
    struct stat st;

    report("mkdir d", mkdir("d", 0755) == 0);
    report("mkdir d again", mkdir("d", 0755) == 0);
    report("mkdir d/", mkdir("d/", 0755) == 0);
    report("mkdir x/y", mkdir("x/y", 0755) == 0);
    report("mkdir d/e/", mkdir("d/e/", 0755) == 0);
    touch("d/f1");
    touch("d/f2");
    touch("file");
    report("mkdir file/x", mkdir("file/x", 0755) == 0);
    report("rmdir d", rmdir("d") == 0);
    report("rmdir d/f1", rmdir("d/f1") == 0);
    report("rmdir missing", rmdir("missing") == 0);
    report("rmdir d/e/", rmdir("d/e/") == 0);
    report("mkdir d/e", mkdir("d/e", 0755) == 0);
    list(".");
    list("d");

    /* readdir's positions: telldir/seekdir/rewinddir. */
    DIR *dir = opendir("d");
    CHECK(dir);
    readdir(dir);
    readdir(dir);
    long where = telldir(dir);
    char third[64];
    strcpy(third, readdir(dir)->d_name);
    int rest = 0;
    while (readdir(dir)) rest++;
    seekdir(dir, where);
    printf("after seekdir: same entry %d, %d more after it\n", strcmp(readdir(dir)->d_name, third) == 0, rest);
    rewinddir(dir);
    int all = 0;
    while (readdir(dir)) all++;
    printf("after rewinddir: %d entries\n", all);
    closedir(dir);

    /* Inode numbers of . and .. as readdir sees them. */
    dir = opendir("d");
    struct dirent *e;
    ino_t dot = 0;
    while ((e = readdir(dir)))
        if (strcmp(e->d_name, ".") == 0) dot = e->d_ino;
    closedir(dir);
    stat("d", &st);
    printf("d_ino of . is d's inode: %d\n", dot == st.st_ino);

    /* fd_readdir itself: cookies and buffer sizes. The entries of "e"
     * are ".", ".." and one file, "x". */
    touch("d/e/x");
    int fd = open("d/e", O_RDONLY | O_DIRECTORY);
    CHECK(fd >= 0);
    uint8_t buf[256];
    __wasi_size_t used;
    report_wasi("fd_readdir", __wasi_fd_readdir(fd, buf, sizeof buf, 0, &used));
    dump_dirents("whole", buf, used);
    CHECK(__wasi_fd_readdir(fd, buf, sizeof buf, 2, &used) == 0);
    dump_dirents("from cookie 2", buf, used);
    CHECK(__wasi_fd_readdir(fd, buf, sizeof buf, 3, &used) == 0);
    dump_dirents("from cookie 3", buf, used);
    CHECK(__wasi_fd_readdir(fd, buf, sizeof buf, 1000, &used) == 0);
    dump_dirents("from cookie 1000", buf, used);
    CHECK(__wasi_fd_readdir(fd, buf, 24, 0, &used) == 0);
    dump_dirents("buffer of 24", buf, used);
    CHECK(__wasi_fd_readdir(fd, buf, 25, 0, &used) == 0);
    dump_dirents("buffer of 25", buf, used);
    CHECK(__wasi_fd_readdir(fd, buf, 10, 0, &used) == 0);
    dump_dirents("buffer of 10", buf, used);
    CHECK(__wasi_fd_readdir(fd, buf, 50, 0, &used) == 0);
    dump_dirents("buffer of 50", buf, used);
    CHECK(__wasi_fd_readdir(fd, buf, 0, 0, &used) == 0);
    printf("buffer of 0: %u bytes\n", (unsigned)used);

    /* What a directory descriptor is not. */
    __wasi_filesize_t pos;
    report_wasi("fd_seek on a directory", __wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos));
    report_wasi("fd_tell on a directory", __wasi_fd_tell(fd, &pos));
    __wasi_iovec_t iov = {buf, sizeof buf};
    __wasi_ciovec_t ciov = {buf, 1};
    __wasi_size_t n;
    report_wasi("fd_read on a directory", __wasi_fd_read(fd, &iov, 1, &n));
    report_wasi("fd_write on a directory", __wasi_fd_write(fd, &ciov, 1, &n));
    report_wasi("fd_filestat_set_size on a directory", __wasi_fd_filestat_set_size(fd, 0));
    report_wasi("fd_allocate on a directory", __wasi_fd_allocate(fd, 0, 1));
    report_wasi("fd_sync on a directory", __wasi_fd_sync(fd));
    fstat(fd, &st);
    printf("fstat: directory %d\n", S_ISDIR(st.st_mode));
    close(fd);
    fd = open("file", O_RDONLY);
    report_wasi("fd_readdir on a file", __wasi_fd_readdir(fd, buf, sizeof buf, 0, &used));
    report_wasi("path_create_directory on a file fd", __wasi_path_create_directory(fd, "x"));
    close(fd);
    report_wasi("fd_readdir on stdin", __wasi_fd_readdir(0, buf, sizeof buf, 0, &used));
    report_wasi("fd_readdir on a closed fd", __wasi_fd_readdir(99, buf, sizeof buf, 0, &used));

    /* Renaming directories. */
    report("rename d d2", rename("d", "d2") == 0);
    report("rename d2 into itself", rename("d2", "d2/sub") == 0);
    report("rename file over a directory", rename("file", "d2/e") == 0);
    report("mkdir empty", mkdir("empty", 0755) == 0);
    report("rename empty over a non-empty directory", rename("empty", "d2") == 0);
    report("rename d2 over an empty directory", rename("d2", "empty") == 0);
    report("rename a directory over a file", rename("empty", "file") == 0);
    report("rename empty/ d3", rename("empty/", "d3") == 0);
    report("rename file/ x", rename("file/", "x") == 0);
    report("rename file x/", rename("file", "x/") == 0);

    /* `..` that stays inside the sandbox. */
    report("open d3/../d3/f1", (fd = open("d3/../d3/f1", O_RDONLY)) >= 0);
    close(fd);
    struct stat up, root;
    stat("d3/e/..", &up);
    stat("d3", &st);
    stat(".", &root);
    printf("d3/e/.. is d3: %d\n", up.st_ino == st.st_ino);
    stat("d3/..", &up);
    printf("d3/.. is the root: %d\n", up.st_ino == root.st_ino);
    list("d3");
    list(".");
    return 0;
}
