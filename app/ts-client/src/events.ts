// Keel's events from transaction logs: the TypeScript twin of `keel_client::events`. Anchor's
// own EventParser reads only `Program data:` lines; a node that runs Keel natively
// (keel-localnet) logs them as `Program log: Program data:`, so both prefixes are read here.

import { Program } from "@anchor-lang/core";
import { Keel } from "./generated/keel";

/** The log prefixes an event's base64 follows: a real validator's, and a native builtin's. */
const DATA_PREFIXES = ["Program data: ", "Program log: Program data: "];

/** One decoded event: its IDL name (camelCase, as the generated client names it) and fields. */
export interface KeelEvent {
  name: string;
  // The generated interfaces (types.ts) describe each event's data by name.
  data: unknown;
}

/** Every Keel event in `logs`, in log order; lines that are not events are skipped. */
export function eventsOf(program: Program<Keel>, logs: readonly string[]): KeelEvent[] {
  const events: KeelEvent[] = [];
  for (const line of logs) {
    const prefix = DATA_PREFIXES.find((p) => line.startsWith(p));
    if (!prefix) continue;
    const decoded = program.coder.events.decode(line.slice(prefix.length));
    if (decoded) events.push({ name: decoded.name, data: decoded.data });
  }
  return events;
}
