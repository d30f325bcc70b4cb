// The dApp in Chromium against a fresh local exchange: connect the burner wallet, get test
// funds, create the margin account, deposit, read health (the numbers on the page equal the
// program's health view simulated from this process), IOC and market orders with their
// previews and the recent fills they leave, a refused order's reason, cancel, withdraw, a
// delegate set, trading within its limits and removed, and a liquidation by the keeper after a
// price shock. The feeds are pinned (keel_setPrice, then paused) so the numbers do not move
// between the page and the check. The bundle's chunks and what the first render loads are
// measured too.

import { Keypair } from "@solana/web3.js";
import { expect, test } from "@playwright/test";
import * as fs from "fs";
import * as path from "path";
import { SimulationError, simulateHealth } from "../../../ts-client/src";
import { fixedQuote, loggedHealth } from "../../src/chain/refusal";
import { bpsToPercent, formatUnits, marketUnits, perLotToUsd } from "../../src/format";
import { checkDelegate, expectLatestFills } from "./checks";
import { startKeeper } from "./keeper";
import { fundedAccount } from "./maker";
import {
  FEEDS,
  Session,
  WEB,
  burnerAccount,
  connectAndFund,
  createAndDeposit,
  expectHealthShown,
  fillTicket,
  healthAfterIx,
  orderArgs,
  pinFeeds,
  programHealth,
  sameOrder,
  shot,
  startSession,
  stopSession,
  transfer,
  usdc,
  writeMetrics,
} from "./session";

let s: Session;
const metrics: Record<string, unknown> = {};

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ browser }) => {
  test.setTimeout(180_000);
  const started = Date.now();
  // 150 USDC per SOL = 1 500 000 quote native per 0.01 SOL lot.
  s = await startSession(browser, [
    { side: "ask", priceLots: 1_503_000n, baseLots: 30_000n },
    { side: "bid", priceLots: 1_497_000n, baseLots: 1_000n },
  ]);
  metrics.setupMs = Date.now() - started;
});

test.afterAll(async () => {
  writeMetrics(metrics);
  await stopSession(s);
});

/** The built chunks (dist/assets/*.js) with their sizes in kB, largest first. */
function chunkSizes(): { file: string; kB: number }[] {
  const dir = path.join(WEB, "dist/assets");
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".js"))
    .map((file) => ({ file, kB: Math.round(fs.statSync(path.join(dir, file)).size / 100) / 10 }))
    .sort((a, b) => b.kB - a.kB);
}

test("connects the burner wallet and gets test funds", async () => {
  const times = await connectAndFund(s);
  Object.assign(metrics, times);
  // What the first render needs (the entry's chunks and the wallet side's) and what is fetched
  // beside or after it (the chart and the trader's panels), by the chunks' names.
  const chunks = chunkSizes();
  const kB = (list: { kB: number }[]) => Math.round(list.reduce((sum, c) => sum + c.kB, 0) * 10) / 10;
  const deferred = chunks.filter((c) => /PriceChart|TraderPanels/.test(c.file));
  metrics.bundle = {
    chunks,
    totalJsKB: kB(chunks),
    jsForFirstRenderKB: kB(chunks.filter((c) => !deferred.includes(c))),
    jsDeferredKB: kB(deferred),
  };
  // Where the first render's time goes, from the page's own resource timings (ms from navigation).
  metrics.firstRenderTimings = await s.page.evaluate(([rpc, render]) => {
    const entries = performance.getEntriesByType("resource") as PerformanceResourceTiming[];
    const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
    const js = entries.filter((e) => e.name.endsWith(".js"));
    const calls = entries.filter((e) => e.name.startsWith(rpc));
    const round = (v: number) => Math.round(v);
    const before = calls.filter((e) => e.responseEnd <= render);
    return {
      domContentLoaded: round(nav.domContentLoadedEventEnd),
      entryScriptsLoaded: round(Math.max(...js.filter((e) => !/WalletLayer|TraderPanels|PriceChart/.test(e.name)).map((e) => e.responseEnd))),
      walletChunksLoaded: round(Math.max(...js.filter((e) => /WalletLayer/.test(e.name)).map((e) => e.responseEnd))),
      deferredChunksRequested: round(Math.min(...js.filter((e) => /TraderPanels|PriceChart/.test(e.name)).map((e) => e.startTime))),
      firstRpcStart: round(Math.min(...calls.map((e) => e.startTime))),
      rpcCallsBeforeRender: before.length,
      lastRpcBeforeRender: round(Math.max(...before.map((e) => e.responseEnd))),
    };
  }, [s.ex.localnet.rpcUrl, times.firstRenderMs] as const);
  // The chart is its own chunk, fetched when the markets render.
  await expect(s.page.getByTestId("market-SOL").getByTestId("price-chart")).toBeVisible();
});

test("creates the margin account and deposits", async () => {
  await createAndDeposit(s, [["USDC", "5000"], ["SOL", "5"]]);
  await expect(s.page.getByTestId("collateral-USDC-amount")).toHaveText("5,000.0000");
  await expect(s.page.getByTestId("collateral-SOL-amount")).toHaveText("5.0000");
  await expect(s.page.getByTestId("delegate")).toHaveText("Delegate: none");
});

test("shows the program's health numbers", async () => {
  const report = await expectHealthShown(s);
  expect(report.collaterals.length).toBe(2);
  await expect(s.page.getByTestId("free-collateral")).toHaveText(`${usdc(report.init.health)} USDC`);
  await expect(s.page.getByTestId("liquidation-state")).toHaveText("Liquidation: none");
});

test("previews an IOC order's health, places it, and shows its fill", async () => {
  await fillTicket(s.page, "buy", "ioc", "151", "0.5");
  await expect(s.page.getByTestId("ticket-preview")).toBeVisible();
  const after = await healthAfterIx(s, await sameOrder(s, orderArgs("bid", 1_510_000n, 50n, { immediateOrCancel: {} })));
  await expect(s.page.getByTestId("ticket-Init-after")).toHaveText(usdc(after.init.health));
  await expect(s.page.getByTestId("ticket-Maint-after")).toHaveText(usdc(after.maint.health));
  await s.page.getByTestId("ticket-place").click();
  await expect(s.page.getByTestId("notice-ok").filter({ hasText: "Buy 0.5 SOL: done" })).toBeVisible();
  await expect(s.page.getByTestId("position-SOL-size")).toHaveText("0.50");
  const report = await expectHealthShown(s);
  const u = marketUnits(s.maker.listing.markets[0].market, 6);
  const liq = report.perps[0].liquidationPricePerLot;
  await expect(s.page.getByTestId("position-SOL-liq")).toHaveText(liq.isZero() ? "none" : perLotToUsd(liq, u));
  await expect(s.page.getByTestId("position-SOL-pnl")).toHaveText(usdc(report.perps[0].unrealizedPnl));
  await expectLatestFills(s, 1);
  await shot(s.page, "account-after-trade", "account-after-trade.png");
});

test("previews a market order's health with the program, places it, and shows its fill", async () => {
  await fillTicket(s.page, "buy", "market", "", "0.5");
  await expect(s.page.getByTestId("ticket-price")).toHaveCount(0);
  await expect(s.page.getByTestId("ticket-market-note")).toContainText(`(±${bpsToPercent(s.maker.listing.markets[0].market.priceBandBps, 2)})`);
  await expect(s.page.getByTestId("ticket-preview")).toBeVisible();
  // The ticket sends the oracle's price in lots (a market order's price is ignored by the program).
  const after = await healthAfterIx(s, await sameOrder(s, orderArgs("bid", 1_500_000n, 50n, { market: {} })));
  for (const [label, line] of [["Init", after.init], ["Maint", after.maint], ["LiquidationEnd", after.liquidationEnd]] as const) {
    await expect(s.page.getByTestId(`ticket-${label}-after`)).toHaveText(usdc(line.health));
  }
  const before = await programHealth(s);
  await expect(s.page.getByTestId("ticket-Init-before")).toHaveText(usdc(before.init.health));
  await s.page.getByTestId("ticket-place").click();
  await expect(s.page.getByTestId("notice-ok").filter({ hasText: "Buy 0.5 SOL: done" }).last()).toBeVisible();
  await expect(s.page.getByTestId("position-SOL-size")).toHaveText("1.00");
  // What the preview said is what the program computes now that the order landed.
  const landed = await expectHealthShown(s);
  expect(landed.init.health.toString()).toBe(after.init.health.toString());
  await expectLatestFills(s, 2);
  await shot(s.page, "recent-fills", "recent-fills.png", s.page.getByTestId("market-SOL"));
});

test("says why the program would refuse an order, before signing", async () => {
  await fillTicket(s.page, "buy", "limit", "151", "500");
  const refusal = s.page.getByTestId("ticket-refusal-title");
  await expect(refusal).toContainText("The program would refuse: Init health would be \u2212");
  const { ix, metas } = await sameOrder(s, orderArgs("bid", 1_510_000n, 50_000n, { limit: {} }));
  const err = await simulateHealth(s.maker.program, burnerAccount(s), { before: [ix], healthAccounts: metas, payer: s.owner }).catch((e) => e);
  expect(err).toBeInstanceOf(SimulationError);
  expect((err as SimulationError).keelError?.name).toBe("InitHealthNegative");
  const logged = loggedHealth((err as SimulationError).logs)!;
  await expect(refusal).toHaveText(`The program would refuse: Init health would be ${fixedQuote(logged.health, 6)} USDC`);
  await expect(s.page.getByTestId("ticket-refusal-detail")).toContainText("init health would be negative after this action (InitHealthNegative)");
  await expect(s.page.getByTestId("ticket-place")).toBeDisabled();
  await shot(s.page, "order-ticket-refused", "order-ticket-refused.png", s.page.getByTestId("order-ticket"));
});

test("places resting orders and cancels them one by one and all at once", async () => {
  const { page } = s;
  await fillTicket(page, "buy", "limit", "145", "1");
  await expect(page.getByTestId("ticket-preview")).toBeVisible();
  await page.getByTestId("ticket-place").click();
  await expect(page.getByTestId("open-order")).toHaveCount(1);
  await page.getByTestId("cancel-order").click();
  await expect(page.getByTestId("open-order")).toHaveCount(0);
  for (const price of ["145", "146"]) {
    await fillTicket(page, "buy", "postOnly", price, "1");
    await expect(page.getByTestId("ticket-preview")).toBeVisible();
    await page.getByTestId("ticket-place").click();
    await expect(page.getByTestId("notice-ok").filter({ hasText: "Buy 1 SOL: done" }).last()).toBeVisible();
  }
  await expect(page.getByTestId("open-order")).toHaveCount(2);
  await page.getByTestId("cancel-all").click();
  await expect(page.getByTestId("open-order")).toHaveCount(0);
});

test("withdraws with a health preview", async () => {
  const before = await programHealth(s);
  await transfer(s.page, "withdraw", "USDC", "1000");
  const after = await expectHealthShown(s);
  expect(BigInt(before.collaterals[0].balance.sub(after.collaterals[0].balance).toString())).toBe(1_000_000_000n);
  await expect(s.page.getByTestId("collateral-USDC-amount")).toHaveText(formatUnits(after.collaterals[0].balance, 6, 4));
});

test("sets a delegate within the program's bounds, which trades within its limits, then removes it", async () => {
  await checkDelegate(s);
});

test("measures the RPC calls of the idle account page", async () => {
  const count = async (ms: number) => {
    const from = Date.now();
    await s.page.waitForTimeout(ms);
    const seen = s.rpcRequests.filter((r) => r.t >= from);
    const byMethod: Record<string, number> = {};
    for (const r of seen) byMethod[r.method] = (byMethod[r.method] ?? 0) + 1;
    return { perSecond: seen.length / (ms / 1000), byMethod };
  };
  // Idle: the previews and the health refresh that followed the last action are over.
  await s.page.waitForTimeout(3_000);
  metrics.idleRpcPerSecondPinnedFeeds = await count(10_000);
  for (const feed of Object.keys(FEEDS)) await s.ex.localnet.call("keel_pauseFeed", [feed, false]);
  metrics.idleRpcPerSecondMovingFeeds = await count(10_000);
  await pinFeeds(s.ex);
});

test("shows a liquidation after a price shock", async () => {
  const { page, ex } = s;
  const keeperAccount = await fundedAccount(ex, 1_000_000n);
  const keeper = await startKeeper(ex, keeperAccount.owner as Keypair);
  s.stops.push(() => keeper.stop());
  const held = Number(await page.getByTestId("position-SOL-size").textContent());
  await fillTicket(page, "buy", "ioc", "151", "240");
  await expect(page.getByTestId("ticket-preview")).toBeVisible();
  await page.getByTestId("ticket-place").click();
  const size = (held + 240).toFixed(2);
  await expect(page.getByTestId("position-SOL-size")).toHaveText(size);
  await expectHealthShown(s);
  // −10 %: Maint health below zero, the loss smaller than the collateral (a liquidation, not a
  // bankruptcy). The keeper is fast: the page may show the account only after its first step.
  await ex.localnet.call("keel_setPrice", ["SOL/USD", 135, { confBps: 5 }]);
  await expect(page.getByTestId("liquidation-state")).toHaveText(/Liquidation: (in progress|ended)/, { timeout: 60_000 });
  await expect(async () => {
    const shown = await page.getByTestId("position-SOL-size").textContent({ timeout: 1_000 }).catch(() => null);
    expect(shown).not.toBe(size);
  }).toPass({ timeout: 60_000 });
  const report = await expectHealthShown(s);
  expect(BigInt(report.liquidationEnd.health.toString())).toBeGreaterThanOrEqual(0n);
  // The feed shows the keeper's steps on this account (PerpLiquidated events from the logs), and
  // the fund's balance as its vault holds it.
  const feed = page.getByTestId("liquidation-feed-row");
  await expect(feed.first()).toBeVisible({ timeout: 30_000 });
  await expect(feed.first()).toContainText("SOL-PERP");
  await expect(page.getByTestId("insurance-balance")).toHaveText(/^[\d,]+\.\d{2} USDC$/);
  metrics.liquidation = { state: await page.getByTestId("liquidation-state").textContent(), position: await page.getByTestId("position-SOL-size").textContent().catch(() => "closed") };
  await shot(page, "after-liquidation");
});
