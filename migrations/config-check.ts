// The toolkit the config's sections (config.ts: assets; config-markets.ts: perp markets) are
// validated with: the JSON types, a Checker that collects every problem with its location, and
// the bounds both sections share. Pure: nothing here reads from or sends to a cluster.

import { PublicKey } from "@solana/web3.js";

// ---------------------------------------------------------------------------------------------
// Bounds shared by assets and markets.
//
// These mirror the program's `BPS_PER_UNIT` (programs/keel/src/math) and `OracleConfig::is_valid`
// in programs/keel/src/oracle/guard.rs (MAX_ORACLE_AGE_SECS, MAX_ORACLE_CONF_BPS,
// MAX_CONF_MULTIPLIER_BPS). The program remains the authority: they are repeated here only so
// that a bad config fails with a readable message before anything is sent. Keep them in step
// when the program's bounds change.
// ---------------------------------------------------------------------------------------------
export const BPS_PER_UNIT = 10_000;
const MAX_ORACLE_AGE_SECS = 3_600;
const MAX_ORACLE_CONF_BPS = 2_000;
const MAX_CONF_MULTIPLIER_BPS = 50_000;
const U64_MAX = (1n << 64n) - 1n;
const I64_MAX = (1n << 63n) - 1n;

/** The oracle guard fields of `AssetParams` and `PerpMarketParams` (`OracleConfig`). */
export const ORACLE_GUARD_KEYS = ["oracle_max_age_secs", "oracle_max_conf_bps", "oracle_conf_multiplier_bps"] as const;

/** The oracle guard of an asset or a market, as validated. */
export interface OracleGuard {
  oracle_max_age_secs: number;
  oracle_max_conf_bps: number;
  oracle_conf_multiplier_bps: number;
}

/**
 * The liquidation fields of `AssetParams` and `PerpMarketParams`, in the Rust structs' order
 * (after the oracle guard).
 */
export const LIQUIDATION_KEYS = ["liquidation_fee_bps", "liquidation_penalty_bps"] as const;

/**
 * The liquidation charges of an asset or a market, as validated: the liquidator's discount and
 * the penalty paid into the insurance fund, both bps of the oracle value. Each section bounds
 * their sum (config.ts: by the asset's maint weight; config-markets.ts: by the maint margin).
 */
export interface LiquidationFees {
  liquidation_fee_bps: number;
  liquidation_penalty_bps: number;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Collects problems with their location, e.g. `assets[1] (SOL).params.deposit_cap`. */
export class Checker {
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

  /** A Pyth feed id: 64 hex digits (32 bytes), `0x` optional. */
  feedId(obj: JsonObject, key: string, where: string): Buffer | undefined {
    const hex = this.string(obj, key, where);
    if (hex === undefined) return undefined;
    const digits = hex.startsWith("0x") ? hex.slice(2) : hex;
    if (/^[0-9a-fA-F]{64}$/.test(digits)) return Buffer.from(digits, "hex");
    this.problem(`${where}.${key}`, `expected 64 hex digits (32 bytes, optional 0x), got "${hex}"`);
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
    return this.bigInteger(obj, key, where, 0n, U64_MAX, "a u64", unit);
  }

  /** An i64 of at least `min` (positive here): a safe-integer number or a decimal string. */
  i64(obj: JsonObject, key: string, where: string, min: bigint, unit: string): bigint | undefined {
    return this.bigInteger(obj, key, where, min, I64_MAX, "an i64", unit);
  }

  /** The oracle guard of `OracleConfig::is_valid`, in the `params` object `raw`. */
  oracleGuard(raw: JsonObject, where: string): OracleGuard | undefined {
    const maxAge = this.integer(raw, "oracle_max_age_secs", where, 1, MAX_ORACLE_AGE_SECS, "seconds");
    const maxConf = this.integer(raw, "oracle_max_conf_bps", where, 1, MAX_ORACLE_CONF_BPS, "bps of the price");
    const k = this.integer(raw, "oracle_conf_multiplier_bps", where, 0, MAX_CONF_MULTIPLIER_BPS, "bps, 10000 = k of 1");
    if (maxAge === undefined || maxConf === undefined || k === undefined) return undefined;
    return { oracle_max_age_secs: maxAge, oracle_max_conf_bps: maxConf, oracle_conf_multiplier_bps: k };
  }

  /**
   * The liquidation fee and penalty in the `params` object `raw` (u16 each in the program; the
   * sections bound their sum, which keeps each below 10 000).
   */
  liquidationFees(raw: JsonObject, where: string): LiquidationFees | undefined {
    const fee = this.integer(raw, "liquidation_fee_bps", where, 0, BPS_PER_UNIT, "bps of the oracle value, the liquidator's discount");
    const penalty = this.integer(raw, "liquidation_penalty_bps", where, 0, BPS_PER_UNIT, "bps of the oracle value, paid into the insurance fund");
    if (fee === undefined || penalty === undefined) return undefined;
    return { liquidation_fee_bps: fee, liquidation_penalty_bps: penalty };
  }

  private bigInteger(obj: JsonObject, key: string, where: string, min: bigint, max: bigint, type: string, unit: string): bigint | undefined {
    const value = obj[key];
    const expected = `an integer in ${min}..=${max} (${unit}), as a number or a decimal string`;
    if (value === undefined) return this.missing(`${where}.${key}`, expected);
    let parsed: bigint | undefined;
    if (typeof value === "number" && Number.isSafeInteger(value)) parsed = BigInt(value);
    else if (typeof value === "string" && /^-?[0-9]+$/.test(value)) parsed = BigInt(value);
    else if (typeof value === "number" && Number.isInteger(value) && Math.abs(value) > Number.MAX_SAFE_INTEGER) {
      this.problem(`${where}.${key}`, `${value} is beyond 2^53 and loses precision in JSON: write it as a string`);
      return undefined;
    }
    if (parsed === undefined) return this.wrong(`${where}.${key}`, expected, value);
    if (parsed > max) {
      this.problem(`${where}.${key}`, `${parsed} does not fit in ${type}`);
      return undefined;
    }
    if (parsed < min) {
      this.problem(`${where}.${key}`, `${parsed} is out of range: expected ${expected}`);
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
