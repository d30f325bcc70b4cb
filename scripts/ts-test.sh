#!/usr/bin/env bash
# Runs the TypeScript tests (app/ts-client/tests, mocha + chai, the way `anchor test` runs
# tests/*.ts) against a fresh keel-localnet that the tests start on free ports and stop: the
# generated client and @solana/web3.js over JSON-RPC and the websocket, after
# migrations/deploy.ts has bootstrapped the exchange on the node.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/keel/target}"
export RUST_LOG="${RUST_LOG:-error}"

scripts/npm-ci.sh
# KEEL_LOCALNET_BIN: a node binary built already (scripts/test.sh passes the one its
# `cargo test --workspace` just built: `cargo build -p keel-localnet` resolves other features
# and would rebuild the local crates once more).
if [ -z "${KEEL_LOCALNET_BIN:-}" ]; then
  echo "== cargo build -p keel-localnet =="
  cargo build -p keel-localnet --locked --quiet
  export KEEL_LOCALNET_BIN="$CARGO_TARGET_DIR/debug/keel-localnet"
fi
echo "== mocha (app/ts-client/tests) =="
npm run --silent test:ts
