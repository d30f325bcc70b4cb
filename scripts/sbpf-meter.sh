#!/usr/bin/env bash
# Meters the health engine on real sBPF: installs the toolchain once (scripts/sbpf-toolchain.sh,
# cached in ~/.cache/keel/sbpf), builds the harness program bench/sbpf-meter to SBPF v0, runs
# it in LiteSVM over every account shape, checks the results against native keel-risk, writes
# bench/sbpf-meter/CU.md and fails when a figure regresses past bench/sbpf-meter/thresholds.txt.
#   scripts/sbpf-meter.sh            meter and check
#   scripts/sbpf-meter.sh --write    meter and rewrite the thresholds (after a deliberate change)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/keel/target}"
# The sBPF build has a target dir of its own: other compiler, other flags.
SBPF_TARGET_DIR="${KEEL_SBPF_TARGET_DIR:-$HOME/.cache/keel/target-sbpf-program}"

sbpf_home="$(scripts/sbpf-toolchain.sh)"

echo "== sBPF build of bench/sbpf-meter (SBPF v0) =="
RUSTC_BOOTSTRAP=1 RUSTC="$sbpf_home/bin/rustc" \
  CARGO_ENCODED_RUSTFLAGS="$(printf '%s\x1f' -C "linker=$sbpf_home/bin/sbpf-linker" -C panic=abort \
    -C relocation-model=static -C link-arg=--llvm-args=-bpf-stack-size=4096 -C link-arg=--arch=v0 | sed 's/\x1f$//')" \
  "$sbpf_home/bin/cargo" build --locked --release -Zbuild-std=core,alloc --target bpfel-unknown-none \
  -p keel-sbpf-meter --target-dir "$SBPF_TARGET_DIR"
so="$SBPF_TARGET_DIR/bpfel-unknown-none/release/libkeel_sbpf_meter.so"

echo "== metering in LiteSVM =="
cargo run --locked -q -p keel-sbpf-meter-runner --bin sbpf-meter -- "$so" "$@"
