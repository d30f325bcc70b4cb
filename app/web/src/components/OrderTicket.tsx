// The order ticket: limit / post-only / IOC / market, reduce-only, price per whole base token
// and size in base tokens; health before → after from the program (usePreview), and the
// program's reason when it would refuse, before the wallet is asked to sign.

import { BN } from "@anchor-lang/core";
import { OrderType, PlaceOrderArgs, priceLots, tradeHealthAccounts } from "@keel/client";
import { useWallet } from "@solana/wallet-adapter-react";
import { useState } from "react";
import { placeOrderIx, sendIxs } from "../chain/actions";
import { useExchange } from "../chain/exchange";
import { baseSymbol, marketSymbol } from "../chain/symbols";
import { Trader } from "../chain/trader";
import { bpsToPercent, marketUnits, priceLotsToUsd, sizeToBaseLots, usdToPriceLots } from "../format";
import { HealthChange } from "./HealthChange";
import { useAction } from "./Notices";
import { canSend, usePreview } from "./usePreview";

const ORDER_TYPES: { key: string; label: string; type: OrderType }[] = [
  { key: "limit", label: "Limit", type: { limit: {} } },
  { key: "postOnly", label: "Post-only", type: { postOnly: {} } },
  { key: "ioc", label: "Immediate-or-cancel", type: { immediateOrCancel: {} } },
  { key: "market", label: "Market", type: { market: {} } },
];

/** Places orders in any market of the exchange. */
export function OrderTicket({ trader }: { trader: Trader }) {
  const { program, listing, oracles, connection } = useExchange();
  const wallet = useWallet();
  const { busy, run } = useAction();
  const [marketIndex, setMarketIndex] = useState(0);
  const [side, setSide] = useState<"bid" | "ask">("bid");
  const [typeKey, setTypeKey] = useState("limit");
  const [price, setPrice] = useState("");
  const [size, setSize] = useState("");
  const [reduceOnly, setReduceOnly] = useState(false);
  const market = listing.markets.find((m) => m.market.index === marketIndex) ?? listing.markets[0];
  const account = trader.account;
  const u = marketUnits(market.market, listing.account.quoteDecimals);
  const oracle = oracles.get(market.market.oracle.toBase58());
  const oracleLots = oracle ? priceLots(oracle, u.quoteDecimals, u.baseDecimals, u.baseLotSize, u.quoteLotSize) : undefined;
  const type = ORDER_TYPES.find((t) => t.key === typeKey) ?? ORDER_TYPES[0];
  const symbol = baseSymbol(market.market.symbol);

  const args = (): PlaceOrderArgs => {
    if (size.trim() === "") throw new Error("Enter a size");
    const lots = sizeToBaseLots(size, u);
    let limit: bigint;
    if (type.key === "market") {
      // The program ignores a market order's price; the oracle's stands in.
      if (oracleLots === undefined) throw new Error("The oracle price is not known yet");
      limit = oracleLots;
    } else {
      if (price.trim() === "") throw new Error("Enter a limit price");
      limit = usdToPriceLots(price, u, side === "bid" ? "down" : "up");
    }
    return {
      side: side === "bid" ? { bid: {} } : { ask: {} },
      orderType: type.type,
      priceLots: new BN(limit.toString()),
      baseLots: new BN(lots.toString()),
      clientOrderId: new BN(Date.now() % 1_000_000_000),
      reduceOnly,
      selfTrade: { abortTransaction: {} },
      expiryTs: new BN(0),
      maxTouched: 8,
    };
  };
  const key = [market.address.toBase58(), side, typeKey, price, size, reduceOnly].join("|");
  const preview = usePreview(
    trader,
    key,
    account && size.trim() !== ""
      ? async () => ({
          ixs: [await placeOrderIx(program, trader.owner, listing, account, market, args())],
          viewAccounts: tradeHealthAccounts(account, listing.assets, listing.markets, market.market.index),
        })
      : undefined,
  );
  if (!account) return null;
  const place = () =>
    run(`${side === "bid" ? "Buy" : "Sell"} ${size} ${symbol}`, async () => {
      const ix = await placeOrderIx(program, trader.owner, listing, account, market, args());
      return `signature ${await sendIxs(connection, wallet, [ix])}`;
    });

  return (
    <section className="panel" data-testid="order-ticket">
      <h2>Order</h2>
      {market.market.paused !== 0 && <p className="problem">{marketSymbol(market.market.symbol)} is paused: only cancels and reduce-only orders.</p>}
      <div className="form">
        <label>
          Market
          <select data-testid="ticket-market" value={market.market.index} onChange={(e) => setMarketIndex(Number(e.target.value))}>
            {listing.markets.map((m) => (
              <option key={m.market.index} value={m.market.index}>
                {marketSymbol(m.market.symbol)}
              </option>
            ))}
          </select>
        </label>
        <div className="segmented">
          <button data-testid="ticket-buy" className={side === "bid" ? "on buy" : ""} onClick={() => setSide("bid")}>
            Buy / long
          </button>
          <button data-testid="ticket-sell" className={side === "ask" ? "on sell" : ""} onClick={() => setSide("ask")}>
            Sell / short
          </button>
        </div>
        <label>
          Type
          <select data-testid="ticket-type" value={typeKey} onChange={(e) => setTypeKey(e.target.value)}>
            {ORDER_TYPES.map((t) => (
              <option key={t.key} value={t.key}>
                {t.label}
              </option>
            ))}
          </select>
        </label>
        {type.key === "market" && (
          <p className="muted" data-testid="ticket-market-note">
            A market order takes the book at any price within the market's band around the oracle (±{bpsToPercent(market.market.priceBandBps, 2)}) and drops
            what is left; the health after it below is the program's, simulated against the book as it is now.
          </p>
        )}
        {type.key !== "market" && (
          <label>
            Price (USD per {symbol})
            <input data-testid="ticket-price" inputMode="decimal" value={price} onChange={(e) => setPrice(e.target.value)} placeholder={oracleLots ? priceLotsToUsd(oracleLots, u) : ""} />
          </label>
        )}
        <label>
          Size ({symbol})
          <input data-testid="ticket-size" inputMode="decimal" value={size} onChange={(e) => setSize(e.target.value)} />
        </label>
        <label className="check">
          <input data-testid="ticket-reduce-only" type="checkbox" checked={reduceOnly} onChange={(e) => setReduceOnly(e.target.checked)} /> Reduce-only
        </label>
      </div>
      <HealthChange before={trader.health} preview={preview} testId="ticket" />
      <button data-testid="ticket-place" className="primary" disabled={busy || !canSend(preview)} onClick={() => void place()}>
        {busy ? "Placing…" : "Place order"}
      </button>
    </section>
  );
}
