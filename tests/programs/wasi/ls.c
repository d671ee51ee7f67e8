/* Lists /sandbox (sorted, one name per line) and prints the count. */
#include "common.h"
#include <dirent.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(void) {
    DIR *d = opendir("/sandbox");
    CHECK(d);
    size_t cap = 16, n = 0;
    char **names = malloc(cap * sizeof *names);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (n == cap) names = realloc(names, (cap *= 2) * sizeof *names);
        names[n++] = strdup(e->d_name);
    }
    CHECK(errno == 0);
    closedir(d);
    qsort(names, n, sizeof *names, cmp);
    for (size_t i = 0; i < n; i++) printf("%s\n", names[i]);
    printf("count: %zu\n", n);
    return 0;
}
