// Positions (the health report's perp lines with the account's own fields) and open orders
// with cancel and cancel-all.

import { HealthReport, KnownMarket, MarginAccount } from "@keel/client";
import { useWallet } from "@solana/wallet-adapter-react";
import { cancelOrderIx, orderIdOf, sendIxs } from "../chain/actions";
import { useExchange } from "../chain/exchange";
import { baseSymbol, marketSymbol } from "../chain/symbols";
import { Trader } from "../chain/trader";
import { baseLotsToSize, big, entryPriceUsd, formatUnits, marketUnits, perLotToUsd, priceLotsToUsd } from "../format";
import { useAction } from "./Notices";

function PositionRows({ report, account, markets, qd }: { report: HealthReport; account: MarginAccount; markets: KnownMarket[]; qd: number }) {
  return (
    <>
      {report.perps.map((line) => {
        const market = markets.find((m) => m.market.index === line.marketIndex);
        const position = account.perps.find((p) => p.inUse !== 0 && p.marketIndex === line.marketIndex);
        if (!market || !position) return null;
        const u = marketUnits(market.market, qd);
        const symbol = baseSymbol(market.market.symbol);
        const lots = big(line.baseLots);
        const liq = big(line.liquidationPricePerLot);
        return (
          <tr key={line.marketIndex} data-testid={`position-${symbol}`}>
            <td>{marketSymbol(market.market.symbol)}</td>
            <td className={lots > 0n ? "buy" : lots < 0n ? "sell" : ""}>{lots > 0n ? "long" : lots < 0n ? "short" : "flat"}</td>
            <td className="num" data-testid={`position-${symbol}-size`}>
              {baseLotsToSize(lots < 0n ? -lots : lots, u)}
            </td>
            <td className="num">{entryPriceUsd(position.quoteNative, position.baseLots, u) ?? "—"}</td>
            <td className="num">{perLotToUsd(line.oraclePricePerLot, u)}</td>
            <td className="num" data-testid={`position-${symbol}-pnl`}>
              {formatUnits(line.unrealizedPnl, qd, 2)}
            </td>
            <td className="num">{formatUnits(position.cumulativeFundingNative, qd, 2)}</td>
            <td className="num">{formatUnits(position.pnlOwedNative, qd, 2)}</td>
            <td className="num" data-testid={`position-${symbol}-liq`}>
              {liq === 0n ? "none" : perLotToUsd(liq, u)}
            </td>
          </tr>
        );
      })}
    </>
  );
}

/** The account's positions and open orders. */
export function Positions({ trader }: { trader: Trader }) {
  const { listing, program, connection, symbols } = useExchange();
  const wallet = useWallet();
  const { busy, run } = useAction();
  const account = trader.account;
  if (!account) return null;
  const qd = listing.account.quoteDecimals;
  const quote = symbols.get(0) ?? "quote";
  const orders = account.orders.filter((o) => o.inUse !== 0);
  const marketOf = (index: number) => listing.markets.find((m) => m.market.index === index);
  const cancel = (label: string, build: () => Promise<Parameters<typeof sendIxs>[2]>) =>
    run(label, async () => `signature ${await sendIxs(connection, wallet, await build())}`);
  const cancelAll = () =>
    cancel("Cancel all orders", () =>
      Promise.all(
        [...new Set(orders.map((o) => o.marketIndex))].map((i) => cancelOrderIx(program, trader.owner, listing, marketOf(i)!, { all: {} })),
      ),
    );
  return (
    <section className="panel" data-testid="positions">
      <h2>Positions</h2>
      <table>
        <thead>
          <tr>
            <th>market</th>
            <th>side</th>
            <th>size</th>
            <th>entry</th>
            <th>oracle</th>
            <th>unrealised PnL ({quote})</th>
            <th>funding paid</th>
            <th>gains owed</th>
            <th>liquidation price</th>
          </tr>
        </thead>
        <tbody>{trader.health && <PositionRows report={trader.health} account={account} markets={listing.markets} qd={qd} />}</tbody>
      </table>
      <p className="muted">Unrealised PnL includes funding not yet settled; funding paid is what was settled so far.</p>
      <h2>
        Open orders{" "}
        {orders.length > 0 && (
          <button data-testid="cancel-all" disabled={busy} onClick={() => void cancelAll()}>
            Cancel all
          </button>
        )}
      </h2>
      <table data-testid="open-orders">
        <thead>
          <tr>
            <th>market</th>
            <th>side</th>
            <th>price</th>
            <th>size</th>
            <th>client id</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {orders.map((o) => {
            const market = marketOf(o.marketIndex);
            if (!market) return null;
            const u = marketUnits(market.market, qd);
            const id = orderIdOf(o.orderId);
            return (
              <tr key={id.toString()} data-testid="open-order">
                <td>{marketSymbol(market.market.symbol)}</td>
                <td className={o.side === 0 ? "buy" : "sell"}>{o.side === 0 ? "bid" : "ask"}</td>
                <td className="num">{priceLotsToUsd(o.priceLots, u)}</td>
                <td className="num">{baseLotsToSize(o.baseLots, u)}</td>
                <td className="num">{o.clientOrderId.toString()}</td>
                <td>
                  <button
                    data-testid="cancel-order"
                    disabled={busy}
                    onClick={() => void cancel("Cancel order", async () => [await cancelOrderIx(program, trader.owner, listing, market, { orderId: { 0: id } })])}
                  >
                    Cancel
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
