/* Prints its environment, one variable per line, then looks some up. */
#include "common.h"

extern char **environ;

int main(void) {
    int n = 0;
    for (char **e = environ; *e; e++, n++) printf("environ[%d]: [%s]\n", n, *e);
    printf("count: %d\n", n);
    const char *names[] = {"GREETING", "EMPTY", "MISSING", "WITH_EQUALS"};
    for (int i = 0; i < 4; i++) {
        const char *v = getenv(names[i]);
        printf("getenv(%s): %s%s%s\n", names[i], v ? "[" : "", v ? v : "(null)", v ? "]" : "");
    }
    __wasi_size_t count, size;
    CHECK(__wasi_environ_sizes_get(&count, &size) == 0);
    printf("environ_sizes_get: %u %u\n", (unsigned)count, (unsigned)size);
    return 0;
}
