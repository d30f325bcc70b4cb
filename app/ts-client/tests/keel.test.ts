// Keel through @keel/client and @solana/web3.js against a fresh keel-localnet (tests/hooks.ts
// starts it and runs migrations/deploy.ts): margin accounts, deposits of two assets, the health
// view simulated and decoded, orders placed, matched, cancelled and refused, the fill crank,
// withdrawals (one refused with the program's error), getProgramAccounts filters and websocket
// subscriptions.
//
// Prices: SOL/USD is set to exactly 150 USD (EMA 150, confidence 0) and paused, BTC/USD to
// 60 000, so every health number below is exact. At 150 USD one SOL (10^9 native) is worth
// 150 · 10^6 USDC native; a SOL-PERP base lot is 0.01 SOL (10^7 native) = 1 500 000 quote native,
// and with a quote lot of 1 the price in lots at the oracle is 1 500 000.

import { AnchorProvider, BN, Program } from "@anchor-lang/core";
import { getAccount, getOrCreateAssociatedTokenAccount, mintTo } from "@solana/spl-token";
import { AccountInfo, Context, Keypair, LAMPORTS_PER_SOL, PublicKey, Transaction, TransactionInstruction } from "@solana/web3.js";
import { expect } from "chai";
import {
  ExchangeListing,
  KEEL_ERRORS,
  Keel,
  MarginAccount,
  MarketWithKeys,
  accountSize,
  cancelOrderInstruction,
  depositInstruction,
  exchangePda,
  fetchListing,
  fetchMarketKeys,
  decodePriceUpdateV2,
  fieldOffset,
  healthAccounts,
  keelErrorOf,
  keelProgram,
  marginAccountPda,
  placeOrderInstruction,
  priceLots,
  pythPriceUsd,
  queuedAccounts,
  simulateHealth,
  tradeHealthAccounts,
  vaultPda,
} from "../src";
import { localnet } from "./hooks";


const USDC = 1_000_000; // native units per USDC
const SOL = 1_000_000_000; // native units per SOL
const SOL_PRICE = 150;
const SOL_AT_ORACLE_LOTS = 1_500_000; // quote native per 0.01 SOL at 150 USD
const SOL_PERP = 0;

/**
 * Resolves once web3.js reports the subscription `id` as acknowledged by the node (its
 * `state: "subscribed"`; web3.js 1.99, pinned, keeps it in these private maps), so that no
 * notification is missed by acting too early.
 */
async function subscribed(connection: unknown, id: number, timeoutMs = 10_000): Promise<void> {
  const c = connection as {
    _subscriptionHashByClientSubscriptionId: Record<number, string>;
    _subscriptionsByHash: Record<string, { state: string } | undefined>;
  };
  const deadline = Date.now() + timeoutMs;
  while (c._subscriptionsByHash[c._subscriptionHashByClientSubscriptionId[id]]?.state !== "subscribed") {
    if (Date.now() > deadline) throw new Error(`subscription ${id} not acknowledged within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Trader {
  owner: Keypair;
  account: PublicKey;
  usdcWallet: PublicKey;
  solWallet: PublicKey;
}

describe("keel over JSON-RPC (keel-localnet)", () => {
  let provider: AnchorProvider;
  let program: Program<Keel>;
  let payer: Keypair;
  let exchange: PublicKey;
  let listing: ExchangeListing;
  let usdcMint: PublicKey;
  let solMint: PublicKey;
  let solPerp: MarketWithKeys;

  /** A new owner with SOL for fees, token accounts holding `usdc` and `sol`, and margin account 0. */
  async function newTrader(usdc: number, sol: number): Promise<Trader> {
    const owner = Keypair.generate();
    const conn = provider.connection;
    const sig = await conn.requestAirdrop(owner.publicKey, 10 * LAMPORTS_PER_SOL);
    await conn.confirmTransaction({ signature: sig, ...(await conn.getLatestBlockhash()) }, "confirmed");
    const usdcWallet = (await getOrCreateAssociatedTokenAccount(conn, payer, usdcMint, owner.publicKey)).address;
    const solWallet = (await getOrCreateAssociatedTokenAccount(conn, payer, solMint, owner.publicKey)).address;
    if (usdc > 0) await mintTo(conn, payer, usdcMint, usdcWallet, payer, usdc);
    if (sol > 0) await mintTo(conn, payer, solMint, solWallet, payer, sol);
    await program.methods
      .createMarginAccount(0)
      .accounts({ payer: payer.publicKey, owner: owner.publicKey, exchange })
      .signers([owner])
      .rpc();
    return { owner, account: marginAccountPda(exchange, owner.publicKey, 0), usdcWallet, solWallet };
  }

  async function deposit(t: Trader, mint: PublicKey, source: PublicKey, amount: number): Promise<string> {
    const asset = listing.assets.find((a) => a.asset.mint.equals(mint))!;
    const ix = await depositInstruction(program, { authority: t.owner.publicKey, exchange, marginAccount: t.account, asset, amount, source });
    return (program.provider as AnchorProvider).sendAndConfirm(new Transaction().add(ix), [t.owner]);
  }

  async function account(t: Trader): Promise<MarginAccount> {
    return program.account.marginAccount.fetch(t.account);
  }

  function placeOrderIx(t: Trader, acct: MarginAccount, side: "bid" | "ask", priceLots: number, baseLots: number, clientOrderId: number) {
    return placeOrderInstruction(program, {
      signer: t.owner.publicKey,
      marginAccount: t.account,
      listing,
      marketIndex: SOL_PERP,
      account: acct,
      args: {
        side: side === "bid" ? { bid: {} } : { ask: {} },
        orderType: { limit: {} },
        priceLots: new BN(priceLots),
        baseLots: new BN(baseLots),
        clientOrderId: new BN(clientOrderId),
        reduceOnly: false,
        selfTrade: { cancelResting: {} },
        expiryTs: new BN(0),
        maxTouched: 8,
      },
    });
  }

  async function send(t: Trader, ix: TransactionInstruction): Promise<string> {
    return (program.provider as AnchorProvider).sendAndConfirm(new Transaction().add(ix), [t.owner]);
  }

  async function placeOrder(t: Trader, side: "bid" | "ask", priceLots: number, baseLots: number, clientOrderId: number): Promise<string> {
    return send(t, await placeOrderIx(t, await account(t), side, priceLots, baseLots, clientOrderId));
  }

  async function crank(): Promise<number> {
    const queue = await program.account.fillQueue.fetch(solPerp.fillQueue);
    const makers = queuedAccounts(queue, 8);
    await program.methods
      .consumeFills(8)
      .accountsPartial({ market: solPerp.market, fillQueue: solPerp.fillQueue, quoteAsset: solPerp.quoteAsset })
      .remainingAccounts(makers.map((pubkey) => ({ pubkey, isSigner: false, isWritable: true })))
      .rpc();
    return queue.count.toNumber();
  }

  function solPosition(acct: MarginAccount) {
    return acct.perps.find((p) => p.inUse !== 0 && p.marketIndex === SOL_PERP);
  }

  /** A balance in its bank's index units. Nobody borrows in these tests, so every index is
   * still 1 and units are native; native amounts in general come from the `health` view. */
  function balance(acct: MarginAccount, assetIndex: number): number {
    const slot = acct.collaterals.find((c) => c.inUse !== 0 && c.assetIndex === assetIndex);
    return slot ? slot.units.toNumber() : 0;
  }

  before(async () => {
    provider = AnchorProvider.env();
    program = keelProgram(provider);
    payer = (provider.wallet as unknown as { payer: Keypair }).payer;
    exchange = exchangePda(provider.wallet.publicKey);
    listing = await fetchListing(program, exchange);
    usdcMint = listing.account.quoteMint;
    solMint = listing.assets.find((a) => a.asset.index === 1)!.asset.mint;
    solPerp = await fetchMarketKeys(program, exchange, SOL_PERP);
    // Paused first: a slot between the two calls would otherwise take one random-walk step
    // from the price just set (a paused feed still publishes what keel_setPrice sets).
    await localnet.call("keel_pauseFeed", ["SOL/USD", true]);
    await localnet.call("keel_setPrice", ["SOL/USD", SOL_PRICE, { confBps: 0 }]);
    await localnet.call("keel_pauseFeed", ["BTC/USD", true]);
    await localnet.call("keel_setPrice", ["BTC/USD", 60_000, { confBps: 0 }]);
  });

  it("reads the node's Pyth PriceUpdateV2 for SOL/USD and converts it to SOL-PERP price lots", async () => {
    const info = await provider.connection.getAccountInfo(solPerp.oracle);
    expect(info!.owner.toBase58()).to.equal("rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ");
    const price = decodePriceUpdateV2(info!.data);
    expect(price.fullyVerified).to.equal(true);
    expect(price.feedId.toString("hex")).to.equal("ef0d8b6fda2ceba41da15d4095d1da392a0d2f8ed0c6c7bc0f4cfac8c280b56d");
    expect(pythPriceUsd(price)).to.equal(SOL_PRICE);
    expect(price.conf).to.equal(0n);
    expect(price.emaPrice).to.equal(price.price);
    const m = solPerp.account;
    const lots = priceLots(price, listing.account.quoteDecimals, m.baseDecimals, BigInt(m.baseLotSize.toString()), BigInt(m.quoteLotSize.toString()));
    expect(lots).to.equal(BigInt(SOL_AT_ORACLE_LOTS));
  });

  it("creates a margin account, deposits USDC and SOL, and the simulated health view reports exact numbers", async () => {
    const t = await newTrader(1_000 * USDC, 2 * SOL);
    await deposit(t, usdcMint, t.usdcWallet, 1_000 * USDC);
    await deposit(t, solMint, t.solWallet, 2 * SOL);
    expect(Number((await getAccount(provider.connection, t.usdcWallet)).amount)).to.equal(0);
    expect(Number((await getAccount(provider.connection, vaultPda(exchange, solMint))).amount)).to.be.at.least(2 * SOL);
    const acct = await account(t);
    expect(acct.owner.toBase58()).to.equal(t.owner.publicKey.toBase58());
    expect([balance(acct, 0), balance(acct, 1)]).to.deep.equal([1_000 * USDC, 2 * SOL]);

    const report = await simulateHealth(program, t.account, { listing });
    // 2 SOL at 150 = 300 USDC; weights: Init 0.8, Maint 0.9, LiquidationEnd 0.85.
    expect(report.collateralValue.toNumber()).to.equal(1_300 * USDC);
    expect(report.init.assets.toNumber()).to.equal(1_240 * USDC);
    expect(report.init.health.toNumber()).to.equal(1_240 * USDC);
    expect(report.maint.health.toNumber()).to.equal(1_270 * USDC);
    expect(report.liquidationEnd.health.toNumber()).to.equal(1_255 * USDC);
    expect(report.init.liabilities.toNumber()).to.equal(0);
    expect(report.collaterals.map((c) => [c.assetIndex, c.balance.toNumber(), c.value.toNumber()])).to.deep.equal([
      [0, 1_000 * USDC, 1_000 * USDC],
      [1, 2 * SOL, 300 * USDC],
    ]);
    expect(report.perps).to.have.length(0);
  });

  it("places a maker's ask and a crossing bid, cranks the fill, and both positions and health follow", async () => {
    const maker = await newTrader(1_000 * USDC, 0);
    const taker = await newTrader(1_000 * USDC, 0);
    await deposit(maker, usdcMint, maker.usdcWallet, 1_000 * USDC);
    await deposit(taker, usdcMint, taker.usdcWallet, 1_000 * USDC);

    await placeOrder(maker, "ask", SOL_AT_ORACLE_LOTS, 10, 1);
    const resting = solPosition(await account(maker))!;
    expect(resting.asksBaseLots.toNumber()).to.equal(10);
    expect(resting.baseLots.toNumber()).to.equal(0);

    // The taker's health after the bid, previewed in one simulated transaction, is what the
    // program computes once the bid lands.
    const before = await account(taker);
    const bid = await placeOrderIx(taker, before, "bid", SOL_AT_ORACLE_LOTS, 10, 2);
    const preview = await simulateHealth(program, taker.account, {
      before: [bid],
      healthAccounts: tradeHealthAccounts(before, listing.assets, listing.markets, SOL_PERP),
    });
    await send(taker, bid);
    const after = await account(taker);
    const long = solPosition(after)!;
    expect(long.baseLots.toNumber()).to.equal(10);
    expect(long.quoteNative.toNumber()).to.equal(-10 * SOL_AT_ORACLE_LOTS);
    // Taker fee: 5 bps of 15 USDC.
    const takerFee = (10 * SOL_AT_ORACLE_LOTS * 5) / 10_000;
    expect(balance(after, 0)).to.equal(1_000 * USDC - takerFee);
    const health = await simulateHealth(program, taker.account, { listing });
    expect(preview).to.deep.equal(health);
    // Init: the quote balance, zero PnL at the oracle, 10% of 15 USDC of initial margin.
    expect(health.init.perpRequirements.toNumber()).to.equal(1_500_000);
    expect(health.init.health.toNumber()).to.equal(1_000 * USDC - takerFee - 1_500_000);
    expect(health.maint.health.toNumber()).to.equal(1_000 * USDC - takerFee - 750_000);
    expect(health.perps.map((p) => [p.marketIndex, p.baseLots.toNumber(), p.oraclePricePerLot.toNumber()])).to.deep.equal([
      [SOL_PERP, 10, SOL_AT_ORACLE_LOTS],
    ]);

    // The maker's side waits in the fill queue until the crank applies it.
    expect(solPosition(await account(maker))!.baseLots.toNumber()).to.equal(0);
    expect(await crank()).to.equal(1);
    const short = solPosition(await account(maker))!;
    expect(short.baseLots.toNumber()).to.equal(-10);
    expect(short.asksBaseLots.toNumber()).to.equal(0);
    expect(short.quoteNative.toNumber()).to.equal(10 * SOL_AT_ORACLE_LOTS);
    expect((await program.account.fillQueue.fetch(solPerp.fillQueue)).count.toNumber()).to.equal(0);
  });

  it("cancels a resting order by client order id", async () => {
    const t = await newTrader(500 * USDC, 0);
    await deposit(t, usdcMint, t.usdcWallet, 500 * USDC);
    const below = SOL_AT_ORACLE_LOTS - 30_000; // 2% under the oracle, inside the 5% band
    await placeOrder(t, "bid", below, 5, 77);
    let acct = await account(t);
    expect(solPosition(acct)!.bidsBaseLots.toNumber()).to.equal(5);
    const order = acct.orders.find((o) => o.inUse !== 0)!;
    expect(order.clientOrderId.toNumber()).to.equal(77);
    const target = { clientOrderId: { 0: new BN(77) } };
    await send(t, await cancelOrderInstruction(program, { signer: t.owner.publicKey, marginAccount: t.account, listing, marketIndex: SOL_PERP, target }));
    acct = await account(t);
    expect(acct.orders.filter((o) => o.inUse !== 0)).to.have.length(0);
    expect(acct.perps.filter((p) => p.inUse !== 0 && p.bidsBaseLots.toNumber() !== 0)).to.have.length(0);
  });

  it("refuses an order the account cannot margin with InitHealthNegative, and nothing rests", async () => {
    const t = await newTrader(100 * USDC, 0);
    await deposit(t, usdcMint, t.usdcWallet, 100 * USDC);
    // 1 000 lots = 10 SOL = 1 500 USDC of notional: 150 USDC of initial margin on 100 USDC.
    const err = await placeOrder(t, "bid", SOL_AT_ORACLE_LOTS - 30_000, 1_000, 3).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err, "the order was accepted").to.not.equal(undefined);
    const keel = keelErrorOf(err);
    expect(keel?.name).to.equal("InitHealthNegative");
    expect(keel?.code).to.equal(KEEL_ERRORS.InitHealthNegative.code);
    expect(keel?.msg).to.equal("init health would be negative after this action");
    const logs: string[] = (err as { logs?: string[] }).logs ?? [];
    expect(logs.join("\n")).to.contain(`custom program error: 0x${KEEL_ERRORS.InitHealthNegative.code.toString(16)}`);
    expect((await account(t)).orders.filter((o) => o.inUse !== 0)).to.have.length(0);
  });

  it("withdraws, and refuses a withdrawal beyond the balance with InsufficientBalance", async () => {
    const t = await newTrader(200 * USDC, 0);
    await deposit(t, usdcMint, t.usdcWallet, 200 * USDC);
    const usdcAsset = listing.assets[0];
    const withdraw = async (amount: number) => {
      const acct = await account(t);
      return program.methods
        .withdraw(new BN(amount))
        .accountsPartial({
          owner: t.owner.publicKey,
          exchange,
          marginAccount: t.account,
          asset: usdcAsset.address,
          vault: usdcAsset.asset.vault,
          destination: t.usdcWallet,
        })
        .remainingAccounts(healthAccounts(acct, listing.assets, listing.markets))
        .signers([t.owner])
        .rpc();
    };
    await withdraw(50 * USDC);
    expect(Number((await getAccount(provider.connection, t.usdcWallet)).amount)).to.equal(50 * USDC);
    expect(balance(await account(t), 0)).to.equal(150 * USDC);

    const err = await withdraw(150 * USDC + 1).then(
      () => undefined,
      (e: unknown) => e,
    );
    const keel = keelErrorOf(err);
    expect(keel).to.deep.equal({
      name: "InsufficientBalance",
      code: 6023,
      msg: "the withdrawal exceeds the account's balance of this asset",
    });
    expect(balance(await account(t), 0)).to.equal(150 * USDC);
    expect(Number((await getAccount(provider.connection, t.usdcWallet)).amount)).to.equal(50 * USDC);
  });

  it("refuses health accounts out of the program's order with HealthAccountMismatch", async () => {
    const t = await newTrader(100 * USDC, SOL);
    await deposit(t, usdcMint, t.usdcWallet, 100 * USDC);
    await deposit(t, solMint, t.solWallet, SOL);
    const acct = await account(t);
    const metas = healthAccounts(acct, listing.assets, listing.markets);
    // USDC's asset, then SOL's asset and its oracle.
    expect(metas.map((m) => m.pubkey.toBase58())).to.deep.equal(
      [listing.assets[0].address, listing.assets[1].address, listing.assets[1].asset.oracle].map((k) => k.toBase58()),
    );
    const reordered = [metas[1], metas[2], metas[0]];
    const err = await simulateHealth(program, t.account, { healthAccounts: reordered }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as { keelError?: { name: string } })?.keelError?.name).to.equal("HealthAccountMismatch");
    const report = await simulateHealth(program, t.account, { healthAccounts: metas });
    expect(report.collateralValue.toNumber()).to.equal(100 * USDC + 150 * USDC);
  });

  it("finds every margin account with getProgramAccounts filters (dataSize, memcmp on the owner)", async () => {
    const a = await newTrader(0, 0);
    await program.methods
      .createMarginAccount(1)
      .accounts({ payer: payer.publicKey, owner: a.owner.publicKey, exchange })
      .signers([a.owner])
      .rpc();
    const ownerOffset = fieldOffset("marginAccount", "owner");
    expect(ownerOffset).to.equal(48);
    const mine = await program.account.marginAccount.all([{ memcmp: { offset: ownerOffset, bytes: a.owner.publicKey.toBase58() } }]);
    expect(mine.map((m) => m.publicKey.toBase58()).sort()).to.deep.equal(
      [marginAccountPda(exchange, a.owner.publicKey, 0), marginAccountPda(exchange, a.owner.publicKey, 1)].map((k) => k.toBase58()).sort(),
    );
    expect(mine.map((m) => m.account.accountIndex).sort()).to.deep.equal([0, 1]);
    // Every margin account of the exchange, by size and exchange, raw.
    const raw = await provider.connection.getProgramAccounts(program.programId, {
      filters: [
        { dataSize: accountSize("marginAccount") },
        { memcmp: { offset: fieldOffset("marginAccount", "exchange"), bytes: exchange.toBase58() } },
      ],
      dataSlice: { offset: ownerOffset, length: 32 },
    });
    const all = await program.account.marginAccount.all();
    expect(raw.length).to.equal(all.length);
    expect(raw.length).to.be.at.least(7);
    for (const { account } of raw) expect(account.data.length).to.equal(32);
    const owners = new Set(raw.map((r) => new PublicKey(r.account.data).toBase58()));
    expect(owners.has(a.owner.publicKey.toBase58())).to.equal(true);
  });

  it("notifies an account subscription of a deposit, decoded with the generated coder", async () => {
    const t = await newTrader(300 * USDC, 0);
    const seen: MarginAccount[] = [];
    const id = provider.connection.onAccountChange(
      t.account,
      (info: AccountInfo<Buffer>) => seen.push(program.coder.accounts.decode("marginAccount", info.data)),
      { commitment: "processed" },
    );
    try {
      await subscribed(provider.connection, id);
      await deposit(t, usdcMint, t.usdcWallet, 120 * USDC);
      const deadline = Date.now() + 10_000;
      while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(seen.length).to.be.greaterThan(0);
      expect(balance(seen[seen.length - 1], 0)).to.equal(120 * USDC);
    } finally {
      await provider.connection.removeAccountChangeListener(id);
    }
  });

  it("fires on a price move (keel_setPrice) and the health view values the collateral at the new price", async () => {
    const t = await newTrader(0, SOL);
    await deposit(t, solMint, t.solWallet, SOL);
    const oracle = listing.assets[1].asset.oracle;
    const updates: number[] = [];
    const id = provider.connection.onAccountChange(oracle, (_: AccountInfo<Buffer>, ctx: Context) => updates.push(ctx.slot), {
      commitment: "processed",
    });
    try {
      await subscribed(provider.connection, id);
      await localnet.call("keel_setPrice", ["SOL/USD", 160, { confBps: 0 }]);
      const deadline = Date.now() + 10_000;
      while (updates.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(updates.length).to.be.greaterThan(0);
      const report = await simulateHealth(program, t.account, { listing });
      expect(report.collateralValue.toNumber()).to.equal(160 * USDC);
      expect(report.init.health.toNumber()).to.equal(128 * USDC);
    } finally {
      await provider.connection.removeAccountChangeListener(id);
      await localnet.call("keel_setPrice", ["SOL/USD", SOL_PRICE, { confBps: 0 }]);
    }
  });
});
