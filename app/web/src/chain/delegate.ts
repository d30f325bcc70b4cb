// The account's delegate: `set_delegate` (owner only) sets a key that may deposit and trade but
// never withdraw, with the farthest from the oracle its fills may lie and the most its orders
// may cost per period; the default key clears it. The bounds a form offers are the program's
// own, read from its error message for limits out of bounds (KEEL_ERRORS, from the IDL), so
// the defaults are values the program accepts; the program still decides (the form's preview
// simulates the instruction and shows its refusal).

import { BN, Program } from "@anchor-lang/core";
import { PublicKey, TransactionInstruction } from "@solana/web3.js";
import { KEEL_ERRORS, Keel } from "@keel/client";

/** What the program accepts for a delegate's limits, inclusive ranges. */
export interface DelegateBounds {
  slippageBps: [number, number];
  periodSecs: [number, number];
}

/** A delegate and its limits as `set_delegate` takes them. */
export interface DelegateSettings {
  delegate: PublicKey;
  maxSlippageBps: number;
  /** Quote native units per period. */
  lossLimit: bigint;
  periodSecs: number;
}

/** The key that means "no delegate". */
export const NO_DELEGATE = PublicKey.default;

const BOUNDS = /slippage (\d+)\.\.=(\d+) bps, period (\d+)\.\.=(\d+) s/;

/** The bounds in the program's message for out-of-bounds limits, if it states them. */
export function delegateBounds(message: string = KEEL_ERRORS.InvalidDelegateLimits.msg): DelegateBounds | undefined {
  const m = BOUNDS.exec(message);
  if (!m) return undefined;
  const [lo, hi, periodLo, periodHi] = m.slice(1).map(Number);
  return { slippageBps: [lo, hi], periodSecs: [periodLo, periodHi] };
}

const clamp = (value: number, [lo, hi]: [number, number]) => Math.min(hi, Math.max(lo, value));

/** A form's starting values: 1 % slippage and a day's period, moved inside the program's bounds; a loss limit of 100 quote tokens. */
export function delegateDefaults(bounds: DelegateBounds | undefined, quoteDecimals: number): { slippageBps: number; periodSecs: number; lossLimit: bigint } {
  return {
    slippageBps: bounds ? clamp(100, bounds.slippageBps) : 100,
    periodSecs: bounds ? clamp(86_400, bounds.periodSecs) : 86_400,
    lossLimit: 100n * 10n ** BigInt(quoteDecimals),
  };
}

/** `set_delegate` for `marginAccount`, signed by its owner. */
export function setDelegateIx(program: Program<Keel>, owner: PublicKey, marginAccount: PublicKey, settings: DelegateSettings): Promise<TransactionInstruction> {
  return program.methods
    .setDelegate({
      delegate: settings.delegate,
      maxSlippageBps: settings.maxSlippageBps,
      lossLimit: new BN(settings.lossLimit.toString()),
      periodSecs: settings.periodSecs,
    })
    .accountsPartial({ owner, marginAccount })
    .instruction();
}

/** `set_delegate` with the default key: no delegate (the limits are then ignored by the program). */
export function clearDelegateIx(program: Program<Keel>, owner: PublicKey, marginAccount: PublicKey): Promise<TransactionInstruction> {
  return setDelegateIx(program, owner, marginAccount, { delegate: NO_DELEGATE, maxSlippageBps: 0, lossLimit: 0n, periodSecs: 0 });
}
