// The test's counterparty: a keypair with node-faucet USDC in its margin account 0, resting
// post-only quotes at fixed prices (so the browser's taker orders fill against it),
// through @keel/client exactly as app/ts-client/tools/market-maker.ts places them.

import { AnchorProvider, BN, Program } from "@anchor-lang/core";
import { Keypair, LAMPORTS_PER_SOL, PublicKey, Transaction } from "@solana/web3.js";
import { ExchangeListing, Keel, depositInstruction, fetchListing, marginAccountPda, placeOrderInstruction } from "../../../ts-client/src";
import { TestExchange } from "./exchange";

/** A keypair of the test process with margin account 0 holding `usdc` whole node-faucet USDC. */
export interface Funded {
  owner: Keypair;
  program: Program<Keel>;
  account: PublicKey;
  listing: ExchangeListing;
}

/** A new keypair, SOL airdropped, `whole` USDC minted by the node's faucet and deposited into its account 0. */
export async function fundedAccount(ex: TestExchange, whole: bigint): Promise<Funded> {
  const owner = Keypair.generate();
  const program: Program<Keel> = ex.program(owner);
  const connection = program.provider.connection;
  const airdrop = await connection.requestAirdrop(owner.publicKey, 10 * LAMPORTS_PER_SOL);
  await connection.confirmTransaction({ signature: airdrop, ...(await connection.getLatestBlockhash()) }, "confirmed");
  const usdc = whole * 10n ** 6n;
  await ex.localnet.call("keel_mintTo", [ex.mints.USDC.toBase58(), owner.publicKey.toBase58(), Number(usdc)]);
  const listing = await fetchListing(program, ex.exchange);
  const quote = listing.assets[0];
  const account = marginAccountPda(ex.exchange, owner.publicKey, 0);
  await program.methods.createMarginAccount(0).accounts({ payer: owner.publicKey, owner: owner.publicKey, exchange: ex.exchange }).rpc();
  const deposit = await depositInstruction(program, { authority: owner.publicKey, exchange: ex.exchange, marginAccount: account, asset: quote, amount: usdc });
  await (program.provider as AnchorProvider).sendAndConfirm(new Transaction().add(deposit));
  return { owner, program, account, listing };
}

/** One resting post-only quote of the maker; `market` is the market index (default 0, SOL-PERP). */
export interface Quote {
  side: "bid" | "ask";
  priceLots: bigint;
  baseLots: bigint;
  market?: number;
}

/** A maker with 1 000 000 USDC and `quotes` resting post-only. */
export async function startMaker(ex: TestExchange, quotes: Quote[]): Promise<Funded> {
  const maker = await fundedAccount(ex, 1_000_000n);
  const { owner, program, account, listing } = maker;
  const provider = program.provider as AnchorProvider;
  for (const [i, q] of quotes.entries()) {
    const acct = await program.account.marginAccount.fetch(account);
    const ix = await placeOrderInstruction(program, {
      signer: owner.publicKey,
      marginAccount: account,
      listing,
      marketIndex: q.market ?? 0,
      account: acct,
      args: {
        side: q.side === "bid" ? { bid: {} } : { ask: {} },
        orderType: { postOnly: {} },
        priceLots: new BN(q.priceLots.toString()),
        baseLots: new BN(q.baseLots.toString()),
        clientOrderId: new BN(i + 1),
        reduceOnly: false,
        selfTrade: { cancelResting: {} },
        expiryTs: new BN(0),
        maxTouched: 8,
      },
    });
    await provider.sendAndConfirm(new Transaction().add(ix));
  }
  return maker;
}
