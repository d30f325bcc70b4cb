// The wallet side of the page, a chunk of its own (the wallet adapter, wallet-standard
// detection and the mobile wallet adapter it brings): wallet-standard wallets (Phantom,
// Solflare, Backpack, …) and, on localnet, the burner; the notices of the user's actions; the
// trader's panels. The exchange around it is read by the page itself, so the markets show while
// this loads.

import { ConnectionContext, WalletProvider, useWallet } from "@solana/wallet-adapter-react";
import { Adapter } from "@solana/wallet-adapter-base";
import { Connection } from "@solana/web3.js";
import { ReactNode, useMemo } from "react";
import { AppConfig } from "../config";
import { WithWalletKey } from "../chain/exchange";
import { BurnerWalletAdapter } from "../wallet/burner";
import { Notices, NoticeProvider } from "./Notices";
import { TraderView } from "./TraderView";
import { WalletBar } from "./WalletBar";

/** The wallet bar, the notices and the trader's panels. */
export default function WalletLayer({ config, connection }: { config: AppConfig; connection: Connection }) {
  const wallets = useMemo<Adapter[]>(() => (config.localnet ? [new BurnerWalletAdapter()] : []), [config.localnet]);
  const context = useMemo(() => ({ connection }), [connection]);
  return (
    <ConnectionContext.Provider value={context}>
      <WalletProvider wallets={wallets} autoConnect localStorageKey="keel.wallet">
        <OwnedExchange>
          <NoticeProvider>
            <WalletBar />
            <Notices />
            <TraderView />
          </NoticeProvider>
        </OwnedExchange>
      </WalletProvider>
    </ConnectionContext.Provider>
  );
}

function OwnedExchange({ children }: { children: ReactNode }) {
  const { publicKey } = useWallet();
  return <WithWalletKey owner={publicKey}>{children}</WithWalletKey>;
}
