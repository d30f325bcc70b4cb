// The page: the configuration, one connection, the exchange (read and kept live), its status
// (pause, stale feeds), the markets and the protocol panel — and the wallet side (wallets,
// notices, the trader's panels), a chunk of its own fetched in parallel with the exchange.

import { Connection } from "@solana/web3.js";
import { Suspense, useMemo } from "react";
import { AppConfig, readConfig } from "../config";
import { ClockProvider } from "../chain/clock";
import { ExchangeProvider } from "../chain/exchange";
import { MarketsView } from "./MarketsView";
import { ProtocolView } from "./ProtocolView";
import { ErrorBoundary } from "./ErrorBoundary";
import { loadable } from "./loadable";
import { StatusBanner } from "./StatusBanner";

// Started when this module is evaluated, so the chunk downloads while the exchange is read.
const { Component: WalletLayer, preload: preloadWallets } = loadable(() => import("./WalletLayer").then((m) => m.default));
void preloadWallets();

/** The dApp, configured from the URL and the build's env. */
export function App() {
  const config = useMemo(() => {
    try {
      return readConfig();
    } catch (e) {
      return e as Error;
    }
  }, []);
  if (config instanceof Error) return <p className="problem">Configuration: {config.message}</p>;
  return <Page config={config} />;
}

function Page({ config }: { config: AppConfig }) {
  const connection = useMemo(() => new Connection(config.rpcUrl, { commitment: "confirmed", wsEndpoint: config.wsUrl }), [config.rpcUrl, config.wsUrl]);
  return (
    <div className="page">
      <header>
        <h1>Keel</h1>
        <span className="muted" data-testid="endpoint">
          {config.rpcUrl}
        </span>
      </header>
      <ExchangeProvider
        config={config}
        connection={connection}
        loading={<p data-testid="loading">Loading the exchange from {config.rpcUrl}…</p>}
        failed={(message, retry) => (
          <div className="problem" data-testid="load-error">
            <p>{message}</p>
            <button data-testid="load-retry" onClick={retry}>
              Retry
            </button>
          </div>
        )}
      >
        <ClockProvider connection={connection}>
          <StatusBanner />
          <main>
            <div className="trader-column">
              <ErrorBoundary what="The wallet side of the page">
                <Suspense fallback={<p className="muted" data-testid="wallets-loading">Loading wallets…</p>}>
                  <WalletLayer config={config} connection={connection} />
                </Suspense>
              </ErrorBoundary>
            </div>
            <div className="market-column">
              <ErrorBoundary what="The markets">
                <MarketsView />
                <ProtocolView />
              </ErrorBoundary>
            </div>
          </main>
        </ClockProvider>
      </ExchangeProvider>
    </div>
  );
}
