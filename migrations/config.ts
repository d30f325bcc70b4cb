// The deploy config, migrations/config/<cluster>.json (see migrations/config/README.md): its
// types, the bounds of the risk parameters, and loading with validation. Pure: nothing here
// reads from or sends to a cluster, so a bad config fails before anything is sent.

import { PublicKey } from "@solana/web3.js";
import * as fs from "fs";
import * as path from "path";

// ---------------------------------------------------------------------------------------------
// Bounds of the risk parameters.
//
// These mirror the program's own checks, `AssetParams::validate` in
// programs/keel/src/instructions/risk/asset_params.rs (weights, MAX_LIAB_WEIGHT_BPS) and
// `OracleConfig::is_valid` in programs/keel/src/oracle/guard.rs (MAX_ORACLE_AGE_SECS,
// MAX_ORACLE_CONF_BPS, MAX_CONF_MULTIPLIER_BPS). The program remains the authority: they are
// repeated here only so that a bad config fails with a readable message before anything is
// sent. Keep them in step when the program's bounds change.
// ---------------------------------------------------------------------------------------------
const BPS_PER_UNIT = 10_000;
const MAX_LIAB_WEIGHT_BPS = 20_000;
const MAX_ORACLE_AGE_SECS = 3_600;
const MAX_ORACLE_CONF_BPS = 2_000;
const MAX_CONF_MULTIPLIER_BPS = 50_000;
const U64_MAX = (1n << 64n) - 1n;

/** The name "create" in a config's `mint` field: make a fresh SPL mint (localnet only). */
export const CREATE = "create";

/** The program's `OracleKind` variants, as named in the config. */
export type OracleKindName = "Fixed" | "PythPull" | "PythLegacy";
/** The `OracleKind` variants in the program's order (the index is the on-chain discriminant). */
export const ORACLE_KINDS: readonly OracleKindName[] = ["Fixed", "PythPull", "PythLegacy"];

/** `AssetParams` of the program, field for field (snake_case as in the Rust struct). */
export interface AssetParams {
  init_asset_weight_bps: number;
  maint_asset_weight_bps: number;
  init_liab_weight_bps: number;
  maint_liab_weight_bps: number;
  deposit_cap: bigint;
  oracle_max_age_secs: number;
  oracle_max_conf_bps: number;
  oracle_conf_multiplier_bps: number;
}

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

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Collects problems with their location, e.g. `assets[1] (SOL).params.deposit_cap`. */
class Checker {
  readonly problems: string[] = [];

  problem(where: string, message: string): void {
    this.problems.push(`${where}: ${message}`);
  }

  /** Reports the keys of `obj` that are not in `known` (a typo otherwise goes unnoticed). */
  onlyKeys(obj: JsonObject, known: readonly string[], where: string): void {
    for (const key of Object.keys(obj)) {
      if (!known.includes(key)) this.problem(`${where}.${key}`, `unknown field (expected one of: ${known.join(", ")})`);
    }
  }

  object(obj: JsonObject, key: string, where: string): JsonObject | undefined {
    const value = obj[key];
    if (value === undefined) return this.missing(`${where}.${key}`, "an object");
    if (!isObject(value)) return this.wrong(`${where}.${key}`, "an object", value);
    return value;
  }

  string(obj: JsonObject, key: string, where: string, optional = false): string | undefined {
    const value = obj[key];
    if (value === undefined || (optional && value === null)) return optional ? undefined : this.missing(`${where}.${key}`, "a string");
    if (typeof value !== "string" || value.length === 0) return this.wrong(`${where}.${key}`, "a non-empty string", value);
    return value;
  }

  pubkey(obj: JsonObject, key: string, where: string, optional = false): PublicKey | undefined {
    const text = this.string(obj, key, where, optional);
    if (text === undefined) return undefined;
    return this.parsePubkey(text, `${where}.${key}`);
  }

  parsePubkey(text: string, where: string): PublicKey | undefined {
    try {
      if (/^[1-9A-HJ-NP-Za-km-z]{32,44}$/.test(text)) return new PublicKey(text);
    } catch {
      // reported below
    }
    this.problem(where, `"${text}" is not a base58 public key`);
    return undefined;
  }

  /** An integer in [min, max] (`unit` only for the message). */
  integer(obj: JsonObject, key: string, where: string, min: number, max: number, unit: string): number | undefined {
    const value = obj[key];
    const range = `an integer in ${min}..=${max}${unit ? ` (${unit})` : ""}`;
    if (value === undefined) return this.missing(`${where}.${key}`, range);
    if (typeof value !== "number" || !Number.isInteger(value)) return this.wrong(`${where}.${key}`, range, value);
    if (value < min || value > max) {
      this.problem(`${where}.${key}`, `${value} is out of range: expected ${range}`);
      return undefined;
    }
    return value;
  }

  /** A u64: a safe-integer number or a decimal string (for values above 2^53). */
  u64(obj: JsonObject, key: string, where: string, unit: string): bigint | undefined {
    const value = obj[key];
    const expected = `an integer in 0..=${U64_MAX} (${unit}), as a number or a decimal string`;
    if (value === undefined) return this.missing(`${where}.${key}`, expected);
    let parsed: bigint | undefined;
    if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) parsed = BigInt(value);
    else if (typeof value === "string" && /^[0-9]+$/.test(value)) parsed = BigInt(value);
    else if (typeof value === "number" && Number.isInteger(value) && value > Number.MAX_SAFE_INTEGER) {
      this.problem(`${where}.${key}`, `${value} is above 2^53 and loses precision in JSON: write it as a string`);
      return undefined;
    }
    if (parsed === undefined) return this.wrong(`${where}.${key}`, expected, value);
    if (parsed > U64_MAX) {
      this.problem(`${where}.${key}`, `${parsed} does not fit in a u64`);
      return undefined;
    }
    return parsed;
  }

  private missing(where: string, expected: string): undefined {
    this.problem(where, `missing (expected ${expected})`);
    return undefined;
  }

  private wrong(where: string, expected: string, value: Json): undefined {
    this.problem(where, `expected ${expected}, got ${JSON.stringify(value)}`);
    return undefined;
  }
}

const TOP_KEYS = ["cluster", "admin", "assets"] as const;
const ASSET_KEYS = ["symbol", "mint", "decimals", "oracle", "params"] as const;
const ORACLE_KEYS = ["kind", "account", "feed_id"] as const;
const PARAM_KEYS = [
  "init_asset_weight_bps",
  "maint_asset_weight_bps",
  "init_liab_weight_bps",
  "maint_liab_weight_bps",
  "deposit_cap",
  "oracle_max_age_secs",
  "oracle_max_conf_bps",
  "oracle_conf_multiplier_bps",
] as const;

/**
 * Reads and validates the config file of `cluster`: throws a DeployError if the file does not
 * exist, a ConfigError listing every problem if it is invalid.
 */
export function loadConfig(file: string, cluster: string): DeployConfig {
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
  if (c.problems.length > 0) throw new ConfigError(shown, c.problems);
  return { cluster, admin, assets };
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
        const hex = c.string(rawOracle, "feed_id", ow);
        let feedId: Buffer | undefined;
        if (hex !== undefined) {
          const digits = hex.startsWith("0x") ? hex.slice(2) : hex;
          if (/^[0-9a-fA-F]{64}$/.test(digits)) feedId = Buffer.from(digits, "hex");
          else c.problem(`${ow}.feed_id`, `expected 64 hex digits (32 bytes, optional 0x), got "${hex}"`);
        }
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

/** The bounds of `AssetParams::validate` (see the note at the top of this file). */
function checkParams(c: Checker, raw: JsonObject, where: string): AssetParams | undefined {
  c.onlyKeys(raw, PARAM_KEYS, where);
  const before = c.problems.length;
  const initAsset = c.integer(raw, "init_asset_weight_bps", where, 1, BPS_PER_UNIT, "bps, 10000 = 1.0");
  const maintAsset = c.integer(raw, "maint_asset_weight_bps", where, 1, BPS_PER_UNIT, "bps, 10000 = 1.0");
  const initLiab = c.integer(raw, "init_liab_weight_bps", where, BPS_PER_UNIT, MAX_LIAB_WEIGHT_BPS, "bps, 10000 = 1.0");
  const maintLiab = c.integer(raw, "maint_liab_weight_bps", where, BPS_PER_UNIT, MAX_LIAB_WEIGHT_BPS, "bps, 10000 = 1.0");
  const cap = c.u64(raw, "deposit_cap", where, "native units of the mint");
  const maxAge = c.integer(raw, "oracle_max_age_secs", where, 1, MAX_ORACLE_AGE_SECS, "seconds");
  const maxConf = c.integer(raw, "oracle_max_conf_bps", where, 1, MAX_ORACLE_CONF_BPS, "bps of the price");
  const k = c.integer(raw, "oracle_conf_multiplier_bps", where, 0, MAX_CONF_MULTIPLIER_BPS, "bps, 10000 = k of 1");
  if (initAsset !== undefined && maintAsset !== undefined && initAsset > maintAsset) {
    c.problem(where, `asset weights need 0 < init ≤ maint ≤ ${BPS_PER_UNIT}: init_asset_weight_bps ${initAsset} > maint_asset_weight_bps ${maintAsset}`);
  }
  if (initLiab !== undefined && maintLiab !== undefined && maintLiab > initLiab) {
    c.problem(where, `liability weights need ${BPS_PER_UNIT} ≤ maint ≤ init ≤ ${MAX_LIAB_WEIGHT_BPS}: maint_liab_weight_bps ${maintLiab} > init_liab_weight_bps ${initLiab}`);
  }
  if (
    c.problems.length > before ||
    initAsset === undefined ||
    maintAsset === undefined ||
    initLiab === undefined ||
    maintLiab === undefined ||
    cap === undefined ||
    maxAge === undefined ||
    maxConf === undefined ||
    k === undefined
  ) {
    return undefined;
  }
  return {
    init_asset_weight_bps: initAsset,
    maint_asset_weight_bps: maintAsset,
    init_liab_weight_bps: initLiab,
    maint_liab_weight_bps: maintLiab,
    deposit_cap: cap,
    oracle_max_age_secs: maxAge,
    oracle_max_conf_bps: maxConf,
    oracle_conf_multiplier_bps: k,
  };
}
