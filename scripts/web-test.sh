#!/usr/bin/env bash
# Tests the dApp (app/web): vitest (units and components), the type check and `vite build`, then
# Playwright driving Debian's Chromium (scripts/chromium.sh installs it; never
# `npx playwright install`) against the built app and a fresh keel-localnet per run, on free
# ports, with migrations/deploy.ts and the keeper (keel-keeper, beside the node binary).
#
#   scripts/web-test.sh
#   KEEL_LOCALNET_BIN=path/to/keel-localnet scripts/web-test.sh   # skip the cargo build
#   KEEL_WRITE_SCREENSHOTS=1 scripts/web-test.sh                  # also rewrite app/web/docs/*.png
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/keel/target}"
export RUST_LOG="${RUST_LOG:-error}"

scripts/npm-ci.sh
scripts/chromium.sh
# KEEL_LOCALNET_BIN: a node binary built already (scripts/test.sh passes the one its
# `cargo test --workspace` just built); keel-keeper is taken from the same directory.
if [ -z "${KEEL_LOCALNET_BIN:-}" ]; then
  echo "== cargo build -p keel-localnet -p keel-keeper =="
  cargo build -p keel-localnet -p keel-keeper --locked --quiet
  export KEEL_LOCALNET_BIN="$CARGO_TARGET_DIR/debug/keel-localnet"
fi

cd app/web
echo "== vitest (app/web) =="
npx vitest run
echo "== tsc + vite build (app/web) =="
npm run --silent build
echo "== playwright (app/web/tests/e2e, $(/usr/bin/chromium --version 2>/dev/null)) =="
npx playwright test
