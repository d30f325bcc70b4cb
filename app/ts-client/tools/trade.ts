// A trader on the local exchange, with nothing but @keel/client and @solana/web3.js: a new
// keypair gets SOL by airdrop and test USDC and SOL from the faucet wallet (the deploy wallet,
// mint authority of the test mints), creates a margin account, deposits both, buys SOL-PERP
// from the book (the market maker's ask) and prints its health as the program computes it.
//
//   ANCHOR_PROVIDER_URL=http://127.0.0.1:8899 ANCHOR_WALLET=~/.cache/keel/localnet/wallet.json \
//     npx ts-node --transpile-only app/ts-client/tools/trade.ts

import { AnchorProvider, BN } from "@anchor-lang/core";
import { Keypair, LAMPORTS_PER_SOL, Transaction } from "@solana/web3.js";
import {
  HealthLine,
  decodePriceUpdateV2,
  exchangePda,
  fetchListing,
  fetchMarketKeys,
  keelErrorOf,
  keelProgram,
  placeOrderInstruction,
  priceLots,
  pythPriceUsd,
  simulateHealth,
} from "../src";
import { fund } from "./faucet";

const usd = (native: BN | number, decimals = 6) => (Number(native.toString()) / 10 ** decimals).toFixed(2);
const line = (name: string, h: HealthLine) =>
  `  ${name.padEnd(15)} health ${usd(h.health).padStart(10)}  (assets ${usd(h.assets)}, liabilities ${usd(h.liabilities)}, perp pnl ${usd(h.perpPnl)}, requirements ${usd(h.perpRequirements)})`;

async function main(): Promise<void> {
  const provider = AnchorProvider.env();
  const program = keelProgram(provider);
  const connection = provider.connection;
  const faucet = (provider.wallet as unknown as { payer: Keypair }).payer;
  const exchange = exchangePda(faucet.publicKey);
  const listing = await fetchListing(program, exchange);
  const [usdc, sol] = listing.assets;
  const solPerp = await fetchMarketKeys(program, exchange, 0);

  const trader = Keypair.generate();
  const airdrop = await connection.requestAirdrop(trader.publicKey, 2 * LAMPORTS_PER_SOL);
  await connection.confirmTransaction({ signature: airdrop, ...(await connection.getLatestBlockhash()) }, "confirmed");
  console.log(`trader    ${trader.publicKey.toBase58()} (2 SOL airdropped)`);
  const account = await fund(program, connection, faucet, exchange, trader, [
    { asset: usdc, mint: 10_000, deposit: 5_000 },
    { asset: sol, mint: 10, deposit: 5 },
  ]);
  console.log(`account   ${account.toBase58()}`);
  console.log(`deposit   5000 USDC`);
  console.log(`deposit   5 SOL`);

  const price = decodePriceUpdateV2((await connection.getAccountInfo(solPerp.oracle))!.data);
  const m = solPerp.account;
  const oracleLots = priceLots(price, listing.account.quoteDecimals, m.baseDecimals, BigInt(m.baseLotSize.toString()), BigInt(m.quoteLotSize.toString()));
  const limit = (oracleLots * 10_100n) / 10_000n; // up to 1% above the oracle
  const lots = 50; // 0.5 SOL
  const acct = await program.account.marginAccount.fetch(account);
  try {
    const ix = await placeOrderInstruction(program, {
      signer: trader.publicKey,
      marginAccount: account,
      listing,
      marketIndex: 0,
      account: acct,
      args: {
        side: { bid: {} },
        orderType: { immediateOrCancel: {} },
        priceLots: new BN(limit.toString()),
        baseLots: new BN(lots),
        clientOrderId: new BN(1),
        reduceOnly: false,
        selfTrade: { abortTransaction: {} },
        expiryTs: new BN(0),
        maxTouched: 8,
      },
    });
    await provider.sendAndConfirm(new Transaction().add(ix), [trader]);
  } catch (e) {
    const keel = keelErrorOf(e);
    throw new Error(keel ? `place_order refused: ${keel.name}: ${keel.msg}` : (e as Error).message);
  }
  const position = (await program.account.marginAccount.fetch(account)).perps.find((p) => p.inUse !== 0 && p.marketIndex === 0);
  const filled = position ? position.baseLots.toNumber() : 0;
  console.log(`order     IOC bid ${lots} lots of SOL-PERP up to ${limit} (oracle ${pythPriceUsd(price).toFixed(2)} USD = ${oracleLots} per lot): filled ${filled} lots`);

  const report = await simulateHealth(program, account, { listing });
  console.log(`health (the program's health view, simulated):`);
  console.log(`  collateral value ${usd(report.collateralValue)} USDC`);
  console.log(line("Init", report.init));
  console.log(line("Maint", report.maint));
  console.log(line("LiquidationEnd", report.liquidationEnd));
  for (const p of report.perps) {
    const liq = p.liquidationPricePerLot.toNumber();
    console.log(
      `  perp ${p.marketIndex}: ${p.baseLots.toNumber()} lots, oracle ${p.oraclePricePerLot.toNumber()} per lot, unrealised pnl ${usd(p.unrealizedPnl)}, liquidation price ${liq === 0 ? "none" : `${liq} per lot`}`,
    );
  }
}

main().catch((e) => {
  console.error(`trade failed: ${(e as Error).message}`);
  process.exit(1);
});
