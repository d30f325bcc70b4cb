// The program's PDAs (seeds as in programs/keel/src/state; README.md "Accounts").

import { PublicKey } from "@solana/web3.js";
import { KEEL_PROGRAM_ID } from "./program";

function u16le(value: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16LE(value);
  return bytes;
}

function find(seeds: (Buffer | Uint8Array)[], programId: PublicKey): PublicKey {
  return PublicKey.findProgramAddressSync(seeds, programId)[0];
}

/** ["exchange", creator] */
export function exchangePda(creator: PublicKey, programId = KEEL_PROGRAM_ID): PublicKey {
  return find([Buffer.from("exchange"), creator.toBuffer()], programId);
}

/** ["asset", exchange, mint] */
export function assetPda(exchange: PublicKey, mint: PublicKey, programId = KEEL_PROGRAM_ID): PublicKey {
  return find([Buffer.from("asset"), exchange.toBuffer(), mint.toBuffer()], programId);
}

/** ["vault", exchange, mint]: the asset's SPL token vault, authority the exchange. */
export function vaultPda(exchange: PublicKey, mint: PublicKey, programId = KEEL_PROGRAM_ID): PublicKey {
  return find([Buffer.from("vault"), exchange.toBuffer(), mint.toBuffer()], programId);
}

/** ["margin", exchange, owner, index (u16 LE)] */
export function marginAccountPda(exchange: PublicKey, owner: PublicKey, index: number, programId = KEEL_PROGRAM_ID): PublicKey {
  return find([Buffer.from("margin"), exchange.toBuffer(), owner.toBuffer(), u16le(index)], programId);
}

/** ["perp_market", exchange, index (u16 LE)] */
export function perpMarketPda(exchange: PublicKey, index: number, programId = KEEL_PROGRAM_ID): PublicKey {
  return find([Buffer.from("perp_market"), exchange.toBuffer(), u16le(index)], programId);
}

/** ["insurance", exchange] */
export function insuranceFundPda(exchange: PublicKey, programId = KEEL_PROGRAM_ID): PublicKey {
  return find([Buffer.from("insurance"), exchange.toBuffer()], programId);
}

/** ["insurance_vault", exchange]: the fund's quote token account. */
export function insuranceVaultPda(exchange: PublicKey, programId = KEEL_PROGRAM_ID): PublicKey {
  return find([Buffer.from("insurance_vault"), exchange.toBuffer()], programId);
}
