// The market instructions every TypeScript caller builds the same way: `place_order` with its
// market accounts and the trade's health accounts, `cancel_order` with the accounts that let it
// sample the funding premium against a fresh price. The dApp, its e2e maker, the tools and the
// tests use these instead of each spelling the accounts.

import { Program } from "@anchor-lang/core";
import { PublicKey, TransactionInstruction } from "@solana/web3.js";
import { Keel } from "./generated/keel";
import { CancelTarget, MarginAccount, PlaceOrderArgs } from "./generated/types";
import { ExchangeListing, KnownMarket, QUOTE_ASSET_INDEX, tradeHealthAccounts } from "./health";
import { cancelPriceAccounts } from "./markets";

/** Who trades for which margin account, in which market of a listing. */
export interface OrderAccounts {
  /** The account's owner or its delegate (signs the transaction). */
  signer: PublicKey;
  marginAccount: PublicKey;
  /** The exchange's listing (its assets and markets give the accounts). */
  listing: ExchangeListing;
  /** The market's index in the exchange. */
  marketIndex: number;
}

/** The listed market `index`, or an error naming the exchange. */
export function listedMarket(listing: ExchangeListing, index: number): KnownMarket {
  const market = listing.markets.find((m) => m.market.index === index);
  if (!market) throw new Error(`exchange ${listing.exchange.toBase58()} lists no perp market ${index}`);
  return market;
}

function quoteAssetAddress(listing: ExchangeListing): PublicKey {
  const quote = listing.assets.find((a) => a.asset.index === QUOTE_ASSET_INDEX);
  if (!quote) throw new Error(`exchange ${listing.exchange.toBase58()} lists no quote asset`);
  return quote.address;
}

/**
 * `place_order`: the market, its book, fill queue and oracle, the quote asset, and as remaining
 * accounts the health accounts of `account` with the quote and this market's slots opened (the
 * account as the trade leaves it; `account` is the margin account as it is now).
 */
export function placeOrderInstruction(
  program: Program<Keel>,
  params: OrderAccounts & { account: MarginAccount; args: PlaceOrderArgs },
): Promise<TransactionInstruction> {
  const { listing, marketIndex } = params;
  const { address, market } = listedMarket(listing, marketIndex);
  return program.methods
    .placeOrder(params.args)
    .accountsPartial({
      signer: params.signer,
      exchange: listing.exchange,
      marginAccount: params.marginAccount,
      market: address,
      orderBook: market.orderBook,
      fillQueue: market.fillQueue,
      oracle: market.oracle,
      quoteAsset: quoteAssetAddress(listing),
    })
    .remainingAccounts(tradeHealthAccounts(params.account, listing.assets, listing.markets, marketIndex))
    .instruction();
}

/**
 * `cancel_order` of one order (by book id or client id) or of all the account's orders in the
 * market, with the exchange and the market's oracle as remaining accounts (`cancelPriceAccounts`).
 */
export function cancelOrderInstruction(program: Program<Keel>, params: OrderAccounts & { target: CancelTarget }): Promise<TransactionInstruction> {
  const { listing } = params;
  const { address, market } = listedMarket(listing, params.marketIndex);
  return program.methods
    .cancelOrder(params.target)
    .accountsPartial({ signer: params.signer, marginAccount: params.marginAccount, market: address, orderBook: market.orderBook })
    .remainingAccounts(cancelPriceAccounts({ exchange: listing.exchange, oracle: market.oracle }))
    .instruction();
}
