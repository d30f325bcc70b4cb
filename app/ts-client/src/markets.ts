// A perp market's accounts, the accounts a fill crank needs and those a cancel passes.

import { Program } from "@anchor-lang/core";
import { AccountMeta, PublicKey } from "@solana/web3.js";
import { Keel } from "./generated/keel";
import { assetPda, perpMarketPda } from "./pda";
import { ExchangeAccount, FillQueueAccount, PerpMarketAccount } from "./program";

/** The accounts of one perp market that its instructions name. */
export interface MarketKeys {
  exchange: PublicKey;
  market: PublicKey;
  orderBook: PublicKey;
  fillQueue: PublicKey;
  oracle: PublicKey;
  /** The exchange's quote asset (its ledger follows quote balances). */
  quoteAsset: PublicKey;
}

/** A market's keys with its decoded account. */
export type MarketWithKeys = MarketKeys & { account: PerpMarketAccount };

/** The keys of market `index` of `exchange`, read from the chain. */
export async function fetchMarketKeys(program: Program<Keel>, exchange: PublicKey, index: number): Promise<MarketWithKeys> {
  const market = perpMarketPda(exchange, index, program.programId);
  const [account, exchangeAccount] = await Promise.all([
    program.account.perpMarket.fetch(market),
    program.account.exchange.fetch(exchange) as Promise<ExchangeAccount>,
  ]);
  return {
    exchange,
    market,
    orderBook: account.orderBook,
    fillQueue: account.fillQueue,
    oracle: account.oracle,
    quoteAsset: assetPda(exchange, exchangeAccount.quoteMint, program.programId),
    account,
  };
}

/**
 * The distinct makers and takers of the first `limit` queued fill events, in queue order:
 * `consume_fills`' remaining accounts (it applies the makers' fills and pays the takers what the
 * market's PnL pool now owes them).
 */
export function queuedAccounts(queue: FillQueueAccount, limit = Number.MAX_SAFE_INTEGER): PublicKey[] {
  const capacity = queue.events.length;
  const count = Math.min(queue.count.toNumber(), limit);
  const accounts: PublicKey[] = [];
  for (let i = 0; i < count; i++) {
    const event = queue.events[(queue.head.toNumber() + i) % capacity];
    for (const key of [event.maker, event.taker]) {
      if (!key.equals(PublicKey.default) && !accounts.some((a) => a.equals(key))) accounts.push(key);
    }
  }
  return accounts;
}

/**
 * `cancel_order`'s optional remaining accounts: the exchange and the market's oracle, so the
 * cancel samples the funding premium against a fresh price (without them only the oracle's
 * maximum age after the market's last price read counts).
 */
export function cancelPriceAccounts(market: Pick<MarketKeys, "exchange" | "oracle">): AccountMeta[] {
  return [
    { pubkey: market.exchange, isSigner: false, isWritable: false },
    { pubkey: market.oracle, isSigner: false, isWritable: false },
  ];
}
