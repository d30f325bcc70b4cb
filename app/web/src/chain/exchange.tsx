// The exchange as the page sees it: found (configured, or the only one on the node), listed
// (@keel/client's fetchListing), then kept live — the exchange, its assets, markets, order
// books and oracles by websocket subscriptions — and shared through a React context.

import { Program } from "@anchor-lang/core";
import { Connection, PublicKey } from "@solana/web3.js";
import {
  ExchangeAccount,
  ExchangeListing,
  IDL,
  Keel,
  OrderBookAccount,
  PythPrice,
  decodePriceUpdateV2,
  fetchListing,
} from "@keel/client";
import { ReactNode, createContext, useContext, useEffect, useMemo, useState } from "react";
import { AppConfig } from "../config";
import { useLiveAccounts } from "./live";
import { FeedNames, isUnreachable } from "./errors";
import { assetSymbols, feedNames } from "./symbols";

/** Everything the pages read about the exchange, live. */
export interface ExchangeData {
  config: AppConfig;
  connection: Connection;
  /** The typed program; inside {@link WithWalletKey} its provider carries the connected wallet's key (nothing signs through it). */
  program: Program<Keel>;
  listing: ExchangeListing;
  symbols: Map<number, string>;
  /** The price feeds by oracle address (base58), named for messages. */
  feeds: FeedNames;
  /** Decoded oracle prices by oracle address (base58). */
  oracles: Map<string, PythPrice>;
  /** Decoded order books by market index. */
  books: Map<number, OrderBookAccount>;
  /** Counts the notifications of the exchange's accounts (prices, markets): health refreshes follow it. */
  version: number;
}

const ExchangeContext = createContext<ExchangeData | null>(null);

/** The exchange data of the enclosing {@link ExchangeProvider}. */
export function useExchange(): ExchangeData {
  const data = useContext(ExchangeContext);
  if (!data) throw new Error("useExchange outside ExchangeProvider");
  return data;
}

/** The configured exchange, or the only exchange the program holds on this cluster. */
async function findExchange(program: Program<Keel>, configured?: PublicKey): Promise<PublicKey> {
  if (configured) return configured;
  const all = await program.account.exchange.all();
  if (all.length === 1) return all[0].publicKey;
  if (all.length === 0) {
    throw new Error(`no Keel exchange exists on ${program.provider.connection.rpcEndpoint}: deploy one (scripts/localnet.sh runs migrations/deploy.ts)`);
  }
  throw new Error(`${all.length} exchanges exist here: choose one with ?exchange=<address> (${all.map((e) => e.publicKey.toBase58()).join(", ")})`);
}

function decodeOr<T>(program: Program<Keel>, name: string, data: Buffer | undefined, fallback: T): T {
  if (!data) return fallback;
  try {
    return program.coder.accounts.decode<T>(name, data);
  } catch {
    return fallback;
  }
}

/** The exchange data of the enclosing provider with a program whose provider carries `owner`'s key. */
export function WithWalletKey({ owner, children }: { owner: PublicKey | null; children: ReactNode }) {
  const data = useExchange();
  const { connection } = data;
  const program = useMemo(() => new Program<Keel>(IDL, { connection, publicKey: owner ?? undefined }), [connection, owner]);
  const value = useMemo(() => ({ ...data, program }), [data, program]);
  return <ExchangeContext.Provider value={value}>{children}</ExchangeContext.Provider>;
}

/** Loads the exchange; renders `children` with it, `loading` before, `failed(message)` on error. */
export function ExchangeProvider(props: {
  config: AppConfig;
  connection: Connection;
  children: ReactNode;
  loading: ReactNode;
  failed: (message: string, retry: () => void) => ReactNode;
}) {
  const { config, connection } = props;
  const program = useMemo(() => new Program<Keel>(IDL, { connection }), [connection]);
  const [initial, setInitial] = useState<ExchangeListing>();
  const [error, setError] = useState<string>();
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let live = true;
    setError(undefined);
    findExchange(program, config.exchange)
      .then((exchange) => fetchListing(program, exchange))
      .then((l) => live && setInitial(l))
      .catch((e: Error) => {
        if (!live) return;
        const unreachable = isUnreachable(e.message);
        setError(unreachable ? `The RPC at ${config.rpcUrl} is unreachable (${e.message}). Is the node running?` : e.message);
      });
    return () => {
      live = false;
    };
  }, [program, config.exchange, config.rpcUrl, attempt]);

  const watched = useMemo(() => {
    if (!initial) return [];
    const oracles = [...initial.assets.filter((a) => a.asset.oracleKind !== 0).map((a) => a.asset.oracle), ...initial.markets.map((m) => m.market.oracle)];
    return [initial.exchange, ...initial.assets.map((a) => a.address), ...initial.markets.flatMap((m) => [m.address, m.market.orderBook]), ...oracles];
  }, [initial]);
  const { accounts, version } = useLiveAccounts(connection, watched);

  const value = useMemo((): ExchangeData | null => {
    if (!initial) return null;
    const data = (key: PublicKey) => accounts.get(key.toBase58())?.data;
    const listing: ExchangeListing = {
      exchange: initial.exchange,
      account: decodeOr<ExchangeAccount>(program, "exchange", data(initial.exchange), initial.account),
      assets: initial.assets.map((a) => ({ address: a.address, asset: decodeOr(program, "collateralAsset", data(a.address), a.asset) })),
      markets: initial.markets.map((m) => ({ address: m.address, market: decodeOr(program, "perpMarket", data(m.address), m.market) })),
    };
    const oracles = new Map<string, PythPrice>();
    const books = new Map<number, OrderBookAccount>();
    for (const m of listing.markets) {
      const book = data(m.market.orderBook);
      const decoded = decodeOr<OrderBookAccount | undefined>(program, "orderBook", book, undefined);
      if (decoded) books.set(m.market.index, decoded);
    }
    for (const key of watched.slice(1 + initial.assets.length + 2 * initial.markets.length)) {
      const info = data(key);
      if (info) {
        try {
          oracles.set(key.toBase58(), decodePriceUpdateV2(info));
        } catch {
          // not a PriceUpdateV2 (a legacy feed): shown without a price
        }
      }
    }
    const symbols = assetSymbols(listing);
    return { config, connection, program, listing, symbols, feeds: feedNames(listing, symbols), oracles, books, version };
  }, [initial, accounts, version, program, config, connection, watched]);

  if (error) return <>{props.failed(error, () => setAttempt((a) => a + 1))}</>;
  if (!value) return <>{props.loading}</>;
  return <ExchangeContext.Provider value={value}>{props.children}</ExchangeContext.Provider>;
}
