/* Randomness: random_get directly, through getentropy, and a large
 * request. Prints the bytes, so a host with a deterministic source can
 * check them. */
#include "common.h"
#include <unistd.h>

static void hex(const char *what, const unsigned char *b, size_t n) {
    printf("%s:", what);
    for (size_t i = 0; i < n; i++) printf(" %02x", b[i]);
    printf("\n");
}

int main(void) {
    unsigned char buf[16];
    report_wasi("random_get 16", __wasi_random_get(buf, sizeof buf));
    hex("random_get", buf, sizeof buf);
    report("getentropy 8", getentropy(buf, 8) == 0);
    hex("getentropy", buf, 8);
    report_wasi("random_get 0", __wasi_random_get(buf, 0));
    static unsigned char big[1 << 20];
    report_wasi("random_get 1 MiB", __wasi_random_get(big, sizeof big));
    size_t zeros = 0;
    for (size_t i = 0; i < sizeof big; i++) zeros += big[i] == 0;
    printf("zero bytes in 1 MiB: %s\n", zeros < 8192 ? "few" : "many");
    return 0;
}
