/* Attempts to escape the sandbox. The host gives the preopen /sandbox
 * (fd 3) holding inside.txt, a subdirectory sub/, and three symlinks it made
 * itself: rootlink -> /, uplink -> .., secretlink -> ../outside/secret.txt.
 * Next to the sandbox on the host is outside/secret.txt, which must not be
 * read, changed or linked, and nothing may be created next to it. Every
 * attempt prints the errno it failed with. */
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static __wasi_fd_t opened;

static __wasi_errno_t open_at(__wasi_fd_t dir, const char *path, __wasi_oflags_t oflags) {
    __wasi_rights_t write = (oflags & __WASI_OFLAGS_CREAT) ? __WASI_RIGHTS_FD_WRITE : 0;
    return __wasi_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path, oflags,
                            __WASI_RIGHTS_FD_READ | write | __WASI_RIGHTS_PATH_OPEN | __WASI_RIGHTS_FD_READDIR,
                            __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_PATH_OPEN, 0, &opened);
}

static __wasi_errno_t stat_at(__wasi_fd_t dir, const char *path) {
    __wasi_filestat_t st;
    return __wasi_path_filestat_get(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path, &st);
}

int main(void) {
    CHECK(chdir("/sandbox") == 0);
    int fd;

    /* What is inside works. */
    report("open inside.txt", (fd = open("inside.txt", O_RDONLY)) >= 0);
    close(fd);

    /* Absolute paths. wasi-libc refuses a path under no preopen itself;
     * the host refuses one passed to it directly. */
    report("libc open /etc/passwd", open("/etc/passwd", O_RDONLY) >= 0);
    report_wasi("path_open /etc/passwd", open_at(3, "/etc/passwd", 0));
    report_wasi("path_open /", open_at(3, "/", __WASI_OFLAGS_DIRECTORY));
    report_wasi("path_filestat_get /etc", stat_at(3, "/etc"));

    /* `..` out of the root. */
    report("libc open ../outside/secret.txt", open("../outside/secret.txt", O_RDONLY) >= 0);
    report_wasi("path_open ..", open_at(3, "..", __WASI_OFLAGS_DIRECTORY));
    report_wasi("path_open ./..", open_at(3, "./..", __WASI_OFLAGS_DIRECTORY));
    report_wasi("path_open ../outside/secret.txt", open_at(3, "../outside/secret.txt", 0));
    report_wasi("path_open sub/../../outside/secret.txt", open_at(3, "sub/../../outside/secret.txt", 0));
    report_wasi("path_open ../sandbox/inside.txt", open_at(3, "../sandbox/inside.txt", 0));
    report_wasi("create ../outside/created.txt", open_at(3, "../outside/created.txt", __WASI_OFLAGS_CREAT));
    report_wasi("path_filestat_get ../outside/secret.txt", stat_at(3, "../outside/secret.txt"));
    report_wasi("path_filestat_set_times ../outside/secret.txt",
                __wasi_path_filestat_set_times(3, 0, "../outside/secret.txt", 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    report_wasi("path_create_directory ../outside/newdir", __wasi_path_create_directory(3, "../outside/newdir"));
    report_wasi("path_unlink_file ../outside/secret.txt", __wasi_path_unlink_file(3, "../outside/secret.txt"));
    report_wasi("path_remove_directory ../outside", __wasi_path_remove_directory(3, "../outside"));
    report_wasi("path_symlink at ../outside/evil", __wasi_path_symlink("x", 3, "../outside/evil"));
    uint8_t buf[64];
    __wasi_size_t used;
    report_wasi("path_readlink ../outside/x", __wasi_path_readlink(3, "../outside/x", buf, sizeof buf, &used));

    /* A directory opened inside is a root of its own: `..` from it is out. */
    __wasi_fd_t sub;
    CHECK(open_at(3, "sub", __WASI_OFLAGS_DIRECTORY) == 0);
    sub = opened;
    report_wasi("path_open .. from sub's fd", open_at(sub, "..", __WASI_OFLAGS_DIRECTORY));
    report_wasi("path_open ../inside.txt from sub's fd", open_at(sub, "../inside.txt", 0));

    /* Symlinks the host put there, leading out. */
    report_wasi("path_open rootlink", open_at(3, "rootlink", __WASI_OFLAGS_DIRECTORY));
    report_wasi("path_open rootlink/etc/passwd", open_at(3, "rootlink/etc/passwd", 0));
    report_wasi("path_open uplink/outside/secret.txt", open_at(3, "uplink/outside/secret.txt", 0));
    report_wasi("path_open secretlink", open_at(3, "secretlink", 0));
    report_wasi("path_filestat_get uplink/outside", stat_at(3, "uplink/outside"));
    report_wasi("path_readlink rootlink", __wasi_path_readlink(3, "rootlink", buf, sizeof buf, &used));
    report_wasi("path_readlink uplink", __wasi_path_readlink(3, "uplink", buf, sizeof buf, &used));
    printf("uplink reads as: %.*s\n", (int)used, buf);
    report("libc open secretlink", open("secretlink", O_RDONLY) >= 0);
    report("libc stat rootlink/etc", stat("rootlink/etc", &(struct stat){0}) == 0);
    report("libc lstat rootlink", lstat("rootlink", &(struct stat){0}) == 0);

    /* Symlinks the guest makes. */
    report("symlink / root2", symlink("/", "root2") == 0);
    report("symlink /etc/passwd passwd", symlink("/etc/passwd", "passwd") == 0);
    report("symlink .. up2", symlink("..", "up2") == 0);
    report("symlink ../outside/secret.txt s2", symlink("../outside/secret.txt", "s2") == 0);
    report("symlink ../outside/new.txt s3", symlink("../outside/new.txt", "s3") == 0);
    report_wasi("path_open up2/outside/secret.txt", open_at(3, "up2/outside/secret.txt", 0));
    report_wasi("path_open s2", open_at(3, "s2", 0));
    report("libc open s2 for writing", open("s2", O_WRONLY) >= 0);
    report("libc create through s3", open("s3", O_CREAT | O_WRONLY, 0644) >= 0);
    report("libc truncate through s2", truncate("s2", 0) == 0);

    /* Hard links out of and into the sandbox. */
    report_wasi("path_link inside.txt ../outside/linked.txt",
                __wasi_path_link(3, 0, "inside.txt", 3, "../outside/linked.txt"));
    report_wasi("path_link ../outside/secret.txt stolen.txt",
                __wasi_path_link(3, 0, "../outside/secret.txt", 3, "stolen.txt"));
    report_wasi("path_link uplink/outside/secret.txt stolen.txt",
                __wasi_path_link(3, 0, "uplink/outside/secret.txt", 3, "stolen.txt"));
    /* Linking the symlink itself makes another symlink, just as unusable. */
    report_wasi("path_link secretlink (the link itself) stolen.txt",
                __wasi_path_link(3, 0, "secretlink", 3, "stolen.txt"));
    report_wasi("path_open stolen.txt", open_at(3, "stolen.txt", 0));
    report("libc link secretlink stolen2.txt", link("secretlink", "stolen2.txt") == 0);
    report("libc open stolen2.txt", open("stolen2.txt", O_RDONLY) >= 0);

    /* Renames out of and into the sandbox. */
    report_wasi("path_rename inside.txt ../outside/moved.txt",
                __wasi_path_rename(3, "inside.txt", 3, "../outside/moved.txt"));
    report_wasi("path_rename inside.txt uplink/outside/moved.txt",
                __wasi_path_rename(3, "inside.txt", 3, "uplink/outside/moved.txt"));
    report_wasi("path_rename ../outside/secret.txt got.txt",
                __wasi_path_rename(3, "../outside/secret.txt", 3, "got.txt"));
    report_wasi("path_rename sub ../outside/sub", __wasi_path_rename(3, "sub", 3, "../outside/sub"));
    report("libc rename inside.txt ../outside/moved.txt", rename("inside.txt", "../outside/moved.txt") == 0);

    /* Renaming the symlink itself is fine: it stays inside. */
    report_wasi("path_rename secretlink secretlink2", __wasi_path_rename(3, "secretlink", 3, "secretlink2"));
    report_wasi("path_open secretlink2", open_at(3, "secretlink2", 0));

    /* Nothing of this left the sandbox. */
    report("stat inside.txt", stat("inside.txt", &(struct stat){0}) == 0);
    return 0;
}
