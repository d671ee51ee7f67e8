#!/usr/bin/env bash
# Installs what the tests need beyond crates. Idempotent.
#
# Today the workspace's tests need nothing but the Rust toolchain: the spec
# suites come from ../shared/ (or KILN_TESTSUITE / KILN_TESTSUITE_2_0), and
# guest programs are committed as built .wasm files.
set -euo pipefail
command -v cargo >/dev/null || { echo "setup: cargo (Rust 1.95) is required" >&2; exit 1; }
