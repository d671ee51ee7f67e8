#!/usr/bin/env bash
# Installs what the tests need beyond crates. Idempotent: installs only what
# is missing. Needs root (or sudo) when something is missing.
#
# - clang, lld, wasi-libc and the wasm32 compiler runtime: the SQLite test
#   (tests/cli/sqlite.rs) compiles SQLite for wasm32-wasi at test time, and
#   tests/programs/*/build.sh rebuild the committed guest programs.
# The spec suites come from ../shared/ (or KILN_TESTSUITE / KILN_TESTSUITE_2_0).
set -euo pipefail
command -v cargo >/dev/null || { echo "setup: cargo (Rust 1.95) is required" >&2; exit 1; }

packages=(clang lld wasi-libc libclang-rt-dev-wasm32)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi
echo "setup: ${packages[*]} installed"
