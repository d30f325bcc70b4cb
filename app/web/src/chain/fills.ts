// A market's recent fills, live, from two of the program's own records: the `OrderFilled`
// events of landed transactions (the page's logs subscription) and the market's fill queue
// (its account, subscribed), whose maker events carry the program's unix time of the match and
// hold the fills not yet cranked when the page opens. They are joined by the queue's sequence
// number (`OrderFilled.fillSeq` = the queued event's `seq`).

import { FillQueueAccount, KnownMarket, OrderFilled } from "@keel/client";
import { PublicKey } from "@solana/web3.js";
import { useEffect, useMemo, useRef, useState } from "react";
import { useKeelEvents } from "./events";
import { ExchangeData } from "./exchange";
import { useLiveAccounts } from "./live";

/** `FillEventKind::Fill` as stored in a queued event. */
const FILL_EVENT_KIND = 1;
/** `Side::Bid` as a byte. */
const BID = 0;

/** One fill of a market. */
export interface Fill {
  /** The fill queue's sequence number of the fill (unique in its market). */
  seq: bigint;
  /** The program's unix time of the match (from the queue), when the page saw it queued. */
  time?: number;
  /** When the page learnt of the fill (browser clock, ms). */
  seenAt: number;
  /** The taker's side: a buy lifted an ask, a sell hit a bid. */
  takerSide: "buy" | "sell";
  priceLots: bigint;
  baseLots: bigint;
}

/** The fills a decoded fill queue holds, oldest first. */
export function queuedFills(queue: FillQueueAccount, seenAt: number): Fill[] {
  const capacity = queue.events.length;
  const head = queue.head.toNumber();
  const fills: Fill[] = [];
  for (let i = 0; i < queue.count.toNumber(); i++) {
    const event = queue.events[(head + i) % capacity];
    if (event.kind !== FILL_EVENT_KIND) continue;
    fills.push({
      seq: BigInt(event.seq.toString()),
      time: event.timestamp.toNumber(),
      seenAt,
      takerSide: event.makerSide === BID ? "sell" : "buy",
      priceLots: BigInt(event.priceLots.toString()),
      baseLots: BigInt(event.baseLots.toString()),
    });
  }
  return fills;
}

/** A fill from the program's `OrderFilled` event. */
export function eventFill(event: OrderFilled, seenAt: number): Fill {
  return {
    seq: BigInt(event.fillSeq.toString()),
    seenAt,
    takerSide: event.takerSide === BID ? "buy" : "sell",
    priceLots: BigInt(event.priceLots.toString()),
    baseLots: BigInt(event.baseLots.toString()),
  };
}

/** `known` with `fills` merged in by sequence number (a queued fill's time is kept), newest first, at most `limit`. */
export function mergeFills(known: Fill[], fills: Fill[], limit: number): Fill[] {
  const bySeq = new Map(known.map((f) => [f.seq, f]));
  for (const fill of fills) {
    const had = bySeq.get(fill.seq);
    bySeq.set(fill.seq, had ? { ...had, time: had.time ?? fill.time, seenAt: Math.min(had.seenAt, fill.seenAt) } : fill);
  }
  return [...bySeq.values()].sort((a, b) => (a.seq < b.seq ? 1 : a.seq > b.seq ? -1 : 0)).slice(0, limit);
}

/** The last `limit` fills of `market`, newest first, kept current. */
export function useRecentFills(data: ExchangeData, market: KnownMarket, limit = 10): Fill[] {
  const { connection, program } = data;
  const queueKey = market.market.fillQueue.toBase58();
  const watched = useMemo(() => [new PublicKey(queueKey)], [queueKey]);
  const { accounts } = useLiveAccounts(connection, watched);
  const [fills, setFills] = useState<Fill[]>([]);
  const index = useRef(market.market.index);
  index.current = market.market.index;

  const queueInfo = accounts.get(queueKey);
  useEffect(() => {
    if (!queueInfo) return;
    let queue: FillQueueAccount;
    try {
      queue = program.coder.accounts.decode<FillQueueAccount>("fillQueue", queueInfo.data);
    } catch {
      return;
    }
    const queued = queuedFills(queue, Date.now());
    setFills((known) => mergeFills(known, queued, limit));
  }, [queueInfo, program, limit]);

  useKeelEvents(connection, program, (events) => {
    const seenAt = Date.now();
    const filled = events
      .filter((e) => e.name === "orderFilled" && (e.data as OrderFilled).marketIndex === index.current)
      .map((e) => eventFill(e.data as OrderFilled, seenAt));
    if (filled.length > 0) setFills((known) => mergeFills(known, filled, limit));
  });
  return fills;
}
