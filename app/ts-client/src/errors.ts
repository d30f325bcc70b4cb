// The program's errors from a failed transaction: by Anchor's error log when the program wrote
// one, else by the custom error code in the runtime's "failed: custom program error" line or in
// the transaction error itself, mapped to its name and message by the generated error table.

import { AnchorError } from "@anchor-lang/core";
import { PublicKey, SendTransactionError } from "@solana/web3.js";
import { KEEL_ERRORS, KeelErrorName } from "./generated/errors";
import { KEEL_PROGRAM_ID } from "./program";

/** One of the program's errors. */
export interface KeelError {
  name: KeelErrorName;
  code: number;
  msg: string;
}

const BY_CODE = new Map<number, KeelError>(
  Object.entries(KEEL_ERRORS).map(([name, e]) => [e.code, { name: name as KeelErrorName, code: e.code, msg: e.msg }]),
);

/** The error with custom code `code`, if it is one of Keel's. */
export function keelErrorByCode(code: number): KeelError | undefined {
  return BY_CODE.get(code);
}

/** Keel's error in a failed transaction's logs: the program's "failed: custom program error: 0x…" line. */
export function keelErrorFromLogs(logs: string[], programId: PublicKey = KEEL_PROGRAM_ID): KeelError | undefined {
  const anchor = AnchorError.parse(logs);
  if (anchor) return keelErrorByCode(anchor.error.errorCode.number);
  const prefix = `Program ${programId.toBase58()} failed: custom program error: `;
  for (const line of logs) {
    if (line.startsWith(prefix)) return keelErrorByCode(parseInt(line.slice(prefix.length), 16));
  }
  return undefined;
}

/**
 * Keel's error in whatever a send or simulation threw: an AnchorError, a SendTransactionError
 * (its logs), or an error whose message carries "custom program error: 0x…".
 */
export function keelErrorOf(err: unknown, programId: PublicKey = KEEL_PROGRAM_ID): KeelError | undefined {
  if (err instanceof AnchorError) return keelErrorByCode(err.error.errorCode.number);
  const logs = (err as { logs?: unknown })?.logs;
  if (Array.isArray(logs)) {
    const found = keelErrorFromLogs(logs as string[], programId);
    if (found) return found;
  }
  if (err instanceof SendTransactionError && Array.isArray(err.logs)) return keelErrorFromLogs(err.logs, programId);
  const message = (err as Error)?.message ?? "";
  const match = /custom program error: (0x[0-9a-f]+)/i.exec(message);
  return match ? keelErrorByCode(parseInt(match[1], 16)) : undefined;
}
