// What went wrong, in words a trader can act on: wallet not connected or rejected, the RPC
// unreachable, the program's own error message (never a hex code) with the program's log line
// that explains it, and for a stale oracle or a paused market what still works.

import { KEEL_PROGRAM_ID, KeelError, keelErrorOf } from "@keel/client";
import { WalletError, WalletNotConnectedError } from "@solana/wallet-adapter-base";

/** A failure as shown to the user. */
export interface Problem {
  title: string;
  detail?: string;
  keelError?: KeelError;
}

const HINTS: Partial<Record<KeelError["name"], string>> = {
  OracleStale:
    "A price feed this action needs is stale. Deposits, cancels and reduce-only orders still work; risk-increasing actions wait for a fresh price.",
  MarketPaused: "The market is paused: only cancels, reduce-only trades, cranks and liquidations are possible.",
  ExchangePaused: "The exchange is paused: withdrawals and risk-increasing actions are refused; deposits and cancels still work.",
  AccountBeingLiquidated: "A liquidation is in progress: you may cancel orders and deposit until it ends.",
};

/**
 * Keel's own log lines in a transaction's logs (those written while Keel is the running
 * program, not SPL Token's or the ATA program's), without Anchor's instruction and error lines.
 */
export function programLogLines(logs: string[] | undefined, programId: string = KEEL_PROGRAM_ID.toBase58()): string[] {
  const stack: string[] = [];
  const lines: string[] = [];
  for (const line of logs ?? []) {
    const invoke = /^Program (\w+) invoke \[\d+\]$/.exec(line);
    if (invoke) stack.push(invoke[1]);
    else if (/^Program \w+ (success|failed)/.test(line)) stack.pop();
    else if (line.startsWith("Program log: ") && stack[stack.length - 1] === programId) {
      const text = line.slice("Program log: ".length);
      if (!text.startsWith("Instruction:") && !text.startsWith("AnchorError")) lines.push(text);
    }
  }
  return lines;
}

function logsOf(err: unknown): string[] | undefined {
  for (let e = err as { logs?: unknown; error?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    if (Array.isArray(e.logs)) return e.logs as string[];
    e = (e.error ?? e.cause) as typeof e;
  }
  return undefined;
}

function unwrap(err: unknown): unknown {
  const inner = (err as { error?: unknown })?.error;
  return err instanceof WalletError && inner ? inner : err;
}

/** Describes `err` from a send, a simulation or an RPC read against `rpcUrl`. */
export function describeError(err: unknown, rpcUrl: string): Problem {
  if (err instanceof WalletNotConnectedError) return { title: "No wallet is connected", detail: "Connect a wallet first." };
  const inner = unwrap(err);
  const keelError = keelErrorOf(inner) ?? keelErrorOf(err);
  if (keelError) {
    const lines = programLogLines(logsOf(err));
    const detail = [lines[lines.length - 1], HINTS[keelError.name]].filter(Boolean).join(" ");
    return { title: `The program refused: ${keelError.msg}`, detail: detail || undefined, keelError };
  }
  const message = (inner as Error)?.message ?? String(inner);
  if (err instanceof WalletError) {
    if (/reject|declin|denied|cancel/i.test(message)) return { title: "You rejected the request in your wallet" };
    return { title: `The wallet failed: ${message || err.name}` };
  }
  if (/failed to fetch|fetch failed|networkerror|ECONNREFUSED|unreachable/i.test(message)) {
    return { title: `The RPC at ${rpcUrl} is unreachable`, detail: "Is the node running? scripts/localnet.sh starts the local exchange." };
  }
  return { title: message };
}
