#!/usr/bin/env bash
# Runs every Keel test: property and unit tests of the program's math, risk engine and oracle
# guards; the integration tests (the program running natively on solana-program-test with the
# real SPL Token program); the local node's tests (app/localnet started in-process on free
# ports, driven over HTTP and websockets by solana-rpc-client); the check that the committed
# IDL is what the program produces (scripts/idl.sh installs anchor-cli once) and that the
# committed TypeScript client is what its generator makes of that IDL; the type check of the
# TypeScript (migrations/, app/ts-client); the TypeScript tests against a keel-localnet they
# start (migrations/deploy.ts bootstraps it; scripts/ts-test.sh); the dApp's tests (vitest, its
# build, and Playwright in Debian's Chromium against a fresh node and keeper; scripts/web-test.sh
# installs Chromium once); a smoke run of the main command scripts/localnet.sh with a trade
# against its market maker and the dApp served; and the compute-unit
# metering of the health engine on real sBPF (scripts/sbpf-meter.sh installs its toolchain once,
# and fails when a CU figure regresses past bench/sbpf-meter/thresholds.txt).
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

echo "== TypeScript client generated from the IDL (app/ts-client/src/generated) =="
scripts/ts-client.sh --check

echo "== TypeScript type check (migrations/, app/ts-client) =="
scripts/typecheck.sh

echo "== TypeScript tests against keel-localnet (app/ts-client/tests) =="
# The node binary `cargo test --workspace` built above (it builds every package's binaries).
KEEL_LOCALNET_BIN="$CARGO_TARGET_DIR/debug/keel-localnet" scripts/ts-test.sh

echo "== the dApp (app/web: vitest, build, Playwright in Chromium) =="
KEEL_LOCALNET_BIN="$CARGO_TARGET_DIR/debug/keel-localnet" scripts/web-test.sh

echo "== the local exchange (scripts/localnet.sh: start, quote, trade, stop) =="
KEEL_LOCALNET_BIN="$CARGO_TARGET_DIR/debug/keel-localnet" scripts/localnet-smoke.sh

echo "== compute units on sBPF (bench/sbpf-meter) =="
scripts/sbpf-meter.sh
