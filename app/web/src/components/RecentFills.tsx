// A market's last fills: the program's time of the match, the taker's side, the price per
// whole base token and the size in base tokens (chain/fills.ts: fill events and the fill queue).

import { KnownMarket } from "@keel/client";
import { useExchange } from "../chain/exchange";
import { useRecentFills } from "../chain/fills";
import { baseSymbol } from "../chain/symbols";
import { baseLotsToSize, formatUtcTime, marketUnits, priceLotsToUsd } from "../format";

/** The recent fills of `market`, newest first. */
export function RecentFills({ market }: { market: KnownMarket }) {
  const data = useExchange();
  const fills = useRecentFills(data, market);
  const u = marketUnits(market.market, data.listing.account.quoteDecimals);
  const symbol = baseSymbol(market.market.symbol);
  return (
    <table className="fills" data-testid="recent-fills">
      <thead>
        <tr>
          <th>time</th>
          <th>taker</th>
          <th className="num">price (USD per {symbol})</th>
          <th className="num">size ({symbol})</th>
        </tr>
      </thead>
      <tbody>
        {fills.map((f) => (
          <tr key={f.seq.toString()} data-testid="fill" data-seq={f.seq.toString()}>
            <td data-testid="fill-time" title={f.time === undefined ? "the time this page saw the fill (the match left the fill queue before the page read it)" : "the program's time of the match"}>
              {f.time === undefined ? `~${formatUtcTime(Math.floor(f.seenAt / 1000))}` : formatUtcTime(f.time)}
            </td>
            <td data-testid="fill-side" className={f.takerSide === "buy" ? "buy" : "sell"}>
              {f.takerSide}
            </td>
            <td className="num" data-testid="fill-price">
              {priceLotsToUsd(f.priceLots, u)}
            </td>
            <td className="num" data-testid="fill-size">
              {baseLotsToSize(f.baseLots, u)}
            </td>
          </tr>
        ))}
        {fills.length === 0 && (
          <tr>
            <td colSpan={4} className="muted">
              no fill since this page opened (and none waiting in the fill queue)
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}
