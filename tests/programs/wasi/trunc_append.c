/* O_TRUNC together with O_APPEND: Linux open(2) and Wasmtime accept the
 * pair (the file is truncated, then every write appends), while cap-std's
 * OpenOptions alone refuses it with EINVAL. Runs in the preopen /sandbox,
 * which the host gives empty. */
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* The fdflags the host reports, as the raw WASI call gives them. */
static void print_fdflags(const char *what, int fd) {
    __wasi_fdstat_t st;
    __wasi_errno_t e = __wasi_fd_fdstat_get(fd, &st);
    if (e != 0) {
        printf("%s: %s\n", what, errname(e));
        return;
    }
    printf("%s: flags %#x\n", what, st.fs_flags);
}

int main(void) {
    CHECK(chdir("/sandbox") == 0);
    struct stat st;

    /* Old contents longer than what is written after, so that a file not
     * truncated would show. */
    int fd = open("t.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, "old contents, longer than the new\n", 34) == 34);
    close(fd);

    fd = open("t.txt", O_WRONLY | O_TRUNC | O_APPEND);
    report("open t.txt O_WRONLY|O_TRUNC|O_APPEND", fd >= 0);
    CHECK(fd >= 0);
    printf("O_APPEND set: %d\n", !!(fcntl(fd, F_GETFL) & O_APPEND));
    print_fdflags("fdstat", fd);
    CHECK(fstat(fd, &st) == 0);
    printf("size after open: %lld\n", (long long)st.st_size);
    report("write first", write(fd, "first\n", 6) == 6);
    printf("tell: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    /* In append mode the offset does not choose where a write lands. */
    printf("seek to 0: %lld\n", (long long)lseek(fd, 0, SEEK_SET));
    report("write second", write(fd, "second\n", 7) == 7);
    printf("tell: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    print_file("t.txt");

    /* Append mode switched off and on again, as for a file opened with
     * O_APPEND alone. */
    report("clear O_APPEND", fcntl(fd, F_SETFL, 0) == 0);
    printf("O_APPEND set: %d\n", !!(fcntl(fd, F_GETFL) & O_APPEND));
    print_fdflags("fdstat", fd);
    lseek(fd, 0, SEEK_SET);
    report("overwrite the first byte", write(fd, "F", 1) == 1);
    report("set O_APPEND", fcntl(fd, F_SETFL, O_APPEND) == 0);
    printf("O_APPEND set: %d\n", !!(fcntl(fd, F_GETFL) & O_APPEND));
    print_fdflags("fdstat", fd);
    lseek(fd, 0, SEEK_SET);
    report("append after seeking to 0", write(fd, "!", 1) == 1);
    close(fd);
    print_file("t.txt");

    /* The pair with O_CREAT, on a file that does not exist yet, read and
     * write. */
    fd = open("n.txt", O_CREAT | O_RDWR | O_TRUNC | O_APPEND, 0644);
    report("create n.txt O_RDWR|O_TRUNC|O_APPEND", fd >= 0);
    CHECK(fd >= 0);
    printf("O_APPEND set: %d\n", !!(fcntl(fd, F_GETFL) & O_APPEND));
    CHECK(write(fd, "ab", 2) == 2);
    lseek(fd, 0, SEEK_SET);
    CHECK(write(fd, "cd", 2) == 2);
    char buf[8];
    ssize_t n = pread(fd, buf, sizeof buf, 0);
    printf("pread: %zd [%.*s]\n", n, (int)(n > 0 ? n : 0), buf);
    close(fd);

    /* A directory is still refused, as by Linux: a directory cannot be
     * opened for writing. */
    CHECK(mkdir("sub", 0755) == 0);
    report("open a directory with O_TRUNC|O_APPEND", open("sub", O_WRONLY | O_TRUNC | O_APPEND) >= 0);
    return 0;
}
