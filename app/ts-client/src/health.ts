// The health-accounts order (the twin of keel_client::health::health_accounts) and the program's
// own `health` view through simulateTransaction. No risk math here: the numbers are the program's.

import { Program } from "@anchor-lang/core";
import {
  AccountMeta,
  Commitment,
  PublicKey,
  TransactionInstruction,
  TransactionMessage,
  VersionedTransaction,
} from "@solana/web3.js";
import { KeelError, keelErrorFromLogs } from "./errors";
import { Keel } from "./generated/keel";
import { perpMarketPda } from "./pda";
import { HealthReport } from "./generated/types";
import { CollateralAssetAccount, ExchangeAccount, MarginAccount, PerpMarketAccount } from "./program";

/** `OracleKind::Fixed` as stored (the quote asset: no oracle account). */
export const ORACLE_KIND_FIXED = 0;
/** The quote asset's index (listed first). */
export const QUOTE_ASSET_INDEX = 0;

/** A listed asset as the client knows it. */
export interface KnownAsset {
  address: PublicKey;
  asset: CollateralAssetAccount;
}

/** A listed perp market as the client knows it. */
export interface KnownMarket {
  address: PublicKey;
  market: PerpMarketAccount;
}

/** What an exchange has listed, read from the chain. */
export interface ExchangeListing {
  exchange: PublicKey;
  account: ExchangeAccount;
  assets: KnownAsset[];
  markets: KnownMarket[];
}

/** Reads an exchange, its assets (getProgramAccounts of the asset type) and its perp markets (by index). */
export async function fetchListing(program: Program<Keel>, exchange: PublicKey): Promise<ExchangeListing> {
  // The exchange and the assets are read in parallel; the markets need the exchange's count.
  const [account, allAssets] = await Promise.all([program.account.exchange.fetch(exchange), program.account.collateralAsset.all()]);
  const assets = allAssets
    .filter((a) => a.account.exchange.equals(exchange))
    .map((a) => ({ address: a.publicKey, asset: a.account }))
    .sort((a, b) => a.asset.index - b.asset.index);
  const marketKeys = Array.from({ length: account.marketCount }, (_, i) => perpMarketPda(exchange, i, program.programId));
  const fetched = await program.account.perpMarket.fetchMultiple(marketKeys);
  const markets = fetched.map((market, i) => {
    if (!market) throw new Error(`perp market ${i} of ${exchange.toBase58()} (${marketKeys[i].toBase58()}) does not exist`);
    return { address: marketKeys[i], market };
  });
  return { exchange, account, assets, markets };
}

/** The slots a health check sees: asset indices of in-use collateral slots, market indices of in-use perp slots, in slot order. */
export interface HealthSlots {
  collaterals: number[];
  perps: number[];
}

/**
 * The in-use slots of `account`, after opening (as the program's `collateral_or_open` and
 * `perp_or_open` do: the slot already held, else the first free one) the assets of `openAssets`
 * and the markets of `openMarkets`, in that order.
 */
export function healthSlots(account: MarginAccount, openAssets: number[] = [], openMarkets: number[] = []): HealthSlots {
  const collaterals: (number | null)[] = account.collaterals.map((c) => (c.inUse !== 0 ? c.assetIndex : null));
  const perps: (number | null)[] = account.perps.map((p) => (p.inUse !== 0 ? p.marketIndex : null));
  const open = (slots: (number | null)[], index: number, what: string) => {
    if (slots.includes(index)) return;
    const free = slots.indexOf(null);
    if (free < 0) throw new Error(`no free ${what} slot to open ${index}`);
    slots[free] = index;
  };
  for (const index of openAssets) open(collaterals, index, "collateral");
  for (const index of openMarkets) open(perps, index, "perp");
  return {
    collaterals: collaterals.filter((i): i is number => i !== null),
    perps: perps.filter((i): i is number => i !== null),
  };
}

/**
 * The health accounts of `slots`, in the program's order: for each collateral slot the asset
 * account and then its oracle (none for a Fixed-price asset); then for each perp slot the market
 * account and its oracle. All read-only.
 */
export function healthAccountsOf(slots: HealthSlots, assets: KnownAsset[], markets: KnownMarket[]): AccountMeta[] {
  const meta = (pubkey: PublicKey): AccountMeta => ({ pubkey, isSigner: false, isWritable: false });
  const metas: AccountMeta[] = [];
  for (const index of slots.collaterals) {
    const known = assets.find((a) => a.asset.index === index);
    if (!known) throw new Error(`asset ${index} is not among the known assets`);
    metas.push(meta(known.address));
    if (known.asset.oracleKind !== ORACLE_KIND_FIXED) metas.push(meta(known.asset.oracle));
  }
  for (const index of slots.perps) {
    const known = markets.find((m) => m.market.index === index);
    if (!known) throw new Error(`perp market ${index} is not among the known markets`);
    metas.push(meta(known.address), meta(known.market.oracle));
  }
  return metas;
}

/** The health accounts of `account` as it is (withdraw, the health view). */
export function healthAccounts(account: MarginAccount, assets: KnownAsset[], markets: KnownMarket[]): AccountMeta[] {
  return healthAccountsOf(healthSlots(account), assets, markets);
}

/** The health accounts of a `place_order` in `marketIndex`: the quote slot and the market's slot opened. */
export function tradeHealthAccounts(account: MarginAccount, assets: KnownAsset[], markets: KnownMarket[], marketIndex: number): AccountMeta[] {
  return healthAccountsOf(healthSlots(account, [QUOTE_ASSET_INDEX], [marketIndex]), assets, markets);
}

/** Where a simulated health view failed: the program's error (when it is Keel's) and the logs. */
export class SimulationError extends Error {
  constructor(
    message: string,
    readonly logs: string[],
    readonly keelError?: KeelError,
  ) {
    super(message);
  }
}

/** Options of {@link simulateHealth}. */
export interface SimulateHealthOptions {
  /** Instructions run before the view in the same simulated transaction ("health after this order"). */
  before?: TransactionInstruction[];
  /** The view's health accounts (default: those of the account as fetched now, see {@link healthAccounts}). */
  healthAccounts?: AccountMeta[];
  /** Assets and markets to build the default health accounts from (default: fetched). */
  listing?: ExchangeListing;
  /** Fee payer of the simulation (default: the provider's wallet). Nothing is signed. */
  payer?: PublicKey;
  commitment?: Commitment;
}

/**
 * The program's `health` view of `marginAccount`, simulated (no signature, the node's latest
 * blockhash) and decoded from the transaction's return data: the exact numbers the program
 * computes, optionally after `before` in the same transaction.
 */
export async function simulateHealth(
  program: Program<Keel>,
  marginAccount: PublicKey,
  options: SimulateHealthOptions = {},
): Promise<HealthReport> {
  const connection = program.provider.connection;
  const account = await program.account.marginAccount.fetch(marginAccount);
  let metas = options.healthAccounts;
  if (!metas) {
    const listing = options.listing ?? (await fetchListing(program, account.exchange));
    metas = healthAccounts(account, listing.assets, listing.markets);
  }
  const view = await program.methods
    .health()
    .accountsPartial({ exchange: account.exchange, marginAccount })
    .remainingAccounts(metas)
    .instruction();
  const payer = options.payer ?? program.provider.publicKey;
  if (!payer) throw new Error("simulateHealth needs a payer: the provider has no wallet");
  const { blockhash } = await connection.getLatestBlockhash(options.commitment);
  const message = new TransactionMessage({
    payerKey: payer,
    recentBlockhash: blockhash,
    instructions: [...(options.before ?? []), view],
  }).compileToV0Message();
  const result = await connection.simulateTransaction(new VersionedTransaction(message), {
    sigVerify: false,
    replaceRecentBlockhash: true,
    commitment: options.commitment,
  });
  const logs = result.value.logs ?? [];
  if (result.value.err) {
    const keelError = keelErrorFromLogs(logs, program.programId);
    const what = keelError ? `${keelError.name} (${keelError.code}): ${keelError.msg}` : JSON.stringify(result.value.err);
    throw new SimulationError(`health simulation failed: ${what}`, logs, keelError);
  }
  const returned = result.value.returnData;
  if (!returned || returned.programId !== program.programId.toBase58()) {
    throw new SimulationError("health simulation returned no return data from Keel", logs);
  }
  const data = Buffer.from(returned.data[0], "base64");
  return program.coder.types.decode("healthReport", data) as HealthReport;
}
