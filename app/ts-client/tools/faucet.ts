// Funding an owner on the local exchange from the faucet wallet (the deploy wallet, mint
// authority of the test mints): test tokens minted into the owner's associated token accounts,
// margin account 0 created when missing, and deposits into it. Shared by trade.ts and
// fund-keeper.ts.

import { AnchorProvider, Program } from "@anchor-lang/core";
import { getOrCreateAssociatedTokenAccount, mintTo } from "@solana/spl-token";
import { Connection, Keypair, PublicKey, Transaction } from "@solana/web3.js";
import { Keel, KnownAsset, depositInstruction, marginAccountPda } from "../src";

/** An amount of one listed asset, in whole tokens. */
export interface Grant {
  asset: KnownAsset;
  /** Minted into the owner's wallet. */
  mint: number;
  /** Deposited into its margin account 0 (≤ `mint`). */
  deposit: number;
}

const native = (asset: KnownAsset, whole: number) => BigInt(whole) * 10n ** BigInt(asset.asset.decimals);

/** Mints each grant to `owner`, creates its margin account 0 if missing and deposits; returns the account. */
export async function fund(program: Program<Keel>, connection: Connection, faucet: Keypair, exchange: PublicKey, owner: Keypair, grants: Grant[]): Promise<PublicKey> {
  const account = marginAccountPda(exchange, owner.publicKey, 0);
  if ((await connection.getAccountInfo(account)) === null) {
    await program.methods.createMarginAccount(0).accounts({ payer: owner.publicKey, owner: owner.publicKey, exchange }).signers([owner]).rpc();
  }
  for (const grant of grants) {
    const ata = await getOrCreateAssociatedTokenAccount(connection, faucet, grant.asset.asset.mint, owner.publicKey);
    await mintTo(connection, faucet, grant.asset.asset.mint, ata.address, faucet, native(grant.asset, grant.mint));
    if (grant.deposit === 0) continue;
    const ix = await depositInstruction(program, { authority: owner.publicKey, exchange, marginAccount: account, asset: grant.asset, amount: native(grant.asset, grant.deposit), source: ata.address });
    await (program.provider as AnchorProvider).sendAndConfirm(new Transaction().add(ix), [owner]);
  }
  return account;
}
