// A perp market's accounts and the makers a fill crank needs.

import { Program } from "@anchor-lang/core";
import { PublicKey } from "@solana/web3.js";
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

/** The distinct makers of the first `limit` queued fill events, in queue order: `consume_fills`' remaining accounts. */
export function queuedMakers(queue: FillQueueAccount, limit = Number.MAX_SAFE_INTEGER): PublicKey[] {
  const capacity = queue.events.length;
  const count = Math.min(queue.count.toNumber(), limit);
  const makers: PublicKey[] = [];
  for (let i = 0; i < count; i++) {
    const event = queue.events[(queue.head.toNumber() + i) % capacity];
    if (!makers.some((m) => m.equals(event.maker))) makers.push(event.maker);
  }
  return makers;
}
