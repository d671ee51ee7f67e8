/* Prints its arguments, one per line. */
#include "common.h"

int main(int argc, char **argv) {
    printf("argc: %d\n", argc);
    for (int i = 0; i < argc; i++) printf("argv[%d]: [%s]\n", i, argv[i]);
    __wasi_size_t count, size;
    CHECK(__wasi_args_sizes_get(&count, &size) == 0);
    printf("args_sizes_get: %u %u\n", (unsigned)count, (unsigned)size);
    return 0;
}
