#!/usr/bin/env python3
"""Fails if a .wasm file has an import section with any entry.

The kiln-bench guests must run without WASI or any host function, so a
stray libc call that needs `wasi_snapshot_preview1` must break the build,
not the benchmark."""
import sys


def leb(b, i):
    result = shift = 0
    while True:
        x = b[i]
        i += 1
        result |= (x & 0x7F) << shift
        shift += 7
        if x < 0x80:
            return result, i


def imports(path):
    b = open(path, "rb").read()
    if b[:4] != b"\0asm":
        sys.exit(f"{path}: not a wasm binary")
    i, found = 8, []
    while i < len(b):
        section, i = b[i], i + 1
        size, i = leb(b, i)
        end = i + size
        if section == 2:
            count, j = leb(b, i)
            for _ in range(count):
                n, j = leb(b, j)
                module = b[j : j + n].decode()
                j += n
                n, j = leb(b, j)
                name = b[j : j + n].decode()
                found.append(f"{module}.{name}")
                break  # the first one is enough to report
            if count:
                found.append(f"({count} imports in total)")
        i = end
    return found


bad = False
for path in sys.argv[1:]:
    found = imports(path)
    if found:
        print(f"{path}: has imports: {' '.join(found)}", file=sys.stderr)
        bad = True
sys.exit(1 if bad else 0)
