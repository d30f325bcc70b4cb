// The keeper (app/keeper's keel-keeper, beside the keel-localnet binary) liquidating on the test
// exchange, with a keypair whose margin account 0 holds its collateral.

import { Keypair } from "@solana/web3.js";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { localnetBinary } from "../../../ts-client/tests/localnet";
import { TestExchange } from "./exchange";

/** Starts keel-keeper for `ex` signing with `keypair`; its output is kept for a failure report. */
export async function startKeeper(ex: TestExchange, keypair: Keypair): Promise<{ output(): string; stop(): Promise<void> }> {
  const binary = process.env.KEEL_KEEPER_BIN ?? path.join(path.dirname(localnetBinary()), "keel-keeper");
  if (!fs.existsSync(binary)) throw new Error(`${binary} does not exist: build it with \`cargo build -p keel-keeper\``);
  const keyFile = path.join(ex.dir, "keeper.json");
  fs.writeFileSync(keyFile, JSON.stringify(Array.from(keypair.secretKey)));
  const child: ChildProcess = spawn(
    binary,
    ["--rpc-url", ex.localnet.rpcUrl, "--ws-url", ex.localnet.wsUrl, "--exchange", ex.exchange.toBase58(), "--keypair", keyFile],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, RUST_LOG: process.env.KEEL_KEEPER_LOG ?? "keel_keeper=info" } },
  );
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  let running = true;
  const exited = new Promise<void>((resolve) => child.once("exit", () => ((running = false), resolve())));
  return {
    output: () => output,
    stop: async () => {
      if (running) child.kill("SIGTERM");
      const timer = setTimeout(() => running && child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
