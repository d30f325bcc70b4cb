// Deposit and withdraw any listed asset, in whole tokens of its mint; the withdrawal (and the
// deposit) previewed as health before → after by the program, refused ones explained.

import { healthAccounts } from "@keel/client";
import { useWallet } from "@solana/wallet-adapter-react";
import { useState } from "react";
import { depositIx, sendIxs, withdrawIxs } from "../chain/actions";
import { useExchange } from "../chain/exchange";
import { Trader } from "../chain/trader";
import { formatUnits, parseUnits } from "../format";
import { HealthChange } from "./HealthChange";
import { useAction } from "./Notices";
import { canSend, usePreview } from "./usePreview";

/** The deposit / withdraw form. */
export function TransferPanel({ trader }: { trader: Trader }) {
  const { program, listing, symbols, connection } = useExchange();
  const wallet = useWallet();
  const { busy, run } = useAction();
  const [direction, setDirection] = useState<"deposit" | "withdraw">("deposit");
  const [assetIndex, setAssetIndex] = useState(0);
  const [amount, setAmount] = useState("");
  const asset = listing.assets.find((a) => a.asset.index === assetIndex) ?? listing.assets[0];
  const account = trader.account;
  const symbol = symbols.get(asset.asset.index) ?? "?";
  const build = async () => {
    if (!account) throw new Error("No margin account");
    if (amount.trim() === "") throw new Error("Enter an amount");
    const native = parseUnits(amount, asset.asset.decimals);
    if (native === 0n) throw new Error("The amount must be greater than zero");
    const ixs =
      direction === "deposit"
        ? [await depositIx(program, trader.owner, listing, asset, native)]
        : await withdrawIxs(program, trader.owner, listing, account, asset, native);
    return { ixs, viewAccounts: healthAccounts(account, listing.assets, listing.markets) };
  };
  const preview = usePreview(trader, [direction, asset.address.toBase58(), amount].join("|"), account && amount.trim() !== "" ? build : undefined);
  const send = async () => {
    const sent = await run(`${direction === "deposit" ? "Deposit" : "Withdraw"} ${amount} ${symbol}`, async () => {
      const { ixs } = await build();
      return `signature ${await sendIxs(connection, wallet, ixs)}`;
    });
    if (sent) setAmount("");
  };
  const inWallet = trader.tokens.get(asset.asset.index) ?? 0n;
  return (
    <section className="panel" data-testid="transfer">
      <h2>Deposit / withdraw</h2>
      <div className="segmented">
        <button data-testid="transfer-deposit" className={direction === "deposit" ? "on" : ""} onClick={() => setDirection("deposit")}>
          Deposit
        </button>
        <button data-testid="transfer-withdraw" className={direction === "withdraw" ? "on" : ""} onClick={() => setDirection("withdraw")}>
          Withdraw
        </button>
      </div>
      <div className="form">
        <label>
          Asset
          <select data-testid="transfer-asset" value={asset.asset.index} onChange={(e) => setAssetIndex(Number(e.target.value))}>
            {listing.assets.map((a) => (
              <option key={a.asset.index} value={a.asset.index}>
                {symbols.get(a.asset.index)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Amount ({symbol})
          <input data-testid="transfer-amount" inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} />
        </label>
        <span className="muted" data-testid="transfer-wallet-balance">
          in wallet: {formatUnits(inWallet, asset.asset.decimals, Math.min(4, asset.asset.decimals))} {symbol}
        </span>
      </div>
      <HealthChange before={trader.health} preview={preview} testId="transfer" />
      <button data-testid="transfer-send" className="primary" disabled={busy || !canSend(preview)} onClick={() => void send()}>
        {busy ? "Sending…" : direction === "deposit" ? "Deposit" : "Withdraw"}
      </button>
    </section>
  );
}
