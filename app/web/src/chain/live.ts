// Accounts kept current by websocket subscriptions (accountSubscribe through web3.js's
// onAccountChange): one read when the set of addresses changes, then notifications only.

import { AccountInfo, Commitment, Connection, PublicKey } from "@solana/web3.js";
import { useEffect, useMemo, useState } from "react";

/** Account data by base58 address: null when the account does not exist, absent until read. */
export type LiveAccounts = ReadonlyMap<string, AccountInfo<Buffer> | null>;

const COMMITMENT: Commitment = "confirmed";

/** The accounts at `addresses`, updated as the node notifies changes. */
export function useLiveAccounts(connection: Connection, addresses: (PublicKey | undefined)[]): { accounts: LiveAccounts; version: number; error?: Error } {
  const keys = useMemo(() => [...new Set(addresses.filter((a): a is PublicKey => !!a).map((a) => a.toBase58()))], [addresses]);
  const joined = keys.join(",");
  const [state, setState] = useState<{ accounts: LiveAccounts; version: number }>({ accounts: new Map(), version: 0 });
  const [error, setError] = useState<Error>();
  useEffect(() => {
    if (keys.length === 0) {
      setState((prev) => ({ accounts: new Map(), version: prev.version + 1 }));
      return;
    }
    let live = true;
    const notified = new Set<string>();
    const update = (entries: [string, AccountInfo<Buffer> | null][]) =>
      setState((prev) => {
        const next = new Map(prev.accounts);
        for (const [key, info] of entries) next.set(key, info);
        return { accounts: next, version: prev.version + 1 };
      });
    const ids = keys.map((key) =>
      connection.onAccountChange(
        new PublicKey(key),
        (info) => {
          notified.add(key);
          if (live) update([[key, info.lamports === 0 ? null : info]]);
        },
        { commitment: COMMITMENT },
      ),
    );
    connection
      .getMultipleAccountsInfo(keys.map((k) => new PublicKey(k)), COMMITMENT)
      .then((infos) => {
        if (!live) return;
        setError(undefined);
        update(keys.flatMap((key, i): [string, AccountInfo<Buffer> | null][] => (notified.has(key) ? [] : [[key, infos[i]]])));
      })
      .catch((e: Error) => live && setError(e));
    return () => {
      live = false;
      for (const id of ids) void connection.removeAccountChangeListener(id);
    };
    // `joined` stands for `keys` (a new array on every render).
  }, [connection, joined]);
  return { ...state, error };
}
