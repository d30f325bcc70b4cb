// Units for people: native token amounts in whole tokens (each mint's decimals), prices per
// whole base token (not per lot), the program's `Fixed` values (raw ÷ 10^18), basis points.
// Exact integer arithmetic (bigint) throughout; nothing here decides risk, it only converts
// the program's numbers into the units a trader reads and types.

/** Anything the program's decoded numbers come as: BN (via toString), bigint, number or a decimal string. */
export type Amount = bigint | number | string | { toString(): string };

/** The `Fixed` scale: a raw value of 10^18 is 1. */
export const FIXED_SCALE = 10n ** 18n;

/** A typed amount or price that cannot be read. */
export class FormatError extends Error {}

/** `value` as a bigint (BN, number and decimal-integer strings accepted). */
export function big(value: Amount): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number") {
    if (!Number.isInteger(value)) throw new FormatError(`${value} is not an integer`);
    return BigInt(value);
  }
  return BigInt(value.toString());
}

const pow10 = (n: number): bigint => 10n ** BigInt(n);

function group(whole: string): string {
  return whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * num / den as a decimal string with `fractionDigits` digits, rounded half away from zero,
 * thousands grouped with commas and negatives with a minus sign (U+2212).
 */
export function ratioToDecimal(num: Amount, den: Amount, fractionDigits: number): string {
  let n = big(num);
  let d = big(den);
  if (d === 0n) throw new FormatError("division by zero");
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const negative = n < 0n;
  const magnitude = negative ? -n : n;
  const scaled = magnitude * pow10(fractionDigits);
  let q = scaled / d;
  if ((scaled % d) * 2n >= d) q += 1n;
  const digits = q.toString().padStart(fractionDigits + 1, "0");
  const whole = digits.slice(0, digits.length - fractionDigits);
  const fraction = digits.slice(digits.length - fractionDigits);
  const sign = negative && q !== 0n ? "\u2212" : "";
  return `${sign}${group(whole)}${fractionDigits > 0 ? `.${fraction}` : ""}`;
}

/** A native token amount in whole tokens: 1500000 with 6 decimals → "1.50" (2 digits). */
export function formatUnits(amount: Amount, decimals: number, fractionDigits = decimals): string {
  return ratioToDecimal(amount, pow10(decimals), fractionDigits);
}

/** A typed decimal ("1.5", "1,000") in native units of a mint with `decimals`; exact or refused. */
export function parseUnits(text: string, decimals: number): bigint {
  const cleaned = text.trim().replace(/[,_\s]/g, "");
  const match = /^(\d*)(?:\.(\d*))?$/.exec(cleaned);
  if (!match || (match[1] === "" && (match[2] ?? "") === "")) throw new FormatError(`"${text}" is not a positive decimal number`);
  const fraction = match[2] ?? "";
  if (fraction.length > decimals) throw new FormatError(`"${text}" has more than ${decimals} decimals`);
  return BigInt(match[1] || "0") * pow10(decimals) + BigInt(fraction.padEnd(decimals, "0") || "0");
}

/** A `Fixed` raw value (÷ 10^18) as a decimal string. */
export function formatFixed(raw: Amount, fractionDigits: number): string {
  return ratioToDecimal(raw, FIXED_SCALE, fractionDigits);
}

/** The sizes a perp market counts in. */
export interface MarketUnits {
  baseDecimals: number;
  /** Base native units per base lot. */
  baseLotSize: bigint;
  /** Quote native units per quote lot. */
  quoteLotSize: bigint;
  quoteDecimals: number;
}

/** The units of a decoded perp market on an exchange whose quote mint has `quoteDecimals`. */
export function marketUnits(market: { baseDecimals: number; baseLotSize: Amount; quoteLotSize: Amount }, quoteDecimals: number): MarketUnits {
  return { baseDecimals: market.baseDecimals, baseLotSize: big(market.baseLotSize), quoteLotSize: big(market.quoteLotSize), quoteDecimals };
}

/** A price in quote lots per base lot as quote per whole base token (USD per SOL). */
export function priceLotsToUsd(priceLots: Amount, u: MarketUnits, fractionDigits = 2): string {
  return ratioToDecimal(big(priceLots) * u.quoteLotSize * pow10(u.baseDecimals), u.baseLotSize * pow10(u.quoteDecimals), fractionDigits);
}

/** A quote native amount per base lot (the health report's per-lot prices) as quote per whole base token. */
export function perLotToUsd(quoteNativePerLot: Amount, u: MarketUnits, fractionDigits = 2): string {
  return ratioToDecimal(big(quoteNativePerLot) * pow10(u.baseDecimals), u.baseLotSize * pow10(u.quoteDecimals), fractionDigits);
}

/**
 * A typed price per whole base token in quote lots per base lot, rounded `down` (a bid: never
 * pay more than typed) or `up` (an ask: never sell for less); a price below one tick is refused.
 */
export function usdToPriceLots(text: string, u: MarketUnits, rounding: "down" | "up"): bigint {
  const quoteNativePerWhole = parseUnits(text, u.quoteDecimals);
  const num = quoteNativePerWhole * u.baseLotSize;
  const den = pow10(u.baseDecimals) * u.quoteLotSize;
  const lots = num / den + (rounding === "up" && num % den !== 0n ? 1n : 0n);
  if (lots <= 0n) throw new FormatError(`a price of "${text}" is below the market's tick of ${priceLotsToUsd(1n, u, u.quoteDecimals)}`);
  return lots;
}

/** A typed size in whole base tokens as base lots; must be a whole number of lots. */
export function sizeToBaseLots(text: string, u: MarketUnits): bigint {
  const native = parseUnits(text, u.baseDecimals);
  if (native % u.baseLotSize !== 0n) {
    throw new FormatError(`the size must be a multiple of the lot, ${formatUnits(u.baseLotSize, u.baseDecimals, lotDigits(u))}`);
  }
  return native / u.baseLotSize;
}

/** The fraction digits that show one base lot exactly (0.01 SOL → 2). */
export function lotDigits(u: MarketUnits): number {
  let digits = u.baseDecimals;
  let lot = u.baseLotSize;
  while (digits > 0 && lot % 10n === 0n) {
    lot /= 10n;
    digits -= 1;
  }
  return digits;
}

/** Base lots as whole base tokens, to the lot's precision (100 lots of 0.01 SOL → "1.00"). */
export function baseLotsToSize(lots: Amount, u: MarketUnits): string {
  return formatUnits(big(lots) * u.baseLotSize, u.baseDecimals, lotDigits(u));
}

/**
 * A `Fixed` price in quote native per base native (the health report's collateral prices) as
 * quote per whole token: raw · 10^baseDecimals / (10^18 · 10^quoteDecimals).
 */
export function nativePriceToUsd(raw: Amount, baseDecimals: number, quoteDecimals: number, fractionDigits = 2): string {
  return ratioToDecimal(big(raw) * pow10(baseDecimals), FIXED_SCALE * pow10(quoteDecimals), fractionDigits);
}

/** Basis points as a percentage: 1000 → "10.00%". */
export function bpsToPercent(bps: Amount, fractionDigits = 2): string {
  return `${ratioToDecimal(bps, 100n, fractionDigits)}%`;
}

/** A base58 key shortened for display: "DkfecH…qajN". */
export function shortKey(key: { toBase58(): string } | string): string {
  const s = typeof key === "string" ? key : key.toBase58();
  return s.length > 12 ? `${s.slice(0, 6)}…${s.slice(-4)}` : s;
}

/** A decimal string of the program's `Fixed` Display format ("-37353421.5") as a bigint of `Fixed` raw units. */
export function parseFixedDisplay(text: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d{1,18}))?$/.exec(text.trim());
  if (!match) throw new FormatError(`"${text}" is not a Fixed decimal`);
  const raw = BigInt(match[2]) * FIXED_SCALE + BigInt((match[3] ?? "").padEnd(18, "0"));
  return match[1] === "-" ? -raw : raw;
}

/**
 * The average price of an open position per whole base token, from its decoded account fields:
 * the quote paid (negative) or received for it, fees included, over its base lots.
 */
export function entryPriceUsd(quoteNative: Amount, baseLots: Amount, u: MarketUnits, fractionDigits = 2): string | undefined {
  const lots = big(baseLots);
  if (lots === 0n) return undefined;
  return ratioToDecimal(-big(quoteNative) * pow10(u.baseDecimals), lots * u.baseLotSize * pow10(u.quoteDecimals), fractionDigits);
}

/** A length of time in seconds for people: 86 400 → "1 d", 3 660 → "1 h 1 min", 59 → "59 s". */
export function formatDuration(seconds: Amount): string {
  let rest = big(seconds);
  if (rest < 0n) throw new FormatError(`${rest} s is negative`);
  if (rest === 0n) return "0 s";
  const parts: string[] = [];
  for (const [unit, size] of [["d", 86_400n], ["h", 3_600n], ["min", 60n], ["s", 1n]] as const) {
    const n = rest / size;
    rest %= size;
    if (n > 0n) parts.push(`${group(n.toString())} ${unit}`);
  }
  return parts.join(" ");
}

/** A unix time (seconds) as UTC wall-clock time, "18:30:05 UTC" (the same in every time zone). */
export function formatUtcTime(unixSeconds: Amount): string {
  const date = new Date(Number(big(unixSeconds)) * 1000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} UTC`;
}
