/* fib: recursive calls. The call path (frame setup, argument passing,
 * return) dominates; there is almost no other work. */
#include "bench.h"

static int32_t fib(int32_t n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

int64_t run(int32_t n) {
    return fib(n);
}
