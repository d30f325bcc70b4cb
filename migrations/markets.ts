// The perp markets of the deploy: reading what the chain has for the config's markets (before
// anything is sent), listing the missing ones in index order, and describing them.
//
// `list_perp_market` binds an order book and a fill queue that are too large for the program to
// allocate (OrderBook::SPACE, FillQueue::SPACE bytes): the admin creates them, owned by Keel,
// zeroed and rent-exempt, at fresh keypairs IN THE SAME TRANSACTION as the listing, so nobody
// can bind them to another market (as app/client/src/markets.rs `create_market_accounts`).

import { BN, Program } from "@anchor-lang/core";
import { ConfirmOptions, Keypair, PublicKey, SystemProgram } from "@solana/web3.js";
import {
  ExchangeAccount,
  FILL_QUEUE_SPACE,
  ORDER_BOOK_SPACE,
  PerpMarketAccount,
  fetchAccount,
  fetchExisting,
  oracleKindArg,
  perpMarketPda,
} from "./accounts";
import { DeployError, ORACLE_KINDS } from "./config";
import { MARKET_PARAM_KEYS, MARKET_SYMBOL_BYTES, MarketConfig } from "./config-markets";

/** What the script found or will do for one configured market. */
export interface MarketPlan {
  config: MarketConfig;
  /** The market's index: its position in the config. */
  index: number;
  /** The PDA ["perp_market", exchange, index]. */
  market: PublicKey;
  /** The market on chain, null if it is still to list. */
  listed: PerpMarketAccount | null;
}

/** Who signs and pays the listings (and the insurance fund's admin instructions, insurance.ts). */
export interface MarketSigners {
  wallet: PublicKey;
  admin: PublicKey;
  /** The admin's keypair when the admin is not the wallet. */
  adminSigner?: Keypair;
}

/** The `symbol: [u8; 16]` argument: UTF-8, zero padded. */
export function symbolBytes(symbol: string): number[] {
  const bytes = Array.from(Buffer.from(symbol, "utf8"));
  if (bytes.length > MARKET_SYMBOL_BYTES) throw new DeployError(`market symbol "${symbol}" is longer than ${MARKET_SYMBOL_BYTES} bytes`);
  return bytes.concat(new Array<number>(MARKET_SYMBOL_BYTES - bytes.length).fill(0));
}

/** A stored symbol as text (the zero padding removed). */
export function symbolText(bytes: number[]): string {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return Buffer.from(bytes.slice(0, end)).toString("utf8");
}

/**
 * Reads the chain for the configured markets, before anything is sent. Config entry i is market
 * index i: below the exchange's `market_count` it must be listed already, with the same symbol
 * (it is skipped); from `market_count` on it is listed by this run, in order. Throws a
 * DeployError listing every entry the chain disagrees with.
 */
export async function planMarkets(
  program: Program,
  exchange: PublicKey,
  marketCount: number,
  markets: MarketConfig[],
): Promise<MarketPlan[]> {
  const plans: MarketPlan[] = [];
  const problems: string[] = [];
  for (const [index, config] of markets.entries()) {
    const where = `markets[${index}] (${config.symbol})`;
    const market = perpMarketPda(program.programId, exchange, index);
    const listed = await fetchMarket(program, market);
    if (index < marketCount) {
      if (!listed) {
        problems.push(`${where}: the exchange counts ${marketCount} markets, but market ${index} (${market.toBase58()}) does not exist`);
      } else if (symbolText(listed.symbol) !== config.symbol) {
        problems.push(
          `${where}: market ${index} (${market.toBase58()}) is "${symbolText(listed.symbol)}" on chain. Markets are listed in ` +
            `file order, so markets[${index}] must name the market listed at index ${index}: keep the listed ones first, in ` +
            `index order, and add new markets after them`,
        );
      }
    } else if (listed) {
      problems.push(`${where}: market ${index} (${market.toBase58()}) exists, but the exchange counts only ${marketCount} markets`);
    }
    plans.push({ config, index, market, listed });
  }
  if (problems.length > 0) throw new DeployError(`the config's markets disagree with the chain:\n  - ${problems.join("\n  - ")}`);
  if (plans.some((p) => !p.listed)) {
    // The sizes the program accepts, as the IDL has them: guards against a stale script.
    for (const [name, space] of [["orderBook", ORDER_BOOK_SPACE], ["fillQueue", FILL_QUEUE_SPACE]] as const) {
      const idlSpace = program.coder.accounts.size(name);
      if (idlSpace !== space) {
        throw new DeployError(`idl/keel.json's ${name} account is ${idlSpace} bytes, but the script creates ${space}: update accounts.ts`);
      }
    }
  }
  return plans;
}

/**
 * The market at `market`, null if it is not listed. Lamports sent to the PDA before the listing
 * (a system account without data) do not make it listed: `list_perp_market` tops them up.
 */
async function fetchMarket(program: Program, market: PublicKey): Promise<PerpMarketAccount | null> {
  const info = await program.provider.connection.getAccountInfo(market);
  if (info && info.owner.equals(SystemProgram.programId) && info.data.length === 0) return null;
  return fetchAccount<PerpMarketAccount>(program, "perpMarket", market);
}

/** Lamports of rent for listing `count` markets (the market PDA, its book and its queue). */
export async function marketsRent(program: Program, count: number): Promise<number> {
  if (count === 0) return 0;
  const connection = program.provider.connection;
  const sizes = [program.coder.accounts.size("perpMarket"), ORDER_BOOK_SPACE, FILL_QUEUE_SPACE];
  const rents = await Promise.all(sizes.map((size) => connection.getMinimumBalanceForRentExemption(size)));
  return count * rents.reduce((a, b) => a + b, 0);
}

/**
 * Lists the market of `plan` in one transaction: creates its order book and fill queue at fresh
 * keypairs (owned by Keel, rent-exempt), then `list_perp_market` binds them. The index is the
 * exchange's `market_count` as read just before sending, which must be the plan's.
 */
export async function listMarket(
  program: Program,
  exchange: PublicKey,
  plan: MarketPlan,
  { wallet, admin, adminSigner }: MarketSigners,
  opts: ConfirmOptions,
): Promise<{ signature: string; orderBook: PublicKey; fillQueue: PublicKey }> {
  const { symbol, oracle, params } = plan.config;
  const index = (await fetchExisting<ExchangeAccount>(program, "exchange", exchange)).marketCount;
  if (index !== plan.index) {
    throw new DeployError(
      `${symbol}: the exchange's next market index is ${index}, but ${symbol} is markets[${plan.index}] of the config ` +
        `(was a market listed meanwhile by another run?); rerun to check the config against the chain`,
    );
  }
  const connection = program.provider.connection;
  const orderBook = Keypair.generate();
  const fillQueue = Keypair.generate();
  const create = async (account: Keypair, space: number) =>
    SystemProgram.createAccount({
      fromPubkey: wallet,
      newAccountPubkey: account.publicKey,
      lamports: await connection.getMinimumBalanceForRentExemption(space),
      space,
      programId: program.programId,
    });
  const createAccounts = [await create(orderBook, ORDER_BOOK_SPACE), await create(fillQueue, FILL_QUEUE_SPACE)];
  // The feed id is the pull feed's; a legacy price account is its own feed (the program ignores it).
  const feedId = oracle.kind === "PythPull" ? Array.from(oracle.feedId) : new Array<number>(32).fill(0);
  const signature = await program.methods
    .listPerpMarket({
      index,
      symbol: symbolBytes(symbol),
      baseDecimals: plan.config.baseDecimals,
      baseLotSize: new BN(plan.config.baseLotSize.toString()),
      quoteLotSize: new BN(plan.config.quoteLotSize.toString()),
      oracleKind: oracleKindArg(oracle.kind),
      feedId,
      params: {
        initMarginBps: params.init_margin_bps,
        maintMarginBps: params.maint_margin_bps,
        pnlInitWeightBps: params.pnl_init_weight_bps,
        makerFeeBps: params.maker_fee_bps,
        takerFeeBps: params.taker_fee_bps,
        insuranceFeeShareBps: params.insurance_fee_share_bps,
        priceBandBps: params.price_band_bps,
        maxFundingBps: params.max_funding_bps,
        fundingIntervalSecs: params.funding_interval_secs,
        fundingImpactLots: new BN(params.funding_impact_lots.toString()),
        minOrderBaseLots: new BN(params.min_order_base_lots.toString()),
        openInterestCapLots: new BN(params.open_interest_cap_lots.toString()),
        oracleMaxAgeSecs: params.oracle_max_age_secs,
        oracleMaxConfBps: params.oracle_max_conf_bps,
        oracleConfMultiplierBps: params.oracle_conf_multiplier_bps,
        liquidationFeeBps: params.liquidation_fee_bps,
        liquidationPenaltyBps: params.liquidation_penalty_bps,
      },
    })
    .accountsPartial({
      payer: wallet,
      admin,
      exchange,
      market: plan.market,
      orderBook: orderBook.publicKey,
      fillQueue: fillQueue.publicKey,
      oracle: oracle.account,
      systemProgram: SystemProgram.programId,
    })
    .preInstructions(createAccounts)
    .signers(adminSigner ? [orderBook, fillQueue, adminSigner] : [orderBook, fillQueue])
    .rpc(opts);
  return { signature, orderBook: orderBook.publicKey, fillQueue: fillQueue.publicKey };
}

/** How a listed market differs from its config (listing does not change a listed market). */
export function marketDifferences(config: MarketConfig, m: PerpMarketAccount): string[] {
  const out: string[] = [];
  const fixed = "fixed at listing";
  const kind = ORACLE_KINDS[m.oracleKind];
  if (kind !== config.oracle.kind) out.push(`oracle kind is ${kind ?? m.oracleKind} on chain, ${config.oracle.kind} in the config (${fixed})`);
  if (!m.oracle.equals(config.oracle.account)) {
    out.push(`oracle is ${m.oracle.toBase58()} on chain, ${config.oracle.account.toBase58()} in the config (${fixed})`);
  }
  if (config.oracle.kind === "PythPull" && !Buffer.from(m.feedId).equals(config.oracle.feedId)) {
    out.push(`feed_id is ${Buffer.from(m.feedId).toString("hex")} on chain, ${config.oracle.feedId.toString("hex")} in the config (${fixed})`);
  }
  const p = config.params;
  const pairs: [string, string, string, string][] = [
    ["base_decimals", String(config.baseDecimals), String(m.baseDecimals), fixed],
    ["base_lot_size", config.baseLotSize.toString(), m.baseLotSize.toString(), fixed],
    ["quote_lot_size", config.quoteLotSize.toString(), m.quoteLotSize.toString(), fixed],
  ];
  const update = "update_perp_market changes it";
  // Every field of PerpMarketParams (the Record type makes a missing one a type error).
  const onChain: Record<(typeof MARKET_PARAM_KEYS)[number], string> = {
    init_margin_bps: String(m.initMarginBps),
    maint_margin_bps: String(m.maintMarginBps),
    pnl_init_weight_bps: String(m.pnlInitWeightBps),
    maker_fee_bps: String(m.makerFeeBps),
    taker_fee_bps: String(m.takerFeeBps),
    insurance_fee_share_bps: String(m.insuranceFeeShareBps),
    price_band_bps: String(m.priceBandBps),
    max_funding_bps: String(m.maxFundingBps),
    funding_interval_secs: String(m.fundingIntervalSecs),
    funding_impact_lots: m.fundingImpactLots.toString(),
    min_order_base_lots: m.minOrderBaseLots.toString(),
    open_interest_cap_lots: m.openInterestCapLots.toString(),
    oracle_max_age_secs: String(m.oracleMaxAgeSecs),
    oracle_max_conf_bps: String(m.oracleMaxConfBps),
    oracle_conf_multiplier_bps: String(m.oracleConfMultiplierBps),
    liquidation_fee_bps: String(m.liquidationFeeBps),
    liquidation_penalty_bps: String(m.liquidationPenaltyBps),
  };
  for (const [name, have] of Object.entries(onChain)) pairs.push([name, String(p[name as keyof typeof p]), have, update]);
  for (const [name, want, have, how] of pairs) {
    if (want !== have) out.push(`${name} is ${have} on chain, ${want} in the config (${how})`);
  }
  if (m.paused !== 0) out.push("the market is paused (update_perp_market resumes it)");
  return out;
}

/** The summary lines of the configured markets, as the chain has them after the deploy. */
export async function describeMarkets(program: Program, plans: MarketPlan[]): Promise<string[]> {
  const lines: string[] = [];
  for (const plan of plans) {
    const m = await fetchExisting<PerpMarketAccount>(program, "perpMarket", plan.market);
    const lots = `base lot ${m.baseLotSize.toString()} (${m.baseDecimals} decimals), tick ${m.quoteLotSize.toString()}`;
    lines.push(`  #${m.index} ${symbolText(m.symbol).padEnd(9)} market ${plan.market.toBase58()}  ${lots}${m.paused !== 0 ? "  PAUSED" : ""}`);
    lines.push(`     book ${m.orderBook.toBase58()}  queue ${m.fillQueue.toBase58()}  oracle ${m.oracle.toBase58()} (${ORACLE_KINDS[m.oracleKind] ?? m.oracleKind})`);
  }
  return lines;
}
