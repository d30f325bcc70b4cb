#!/usr/bin/env bash
# Runs every Keel test: property and unit tests of the program's math, risk engine and oracle
# guards, and the integration tests (the program running natively on solana-program-test with
# the real SPL Token program), then checks that the committed IDL is current when anchor-cli
# is available (scripts/idl.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."

# The cargo target dir lives outside the clone so that fresh clones build warm.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/keel/target}"
# The runtime logs every transaction at debug level; keep the test output readable.
export RUST_LOG="${RUST_LOG:-error}"

command -v cargo >/dev/null || { echo "cargo is required (https://rustup.rs)"; exit 1; }

echo "== cargo test (workspace, locked) =="
cargo test --workspace --locked

echo "== IDL =="
scripts/idl.sh --check
