// The cluster's clock as the page sees it: the Clock sysvar's unix time (what the program's
// oracle guards compare publish times with), read every `POLL_MS` and carried forward by the
// browser's clock in between, so a feed's age is the cluster's even when its clock runs ahead of
// the browser's (keel-localnet's keel_warpTime) — and a re-render every `TICK_MS`, so a feed
// that stops publishing is seen to age.

import { Connection, SYSVAR_CLOCK_PUBKEY } from "@solana/web3.js";
import { ReactNode, createContext, useContext, useEffect, useState } from "react";

/** How often the Clock sysvar is read, ms. */
const POLL_MS = 15_000;
/** How often the clock's readers re-render, ms. */
const TICK_MS = 2_000;
/** Offset of `unix_timestamp` in the Clock sysvar (slot, epoch_start_timestamp, epoch, leader_schedule_epoch before it). */
const UNIX_TIMESTAMP_OFFSET = 32;

/** The cluster's unix time now (seconds), and whether it was read from the cluster. */
export interface ClusterClock {
  now: number;
  /** False until the Clock sysvar was read (then `now` is the browser's clock). */
  fromCluster: boolean;
}

const ClockContext = createContext<ClusterClock>({ now: Date.now() / 1000, fromCluster: false });

/** The cluster clock of the enclosing {@link ClockProvider}. */
export function useClusterClock(): ClusterClock {
  return useContext(ClockContext);
}

/** The Clock sysvar's unix time, from its account data. */
export function clockUnixTimestamp(data: Buffer): number {
  return Number(data.readBigInt64LE(UNIX_TIMESTAMP_OFFSET));
}

/** Reads the cluster's clock from `connection` and provides it, ticking. */
export function ClockProvider({ connection, children }: { connection: Connection; children: ReactNode }) {
  const [offset, setOffset] = useState<number | undefined>();
  const [tick, setTick] = useState(() => Date.now());
  useEffect(() => {
    let live = true;
    const read = () =>
      connection
        .getAccountInfo(SYSVAR_CLOCK_PUBKEY, "confirmed")
        .then((info) => {
          if (live && info && info.data.length >= UNIX_TIMESTAMP_OFFSET + 8) setOffset(clockUnixTimestamp(info.data) - Date.now() / 1000);
        })
        .catch(() => {
          // unreachable: the browser's clock (or the last offset) stands in
        });
    void read();
    const poll = setInterval(read, POLL_MS);
    const ticker = setInterval(() => setTick(Date.now()), TICK_MS);
    return () => {
      live = false;
      clearInterval(poll);
      clearInterval(ticker);
    };
  }, [connection]);
  const value = { now: tick / 1000 + (offset ?? 0), fromCluster: offset !== undefined };
  return <ClockContext.Provider value={value}>{children}</ClockContext.Provider>;
}
