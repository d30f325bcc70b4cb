// Set or clear the account's delegate: a key that may deposit and trade for the account but
// never withdraw, with the owner's slippage limit (bps from the oracle) and loss limit per
// period. The form starts inside the bounds the program states (chain/delegate.ts), the
// instruction is simulated with the health view after it (usePreview) and a refusal is shown in
// the program's words before the wallet signs.

import { PublicKey } from "@solana/web3.js";
import { healthAccounts } from "@keel/client";
import { useWallet } from "@solana/wallet-adapter-react";
import { useState } from "react";
import { sendIxs } from "../chain/actions";
import { NO_DELEGATE, clearDelegateIx, delegateBounds, delegateDefaults, setDelegateIx } from "../chain/delegate";
import { useExchange } from "../chain/exchange";
import { Trader } from "../chain/trader";
import { bpsToPercent, formatDuration, formatUnits, parseUnits } from "../format";
import { HealthChange } from "./HealthChange";
import { useAction } from "./Notices";
import { canSend, usePreview } from "./usePreview";

const BOUNDS = delegateBounds();

function wholeNumber(text: string, what: string): number {
  if (!/^\d+$/.test(text.trim())) throw new Error(`${what} must be a whole number`);
  const n = Number(text.trim());
  if (!Number.isSafeInteger(n)) throw new Error(`${what} is too large`);
  return n;
}

function delegateKey(text: string): PublicKey {
  try {
    return new PublicKey(text.trim());
  } catch {
    throw new Error(`"${text}" is not a base58 public key`);
  }
}

/** The delegate form of the trader's account. */
export function DelegatePanel({ trader }: { trader: Trader }) {
  const { program, listing, symbols, connection } = useExchange();
  const wallet = useWallet();
  const { busy, run } = useAction();
  const qd = listing.account.quoteDecimals;
  const quote = symbols.get(0) ?? "quote";
  const defaults = delegateDefaults(BOUNDS, qd);
  const [key, setKey] = useState("");
  const [slippage, setSlippage] = useState(String(defaults.slippageBps));
  const [loss, setLoss] = useState(formatUnits(defaults.lossLimit, qd, 2).replace(/,/g, ""));
  const [period, setPeriod] = useState(String(defaults.periodSecs));
  const account = trader.account;

  const settings = () => {
    if (key.trim() === "") throw new Error("Enter the delegate's public key");
    return {
      delegate: delegateKey(key),
      maxSlippageBps: wholeNumber(slippage, "The slippage"),
      lossLimit: parseUnits(loss, qd),
      periodSecs: wholeNumber(period, "The period"),
    };
  };
  const build = async () => {
    if (!account) throw new Error("No margin account");
    return { ixs: [await setDelegateIx(program, trader.owner, trader.margin, settings())], viewAccounts: healthAccounts(account, listing.assets, listing.markets) };
  };
  const preview = usePreview(trader, ["delegate", key, slippage, loss, period].join("|"), account && key.trim() !== "" ? build : undefined);
  if (!account) return null;
  const hasDelegate = !account.delegate.equals(NO_DELEGATE);
  const set = () => run("Set delegate", async () => `signature ${await sendIxs(connection, wallet, (await build()).ixs)}`);
  const clear = () => run("Remove delegate", async () => `signature ${await sendIxs(connection, wallet, [await clearDelegateIx(program, trader.owner, trader.margin)])}`);
  const slippageText = (() => {
    try {
      return bpsToPercent(wholeNumber(slippage, "slippage"), 2);
    } catch {
      return "—";
    }
  })();
  const periodText = (() => {
    try {
      return formatDuration(wholeNumber(period, "period"));
    } catch {
      return "—";
    }
  })();

  return (
    <section className="panel" data-testid="delegate-panel">
      <h2>Delegate</h2>
      <p className="muted">
        A delegate may deposit and trade for this account — never withdraw — with every fill within the slippage of the oracle and its orders costing at
        most the loss limit per period (slippage against the oracle plus fees).
      </p>
      <div className="form">
        <label>
          Delegate (public key)
          <input data-testid="delegate-input" value={key} onChange={(e) => setKey(e.target.value)} placeholder="base58 key" spellCheck={false} />
        </label>
        <label>
          Slippage limit (bps from the oracle) = {slippageText}
          <input data-testid="delegate-slippage-input" inputMode="numeric" value={slippage} onChange={(e) => setSlippage(e.target.value)} />
          {BOUNDS && (
            <span className="muted" data-testid="delegate-slippage-bounds" data-min={BOUNDS.slippageBps[0]} data-max={BOUNDS.slippageBps[1]}>
              the program accepts {BOUNDS.slippageBps[0]}–{BOUNDS.slippageBps[1]} bps
            </span>
          )}
        </label>
        <label>
          Loss limit per period ({quote})
          <input data-testid="delegate-loss-input" inputMode="decimal" value={loss} onChange={(e) => setLoss(e.target.value)} />
        </label>
        <label>
          Period (seconds) = {periodText}
          <input data-testid="delegate-period-input" inputMode="numeric" value={period} onChange={(e) => setPeriod(e.target.value)} />
          {BOUNDS && (
            <span className="muted" data-testid="delegate-period-bounds" data-min={BOUNDS.periodSecs[0]} data-max={BOUNDS.periodSecs[1]}>
              the program accepts {formatDuration(BOUNDS.periodSecs[0])} – {formatDuration(BOUNDS.periodSecs[1])}
            </span>
          )}
        </label>
      </div>
      <HealthChange before={trader.health} preview={preview} testId="delegate" />
      <button data-testid="delegate-set" className="primary" disabled={busy || !canSend(preview)} onClick={() => void set()}>
        {busy ? "Sending…" : hasDelegate ? "Replace delegate" : "Set delegate"}
      </button>{" "}
      {hasDelegate && (
        <button data-testid="delegate-clear" disabled={busy} onClick={() => void clear()}>
          Remove delegate
        </button>
      )}
    </section>
  );
}
