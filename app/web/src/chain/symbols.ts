// Names for listed assets. Markets carry their base symbol on chain, assets do not: an asset is
// named after the base of the market that uses its oracle feed (SOL-PERP's feed → "SOL"), the quote asset
// by the configured quote symbol.

import { ExchangeListing, QUOTE_ASSET_INDEX } from "@keel/client";

/** A market's symbol ("SOL-PERP") from its zero-padded UTF-8 bytes. */
export function marketSymbol(symbol: number[]): string {
  const end = symbol.indexOf(0);
  return new TextDecoder().decode(Uint8Array.from(end < 0 ? symbol : symbol.slice(0, end)));
}

/** The base token of a market ("SOL" of "SOL-PERP"). */
export function baseSymbol(symbol: number[]): string {
  return marketSymbol(symbol).replace(/-PERP$/, "");
}

/** The symbol of every listed asset, by asset index. */
export function assetSymbols(listing: ExchangeListing, quoteSymbol = "USDC"): Map<number, string> {
  const names = new Map<number, string>();
  for (const { asset } of listing.assets) {
    if (asset.index === QUOTE_ASSET_INDEX) {
      names.set(asset.index, quoteSymbol);
      continue;
    }
    const market = listing.markets.find((m) => m.market.feedId.every((b, i) => b === asset.feedId[i]));
    names.set(asset.index, market ? baseSymbol(market.market.symbol) : `asset ${asset.index}`);
  }
  return names;
}

/** Every price feed of the exchange by oracle address (base58): "the SOL price feed (7UVimf…LiE)". */
export function feedNames(listing: ExchangeListing, symbols: Map<number, string>): Map<string, string> {
  const names = new Map<string, string>();
  const add = (oracle: { toBase58(): string }, base: string) => {
    const key = oracle.toBase58();
    if (!names.has(key)) names.set(key, `the ${base} price feed (${key.slice(0, 6)}…${key.slice(-4)})`);
  };
  for (const { market } of listing.markets) add(market.oracle, baseSymbol(market.symbol));
  for (const { asset } of listing.assets) if (asset.oracleKind !== 0) add(asset.oracle, symbols.get(asset.index) ?? `asset ${asset.index}`);
  return names;
}
