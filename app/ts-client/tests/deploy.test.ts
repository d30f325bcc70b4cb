// migrations/deploy.ts against the keel-localnet tests/hooks.ts started (and ran deploy.ts on):
// the exchange it created from migrations/config/localnet.json, a rerun that sends nothing, and
// a listing the program refuses, reported by its error, after which a rerun goes on.

import { AnchorProvider, Program, Wallet } from "@anchor-lang/core";
import { Keypair, LAMPORTS_PER_SOL, PublicKey } from "@solana/web3.js";
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ExchangeListing, KEEL_ERRORS, Keel, MarketWithKeys, accountSize, exchangePda, fetchListing, fetchMarketKeys, keelErrorOf, keelProgram } from "../src";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const deploy: (provider: AnchorProvider) => Promise<void> = require("../../../migrations/deploy");

describe("migrations/deploy.ts", () => {
  let provider: AnchorProvider;
  let program: Program<Keel>;
  let listing: ExchangeListing;
  let solPerp: MarketWithKeys;

  before(async () => {
    provider = AnchorProvider.env();
    program = keelProgram(provider);
    const exchange: PublicKey = exchangePda(provider.wallet.publicKey);
    listing = await fetchListing(program, exchange);
    solPerp = await fetchMarketKeys(program, exchange, 0);
  });

  it("deploy.ts created the exchange, its assets and markets from migrations/config/localnet.json", async () => {
    expect(listing.account.admin.toBase58()).to.equal(provider.wallet.publicKey.toBase58());
    expect(listing.account.assetCount).to.equal(3);
    expect(listing.account.marketCount).to.equal(2);
    expect(listing.assets.map((a) => a.asset.index)).to.deep.equal([0, 1, 2]);
    expect(listing.assets.map((a) => a.asset.decimals)).to.deep.equal([6, 9, 8]);
    const [usdc, sol] = listing.assets;
    expect(usdc.asset.oracleKind).to.equal(0);
    expect(sol.asset.oracle.toBase58()).to.equal("7UVimffxr9ow1uXYxsr4LHAcV58mLzhmwaeKvJ1pjLiE");
    expect([sol.asset.initAssetWeightBps, sol.asset.maintAssetWeightBps]).to.deep.equal([8000, 9000]);
    const symbols = listing.markets.map((m) => Buffer.from(m.market.symbol).toString("utf8").replace(/\0+$/, ""));
    expect(symbols).to.deep.equal(["SOL-PERP", "BTC-PERP"]);
    expect(solPerp.account.baseLotSize.toNumber()).to.equal(10_000_000);
    expect(solPerp.account.initMarginBps).to.equal(1000);
    // The IDL's layout is the program's: the sizes README.md lists.
    expect(accountSize("marginAccount")).to.equal(4856);
    expect(accountSize("orderBook")).to.equal(20_608);
  });

  it("deploy.ts run again sends nothing: every step is skipped", async () => {
    const lines: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => lines.push(args.join(" "));
    try {
      await deploy(provider);
    } finally {
      console.log = log;
    }
    const steps = lines.filter((l) => /^(initialize_exchange|create_insurance_fund|set_bounty_params|list_asset|list_perp_market)/.test(l));
    expect(steps).to.have.length(8);
    for (const step of steps) expect(step).to.match(/: skipped/);
    expect(lines.some((l) => / tx [1-9A-HJ-NP-Za-km-z]{64,}/.test(l))).to.equal(false);
  });

  it("deploy.ts leaves the bounds to the program, reports a refused listing by its error, and a rerun goes on", async () => {
    // Another creator, so another exchange.
    const creator = Keypair.generate();
    const sig = await provider.connection.requestAirdrop(creator.publicKey, 100 * LAMPORTS_PER_SOL);
    await provider.connection.confirmTransaction({ signature: sig, ...(await provider.connection.getLatestBlockhash()) }, "confirmed");
    const other = new AnchorProvider(provider.connection, new Wallet(creator), { commitment: "confirmed", preflightCommitment: "confirmed" });
    const good = JSON.parse(fs.readFileSync(path.join(__dirname, "../../../migrations/config/localnet.json"), "utf8"));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-deploy-"));
    const out: string[] = [];
    const [log, error] = [console.log, console.error];
    console.log = console.error = (...args: unknown[]) => out.push(args.join(" "));
    /** Runs deploy.ts with `config`; the program error it stopped with. */
    const refusedBy = async (config: unknown) => {
      const file = path.join(dir, "localnet.json");
      fs.writeFileSync(file, JSON.stringify(config));
      process.env.KEEL_CONFIG = file;
      let err: unknown;
      await deploy(other).catch((e: unknown) => (err = e));
      delete process.env.KEEL_CONFIG;
      return keelErrorOf(err)?.name;
    };
    try {
      // A bound only the program checks (init asset weight above maint)...
      const weights = structuredClone(good);
      weights.assets[1].params.init_asset_weight_bps = 9_500;
      expect(await refusedBy(weights)).to.equal("InvalidAssetWeights");
      const { code, msg } = KEEL_ERRORS.InvalidAssetWeights;
      expect(out.join("\n")).to.contain(`list_asset SOL was refused by the program: InvalidAssetWeights (${code}): ${msg}`);
      const halfway = await program.account.exchange.fetch(exchangePda(creator.publicKey));
      expect([halfway.assetCount, halfway.marketCount]).to.deep.equal([1, 0]);
      // ... and an oracle whose feed is not the configured one.
      const feed = structuredClone(good);
      feed.assets[1].oracle.feed_id = "11".repeat(32);
      expect(await refusedBy(feed)).to.equal("OracleFeedMismatch");
      out.length = 0;
      await deploy(other);
    } finally {
      delete process.env.KEEL_CONFIG;
      [console.log, console.error] = [log, error];
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(out).to.include("initialize_exchange: skipped, " + exchangePda(creator.publicKey).toBase58() + " exists");
    expect(out.some((l) => l.startsWith("list_asset SOL: ") && !l.includes("skipped"))).to.equal(true);
    const done = await program.account.exchange.fetch(exchangePda(creator.publicKey));
    expect([done.assetCount, done.marketCount]).to.deep.equal([3, 2]);
  });

  it("deploy.ts refuses one feed bound to two oracle accounts before reading the cluster", async () => {
    const config = JSON.parse(fs.readFileSync(path.join(__dirname, "../../../migrations/config/localnet.json"), "utf8"));
    config.markets[0].oracle.account = Keypair.generate().publicKey.toBase58();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-deploy-"));
    const file = path.join(dir, "localnet.json");
    fs.writeFileSync(file, JSON.stringify(config));
    const [log, error] = [console.log, console.error];
    console.log = console.error = () => {};
    let err: Error | undefined;
    process.env.KEEL_CONFIG = file;
    try {
      await deploy(provider).catch((e: Error) => (err = e));
    } finally {
      delete process.env.KEEL_CONFIG;
      [console.log, console.error] = [log, error];
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(err?.name).to.equal("ConfigError");
    expect(err?.message).to.contain("markets (SOL-PERP).oracle.account");
    expect(err?.message).to.contain(`is already bound to ${config.assets[1].oracle.account} by assets (SOL): bind each feed to one account`);
  });
});
