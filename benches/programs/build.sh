#!/usr/bin/env bash
# Rebuilds the kiln-bench guest programs.
#
#   benches/programs/build.sh            rebuild every wasm/<name>.wasm (committed)
#   benches/programs/build.sh --native   also build native binaries into
#                                        target/kiln-bench/native/ (not committed;
#                                        the harness builds them itself at run time)
#
# Needs clang, lld and wasi-libc for wasm32 (benches/setup.sh installs them).
# Every .wasm must import nothing: Kiln runs these without WASI.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"

CLANG="${CLANG:-clang}"
# The flags the harness uses for native builds must match these (see
# src/native.rs): same optimisation level, no FP contraction, so that the
# f64 programs produce bit-identical checksums everywhere.
COMMON_CFLAGS=(-O2 -ffp-contract=off -Wall -Wextra -Werror)
# Wasm 2.0 features that current toolchains enable by default (LLVM 20+):
# bulk memory (memcpy/memset become memory.copy/memory.fill), sign extension,
# non-trapping float-to-int and mutable globals. No SIMD, except below.
WASM_FLAGS=(--target=wasm32-wasi -mbulk-memory -msign-ext -mnontrapping-fptoint -mmutable-globals
            -nostartfiles -Wl,--no-entry -Wl,--export=run -Wl,--strip-debug)
# The simd_* programs measure 128-bit SIMD (their intrinsics are under
# __wasm_simd128__); every other program stays scalar, so that its binary,
# and the results measured on it, do not change. The harness marks them
# (`simd: true` in src/programs.rs) and skips an engine without SIMD.
SIMD_FLAGS=(-msimd128)

programs=()
for src in *.c; do
  [[ "$src" == native_main.c ]] && continue
  programs+=("${src%.c}")
done

mkdir -p wasm
for p in "${programs[@]}"; do
  extra=()
  [[ "$p" == simd_* ]] && extra=("${SIMD_FLAGS[@]}")
  "$CLANG" "${WASM_FLAGS[@]}" "${extra[@]}" "${COMMON_CFLAGS[@]}" "$p.c" -o "wasm/$p.wasm"
  python3 "$here/check_no_imports.py" "wasm/$p.wasm"
  echo "built wasm/$p.wasm ($(stat -c %s "wasm/$p.wasm") bytes)"
done

if [[ "${1:-}" == "--native" ]]; then
  out="$root/target/kiln-bench/native"
  mkdir -p "$out"
  for p in "${programs[@]}"; do
    "${CC:-$CLANG}" "${COMMON_CFLAGS[@]}" "$p.c" native_main.c -o "$out/$p" -lm
    echo "built $out/$p"
  done
fi
