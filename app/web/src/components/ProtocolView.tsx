// The insurance fund's balance and a feed of recent liquidations, both live: the fund's quote
// vault through an account subscription, the program's `PerpLiquidated` and
// `CollateralLiquidated` events through the page's logs subscription (chain/events.ts),
// newest first. Every number is the program's own, formatted.

import { useEffect, useRef, useState } from "react";
import { AccountLayout } from "@solana/spl-token";
import { CollateralLiquidated, PerpLiquidated, insuranceVaultPda } from "@keel/client";
import { useKeelEvents } from "../chain/events";
import { useExchange } from "../chain/exchange";
import { marketSymbol } from "../chain/symbols";
import { formatUnits, shortKey } from "../format";

/** Liquidations kept in the feed. */
const FEED_LENGTH = 20;

/** One liquidation step, as the feed shows it. */
interface FeedRow {
  /** Unique within the page (the signature is not delivered with Anchor's events). */
  id: number;
  liqee: string;
  /** The market or asset taken over. */
  what: string;
  /** The liquidator's bounty and the penalty into the fund, quote native. */
  bounty: bigint;
  penalty: bigint;
}

/** The insurance fund's balance and the liquidations seen since the page opened. */
export function ProtocolView() {
  const { connection, program, listing, symbols } = useExchange();
  const quote = listing.assets.find((a) => a.asset.index === 0);
  const decimals = quote?.asset.decimals ?? 6;
  const quoteSymbol = symbols.get(0) ?? "USDC";
  const [fund, setFund] = useState<bigint | undefined>();
  const [feed, setFeed] = useState<FeedRow[]>([]);

  useEffect(() => {
    const vault = insuranceVaultPda(listing.exchange, program.programId);
    const read = (data: Buffer | undefined) => {
      if (data && data.length >= AccountLayout.span) setFund(AccountLayout.decode(data).amount);
    };
    connection.getAccountInfo(vault, "confirmed").then((info) => read(info?.data ?? undefined));
    const id = connection.onAccountChange(vault, (info) => read(info.data), "confirmed");
    return () => void connection.removeAccountChangeListener(id);
  }, [connection, program, listing.exchange]);

  // Names are looked up when an event arrives (the listing changes with every price update).
  const next = useRef(0);
  useKeelEvents(connection, program, (events) => {
    const push = (row: Omit<FeedRow, "id">) => setFeed((rows) => [{ ...row, id: next.current++ }, ...rows].slice(0, FEED_LENGTH));
    for (const event of events) {
      if (event.name === "perpLiquidated") {
        const e = event.data as PerpLiquidated;
        const market = listing.markets.find((m) => m.market.index === e.marketIndex);
        push({ liqee: e.liqee.toBase58(), what: market ? marketSymbol(market.market.symbol) : `market ${e.marketIndex}`, bounty: BigInt(e.bounty.toString()), penalty: BigInt(e.penalty.toString()) });
      } else if (event.name === "collateralLiquidated") {
        const e = event.data as CollateralLiquidated;
        push({ liqee: e.liqee.toBase58(), what: symbols.get(e.assetIndex) ?? `asset ${e.assetIndex}`, bounty: BigInt(e.bounty.toString()), penalty: BigInt(e.penalty.toString()) });
      }
    }
  });

  return (
    <section className="panel" data-testid="protocol">
      <h2>Insurance fund and liquidations</h2>
      <p>
        Insurance fund:{" "}
        <span data-testid="insurance-balance">{fund === undefined ? "…" : `${formatUnits(fund, decimals, 2)} ${quoteSymbol}`}</span>
      </p>
      <table data-testid="liquidation-feed">
        <thead>
          <tr>
            <th>account</th>
            <th>taken over</th>
            <th>bounty ({quoteSymbol})</th>
            <th>penalty ({quoteSymbol})</th>
          </tr>
        </thead>
        <tbody>
          {feed.map((row) => (
            <tr key={row.id} data-testid="liquidation-feed-row">
              <td title={row.liqee}>{shortKey(row.liqee)}</td>
              <td>{row.what}</td>
              <td className="num">{formatUnits(row.bounty, decimals, 2)}</td>
              <td className="num">{formatUnits(row.penalty, decimals, 2)}</td>
            </tr>
          ))}
          {feed.length === 0 && (
            <tr>
              <td colSpan={4} className="muted">
                no liquidation since this page opened
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}
