// The wallet: the wallets the adapter found (wallet-standard ones such as Phantom, Solflare,
// Backpack) and, on localnet, the burner (with "ask before signing"); the connected key, its
// SOL, and the test faucet.

import { useWallet } from "@solana/wallet-adapter-react";
import { WalletReadyState } from "@solana/wallet-adapter-base";
import { useState } from "react";

import { useExchange } from "../chain/exchange";
import { useLiveAccounts } from "../chain/live";
import { BurnerWalletName, burnerAsks, setBurnerAsks } from "../wallet/burner";
import { requestTestFunds } from "../wallet/faucet";
import { formatUnits } from "../format";
import { useAction } from "./Notices";

const SOL_DECIMALS = 9;

/** Wallet selection, connection and (localnet) test funds. */
export function WalletBar() {
  const { wallets, wallet, publicKey, connected, connecting, select, disconnect } = useWallet();
  const { connection, config, listing, symbols } = useExchange();
  const { accounts } = useLiveAccounts(connection, [publicKey ?? undefined]);
  const { busy, run } = useAction();
  const [asks, setAsks] = useState(() => burnerAsks());
  const usable = wallets.filter((w) => w.readyState === WalletReadyState.Installed || w.readyState === WalletReadyState.Loadable);

  if (!connected || !publicKey) {
    return (
      <section className="wallet-bar">
        <span>{connecting ? `Connecting ${wallet?.adapter.name}…` : "Connect a wallet:"}</span>
        {usable.length === 0 && <span className="muted">no wallet found (install Phantom, Solflare or Backpack)</span>}
        {usable.map((w) => (
          <button key={w.adapter.name} data-testid={`connect-${w.adapter.name}`} onClick={() => select(w.adapter.name)} disabled={connecting}>
            <img src={w.adapter.icon} alt="" width={16} height={16} /> {w.adapter.name}
          </button>
        ))}
      </section>
    );
  }
  const lamports = accounts.get(publicKey.toBase58())?.lamports ?? 0;
  const fund = () =>
    run("Test funds", async () => {
      const assets = listing.assets.map((asset) => ({ asset, symbol: symbols.get(asset.asset.index) ?? "?" }));
      return (await requestTestFunds(connection, publicKey, assets)).join(", ");
    });
  return (
    <section className="wallet-bar">
      <span>
        {wallet?.adapter.name}: <code data-testid="wallet-key">{publicKey.toBase58()}</code>
      </span>
      <span data-testid="wallet-sol">{formatUnits(lamports, SOL_DECIMALS, 4)} SOL</span>
      {config.localnet && (
        <button data-testid="faucet" onClick={fund} disabled={busy}>
          {busy ? "Funding…" : "Get test funds"}
        </button>
      )}
      {wallet?.adapter.name === BurnerWalletName && (
        <label className="check" title="The burner signs without asking unless this is on; then Cancel in the dialog rejects the signature">
          <input
            type="checkbox"
            data-testid="burner-asks"
            checked={asks}
            onChange={(e) => {
              setBurnerAsks(e.target.checked);
              setAsks(e.target.checked);
            }}
          />{" "}
          ask before signing
        </label>
      )}
      <button className="link" onClick={() => void disconnect()}>
        Disconnect
      </button>
    </section>
  );
}
