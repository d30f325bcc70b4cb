// Starts a fresh keel-localnet for the tests, as `anchor test` starts solana-test-validator: the
// binary built by cargo (KEEL_LOCALNET_BIN, else $CARGO_TARGET_DIR/debug/keel-localnet, else
// ~/.cache/keel/target/debug/keel-localnet) on a free pair of ports (HTTP P, websocket P + 1,
// where web3.js looks for it), waits until getHealth answers, and stops it afterwards.

import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

/** The keel-localnet binary the tests run. */
export function localnetBinary(): string {
  if (process.env.KEEL_LOCALNET_BIN) return process.env.KEEL_LOCALNET_BIN;
  const target = process.env.CARGO_TARGET_DIR ?? path.join(os.homedir(), ".cache", "keel", "target");
  return path.join(target, "debug", "keel-localnet");
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A port P such that P and P + 1 are free on 127.0.0.1 now. */
export async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    if ((await portFree(port)) && (await portFree(port + 1))) return port;
  }
  throw new Error("no free pair of ports found");
}

/** A running node. */
export interface Localnet {
  rpcUrl: string;
  wsUrl: string;
  /** Stops the node and waits for it to exit. */
  stop(): Promise<void>;
  /** Calls one of the node's JSON-RPC methods (the keel_* controls among them). */
  call<T = unknown>(method: string, params?: unknown[]): Promise<T>;
}

async function rpc<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: T; error?: { code: number; message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message} (${body.error.code})`);
  return body.result as T;
}

/** Starts a node with `args` (e.g. --slot-ms) and resolves once it answers getHealth. */
export async function startLocalnet(args: string[] = [], timeoutMs = 30_000): Promise<Localnet> {
  const binary = localnetBinary();
  if (!fs.existsSync(binary)) {
    throw new Error(`${binary} does not exist: build it with \`cargo build -p keel-localnet\``);
  }
  const port = await freePortPair();
  const rpcUrl = `http://127.0.0.1:${port}`;
  const wsUrl = `ws://127.0.0.1:${port + 1}`;
  const child: ChildProcess = spawn(binary, ["--rpc-port", String(port), "--ws-port", String(port + 1), ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "error" },
  });
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let running = true;
  child.once("exit", () => (running = false));

  const stop = async () => {
    if (running) child.kill("SIGINT");
    const killTimer = setTimeout(() => running && child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(killTimer);
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!running) throw new Error(`keel-localnet exited before it was ready:\n${output}`);
    try {
      if ((await rpc<string>(rpcUrl, "getHealth")) === "ok") break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`keel-localnet did not answer getHealth within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { rpcUrl, wsUrl, stop, call: (method, params) => rpc(rpcUrl, method, params) };
}
