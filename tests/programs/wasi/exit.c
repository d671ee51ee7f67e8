/* Ends in the way its first argument says: "return N" returns N from main,
 * "exit N" calls exit(N), "abort" calls abort() (a trap), "proc_exit N"
 * calls proc_exit directly, skipping libc's exit handlers. */
#include "common.h"
#include <stdlib.h>

static void at_exit(void) { printf("atexit handler ran\n"); }

int main(int argc, char **argv) {
    atexit(at_exit);
    if (argc < 2) return 0;
    const char *how = argv[1];
    int code = argc > 2 ? atoi(argv[2]) : 0;
    printf("ending with %s %d\n", how, code);
    if (strcmp(how, "return") == 0) return code;
    if (strcmp(how, "exit") == 0) exit(code);
    if (strcmp(how, "proc_exit") == 0) {
        fflush(stdout);
        __wasi_proc_exit((__wasi_exitcode_t)code);
    }
    if (strcmp(how, "abort") == 0) abort();
    printf("unknown way to end\n");
    return 99;
}
