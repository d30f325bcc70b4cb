// Keel's events as they land, for every component that wants them through one logs
// subscription per connection (logsSubscribe `mentions` the program, through web3.js's onLogs),
// decoded by @keel/client's `eventsOf`. Failed transactions' events are not delivered.

import { Program } from "@anchor-lang/core";
import { Connection } from "@solana/web3.js";
import { Keel, KeelEvent, eventsOf } from "@keel/client";
import { useEffect, useRef } from "react";

/** Receives the events of one landed transaction, in log order. */
export type EventListener = (events: KeelEvent[], signature: string) => void;

interface Hub {
  id: number;
  listeners: Set<EventListener>;
}

const hubs = new WeakMap<Connection, Hub>();

/** Calls `listener` with the events of every landed Keel transaction; returns the unsubscribe. */
export function onKeelEvents(connection: Connection, program: Program<Keel>, listener: EventListener): () => void {
  let hub = hubs.get(connection);
  if (!hub) {
    const listeners = new Set<EventListener>();
    const id = connection.onLogs(
      program.programId,
      ({ err, logs, signature }) => {
        if (err) return;
        const events = eventsOf(program, logs);
        if (events.length > 0) for (const l of [...listeners]) l(events, signature);
      },
      "confirmed",
    );
    hub = { id, listeners };
    hubs.set(connection, hub);
  }
  const current = hub;
  current.listeners.add(listener);
  return () => {
    current.listeners.delete(listener);
    if (current.listeners.size === 0 && hubs.get(connection) === current) {
      hubs.delete(connection);
      void connection.removeOnLogsListener(current.id);
    }
  };
}

/**
 * `listener` (the latest one rendered) for every landed Keel transaction while mounted: one
 * subscription for the component's life, so no event falls in a resubscription gap.
 */
export function useKeelEvents(connection: Connection, program: Program<Keel>, listener: EventListener): void {
  const latest = useRef(listener);
  latest.current = listener;
  // Decoding needs only the IDL's coder: the program of the first render serves for good.
  const decoder = useRef(program);
  useEffect(() => onKeelEvents(connection, decoder.current, (events, signature) => latest.current(events, signature)), [connection]);
}
