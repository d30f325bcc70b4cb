// Test funds for a wallet on the local node: SOL by requestAirdrop, and every listed asset by
// the node's faucet (keel_mintTo, which mints to the owner's associated token account). The
// node can mint only mints whose authority is its faucet: those made by keel_createMint, and —
// since scripts/localnet.sh starts the node with the deploy wallet as its faucet
// (`--faucet-keypair`) — the deploy's `"mint": "create"` mints. Any other mint authority is
// reported as such.

import { Connection, LAMPORTS_PER_SOL, PublicKey } from "@solana/web3.js";
import { unpackMint } from "@solana/spl-token";
import { KnownAsset } from "@keel/client";
import { RpcError, rpcCall } from "../chain/rpc";

/** Whole tokens of each asset the faucet grants, by asset index (the rest get 10). */
export const FAUCET_GRANTS: Record<number, number> = { 0: 10_000, 1: 50, 2: 1 };

/** What one faucet run did, line by line. */
export type FaucetReport = string[];

/** Airdrops 2 SOL to `owner` and mints each asset's grant to its token account. */
export async function requestTestFunds(
  connection: Connection,
  owner: PublicKey,
  assets: { asset: KnownAsset; symbol: string }[],
): Promise<FaucetReport> {
  const report: FaucetReport = [];
  const signature = await connection.requestAirdrop(owner, 2 * LAMPORTS_PER_SOL);
  const latest = await connection.getLatestBlockhash("confirmed");
  await connection.confirmTransaction({ signature, ...latest }, "confirmed");
  report.push("2 SOL airdropped");
  for (const { asset, symbol } of assets) {
    const whole = FAUCET_GRANTS[asset.asset.index] ?? 10;
    const amount = BigInt(whole) * 10n ** BigInt(asset.asset.decimals);
    try {
      await rpcCall(connection.rpcEndpoint, "keel_mintTo", [asset.asset.mint.toBase58(), owner.toBase58(), Number(amount)]);
      report.push(`${whole} ${symbol} minted`);
    } catch (e) {
      if (!(e instanceof RpcError)) throw e;
      const info = await connection.getAccountInfo(asset.asset.mint);
      const authority = info ? unpackMint(asset.asset.mint, info).mintAuthority?.toBase58() : undefined;
      throw new Error(
        `the node's faucet cannot mint ${symbol}: its mint authority is ${authority ?? "unknown"}, not the node's faucet. ` +
          `Start keel-localnet with --faucet-keypair <the deploy wallet> (scripts/localnet.sh does), or deploy with mints made by keel_createMint (${e.message})`,
      );
    }
  }
  return report;
}
