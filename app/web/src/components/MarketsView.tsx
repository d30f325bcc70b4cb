// Every perp market: the oracle price (with its age on the cluster's clock and a chart, loaded
// on demand), funding, open interest and its cap, the pause flag, the order book's depth and
// the recent fills — all from live accounts and the program's events.

import { KnownMarket, OrderBookAccount, PythPrice, priceLots, pythPriceUsd } from "@keel/client";
import { Suspense, useEffect } from "react";
import { useClusterClock } from "../chain/clock";
import { useExchange } from "../chain/exchange";
import { baseSymbol, marketSymbol } from "../chain/symbols";
import { MarketUnits, baseLotsToSize, big, bpsToPercent, formatDuration, marketUnits, priceLotsToUsd, ratioToDecimal } from "../format";
import { RecentFills } from "./RecentFills";
import { loadable } from "./loadable";

// lightweight-charts is a chunk of its own, fetched once the markets have rendered.
const { Component: PriceChart, preload: preloadChart } = loadable(() => import("./PriceChart").then((m) => m.PriceChart));

const DEPTH_LEVELS = 8;

/** Price levels of one side of a book, best first: [price lots, base lots]. */
export function depthLevels(orders: OrderBookAccount["bids"], count: number, levels = DEPTH_LEVELS): [bigint, bigint][] {
  const out: [bigint, bigint][] = [];
  for (let i = count - 1; i >= 0 && out.length <= levels; i--) {
    const price = big(orders[i].priceLots);
    const lots = big(orders[i].baseLots);
    const last = out[out.length - 1];
    if (last && last[0] === price) last[1] += lots;
    else out.push([price, lots]);
  }
  return out.slice(0, levels);
}

function Depth({ book, u }: { book: OrderBookAccount; u: MarketUnits }) {
  const bids = depthLevels(book.bids, book.bidCount);
  const asks = depthLevels(book.asks, book.askCount);
  const rows = Math.max(bids.length, asks.length);
  return (
    <table className="depth" data-testid="depth">
      <thead>
        <tr>
          <th>bid size</th>
          <th>bid</th>
          <th>ask</th>
          <th>ask size</th>
        </tr>
      </thead>
      <tbody>
        {Array.from({ length: rows }, (_, i) => (
          <tr key={i}>
            <td className="num">{bids[i] ? baseLotsToSize(bids[i][1], u) : ""}</td>
            <td className="num buy">{bids[i] ? priceLotsToUsd(bids[i][0], u) : ""}</td>
            <td className="num sell">{asks[i] ? priceLotsToUsd(asks[i][0], u) : ""}</td>
            <td className="num">{asks[i] ? baseLotsToSize(asks[i][1], u) : ""}</td>
          </tr>
        ))}
        {rows === 0 && (
          <tr>
            <td colSpan={4} className="muted">
              the book is empty
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}

function OracleLine({ price, maxAge, u }: { price?: PythPrice; maxAge: number; u: MarketUnits }) {
  const clock = useClusterClock();
  if (!price) return <p className="muted">oracle: no price</p>;
  const age = Math.max(0, Math.floor(clock.now - price.publishTime));
  const stale = age > maxAge;
  const lots = priceLots(price, u.quoteDecimals, u.baseDecimals, u.baseLotSize, u.quoteLotSize);
  return (
    <p className={stale ? "problem" : ""} data-testid="oracle">
      Oracle <strong data-testid="oracle-price">{priceLotsToUsd(lots, u)}</strong> ± {ratioToDecimal(price.conf, 10n ** BigInt(-price.exponent), 4)} · published{" "}
      <span data-testid="oracle-age">{formatDuration(age)}</span> ago
      {stale && <strong data-testid="oracle-stale"> — stale (max age {formatDuration(maxAge)}): this market takes no orders until a fresh price; cancels still work</strong>}
    </p>
  );
}

function MarketPanel({ market, book, price }: { market: KnownMarket; book?: OrderBookAccount; price?: PythPrice }) {
  const { listing } = useExchange();
  const m = market.market;
  const u = marketUnits(m, listing.account.quoteDecimals);
  const symbol = baseSymbol(m.symbol);
  const interval = m.fundingIntervalSecs / 3600;
  return (
    <section className="panel market" data-testid={`market-${symbol}`}>
      <h2>
        {marketSymbol(m.symbol)} {m.paused !== 0 && <span className="badge bad">paused: only cancels, reduce-only trades, cranks and liquidations</span>}
      </h2>
      <OracleLine price={price} maxAge={m.oracleMaxAgeSecs} u={u} />
      <dl className="facts">
        <dt>Funding (last)</dt>
        <dd data-testid="funding">
          {bpsToPercent(m.lastFundingRateBps, 2)} per {interval === 1 ? "hour" : `${interval} h`}
        </dd>
        <dt>Open interest</dt>
        <dd data-testid="open-interest">
          {baseLotsToSize(m.longLots, u)} long / {baseLotsToSize(m.shortLots, u)} short {symbol}, cap {baseLotsToSize(m.openInterestCapLots, u)}
        </dd>
        <dt>Margin init / maint</dt>
        <dd>
          {bpsToPercent(m.initMarginBps, 0)} / {bpsToPercent(m.maintMarginBps, 0)}
        </dd>
      </dl>
      {price && (
        <Suspense fallback={<div className="chart" data-testid="price-chart-loading" />}>
          <PriceChart price={pythPriceUsd(price)} time={price.publishTime} />
        </Suspense>
      )}
      {book ? <Depth book={book} u={u} /> : <p className="muted">reading the book…</p>}
      <h3>Recent fills</h3>
      <RecentFills market={market} />
    </section>
  );
}

/** The markets of the exchange. */
export function MarketsView() {
  const { listing, books, oracles } = useExchange();
  useEffect(() => void preloadChart(), []);
  return (
    <div className="markets">
      {listing.markets.map((m) => (
        <MarketPanel key={m.address.toBase58()} market={m} book={books.get(m.market.index)} price={oracles.get(m.market.oracle.toBase58())} />
      ))}
    </div>
  );
}
