#!/usr/bin/env bash
# Meters the health engine on real sBPF: installs the toolchain once (scripts/sbpf-toolchain.sh,
# cached in ~/.cache/keel/sbpf), builds the harness program bench/sbpf-meter to SBPF v0, runs
# it in LiteSVM over every account shape, checks the results against native keel-risk, writes
# bench/sbpf-meter/CU.md and fails when a figure regresses past bench/sbpf-meter/thresholds.txt,
# when a stack frame exceeds SBPF v0's 4 096 bytes or when a call passes arguments on the stack.
#   scripts/sbpf-meter.sh            meter and check
#   scripts/sbpf-meter.sh --write    meter and rewrite the thresholds (after a deliberate change)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/keel/target}"
# The sBPF build has a target dir of its own: other compiler, other flags.
SBPF_TARGET_DIR="${KEEL_SBPF_TARGET_DIR:-$HOME/.cache/keel/target-sbpf-program}"

sbpf_home="$(scripts/sbpf-toolchain.sh)"

echo "== sBPF build of bench/sbpf-meter (SBPF v0) =="
# The linker's log gets LLVM's frame size of every function (an analysis remark of the prologue/
# epilogue pass, logged at debug level); LLVM itself fails the link on a frame over
# -bpf-stack-size. --deploy=false: sbpf-linker would also copy the program to ./target/deploy.
linker_log="$SBPF_TARGET_DIR/sbpf-linker.log"
sbpf_build() {
  RUSTC_BOOTSTRAP=1 RUSTC="$sbpf_home/bin/rustc" \
    CARGO_ENCODED_RUSTFLAGS="$(printf '%s\x1f' -C "linker=$sbpf_home/bin/sbpf-linker" -C panic=abort \
      -C relocation-model=static -C link-arg=--llvm-args=-bpf-stack-size=4096 -C link-arg=--arch=v0 \
      -C link-arg=--deploy=false -C link-arg=--llvm-args=-pass-remarks-analysis=prologepilog \
      -C link-arg=--log-level=debug -C "link-arg=--log-file=$linker_log" | sed 's/\x1f$//')" \
    "$sbpf_home/bin/cargo" "$@" --locked --release --target bpfel-unknown-none -p keel-sbpf-meter \
    --target-dir "$SBPF_TARGET_DIR"
}
# A failed link prints the linker's output, remarks included: those are left out here (they
# are in the log).
sbpf_link() {
  sbpf_build rustc --lib --crate-type cdylib,rlib -Zbuild-std=core,alloc 2>&1 | { grep -v 'DEBUG remark: ' || true; }
}
rm -f "$linker_log"
sbpf_link
if [ ! -s "$linker_log" ]; then
  # The program was up to date, so nothing was linked: link it again for the log (seconds).
  sbpf_build clean
  sbpf_link
fi
so="$SBPF_TARGET_DIR/bpfel-unknown-none/release/libkeel_sbpf_meter.so"

echo "== metering in LiteSVM =="
cargo run --locked -q -p keel-sbpf-meter-runner --bin sbpf-meter -- "$so" --linker-log "$linker_log" "$@"
