// The typed Anchor program over the generated IDL.

import { AnchorProvider, Program, Provider } from "@anchor-lang/core";
import { PublicKey } from "@solana/web3.js";
import { IDL, Keel } from "./generated/keel";
import * as types from "./generated/types";

export type { MarginAccount } from "./generated/types";

export type { Keel } from "./generated/keel";

/** The Keel program id, as the IDL has it. */
export const KEEL_PROGRAM_ID = new PublicKey(IDL.address);

/** Keel's decoded accounts, as the generated interfaces of src/generated/types.ts name them. */
export type ExchangeAccount = types.Exchange;
export type CollateralAssetAccount = types.CollateralAsset;
export type PerpMarketAccount = types.PerpMarket;
export type InsuranceFundAccount = types.InsuranceFund;
export type FillQueueAccount = types.FillQueue;
export type OrderBookAccount = types.OrderBook;

/** Keel as Anchor's typed `Program`, on `provider` (Anchor's environment provider by default). */
export function keelProgram(provider?: Provider): Program<Keel> {
  return new Program<Keel>(IDL, provider ?? AnchorProvider.env());
}
