// The deploy config, migrations/config/<cluster>.json (see migrations/config/README.md): its
// types and loading with validation of its shape (fields, JSON types, the integer types of the
// program's arguments; the program checks its own bounds when the deploy sends them). The perp
// markets' section is in config-markets.ts, the insurance fund's in config-insurance.ts, the
// validation toolkit in config-check.ts. Pure: nothing here reads from or sends to a cluster.

import { PublicKey } from "@solana/web3.js";
import * as fs from "fs";
import * as path from "path";
import {
  Checker,
  Json,
  JsonObject,
  LIQUIDATION_KEYS,
  LiquidationFees,
  ORACLE_GUARD_KEYS,
  OracleGuard,
  assertIdlFields,
  isObject,
} from "./config-check";
import { BOUNTY_KEYS, InsuranceFundConfig, checkInsuranceFund } from "./config-insurance";
import { MARKET_PARAM_KEYS, MarketConfig, checkMarket } from "./config-markets";

/** The name "create" in a config's `mint` field: make a fresh SPL mint (localnet only). */
export const CREATE = "create";

/** The program's `OracleKind` variants, as named in the config. */
export type OracleKindName = "Fixed" | "PythPull" | "PythLegacy";
/** The `OracleKind` variants in the program's order (the index is the on-chain discriminant). */
export const ORACLE_KINDS: readonly OracleKindName[] = ["Fixed", "PythPull", "PythLegacy"];

/** `AssetParams` of the program, field for field (snake_case as in the Rust struct). */
export interface AssetParams extends OracleGuard, LiquidationFees {
  init_asset_weight_bps: number;
  maint_asset_weight_bps: number;
  init_liab_weight_bps: number;
  maint_liab_weight_bps: number;
  deposit_cap: bigint;
  /** The asset's bank: rate curve, interest fee, utilisation cap, net-borrow limit (the
   * program checks the bounds, `BankParams::validate`). */
  bank: BankParams;
}

/** `BankParams` of the program, field for field. */
export interface BankParams {
  base_rate_bps: number;
  optimal_utilization_bps: number;
  optimal_rate_bps: number;
  max_rate_bps: number;
  interest_fee_bps: number;
  max_utilization_bps: number;
  net_borrow_window_secs: number;
  net_borrow_limit: bigint;
}

/** The keys of `BankParams`, in the program's order. */
export const BANK_KEYS = [
  "base_rate_bps",
  "optimal_utilization_bps",
  "optimal_rate_bps",
  "max_rate_bps",
  "interest_fee_bps",
  "max_utilization_bps",
  "net_borrow_window_secs",
  "net_borrow_limit",
] as const;

/** An asset's price source: fixed (the quote asset), a Pyth pull feed, or a Pyth legacy account. */
export type OracleConfig =
  | { kind: "Fixed" }
  | { kind: "PythPull"; account: PublicKey; feedId: Buffer }
  | { kind: "PythLegacy"; account: PublicKey };

/** One validated entry of the config's `assets`. */
export interface AssetConfig {
  symbol: string;
  /** An existing mint, or "create". */
  mint: PublicKey | typeof CREATE;
  /** Required with "create"; checked against the mint otherwise. */
  decimals?: number;
  oracle: OracleConfig;
  params: AssetParams;
}

/** A validated config file. */
export interface DeployConfig {
  cluster: string;
  admin?: PublicKey;
  assets: AssetConfig[];
  /** The perp markets, in index order (market i gets index i); empty if the file has none. */
  markets: MarketConfig[];
  /**
   * The insurance fund's settings; undefined if the file has no `insurance_fund` section (the
   * deploy then uses `defaultInsuranceFund` of config-insurance.ts for the quote mint).
   */
  insuranceFund?: InsuranceFundConfig;
}

/** A config that fails validation: every problem, one per line. */
export class ConfigError extends Error {
  constructor(file: string, problems: string[]) {
    super(`${file} is invalid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** A state of the config file or the cluster that the script refuses to work with. */
export class DeployError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeployError";
  }
}

const TOP_KEYS = ["cluster", "admin", "assets", "markets", "insurance_fund"] as const;
const ASSET_KEYS = ["symbol", "mint", "decimals", "oracle", "params"] as const;
const ORACLE_KEYS = ["kind", "account", "feed_id"] as const;
const PARAM_KEYS = [
  "init_asset_weight_bps",
  "maint_asset_weight_bps",
  "init_liab_weight_bps",
  "maint_liab_weight_bps",
  "deposit_cap",
  ...ORACLE_GUARD_KEYS,
  ...LIQUIDATION_KEYS,
  "bank",
] as const;

/**
 * Reads and validates the config file of `cluster`: throws a DeployError if the file does not
 * exist, a ConfigError listing every problem if it is invalid.
 */
export function loadConfig(file: string, cluster: string): DeployConfig {
  assertIdlFields("AssetParams", PARAM_KEYS);
  assertIdlFields("BankParams", BANK_KEYS);
  assertIdlFields("PerpMarketParams", MARKET_PARAM_KEYS);
  assertIdlFields("BountyParams", BOUNTY_KEYS);
  const shown = path.relative(process.cwd(), file) || file;
  if (!fs.existsSync(file)) {
    throw new DeployError(`no config for cluster "${cluster}": ${file} does not exist (set KEEL_CLUSTER, see migrations/config/README.md)`);
  }
  let root: Json;
  try {
    root = JSON.parse(fs.readFileSync(file, "utf8")) as Json;
  } catch (e) {
    throw new ConfigError(shown, [`not valid JSON: ${(e as Error).message}`]);
  }
  const c = new Checker();
  if (!isObject(root)) throw new ConfigError(shown, ["the file must hold a JSON object"]);
  c.onlyKeys(root, TOP_KEYS, "config");

  const fileCluster = c.string(root, "cluster", "config");
  if (fileCluster !== undefined && fileCluster !== cluster) {
    c.problem("config.cluster", `is "${fileCluster}" but KEEL_CLUSTER is "${cluster}"`);
  }
  const admin = c.pubkey(root, "admin", "config", true);

  const assets: AssetConfig[] = [];
  const rawAssets = root["assets"];
  if (!Array.isArray(rawAssets) || rawAssets.length === 0) {
    c.problem("config.assets", "expected a non-empty array (the quote asset first)");
  } else {
    rawAssets.forEach((raw, i) => {
      const asset = checkAsset(c, raw, i, cluster);
      if (asset) assets.push(asset);
    });
    const symbols = new Map<string, number>();
    const mints = new Map<string, number>();
    rawAssets.forEach((raw, i) => {
      if (!isObject(raw)) return;
      const symbol = raw["symbol"];
      const mint = raw["mint"];
      if (typeof symbol === "string") {
        const key = symbol.toLowerCase();
        if (symbols.has(key)) c.problem(`assets[${i}].symbol`, `"${symbol}" is also used by assets[${symbols.get(key)}]`);
        else symbols.set(key, i);
      }
      if (typeof mint === "string" && mint !== CREATE) {
        if (mints.has(mint)) c.problem(`assets[${i}].mint`, `${mint} is also used by assets[${mints.get(mint)}]`);
        else mints.set(mint, i);
      }
    });
  }

  // Perp markets (optional): listed in file order, so market i gets index i.
  const markets: MarketConfig[] = [];
  const rawMarkets = root["markets"];
  if (rawMarkets !== undefined && !Array.isArray(rawMarkets)) {
    c.problem("config.markets", `expected an array of perp markets (in index order), got ${JSON.stringify(rawMarkets)}`);
  } else if (rawMarkets !== undefined) {
    const symbols = new Map<string, number>();
    rawMarkets.forEach((raw, i) => {
      if (!isObject(raw)) {
        c.problem(`markets[${i}]`, "expected an object");
        return;
      }
      const market = checkMarket(c, raw, i);
      if (market) markets.push(market);
      const symbol = raw["symbol"];
      if (typeof symbol === "string") {
        const key = symbol.toLowerCase();
        if (symbols.has(key)) c.problem(`markets[${i}].symbol`, `"${symbol}" is also used by markets[${symbols.get(key)}]`);
        else symbols.set(key, i);
      }
    });
  }

  // One oracle account per Pyth feed: a health list prices the listings of one oracle account
  // by one observation, so one feed under two accounts (two push shards) could be priced at two.
  const feedAccounts = new Map<string, { account: string; where: string }>();
  const bound = [
    ...assets.map((a) => ({ oracle: a.oracle, where: `assets (${a.symbol})` })),
    ...markets.map((m) => ({ oracle: m.oracle, where: `markets (${m.symbol})` })),
  ];
  for (const { oracle, where } of bound) {
    if (oracle.kind !== "PythPull") continue;
    const feed = oracle.feedId.toString("hex");
    const account = oracle.account.toBase58();
    const first = feedAccounts.get(feed);
    if (!first) feedAccounts.set(feed, { account, where });
    else if (first.account !== account) {
      c.problem(`${where}.oracle.account`, `feed ${feed} is already bound to ${first.account} by ${first.where}: bind each feed to one account`);
    }
  }

  // Insurance fund (optional): created with these settings, or the defaults.
  let insuranceFund: InsuranceFundConfig | undefined;
  if (root["insurance_fund"] !== undefined) {
    const rawFund = c.object(root, "insurance_fund", "config");
    if (rawFund) insuranceFund = checkInsuranceFund(c, rawFund, "insurance_fund");
  }
  if (c.problems.length > 0) throw new ConfigError(shown, c.problems);
  return { cluster, admin, assets, markets, insuranceFund };
}

function checkAsset(c: Checker, raw: Json, i: number, cluster: string): AssetConfig | undefined {
  if (!isObject(raw)) {
    c.problem(`assets[${i}]`, "expected an object");
    return undefined;
  }
  const before = c.problems.length;
  const symbol = c.string(raw, "symbol", `assets[${i}]`);
  const where = symbol ? `assets[${i}] (${symbol})` : `assets[${i}]`;
  c.onlyKeys(raw, ASSET_KEYS, where);
  if (symbol !== undefined && !/^[A-Za-z0-9_-]{1,16}$/.test(symbol)) {
    c.problem(`${where}.symbol`, "expected 1 to 16 characters among A-Z a-z 0-9 _ -");
  }

  // Mint: an address, or "create" (localnet only).
  let mint: PublicKey | typeof CREATE | undefined;
  const mintText = c.string(raw, "mint", where);
  if (mintText === CREATE) {
    if (cluster !== "localnet") {
      c.problem(`${where}.mint`, `"create" makes a throw-away test mint and is refused on cluster "${cluster}": give the address of the real mint`);
    } else {
      mint = CREATE;
    }
  } else if (mintText !== undefined) {
    mint = c.parsePubkey(mintText, `${where}.mint`);
  }
  let decimals: number | undefined;
  if (raw["decimals"] !== undefined || mintText === CREATE) {
    decimals = c.integer(raw, "decimals", where, 0, 255, "the mint's decimals");
  }

  // Oracle: the quote asset first with a fixed price and no account, then Pyth assets.
  let oracle: OracleConfig | undefined;
  const rawOracle = c.object(raw, "oracle", where);
  if (rawOracle) {
    const ow = `${where}.oracle`;
    c.onlyKeys(rawOracle, ORACLE_KEYS, ow);
    const kind = c.string(rawOracle, "kind", ow);
    if (kind !== undefined && !(ORACLE_KINDS as readonly string[]).includes(kind)) {
      c.problem(`${ow}.kind`, `"${kind}" is not one of ${ORACLE_KINDS.join(", ")}`);
    } else if (kind === "Fixed") {
      if (i !== 0) c.problem(`${ow}.kind`, "Fixed is for the quote asset only, which must be assets[0]");
      if (rawOracle["account"] !== undefined) c.problem(`${ow}.account`, "must be absent for Fixed (the quote asset has no oracle)");
      if (rawOracle["feed_id"] !== undefined) c.problem(`${ow}.feed_id`, "must be absent for Fixed");
      oracle = { kind: "Fixed" };
    } else if (kind !== undefined) {
      if (i === 0) c.problem(`${ow}.kind`, `assets[0] is the quote asset and must be Fixed, not ${kind}`);
      const account = c.pubkey(rawOracle, "account", ow);
      if (kind === "PythPull") {
        const feedId = c.feedId(rawOracle, "feed_id", ow);
        if (account && feedId) oracle = { kind: "PythPull", account, feedId };
      } else {
        if (rawOracle["feed_id"] !== undefined) c.problem(`${ow}.feed_id`, "must be absent for PythLegacy (the price account is the feed)");
        if (account) oracle = { kind: "PythLegacy", account };
      }
    }
  }

  const rawParams = c.object(raw, "params", where);
  const params = rawParams ? checkParams(c, rawParams, `${where}.params`) : undefined;

  if (c.problems.length > before || !symbol || !mint || !oracle || !params) return undefined;
  return { symbol, mint, decimals, oracle, params };
}

/** The `AssetParams` argument of `list_asset`: every field, each of its IDL integer type. */
function checkParams(c: Checker, raw: JsonObject, where: string): AssetParams | undefined {
  c.onlyKeys(raw, PARAM_KEYS, where);
  const before = c.problems.length;
  const weight = "bps, 10000 = 1.0";
  const initAsset = c.idlNumber(raw, "init_asset_weight_bps", where, "AssetParams", weight);
  const maintAsset = c.idlNumber(raw, "maint_asset_weight_bps", where, "AssetParams", weight);
  const initLiab = c.idlNumber(raw, "init_liab_weight_bps", where, "AssetParams", weight);
  const maintLiab = c.idlNumber(raw, "maint_liab_weight_bps", where, "AssetParams", weight);
  const cap = c.idlBig(raw, "deposit_cap", where, "AssetParams", "native units of the mint");
  const guard = c.oracleGuard(raw, where, "AssetParams");
  const liquidation = c.liquidationFees(raw, where, "AssetParams");
  const bank = checkBank(c, c.object(raw, "bank", where), `${where}.bank`);
  if (
    c.problems.length > before ||
    bank === undefined ||
    initAsset === undefined ||
    maintAsset === undefined ||
    initLiab === undefined ||
    maintLiab === undefined ||
    cap === undefined ||
    guard === undefined ||
    liquidation === undefined
  ) {
    return undefined;
  }
  return {
    init_asset_weight_bps: initAsset,
    maint_asset_weight_bps: maintAsset,
    init_liab_weight_bps: initLiab,
    maint_liab_weight_bps: maintLiab,
    deposit_cap: cap,
    ...guard,
    ...liquidation,
    bank,
  };
}

/** The `BankParams` of an asset: every field, each of its IDL integer type. */
function checkBank(c: Checker, raw: JsonObject | undefined, where: string): BankParams | undefined {
  if (!raw) return undefined;
  c.onlyKeys(raw, BANK_KEYS, where);
  const before = c.problems.length;
  const n = (key: string, unit: string) => c.idlNumber(raw, key, where, "BankParams", unit);
  const bank = {
    base_rate_bps: n("base_rate_bps", "bps per year at zero utilisation"),
    optimal_utilization_bps: n("optimal_utilization_bps", "bps, the kink"),
    optimal_rate_bps: n("optimal_rate_bps", "bps per year at the kink"),
    max_rate_bps: n("max_rate_bps", "bps per year at full utilisation"),
    interest_fee_bps: n("interest_fee_bps", "bps of interest to the insurance fund"),
    max_utilization_bps: n("max_utilization_bps", "bps, the withdrawal cap"),
    net_borrow_window_secs: n("net_borrow_window_secs", "seconds"),
    net_borrow_limit: c.idlBig(raw, "net_borrow_limit", where, "BankParams", "native units per window"),
  };
  if (c.problems.length > before || Object.values(bank).some((v) => v === undefined)) return undefined;
  return bank as BankParams;
}
