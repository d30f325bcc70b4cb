// The trader's side of the page: a prompt to connect a wallet, then the trader's panels
// (TraderPanels.tsx, loaded on demand: fetched while the prompt shows).

import { useWallet } from "@solana/wallet-adapter-react";
import { Suspense, useEffect } from "react";
import { loadable } from "./loadable";

const { Component: TraderPanels, preload: preloadPanels } = loadable(() => import("./TraderPanels").then((m) => m.TraderPanels));

/** The trader's panels, or a prompt to connect a wallet. */
export function TraderView() {
  const { publicKey } = useWallet();
  // Fetch the panels' chunk now, so that connecting does not wait for it.
  useEffect(() => void preloadPanels(), []);
  if (!publicKey) {
    return (
      <section className="panel" data-testid="connect-prompt">
        <p>Connect a wallet to see your account and trade.</p>
      </section>
    );
  }
  return (
    <Suspense fallback={<p className="muted">Loading the trader's panels…</p>}>
      <TraderPanels owner={publicKey} />
    </Suspense>
  );
}
