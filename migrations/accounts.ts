// The chain side of the deploy: the program's PDAs and accounts (from @keel/client, the client
// generated from idl/keel.json: app/ts-client), SPL mints ("create" ones and existing ones), and
// the admin's keypair file.
//
// The account types and sizes are the generated client's, so they follow the IDL
// (scripts/idl.sh, then scripts/ts-client.sh, when the program's structs change): nothing here
// re-declares a layout.

import { AnchorProvider, Program } from "@anchor-lang/core";
import { AccountInfo, ConfirmOptions, Connection, Keypair, PublicKey, SystemProgram, Transaction } from "@solana/web3.js";
import { ACCOUNT_SIZE, MINT_SIZE, TOKEN_PROGRAM_ID, createInitializeMint2Instruction, unpackMint } from "@solana/spl-token";
import * as client from "@keel/client";
import * as fs from "fs";
import * as path from "path";
import { AssetConfig, CREATE, DeployError, OracleKindName } from "./config";

/** Size of the insurance fund's vault, an SPL token account (`TokenAccount::LEN`). */
export const INSURANCE_VAULT_SPACE = ACCOUNT_SIZE;

/**
 * Sizes of a market's order book and fill queue accounts, discriminator included, from the IDL's
 * types (`OrderBook::SPACE`, `FillQueue::SPACE`): `list_perp_market` refuses any other size.
 */
export const ORDER_BOOK_SPACE = client.accountSize("orderBook");
export const FILL_QUEUE_SPACE = client.accountSize("fillQueue");

/** The program's accounts as decoded (the generated client's types). */
export type ExchangeAccount = client.ExchangeAccount;
export type CollateralAssetAccount = client.CollateralAssetAccount;
export type PerpMarketAccount = client.PerpMarketAccount;
export type InsuranceFundAccount = client.InsuranceFundAccount;
/** The program's `BountyParams` as decoded (amounts quote native). */
export type BountyParamsAccount = client.BountyParams;

/** The `OracleKind` enum argument as the Anchor client encodes it (`{ pythPull: {} }`). */
export function oracleKindArg(kind: OracleKindName): Record<string, Record<string, never>> {
  return { [kind.charAt(0).toLowerCase() + kind.slice(1)]: {} };
}

/** The exchange PDA ["exchange", creator]. */
export function exchangePda(programId: PublicKey, creator: PublicKey): PublicKey {
  return client.exchangePda(creator, programId);
}

/** The collateral asset PDA ["asset", exchange, mint]. */
export function assetPda(programId: PublicKey, exchange: PublicKey, mint: PublicKey): PublicKey {
  return client.assetPda(exchange, mint, programId);
}

/** The asset's token vault PDA ["vault", exchange, mint]. */
export function vaultPda(programId: PublicKey, exchange: PublicKey, mint: PublicKey): PublicKey {
  return client.vaultPda(exchange, mint, programId);
}

/** The perp market PDA ["perp_market", exchange, index (u16 little-endian)]. */
export function perpMarketPda(programId: PublicKey, exchange: PublicKey, index: number): PublicKey {
  return client.perpMarketPda(exchange, index, programId);
}

/** The insurance fund PDA ["insurance", exchange]. */
export function insuranceFundPda(programId: PublicKey, exchange: PublicKey): PublicKey {
  return client.insuranceFundPda(exchange, programId);
}

/** The insurance fund's quote vault PDA ["insurance_vault", exchange]. */
export function insuranceVaultPda(programId: PublicKey, exchange: PublicKey): PublicKey {
  return client.insuranceVaultPda(exchange, programId);
}

/** The address of a "create" mint: derived from the wallet and the symbol, so reruns reuse it. */
async function createdMintAddress(wallet: PublicKey, symbol: string): Promise<{ address: PublicKey; seed: string }> {
  const seed = `keel-${symbol}`;
  return { address: await PublicKey.createWithSeed(wallet, seed, TOKEN_PROGRAM_ID), seed };
}

/** A "create" mint that does not exist yet: its createWithSeed seed and its decimals. */
export interface MintToCreate {
  seed: string;
  decimals: number;
}

/**
 * Finds the mint of a configured asset. An existing mint must be an SPL Token mint with the
 * configured decimals; a "create" mint lives at an address derived from the wallet and the
 * symbol and is reused if an earlier run created it, otherwise `create` says how to make it.
 * `decimals` are the mint's (the configured ones for a mint still to create).
 */
export async function lookUpMint(
  connection: Connection,
  wallet: PublicKey,
  asset: AssetConfig,
): Promise<{ mint: PublicKey; decimals: number; create?: MintToCreate }> {
  if (asset.mint === CREATE) {
    const created = await createdMintAddress(wallet, asset.symbol);
    const info = await connection.getAccountInfo(created.address);
    if (info) {
      return { mint: created.address, decimals: checkMint(asset, created.address, info, "created by an earlier run") };
    }
    const decimals = asset.decimals as number;
    return { mint: created.address, decimals, create: { seed: created.seed, decimals } };
  }
  const mint = asset.mint;
  const info = await connection.getAccountInfo(mint);
  if (!info) throw new DeployError(`${asset.symbol}: mint ${mint.toBase58()} does not exist on ${connection.rpcEndpoint}`);
  return { mint, decimals: checkMint(asset, mint, info, "") };
}

/** Checks that `info` is an SPL Token mint with the configured decimals; returns its decimals. */
function checkMint(asset: AssetConfig, mint: PublicKey, info: AccountInfo<Buffer>, origin: string): number {
  const what = `${asset.symbol}: ${mint.toBase58()}${origin ? ` (${origin})` : ""}`;
  if (!info.owner.equals(TOKEN_PROGRAM_ID)) {
    throw new DeployError(`${what} is owned by ${info.owner.toBase58()}, not SPL Token (Token-2022 mints are not supported)`);
  }
  let decimals: number;
  try {
    decimals = unpackMint(mint, info, TOKEN_PROGRAM_ID).decimals;
  } catch (e) {
    throw new DeployError(`${what} is not an SPL Token mint (${(e as Error).message})`);
  }
  if (asset.decimals !== undefined && asset.decimals !== decimals) {
    throw new DeployError(`${what} has ${decimals} decimals, the config says ${asset.decimals}`);
  }
  return decimals;
}

/**
 * Creates a "create" mint at `mint` (createWithSeed from the wallet, rent paid by the wallet,
 * mint authority the wallet, no freeze authority); returns the transaction signature.
 */
export async function createMint(
  provider: AnchorProvider,
  mint: PublicKey,
  { seed, decimals }: MintToCreate,
  opts: ConfirmOptions,
): Promise<string> {
  const wallet = provider.wallet.publicKey;
  const lamports = await provider.connection.getMinimumBalanceForRentExemption(MINT_SIZE);
  const tx = new Transaction().add(
    SystemProgram.createAccountWithSeed({
      fromPubkey: wallet,
      newAccountPubkey: mint,
      basePubkey: wallet,
      seed,
      lamports,
      space: MINT_SIZE,
      programId: TOKEN_PROGRAM_ID,
    }),
    createInitializeMint2Instruction(mint, decimals, wallet, null, TOKEN_PROGRAM_ID),
  );
  return provider.sendAndConfirm(tx, undefined, opts);
}

/**
 * Reads and decodes one of the program's accounts ("exchange", "collateralAsset", "perpMarket",
 * "insuranceFund"); null if absent.
 */
export async function fetchAccount<T>(program: Program, name: string, address: PublicKey): Promise<T | null> {
  const info = await program.provider.connection.getAccountInfo(address);
  if (!info) return null;
  if (!info.owner.equals(program.programId)) {
    throw new DeployError(`${name} ${address.toBase58()} is owned by ${info.owner.toBase58()}, not the program`);
  }
  return program.coder.accounts.decode<T>(name, info.data);
}

/** Like fetchAccount, but the account must exist. */
export async function fetchExisting<T>(program: Program, name: string, address: PublicKey): Promise<T> {
  const account = await fetchAccount<T>(program, name, address);
  if (!account) throw new DeployError(`${name} ${address.toBase58()} does not exist`);
  return account;
}

/** Reads the admin's keypair file (KEEL_ADMIN_KEYPAIR, a JSON byte array; `~/` is expanded). */
export function loadKeypair(file: string): Keypair {
  const resolved = file.startsWith("~/") ? path.join(process.env.HOME ?? "", file.slice(2)) : file;
  try {
    const bytes = JSON.parse(fs.readFileSync(resolved, "utf8")) as number[];
    return Keypair.fromSecretKey(Uint8Array.from(bytes));
  } catch (e) {
    throw new DeployError(`KEEL_ADMIN_KEYPAIR=${file}: cannot read a keypair (${(e as Error).message})`);
  }
}
