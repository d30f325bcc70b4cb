// Checks of the page against the program that dapp.spec.ts runs at several points: the recent
// fills (against the market's fill queue and the landed transaction's OrderFilled events) and the
// delegate form and overview (against simulations of set_delegate and the account's stored
// limits, with the delegate trading for the account from this process).

import { BN } from "@anchor-lang/core";
import { expect } from "@playwright/test";
import { Keypair, LAMPORTS_PER_SOL, PublicKey, Transaction, TransactionInstruction, TransactionMessage, VersionedTransaction } from "@solana/web3.js";
import { KEEL_ERRORS, OrderFilled, eventsOf, keelErrorFromLogs, placeOrderInstruction } from "../../../ts-client/src";
import { setDelegateIx } from "../../src/chain/delegate";
import { programLogLines } from "../../src/chain/errors";
import { baseLotsToSize, bpsToPercent, formatDuration, formatUnits, formatUtcTime, marketUnits, priceLotsToUsd } from "../../src/format";
import { Session, burnerAccount, orderArgs, shot } from "./session";

/**
 * The SOL market's recent fills on the page are the burner's `count` fills in the fill queue
 * (no crank has run yet), newest first: sequence, the program's time of the match, side, price
 * and size; the newest is the OrderFilled event of the account's latest transaction.
 */
export async function expectLatestFills(s: Session, count: number): Promise<void> {
  const program = s.maker.program;
  const market = s.maker.listing.markets[0].market;
  const u = marketUnits(market, 6);
  const queue = await program.account.fillQueue.fetch(market.fillQueue);
  const capacity = queue.events.length;
  const mine = Array.from({ length: queue.count.toNumber() }, (_, i) => queue.events[(queue.head.toNumber() + i) % capacity])
    .filter((e) => e.kind === 1 && e.taker.equals(burnerAccount(s)))
    .reverse();
  expect(mine).toHaveLength(count);
  const [latest] = await program.provider.connection.getSignaturesForAddress(burnerAccount(s), { limit: 1 }, "confirmed");
  const tx = await program.provider.connection.getTransaction(latest.signature, { commitment: "confirmed", maxSupportedTransactionVersion: 0 });
  const filled = eventsOf(program, tx?.meta?.logMessages ?? []).filter((e) => e.name === "orderFilled").map((e) => e.data as OrderFilled);
  expect(filled.map((f) => f.fillSeq.toString())).toContain(mine[0].seq.toString());

  const rows = s.page.getByTestId("market-SOL").getByTestId("fill");
  await expect(rows).toHaveCount(count);
  for (const [i, event] of mine.entries()) {
    const row = rows.nth(i);
    await expect(row).toHaveAttribute("data-seq", event.seq.toString());
    await expect(row.getByTestId("fill-time")).toHaveText(formatUtcTime(event.timestamp));
    await expect(row.getByTestId("fill-side")).toHaveText(event.makerSide === 0 ? "sell" : "buy");
    await expect(row.getByTestId("fill-price")).toHaveText(priceLotsToUsd(event.priceLots, u));
    await expect(row.getByTestId("fill-size")).toHaveText(baseLotsToSize(event.baseLots, u));
  }
}

/** `ixs` simulated for the burner (unsigned): the program's error name, Keel's log lines and all the logs. */
export async function simulate(s: Session, ixs: TransactionInstruction[]): Promise<{ error?: string; lines: string[]; logs: string[] }> {
  const connection = s.maker.program.provider.connection;
  const { blockhash } = await connection.getLatestBlockhash();
  const message = new TransactionMessage({ payerKey: s.owner, recentBlockhash: blockhash, instructions: ixs }).compileToV0Message();
  const result = await connection.simulateTransaction(new VersionedTransaction(message), { sigVerify: false, replaceRecentBlockhash: true });
  const logs = result.value.logs ?? [];
  return { error: result.value.err ? (keelErrorFromLogs(logs)?.name ?? JSON.stringify(result.value.err)) : undefined, lines: programLogLines(logs), logs };
}

const bound = async (s: Session, testId: string, which: "min" | "max") => Number(await s.page.getByTestId(testId).getAttribute(`data-${which}`));

/** The delegate form, its refusal, the overview of a delegate trading for the account, and its removal. */
export async function checkDelegate(s: Session): Promise<void> {
  const { page } = s;
  const program = s.maker.program;
  const delegate = Keypair.generate();
  const settings = (maxSlippageBps: number, periodSecs: number, lossLimit = 20_000_000n) => ({ delegate: delegate.publicKey, maxSlippageBps, lossLimit, periodSecs });
  const setDelegate = (maxSlippageBps: number, periodSecs: number) => setDelegateIx(program, s.owner, burnerAccount(s), settings(maxSlippageBps, periodSecs));

  // The bounds the form states are the program's: accepted at each end, refused one past it;
  // the defaults lie inside them.
  const slippage = [await bound(s, "delegate-slippage-bounds", "min"), await bound(s, "delegate-slippage-bounds", "max")];
  const period = [await bound(s, "delegate-period-bounds", "min"), await bound(s, "delegate-period-bounds", "max")];
  for (const [bps, secs, error] of [
    [slippage[0], period[0], undefined],
    [slippage[1], period[1], undefined],
    [slippage[0] - 1, period[0], "InvalidDelegateLimits"],
    [slippage[1] + 1, period[0], "InvalidDelegateLimits"],
    [slippage[0], period[0] - 1, "InvalidDelegateLimits"],
    [slippage[0], period[1] + 1, "InvalidDelegateLimits"],
  ] as const) {
    expect((await simulate(s, [await setDelegate(bps, secs)])).error, `${bps} bps, ${secs} s`).toBe(error);
  }
  const defaults = [Number(await page.getByTestId("delegate-slippage-input").inputValue()), Number(await page.getByTestId("delegate-period-input").inputValue())];
  expect(defaults[0]).toBeGreaterThanOrEqual(slippage[0]);
  expect(defaults[0]).toBeLessThanOrEqual(slippage[1]);
  expect(defaults[1]).toBeGreaterThanOrEqual(period[0]);
  expect(defaults[1]).toBeLessThanOrEqual(period[1]);

  // Out of bounds: the program's refusal, before signing.
  await page.getByTestId("delegate-input").fill(delegate.publicKey.toBase58());
  await page.getByTestId("delegate-slippage-input").fill(String(slippage[1] * 2));
  await page.getByTestId("delegate-loss-input").fill("20");
  await page.getByTestId("delegate-period-input").fill("3600");
  await expect(page.getByTestId("delegate-refusal-title")).toHaveText(`The program refused: ${KEEL_ERRORS.InvalidDelegateLimits.msg}`);
  const refused = await simulate(s, [await setDelegate(slippage[1] * 2, 3600)]);
  expect(refused.error).toBe("InvalidDelegateLimits");
  await expect(page.getByTestId("delegate-refusal-detail")).toContainText(refused.lines[refused.lines.length - 1]);
  await expect(page.getByTestId("delegate-set")).toBeDisabled();
  await shot(page, "delegate-refused", "delegate-refused.png", page.getByTestId("delegate-panel"));

  // Within them: set, and shown as the account stores it.
  await page.getByTestId("delegate-slippage-input").fill("50");
  await expect(page.getByTestId("delegate-preview")).toBeVisible();
  await page.getByTestId("delegate-set").click();
  await expect(page.getByTestId("notice-ok").filter({ hasText: "Set delegate: done" })).toBeVisible();
  await expect(page.getByTestId("delegate-key")).toHaveText(delegate.publicKey.toBase58());
  const expectStored = async () => {
    const limits = (await program.account.marginAccount.fetch(burnerAccount(s))).delegateLimits;
    await expect(page.getByTestId("delegate-slippage")).toHaveText(bpsToPercent(limits.maxSlippageBps, 2));
    await expect(page.getByTestId("delegate-loss-limit")).toHaveText(`${formatUnits(limits.lossLimit, 6, 2)} USDC`);
    await expect(page.getByTestId("delegate-period")).toHaveText(formatDuration(limits.periodSecs));
    await expect(page.getByTestId("delegate-used")).toHaveText(`${formatUnits(limits.periodLoss, 6, 2)} USDC`);
    await expect(page.getByTestId("delegate-period-start")).toHaveText(formatUtcTime(limits.periodStartTs));
    return limits;
  };
  const set = await expectStored();
  expect([set.maxSlippageBps, set.lossLimit.toString(), set.periodSecs, set.periodLoss.toString()]).toEqual([50, "20000000", 3600, "0"]);

  // The delegate buys 0.1 SOL for the account from this process (its limit clamped to 0.5 %
  // above the oracle); what the fill cost is charged to its period, and the page shows it.
  const delegateProgram = s.ex.program(delegate);
  const connection = delegateProgram.provider.connection;
  await connection.confirmTransaction({ signature: await connection.requestAirdrop(delegate.publicKey, LAMPORTS_PER_SOL), ...(await connection.getLatestBlockhash()) }, "confirmed");
  const held = await page.getByTestId("position-SOL-size").textContent();
  const ix = await placeOrderInstruction(delegateProgram, {
    signer: delegate.publicKey,
    marginAccount: burnerAccount(s),
    listing: s.maker.listing,
    marketIndex: 0,
    account: await program.account.marginAccount.fetch(burnerAccount(s)),
    args: { ...orderArgs("bid", 1_510_000n, 10n, { immediateOrCancel: {} }), clientOrderId: new BN(9) },
  });
  await delegateProgram.provider.sendAndConfirm!(new Transaction().add(ix));
  await expect(page.getByTestId("position-SOL-size")).toHaveText((Number(held) + 0.1).toFixed(2));
  const used = await expectStored();
  expect(BigInt(used.periodLoss.toString())).toBeGreaterThan(0n);
  await shot(page, "delegate-in-overview", "delegate-in-overview.png", page.getByTestId("account-overview"));
  await expectLatestFills(s, 3);

  // Removed: the account has no delegate.
  await page.getByTestId("delegate-clear").click();
  await expect(page.getByTestId("notice-ok").filter({ hasText: "Remove delegate: done" })).toBeVisible();
  await expect(page.getByTestId("delegate")).toHaveText("Delegate: none");
  expect((await program.account.marginAccount.fetch(burnerAccount(s))).delegate.equals(PublicKey.default)).toBe(true);
}
