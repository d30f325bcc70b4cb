// The dApp in Chromium against a fresh local exchange: connect the burner wallet, get test
// funds, create the margin account, deposit, read health (the numbers on the page equal the
// program's health view simulated from this process), an order with its preview, a refused
// order's reason, cancel, withdraw, and a liquidation by the keeper after a price shock. The
// feeds are pinned (keel_setPrice, then paused) so the numbers do not move between the page
// and the check. Screenshots go to test-results/screenshots (and, with
// KEEL_WRITE_SCREENSHOTS=1, the README's two to docs/); measurements to test-results/metrics.json.

import { BN } from "@anchor-lang/core";
import { Page, expect, test } from "@playwright/test";
import { Keypair, PublicKey } from "@solana/web3.js";
import * as fs from "fs";
import * as path from "path";
import { HealthReport, PlaceOrderArgs, SimulationError, marginAccountPda, simulateHealth, tradeHealthAccounts } from "../../../ts-client/src";
import { placeOrderIx } from "../../src/chain/actions";
import { fixedQuote, loggedHealth } from "../../src/chain/refusal";
import { formatUnits, marketUnits, perLotToUsd } from "../../src/format";
import { TestExchange, serveApp, startExchange } from "./exchange";
import { Funded, fundedAccount, startMaker } from "./maker";
import { startKeeper } from "./keeper";

const WEB = path.resolve(__dirname, "../..");
const SHOTS = path.join(WEB, "test-results/screenshots");
const DOCS = path.join(WEB, "docs");
const FEEDS = { "SOL/USD": 150, "BTC/USD": 60_000 };

let ex: TestExchange;
let app: { url: string; stop(): Promise<void> };
let maker: Funded;
let page: Page;
let owner: PublicKey;
const metrics: Record<string, unknown> = {};
const rpcRequests: { t: number; method: string }[] = [];
const stops: (() => Promise<void>)[] = [];

async function shot(name: string, docName?: string, target?: ReturnType<Page["getByTestId"]>): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  if (target) await target.screenshot({ path: file });
  else await page.screenshot({ path: file, fullPage: true });
  if (docName && process.env.KEEL_WRITE_SCREENSHOTS === "1") fs.copyFileSync(file, path.join(DOCS, docName));
}

/** The program's health view of the burner's account, simulated from this process. */
async function programHealth(): Promise<HealthReport> {
  return simulateHealth(maker.program, marginAccountPda(ex.exchange, owner, 0), { payer: owner, commitment: "confirmed" });
}

const usdc = (v: BN | bigint) => formatUnits(v, 6, 2);

async function expectHealthShown(): Promise<HealthReport> {
  let report = await programHealth();
  await expect(async () => {
    report = await programHealth();
    for (const [label, line] of [["Init", report.init], ["Maint", report.maint], ["LiquidationEnd", report.liquidationEnd]] as const) {
      await expect(page.getByTestId(`health-${label}-value`)).toHaveText(usdc(line.health), { timeout: 1_000 });
    }
    await expect(page.getByTestId("collateral-value")).toHaveText(`${usdc(report.collateralValue)} USDC`, { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  return report;
}

async function fillTicket(side: "buy" | "sell", type: string, price: string, size: string): Promise<void> {
  await page.getByTestId(side === "buy" ? "ticket-buy" : "ticket-sell").click();
  await page.getByTestId("ticket-type").selectOption(type);
  if (type !== "market") await page.getByTestId("ticket-price").fill(price);
  await page.getByTestId("ticket-size").fill(size);
}

async function transfer(direction: "deposit" | "withdraw", asset: string, amount: string): Promise<void> {
  await page.getByTestId(`transfer-${direction}`).click();
  await page.getByTestId("transfer-asset").selectOption({ label: asset });
  await page.getByTestId("transfer-amount").fill(amount);
  await expect(page.getByTestId("transfer-preview")).toBeVisible();
  await page.getByTestId("transfer-send").click();
  await expect(page.getByTestId("notice-ok").filter({ hasText: `${direction === "deposit" ? "Deposit" : "Withdraw"} ${amount} ${asset}: done` })).toBeVisible();
}

function orderArgs(priceLots: bigint, baseLots: bigint, type: PlaceOrderArgs["orderType"]): PlaceOrderArgs {
  return {
    side: { bid: {} },
    orderType: type,
    priceLots: new BN(priceLots.toString()),
    baseLots: new BN(baseLots.toString()),
    clientOrderId: new BN(1),
    reduceOnly: false,
    selfTrade: { abortTransaction: {} },
    expiryTs: new BN(0),
    maxTouched: 8,
  };
}

/** The place_order the ticket sends, built in this process for the burner. */
async function sameOrder(args: PlaceOrderArgs) {
  const account = await maker.program.account.marginAccount.fetch(marginAccountPda(ex.exchange, owner, 0));
  const listing = maker.listing;
  const ix = await placeOrderIx(maker.program, owner, listing, account, listing.markets[0], args);
  return { ix, metas: tradeHealthAccounts(account, listing.assets, listing.markets, 0) };
}

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ browser }) => {
  test.setTimeout(180_000);
  const started = Date.now();
  ex = await startExchange();
  stops.push(() => ex.stop());
  for (const [feed, price] of Object.entries(FEEDS)) {
    await ex.localnet.call("keel_setPrice", [feed, price, { confBps: 5 }]);
    await ex.localnet.call("keel_pauseFeed", [feed, true]);
  }
  // 150 USDC per SOL = 1 500 000 quote native per 0.01 SOL lot.
  maker = await startMaker(ex, [
    { side: "ask", priceLots: 1_503_000n, baseLots: 30_000n },
    { side: "bid", priceLots: 1_497_000n, baseLots: 1_000n },
  ]);
  app = await serveApp();
  stops.push(() => app.stop());
  metrics.setupMs = Date.now() - started;
  page = await browser.newPage();
  page.on("request", (r) => {
    if (!r.url().startsWith(ex.localnet.rpcUrl)) return;
    const body = r.postDataJSON() as { method?: string } | null;
    rpcRequests.push({ t: Date.now(), method: body?.method ?? r.method() });
  });
});

test.afterAll(async () => {
  fs.mkdirSync(path.join(WEB, "test-results"), { recursive: true });
  fs.writeFileSync(path.join(WEB, "test-results/metrics.json"), JSON.stringify(metrics, null, 2));
  console.log(`metrics: ${JSON.stringify(metrics)}`);
  await page?.close();
  for (const stop of stops.reverse()) await stop();
});

test("connects the burner wallet and gets test funds", async () => {
  const t0 = Date.now();
  await page.goto(`${app.url}/?rpc=${encodeURIComponent(ex.localnet.rpcUrl)}&exchange=${ex.exchange.toBase58()}`);
  await expect(page.getByTestId("connect-Local burner")).toBeVisible();
  metrics.firstRenderMs = Date.now() - t0;
  await expect(page.getByTestId("market-SOL").getByTestId("oracle-price")).toHaveText("150.00");
  metrics.marketsShownMs = Date.now() - t0;
  await page.getByTestId("connect-Local burner").click();
  owner = new PublicKey((await page.getByTestId("wallet-key").textContent())!);
  await page.getByTestId("faucet").click();
  await expect(page.getByTestId("notice-ok").filter({ hasText: "Test funds: done" })).toBeVisible();
  await expect(page.getByTestId("wallet-balances")).toContainText("10,000.0000 USDC");
});

test("creates the margin account and deposits", async () => {
  await page.getByTestId("create-account-button").click();
  await expect(page.getByTestId("trader")).toBeVisible();
  await transfer("deposit", "USDC", "5000");
  await transfer("deposit", "SOL", "5");
  await expect(page.getByTestId("collateral-USDC-amount")).toHaveText("5,000.0000");
  await expect(page.getByTestId("collateral-SOL-amount")).toHaveText("5.0000");
});

test("shows the program's health numbers", async () => {
  const report = await expectHealthShown();
  expect(report.collaterals.length).toBe(2);
  await expect(page.getByTestId("free-collateral")).toHaveText(`${usdc(report.init.health)} USDC`);
  await expect(page.getByTestId("liquidation-state")).toHaveText("Liquidation: none");
});

test("previews an order's health, then places it", async () => {
  await fillTicket("buy", "ioc", "151", "0.5");
  await expect(page.getByTestId("ticket-preview")).toBeVisible();
  const { ix, metas } = await sameOrder(orderArgs(1_510_000n, 50n, { immediateOrCancel: {} }));
  const after = await simulateHealth(maker.program, marginAccountPda(ex.exchange, owner, 0), { before: [ix], healthAccounts: metas, payer: owner });
  await expect(page.getByTestId("ticket-Init-after")).toHaveText(usdc(after.init.health));
  await expect(page.getByTestId("ticket-Maint-after")).toHaveText(usdc(after.maint.health));
  await page.getByTestId("ticket-place").click();
  await expect(page.getByTestId("notice-ok").filter({ hasText: "Buy 0.5 SOL: done" })).toBeVisible();
  await expect(page.getByTestId("position-SOL-size")).toHaveText("0.50");
  const report = await expectHealthShown();
  const u = marketUnits(maker.listing.markets[0].market, 6);
  const liq = report.perps[0].liquidationPricePerLot;
  await expect(page.getByTestId("position-SOL-liq")).toHaveText(liq.isZero() ? "none" : perLotToUsd(liq, u));
  await expect(page.getByTestId("position-SOL-pnl")).toHaveText(usdc(report.perps[0].unrealizedPnl));
  await shot("account-after-trade", "account-after-trade.png");
});

test("says why the program would refuse an order, before signing", async () => {
  await fillTicket("buy", "limit", "151", "500");
  const refusal = page.getByTestId("ticket-refusal-title");
  await expect(refusal).toContainText("The program would refuse: Init health would be \u2212");
  const { ix, metas } = await sameOrder(orderArgs(1_510_000n, 50_000n, { limit: {} }));
  const err = await simulateHealth(maker.program, marginAccountPda(ex.exchange, owner, 0), { before: [ix], healthAccounts: metas, payer: owner }).catch((e) => e);
  expect(err).toBeInstanceOf(SimulationError);
  expect((err as SimulationError).keelError?.name).toBe("InitHealthNegative");
  const logged = loggedHealth((err as SimulationError).logs)!;
  await expect(refusal).toHaveText(`The program would refuse: Init health would be ${fixedQuote(logged.health, 6)} USDC`);
  await expect(page.getByTestId("ticket-refusal-detail")).toContainText("init health would be negative after this action (InitHealthNegative)");
  await expect(page.getByTestId("ticket-place")).toBeDisabled();
  await shot("order-ticket-refused", "order-ticket-refused.png", page.getByTestId("order-ticket"));
});

test("places resting orders and cancels them one by one and all at once", async () => {
  await fillTicket("buy", "limit", "145", "1");
  await expect(page.getByTestId("ticket-preview")).toBeVisible();
  await page.getByTestId("ticket-place").click();
  await expect(page.getByTestId("open-order")).toHaveCount(1);
  await page.getByTestId("cancel-order").click();
  await expect(page.getByTestId("open-order")).toHaveCount(0);
  for (const price of ["145", "146"]) {
    await fillTicket("buy", "postOnly", price, "1");
    await expect(page.getByTestId("ticket-preview")).toBeVisible();
    await page.getByTestId("ticket-place").click();
    await expect(page.getByTestId("notice-ok").filter({ hasText: "Buy 1 SOL: done" }).last()).toBeVisible();
  }
  await expect(page.getByTestId("open-order")).toHaveCount(2);
  await page.getByTestId("cancel-all").click();
  await expect(page.getByTestId("open-order")).toHaveCount(0);
});

test("withdraws with a health preview", async () => {
  const before = await programHealth();
  await transfer("withdraw", "USDC", "1000");
  const after = await expectHealthShown();
  expect(BigInt(before.collaterals[0].balance.sub(after.collaterals[0].balance).toString())).toBe(1_000_000_000n);
  await expect(page.getByTestId("collateral-USDC-amount")).toHaveText(formatUnits(after.collaterals[0].balance, 6, 4));
});

test("measures the RPC calls of the idle account page", async () => {
  const count = async (ms: number) => {
    const from = Date.now();
    await page.waitForTimeout(ms);
    const seen = rpcRequests.filter((r) => r.t >= from);
    const byMethod: Record<string, number> = {};
    for (const r of seen) byMethod[r.method] = (byMethod[r.method] ?? 0) + 1;
    return { perSecond: seen.length / (ms / 1000), byMethod };
  };
  metrics.idleRpcPerSecondPinnedFeeds = await count(10_000);
  for (const feed of Object.keys(FEEDS)) await ex.localnet.call("keel_pauseFeed", [feed, false]);
  metrics.idleRpcPerSecondMovingFeeds = await count(10_000);
  for (const [feed, price] of Object.entries(FEEDS)) {
    await ex.localnet.call("keel_setPrice", [feed, price, { confBps: 5 }]);
    await ex.localnet.call("keel_pauseFeed", [feed, true]);
  }
});

test("shows a liquidation after a price shock", async () => {
  const keeperAccount: Funded = await fundedAccount(ex, 1_000_000n);
  const keeper = await startKeeper(ex, keeperAccount.owner as Keypair);
  stops.push(() => keeper.stop());
  await fillTicket("buy", "ioc", "151", "240");
  await expect(page.getByTestId("ticket-preview")).toBeVisible();
  await page.getByTestId("ticket-place").click();
  await expect(page.getByTestId("position-SOL-size")).toHaveText("240.50");
  await expectHealthShown();
  // −10 %: Maint health below zero, the loss smaller than the collateral (a liquidation, not a
  // bankruptcy). The keeper is fast: the page may show the account only after its first step.
  await ex.localnet.call("keel_setPrice", ["SOL/USD", 135, { confBps: 5 }]);
  await expect(page.getByTestId("liquidation-state")).toHaveText(/Liquidation: (in progress|ended)/, { timeout: 60_000 });
  await expect(async () => {
    const size = await page.getByTestId("position-SOL-size").textContent({ timeout: 1_000 }).catch(() => null);
    expect(size).not.toBe("240.50");
  }).toPass({ timeout: 60_000 });
  const report = await expectHealthShown();
  expect(BigInt(report.liquidationEnd.health.toString())).toBeGreaterThanOrEqual(0n);
  // The feed shows the keeper's steps on this account (PerpLiquidated events from the logs), and
  // the fund's balance as its vault holds it.
  const feed = page.getByTestId("liquidation-feed-row");
  await expect(feed.first()).toBeVisible({ timeout: 30_000 });
  await expect(feed.first()).toContainText("SOL-PERP");
  await expect(page.getByTestId("insurance-balance")).toHaveText(/^[\d,]+\.\d{2} USDC$/);
  metrics.liquidation = { state: await page.getByTestId("liquidation-state").textContent(), position: await page.getByTestId("position-SOL-size").textContent().catch(() => "closed") };
  await shot("after-liquidation");
});
