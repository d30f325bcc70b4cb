// The config's perp markets (`markets` of migrations/config/<cluster>.json, see
// migrations/config/README.md): their types and the validation of their shape (the program
// checks its own bounds when the deploy lists them). Pure, like config.ts, which calls
// checkMarket for every entry.

import { PublicKey } from "@solana/web3.js";
import { Checker, JsonObject, LIQUIDATION_KEYS, LiquidationFees, ORACLE_GUARD_KEYS, OracleGuard } from "./config-check";

/** Bytes of the program's `symbol: [u8; 16]` (UTF-8, zero padded). */
export const MARKET_SYMBOL_BYTES = 16;

/** `PerpMarketParams` of the program, field for field (snake_case as in the Rust struct). */
export interface PerpMarketParams extends OracleGuard, LiquidationFees {
  init_margin_bps: number;
  maint_margin_bps: number;
  pnl_init_weight_bps: number;
  maker_fee_bps: number;
  taker_fee_bps: number;
  insurance_fee_share_bps: number;
  price_band_bps: number;
  max_funding_bps: number;
  funding_interval_secs: number;
  funding_impact_lots: bigint;
  min_order_base_lots: bigint;
  open_interest_cap_lots: bigint;
}

/** A market's price source: a Pyth pull feed or a Pyth legacy account (never Fixed). */
export type MarketOracle = { kind: "PythPull"; account: PublicKey; feedId: Buffer } | { kind: "PythLegacy"; account: PublicKey };

/** One validated entry of the config's `markets`; entry i is listed as market index i. */
export interface MarketConfig {
  symbol: string;
  /** Decimals of the base asset's native unit. */
  baseDecimals: number;
  /** Base native units per base lot. */
  baseLotSize: bigint;
  /** Quote native units per quote lot (the price tick). */
  quoteLotSize: bigint;
  oracle: MarketOracle;
  params: PerpMarketParams;
}

const MARKET_KEYS = ["symbol", "base_decimals", "base_lot_size", "quote_lot_size", "oracle", "params"] as const;
const ORACLE_KEYS = ["kind", "account", "feed_id"] as const;
/** The names of `PerpMarketParams`' fields, in the Rust struct's order. */
export const MARKET_PARAM_KEYS = [
  "init_margin_bps",
  "maint_margin_bps",
  "pnl_init_weight_bps",
  "maker_fee_bps",
  "taker_fee_bps",
  "insurance_fee_share_bps",
  "price_band_bps",
  "max_funding_bps",
  "funding_interval_secs",
  "funding_impact_lots",
  "min_order_base_lots",
  "open_interest_cap_lots",
  ...ORACLE_GUARD_KEYS,
  ...LIQUIDATION_KEYS,
] as const;

/** Validates `markets[i]`; every problem goes to `c`, undefined if there is any. */
export function checkMarket(c: Checker, raw: JsonObject, i: number): MarketConfig | undefined {
  const before = c.problems.length;
  const symbol = c.string(raw, "symbol", `markets[${i}]`);
  const where = symbol ? `markets[${i}] (${symbol})` : `markets[${i}]`;
  c.onlyKeys(raw, MARKET_KEYS, where);
  if (symbol !== undefined && !/^[A-Za-z0-9_-]{1,16}$/.test(symbol)) {
    c.problem(`${where}.symbol`, `expected 1 to ${MARKET_SYMBOL_BYTES} characters among A-Z a-z 0-9 _ - (the program stores ${MARKET_SYMBOL_BYTES} bytes)`);
  }
  const args = "ListPerpMarketArgs";
  const baseDecimals = c.idlNumber(raw, "base_decimals", where, args, "decimals of the base asset's native unit");
  const baseLotSize = c.idlBig(raw, "base_lot_size", where, args, "base native units per base lot");
  const quoteLotSize = c.idlBig(raw, "quote_lot_size", where, args, "quote native units per quote lot, the price tick");

  // Oracle: a Pyth pull feed (account and feed id) or a Pyth legacy price account.
  let oracle: MarketOracle | undefined;
  const rawOracle = c.object(raw, "oracle", where);
  if (rawOracle) {
    const ow = `${where}.oracle`;
    c.onlyKeys(rawOracle, ORACLE_KEYS, ow);
    const kind = c.string(rawOracle, "kind", ow);
    if (kind === "PythPull") {
      const account = c.pubkey(rawOracle, "account", ow);
      const feedId = c.feedId(rawOracle, "feed_id", ow);
      if (account && feedId) oracle = { kind, account, feedId };
    } else if (kind === "PythLegacy") {
      const account = c.pubkey(rawOracle, "account", ow);
      if (rawOracle["feed_id"] !== undefined) c.problem(`${ow}.feed_id`, "must be absent for PythLegacy (the price account is the feed)");
      if (account) oracle = { kind, account };
    } else if (kind === "Fixed") {
      c.problem(`${ow}.kind`, "a perp market needs a Pyth oracle (PythPull or PythLegacy); Fixed is for the quote asset only");
    } else if (kind !== undefined) {
      c.problem(`${ow}.kind`, `"${kind}" is not one of PythPull, PythLegacy`);
    }
  }

  const rawParams = c.object(raw, "params", where);
  const params = rawParams ? checkMarketParams(c, rawParams, `${where}.params`) : undefined;

  if (
    c.problems.length > before ||
    !symbol ||
    baseDecimals === undefined ||
    baseLotSize === undefined ||
    quoteLotSize === undefined ||
    !oracle ||
    !params
  ) {
    return undefined;
  }
  return { symbol, baseDecimals, baseLotSize, quoteLotSize, oracle, params };
}

/** The `PerpMarketParams` argument of `list_perp_market`: every field, each of its IDL integer type. */
function checkMarketParams(c: Checker, raw: JsonObject, where: string): PerpMarketParams | undefined {
  c.onlyKeys(raw, MARKET_PARAM_KEYS, where);
  const before = c.problems.length;
  const t = "PerpMarketParams";
  const bps = "bps, 10000 = 1.0";
  const init = c.idlNumber(raw, "init_margin_bps", where, t, bps);
  const maint = c.idlNumber(raw, "maint_margin_bps", where, t, bps);
  const pnlWeight = c.idlNumber(raw, "pnl_init_weight_bps", where, t, bps);
  const makerFee = c.idlNumber(raw, "maker_fee_bps", where, t, "bps of the notional: 0, or a negative rebate");
  const takerFee = c.idlNumber(raw, "taker_fee_bps", where, t, "bps of the notional");
  const insuranceShare = c.idlNumber(raw, "insurance_fee_share_bps", where, t, "bps of the net fees");
  const priceBand = c.idlNumber(raw, "price_band_bps", where, t, "bps of the oracle price");
  const maxFunding = c.idlNumber(raw, "max_funding_bps", where, t, "bps of the oracle price per interval");
  const interval = c.idlNumber(raw, "funding_interval_secs", where, t, "seconds");
  const impact = c.idlBig(raw, "funding_impact_lots", where, t, "base lots of depth behind the funding premium");
  const minOrder = c.idlBig(raw, "min_order_base_lots", where, t, "base lots");
  const oiCap = c.idlBig(raw, "open_interest_cap_lots", where, t, "base lots per side");
  const guard = c.oracleGuard(raw, where, t);
  const liquidation = c.liquidationFees(raw, where, t);
  if (
    c.problems.length > before ||
    init === undefined ||
    maint === undefined ||
    pnlWeight === undefined ||
    makerFee === undefined ||
    takerFee === undefined ||
    insuranceShare === undefined ||
    priceBand === undefined ||
    maxFunding === undefined ||
    interval === undefined ||
    impact === undefined ||
    minOrder === undefined ||
    oiCap === undefined ||
    guard === undefined ||
    liquidation === undefined
  ) {
    return undefined;
  }
  return {
    init_margin_bps: init,
    maint_margin_bps: maint,
    pnl_init_weight_bps: pnlWeight,
    maker_fee_bps: makerFee,
    taker_fee_bps: takerFee,
    insurance_fee_share_bps: insuranceShare,
    price_band_bps: priceBand,
    max_funding_bps: maxFunding,
    funding_interval_secs: interval,
    funding_impact_lots: impact,
    min_order_base_lots: minOrder,
    open_interest_cap_lots: oiCap,
    ...guard,
    ...liquidation,
  };
}
