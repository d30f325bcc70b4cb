// The connected trader's panels (a chunk of their own, loaded once a wallet connects): create
// the margin account, then the overview, positions and orders, the order ticket, deposits and
// withdrawals, and the delegate.

import { useWallet } from "@solana/wallet-adapter-react";
import { PublicKey } from "@solana/web3.js";
import { createAccountIx, sendIxs } from "../chain/actions";
import { useExchange } from "../chain/exchange";
import { useTrader } from "../chain/trader";
import { formatUnits, shortKey } from "../format";
import { AccountOverview } from "./AccountOverview";
import { DelegatePanel } from "./DelegatePanel";
import { useAction } from "./Notices";
import { OrderTicket } from "./OrderTicket";
import { Positions } from "./Positions";
import { TransferPanel } from "./TransferPanel";

/** The panels of the connected `owner` (or the margin account to create). */
export function TraderPanels({ owner }: { owner: PublicKey }) {
  const data = useExchange();
  const wallet = useWallet();
  const trader = useTrader(data, owner);
  const { busy, run } = useAction();
  const { listing, symbols, program, connection } = data;
  const balances = listing.assets.map((a) => `${formatUnits(trader.tokens.get(a.asset.index) ?? 0n, a.asset.decimals, Math.min(4, a.asset.decimals))} ${symbols.get(a.asset.index)}`);
  if (trader.account === undefined) return <p className="muted">Reading your margin account…</p>;
  if (trader.account === null) {
    const create = () => run("Create margin account", async () => `signature ${await sendIxs(connection, wallet, [await createAccountIx(program, owner, listing.exchange)])}`);
    return (
      <section className="panel" data-testid="create-account">
        <h2>No margin account yet</h2>
        <p>
          Margin account 0 of this wallet on exchange {shortKey(listing.exchange)} would be <code>{shortKey(trader.margin)}</code>. It holds every
          deposit and backs every position (cross margin).
        </p>
        <p className="muted" data-testid="wallet-balances">
          In your wallet: {balances.join(", ")}
        </p>
        <button data-testid="create-account-button" className="primary" disabled={busy || !trader.lamports} onClick={() => void create()}>
          {busy ? "Creating…" : "Create margin account"}
        </button>
        {!trader.lamports && <p className="muted">The wallet needs SOL for rent and fees first.</p>}
      </section>
    );
  }
  return (
    <div className="trader" data-testid="trader">
      <p className="muted">
        Margin account <code data-testid="margin-account">{trader.margin.toBase58()}</code> · wallet: <span data-testid="wallet-balances">{balances.join(", ")}</span>
      </p>
      <AccountOverview account={trader.account} report={trader.health} error={trader.healthError} />
      <Positions trader={trader} />
      <div className="columns">
        <OrderTicket trader={trader} />
        <TransferPanel trader={trader} />
      </div>
      <DelegatePanel trader={trader} />
    </div>
  );
}
