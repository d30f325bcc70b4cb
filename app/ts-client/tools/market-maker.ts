// A market maker for the local exchange: quotes every perp market of the exchange around its
// Pyth oracle and runs the fill crank, so the books have liquidity.
//
//   ANCHOR_PROVIDER_URL=http://127.0.0.1:8899 ANCHOR_WALLET=<creator keypair> \
//     npx ts-node --transpile-only app/ts-client/tools/market-maker.ts
//
// The wallet is the exchange's creator (the exchange is ["exchange", wallet], as deploy.ts made
// it) and, on localnet, the mint authority of the quote mint: the maker mints itself
// KEEL_MM_USDC (default 1 000 000) USDC once and deposits it into its margin account 0. Every
// KEEL_MM_INTERVAL_MS (default 2 000) it cancels its orders in each market and quotes a bid and
// an ask KEEL_MM_SPREAD_BPS (default 20) either side of the oracle, KEEL_MM_LOTS (default 100)
// lots each, in one transaction, and cranks queued fills. Stops on SIGINT/SIGTERM.

import { AnchorProvider, BN, Program } from "@anchor-lang/core";
import { getOrCreateAssociatedTokenAccount, mintTo } from "@solana/spl-token";
import { Keypair, PublicKey, Transaction } from "@solana/web3.js";
import {
  ExchangeListing,
  Keel,
  MarginAccount,
  MarketWithKeys,
  cancelOrderInstruction,
  decodePriceUpdateV2,
  depositInstruction,
  exchangePda,
  fetchListing,
  fetchMarketKeys,
  keelErrorOf,
  keelProgram,
  marginAccountPda,
  placeOrderInstruction,
  priceLots,
  queuedAccounts,
} from "../src";

const INTERVAL_MS = Number(process.env.KEEL_MM_INTERVAL_MS ?? 2_000);
const SPREAD_BPS = BigInt(process.env.KEEL_MM_SPREAD_BPS ?? 20);
const LOTS = Number(process.env.KEEL_MM_LOTS ?? 100);
const USDC = BigInt(process.env.KEEL_MM_USDC ?? 1_000_000);

async function fund(program: Program<Keel>, listing: ExchangeListing, wallet: Keypair, account: PublicKey): Promise<void> {
  const provider = program.provider as AnchorProvider;
  const exists = await provider.connection.getAccountInfo(account);
  if (exists) return;
  await program.methods.createMarginAccount(0).accounts({ payer: wallet.publicKey, owner: wallet.publicKey, exchange: listing.exchange }).rpc();
  const quote = listing.assets[0];
  const amount = USDC * 10n ** BigInt(quote.asset.decimals);
  const ata = await getOrCreateAssociatedTokenAccount(provider.connection, wallet, quote.asset.mint, wallet.publicKey);
  await mintTo(provider.connection, wallet, quote.asset.mint, ata.address, wallet, amount);
  const ix = await depositInstruction(program, { authority: wallet.publicKey, exchange: listing.exchange, marginAccount: account, asset: quote, amount, source: ata.address });
  await provider.sendAndConfirm(new Transaction().add(ix));
  console.log(`market maker: margin account ${account.toBase58()} funded with ${USDC} USDC`);
}

/** Cancels the maker's orders in `market` and quotes around the oracle, in one transaction. */
async function quote(program: Program<Keel>, listing: ExchangeListing, owner: PublicKey, account: PublicKey, market: MarketWithKeys): Promise<string> {
  const connection = program.provider.connection;
  const oracle = await connection.getAccountInfo(market.oracle);
  if (!oracle) throw new Error(`oracle ${market.oracle.toBase58()} missing`);
  const price = decodePriceUpdateV2(oracle.data);
  const m = market.account;
  const mid = priceLots(price, listing.account.quoteDecimals, m.baseDecimals, BigInt(m.baseLotSize.toString()), BigInt(m.quoteLotSize.toString()));
  const bid = (mid * (10_000n - SPREAD_BPS)) / 10_000n;
  const ask = (mid * (10_000n + SPREAD_BPS) + 9_999n) / 10_000n;
  const acct: MarginAccount = await program.account.marginAccount.fetch(account);
  const accounts = { signer: owner, marginAccount: account, listing, marketIndex: m.index };
  const order = (side: "bid" | "ask", priceLots: bigint, clientOrderId: number) =>
    placeOrderInstruction(program, {
      ...accounts,
      account: acct,
      args: {
        side: side === "bid" ? { bid: {} } : { ask: {} },
        orderType: { postOnly: {} },
        priceLots: new BN(priceLots.toString()),
        baseLots: new BN(LOTS),
        clientOrderId: new BN(clientOrderId),
        reduceOnly: false,
        selfTrade: { cancelResting: {} },
        expiryTs: new BN(0),
        maxTouched: 8,
      },
    });
  const tx = new Transaction();
  if (acct.orders.some((o) => o.inUse !== 0 && o.marketIndex === m.index)) {
    tx.add(await cancelOrderInstruction(program, { ...accounts, target: { all: {} } }));
  }
  tx.add(await order("bid", bid, 1), await order("ask", ask, 2));
  return (program.provider as AnchorProvider).sendAndConfirm(tx, [], { commitment: "confirmed" });
}

async function crank(program: Program<Keel>, market: MarketWithKeys): Promise<number> {
  const queue = await program.account.fillQueue.fetch(market.fillQueue);
  if (queue.count.toNumber() === 0) return 0;
  const makers = queuedAccounts(queue, 8);
  await program.methods
    .consumeFills(8)
    .accountsPartial({ market: market.market, fillQueue: market.fillQueue, quoteAsset: market.quoteAsset })
    .remainingAccounts(makers.map((pubkey) => ({ pubkey, isSigner: false, isWritable: true })))
    .rpc();
  return Math.min(queue.count.toNumber(), 8);
}

async function main(): Promise<void> {
  const provider = AnchorProvider.env();
  const program = keelProgram(provider);
  const wallet = (provider.wallet as unknown as { payer: Keypair }).payer;
  const exchange = exchangePda(wallet.publicKey);
  const listing = await fetchListing(program, exchange);
  const account = marginAccountPda(exchange, wallet.publicKey, 0);
  await fund(program, listing, wallet, account);
  const markets = await Promise.all(listing.markets.map((m) => fetchMarketKeys(program, exchange, m.market.index)));
  let stopping = false;
  const stop = () => {
    stopping = true;
    // A round waiting on a node that has gone away would hang: give it 3 s.
    setTimeout(() => process.exit(0), 3_000).unref();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  console.log(`market maker: quoting ${markets.length} markets every ${INTERVAL_MS} ms, ${SPREAD_BPS} bps either side, ${LOTS} lots`);
  let rounds = 0;
  while (!stopping) {
    for (const market of markets) {
      try {
        await crank(program, market);
        await quote(program, listing, wallet.publicKey, account, market);
      } catch (e) {
        const keel = keelErrorOf(e);
        console.error(`market maker: market ${market.account.index}: ${keel ? `${keel.name}: ${keel.msg}` : (e as Error).message}`);
      }
    }
    if (++rounds === 1) console.log("market maker: first quotes placed");
    await new Promise((r) => setTimeout(r, INTERVAL_MS));
  }
  console.log("market maker: stopped");
}

main().catch((e) => {
  console.error(`market maker failed: ${(e as Error).message}`);
  process.exit(1);
});
