// Where the dApp points: the RPC endpoint (query `?rpc=`, env VITE_RPC_URL, default the local
// node at http://127.0.0.1:8899), its websocket (`?ws=`, VITE_WS_URL, default the HTTP port
// + 1, where keel-localnet and web3.js put it), and the exchange (`?exchange=` or
// VITE_KEEL_EXCHANGE; or `?creator=` / VITE_KEEL_CREATOR, the exchange being the PDA
// ["exchange", creator]; or, when neither is given, the only exchange the program holds).

import { PublicKey } from "@solana/web3.js";
import { exchangePda } from "@keel/client";

/** The dApp's endpoints and exchange. */
export interface AppConfig {
  rpcUrl: string;
  wsUrl: string;
  /** The exchange, when the URL or the build named it (else found on chain). */
  exchange?: PublicKey;
  /** True for a node on this machine: the burner wallet and the test-token faucet are offered. */
  localnet: boolean;
  /** Least time between two health simulations triggered by oracle updates, ms. */
  healthRefreshMs: number;
}

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "0.0.0.0", "[::1]"]);

/** The websocket URL web3.js and keel-localnet use for an HTTP endpoint: same host, port + 1. */
export function defaultWsUrl(rpcUrl: string): string {
  const url = new URL(rpcUrl);
  const secure = url.protocol === "https:";
  url.protocol = secure ? "wss:" : "ws:";
  if (url.port) url.port = String(Number(url.port) + 1);
  return url.toString().replace(/\/$/, "");
}

function key(what: string, text: string): PublicKey {
  try {
    return new PublicKey(text);
  } catch {
    throw new Error(`${what} "${text}" is not a base58 public key`);
  }
}

/** The configuration of this page: its query string over the build's env over the defaults. */
export function readConfig(search: string = window.location.search, env: Record<string, string | undefined> = import.meta.env): AppConfig {
  const query = new URLSearchParams(search);
  const pick = (param: string, name: string) => query.get(param) ?? env[name] ?? undefined;
  const rpcUrl = pick("rpc", "VITE_RPC_URL") ?? "http://127.0.0.1:8899";
  const wsUrl = pick("ws", "VITE_WS_URL") ?? defaultWsUrl(rpcUrl);
  const exchangeText = pick("exchange", "VITE_KEEL_EXCHANGE");
  const creatorText = pick("creator", "VITE_KEEL_CREATOR");
  const exchange = exchangeText
    ? key("exchange", exchangeText)
    : creatorText
      ? exchangePda(key("creator", creatorText))
      : undefined;
  const refresh = Number(pick("healthRefreshMs", "VITE_HEALTH_REFRESH_MS") ?? 2_000);
  return {
    rpcUrl,
    wsUrl,
    exchange,
    localnet: LOCAL_HOSTS.has(new URL(rpcUrl).hostname),
    healthRefreshMs: Number.isFinite(refresh) && refresh >= 0 ? refresh : 2_000,
  };
}
