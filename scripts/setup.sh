#!/usr/bin/env bash
# Installs what the tests need beyond crates. Idempotent: installs only what
# is missing. Needs root (or sudo) when something is missing.
#
# - The wasm32-wasi C toolchain (scripts/setup-wasi-toolchain.sh): the SQLite
#   test (tests/cli/sqlite.rs) compiles SQLite for wasm32-wasi at test time,
#   and tests/programs/*/build.sh rebuild the committed guest programs.
# The spec suites come from ../shared/ (or KILN_TESTSUITE / KILN_TESTSUITE_2_0).
set -euo pipefail
command -v cargo >/dev/null || { echo "setup: cargo (Rust 1.95) is required" >&2; exit 1; }
bash "$(dirname "$0")/setup-wasi-toolchain.sh"
