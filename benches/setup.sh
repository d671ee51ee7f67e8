#!/usr/bin/env bash
# Installs what kiln-bench needs beyond Rust: clang + lld + wasi-libc to
# rebuild the wasm guest programs (programs/build.sh), and clang for the
# native builds the harness does at run time (it falls back to cc).
# Idempotent: installs only what is missing. Needs root (or sudo).
set -euo pipefail

packages=(clang lld wasi-libc libclang-rt-dev-wasm32 python3)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update
  $sudo apt-get install -y "${missing[@]}"
else
  echo "kiln-bench setup: all of ${packages[*]} already installed"
fi
