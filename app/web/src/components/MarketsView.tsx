// Every perp market: the oracle price (with its age and a chart), funding, open interest and
// its cap, the pause flag, and the order book's depth — all from live accounts.

import { KnownMarket, OrderBookAccount, PythPrice, priceLots, pythPriceUsd } from "@keel/client";
import { useExchange } from "../chain/exchange";
import { baseSymbol, marketSymbol } from "../chain/symbols";
import { MarketUnits, baseLotsToSize, big, bpsToPercent, marketUnits, priceLotsToUsd, ratioToDecimal } from "../format";
import { PriceChart } from "./PriceChart";

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
  if (!price) return <p className="muted">oracle: no price</p>;
  const age = Math.max(0, Math.round(Date.now() / 1000 - price.publishTime));
  const stale = age > maxAge;
  const lots = priceLots(price, u.quoteDecimals, u.baseDecimals, u.baseLotSize, u.quoteLotSize);
  return (
    <p className={stale ? "problem" : ""} data-testid="oracle">
      Oracle <strong data-testid="oracle-price">{priceLotsToUsd(lots, u)}</strong> ± {ratioToDecimal(price.conf, 10n ** BigInt(-price.exponent), 4)} · published {age} s ago
      {stale && ` — stale (max age ${maxAge} s): deposits, cancels and reduce-only orders still work; opening risk waits for a fresh price`}
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
      {price && <PriceChart price={pythPriceUsd(price)} time={price.publishTime} />}
      {book ? <Depth book={book} u={u} /> : <p className="muted">reading the book…</p>}
    </section>
  );
}

/** The markets of the exchange. */
export function MarketsView() {
  const { listing, books, oracles } = useExchange();
  return (
    <div className="markets">
      {listing.markets.map((m) => (
        <MarketPanel key={m.address.toBase58()} market={m} book={books.get(m.market.index)} price={oracles.get(m.market.oracle.toBase58())} />
      ))}
    </div>
  );
}
