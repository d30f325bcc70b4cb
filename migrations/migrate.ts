// Runs migrations/deploy.ts the way `anchor migrate` does (anchor-cli writes .anchor/deploy.ts,
// which builds a provider and calls the script's exported function), without anchor-cli:
//
//   ANCHOR_PROVIDER_URL=http://127.0.0.1:8899 ANCHOR_WALLET=~/.config/solana/id.json \
//     npx ts-node migrations/migrate.ts
//
// The provider is Anchor's environment provider (ANCHOR_PROVIDER_URL, ANCHOR_WALLET) with the
// commitment `anchor migrate` uses; KEEL_CLUSTER picks the config as for deploy.ts.

import { AnchorProvider, Wallet, setProvider } from "@anchor-lang/core";
import { Connection } from "@solana/web3.js";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const deploy: (provider: AnchorProvider) => Promise<void> = require("./deploy");

async function main(): Promise<void> {
  const url = process.env.ANCHOR_PROVIDER_URL;
  if (!url) throw new Error("ANCHOR_PROVIDER_URL is not set (e.g. http://127.0.0.1:8899)");
  const connection = new Connection(url, "confirmed");
  const provider = new AnchorProvider(connection, Wallet.local(), { commitment: "confirmed", preflightCommitment: "confirmed" });
  setProvider(provider);
  await deploy(provider);
}

main().catch(() => {
  // deploy.ts has printed the error and its program logs.
  process.exit(1);
});
