// The collateral assets of the deploy: their mints and PDAs as the chain has them (before
// anything is sent), listing the missing ones in config order, and how a listed one differs from
// its config.

import { BN, Program } from "@anchor-lang/core";
import { ConfirmOptions, PublicKey, SystemProgram } from "@solana/web3.js";
import { TOKEN_PROGRAM_ID } from "@solana/spl-token";
import { CollateralAssetAccount, MintToCreate, assetPda, lookUpMint, oracleKindArg, vaultPda } from "./accounts";
import { AssetConfig, AssetParams, BANK_KEYS, BankParams, ORACLE_KINDS } from "./config";
import { MarketSigners } from "./markets";

/** What the script found or will do for one asset. */
export interface AssetPlan {
  config: AssetConfig;
  mint: PublicKey;
  /** The mint's decimals (the configured ones for a mint still to create). */
  decimals: number;
  /** The mint does not exist yet: create it (seeded address, "create" only). */
  createMint?: MintToCreate;
  asset: PublicKey;
  vault: PublicKey;
  listed: boolean;
}

/**
 * The plans of the config's assets: existing mints must be SPL Token mints (with the configured
 * decimals); "create" ones live at an address derived from the wallet and the symbol, and are
 * reused on reruns.
 */
export async function planAssets(program: Program, exchange: PublicKey, wallet: PublicKey, assets: AssetConfig[]): Promise<AssetPlan[]> {
  const connection = program.provider.connection;
  const plans: AssetPlan[] = [];
  for (const asset of assets) {
    const { mint, decimals, create } = await lookUpMint(connection, wallet, asset);
    const address = assetPda(program.programId, exchange, mint);
    const listed = create === undefined && (await connection.getAccountInfo(address)) !== null;
    plans.push({ config: asset, mint, decimals, createMint: create, asset: address, vault: vaultPda(program.programId, exchange, mint), listed });
  }
  return plans;
}

/** Sends `list_asset` for `plan`, signed by the admin; returns the signature. */
export async function listAsset(
  program: Program,
  exchange: PublicKey,
  plan: AssetPlan,
  signers: MarketSigners,
  options: ConfirmOptions,
): Promise<string> {
  const { oracle, params } = plan.config;
  // An absent optional account is passed as the program id (Anchor's encoding of None).
  const oracleAccount = oracle.kind === "Fixed" ? null : oracle.account;
  const feedId = oracle.kind === "PythPull" ? Array.from(oracle.feedId) : new Array<number>(32).fill(0);
  return program.methods
    .listAsset({
      params: {
        initAssetWeightBps: params.init_asset_weight_bps,
        maintAssetWeightBps: params.maint_asset_weight_bps,
        initLiabWeightBps: params.init_liab_weight_bps,
        maintLiabWeightBps: params.maint_liab_weight_bps,
        depositCap: new BN(params.deposit_cap.toString()),
        oracleMaxAgeSecs: params.oracle_max_age_secs,
        oracleMaxConfBps: params.oracle_max_conf_bps,
        oracleConfMultiplierBps: params.oracle_conf_multiplier_bps,
        liquidationFeeBps: params.liquidation_fee_bps,
        liquidationPenaltyBps: params.liquidation_penalty_bps,
        bank: {
          baseRateBps: params.bank.base_rate_bps,
          optimalUtilizationBps: params.bank.optimal_utilization_bps,
          optimalRateBps: params.bank.optimal_rate_bps,
          maxRateBps: params.bank.max_rate_bps,
          interestFeeBps: params.bank.interest_fee_bps,
          maxUtilizationBps: params.bank.max_utilization_bps,
          netBorrowWindowSecs: params.bank.net_borrow_window_secs,
          netBorrowLimit: new BN(params.bank.net_borrow_limit.toString()),
        },
      },
      oracleKind: oracleKindArg(oracle.kind),
      feedId,
    })
    .accountsPartial({
      payer: signers.wallet,
      admin: signers.admin,
      exchange,
      mint: plan.mint,
      asset: plan.asset,
      vault: plan.vault,
      oracle: oracleAccount ?? program.programId,
      tokenProgram: TOKEN_PROGRAM_ID,
      systemProgram: SystemProgram.programId,
    })
    .signers(signers.adminSigner ? [signers.adminSigner] : [])
    .rpc(options);
}

/** A bank's parameters as one comparable line. */
function bankString(b: BankParams): string {
  return BANK_KEYS.map((k) => `${k}=${b[k]}`).join(" ");
}

/** How a listed asset differs from its config (listing does not change a listed asset). */
export function assetDifferences(config: AssetConfig, a: CollateralAssetAccount): string[] {
  const out: string[] = [];
  const p = config.params;
  // Every field of AssetParams (the Record type makes a missing one a type error).
  const onChain: Record<keyof AssetParams, string> = {
    init_asset_weight_bps: String(a.initAssetWeightBps),
    maint_asset_weight_bps: String(a.maintAssetWeightBps),
    init_liab_weight_bps: String(a.initLiabWeightBps),
    maint_liab_weight_bps: String(a.maintLiabWeightBps),
    deposit_cap: a.depositCap.toString(),
    oracle_max_age_secs: String(a.oracleMaxAgeSecs),
    oracle_max_conf_bps: String(a.oracleMaxConfBps),
    oracle_conf_multiplier_bps: String(a.oracleConfMultiplierBps),
    liquidation_fee_bps: String(a.liquidationFeeBps),
    liquidation_penalty_bps: String(a.liquidationPenaltyBps),
    bank: bankString({
      base_rate_bps: a.bank.params.baseRateBps,
      optimal_utilization_bps: a.bank.params.optimalUtilizationBps,
      optimal_rate_bps: a.bank.params.optimalRateBps,
      max_rate_bps: a.bank.params.maxRateBps,
      interest_fee_bps: a.bank.params.interestFeeBps,
      max_utilization_bps: a.bank.params.maxUtilizationBps,
      net_borrow_window_secs: a.bank.params.netBorrowWindowSecs,
      net_borrow_limit: BigInt(a.bank.params.netBorrowLimit.toString()),
    }),
  };
  for (const [name, have] of Object.entries(onChain)) {
    const want = name === "bank" ? bankString(p.bank) : String(p[name as keyof AssetParams]);
    if (want !== have) out.push(`${name} is ${have} on chain, ${want} in the config (update_asset changes it)`);
  }
  const kind = ORACLE_KINDS[a.oracleKind];
  if (kind !== config.oracle.kind) out.push(`oracle kind is ${kind ?? a.oracleKind} on chain, ${config.oracle.kind} in the config`);
  if (config.oracle.kind !== "Fixed" && !a.oracle.equals(config.oracle.account)) {
    out.push(`oracle is ${a.oracle.toBase58()} on chain, ${config.oracle.account.toBase58()} in the config`);
  }
  return out;
}
