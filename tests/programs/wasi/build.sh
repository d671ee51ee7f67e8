#!/usr/bin/env bash
# Rebuilds the WASI guest test programs: every <name>.c here becomes
# wasm/<name>.wasm (committed, so `cargo test` needs no wasm toolchain).
#
# Needs clang, lld and wasi-libc for wasm32-wasi:
#   scripts/setup-wasi-toolchain.sh installs them.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

CLANG="${CLANG:-clang}"
CFLAGS=(--target=wasm32-wasi -O2 -Wall -Wextra -Werror -Wl,--strip-debug)

mkdir -p wasm
for src in *.c; do
  name="${src%.c}"
  "$CLANG" "${CFLAGS[@]}" "$src" -o "wasm/$name.wasm"
  echo "built wasm/$name.wasm ($(stat -c %s "wasm/$name.wasm") bytes)"
done
