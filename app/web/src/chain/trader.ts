// The connected trader, live: the wallet's SOL and token balances, its margin account 0 (by
// websocket subscription) and the program's health report of it — simulated again at once when
// the account changes, and at most every `healthRefreshMs` while only prices move.

import { PublicKey } from "@solana/web3.js";
import { getAssociatedTokenAddressSync, unpackAccount } from "@solana/spl-token";
import { HealthReport, MarginAccount, healthAccounts, simulateHealth } from "@keel/client";
import { useEffect, useMemo, useRef, useState } from "react";
import { traderAccount } from "./actions";
import { Problem, describeError } from "./errors";
import { ExchangeData } from "./exchange";
import { useLiveAccounts } from "./live";

/** What the page knows about the connected trader. */
export interface Trader {
  owner: PublicKey;
  margin: PublicKey;
  /** The decoded margin account; null when it does not exist yet, undefined until read. */
  account: MarginAccount | null | undefined;
  /** The program's health report of the account (the `health` view, simulated). */
  health?: HealthReport;
  healthError?: Problem;
  /** Wallet lamports. */
  lamports?: number;
  /** Wallet token balances (associated token accounts), native units, by asset index. */
  tokens: Map<number, bigint>;
}

/** The trader `owner` on the exchange of `data`, kept current. */
export function useTrader(data: ExchangeData, owner: PublicKey): Trader {
  const { program, listing, connection, config } = data;
  const margin = useMemo(() => traderAccount(listing.exchange, owner, program.programId), [listing.exchange, owner, program.programId]);
  const atas = useMemo(() => listing.assets.map((a) => getAssociatedTokenAddressSync(a.asset.mint, owner)), [listing.assets, owner]);
  const watched = useMemo(() => [owner, margin, ...atas], [owner, margin, atas]);
  const { accounts } = useLiveAccounts(connection, watched);

  const marginInfo = accounts.get(margin.toBase58());
  const account = useMemo(() => {
    if (marginInfo === undefined) return undefined;
    if (marginInfo === null) return null;
    return program.coder.accounts.decode<MarginAccount>("marginAccount", marginInfo.data);
  }, [marginInfo, program]);
  const tokens = useMemo(() => {
    const balances = new Map<number, bigint>();
    listing.assets.forEach((a, i) => {
      const info = accounts.get(atas[i].toBase58());
      if (info) balances.set(a.asset.index, unpackAccount(atas[i], info).amount);
    });
    return balances;
  }, [accounts, atas, listing.assets]);

  const [health, setHealth] = useState<{ report?: HealthReport; error?: Problem }>({});
  const latest = useRef({ data, account, margin });
  latest.current = { data, account, margin };
  const runner = useRef({ inFlight: false, pending: false, last: 0, timer: 0 as ReturnType<typeof setTimeout> | 0 });

  const refresh = useMemo(() => {
    const run = async (): Promise<void> => {
      const r = runner.current;
      if (r.inFlight) {
        r.pending = true;
        return;
      }
      const { data: d, account: acct, margin: m } = latest.current;
      if (!acct) return;
      r.inFlight = true;
      r.last = Date.now();
      try {
        const report = await simulateHealth(d.program, m, {
          listing: d.listing,
          healthAccounts: healthAccounts(acct, d.listing.assets, d.listing.markets),
          payer: owner,
          commitment: "confirmed",
        });
        setHealth({ report });
      } catch (e) {
        setHealth((prev) => ({ report: prev.report, error: describeError(e, d.config.rpcUrl, d.feeds) }));
      } finally {
        r.inFlight = false;
        if (r.pending) {
          r.pending = false;
          void run();
        }
      }
    };
    const throttled = () => {
      const r = runner.current;
      if (r.timer) return;
      const wait = Math.max(0, r.last + latest.current.data.config.healthRefreshMs - Date.now());
      r.timer = setTimeout(() => {
        r.timer = 0;
        void run();
      }, wait);
    };
    return { now: run, throttled };
  }, [owner]);

  useEffect(() => {
    if (account) void refresh.now();
    else setHealth({});
  }, [account, refresh]);
  useEffect(() => {
    if (account && config.healthRefreshMs > 0) refresh.throttled();
  }, [data.version, account, config.healthRefreshMs, refresh]);
  useEffect(() => () => clearTimeout(runner.current.timer || undefined), []);

  const lamports = accounts.get(owner.toBase58())?.lamports;
  return { owner, margin, account, health: health.report, healthError: health.error, lamports, tokens };
}
