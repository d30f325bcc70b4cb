// The insurance fund of the deploy: reading what the chain has (before anything is sent),
// creating the fund and its quote vault when they do not exist (`create_insurance_fund`), and
// bringing the keeper bounty rule in line with the config (`set_bounty_params`).
//
// The withdrawal limit and period are fixed at creation: a fund that differs from the config on
// them is reported, never changed. The bounty rule is the only setting a rerun updates.

import { BN, Program } from "@anchor-lang/core";
import { ConfirmOptions, PublicKey, SystemProgram } from "@solana/web3.js";
import { TOKEN_PROGRAM_ID } from "@solana/spl-token";
import {
  BountyParamsAccount,
  INSURANCE_VAULT_SPACE,
  InsuranceFundAccount,
  fetchAccount,
  fetchExisting,
  insuranceFundPda,
  insuranceVaultPda,
} from "./accounts";
import { DeployError } from "./config";
import { BountyParams, InsuranceFundConfig, defaultInsuranceFund } from "./config-insurance";
import { MarketSigners } from "./markets";

/** What the script found or will do for the insurance fund. */
export interface InsurancePlan {
  /** The settings: the config's `insurance_fund`, or the defaults for the quote mint. */
  config: InsuranceFundConfig;
  /** True when the config has no `insurance_fund` section. */
  fromDefaults: boolean;
  /** Decimals of the quote mint (for display). */
  quoteDecimals: number;
  /** The PDA ["insurance", exchange]. */
  fund: PublicKey;
  /** The PDA ["insurance_vault", exchange]. */
  vault: PublicKey;
  /** The fund on chain, null if it is still to create. */
  existing: InsuranceFundAccount | null;
  /** The fund exists with another bounty rule: `set_bounty_params` brings it in line. */
  updateBounty: boolean;
}

/**
 * Reads the chain for the exchange's insurance fund, before anything is sent. `config` is the
 * config's section (undefined: the defaults for a quote mint of `quoteDecimals`). Throws a
 * DeployError if the fund on chain is not the exchange's or has another vault.
 */
export async function planInsuranceFund(
  program: Program,
  exchange: PublicKey,
  config: InsuranceFundConfig | undefined,
  quoteDecimals: number,
): Promise<InsurancePlan> {
  const fund = insuranceFundPda(program.programId, exchange);
  const vault = insuranceVaultPda(program.programId, exchange);
  const existing = await fetchFund(program, fund);
  if (existing) {
    if (!existing.exchange.equals(exchange)) {
      throw new DeployError(`insurance fund ${fund.toBase58()} belongs to exchange ${existing.exchange.toBase58()}, not ${exchange.toBase58()}`);
    }
    if (!existing.vault.equals(vault)) {
      throw new DeployError(`insurance fund ${fund.toBase58()} has vault ${existing.vault.toBase58()}, not the PDA ${vault.toBase58()}`);
    }
  }
  const settings = config ?? defaultInsuranceFund(quoteDecimals);
  const updateBounty = existing !== null && bountyDifferences(settings.bounty, existing.bounty).length > 0;
  return { config: settings, fromDefaults: config === undefined, quoteDecimals, fund, vault, existing, updateBounty };
}

/**
 * The fund at `fund`, null if it does not exist. Lamports sent to the PDA before the creation (a
 * system account without data) do not make it exist: `create_insurance_fund` tops them up.
 */
async function fetchFund(program: Program, fund: PublicKey): Promise<InsuranceFundAccount | null> {
  const info = await program.provider.connection.getAccountInfo(fund);
  if (info && info.owner.equals(SystemProgram.programId) && info.data.length === 0) return null;
  return fetchAccount<InsuranceFundAccount>(program, "insuranceFund", fund);
}

/** Lamports of rent for creating the fund (its PDA and its vault), 0 if it exists. */
export async function insuranceRent(program: Program, plan: InsurancePlan): Promise<number> {
  if (plan.existing) return 0;
  const connection = program.provider.connection;
  const sizes = [program.coder.accounts.size("insuranceFund"), INSURANCE_VAULT_SPACE];
  const rents = await Promise.all(sizes.map((size) => connection.getMinimumBalanceForRentExemption(size)));
  return rents.reduce((a, b) => a + b, 0);
}

/** The `BountyParams` argument as the Anchor client encodes it. */
function bountyArg(b: BountyParams): Record<string, BN | number | number[]> {
  return {
    floor: new BN(b.floor.toString()),
    cap: new BN(b.cap.toString()),
    minLiquidationNotional: new BN(b.min_liquidation_notional.toString()),
    penaltyShareBps: b.penalty_share_bps,
    padding: new Array<number>(6).fill(0),
  };
}

/** `create_insurance_fund` with the plan's settings; returns the transaction signature. */
export async function createInsuranceFund(
  program: Program,
  exchange: PublicKey,
  quoteMint: PublicKey,
  plan: InsurancePlan,
  { wallet, admin, adminSigner }: MarketSigners,
  opts: ConfirmOptions,
): Promise<string> {
  const { withdraw_limit_bps, withdraw_period_secs, bounty } = plan.config;
  return program.methods
    .createInsuranceFund(withdraw_limit_bps, withdraw_period_secs, bountyArg(bounty))
    .accountsPartial({
      payer: wallet,
      admin,
      exchange,
      quoteMint,
      insuranceFund: plan.fund,
      insuranceVault: plan.vault,
      tokenProgram: TOKEN_PROGRAM_ID,
      systemProgram: SystemProgram.programId,
    })
    .signers(adminSigner ? [adminSigner] : [])
    .rpc(opts);
}

/** `set_bounty_params` with the plan's bounty rule; returns the transaction signature. */
export async function setBountyParams(
  program: Program,
  exchange: PublicKey,
  plan: InsurancePlan,
  { admin, adminSigner }: MarketSigners,
  opts: ConfirmOptions,
): Promise<string> {
  return program.methods
    .setBountyParams(bountyArg(plan.config.bounty))
    .accountsPartial({ admin, exchange, insuranceFund: plan.fund })
    .signers(adminSigner ? [adminSigner] : [])
    .rpc(opts);
}

/** How the bounty rule on chain differs from the config's, one line per field. */
export function bountyDifferences(want: BountyParams, have: BountyParamsAccount): string[] {
  const pairs: [string, string, string][] = [
    ["floor", want.floor.toString(), have.floor.toString()],
    ["cap", want.cap.toString(), have.cap.toString()],
    ["min_liquidation_notional", want.min_liquidation_notional.toString(), have.minLiquidationNotional.toString()],
    ["penalty_share_bps", String(want.penalty_share_bps), String(have.penaltyShareBps)],
  ];
  return pairs.filter(([, want, have]) => want !== have).map(([name, want, have]) => `bounty.${name} ${have} on chain → ${want}`);
}

/** How an existing fund differs from the config on the settings fixed at creation. */
export function fixedDifferences(plan: InsurancePlan): string[] {
  const f = plan.existing;
  if (!f) return [];
  const out: string[] = [];
  const fixed = "fixed at creation";
  if (f.withdrawLimitBps !== plan.config.withdraw_limit_bps) {
    out.push(`withdraw_limit_bps is ${f.withdrawLimitBps} on chain, ${plan.config.withdraw_limit_bps} in the config (${fixed})`);
  }
  if (f.withdrawPeriodSecs !== plan.config.withdraw_period_secs) {
    out.push(`withdraw_period_secs is ${f.withdrawPeriodSecs} on chain, ${plan.config.withdraw_period_secs} in the config (${fixed})`);
  }
  return out;
}

/** A quote native amount with its value in quote units, e.g. `100000 (0.1)`. */
export function quoteAmount(native: bigint | BN, decimals: number): string {
  const n = BigInt(native.toString());
  const unit = 10n ** BigInt(decimals);
  const frac = (n % unit).toString().padStart(decimals, "0").replace(/0+$/, "");
  return `${n} (${n / unit}${frac ? `.${frac}` : ""})`;
}

/** The bounty rule in one line, amounts quote native with their value in quote units. */
export function describeBounty(b: BountyParams | BountyParamsAccount, decimals: number): string {
  const minNotional = "min_liquidation_notional" in b ? b.min_liquidation_notional : b.minLiquidationNotional;
  const share = "penalty_share_bps" in b ? b.penalty_share_bps : b.penaltyShareBps;
  return (
    `floor ${quoteAmount(b.floor, decimals)}, cap ${quoteAmount(b.cap, decimals)}, ` +
    `min notional ${quoteAmount(minNotional, decimals)}, ${share} bps of the penalty`
  );
}

/** The summary lines of the insurance fund, as the chain has it after the deploy. */
export async function describeInsuranceFund(program: Program, plan: InsurancePlan): Promise<string[]> {
  const f = await fetchExisting<InsuranceFundAccount>(program, "insuranceFund", plan.fund);
  const d = plan.quoteDecimals;
  const days = f.withdrawPeriodSecs / 86_400;
  return [
    `  fund ${plan.fund.toBase58()}  vault ${f.vault.toBase58()}  balance ${quoteAmount(f.balance, d)}`,
    `     withdraw limit ${f.withdrawLimitBps} bps per ${f.withdrawPeriodSecs} s (${Number.isInteger(days) ? days : days.toFixed(2)} days)`,
    `     bounty ${describeBounty(f.bounty, d)}`,
    `     penalties in ${f.totalPenalties.toString()}, bounties out ${f.totalBounties.toString()}, deficits covered ${f.totalDeficitsCovered.toString()}`,
  ];
}
