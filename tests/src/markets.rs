//! Perp markets in tests: listing with a movable pull oracle, orders through the client, the
//! cranks, and the perp side of the conservation check.

use crate::context::{TestContext, START_TIME};
use crate::oracles::{pull_price_account, PriceSpec};
use crate::outcome::Outcome;
use crate::traders::Trader;
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use keel::instructions::markets::{
    CancelTarget, ListPerpMarketArgs, OrderType, PerpMarketParams, PlaceOrderArgs, SelfTradeBehavior, UpdatePerpMarketArgs,
};
use keel::oracle::OracleKind;
use keel::state::{FillQueue, OrderBook, PerpMarket, Side};
use keel_client::health::{trade_health_accounts, KnownMarket};
use keel_client::markets::{self as mix, MarketKeys};
use keel_client::{accounts as decode, pda};
use pyth_solana_receiver_sdk::price_update::VerificationLevel;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// A listed perp market as the tests know it.
#[derive(Clone, Copy, Debug)]
pub struct TestMarket {
    /// Market index.
    pub index: u16,
    /// The accounts trades and cranks name.
    pub keys: MarketKeys,
    /// The oracle's feed id.
    pub feed_id: [u8; 32],
}

/// Test market parameters: 10% init / 5% maint margin, positive PnL counted at 80% for Init,
/// maker rebate 1 bp, taker fee 5 bp, 20% of net fees to insurance, 5% price band, funding
/// clamped at 1% per hour over impact prices 10 lots deep, min order 1 lot, OI cap 1 000 000 lots, 60 s oracle age, 2% conf, k = 1,
/// liquidation discount 1.5% and penalty 1%.
pub fn perp_params() -> PerpMarketParams {
    PerpMarketParams {
        init_margin_bps: 1_000,
        maint_margin_bps: 500,
        pnl_init_weight_bps: 8_000,
        maker_fee_bps: -1,
        taker_fee_bps: 5,
        insurance_fee_share_bps: 2_000,
        price_band_bps: 500,
        max_funding_bps: 100,
        funding_interval_secs: 3_600,
        funding_impact_lots: 10,
        min_order_base_lots: 1,
        open_interest_cap_lots: 1_000_000,
        oracle_max_age_secs: 60,
        oracle_max_conf_bps: 200,
        oracle_conf_multiplier_bps: 10_000,
        liquidation_fee_bps: 150,
        liquidation_penalty_bps: 100,
    }
}

/// A USD price with 8 decimals and no confidence band, published at `time`.
pub fn usd(dollars: i64, time: i64) -> PriceSpec {
    PriceSpec::new(dollars * 100_000_000, 0, -8, time)
}

/// A limit order that may rest, aborting on self-trade.
pub fn limit(side: Side, price_lots: i64, base_lots: i64) -> PlaceOrderArgs {
    PlaceOrderArgs {
        side,
        order_type: OrderType::Limit,
        price_lots,
        base_lots,
        client_order_id: 0,
        reduce_only: false,
        self_trade: SelfTradeBehavior::AbortTransaction,
        expiry_ts: 0,
        max_touched: 16,
    }
}

/// An order of `order_type` (the price is ignored for market orders).
pub fn order(order_type: OrderType, side: Side, price_lots: i64, base_lots: i64) -> PlaceOrderArgs {
    PlaceOrderArgs { order_type, ..limit(side, price_lots, base_lots) }
}

/// Parameter changes only (`update_perp_market`).
pub fn with_params(params: PerpMarketParams) -> UpdatePerpMarketArgs {
    UpdatePerpMarketArgs { params: Some(params), paused: None }
}

/// A pause or resume only (`update_perp_market`).
pub fn paused(paused: bool) -> UpdatePerpMarketArgs {
    UpdatePerpMarketArgs { params: None, paused: Some(paused) }
}

/// SOL-PERP at 100 USD — lots of 0.01 SOL, quote lot 1 native, so a price of 1 000 000 lots is
/// 1 USDC per 0.01 SOL and the 5% band is 950 000..=1 050 000 — and `n` traders with
/// 1 000 USDC deposited each.
pub async fn sol_market_with_traders(n: usize) -> (TestContext, u16, Vec<Trader>) {
    let mut t = TestContext::new().await;
    let m = t.add_market("SOL", 9, 10_000_000, 1, usd(100, T0)).await;
    let mut traders = Vec::new();
    for _ in 0..n {
        traders.push(t.funded_trader().await);
    }
    (t, m, traders)
}

/// [`sol_market_with_traders`] with two traders: a maker and a taker.
pub async fn sol_market_with_two_traders() -> (TestContext, u16, Trader, Trader) {
    let (t, m, mut traders) = sol_market_with_traders(2).await;
    let taker = traders.pop().expect("two traders");
    let maker = traders.pop().expect("two traders");
    (t, m, maker, taker)
}

/// Builder touches for order arguments.
pub trait OrderArgsExt {
    /// The same order, reduce-only.
    fn reduce_only(self) -> Self;
}

impl OrderArgsExt for PlaceOrderArgs {
    fn reduce_only(self) -> Self {
        PlaceOrderArgs { reduce_only: true, ..self }
    }
}

impl TestContext {
    /// A trader with 10 000 USDC in its wallet and 1 000 USDC deposited.
    pub async fn funded_trader(&mut self) -> Trader {
        let trader = self.trader(&[10_000_000_000]).await;
        self.deposit(&trader, 0, 1_000_000_000).await.assert_ok();
        trader
    }

    /// Raw bytes of market `index`, its book and queue, the quote asset and `accounts`: equal
    /// snapshots mean nothing changed.
    pub async fn market_snapshot(&mut self, index: u16, accounts: &[Pubkey]) -> Vec<Option<Vec<u8>>> {
        let k = self.markets[index as usize].keys;
        let mut out = Vec::new();
        for key in [k.market, k.order_book, k.fill_queue, k.quote_asset].iter().chain(accounts) {
            out.push(self.account_data(key).await);
        }
        out
    }

    /// `account`'s position in market `index`, base lots (0 without a slot).
    pub async fn position_lots(&mut self, account: &Pubkey, index: u16) -> i64 {
        self.margin_account(account).await.perp(index).map_or(0, |p| p.base_lots)
    }

    /// How many open-order slots `account` has in use.
    pub async fn open_order_count(&mut self, account: &Pubkey) -> usize {
        self.margin_account(account).await.orders.iter().filter(|o| o.is_in_use()).count()
    }

    /// Lists a perp market with a pull oracle at `spec`. With `quote_lot_size` 1, a price in
    /// lots is quote native per base lot. Returns the market index.
    pub async fn add_market(&mut self, symbol: &str, base_decimals: u8, base_lot_size: i64, quote_lot_size: i64, spec: PriceSpec) -> u16 {
        let index = self.markets.len() as u16;
        let (args, oracle, feed_id) = self.market_args(index, symbol, base_decimals, base_lot_size, quote_lot_size, spec);
        self.list_market(args, &oracle).await.assert_ok();
        let address = pda::perp_market(&self.exchange, index);
        let market = self.perp_market(&address).await;
        let keys = MarketKeys::of(address, &market, self.assets[0].address);
        self.markets.push(TestMarket { index, keys, feed_id });
        index
    }

    /// `list_perp_market` arguments for a new pull oracle at `spec` (written to the bank).
    pub fn market_args(&mut self, index: u16, symbol: &str, base_decimals: u8, base_lot_size: i64, quote_lot_size: i64, spec: PriceSpec) -> (ListPerpMarketArgs, Pubkey, [u8; 32]) {
        let feed_id = Pubkey::new_unique().to_bytes();
        let oracle = Pubkey::new_unique();
        self.set_account(&oracle, pull_price_account(feed_id, spec, VerificationLevel::Full));
        let mut name = [0u8; 16];
        name[..symbol.len()].copy_from_slice(symbol.as_bytes());
        let args = ListPerpMarketArgs {
            index,
            symbol: name,
            base_decimals,
            base_lot_size,
            quote_lot_size,
            oracle_kind: OracleKind::PythPull,
            feed_id,
            params: perp_params(),
        };
        (args, oracle, feed_id)
    }

    /// Creates a book and a queue and sends `list_perp_market` in one transaction.
    pub async fn list_market(&mut self, args: ListPerpMarketArgs, oracle: &Pubkey) -> Outcome {
        let (book, queue) = (Keypair::new(), Keypair::new());
        let book_rent = self.rent(OrderBook::SPACE).await;
        let queue_rent = self.rent(FillQueue::SPACE).await;
        let payer = self.payer();
        let rent = |space| if space == OrderBook::SPACE { book_rent } else { queue_rent };
        let mut ixs = mix::create_market_accounts(&payer, &book.pubkey(), &queue.pubkey(), rent).to_vec();
        let admin = self.admin.insecure_clone();
        ixs.push(mix::list_perp_market(&payer, &admin.pubkey(), &self.exchange, &book.pubkey(), &queue.pubkey(), oracle, args));
        self.send(&ixs, &[&admin, &book, &queue]).await
    }

    /// Moves market `index`'s oracle to `spec`.
    pub fn set_market_price(&mut self, index: u16, spec: PriceSpec) {
        let market = self.markets[index as usize];
        self.set_account(&market.keys.oracle, pull_price_account(market.feed_id, spec, VerificationLevel::Full));
    }

    /// Sends `update_perp_market` signed by the admin.
    pub async fn update_market(&mut self, index: u16, args: UpdatePerpMarketArgs) -> Outcome {
        let admin = self.admin.insecure_clone();
        let keys = self.markets[index as usize].keys;
        let ix = mix::update_perp_market(&admin.pubkey(), &self.exchange, &keys.market, args);
        self.send(&[ix], &[&admin]).await
    }

    /// The decoded market.
    pub async fn perp_market(&mut self, address: &Pubkey) -> PerpMarket {
        let data = self.account_data(address).await.expect("market exists");
        decode::perp_market(&data).expect("market decodes")
    }

    /// Market `index`, decoded.
    pub async fn market(&mut self, index: u16) -> PerpMarket {
        let address = self.markets[index as usize].keys.market;
        self.perp_market(&address).await
    }

    /// Market `index`'s book, decoded.
    pub async fn book(&mut self, index: u16) -> Box<OrderBook> {
        let key = self.markets[index as usize].keys.order_book;
        decode::order_book(&self.account_data(&key).await.expect("book exists")).expect("book decodes")
    }

    /// Market `index`'s fill queue, decoded.
    pub async fn fill_queue(&mut self, index: u16) -> Box<FillQueue> {
        let key = self.markets[index as usize].keys.fill_queue;
        decode::fill_queue(&self.account_data(&key).await.expect("queue exists")).expect("queue decodes")
    }

    /// Every listed market, decoded.
    pub async fn known_markets(&mut self) -> Vec<KnownMarket> {
        let mut known = Vec::new();
        for market in self.markets.clone() {
            known.push(KnownMarket { address: market.keys.market, market: self.perp_market(&market.keys.market).await });
        }
        known
    }

    /// Places an order for `trader` in market `index` with the client's trade health accounts,
    /// signed by the owner; then checks conservation.
    pub async fn place(&mut self, trader: &Trader, index: u16, args: PlaceOrderArgs) -> Outcome {
        let owner = trader.owner.insecure_clone();
        self.place_signed(trader, index, args, &owner).await
    }

    /// Like [`Self::place`], signed by `signer` (owner or delegate).
    pub async fn place_signed(&mut self, trader: &Trader, index: u16, args: PlaceOrderArgs, signer: &Keypair) -> Outcome {
        let metas = self.trade_metas(&trader.account, index).await;
        let keys = self.markets[index as usize].keys;
        let ix = mix::place_order(&signer.pubkey(), &trader.account, &keys, args, metas);
        let outcome = self.send(&[ix], &[signer]).await;
        self.assert_conserved().await;
        outcome
    }

    /// The health accounts of a trade by `account` in market `index`.
    pub async fn trade_metas(&mut self, account: &Pubkey, index: u16) -> Vec<anchor_lang::prelude::AccountMeta> {
        let margin = self.margin_account(account).await;
        let assets = self.known_assets().await;
        let markets = self.known_markets().await;
        trade_health_accounts(&margin, &assets, &markets, index).expect("every market and asset is known")
    }

    /// Cancels `target` for `trader` in market `index` (passing the exchange and oracle, as
    /// the client does); then checks conservation.
    pub async fn cancel(&mut self, trader: &Trader, index: u16, target: CancelTarget) -> Outcome {
        let keys = self.markets[index as usize].keys;
        let ix = mix::cancel_order(&trader.owner.pubkey(), &trader.account, &keys, target);
        self.send_cancel(trader, ix).await
    }

    /// Cancels `target` without the optional exchange and oracle accounts, so the funding
    /// sample reads no price (what an attacker may choose); then checks conservation.
    pub async fn cancel_without_price(&mut self, trader: &Trader, index: u16, target: CancelTarget) -> Outcome {
        let keys = self.markets[index as usize].keys;
        let mut ix = mix::cancel_order(&trader.owner.pubkey(), &trader.account, &keys, target);
        ix.accounts.truncate(ix.accounts.len() - 2);
        self.send_cancel(trader, ix).await
    }

    async fn send_cancel(&mut self, trader: &Trader, ix: Instruction) -> Outcome {
        let outcome = self.send(&[ix], &[&trader.owner]).await;
        self.assert_conserved().await;
        outcome
    }

    /// Runs `consume_fills` until market `index`'s queue is empty; returns the events applied.
    pub async fn crank(&mut self, index: u16) -> usize {
        let keys = self.markets[index as usize].keys;
        let mut applied = 0;
        loop {
            let queue = self.fill_queue(index).await;
            if queue.count == 0 {
                break;
            }
            let makers = mix::queued_accounts(&queue, 8);
            let before = queue.count;
            self.send(&[mix::consume_fills(&keys, &makers, 8)], &[]).await.assert_ok();
            let after = self.fill_queue(index).await.count;
            assert!(after < before, "consume_fills made no progress");
            applied += (before - after) as usize;
        }
        self.assert_conserved().await;
        applied
    }

    /// Runs `settle_pnl` for `account`'s position in market `index` and checks conservation.
    pub async fn settle_pnl(&mut self, index: u16, account: &Pubkey) -> Outcome {
        let keys = self.markets[index as usize].keys;
        let outcome = self.send(&[mix::settle_pnl(&keys, account)], &[]).await;
        self.assert_conserved().await;
        outcome
    }

    /// Runs `update_funding` for market `index`.
    pub async fn update_funding(&mut self, index: u16) -> Outcome {
        let keys = self.markets[index as usize].keys;
        self.send(&[mix::update_funding(&keys)], &[]).await
    }

    /// The quote the perp side of the protocol accounts for, quote native: Σ positions'
    /// `quote_native` + Σ queued maker cash flows + Σ markets (fees + insurance − funding credited).
    /// The quote vault holds Σ quote balances plus exactly this.
    pub async fn perp_quote_ledger(&mut self) -> i128 {
        let mut total = 0i128;
        for market in self.markets.clone() {
            let m = self.perp_market(&market.keys.market).await;
            total += m.fees_accrued as i128 - m.funding_settled_net as i128;
            let queue = self.fill_queue(market.index).await;
            for event in queue.iter().filter(|e| e.kind == 1) {
                let flow = m.notional(event.base_lots, event.price_lots).expect("notional") as i128;
                total += if Side::from_u8(event.maker_side) == Side::Ask { flow } else { -flow };
            }
        }
        for account in self.margin_accounts.clone() {
            if self.account_data(&account).await.is_some() {
                let margin = self.margin_account(&account).await;
                total += margin.active_perps().map(|p| p.quote_native as i128 + p.pnl_owed_native as i128).sum::<i128>();
            }
        }
        total
    }
}

/// When the tests start: oracles published at this time are fresh.
pub const T0: i64 = START_TIME;
