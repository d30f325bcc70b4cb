#!/usr/bin/env bash
# The local exchange: starts keel-localnet (Keel, SPL Token, ATA and moving Pyth feeds over
# JSON-RPC and PubSub), bootstraps it through the real deploy path (migrations/deploy.ts with
# migrations/config/localnet.json, run as `anchor migrate` runs it), starts a market maker that
# quotes every market around its oracle and cranks fills, prints the endpoints, and stops
# everything on Ctrl-C.
#
#   scripts/localnet.sh                 # 127.0.0.1:8899 (HTTP) and :8900 (websocket)
#   KEEL_RPC_PORT=18899 scripts/localnet.sh
#   KEEL_WALLET=path/to/keypair.json scripts/localnet.sh
#   KEEL_LOCALNET_BIN=path/to/keel-localnet scripts/localnet.sh   # skip the cargo build
#
# The wallet (KEEL_WALLET, default ~/.cache/keel/localnet/wallet.json, created once) creates the
# exchange, is its admin and the mint authority of the test mints; it gets SOL by requestAirdrop.
# Extra arguments go to keel-localnet (e.g. --slot-ms 400 --price-seed 7).
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/keel/target}"
export RUST_LOG="${RUST_LOG:-warn}"
RPC_PORT="${KEEL_RPC_PORT:-8899}"
WS_PORT=$((RPC_PORT + 1))
RPC_URL="http://127.0.0.1:$RPC_PORT"
WALLET="${KEEL_WALLET:-$HOME/.cache/keel/localnet/wallet.json}"

command -v cargo >/dev/null || { echo "cargo is required (https://rustup.rs)"; exit 1; }
command -v curl >/dev/null || { echo "curl is required"; exit 1; }
scripts/npm-ci.sh
# KEEL_LOCALNET_BIN: a node binary built already (else this builds it).
NODE_BIN="${KEEL_LOCALNET_BIN:-$CARGO_TARGET_DIR/debug/keel-localnet}"
if [ -z "${KEEL_LOCALNET_BIN:-}" ]; then
  echo "== cargo build -p keel-localnet =="
  cargo build -p keel-localnet --locked --quiet
fi

if [ ! -f "$WALLET" ]; then
  mkdir -p "$(dirname "$WALLET")"
  node -e 'const { Keypair } = require("@solana/web3.js");
           require("fs").writeFileSync(process.argv[1], JSON.stringify(Array.from(Keypair.generate().secretKey)), { mode: 0o600 });' "$WALLET"
  echo "created the local wallet $WALLET"
fi

NODE_PID=""
MM_PID=""
stop() {
  trap - INT TERM EXIT
  echo
  echo "== stopping =="
  # The market maker first (it finishes its round, or exits after 3 s), then the node.
  if [ -n "$MM_PID" ]; then kill -TERM "$MM_PID" 2>/dev/null || true; wait "$MM_PID" 2>/dev/null || true; fi
  if [ -n "$NODE_PID" ]; then kill -INT "$NODE_PID" 2>/dev/null || true; wait "$NODE_PID" 2>/dev/null || true; fi
  echo "stopped"
}
trap stop INT TERM EXIT

rpc() {
  curl -s -X POST -H 'content-type: application/json' \
    -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$RPC_URL"
}

LOG_DIR="${KEEL_LOG_DIR:-$HOME/.cache/keel/localnet}"
mkdir -p "$LOG_DIR"
echo "== keel-localnet (output in $LOG_DIR/node.log) =="
"$NODE_BIN" --rpc-port "$RPC_PORT" --ws-port "$WS_PORT" "$@" >"$LOG_DIR/node.log" 2>&1 &
NODE_PID=$!
for _ in $(seq 1 300); do
  if rpc getHealth '[]' 2>/dev/null | grep -q '"ok"'; then break; fi
  kill -0 "$NODE_PID" 2>/dev/null || { cat "$LOG_DIR/node.log"; echo "keel-localnet exited"; exit 1; }
  sleep 0.1
done
rpc getHealth '[]' | grep -q '"ok"' || { echo "keel-localnet did not become healthy"; exit 1; }
grep -v '^Instruction: ' "$LOG_DIR/node.log" || true

WALLET_KEY=$(node -e 'const { Keypair } = require("@solana/web3.js");
  const k = Keypair.fromSecretKey(Uint8Array.from(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))));
  console.log(k.publicKey.toBase58());' "$WALLET")
rpc requestAirdrop "[\"$WALLET_KEY\", 1000000000000]" >/dev/null
for _ in $(seq 1 100); do
  rpc getBalance "[\"$WALLET_KEY\"]" | grep -q '"value":0}' || break
  sleep 0.1
done

echo "== deploy (migrations/deploy.ts, config migrations/config/localnet.json) =="
export ANCHOR_PROVIDER_URL="$RPC_URL" ANCHOR_WALLET="$WALLET"
node -r ts-node/register/transpile-only migrations/migrate.ts

echo "== market maker (app/ts-client/tools/market-maker.ts) =="
node -r ts-node/register/transpile-only app/ts-client/tools/market-maker.ts &
MM_PID=$!

cat <<EOF

== the local exchange is up (Ctrl-C stops it) ==
  JSON-RPC   $RPC_URL
  PubSub     ws://127.0.0.1:$WS_PORT
  wallet     $WALLET ($WALLET_KEY: exchange creator, admin, test-mint authority)
  node log   $LOG_DIR/node.log
  try        ANCHOR_PROVIDER_URL=$RPC_URL ANCHOR_WALLET=$WALLET npx ts-node --transpile-only app/ts-client/tools/trade.ts
EOF
wait "$NODE_PID"
