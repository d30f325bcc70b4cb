// The vault's instructions that every TypeScript caller builds the same way.

import { BN, Program } from "@anchor-lang/core";
import { getAssociatedTokenAddressSync } from "@solana/spl-token";
import { PublicKey, TransactionInstruction } from "@solana/web3.js";
import { Keel } from "./generated/keel";
import { KnownAsset, ORACLE_KIND_FIXED } from "./health";

/** What a deposit moves: `amount` native units of `asset` from `source` into `marginAccount`. */
export interface DepositArgs {
  /** The owner or delegate signing for the source token account. */
  authority: PublicKey;
  exchange: PublicKey;
  marginAccount: PublicKey;
  asset: KnownAsset;
  /** Native units (the mint's decimals). */
  amount: bigint | number;
  /** The token account paid from; the authority's associated token account when absent. */
  source?: PublicKey;
}

/**
 * `deposit` with its accounts: the asset's vault, and its oracle unless the asset is priced at a
 * fixed 1 (the quote asset), as the program expects.
 */
export function depositInstruction(program: Program<Keel>, args: DepositArgs): Promise<TransactionInstruction> {
  const { asset } = args;
  return program.methods
    .deposit(new BN(args.amount.toString()))
    .accountsPartial({
      authority: args.authority,
      exchange: args.exchange,
      marginAccount: args.marginAccount,
      asset: asset.address,
      vault: asset.asset.vault,
      source: args.source ?? getAssociatedTokenAddressSync(asset.asset.mint, args.authority),
      oracle: asset.asset.oracleKind === ORACLE_KIND_FIXED ? null : asset.asset.oracle,
    })
    .instruction();
}
