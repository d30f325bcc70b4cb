// Health after an action, previewed while the user types: the action's instructions built
// from the form, then the program's health view simulated after them (chain/preview.ts),
// debounced, the latest answer winning. Refusals come back in words (chain/refusal.ts).

import { HealthReport } from "@keel/client";
import { AccountMeta, TransactionInstruction } from "@solana/web3.js";
import { useEffect, useRef, useState } from "react";
import { useExchange } from "../chain/exchange";
import { UnpricedAction, healthAfter } from "../chain/preview";
import { Refusal, refusalOf } from "../chain/refusal";
import { Trader } from "../chain/trader";

/** What a form's action would do. */
export type Preview =
  | { status: "idle" }
  | { status: "invalid"; message: string }
  | { status: "simulating" }
  | { status: "ok"; after: HealthReport }
  /** The program accepts the action, but its health view cannot price the account (a feed fails). */
  | { status: "unpriced"; problem: Refusal }
  | { status: "refused"; refusal: Refusal };

/** Whether a form may send its action: the program accepts it (with or without a health number). */
export function canSend(preview: Preview): boolean {
  return preview.status === "ok" || preview.status === "unpriced";
}

/** A form's action: its instructions and the health accounts the view after it likely needs. */
export interface PlannedAction {
  ixs: TransactionInstruction[];
  viewAccounts: AccountMeta[];
}

/**
 * Previews `plan` (rebuilt when `key` changes; a thrown Error is the form's validation
 * message) against the trader's account as it is now.
 */
export function usePreview(trader: Trader, key: string, plan: (() => Promise<PlannedAction>) | undefined): Preview {
  const { program, listing, config, symbols, feeds } = useExchange();
  const [preview, setPreview] = useState<Preview>({ status: "idle" });
  const shownKey = useRef("");
  const account = trader.account;
  useEffect(() => {
    if (!plan || !account) {
      setPreview({ status: "idle" });
      return;
    }
    let live = true;
    const timer = setTimeout(async () => {
      let planned: PlannedAction;
      try {
        planned = await plan();
      } catch (e) {
        if (live) setPreview({ status: "invalid", message: (e as Error).message });
        return;
      }
      // A new form shows "simulating"; the same form after an account change keeps its last answer until the new one.
      if (live && shownKey.current !== key) setPreview({ status: "simulating" });
      shownKey.current = key;
      try {
        const after = await healthAfter(program, trader.margin, trader.owner, listing, planned.ixs, planned.viewAccounts);
        if (live) setPreview({ status: "ok", after });
      } catch (e) {
        if (!live) return;
        const words = (err: unknown) => refusalOf(err, config.rpcUrl, symbols.get(0) ?? "quote", listing.account.quoteDecimals, feeds);
        if (e instanceof UnpricedAction) setPreview({ status: "unpriced", problem: words(e.refusal) });
        else setPreview({ status: "refused", refusal: words(e) });
      }
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // Rebuilt when the form (`key`) or the account changes; `plan` is a new closure every render.
  }, [key, account, program, trader.margin, trader.owner]);
  return preview;
}
