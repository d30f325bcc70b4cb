// The instructions a trader sends, built with the typed program and @keel/client's PDAs and
// health-accounts order, and the one way they are sent: signed by the connected wallet,
// confirmed over the websocket.

import { BN, Program } from "@anchor-lang/core";
import { WalletContextState } from "@solana/wallet-adapter-react";
import { Connection, PublicKey, Transaction, TransactionInstruction } from "@solana/web3.js";
import { createAssociatedTokenAccountIdempotentInstruction, getAssociatedTokenAddressSync } from "@solana/spl-token";
import { WalletNotConnectedError } from "@solana/wallet-adapter-base";
import {
  CancelTarget,
  ExchangeListing,
  Keel,
  KnownAsset,
  KnownMarket,
  MarginAccount,
  PlaceOrderArgs,
  QUOTE_ASSET_INDEX,
  cancelOrderInstruction,
  depositInstruction,
  healthAccounts,
  marginAccountPda,
  placeOrderInstruction,
} from "@keel/client";

/** The trader's margin account (index 0) on `exchange`. */
export function traderAccount(exchange: PublicKey, owner: PublicKey, programId: PublicKey): PublicKey {
  return marginAccountPda(exchange, owner, 0, programId);
}

/** create_margin_account for index 0, paid by the owner. */
export async function createAccountIx(program: Program<Keel>, owner: PublicKey, exchange: PublicKey): Promise<TransactionInstruction> {
  return program.methods.createMarginAccount(0).accounts({ payer: owner, owner, exchange }).instruction();
}

/** deposit of `amount` native units of `asset` from the owner's associated token account. */
export function depositIx(program: Program<Keel>, owner: PublicKey, listing: ExchangeListing, asset: KnownAsset, amount: bigint): Promise<TransactionInstruction> {
  const marginAccount = traderAccount(listing.exchange, owner, program.programId);
  return depositInstruction(program, { authority: owner, exchange: listing.exchange, marginAccount, asset, amount });
}

/** withdraw of `amount` native units of `asset` to the owner's associated token account (created if missing). */
export async function withdrawIxs(
  program: Program<Keel>,
  owner: PublicKey,
  listing: ExchangeListing,
  account: MarginAccount,
  asset: KnownAsset,
  amount: bigint,
): Promise<TransactionInstruction[]> {
  const destination = getAssociatedTokenAddressSync(asset.asset.mint, owner);
  const withdraw = await program.methods
    .withdraw(new BN(amount.toString()))
    .accountsPartial({
      owner,
      exchange: listing.exchange,
      marginAccount: traderAccount(listing.exchange, owner, program.programId),
      asset: asset.address,
      vault: asset.asset.vault,
      destination,
    })
    .remainingAccounts(healthAccounts(account, listing.assets, listing.markets))
    .instruction();
  return [createAssociatedTokenAccountIdempotentInstruction(owner, destination, owner, asset.asset.mint), withdraw];
}

/** place_order in `market` for the owner's account 0, with the trade's health accounts (quote and market slots opened). */
export function placeOrderIx(
  program: Program<Keel>,
  owner: PublicKey,
  listing: ExchangeListing,
  account: MarginAccount,
  market: KnownMarket,
  args: PlaceOrderArgs,
): Promise<TransactionInstruction> {
  const marginAccount = traderAccount(listing.exchange, owner, program.programId);
  return placeOrderInstruction(program, { signer: owner, marginAccount, listing, marketIndex: market.market.index, account, args });
}

/** cancel_order of one order (by its book id) or of all the trader's orders in `market`. */
export function cancelOrderIx(program: Program<Keel>, owner: PublicKey, listing: ExchangeListing, market: KnownMarket, target: CancelTarget): Promise<TransactionInstruction> {
  const marginAccount = traderAccount(listing.exchange, owner, program.programId);
  return cancelOrderInstruction(program, { signer: owner, marginAccount, listing, marketIndex: market.market.index, target });
}

/** The u128 order id of an open-order slot (16 little-endian bytes) as the cancel target's BN. */
export function orderIdOf(bytes: number[]): BN {
  return new BN(Uint8Array.from(bytes), "le");
}

/** The quote asset of a listing. */
export function quoteAssetOf(listing: ExchangeListing): KnownAsset {
  const quote = listing.assets.find((a) => a.asset.index === QUOTE_ASSET_INDEX);
  if (!quote) throw new Error(`exchange ${listing.exchange.toBase58()} lists no quote asset`);
  return quote;
}

/** Signs `ixs` in one transaction with the connected wallet, sends it and waits for "confirmed". */
export async function sendIxs(connection: Connection, wallet: WalletContextState, ixs: TransactionInstruction[]): Promise<string> {
  if (!wallet.publicKey || !wallet.connected) throw new WalletNotConnectedError();
  const latest = await connection.getLatestBlockhash("confirmed");
  const tx = new Transaction({ feePayer: wallet.publicKey, ...latest }).add(...ixs);
  const signature = await wallet.sendTransaction(tx, connection, { preflightCommitment: "confirmed" });
  const result = await connection.confirmTransaction({ signature, ...latest }, "confirmed");
  if (result.value.err) {
    const landed = await connection.getTransaction(signature, { commitment: "confirmed", maxSupportedTransactionVersion: 0 });
    throw Object.assign(new Error(`transaction ${signature} failed: ${JSON.stringify(result.value.err)}`), { logs: landed?.meta?.logMessages ?? [] });
  }
  return signature;
}
