// What went wrong, in words a trader can act on: wallet not connected or rejected, the RPC
// unreachable, the program's own error message (never a hex code) with the program's log line
// that explains it, and for a failing price feed (named) or a paused market what still works.

import { KEEL_PROGRAM_ID, KeelError, keelErrorOf } from "@keel/client";
import { WalletError, WalletNotConnectedError } from "@solana/wallet-adapter-base";

/** A failure as shown to the user. */
export interface Problem {
  title: string;
  detail?: string;
  keelError?: KeelError;
}

/** What still works while a price feed fails its guards (the program's rules, in words). */
export const PRICE_FAILURE_HINT =
  "While it fails: deposits into balances the account already holds and cancels still work; its market takes no orders (not even reduce-only); " +
  "an account whose health needs the price cannot withdraw or add risk, and trades elsewhere only by IOC or market orders that reduce a position.";

const HINTS: Partial<Record<KeelError["name"], string>> = {
  MarketPaused: "The market is paused: only cancels, reduce-only trades, cranks and liquidations are possible.",
  ExchangePaused: "The exchange is paused: withdrawals and risk-increasing orders are refused; deposits, cancels and reduce-only orders still work.",
  AccountBeingLiquidated: "A liquidation is in progress: you may cancel orders and deposit until it ends.",
  InvalidDelegateLimits: "Choose limits inside the bounds the program logged.",
  DelegateLimitsUnset: "Set the delegate again with its limits.",
  WithdrawRequiresOwner: "Connect the owner's wallet to withdraw.",
};

/** The program's errors for a price that fails its guards (the account's identity is fine). */
export const PRICE_ERRORS: ReadonlySet<string> = new Set([
  "OracleStale",
  "OracleConfidenceTooWide",
  "OracleNonPositivePrice",
  "OracleNotTrading",
  "OracleFromTheFuture",
  "OracleExponentOutOfRange",
]);

/** A price the program refused, from its log line "oracle <key>: OracleStale (price … published P now N)". */
export interface FailedPrice {
  oracle: string;
  error: string;
  publishTime?: number;
  /** The program's clock (unix seconds) when it read the price. */
  now?: number;
}

const ORACLE_LINE = /^oracle (\w+): (Oracle\w+) \(price -?\d+ conf \d+ expo -?\d+ published (-?\d+) now (-?\d+)\)/;

/** The failed price the program logged, if `lines` (Keel's own log lines) hold one. */
export function failedPriceOf(lines: string[]): FailedPrice | undefined {
  for (const line of lines) {
    const m = ORACLE_LINE.exec(line);
    if (m) return { oracle: m[1], error: m[2], publishTime: Number(m[3]), now: Number(m[4]) };
  }
  return undefined;
}

/** Names of the price feeds of an exchange by oracle address (base58): "SOL price feed (7UVimf…LiE)". */
export type FeedNames = ReadonlyMap<string, string>;

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

/** The program's words for a failed price, naming the feed and what still works. */
function priceDetail(lines: string[], names: FeedNames | undefined): string | undefined {
  const failed = failedPriceOf(lines);
  if (!failed) return undefined;
  const feed = names?.get(failed.oracle) ?? `the oracle ${failed.oracle}`;
  const age =
    failed.error === "OracleStale" && failed.publishTime !== undefined && failed.now !== undefined
      ? `: last published ${failed.now - failed.publishTime} s before the program's clock`
      : ` (${failed.error})`;
  const text = `${feed}${age}.`;
  return `${text.charAt(0).toUpperCase()}${text.slice(1)} ${PRICE_FAILURE_HINT}`;
}

/** Describes `err` from a send, a simulation or an RPC read against `rpcUrl`; `names` name the price feeds. */
export function describeError(err: unknown, rpcUrl: string, names?: FeedNames): Problem {
  if (err instanceof WalletNotConnectedError) return { title: "No wallet is connected", detail: "Connect a wallet first." };
  const inner = unwrap(err);
  const keelError = keelErrorOf(inner) ?? keelErrorOf(err);
  if (keelError) {
    const lines = programLogLines(logsOf(err));
    if (PRICE_ERRORS.has(keelError.name)) {
      const detail = priceDetail(lines, names) ?? PRICE_FAILURE_HINT;
      return { title: `The program refused: ${keelError.msg}`, detail, keelError };
    }
    const sentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);
    const detail = [lines[lines.length - 1], HINTS[keelError.name]].filter((t): t is string => !!t).map(sentence).join(" ");
    return { title: `The program refused: ${keelError.msg}`, detail: detail || undefined, keelError };
  }
  const message = (inner as Error)?.message ?? String(inner);
  if (err instanceof WalletError) {
    if (/reject|declin|denied|cancel/i.test(message)) return { title: "You rejected the request in your wallet", detail: "Nothing was sent." };
    return { title: `The wallet failed: ${message || err.name}` };
  }
  if (isUnreachable(message)) {
    return { title: `The RPC at ${rpcUrl} is unreachable`, detail: "Is the node running? scripts/localnet.sh starts the local exchange." };
  }
  return { title: message };
}

/** True for the ways fetch and web3.js say the endpoint did not answer. */
export function isUnreachable(message: string): boolean {
  return /failed to fetch|fetch failed|networkerror|ECONNREFUSED|unreachable|Load failed/i.test(message);
}
