//! Coalition property test: random price paths (≤ 3% a step, ±4% shocks) with honest traders, a keeper,
//! a passive victim whose delegate is in the coalition, and a coalition of accounts — two of
//! one owner and one of another owner, that owner's key also the victim's delegate — trading
//! against each other at the band edges, leaving stale band-edge orders across price moves,
//! dumping positions of its distressed members on each other, round-tripping the victim's
//! account through the delegate, pinning funding with quotes left standing while time passes
//! (a thin order across the oracle in its favour, 9 lots against the market's 10-lot impact
//! depth, beside an impact-deep one on its own side of the oracle at the band edge: under a
//! mid-of-best premium these pay the cap), and cranking funding around its own quotes (a
//! one-transaction bid and ask at a band edge, `update_funding`, cancel). Invariants after
//! every step:
//! - the coalition's combined equity at oracle prices (collateral value plus unrealised PnL,
//!   from the program's own health code) never rises by more than the oracle PnL of its net
//!   exposure plus what the victim's delegate limits charged (the most the victim can lose) —
//!   funding included, which at the honest rate is zero (no quote that anyone could trade
//!   against at a profit stood while time passed), and the crank leaves the index unmoved;
//! - the insurance fund never covers a deficit: with moves smaller than the maint margin and a
//!   keeper after every move, a liquidation at the first liquidatable price always suffices;
//! - the vaults reconcile after every instruction (the test helpers check).
//!
//! Fixed seeds with a deterministic generator, one test per seed.

use keel::error::KeelError;
use keel::instructions::markets::{CancelTarget, OrderType, PlaceOrderArgs};
use keel::state::Side;
use keel_client::markets as mix;
use keel_tests::context::volatile_params;
use keel_tests::context::TestContext;
use keel_tests::liquidation::LOTS_PER_USD;
use keel_tests::markets::{limit, order, usd, OrderArgsExt, T0};
use keel_tests::oracles::PriceSpec;
use keel_tests::rng::Rng;
use keel_tests::traders::Trader;
use pyth_solana_receiver_sdk::price_update::VerificationLevel;
use solana_signer::Signer;

/// Rounds of actions per sequence (a price move after each).
const STEPS: usize = 30;
/// Rounding allowance per account and step, quote native (report lines round down).
const ROUNDING: i64 = 4;
/// The victim's delegate loss limit per day, quote native.
const DELEGATE_LOSS_LIMIT: u64 = 2_000_000;

struct Sim {
    t: TestContext,
    rng: Rng,
    market: u16,
    /// X1, X2 (one owner) and Y (another owner; Y's key is the victim's delegate).
    coalition: Vec<Trader>,
    honest: Vec<Trader>,
    victim: Trader,
    keeper: Trader,
    /// Oracle price, cents.
    cents: i64,
    /// The coalition's equity at the start, quote native.
    equity_start: i64,
    /// Σ net coalition base lots × price change per lot since the start, quote native.
    exposure_pnl: i64,
    /// Σ charges of the victim's delegate limits, quote native.
    delegate_charged: u64,
    /// Funding cranks the coalition landed around its own quotes.
    funding_cranks: usize,
    /// The asset of which X1 and Y hold dust; its feed fails while the keeper works.
    dust: u16,
    /// Liquidation steps and cancels the keeper landed.
    liquidations: usize,
}

impl Sim {
    async fn new(seed: u64) -> Self {
        let mut t = TestContext::new().await;
        let market = t.add_market("SOL", 9, 10_000_000, 1, usd(100, T0)).await;
        let dust = t.add_pull_asset(9, volatile_params(), usd(2_000, T0)).await;
        let mut all = Vec::new();
        for _ in 0..6 {
            all.push(t.funded_trader().await);
        }
        let keeper = all.pop().expect("keeper");
        t.deposit(&keeper, 0, 5_000_000_000).await.assert_ok();
        t.create_insurance_fund(
            keel_tests::insurance::LIMIT_BPS,
            keel_tests::insurance::PERIOD_SECS,
        )
        .await
        .assert_ok();
        t.seed_insurance(100_000_000).await.assert_ok();
        let victim = all.pop().expect("victim");
        let y = all.pop().expect("Y");
        let x1 = all.pop().expect("X1");
        let x2 = t.another_account(&x1, 1).await;
        t.deposit(&x2, 0, 150_000_000).await.assert_ok();
        // X1 and Y hold one native unit of an asset whose feed will fail at liquidation time.
        let dust_mint = t.asset(dust).mint;
        for member in [&x1, &y] {
            t.mint_to(&dust_mint, &member.wallets[dust as usize], 10)
                .await;
            t.deposit(member, dust, 1).await.assert_ok();
        }
        let args =
            keel_client::instructions::tight_delegate(&y.owner.pubkey(), DELEGATE_LOSS_LIMIT);
        t.send(
            &[keel_client::instructions::set_delegate(
                &victim.owner.pubkey(),
                &victim.account,
                args,
            )],
            &[&victim.owner],
        )
        .await
        .assert_ok();
        let mut sim = Self {
            t,
            rng: Rng::new(seed),
            market,
            coalition: vec![x1, x2, y],
            honest: all,
            victim,
            keeper,
            cents: 10_000,
            equity_start: 0,
            exposure_pnl: 0,
            delegate_charged: 0,
            funding_cranks: 0,
            dust,
            liquidations: 0,
        };
        sim.equity_start = sim.coalition_equity().await;
        sim
    }

    fn price_lots(&self) -> i64 {
        self.cents * LOTS_PER_USD / 100
    }

    /// The band edges at the current oracle (5%): (low, high) in price lots.
    fn band(&self) -> (i64, i64) {
        let p = self.price_lots();
        ((p * 9_500 + 9_999) / 10_000, p * 10_500 / 10_000)
    }

    /// Σ over the coalition of collateral value + unrealised PnL, by the program's health code.
    async fn coalition_equity(&mut self) -> i64 {
        let now = self.t.now().await;
        let mut total = 0;
        for i in 0..self.coalition.len() {
            total += self.t.equity(&self.coalition[i].account, now).await;
        }
        total
    }

    async fn net_coalition_lots(&mut self) -> i64 {
        let mut net = 0;
        for i in 0..self.coalition.len() {
            net += self
                .t
                .position_lots(&self.coalition[i].account, self.market)
                .await;
        }
        net
    }

    /// Places `args` for `trader` (signed by `signer`), accepting any program refusal: the
    /// coalition tries everything; the invariants judge what went through.
    async fn try_place(&mut self, trader: &Trader, args: PlaceOrderArgs, signer: Option<&Trader>) {
        let signer = signer.unwrap_or(trader).owner.insecure_clone();
        let outcome = self
            .t
            .place_signed(trader, self.market, args, &signer)
            .await;
        if let Err(error) = &outcome.result {
            assert!(
                outcome.error_code().is_some_and(|c| c >= 6000),
                "not a program refusal: {error:?}"
            );
        }
    }

    /// One coalition member rests at a band edge, another takes it with a market order.
    async fn wash_at_band_edge(&mut self) {
        let (low, high) = self.band();
        let maker = self.rng.below(3) as usize;
        let taker = (maker + 1 + self.rng.below(2) as usize) % 3;
        let side = if self.rng.chance(50) {
            Side::Bid
        } else {
            Side::Ask
        };
        let price = if side == Side::Bid { high } else { low };
        let lots = self.rng.between(200, 5_000);
        let (m, tk) = (
            self.coalition[maker].handle(),
            self.coalition[taker].handle(),
        );
        self.try_place(&m, limit(side, price, lots), None).await;
        let mut take = order(OrderType::Market, side.opposite(), 0, lots);
        if self.rng.chance(50) {
            take = take.reduce_only();
        }
        self.try_place(&tk, take, None).await;
    }

    /// The delegate trades the victim's account against an order of Y's priced against the
    /// victim: from the oracle (inside the delegate's slippage) out to the band edge.
    async fn delegate_round_trip(&mut self) {
        let side = if self.rng.chance(50) {
            Side::Bid
        } else {
            Side::Ask
        };
        let offset = self.price_lots() * self.rng.between(0, 500) / 10_000;
        // Y buys below the oracle or sells above it: the victim pays the offset.
        let price = if side == Side::Bid {
            self.price_lots() - offset
        } else {
            self.price_lots() + offset
        };
        let lots = self.rng.between(10, 200);
        let (y, victim) = (self.coalition[2].handle(), self.victim.handle());
        self.try_place(&y, limit(side, price, lots), None).await;
        let before = self
            .t
            .margin_account(&victim.account)
            .await
            .delegate_limits
            .period_loss;
        let kind = if self.rng.chance(50) {
            OrderType::Market
        } else {
            OrderType::Limit
        };
        self.try_place(&victim, order(kind, side.opposite(), price, lots), Some(&y))
            .await;
        let after = self
            .t
            .margin_account(&victim.account)
            .await
            .delegate_limits
            .period_loss;
        self.delegate_charged += after.saturating_sub(before);
    }

    /// Honest traders quote near the oracle and trade with each other, then cancel the rest.
    async fn honest_trade(&mut self) {
        let maker = self.rng.below(self.honest.len() as u64) as usize;
        let taker = (maker + 1) % self.honest.len();
        let side = if self.rng.chance(50) {
            Side::Bid
        } else {
            Side::Ask
        };
        let offset = self.price_lots() * self.rng.between(0, 50) / 10_000;
        let price = if side == Side::Bid {
            self.price_lots() - offset
        } else {
            self.price_lots() + offset
        };
        let lots = self.rng.between(20, 300);
        let (m, tk) = (self.honest[maker].handle(), self.honest[taker].handle());
        self.try_place(&m, limit(side, price, lots), None).await;
        self.try_place(
            &tk,
            order(OrderType::ImmediateOrCancel, side.opposite(), price, lots),
            None,
        )
        .await;
        self.t
            .cancel(
                &m,
                self.market,
                keel::instructions::markets::CancelTarget::All,
            )
            .await;
    }

    /// Moves the oracle up to ±3%, or by ±4% for a `shock` (still less than the 5% maint
    /// margin: an account at Maint ≥ 0 keeps equity ≥ 0).
    async fn move_price(&mut self, shock: bool) {
        let net = self.net_coalition_lots().await;
        let bps = match shock {
            true if self.rng.chance(50) => 400,
            true => -400,
            false => self.rng.between(-300, 300),
        };
        let cents = (self.cents * (10_000 + bps) / 10_000).max(1_000);
        // quote native per lot = cents · 100
        self.exposure_pnl += net * (cents - self.cents) * 100;
        self.cents = cents;
        let now = self.t.now().await;
        self.t.set_market_price(
            self.market,
            PriceSpec::new(self.cents * 1_000_000, 0, -8, now),
        );
        self.set_dust_feed(false, now);
    }

    /// Cancels every resting order of the coalition and the victim, leaves X1's funding pin
    /// (see [`Sim::pin_funding`]) on the book, then lets `secs` pass (the oracle republished
    /// at the same price).
    async fn pass_time(&mut self, secs: i64) {
        let traders: Vec<_> = self
            .coalition
            .iter()
            .chain(std::iter::once(&self.victim))
            .map(Trader::handle)
            .collect();
        for trader in traders {
            self.t.cancel(&trader, self.market, CancelTarget::All).await;
        }
        self.t.crank(self.market).await;
        self.pin_funding().await;
        let now = self.t.now().await + secs;
        self.t.set_time(now).await;
        self.t.set_market_price(
            self.market,
            PriceSpec::new(self.cents * 1_000_000, 0, -8, now),
        );
        self.set_dust_feed(false, now);
    }

    /// X1's free quotes, in the coalition's favour (a net-long coalition wants the premium
    /// negative, a net-short one positive): 9 lots one tick across the oracle (less than the
    /// impact depth) and 10 lots on their own side at the band edge (nobody trades against
    /// either at a profit). Under the mid-of-best premium they paid the 1% cap for as long as
    /// they stood.
    async fn pin_funding(&mut self) {
        let (low, high) = self.band();
        let oracle = self.price_lots();
        let x1 = self.coalition[0].handle();
        let (thin, deep) = if self.net_coalition_lots().await < 0 {
            (order(OrderType::PostOnly, Side::Bid, oracle + 1, 9), order(OrderType::PostOnly, Side::Ask, high, 10))
        } else {
            (order(OrderType::PostOnly, Side::Ask, oracle - 1, 9), order(OrderType::PostOnly, Side::Bid, low, 10))
        };
        self.try_place(&x1, deep, None).await;
        self.try_place(&x1, thin, None).await;
    }

    /// X1 quotes a one-lot bid and ask at the band edge that makes others pay the coalition's
    /// net position, cranks funding and cancels, in one transaction: a premium of ±5% for the
    /// crank, standing zero seconds.
    async fn crank_funding_around_own_quotes(&mut self) {
        let (low, high) = self.band();
        let x1 = self.coalition[0].handle();
        let keys = self.t.markets[self.market as usize].keys;
        let metas = self.t.trade_metas(&x1.account, self.market).await;
        let signer = x1.owner.pubkey();
        // The attacker's side: a net-long coalition wants the premium negative (shorts pay
        // longs), a net-short one positive.
        let net = self.net_coalition_lots().await;
        let (bid, ask) = if net < 0 {
            (high - 1, high)
        } else {
            (low, low + 1)
        };
        let ixs = [
            mix::place_order(
                &signer,
                &x1.account,
                &keys,
                order(OrderType::PostOnly, Side::Bid, bid, 1),
                metas.clone(),
            ),
            mix::place_order(
                &signer,
                &x1.account,
                &keys,
                order(OrderType::PostOnly, Side::Ask, ask, 1),
                metas,
            ),
            mix::update_funding(&keys),
            mix::cancel_order(&signer, &x1.account, &keys, CancelTarget::All),
        ];
        let index_before = self.t.market(self.market).await.funding_index();
        let outcome = self.t.send(&ixs, &[&x1.owner]).await;
        self.t.assert_conserved().await;
        match &outcome.result {
            Ok(_) => {
                // Nothing stood on the book while time passed: the honest premium is zero, and
                // quotes that stood zero seconds must not move the index.
                let index_after = self.t.market(self.market).await.funding_index();
                assert_eq!(
                    index_after, index_before,
                    "funding moved by quotes that stood 0 s"
                );
                self.funding_cranks += 1;
            }
            Err(error) => assert!(
                outcome.error_code().is_some_and(|c| c >= 6000),
                "not a program refusal: {error:?}"
            ),
        }
    }

    /// The dust asset's feed: a confidence of 10% (its guard allows 2%) while `failing`.
    fn set_dust_feed(&mut self, failing: bool, now: i64) {
        let conf = if failing { 20_000_000_000 } else { 0 };
        let spec = PriceSpec::new(200_000_000_000, conf, -8, now);
        self.t
            .set_pull_price(self.dust, spec, VerificationLevel::Full);
    }

    /// The keeper, while the dust feed fails: a deposit opening a dust balance is refused, and
    /// every account is liquidated to LiquidationEnd — the program decides; only "not
    /// liquidatable" and "liquidation ended" may refuse a step, never the failing feed.
    async fn keep(&mut self) {
        let now = self.t.now().await;
        self.set_dust_feed(true, now);
        let x2 = self.coalition[1].handle();
        let refused = self.t.deposit(&x2, self.dust, 1).await;
        assert!(
            refused.result.is_err(),
            "a deposit opened a balance of an asset whose feed fails"
        );
        let keeper = self.keeper.handle();
        for account in self.all_accounts() {
            for _ in 0..20 {
                let margin = self.t.margin_account(&account).await;
                let position = margin.perp(self.market).map_or(0, |p| p.base_lots);
                if position == 0 {
                    break;
                }
                let outcome = if margin.orders.iter().any(|o| o.is_in_use()) {
                    let outcome = self.t.liquidation_cancel(&account, self.market).await;
                    self.t.crank(self.market).await;
                    outcome
                } else {
                    self.t
                        .liquidate_perp(&keeper, &account, self.market, position.abs())
                        .await
                };
                if outcome.result.is_err() {
                    let done = [KeelError::NotLiquidatable, KeelError::LiquidationEndReached]
                        .iter()
                        .any(|e| outcome.error_code() == Some(6000 + *e as u32));
                    assert!(
                        done,
                        "a liquidation was refused: {:?}\n{}",
                        outcome.result,
                        outcome.logs.join("\n")
                    );
                    break;
                }
                self.liquidations += 1;
            }
        }
        self.set_dust_feed(false, now);
    }

    /// The coalition cranks `settle_pnl` on every account, its own first (booking losers'
    /// unrealised losses into the pool while gains are owed, paying winners out of it).
    async fn settle_everyone(&mut self) {
        for account in self.all_accounts() {
            let outcome = self.t.settle_pnl(self.market, &account).await;
            if outcome.result.is_err() {
                let expected = [KeelError::NoPositionInMarket, KeelError::OracleStale]
                    .iter()
                    .any(|e| outcome.error_code() == Some(6000 + *e as u32));
                assert!(expected, "settle_pnl was refused: {:?}\n{}", outcome.result, outcome.logs.join("\n"));
            }
        }
    }

    async fn check(&mut self, step: usize) {
        let gained = self.coalition_equity().await - self.equity_start;
        let allowed =
            self.exposure_pnl + self.delegate_charged as i64 + ROUNDING * 3 * (step as i64 + 1);
        assert!(gained <= allowed, "step {step}: the coalition gained {gained}, its net exposure and the delegate limit allow {allowed}");
        // No bad debt anywhere: every account's equity at oracle prices is ≥ 0, so no deficit
        // is left for the insurance fund (or anyone) to cover.
        let now = self.t.now().await;
        let accounts: Vec<_> = self.all_accounts();
        for account in accounts {
            let equity = self.t.equity(&account, now).await;
            assert!(
                equity >= 0,
                "step {step}: account {account} has equity {equity}: a deficit"
            );
        }
        let fund = self.t.insurance_fund().await.expect("fund");
        assert_eq!(
            fund.total_deficits_covered, 0,
            "step {step}: the fund covered a deficit"
        );
    }

    /// Every trading account: the coalition, the honest traders and the victim.
    fn all_accounts(&self) -> Vec<anchor_lang::prelude::Pubkey> {
        self.coalition
            .iter()
            .chain(&self.honest)
            .chain(std::iter::once(&self.victim))
            .map(|t| t.account)
            .collect()
    }

    async fn run(mut self) {
        for step in 0..STEPS {
            self.honest_trade().await;
            for _ in 0..2 {
                self.wash_at_band_edge().await;
            }
            self.delegate_round_trip().await;
            self.t.crank(self.market).await;
            self.check(step).await;
            // Stale orders: the coalition's band-edge orders stay on the book across the move.
            self.move_price(step % 10 == 5).await;
            self.wash_at_band_edge().await;
            self.t.crank(self.market).await;
            self.keep().await;
            self.t.crank(self.market).await;
            self.check(step).await;
            self.pass_time(600).await;
            self.crank_funding_around_own_quotes().await;
            self.check(step).await;
            self.settle_everyone().await;
            self.check(step).await;
        }
        let victim = self.t.margin_account(&self.victim.account).await;
        assert!(victim.delegate_limits.period_loss <= DELEGATE_LOSS_LIMIT);
        assert!(
            self.funding_cranks > 0,
            "the coalition never cranked funding around its quotes"
        );
        let index = self.t.market(self.market).await.funding_index();
        println!(
            "coalition: exposure pnl {}, delegate charged {}, funding cranks {}, funding index {index:?}, keeper steps {}",
            self.exposure_pnl, self.delegate_charged, self.funding_cranks, self.liquidations
        );
    }
}

/// Runs the simulation for one seed.
async fn run_seed(seed: u64) {
    Sim::new(seed).await.run().await;
}

keel_tests::seeded_tests! {run_seed {
    coalition_property_seed_1 = 1;
    coalition_property_seed_2 = 2;
    coalition_property_seed_3 = 3;
    coalition_property_seed_4 = 4;
    coalition_property_seed_12 = 12;
}}
