// The config's insurance fund (`insurance_fund` of migrations/config/<cluster>.json, see
// migrations/config/README.md): its type, the defaults used when the section is absent, and the
// validation of its shape (the program checks its own bounds when the deploy sends them). Pure,
// like config.ts, which calls checkInsuranceFund for the section.

import { Checker, JsonObject } from "./config-check";

/** Defaults of the section: the admin may withdraw 10 % of the fund per 7 days. */
export const DEFAULT_WITHDRAW_LIMIT_BPS = 1_000;
export const DEFAULT_WITHDRAW_PERIOD_SECS = 7 * 86_400;

/** `BountyParams` of the program, field for field (the padding left out); amounts quote native. */
export interface BountyParams {
  /** Smallest bounty of a step that is not dust. */
  floor: bigint;
  /** Largest bounty of one step. */
  cap: bigint;
  /** Smallest step (oracle notional) that earns a bounty. */
  min_liquidation_notional: bigint;
  /** Share of the step's penalty paid as bounty, bps. */
  penalty_share_bps: number;
}

/** The validated `insurance_fund` section. */
export interface InsuranceFundConfig {
  /** Admin withdrawals per period, bps of the fund: fixed at creation. */
  withdraw_limit_bps: number;
  /** Length of the withdrawal period, seconds: fixed at creation. */
  withdraw_period_secs: number;
  /** The keeper bounty rule: `set_bounty_params` changes it. */
  bounty: BountyParams;
}

/**
 * `BountyParams::recommended(quote_decimals)` of the program: floor 0.10, cap 100, dust below 10
 * of oracle notional (quote units, 10^decimals native each), half of the penalty.
 */
export function recommendedBounty(quoteDecimals: number): BountyParams {
  const unit = 10n ** BigInt(quoteDecimals);
  return { floor: unit / 10n, cap: 100n * unit, min_liquidation_notional: 10n * unit, penalty_share_bps: 5_000 };
}

/** The settings used when the config has no `insurance_fund` section. */
export function defaultInsuranceFund(quoteDecimals: number): InsuranceFundConfig {
  return {
    withdraw_limit_bps: DEFAULT_WITHDRAW_LIMIT_BPS,
    withdraw_period_secs: DEFAULT_WITHDRAW_PERIOD_SECS,
    bounty: recommendedBounty(quoteDecimals),
  };
}

const FUND_KEYS = ["withdraw_limit_bps", "withdraw_period_secs", "bounty"] as const;
export const BOUNTY_KEYS = ["floor", "cap", "min_liquidation_notional", "penalty_share_bps"] as const;

/** Validates the `insurance_fund` section `raw`; every problem goes to `c`, undefined if there is any. */
export function checkInsuranceFund(c: Checker, raw: JsonObject, where: string): InsuranceFundConfig | undefined {
  const before = c.problems.length;
  c.onlyKeys(raw, FUND_KEYS, where);
  const args = "instruction:create_insurance_fund";
  const limit = c.idlNumber(raw, "withdraw_limit_bps", where, args, "bps of the fund per period, fixed at creation");
  const period = c.idlNumber(raw, "withdraw_period_secs", where, args, "seconds, fixed at creation");
  const rawBounty = c.object(raw, "bounty", where);
  const bounty = rawBounty ? checkBounty(c, rawBounty, `${where}.bounty`) : undefined;
  if (c.problems.length > before || limit === undefined || period === undefined || bounty === undefined) return undefined;
  return { withdraw_limit_bps: limit, withdraw_period_secs: period, bounty };
}

/** The `BountyParams` argument: every field, each of its IDL integer type. */
function checkBounty(c: Checker, raw: JsonObject, where: string): BountyParams | undefined {
  const before = c.problems.length;
  c.onlyKeys(raw, BOUNTY_KEYS, where);
  const floor = c.idlBig(raw, "floor", where, "BountyParams", "quote native units");
  const cap = c.idlBig(raw, "cap", where, "BountyParams", "quote native units");
  const minNotional = c.idlBig(raw, "min_liquidation_notional", where, "BountyParams", "quote native units of oracle notional");
  const share = c.idlNumber(raw, "penalty_share_bps", where, "BountyParams", "bps of the step's penalty");
  if (c.problems.length > before || floor === undefined || cap === undefined || minNotional === undefined || share === undefined) {
    return undefined;
  }
  return { floor, cap, min_liquidation_notional: minNotional, penalty_share_bps: share };
}
