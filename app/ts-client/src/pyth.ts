// Reads a Pyth pull-oracle `PriceUpdateV2` account (pyth-solana-receiver-sdk, Borsh after
// Anchor's 8-byte discriminator): write_authority (32), verification_level (enum: Partial
// { num_signatures: u8 } = tag 0 + 1 byte, Full = tag 1), price_message { feed_id (32),
// price i64, conf u64, exponent i32, publish_time i64, prev_publish_time i64, ema_price i64,
// ema_conf u64 }, posted_slot u64. For display and quoting only: the program's oracle guards
// (owner, feed id, verification, age, confidence) decide what a price is worth on chain.

/** The price of a `PriceUpdateV2` account. */
export interface PythPrice {
  feedId: Buffer;
  fullyVerified: boolean;
  /** price · 10^exponent USD per whole token. */
  price: bigint;
  conf: bigint;
  exponent: number;
  publishTime: number;
  emaPrice: bigint;
  emaConf: bigint;
}

/** Decodes a `PriceUpdateV2` account's data. */
export function decodePriceUpdateV2(data: Buffer): PythPrice {
  let at = 8 + 32;
  const tag = data.readUInt8(at);
  if (tag !== 0 && tag !== 1) throw new Error(`not a PriceUpdateV2: verification level tag ${tag}`);
  at += tag === 0 ? 2 : 1;
  const feedId = data.subarray(at, at + 32);
  at += 32;
  const price = data.readBigInt64LE(at);
  const conf = data.readBigUInt64LE(at + 8);
  const exponent = data.readInt32LE(at + 16);
  const publishTime = Number(data.readBigInt64LE(at + 20));
  const emaPrice = data.readBigInt64LE(at + 36);
  const emaConf = data.readBigUInt64LE(at + 44);
  return { feedId: Buffer.from(feedId), fullyVerified: tag === 1, price, conf, exponent, publishTime, emaPrice, emaConf };
}

/** The price as a float, USD per whole token (for display). */
export function pythPriceUsd(p: PythPrice): number {
  return Number(p.price) * 10 ** p.exponent;
}

/**
 * A Pyth price in a market's price lots (quote lots per base lot, rounded down):
 * price · 10^(exponent + quoteDecimals − baseDecimals) · baseLotSize / quoteLotSize.
 */
export function priceLots(p: PythPrice, quoteDecimals: number, baseDecimals: number, baseLotSize: bigint, quoteLotSize: bigint): bigint {
  const shift = p.exponent + quoteDecimals - baseDecimals;
  let numerator = p.price * baseLotSize;
  let denominator = quoteLotSize;
  if (shift >= 0) numerator *= 10n ** BigInt(shift);
  else denominator *= 10n ** BigInt(-shift);
  return numerator / denominator;
}
