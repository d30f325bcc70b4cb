// The typed Anchor program over the generated IDL.

import { AnchorProvider, IdlAccounts, IdlTypes, Program, Provider } from "@anchor-lang/core";
import { PublicKey } from "@solana/web3.js";
import { IDL, Keel } from "./generated/keel";

export type { Keel } from "./generated/keel";

/** The Keel program id, as the IDL has it. */
export const KEEL_PROGRAM_ID = new PublicKey(IDL.address);

/** Keel's decoded accounts (fields in camelCase, integers of 64 bits and more as BN). */
export type ExchangeAccount = IdlAccounts<Keel>["exchange"];
export type CollateralAssetAccount = IdlAccounts<Keel>["collateralAsset"];
export type MarginAccount = IdlAccounts<Keel>["marginAccount"];
export type PerpMarketAccount = IdlAccounts<Keel>["perpMarket"];
export type InsuranceFundAccount = IdlAccounts<Keel>["insuranceFund"];
export type FillQueueAccount = IdlAccounts<Keel>["fillQueue"];
export type OrderBookAccount = IdlAccounts<Keel>["orderBook"];

/** The `health` view's return value. */
export type HealthReport = IdlTypes<Keel>["healthReport"];
/** `place_order`'s arguments. */
export type PlaceOrderArgs = IdlTypes<Keel>["placeOrderArgs"];

/** Keel as Anchor's typed `Program`, on `provider` (Anchor's environment provider by default). */
export function keelProgram(provider?: Provider): Program<Keel> {
  return new Program<Keel>(IDL, provider ?? AnchorProvider.env());
}
