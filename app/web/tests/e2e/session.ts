// What the browser specs share: one test run's exchange, maker, served app and page, and the
// steps every spec takes through the page (connect the burner, fund it, create the account,
// deposit, fill the order ticket) or checks against the program (its health view simulated from
// this process, the same instruction the page builds). Screenshots go to test-results/screenshots
// (and, with KEEL_WRITE_SCREENSHOTS=1, the README's to docs/); measurements to
// test-results/metrics.json, each spec adding its own keys.

import { BN } from "@anchor-lang/core";
import { Browser, Locator, Page, expect } from "@playwright/test";
import { PublicKey, TransactionInstruction } from "@solana/web3.js";
import * as fs from "fs";
import * as path from "path";
import { AccountMeta } from "@solana/web3.js";
import { HealthReport, PlaceOrderArgs, marginAccountPda, simulateHealth, tradeHealthAccounts } from "../../../ts-client/src";
import { placeOrderIx } from "../../src/chain/actions";
import { formatUnits } from "../../src/format";
import { TestExchange, serveApp, startExchange } from "./exchange";
import { Funded, Quote, startMaker } from "./maker";

export const WEB = path.resolve(__dirname, "../..");
const SHOTS = path.join(WEB, "test-results/screenshots");
const DOCS = path.join(WEB, "docs");
const METRICS = path.join(WEB, "test-results/metrics.json");
/** The feeds' pinned prices (USD). */
export const FEEDS: Record<string, number> = { "SOL/USD": 150, "BTC/USD": 60_000 };

/** One spec's world. `owner` is the burner's key once connected. */
export interface Session {
  ex: TestExchange;
  app: { url: string; stop(): Promise<void> };
  maker: Funded;
  page: Page;
  owner: PublicKey;
  stops: (() => Promise<void>)[];
  /** HTTP JSON-RPC requests the page made: time and method. */
  rpcRequests: { t: number; method: string }[];
}

/** Pins every feed at its price (set, then paused, so no random-walk step moves it). */
export async function pinFeeds(ex: TestExchange, feeds: Record<string, number> = FEEDS): Promise<void> {
  for (const [feed, price] of Object.entries(feeds)) {
    await ex.localnet.call("keel_pauseFeed", [feed, true]);
    await ex.localnet.call("keel_setPrice", [feed, price, { confBps: 5 }]);
  }
}

/** A fresh node and exchange, pinned feeds, a maker with `quotes`, the app served, a page. */
export async function startSession(browser: Browser, quotes: Quote[]): Promise<Session> {
  const stops: (() => Promise<void>)[] = [];
  const ex = await startExchange();
  stops.push(() => ex.stop());
  await pinFeeds(ex);
  const maker = await startMaker(ex, quotes);
  const app = await serveApp();
  stops.push(() => app.stop());
  const page = await browser.newPage();
  const rpcRequests: Session["rpcRequests"] = [];
  page.on("request", (r) => {
    if (!r.url().startsWith(ex.localnet.rpcUrl)) return;
    const body = r.postDataJSON() as { method?: string } | null;
    rpcRequests.push({ t: Date.now(), method: body?.method ?? r.method() });
  });
  return { ex, app, maker, page, owner: PublicKey.default, stops, rpcRequests };
}

/** Closes the page and stops everything the session started, newest first. */
export async function stopSession(s: Session | undefined): Promise<void> {
  if (!s) return;
  await s.page.close();
  for (const stop of s.stops.reverse()) await stop();
}

/** Adds `values` to test-results/metrics.json. */
export function writeMetrics(values: Record<string, unknown>): void {
  fs.mkdirSync(path.dirname(METRICS), { recursive: true });
  const known = fs.existsSync(METRICS) ? (JSON.parse(fs.readFileSync(METRICS, "utf8")) as Record<string, unknown>) : {};
  fs.writeFileSync(METRICS, JSON.stringify({ ...known, ...values }, null, 2));
  console.log(`metrics: ${JSON.stringify(values)}`);
}

/** A screenshot of the page (or of `target`), also copied to docs/`docName` with KEEL_WRITE_SCREENSHOTS=1. */
export async function shot(page: Page, name: string, docName?: string, target?: Locator): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  if (target) await target.screenshot({ path: file });
  else await page.screenshot({ path: file, fullPage: true });
  if (docName && process.env.KEEL_WRITE_SCREENSHOTS === "1") fs.copyFileSync(file, path.join(DOCS, docName));
}

/** The page's URL for this session's node and exchange. */
export function appUrl(s: Session, rpcUrl = s.ex.localnet.rpcUrl): string {
  return `${s.app.url}/?rpc=${encodeURIComponent(rpcUrl)}&exchange=${s.ex.exchange.toBase58()}`;
}

/** USDC native as the page writes it. */
export const usdc = (v: BN | bigint) => formatUnits(v, 6, 2);

/** The burner's margin account 0. */
export function burnerAccount(s: Session): PublicKey {
  return marginAccountPda(s.ex.exchange, s.owner, 0);
}

/** The program's health view of the burner's account, simulated from this process. */
export function programHealth(s: Session): Promise<HealthReport> {
  return simulateHealth(s.maker.program, burnerAccount(s), { payer: s.owner, commitment: "confirmed" });
}

/** Waits until the page shows the program's current health numbers; returns them. */
export async function expectHealthShown(s: Session): Promise<HealthReport> {
  let report = await programHealth(s);
  await expect(async () => {
    report = await programHealth(s);
    for (const [label, line] of [["Init", report.init], ["Maint", report.maint], ["LiquidationEnd", report.liquidationEnd]] as const) {
      await expect(s.page.getByTestId(`health-${label}-value`)).toHaveText(usdc(line.health), { timeout: 1_000 });
    }
    await expect(s.page.getByTestId("collateral-value")).toHaveText(`${usdc(report.collateralValue)} USDC`, { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  return report;
}

/** Opens the page, connects the burner and gets test funds; returns ms to the wallet list and to the markets' prices. */
export async function connectAndFund(s: Session): Promise<{ firstRenderMs: number; marketsShownMs: number }> {
  const t0 = Date.now();
  await s.page.goto(appUrl(s));
  await expect(s.page.getByTestId("connect-Local burner")).toBeVisible();
  const firstRenderMs = Date.now() - t0;
  await expect(s.page.getByTestId("market-SOL").getByTestId("oracle-price")).toHaveText("150.00");
  const marketsShownMs = Date.now() - t0;
  await s.page.getByTestId("connect-Local burner").click();
  s.owner = new PublicKey((await s.page.getByTestId("wallet-key").textContent())!);
  await s.page.getByTestId("faucet").click();
  await expect(s.page.getByTestId("notice-ok").filter({ hasText: "Test funds: done" })).toBeVisible();
  await expect(s.page.getByTestId("wallet-balances")).toContainText("10,000.0000 USDC");
  return { firstRenderMs, marketsShownMs };
}

/** Creates the burner's margin account and deposits `deposits` ([asset, whole amount]). */
export async function createAndDeposit(s: Session, deposits: [string, string][]): Promise<void> {
  await s.page.getByTestId("create-account-button").click();
  await expect(s.page.getByTestId("trader")).toBeVisible();
  for (const [asset, amount] of deposits) await transfer(s.page, "deposit", asset, amount);
}

/** Fills the order ticket (market orders have no price field). */
export async function fillTicket(page: Page, side: "buy" | "sell", type: string, price: string, size: string, market = "SOL-PERP"): Promise<void> {
  await page.getByTestId("ticket-market").selectOption({ label: market });
  await page.getByTestId(side === "buy" ? "ticket-buy" : "ticket-sell").click();
  await page.getByTestId("ticket-type").selectOption(type);
  if (type !== "market") await page.getByTestId("ticket-price").fill(price);
  await page.getByTestId("ticket-size").fill(size);
}

/** Fills the deposit / withdraw form (and waits for its preview when `expectPreview`). */
export async function fillTransfer(page: Page, direction: "deposit" | "withdraw", asset: string, amount: string): Promise<void> {
  await page.getByTestId(`transfer-${direction}`).click();
  await page.getByTestId("transfer-asset").selectOption({ label: asset });
  await page.getByTestId("transfer-amount").fill(amount);
}

/** A deposit or withdrawal through the form, previewed, sent and confirmed. */
export async function transfer(page: Page, direction: "deposit" | "withdraw", asset: string, amount: string): Promise<void> {
  await fillTransfer(page, direction, asset, amount);
  await expect(page.getByTestId("transfer-preview")).toBeVisible();
  await page.getByTestId("transfer-send").click();
  await expect(page.getByTestId("notice-ok").filter({ hasText: `${direction === "deposit" ? "Deposit" : "Withdraw"} ${amount} ${asset}: done` })).toBeVisible();
}

/** place_order arguments as the ticket builds them (the client order id differs; health does not depend on it). */
export function orderArgs(side: "bid" | "ask", priceLots: bigint, baseLots: bigint, type: PlaceOrderArgs["orderType"], reduceOnly = false): PlaceOrderArgs {
  return {
    side: side === "bid" ? { bid: {} } : { ask: {} },
    orderType: type,
    priceLots: new BN(priceLots.toString()),
    baseLots: new BN(baseLots.toString()),
    clientOrderId: new BN(1),
    reduceOnly,
    selfTrade: { abortTransaction: {} },
    expiryTs: new BN(0),
    maxTouched: 8,
  };
}

/** The place_order the ticket sends in market `index`, built in this process for the burner, with its health accounts. */
export async function sameOrder(s: Session, args: PlaceOrderArgs, index = 0): Promise<{ ix: TransactionInstruction; metas: AccountMeta[] }> {
  const account = await s.maker.program.account.marginAccount.fetch(burnerAccount(s));
  const listing = s.maker.listing;
  const ix = await placeOrderIx(s.maker.program, s.owner, listing, account, listing.markets[index], args);
  return { ix, metas: tradeHealthAccounts(account, listing.assets, listing.markets, index) };
}

/** The program's health view after `ix` (simulated with it, as the page's preview is). */
export function healthAfterIx(s: Session, order: { ix: TransactionInstruction; metas: AccountMeta[] }): Promise<HealthReport> {
  return simulateHealth(s.maker.program, burnerAccount(s), { before: [order.ix], healthAccounts: order.metas, payer: s.owner });
}
