// The page: the connection and wallets (wallet-standard wallets detected by the adapter; the
// burner on localnet only), the exchange, then the trader's panels.

import { ConnectionProvider, WalletProvider, useConnection, useWallet } from "@solana/wallet-adapter-react";
import { Adapter } from "@solana/wallet-adapter-base";
import { useMemo } from "react";
import { AppConfig, readConfig } from "../config";
import { ExchangeProvider } from "../chain/exchange";
import { BurnerWalletAdapter } from "../wallet/burner";
import { Notices, NoticeProvider } from "./Notices";
import { TraderView } from "./TraderView";
import { WalletBar } from "./WalletBar";
import { MarketsView } from "./MarketsView";
import { ProtocolView } from "./ProtocolView";

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
  return <Configured config={config} />;
}

function Configured({ config }: { config: AppConfig }) {
  const wallets = useMemo<Adapter[]>(() => (config.localnet ? [new BurnerWalletAdapter()] : []), [config.localnet]);
  return (
    <ConnectionProvider endpoint={config.rpcUrl} config={{ commitment: "confirmed", wsEndpoint: config.wsUrl }}>
      <WalletProvider wallets={wallets} autoConnect localStorageKey="keel.wallet">
        <NoticeProvider>
          <Page config={config} />
        </NoticeProvider>
      </WalletProvider>
    </ConnectionProvider>
  );
}

function Page({ config }: { config: AppConfig }) {
  const { connection } = useConnection();
  const { publicKey } = useWallet();
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
        owner={publicKey}
        loading={<p data-testid="loading">Loading the exchange from {config.rpcUrl}…</p>}
        failed={(message, retry) => (
          <div className="problem" data-testid="load-error">
            <p>{message}</p>
            <button onClick={retry}>Retry</button>
          </div>
        )}
      >
        <WalletBar />
        <Notices />
        <main>
          <TraderView />
          <MarketsView />
          <ProtocolView />
        </main>
      </ExchangeProvider>
    </div>
  );
}
