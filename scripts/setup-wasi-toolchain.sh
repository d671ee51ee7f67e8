#!/usr/bin/env bash
# Installs the C toolchain for wasm32-wasi guest programs: clang, lld,
# wasi-libc and the wasm32 compiler-rt builtins, from Debian's packages.
# Idempotent: installs only what is missing. Needs root (or sudo).
#
# Used by tests/programs/wasi/build.sh (and anything else that builds C for
# wasm32-wasi at test time).
set -euo pipefail

packages=(clang lld wasi-libc libclang-rt-dev-wasm32)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  echo "setup-wasi-toolchain: installing ${missing[*]}"
  $sudo apt-get update
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
else
  echo "setup-wasi-toolchain: ${packages[*]} already installed"
fi

# Check that the toolchain really builds and links a wasm32-wasi program.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
printf 'int main(void) { return 0; }\n' >"$tmp/t.c"
if ! clang --target=wasm32-wasi -O2 "$tmp/t.c" -o "$tmp/t.wasm"; then
  echo "setup-wasi-toolchain: clang cannot build for wasm32-wasi" >&2
  exit 1
fi
