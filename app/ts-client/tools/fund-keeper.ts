// Funds the local exchange's keeper so it can take liquidations: test USDC from the faucet
// wallet (the deploy wallet, mint authority of the test mints) deposited into the keeper's
// margin account 0, created when missing. scripts/localnet.sh runs it before the keeper starts.
//
//   ANCHOR_PROVIDER_URL=http://127.0.0.1:8899 ANCHOR_WALLET=~/.cache/keel/localnet/wallet.json \
//     KEEL_KEEPER_WALLET=~/.cache/keel/localnet/keeper.json KEEL_KEEPER_USDC=10000 \
//     npx ts-node --transpile-only app/ts-client/tools/fund-keeper.ts

import { AnchorProvider } from "@anchor-lang/core";
import { Keypair } from "@solana/web3.js";
import { readFileSync } from "fs";
import { exchangePda, fetchListing, keelProgram, QUOTE_ASSET_INDEX } from "../src";
import { fund } from "./faucet";

async function main(): Promise<void> {
  const provider = AnchorProvider.env();
  const program = keelProgram(provider);
  const faucet = (provider.wallet as unknown as { payer: Keypair }).payer;
  const path = process.env.KEEL_KEEPER_WALLET;
  if (!path) throw new Error("KEEL_KEEPER_WALLET (the keeper's keypair file) is required");
  const keeper = Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(path, "utf8"))));
  const usdc = Number(process.env.KEEL_KEEPER_USDC ?? "10000");
  const exchange = exchangePda(faucet.publicKey);
  const listing = await fetchListing(program, exchange);
  const quote = listing.assets.find((a) => a.asset.index === QUOTE_ASSET_INDEX);
  if (!quote) throw new Error("the exchange has no quote asset");
  const account = await fund(program, provider.connection, faucet, exchange, keeper, [{ asset: quote, mint: usdc, deposit: usdc }]);
  console.log(`keeper ${keeper.publicKey.toBase58()}: account ${account.toBase58()} funded with ${usdc} USDC`);
}

main().catch((e) => {
  console.error(`fund-keeper failed: ${(e as Error).message}`);
  process.exit(1);
});
