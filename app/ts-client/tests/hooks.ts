// Mocha root hooks: one fresh keel-localnet for the test run, bootstrapped by the real deploy
// path (migrations/deploy.ts with migrations/config/localnet.json), and Anchor's environment
// provider pointed at it (ANCHOR_PROVIDER_URL, ANCHOR_WALLET), as `anchor test` sets them up.

import { AnchorProvider, setProvider } from "@anchor-lang/core";
import { Keypair, LAMPORTS_PER_SOL } from "@solana/web3.js";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Localnet, startLocalnet } from "./localnet";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const deploy: (provider: AnchorProvider) => Promise<void> = require("../../../migrations/deploy");

/** The node of this run (set by the root hook). */
export let localnet: Localnet;

let walletDir: string | undefined;

export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    this.timeout(120_000);
    const started = Date.now();
    localnet = await startLocalnet(["--slot-ms", "100"]);
    walletDir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-ts-tests-"));
    const wallet = Keypair.generate();
    const walletFile = path.join(walletDir, "wallet.json");
    fs.writeFileSync(walletFile, JSON.stringify(Array.from(wallet.secretKey)));
    process.env.ANCHOR_PROVIDER_URL = localnet.rpcUrl;
    process.env.ANCHOR_WALLET = walletFile;
    const provider = AnchorProvider.env();
    setProvider(provider);
    const airdrop = await provider.connection.requestAirdrop(wallet.publicKey, 1_000 * LAMPORTS_PER_SOL);
    const { blockhash, lastValidBlockHeight } = await provider.connection.getLatestBlockhash();
    await provider.connection.confirmTransaction({ signature: airdrop, blockhash, lastValidBlockHeight }, "confirmed");
    const log = console.log;
    const lines: string[] = [];
    console.log = (...args: unknown[]) => lines.push(args.join(" "));
    try {
      await deploy(provider);
    } catch (e) {
      log(lines.join("\n"));
      throw e;
    } finally {
      console.log = log;
    }
    const listed = lines.filter((l) => /^(initialize_exchange|create_insurance_fund|list_asset|list_perp_market)/.test(l)).length;
    log(`  keel-localnet at ${localnet.rpcUrl}, deploy.ts ran ${listed} admin transactions (${Date.now() - started} ms)`);
  },
  async afterAll(): Promise<void> {
    await localnet?.stop();
    if (walletDir) fs.rmSync(walletDir, { recursive: true, force: true });
  },
};
