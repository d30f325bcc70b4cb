#!/usr/bin/env bash
# Keel's main job for now: the end-to-end demo on an in-process bank (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/keel/target}"
export RUST_LOG="${RUST_LOG:-error}"
# Anchor prints instruction names and error banners to stdout when running natively.
cargo run --locked --quiet -p keel-tests --bin keel-demo | grep -v -E "^(Instruction: |AnchorError occurred)"
