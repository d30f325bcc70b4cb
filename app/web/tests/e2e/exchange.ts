// A fresh local exchange for the browser tests: keel-localnet on free ports (app/ts-client's
// test helper), mints made by the node's faucet (keel_createMint, so the burner wallet can get
// test tokens through keel_mintTo), migrations/deploy.ts run with a copy of
// migrations/config/localnet.json naming those mints, and the built app served by `vite preview`.

import { AnchorProvider, Program, Wallet } from "@anchor-lang/core";
import { Connection, Keypair, LAMPORTS_PER_SOL, PublicKey } from "@solana/web3.js";
import { ChildProcess, execFile, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { IDL, Keel, exchangePda } from "../../../ts-client/src";
import { Localnet, freePortPair, startLocalnet } from "../../../ts-client/tests/localnet";

const ROOT = path.resolve(__dirname, "../../../..");
const WEB = path.resolve(__dirname, "../..");

/** The exchange of a test run. */
export interface TestExchange {
  localnet: Localnet;
  admin: Keypair;
  exchange: PublicKey;
  /** Mints by config symbol (USDC, SOL, BTC). */
  mints: Record<string, PublicKey>;
  dir: string;
  /** A program on a connection of the test process, signing with `wallet`. */
  program(wallet: Keypair): Program<Keel>;
  stop(): Promise<void>;
}

/** Starts a node, makes faucet mints and deploys the exchange on it. */
export async function startExchange(): Promise<TestExchange> {
  const localnet = await startLocalnet(["--slot-ms", "200"]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-web-e2e-"));
  const admin = Keypair.generate();
  const walletFile = path.join(dir, "wallet.json");
  fs.writeFileSync(walletFile, JSON.stringify(Array.from(admin.secretKey)));
  const connection = new Connection(localnet.rpcUrl, "confirmed");
  const airdrop = await connection.requestAirdrop(admin.publicKey, 1_000 * LAMPORTS_PER_SOL);
  await connection.confirmTransaction({ signature: airdrop, ...(await connection.getLatestBlockhash()) }, "confirmed");

  const config = JSON.parse(fs.readFileSync(path.join(ROOT, "migrations/config/localnet.json"), "utf8")) as {
    assets: { symbol: string; mint: string; decimals: number }[];
  };
  const mints: Record<string, PublicKey> = {};
  for (const asset of config.assets) {
    asset.mint = await localnet.call<string>("keel_createMint", [asset.decimals]);
    mints[asset.symbol] = new PublicKey(asset.mint);
  }
  const configFile = path.join(dir, "localnet.json");
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
  try {
    await promisify(execFile)(process.execPath, ["-r", "ts-node/register/transpile-only", "migrations/migrate.ts"], {
      cwd: ROOT,
      env: { ...process.env, ANCHOR_PROVIDER_URL: localnet.rpcUrl, ANCHOR_WALLET: walletFile, KEEL_CLUSTER: "localnet", KEEL_CONFIG: configFile },
    });
  } catch (e) {
    await localnet.stop();
    const out = e as { stdout?: string; stderr?: string };
    throw new Error(`deploy failed:\n${out.stdout ?? ""}\n${out.stderr ?? ""}`);
  }
  return {
    localnet,
    admin,
    exchange: exchangePda(admin.publicKey),
    mints,
    dir,
    program: (wallet) => new Program<Keel>(IDL, new AnchorProvider(connection, new Wallet(wallet), { commitment: "confirmed" })),
    stop: async () => {
      await localnet.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The built app (dist/) served by `vite preview` on a free port. */
export async function serveApp(): Promise<{ url: string; stop(): Promise<void> }> {
  if (!fs.existsSync(path.join(WEB, "dist/index.html"))) throw new Error("app/web/dist is missing: run `npx vite build` in app/web first");
  const port = await freePortPair();
  const vite = path.join(ROOT, "node_modules/vite/bin/vite.js");
  const child: ChildProcess = spawn(process.execPath, [vite, "preview", "--port", String(port), "--strictPort", "--host", "127.0.0.1"], { cwd: WEB, stdio: "ignore" });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(url)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`vite preview did not answer at ${url}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    stop: async () => {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
