/* Prints each file named on the command line, or the errno opening it
 * failed with: "<path>: <contents or errno>". */
#include "common.h"
#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY);
        if (fd < 0) {
            printf("%s: %s\n", argv[i], errname(errno));
            continue;
        }
        char buf[256];
        ssize_t n = read(fd, buf, sizeof buf);
        printf("%s: %.*s", argv[i], (int)(n < 0 ? 0 : n), buf);
        close(fd);
    }
    return 0;
}
