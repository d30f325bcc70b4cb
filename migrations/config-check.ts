// The toolkit the config's sections (config.ts: assets; config-markets.ts: perp markets;
// config-insurance.ts: the insurance fund) are validated with: the JSON types, a Checker that
// collects every problem with its location, and the fields' integer types read from the IDL.
// Pure: nothing here reads from or sends to a cluster.
//
// The config is checked for its shape only: every field present, no unknown field, each value
// of the integer type the program's argument has (idl/keel.json). The program's bounds — weight
// orders, margin ratios, fee limits, oracle guard ranges — are checked by the program alone:
// deploy.ts reports the instruction it refused with the program's own error
// (migrations/config/README.md lists them).

import { PublicKey } from "@solana/web3.js";
import idl from "../idl/keel.json";

/** One unit in basis points (for messages and defaults). */
export const BPS_PER_UNIT = 10_000;

interface IdlField {
  name: string;
  type: unknown;
}

/** The integer ranges of the IDL's integer types. */
const INTEGER_RANGES: Record<string, [bigint, bigint]> = {
  u8: [0n, 255n],
  u16: [0n, 65_535n],
  u32: [0n, (1n << 32n) - 1n],
  u64: [0n, (1n << 64n) - 1n],
  i8: [-128n, 127n],
  i16: [-32_768n, 32_767n],
  i32: [-(1n << 31n), (1n << 31n) - 1n],
  i64: [-(1n << 63n), (1n << 63n) - 1n],
};

/**
 * The IDL type (u16, i64, ...) of field `field` of the IDL struct `struct` (an instruction's
 * arguments when `struct` is `instruction:<name>`), as the program declares it.
 */
export function idlIntegerType(struct: string, field: string): string {
  const fields: IdlField[] | undefined = struct.startsWith("instruction:")
    ? (idl.instructions.find((i) => i.name === struct.slice("instruction:".length))?.args as IdlField[] | undefined)
    : ((idl.types.find((t) => t.name === struct)?.type as { fields?: IdlField[] } | undefined)?.fields);
  const type = fields?.find((f) => f.name === field)?.type;
  if (typeof type !== "string" || !(type in INTEGER_RANGES)) {
    throw new Error(`idl/keel.json has no integer field ${field} in ${struct}: the deploy config is out of step with the program`);
  }
  return type;
}

/**
 * Throws unless `keys` are the IDL struct's fields in order (padding and reserved left out): a
 * program argument that gained or lost a field needs the config's section to follow.
 */
export function assertIdlFields(struct: string, keys: readonly string[]): void {
  const fields = idlFieldNames(struct);
  if (fields.join(",") !== keys.join(",")) {
    throw new Error(
      `the deploy config's ${struct} fields (${keys.join(", ")}) are not idl/keel.json's (${fields.join(", ")}): update migrations/config*.ts and the configs`,
    );
  }
}

/** The names of the IDL struct's fields, padding and reserved bytes left out. */
export function idlFieldNames(struct: string): string[] {
  const fields = (idl.types.find((t) => t.name === struct)?.type as { fields?: IdlField[] } | undefined)?.fields;
  if (!fields) throw new Error(`idl/keel.json has no struct ${struct}`);
  return fields.map((f) => f.name).filter((n) => !/^(padding|reserved)/.test(n));
}

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
 * The liquidation charges of an asset or a market: the liquidator's discount and the penalty
 * paid into the insurance fund, both bps of the oracle value.
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

  /**
   * An integer of the IDL type of `struct`.`key` (u8/u16/u32/i16/i32, returned as a number;
   * `unit` only for the message).
   */
  idlNumber(obj: JsonObject, key: string, where: string, struct: string, unit: string): number | undefined {
    const type = idlIntegerType(struct, key);
    const [min, max] = INTEGER_RANGES[type];
    return this.integer(obj, key, where, Number(min), Number(max), `${type}, ${unit}`);
  }

  /** A 64-bit integer of the IDL type of `struct`.`key` (u64/i64): a safe-integer number or a decimal string. */
  idlBig(obj: JsonObject, key: string, where: string, struct: string, unit: string): bigint | undefined {
    const type = idlIntegerType(struct, key);
    const [min, max] = INTEGER_RANGES[type];
    return this.bigInteger(obj, key, where, min, max, `a ${type}`, unit);
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

  /** The oracle guard fields of `struct` (AssetParams or PerpMarketParams) in the `params` object `raw`. */
  oracleGuard(raw: JsonObject, where: string, struct: string): OracleGuard | undefined {
    const maxAge = this.idlNumber(raw, "oracle_max_age_secs", where, struct, "seconds");
    const maxConf = this.idlNumber(raw, "oracle_max_conf_bps", where, struct, "bps of the price");
    const k = this.idlNumber(raw, "oracle_conf_multiplier_bps", where, struct, "bps, 10000 = k of 1");
    if (maxAge === undefined || maxConf === undefined || k === undefined) return undefined;
    return { oracle_max_age_secs: maxAge, oracle_max_conf_bps: maxConf, oracle_conf_multiplier_bps: k };
  }

  /** The liquidation fee and penalty of `struct` in the `params` object `raw`. */
  liquidationFees(raw: JsonObject, where: string, struct: string): LiquidationFees | undefined {
    const fee = this.idlNumber(raw, "liquidation_fee_bps", where, struct, "bps of the oracle value, the liquidator's discount");
    const penalty = this.idlNumber(raw, "liquidation_penalty_bps", where, struct, "bps of the oracle value, paid into the insurance fund");
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
