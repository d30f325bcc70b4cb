// Health before → after an action: the program's `health` view simulated after the action's
// instructions in one unsigned transaction (@keel/client's simulateHealth with `before`), so
// the numbers are the program's own. The view needs the health accounts of the account as the
// action leaves it; when the guess (the trade's or the current slots) is wrong, the action's
// post-state margin account is read from a simulation and the accounts derived from it. When
// only the view fails because a price fails its guards (a stale feed), the action alone is
// simulated: if the program accepts it, it is {@link UnpricedAction} — allowed, health unknown.

import { Program } from "@anchor-lang/core";
import { AccountMeta, PublicKey, TransactionInstruction, TransactionMessage, VersionedTransaction } from "@solana/web3.js";
import { ExchangeListing, HealthReport, Keel, MarginAccount, SimulationError, healthAccounts, keelErrorFromLogs, simulateHealth } from "@keel/client";
import { PRICE_ERRORS } from "./errors";

const SLOT_ERRORS = new Set(["HealthAccountMissing", "HealthAccountUnexpected", "HealthAccountMismatch"]);

/**
 * The program accepts the action (simulated alone), but its health view cannot price the
 * account afterwards: `refusal` is the view's refusal (a price failing its guards).
 */
export class UnpricedAction extends Error {
  constructor(readonly refusal: SimulationError) {
    super(`the action is accepted; the health view refuses: ${refusal.message}`);
  }
}

/** The margin account as `before` would leave it (a simulation returning its post-state). */
async function accountAfter(program: Program<Keel>, margin: PublicKey, payer: PublicKey, before: TransactionInstruction[]): Promise<MarginAccount> {
  const connection = program.provider.connection;
  const { blockhash } = await connection.getLatestBlockhash();
  const message = new TransactionMessage({ payerKey: payer, recentBlockhash: blockhash, instructions: before }).compileToV0Message();
  const result = await connection.simulateTransaction(new VersionedTransaction(message), {
    sigVerify: false,
    replaceRecentBlockhash: true,
    accounts: { encoding: "base64", addresses: [margin.toBase58()] },
  });
  const logs = result.value.logs ?? [];
  if (result.value.err) {
    const keelError = keelErrorFromLogs(logs, program.programId);
    throw new SimulationError(`simulation failed: ${keelError?.msg ?? JSON.stringify(result.value.err)}`, logs, keelError);
  }
  const data = result.value.accounts?.[0]?.data?.[0];
  if (!data) throw new Error("the simulation returned no margin account");
  return program.coder.accounts.decode<MarginAccount>("marginAccount", Buffer.from(data, "base64"));
}

/**
 * The program's health report of `margin` after `before` (signed by `payer` when sent): thrown
 * as {@link SimulationError} with the program's error and logs when the program would refuse.
 */
export async function healthAfter(
  program: Program<Keel>,
  margin: PublicKey,
  payer: PublicKey,
  listing: ExchangeListing,
  before: TransactionInstruction[],
  guess: AccountMeta[],
): Promise<HealthReport> {
  try {
    return await withPrices(program, margin, payer, before, () => simulateHealth(program, margin, { before, healthAccounts: guess, listing, payer, commitment: "confirmed" }));
  } catch (e) {
    if (!(e instanceof SimulationError) || !e.keelError || !SLOT_ERRORS.has(e.keelError.name)) throw e;
    const after = await accountAfter(program, margin, payer, before);
    const metas = healthAccounts(after, listing.assets, listing.markets);
    return withPrices(program, margin, payer, before, () => simulateHealth(program, margin, { before, healthAccounts: metas, listing, payer, commitment: "confirmed" }));
  }
}

/** `simulate()`; when it fails on a price, the action alone decides: refused, or {@link UnpricedAction}. */
async function withPrices(
  program: Program<Keel>,
  margin: PublicKey,
  payer: PublicKey,
  before: TransactionInstruction[],
  simulate: () => Promise<HealthReport>,
): Promise<HealthReport> {
  try {
    return await simulate();
  } catch (e) {
    if (!(e instanceof SimulationError) || !e.keelError || !PRICE_ERRORS.has(e.keelError.name)) throw e;
    await accountAfter(program, margin, payer, before);
    throw new UnpricedAction(e);
  }
}
