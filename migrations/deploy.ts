// Anchor's migrate entry: creates a Keel exchange and its insurance fund, lists its collateral
// assets, then its perp markets, from migrations/config/<cluster>.json (see
// migrations/config/README.md).
//
//   KEEL_CLUSTER=localnet anchor migrate          # the default cluster name is "localnet"
//   KEEL_CONFIG=path/to/config.json ...           # another config file than config/<cluster>.json
//   KEEL_CLUSTER=devnet   anchor migrate --provider.cluster devnet
//   ANCHOR_PROVIDER_URL=http://127.0.0.1:8899 ANCHOR_WALLET=<keypair> npm run migrate   # without anchor-cli (migrate.ts)
//
// `anchor migrate` (anchor-cli 1.2.2) writes .anchor/deploy.ts, which builds a provider from
// Anchor.toml ([provider] cluster and wallet), runs it with `<npm|yarn|pnpm> run ts-node` and
// calls the function exported here. The wallet is the exchange creator (the exchange is the PDA
// ["exchange", wallet]) and pays every rent; it is also the admin unless the config names
// another one (then KEEL_ADMIN_KEYPAIR must point at that admin's keypair file for listings).
//
// The script is idempotent: the exchange is created only when its PDA does not exist, the
// insurance fund only when its PDA ["insurance", exchange] does not exist (an existing fund gets
// `set_bounty_params` only when its bounty rule differs from the config's), an asset is listed
// only when its PDA ["asset", exchange, mint] does not exist, and the config's market i (index i)
// only when the exchange has fewer than i + 1 markets; a listed market must have the configured
// symbol. So a run that stopped half-way can simply be repeated. The config's shape (fields,
// the integer types of the program's arguments, from idl/keel.json) is validated before
// anything is sent, then the chain is read (program, exchange, mints, insurance fund, markets,
// oracles, admin, balance) before anything is sent. The program's parameter bounds are the
// program's alone: an instruction it refuses stops the run with the program's own error, named
// by @keel/client, and a rerun after fixing the config goes on from there.
//
// The config's types and validation are in config.ts (assets), config-markets.ts (perp
// markets), config-insurance.ts (insurance fund) and config-check.ts (shared); the PDAs, mints,
// account types (@keel/client's) and the admin's keypair file in accounts.ts; the assets' chain
// side in assets.ts, the perp markets' in markets.ts, the insurance fund's in insurance.ts.

import { AnchorProvider, Idl, Program } from "@anchor-lang/core";
import { AccountInfo, ConfirmOptions, Keypair, LAMPORTS_PER_SOL, PublicKey, SystemProgram } from "@solana/web3.js";
import { TOKEN_PROGRAM_ID } from "@solana/spl-token";
import { keelErrorOf } from "@keel/client";
import * as path from "path";
import idl from "../idl/keel.json";
import {
  CollateralAssetAccount,
  ExchangeAccount,
  createMint,
  exchangePda,
  fetchAccount,
  fetchExisting,
  loadKeypair,
} from "./accounts";
import { CREATE, DeployError, ORACLE_KINDS, loadConfig } from "./config";
import {
  bountyDifferences,
  createInsuranceFund,
  describeBounty,
  describeInsuranceFund,
  fixedDifferences,
  insuranceRent,
  planInsuranceFund,
  setBountyParams,
} from "./insurance";
import { describeMarkets, listMarket, marketDifferences, marketsRent, planMarkets } from "./markets";
import { assetDifferences, listAsset, planAssets } from "./assets";

/** RPC hosts accepted for the "localnet" config. */
const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "0.0.0.0", "::1", "[::1]"]);
/**
 * Confirmation of every transaction the script sends. The host's provider has Anchor's default
 * ("processed"); a deploy waits for "confirmed" before it goes on.
 */
const SEND_OPTIONS: ConfirmOptions = { commitment: "confirmed", preflightCommitment: "confirmed" };

function localHost(endpoint: string): boolean {
  try {
    return LOCAL_HOSTS.has(new URL(endpoint).hostname);
  } catch {
    return false;
  }
}

function log(line = ""): void {
  console.log(line);
}

/** The transaction being sent, for the error report ("" while reading). */
let step = "";

/** The deploy flow: validate the config, read the cluster, then create what is missing. */
async function deploy(provider: AnchorProvider): Promise<void> {
  const cluster = process.env.KEEL_CLUSTER ?? "localnet";
  const configFile = process.env.KEEL_CONFIG ? path.resolve(process.env.KEEL_CONFIG) : path.join(__dirname, "config", `${cluster}.json`);
  log(`== keel deploy: cluster "${cluster}", config ${path.relative(path.join(__dirname, ".."), configFile)}`);

  // 1. The config, validated before anything is read from or sent to the cluster.
  const config = loadConfig(configFile, cluster);
  const names = (items: { symbol: string }[]) => (items.length > 0 ? ` (${items.map((i) => i.symbol).join(", ")})` : "");
  log(`config ok: ${config.assets.length} assets${names(config.assets)}, ${config.markets.length} perp markets${names(config.markets)}`);

  const connection = provider.connection;
  const program = new Program(idl as Idl, provider);
  const programId = program.programId;
  const wallet = provider.wallet.publicKey;
  const endpoint = connection.rpcEndpoint;

  if (cluster === "localnet" && !localHost(endpoint)) {
    throw new DeployError(
      `KEEL_CLUSTER is "localnet" but the provider points at ${endpoint}: set KEEL_CLUSTER to the config of that cluster`,
    );
  }
  log(`rpc       ${endpoint}`);
  log(`program   ${programId.toBase58()}`);
  log(`wallet    ${wallet.toBase58()} (creator, payer)`);

  // 2. The cluster, read before anything is sent.
  let programAccount: AccountInfo<Buffer> | null;
  try {
    programAccount = await connection.getAccountInfo(programId);
  } catch (e) {
    const hint = cluster === "localnet" ? " (is a local node running? scripts/localnet.sh starts keel-localnet with the program and moving Pyth feeds; `anchor localnet` starts solana-test-validator with the program and the oracle fixtures)" : "";
    throw new DeployError(`cannot reach the RPC at ${endpoint}${hint}: ${(e as Error).message}`);
  }
  if (!programAccount) {
    throw new DeployError(`program ${programId.toBase58()} is not deployed on ${endpoint}: run \`anchor deploy\` first`);
  }
  if (!programAccount.executable) {
    throw new DeployError(`account ${programId.toBase58()} on ${endpoint} is not an executable program`);
  }
  const balance = await connection.getBalance(wallet);
  log(`balance   ${(balance / LAMPORTS_PER_SOL).toFixed(4)} SOL`);
  if (balance === 0) throw new DeployError(`the wallet ${wallet.toBase58()} has no SOL to pay rent and fees`);

  const exchange = exchangePda(programId, wallet);
  const existing = await fetchAccount<ExchangeAccount>(program, "exchange", exchange);
  const quote = config.assets[0];

  // Mints and assets (assets.ts).
  const plans = await planAssets(program, exchange, wallet, config.assets);

  // The exchange: its quote mint is assets[0]'s, its admin the config's (default: the wallet).
  let admin = config.admin ?? wallet;
  if (existing) {
    if (!existing.quoteMint.equals(plans[0].mint)) {
      throw new DeployError(
        `exchange ${exchange.toBase58()} exists with quote mint ${existing.quoteMint.toBase58()}, ` +
          `but the config's quote asset ${quote.symbol} is ${plans[0].mint.toBase58()}`,
      );
    }
    if (config.admin && !existing.admin.equals(config.admin)) {
      throw new DeployError(
        `exchange ${exchange.toBase58()} exists with admin ${existing.admin.toBase58()}, but the config names ${config.admin.toBase58()}`,
      );
    }
    admin = existing.admin;
  }

  // The insurance fund: created with the config's settings (or the defaults for the quote mint)
  // when it does not exist; an existing one gets the config's bounty rule.
  const quoteDecimals = plans[0].decimals;
  const insurance = await planInsuranceFund(program, exchange, config.insuranceFund, quoteDecimals);

  // Markets: config entry i is index i; the listed ones (below market_count) must match.
  const marketCount = existing?.marketCount ?? 0;
  const marketPlans = await planMarkets(program, exchange, marketCount, config.markets);
  const marketsToList = marketPlans.filter((p) => !p.listed);

  // Listings and the insurance fund's instructions need the admin's signature: the wallet, or
  // KEEL_ADMIN_KEYPAIR.
  const toList = plans.filter((p) => !p.listed);
  const listings = [...toList, ...marketsToList].map((p) => `list ${p.config.symbol}`);
  if (!insurance.existing) listings.unshift("create the insurance fund");
  if (insurance.updateBounty) listings.unshift("set the insurance fund's bounty rule");
  let adminSigner: Keypair | undefined;
  if (listings.length > 0 && !admin.equals(wallet)) {
    const keypairFile = process.env.KEEL_ADMIN_KEYPAIR;
    if (!keypairFile) {
      throw new DeployError(
        `the admin ${admin.toBase58()} is not the wallet: set KEEL_ADMIN_KEYPAIR to its keypair file to ${listings.join(", ")}`,
      );
    }
    adminSigner = loadKeypair(keypairFile);
    if (!adminSigner.publicKey.equals(admin)) {
      throw new DeployError(`KEEL_ADMIN_KEYPAIR holds ${adminSigner.publicKey.toBase58()}, not the admin ${admin.toBase58()}`);
    }
  }

  // Oracles of the assets and markets still to list must exist (the program checks owner,
  // layout, feed id).
  for (const { symbol, oracle } of [...toList, ...marketsToList].map((p) => p.config)) {
    if (oracle.kind === "Fixed") continue;
    const info = await connection.getAccountInfo(oracle.account);
    if (!info) {
      const hint =
        cluster === "localnet"
          ? " (keel-localnet publishes both feeds of localnet.json; for solana-test-validator use `anchor localnet`, which loads the fixtures of Anchor.toml's [[test.validator.account]], or pass them with --account)"
          : "";
      throw new DeployError(`${symbol}: oracle account ${oracle.account.toBase58()} does not exist on ${endpoint}${hint}`);
    }
  }
  // A market's rent (its PDA, order book and fill queue) is about 0.27 SOL, the insurance fund's
  // (its PDA and its vault) about 0.006 SOL: check them up front.
  const rent = (await marketsRent(program, marketsToList.length)) + (await insuranceRent(program, insurance));
  if (rent > balance) {
    const what = [
      ...(marketsToList.length > 0 ? [`listing ${marketsToList.length} perp markets`] : []),
      ...(insurance.existing ? [] : ["creating the insurance fund"]),
    ].join(" and ");
    throw new DeployError(
      `${what} needs ${(rent / LAMPORTS_PER_SOL).toFixed(4)} SOL of rent, ` +
        `the wallet ${wallet.toBase58()} has ${(balance / LAMPORTS_PER_SOL).toFixed(4)} SOL`,
    );
  }
  const counts = existing ? `(exists, ${existing.assetCount} assets and ${existing.marketCount} perp markets listed)` : "(to create)";
  log(`exchange  ${exchange.toBase58()} ${counts}`);
  if (marketCount > config.markets.length) {
    log(`  note: the exchange has ${marketCount} perp markets, the config names ${config.markets.length}: the others are left as they are`);
  }
  log(`admin     ${admin.toBase58()}${admin.equals(wallet) ? " (the wallet)" : ""}`);
  const fundState = insurance.existing ? (insurance.updateBounty ? "exists, bounty rule to update" : "exists") : "to create";
  log(`insurance ${insurance.fund.toBase58()} (${fundState})${insurance.fromDefaults ? ", settings: the defaults (the config has no insurance_fund)" : ""}`);
  log("");

  // 3. Mints ("create", localnet only).
  for (const plan of plans) {
    if (!plan.createMint) {
      log(`mint ${plan.config.symbol}: ${plan.mint.toBase58()}${plan.config.mint === CREATE ? " (created by an earlier run)" : ""}`);
      continue;
    }
    const { seed, decimals } = plan.createMint;
    step = `create mint ${plan.config.symbol}`;
    const signature = await createMint(provider, plan.mint, plan.createMint, SEND_OPTIONS);
    log(`mint ${plan.config.symbol}: created ${plan.mint.toBase58()} (${decimals} decimals, seed "${seed}", mint authority = wallet) tx ${signature}`);
  }

  // 4. The exchange.
  if (existing) {
    log(`initialize_exchange: skipped, ${exchange.toBase58()} exists`);
  } else {
    step = "initialize_exchange";
    const signature = await program.methods
      .initializeExchange(admin)
      .accountsPartial({
        creator: wallet,
        exchange,
        quoteMint: plans[0].mint,
        tokenProgram: TOKEN_PROGRAM_ID,
        systemProgram: SystemProgram.programId,
      })
      .rpc(SEND_OPTIONS);
    log(`initialize_exchange: ${exchange.toBase58()} (admin ${admin.toBase58()}, quote ${quote.symbol}) tx ${signature}`);
  }

  // 5. The insurance fund: created if missing; otherwise its bounty rule set if it differs.
  const signers = { wallet, admin, adminSigner };
  const fundSettings = insurance.config;
  if (!insurance.existing) {
    step = "create_insurance_fund";
    const signature = await createInsuranceFund(program, exchange, plans[0].mint, insurance, signers, SEND_OPTIONS);
    log(
      `create_insurance_fund: ${insurance.fund.toBase58()} (vault ${insurance.vault.toBase58()}, withdraw limit ` +
        `${fundSettings.withdraw_limit_bps} bps per ${fundSettings.withdraw_period_secs} s, bounty ${describeBounty(fundSettings.bounty, quoteDecimals)}) tx ${signature}`,
    );
  } else {
    log(`create_insurance_fund: skipped, ${insurance.fund.toBase58()} exists`);
    for (const line of fixedDifferences(insurance)) log(`  warning: ${line}`);
    if (insurance.updateBounty) {
      const changes = bountyDifferences(fundSettings.bounty, insurance.existing.bounty);
      step = "set_bounty_params";
      const signature = await setBountyParams(program, exchange, insurance, signers, SEND_OPTIONS);
      log(`set_bounty_params: ${changes.join(", ")} tx ${signature}`);
    } else {
      log("set_bounty_params: skipped, the bounty rule on chain is the config's");
    }
  }

  // 6. The assets, in config order (the quote asset first).
  for (const plan of plans) {
    const { symbol, oracle } = plan.config;
    if (plan.listed) {
      const onChain = await fetchExisting<CollateralAssetAccount>(program, "collateralAsset", plan.asset);
      log(`list_asset ${symbol}: skipped, ${plan.asset.toBase58()} exists (index ${onChain.index})`);
      for (const line of assetDifferences(plan.config, onChain)) log(`  warning: ${line}`);
      continue;
    }
    step = `list_asset ${symbol}`;
    const signature = await listAsset(program, exchange, plan, signers, SEND_OPTIONS);
    const oracleAccount = oracle.kind === "Fixed" ? null : oracle.account;
    log(`list_asset ${symbol}: ${plan.asset.toBase58()} (${oracle.kind}${oracleAccount ? ` ${oracleAccount.toBase58()}` : ""}) tx ${signature}`);
  }

  // 7. The perp markets, in index order (config order): each with its order book and fill queue.
  for (const plan of marketPlans) {
    const { symbol, oracle } = plan.config;
    if (plan.listed) {
      log(`list_perp_market ${symbol}: skipped, market ${plan.index} ${plan.market.toBase58()} exists`);
      for (const line of marketDifferences(plan.config, plan.listed)) log(`  warning: ${line}`);
      continue;
    }
    step = `list_perp_market ${symbol}`;
    const { signature, orderBook, fillQueue } = await listMarket(program, exchange, plan, signers, SEND_OPTIONS);
    log(
      `list_perp_market ${symbol}: market ${plan.index} ${plan.market.toBase58()} (book ${orderBook.toBase58()}, ` +
        `queue ${fillQueue.toBase58()}, ${oracle.kind} ${oracle.account.toBase58()}) tx ${signature}`,
    );
  }

  // 8. The resulting addresses, as the chain has them.
  step = "";
  const final = await fetchExisting<ExchangeAccount>(program, "exchange", exchange);
  log("");
  log(`== keel on ${cluster}`);
  log(`program   ${programId.toBase58()}`);
  log(`exchange  ${exchange.toBase58()}`);
  log(`creator   ${final.creator.toBase58()}`);
  log(`admin     ${final.admin.toBase58()}`);
  log(`quote     ${final.quoteMint.toBase58()} (${quote.symbol})`);
  log(`assets    ${final.assetCount}`);
  for (const plan of plans) {
    const a = await fetchExisting<CollateralAssetAccount>(program, "collateralAsset", plan.asset);
    const oracle = a.oracle.equals(PublicKey.default) ? "-" : a.oracle.toBase58();
    log(`  #${a.index} ${plan.config.symbol.padEnd(6)} mint ${a.mint.toBase58()}`);
    log(`     asset ${plan.asset.toBase58()}  vault ${a.vault.toBase58()}  oracle ${oracle} (${ORACLE_KINDS[a.oracleKind] ?? a.oracleKind})`);
  }
  log(`markets   ${final.marketCount}`);
  for (const line of await describeMarkets(program, marketPlans)) log(line);
  log(`insurance`);
  for (const line of await describeInsuranceFund(program, insurance)) log(line);
}

/**
 * Anchor's migrate entry, called with the provider of .anchor/deploy.ts: runs the deploy; on
 * failure prints the error (and the program logs) and sets a non-zero exit code.
 */
module.exports = async function (provider: AnchorProvider): Promise<void> {
  step = "";
  try {
    await deploy(provider);
  } catch (e) {
    const err = e as Error & { logs?: string[] };
    const refused = keelErrorOf(e);
    if (refused && step) {
      console.error(`\nkeel deploy failed: ${step} was refused by the program: ${refused.name} (${refused.code}): ${refused.msg}`);
      console.error("the transactions before it have landed; fix the config and run the deploy again to go on from here");
    } else {
      console.error(`\nkeel deploy failed${step ? ` at ${step}` : ""}: ${err.message}`);
    }
    if (Array.isArray(err.logs) && err.logs.length > 0) console.error(`program logs:\n  ${err.logs.join("\n  ")}`);
    process.exitCode = 1;
    throw e;
  }
};
