#!/usr/bin/env bash
# Smoke test of the main command (run by scripts/test.sh): scripts/localnet.sh on a free port
# pair until its market maker has quoted and its funded keeper answers /health,
# app/ts-client/tools/trade.ts against it (an account, two deposits, a trade against the maker,
# the health view), the dApp's page served, `keel_mintTo` minting the deploy's test USDC (the
# dApp's faucet), then SIGTERM as Ctrl-C would stop it; fails if a step fails or if anything of
# it is left running.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/npm-ci.sh

WORK=$(mktemp -d)
PORT=$(node -e '
const net = require("net");
const free = (p) => new Promise((r) => { const s = net.createServer(); s.once("error", () => r(false)); s.listen(p, "127.0.0.1", () => s.close(() => r(true))); });
(async () => { for (;;) { const p = 20000 + Math.floor(Math.random() * 40000); if ((await free(p)) && (await free(p + 1)) && (await free(p + 2))) { console.log(p); return; } } })();')
LOG="$WORK/localnet.log"
KEEL_RPC_PORT="$PORT" KEEL_WEB_PORT="$((PORT + 2))" KEEL_WALLET="$WORK/wallet.json" KEEL_LOG_DIR="$WORK" setsid scripts/localnet.sh >"$LOG" 2>&1 &
GROUP=$!
finish() {
  kill -TERM -- "-$GROUP" 2>/dev/null || true
  wait "$GROUP" 2>/dev/null || true
  rm -rf "$WORK"
}
trap finish EXIT

started=$(date +%s)
until grep -q "market maker: first quotes placed" "$LOG"; do
  if ! kill -0 "$GROUP" 2>/dev/null; then cat "$LOG"; echo "scripts/localnet.sh exited before the market maker quoted"; exit 1; fi
  if [ $(( $(date +%s) - started )) -gt 600 ]; then cat "$LOG"; echo "no quotes within 600 s"; exit 1; fi
  sleep 0.5
done
echo "local exchange up and quoting after $(( $(date +%s) - started )) s (port $PORT)"
# The keeper answers /health with 200 once its loop has run.
until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((PORT + 565))/health")" = "200" ]; do
  if [ $(( $(date +%s) - started )) -gt 600 ]; then cat "$LOG" "$WORK/keeper.log"; echo "the keeper never became healthy"; exit 1; fi
  sleep 0.5
done
grep -q "funded with" "$LOG" || { cat "$LOG"; echo "the keeper was not funded"; exit 1; }
echo "keeper funded and healthy"

OUT=$(ANCHOR_PROVIDER_URL="http://127.0.0.1:$PORT" ANCHOR_WALLET="$WORK/wallet.json" \
  node -r ts-node/register/transpile-only app/ts-client/tools/trade.ts 2>&1) || { echo "$OUT"; cat "$LOG"; exit 1; }
echo "$OUT"
echo "$OUT" | grep -q "filled 50 lots" || { echo "the trade did not fill against the market maker"; cat "$LOG"; exit 1; }
echo "$OUT" | grep -q "Init            health" || { echo "no health report"; exit 1; }

until grep -q "the local exchange is up" "$LOG"; do
  if [ $(( $(date +%s) - started )) -gt 600 ]; then cat "$LOG"; echo "the dApp was not served within 600 s"; exit 1; fi
  sleep 0.5
done
for _ in $(seq 1 100); do
  curl -s "http://127.0.0.1:$((PORT + 2))/" | grep -q '<div id="root">' && break
  sleep 0.2
done
curl -s "http://127.0.0.1:$((PORT + 2))/" | grep -q '<div id="root">' || { cat "$WORK/web.log"; echo "the dApp's page is not served"; exit 1; }
echo "dApp served on 127.0.0.1:$((PORT + 2))"
MINTED=$(ANCHOR_PROVIDER_URL="http://127.0.0.1:$PORT" ANCHOR_WALLET="$WORK/wallet.json" node -r ts-node/register/transpile-only -e '
  const { AnchorProvider } = require("@anchor-lang/core");
  const { Keypair } = require("@solana/web3.js");
  const c = require("./app/ts-client/src");
  (async () => {
    const provider = AnchorProvider.env();
    const listing = await c.fetchListing(c.keelProgram(provider), c.exchangePda(provider.wallet.publicKey));
    const body = { jsonrpc: "2.0", id: 1, method: "keel_mintTo", params: [listing.assets[0].asset.mint.toBase58(), Keypair.generate().publicKey.toBase58(), 1000000] };
    const answer = await (await fetch(process.env.ANCHOR_PROVIDER_URL, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })).json();
    console.log(JSON.stringify(answer));
  })();' 2>&1)
echo "$MINTED" | grep -q '"tokenAccount"' || { echo "keel_mintTo of the deploy's USDC failed: $MINTED"; exit 1; }
echo "keel_mintTo minted the deploy's test USDC (the dApp's faucet)"

kill -TERM -- "-$GROUP"
for _ in $(seq 1 100); do
  ps -o pid= -g "$GROUP" >/dev/null || break
  sleep 0.1
done
if ps -o pid=,cmd= -g "$GROUP"; then echo "processes of scripts/localnet.sh left running"; exit 1; fi
grep -q "^stopped" "$LOG" || { cat "$LOG"; echo "scripts/localnet.sh did not stop cleanly"; exit 1; }
echo "localnet smoke test ok: started, quoted, traded, served the dApp, minted, stopped"
