// What a user sees when things go wrong, against a fresh local exchange of its own: an RPC that
// does not answer (at load and mid-session: a clear message, the page stays up), a signature
// the wallet rejects (the burner asking before it signs, "Cancel" in its dialog), the exchange
// paused by its admin, a stale price feed (named, and each action it says still works does,
// each refused one is refused by the program with the same reason), and one market paused by
// the admin. Every refusal is checked against the program's own simulation from this process.

import { Page, expect, test } from "@playwright/test";
import { getAssociatedTokenAddressSync } from "@solana/spl-token";
import { KEEL_ERRORS, SimulationError } from "../../../ts-client/src";
import { describeError } from "../../src/chain/errors";
import { freePortPair } from "../../../ts-client/tests/localnet";
import { simulate } from "./checks";
import {
  Session,
  appUrl,
  burnerAccount,
  connectAndFund,
  createAndDeposit,
  expectHealthShown,
  fillTicket,
  fillTransfer,
  orderArgs,
  programHealth,
  sameOrder,
  shot,
  startSession,
  stopSession,
  transfer,
  writeMetrics,
} from "./session";

let s: Session;
const metrics: Record<string, unknown> = {};
const pageErrors: string[] = [];

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ browser }) => {
  test.setTimeout(180_000);
  // SOL-PERP around 150 and BTC-PERP around 60 000 (6 000 000 quote native per 0.0001 BTC lot).
  s = await startSession(browser, [
    { side: "ask", priceLots: 1_503_000n, baseLots: 30_000n },
    { side: "bid", priceLots: 1_497_000n, baseLots: 1_000n },
    { side: "ask", priceLots: 6_006_000n, baseLots: 10_000n, market: 1 },
    { side: "bid", priceLots: 5_994_000n, baseLots: 10_000n, market: 1 },
  ]);
  s.page.on("pageerror", (e) => pageErrors.push(e.message));
});

test.afterAll(async () => {
  writeMetrics({ failures: metrics });
  await stopSession(s);
});

/** The program's error name for the order the ticket would send, simulated alone (no health view after it). */
async function programRefusal(order: Awaited<ReturnType<typeof sameOrder>>): Promise<string | undefined> {
  return (await simulate(s, [order.ix])).error;
}

async function expectRefused(page: Page, form: "ticket" | "transfer", name: keyof typeof KEEL_ERRORS): Promise<void> {
  await expect(page.getByTestId(`${form}-refusal-title`)).toHaveText(`The program refused: ${KEEL_ERRORS[name].msg}`);
  await expect(page.getByTestId(form === "ticket" ? "ticket-place" : "transfer-send")).toBeDisabled();
}

test("says the RPC is unreachable when the page loads, and stays up", async () => {
  const port = await freePortPair(); // nothing listens there
  const rpc = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  await s.page.goto(appUrl(s, rpc));
  await expect(s.page.getByTestId("load-error")).toContainText(`The RPC at ${rpc} is unreachable`);
  metrics.unreachableShownMs = Date.now() - t0;
  await s.page.getByTestId("load-retry").click();
  await expect(s.page.getByTestId("load-error")).toContainText("Is the node running?");
  await expect(s.page.getByTestId("endpoint")).toHaveText(rpc);
  expect(pageErrors).toEqual([]);
});

test("connects, funds, buys BTC and rests two SOL bids", async () => {
  await connectAndFund(s);
  await createAndDeposit(s, [["USDC", "5000"], ["SOL", "5"]]);
  await fillTicket(s.page, "buy", "ioc", "60100", "0.01", "BTC-PERP");
  await expect(s.page.getByTestId("ticket-preview")).toBeVisible();
  await s.page.getByTestId("ticket-place").click();
  await expect(s.page.getByTestId("position-BTC-size")).toHaveText("0.0100");
  for (const price of ["145", "144"]) {
    await fillTicket(s.page, "buy", "limit", price, "1");
    await expect(s.page.getByTestId("ticket-preview")).toBeVisible();
    await s.page.getByTestId("ticket-place").click();
    await expect(s.page.getByTestId("notice-ok").filter({ hasText: "Buy 1 SOL: done" }).last()).toBeVisible();
  }
  await expect(s.page.getByTestId("open-order")).toHaveCount(2);
});

test("reports a signature the wallet rejects, and nothing is sent", async () => {
  const { page } = s;
  const balance = async () => (await programHealth(s)).collaterals[0].balance.toString();
  const before = await balance();
  await page.getByTestId("burner-asks").check();
  await fillTransfer(page, "deposit", "USDC", "1");
  await expect(page.getByTestId("transfer-preview")).toBeVisible();
  const asked = new Promise<string>((resolve) => page.once("dialog", (d) => (resolve(d.message()), void d.dismiss())));
  await page.getByTestId("transfer-send").click();
  expect(await asked).toBe("Local burner: sign a transaction of 1 instruction?");
  await expect(page.getByTestId("notice-problem").filter({ hasText: "Deposit 1 USDC: You rejected the request in your wallet" })).toBeVisible();
  expect(await balance()).toBe(before);
  page.once("dialog", (d) => void d.accept());
  await page.getByTestId("transfer-send").click();
  await expect(page.getByTestId("notice-ok").filter({ hasText: "Deposit 1 USDC: done" })).toBeVisible();
  expect(BigInt(await balance()) - BigInt(before)).toBe(1_000_000n);
  await page.getByTestId("burner-asks").uncheck();
});

test("says the RPC is unreachable mid-session, and recovers when it answers again", async () => {
  const { page } = s;
  const rpc = s.ex.localnet.rpcUrl;
  const cut = (url: URL) => url.href.startsWith(rpc);
  await page.route(cut, (route) => route.abort("connectionrefused"));
  await fillTransfer(page, "withdraw", "USDC", "10");
  await expect(page.getByTestId("transfer-refusal-title")).toHaveText(`The RPC at ${rpc} is unreachable`);
  await expect(page.getByTestId("transfer-send")).toBeDisabled();
  await expect(page.getByTestId("account-overview")).toBeVisible();
  await shot(page, "rpc-unreachable", undefined, page.getByTestId("transfer"));
  await page.unroute(cut);
  await page.getByTestId("transfer-amount").fill("11");
  await expect(page.getByTestId("transfer-preview")).toBeVisible();
  expect(pageErrors).toEqual([]);
});

test("the exchange paused by its admin: withdrawals and new risk refused, deposits, reduce-only trades and cancels work", async () => {
  const { page, ex } = s;
  const admin = ex.program(ex.admin);
  await admin.methods.setExchangePause(true).accountsPartial({ admin: ex.admin.publicKey, exchange: ex.exchange }).rpc();
  await expect(page.getByTestId("exchange-paused")).toContainText("The exchange is paused");

  await fillTicket(page, "buy", "limit", "146", "1");
  await expectRefused(page, "ticket", "ExchangePaused");
  await expect(page.getByTestId("ticket-refusal-detail")).toContainText("deposits, cancels and reduce-only orders still work");
  expect(await programRefusal(await sameOrder(s, orderArgs("bid", 1_460_000n, 100n, { limit: {} })))).toBe("ExchangePaused");
  await fillTransfer(page, "withdraw", "USDC", "10");
  await expectRefused(page, "transfer", "ExchangePaused");
  await shot(page, "exchange-paused", "exchange-paused.png");

  await transfer(page, "deposit", "USDC", "10");
  await fillTicket(page, "sell", "ioc", "59900", "0.005", "BTC-PERP");
  await page.getByTestId("ticket-reduce-only").check();
  await expect(page.getByTestId("ticket-preview")).toBeVisible();
  await page.getByTestId("ticket-place").click();
  await expect(page.getByTestId("position-BTC-size")).toHaveText("0.0050");
  await page.getByTestId("ticket-reduce-only").uncheck();
  await page.getByTestId("cancel-order").first().click();
  await expect(page.getByTestId("open-order")).toHaveCount(1);

  await admin.methods.setExchangePause(false).accountsPartial({ admin: ex.admin.publicKey, exchange: ex.exchange }).rpc();
  await expect(page.getByTestId("exchange-paused")).toHaveCount(0);
});

test("a stale feed: named, its market and withdrawals refused by the program, deposits, cancels and reducing trades elsewhere work", async () => {
  const { page, ex } = s;
  // SOL/USD is paused: an hour and 100 s on, it is older than SOL-PERP's and SOL's 3 600 s;
  // BTC/USD publishes again at the new time.
  await ex.localnet.call("keel_warpTime", [3_700]);
  await ex.localnet.call("keel_setPrice", ["BTC/USD", 60_000, { confBps: 5 }]);
  const oracle = s.maker.listing.markets[0].market.oracle.toBase58();
  const feed = `The SOL price feed (${oracle.slice(0, 6)}…${oracle.slice(-4)})`;
  const stale = page.getByTestId("stale-feed");
  await expect(stale).toHaveCount(1, { timeout: 30_000 });
  await expect(stale).toContainText(`${feed} is stale`);
  await expect(page.getByTestId("market-SOL").getByTestId("oracle-stale")).toBeVisible();
  await expect(page.getByTestId("market-BTC").getByTestId("oracle-stale")).toHaveCount(0);

  // The program's health view refuses too, naming the same feed by its logged numbers.
  const err = await programHealth(s).catch((e: unknown) => e);
  expect((err as SimulationError).keelError?.name).toBe("OracleStale");
  expect((err as SimulationError).logs.join("\n")).toContain(`oracle ${oracle}: OracleStale`);
  const logged = /OracleStale \(price -?\d+ conf \d+ expo -?\d+ published (\d+) now (\d+)\)/.exec((err as SimulationError).logs.join("\n"))!;
  const programAge = Number(logged[2]) - Number(logged[1]);
  expect(programAge).toBeGreaterThan(s.maker.listing.markets[0].market.oracleMaxAgeSecs);
  const healthError = page.getByTestId("health-error");
  await expect(healthError).toContainText(`The program refused: ${KEEL_ERRORS.OracleStale.msg}`);
  await expect(healthError).toContainText(`${feed}: last published `);
  // The page's simulation ran a few slots before or after this one: its clock is seconds away.
  const shownAge = Number(/: last published (\d+) s before the program's clock/.exec((await healthError.textContent()) ?? "")?.[1]);
  expect(Math.abs(shownAge - programAge)).toBeLessThanOrEqual(10);

  // Refused: any order in SOL-PERP (reduce-only too), risk in BTC-PERP, a withdrawal.
  await fillTicket(page, "sell", "ioc", "140", "0.1");
  await page.getByTestId("ticket-reduce-only").check();
  await expectRefused(page, "ticket", "OracleStale");
  await expect(page.getByTestId("ticket-refusal-detail")).toContainText(feed);
  expect(await programRefusal(await sameOrder(s, orderArgs("ask", 1_400_000n, 10n, { immediateOrCancel: {} }, true)))).toBe("OracleStale");
  await page.getByTestId("ticket-reduce-only").uncheck();
  await fillTicket(page, "buy", "ioc", "60100", "0.01", "BTC-PERP");
  await expectRefused(page, "ticket", "OracleStale");
  expect(await programRefusal(await sameOrder(s, orderArgs("bid", 6_010_000n, 100n, { immediateOrCancel: {} }), 1))).toBe("OracleStale");
  await fillTransfer(page, "withdraw", "USDC", "10");
  await expectRefused(page, "transfer", "OracleStale");
  await shot(page, "stale-oracle", "stale-oracle.png");

  // Work: a deposit into the USDC balance (health after it unknown), a cancel, a BTC sell that reduces.
  const ata = getAssociatedTokenAddressSync(s.maker.listing.assets[0].asset.mint, s.owner);
  const wallet = async () => BigInt((await s.maker.program.provider.connection.getTokenAccountBalance(ata, "confirmed")).value.amount);
  const inWallet = await wallet();
  await fillTransfer(page, "deposit", "USDC", "10");
  await expect(page.getByTestId("transfer-unpriced")).toBeVisible();
  await page.getByTestId("transfer-send").click();
  // (The exchange-pause test's notice of the same deposit may still show: the chain is the check.)
  await expect.poll(async () => inWallet - (await wallet())).toBe(10_000_000n);
  await page.getByTestId("cancel-order").click();
  await expect(page.getByTestId("open-order")).toHaveCount(0);
  await fillTicket(page, "sell", "ioc", "59900", "0.005", "BTC-PERP");
  await page.getByTestId("ticket-reduce-only").check();
  await expect(page.getByTestId("ticket-unpriced")).toBeVisible();
  await page.getByTestId("ticket-place").click();
  const btcLots = async () => (await s.maker.program.account.marginAccount.fetch(burnerAccount(s))).perps.find((p) => p.inUse !== 0 && p.marketIndex === 1)?.baseLots.toString() ?? "0";
  await expect.poll(btcLots).toBe("0");

  // A fresh SOL price: the warning goes, the program prices the account again.
  await ex.localnet.call("keel_setPrice", ["SOL/USD", 150, { confBps: 5 }]);
  await expect(stale).toHaveCount(0, { timeout: 30_000 });
  await expectHealthShown(s);
  await expect(page.getByTestId("health-error")).toHaveCount(0);
  expect(pageErrors).toEqual([]);
});

test("a market paused by its admin: the badge and the ticket's notice, new risk refused in the program's words, a reduce-only sell and a cancel work", async () => {
  const { page, ex } = s;
  const sol = s.maker.listing.markets[0];
  const admin = ex.program(ex.admin);
  const pause = (paused: boolean) =>
    admin.methods.updatePerpMarket({ params: null, paused }).accountsPartial({ admin: ex.admin.publicKey, exchange: ex.exchange, market: sol.address }).rpc();
  const solLots = async () => (await s.maker.program.account.marginAccount.fetch(burnerAccount(s))).perps.find((p) => p.inUse !== 0 && p.marketIndex === 0)?.baseLots.toString() ?? "0";
  const badge = page.getByTestId("market-SOL").getByText("paused: only cancels, reduce-only trades, cranks and liquidations");
  const notice = page.getByTestId("order-ticket").getByText("SOL-PERP is paused: only cancels and reduce-only orders.");

  // Before: long 1 SOL (the maker's ask at 150.30) and a SOL bid resting at 145 (the stale-feed
  // test left the ticket reduce-only).
  await fillTicket(page, "buy", "ioc", "150.4", "1");
  await page.getByTestId("ticket-reduce-only").uncheck();
  await expect(page.getByTestId("ticket-preview")).toBeVisible();
  await page.getByTestId("ticket-place").click();
  await expect.poll(solLots).toBe("100");
  await expect(page.getByTestId("position-SOL-size")).toHaveText("1.00");
  await fillTicket(page, "buy", "limit", "145", "1");
  await expect(page.getByTestId("ticket-preview")).toBeVisible();
  await page.getByTestId("ticket-place").click();
  await expect(page.getByTestId("open-order")).toHaveCount(1);

  await pause(true);
  expect((await s.maker.program.account.perpMarket.fetch(sol.address)).paused).toBe(1);
  await expect(badge).toBeVisible();
  await expect(notice).toBeVisible();
  await expect(page.getByTestId("exchange-paused")).toHaveCount(0);
  await expect(page.getByTestId("market-BTC").getByText("paused:")).toHaveCount(0);

  // A buy adds risk: refused before signing, in the words the page gives the program's own refusal.
  await fillTicket(page, "buy", "limit", "146", "1");
  const refused = await simulate(s, [(await sameOrder(s, orderArgs("bid", 1_460_000n, 100n, { limit: {} }))).ix]);
  expect(refused.error).toBe("MarketPaused");
  const words = describeError({ logs: refused.logs }, ex.localnet.rpcUrl);
  expect(words.title).toBe(`The program refused: ${KEEL_ERRORS.MarketPaused.msg}`);
  expect(words.detail).toContain("The market is paused: only cancels, reduce-only trades, cranks and liquidations are possible.");
  await expectRefused(page, "ticket", "MarketPaused");
  await expect(page.getByTestId("ticket-refusal-detail")).toHaveText(words.detail!);
  await shot(page, "market-paused", undefined, page.getByTestId("order-ticket"));
  // The other market is not paused: no notice there.
  await page.getByTestId("ticket-market").selectOption({ label: "BTC-PERP" });
  await expect(notice).toHaveCount(0);
  await expect(page.getByTestId("order-ticket").getByText("is paused")).toHaveCount(0);

  // Still offered and working: a reduce-only sell that closes the position (the maker's bid at 149.70), the cancel.
  await fillTicket(page, "sell", "ioc", "149", "1");
  await expect(notice).toBeVisible();
  await page.getByTestId("ticket-reduce-only").check();
  await expect(page.getByTestId("ticket-preview")).toBeVisible();
  await expect(page.getByTestId("ticket-place")).toBeEnabled();
  expect((await simulate(s, [(await sameOrder(s, orderArgs("ask", 1_490_000n, 100n, { immediateOrCancel: {} }, true))).ix])).error).toBeUndefined();
  await page.getByTestId("ticket-place").click();
  await expect(page.getByTestId("notice-ok").filter({ hasText: "Sell 1 SOL: done" }).last()).toBeVisible();
  await expect.poll(solLots).toBe("0");
  await page.getByTestId("ticket-reduce-only").uncheck();
  await page.getByTestId("cancel-order").click();
  await expect(page.getByTestId("open-order")).toHaveCount(0);

  // Resumed: the badge and the notice go, the same buy previews again (not placed: the account is as before).
  await pause(false);
  expect((await s.maker.program.account.perpMarket.fetch(sol.address)).paused).toBe(0);
  await expect(badge).toHaveCount(0);
  await expect(notice).toHaveCount(0);
  await fillTicket(page, "buy", "limit", "146", "1");
  await expect(page.getByTestId("ticket-preview")).toBeVisible();
  await expect(page.getByTestId("ticket-refusal")).toHaveCount(0);
  await page.getByTestId("ticket-size").fill("");
  expect(pageErrors).toEqual([]);
});
