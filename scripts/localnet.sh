#!/usr/bin/env bash
# The local exchange: starts keel-localnet (Keel, SPL Token, ATA and moving Pyth feeds over
# JSON-RPC and PubSub), bootstraps it through the real deploy path (migrations/deploy.ts with
# migrations/config/localnet.json, run as `anchor migrate` runs it), starts a market maker that
# quotes every market around its oracle and cranks fills, starts the keeper (app/keeper:
# liquidations, bankruptcies, the cranks, the PnL pools; its own wallet funded with
# KEEL_KEEPER_USDC test USDC, default 10 000; metrics on RPC port + 565, i.e. 127.0.0.1:9464 by
# default), builds and serves the dApp (app/web, `vite preview` on KEEL_WEB_PORT, default 4173),
# prints the endpoints, and stops everything on Ctrl-C.
#
#   scripts/localnet.sh                 # 127.0.0.1:8899 (HTTP) and :8900 (websocket)
#   KEEL_RPC_PORT=18899 scripts/localnet.sh
#   KEEL_WALLET=path/to/keypair.json scripts/localnet.sh
#   KEEL_LOCALNET_BIN=path/to/keel-localnet scripts/localnet.sh   # skip the cargo build
#   KEEL_KEEPER_BIN=path/to/keel-keeper (default: beside keel-localnet)
#
# The wallet (KEEL_WALLET, default ~/.cache/keel/localnet/wallet.json, created once) creates the
# exchange, is its admin and the mint authority of the test mints; it gets SOL by requestAirdrop.
# It is also the node's faucet (--faucet-keypair), so `keel_mintTo` — the dApp's "Get test
# funds" — mints the test mints the deploy created.
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
KEEPER_BIN="${KEEL_KEEPER_BIN:-$(dirname "$NODE_BIN")/keel-keeper}"
if [ -z "${KEEL_LOCALNET_BIN:-}" ]; then
  echo "== cargo build -p keel-localnet -p keel-keeper =="
  cargo build -p keel-localnet -p keel-keeper --locked --quiet
fi

# new_wallet FILE: a fresh solana-keygen style keypair file, once.
new_wallet() {
  [ -f "$1" ] && return
  mkdir -p "$(dirname "$1")"
  node -e 'const { Keypair } = require("@solana/web3.js");
           require("fs").writeFileSync(process.argv[1], JSON.stringify(Array.from(Keypair.generate().secretKey)), { mode: 0o600 });' "$1"
  echo "created the wallet $1"
}
# pubkey_of FILE
pubkey_of() {
  node -e 'const { Keypair } = require("@solana/web3.js");
    const k = Keypair.fromSecretKey(Uint8Array.from(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))));
    console.log(k.publicKey.toBase58());' "$1"
}

new_wallet "$WALLET"
KEEPER_WALLET="$(dirname "$WALLET")/keeper.json"
new_wallet "$KEEPER_WALLET"

NODE_PID=""
MM_PID=""
WEB_PID=""
KEEPER_PID=""
stop() {
  trap - INT TERM EXIT
  echo
  echo "== stopping =="
  # The dApp, the keeper and the market maker first (they finish their round), then the node.
  if [ -n "$WEB_PID" ]; then kill -TERM "$WEB_PID" 2>/dev/null || true; wait "$WEB_PID" 2>/dev/null || true; fi
  if [ -n "$KEEPER_PID" ]; then kill -TERM "$KEEPER_PID" 2>/dev/null || true; wait "$KEEPER_PID" 2>/dev/null || true; fi
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
"$NODE_BIN" --rpc-port "$RPC_PORT" --ws-port "$WS_PORT" --faucet-keypair "$WALLET" "$@" >"$LOG_DIR/node.log" 2>&1 &
NODE_PID=$!
for _ in $(seq 1 300); do
  if rpc getHealth '[]' 2>/dev/null | grep -q '"ok"'; then break; fi
  kill -0 "$NODE_PID" 2>/dev/null || { cat "$LOG_DIR/node.log"; echo "keel-localnet exited"; exit 1; }
  sleep 0.1
done
rpc getHealth '[]' | grep -q '"ok"' || { echo "keel-localnet did not become healthy"; exit 1; }
grep -v '^Instruction: ' "$LOG_DIR/node.log" || true

WALLET_KEY=$(pubkey_of "$WALLET")
KEEPER_KEY=$(pubkey_of "$KEEPER_WALLET")
rpc requestAirdrop "[\"$WALLET_KEY\", 1000000000000]" >/dev/null
rpc requestAirdrop "[\"$KEEPER_KEY\", 100000000000]" >/dev/null
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

EXCHANGE=$(node -r ts-node/register/transpile-only -e '
  const { PublicKey } = require("@solana/web3.js");
  console.log(require("./app/ts-client/src").exchangePda(new PublicKey(process.argv[1])).toBase58());' "$WALLET_KEY")
echo "== keeper's collateral (app/ts-client/tools/fund-keeper.ts) =="
KEEL_KEEPER_WALLET="$KEEPER_WALLET" KEEL_KEEPER_USDC="${KEEL_KEEPER_USDC:-10000}" \
  node -r ts-node/register/transpile-only app/ts-client/tools/fund-keeper.ts
METRICS_ADDR="127.0.0.1:$((RPC_PORT + 565))"
echo "== keeper (app/keeper, output in $LOG_DIR/keeper.log, metrics http://$METRICS_ADDR/metrics) =="
RUST_LOG="${KEEL_KEEPER_LOG:-keel_keeper=info}" "$KEEPER_BIN" --rpc-url "$RPC_URL" --ws-url "ws://127.0.0.1:$WS_PORT" \
  --exchange "$EXCHANGE" --keypair "$KEEPER_WALLET" --metrics-addr "$METRICS_ADDR" >"$LOG_DIR/keeper.log" 2>&1 &
KEEPER_PID=$!

WEB_PORT="${KEEL_WEB_PORT:-4173}"
WEB_URL="http://127.0.0.1:$WEB_PORT/?rpc=$RPC_URL&exchange=$EXCHANGE"
echo "== dApp (app/web: vite build, then vite preview on 127.0.0.1:$WEB_PORT; output in $LOG_DIR/web.log) =="
npm run --silent build --workspace app/web >"$LOG_DIR/web.log" 2>&1 || { cat "$LOG_DIR/web.log"; echo "the dApp did not build"; exit 1; }
(cd app/web && exec npx vite preview --host 127.0.0.1 --port "$WEB_PORT" --strictPort) >>"$LOG_DIR/web.log" 2>&1 &
WEB_PID=$!

cat <<EOF

== the local exchange is up (Ctrl-C stops it) ==
  JSON-RPC   $RPC_URL
  PubSub     ws://127.0.0.1:$WS_PORT
  wallet     $WALLET ($WALLET_KEY: exchange creator, admin, test-mint authority)
  exchange   $EXCHANGE
  keeper     $KEEPER_WALLET ($KEEPER_KEY), log $LOG_DIR/keeper.log, metrics http://$METRICS_ADDR/metrics
  dApp       $WEB_URL
  node log   $LOG_DIR/node.log
  try        ANCHOR_PROVIDER_URL=$RPC_URL ANCHOR_WALLET=$WALLET npx ts-node --transpile-only app/ts-client/tools/trade.ts
EOF
wait "$NODE_PID"
