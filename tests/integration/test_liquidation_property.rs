//! Property-style test of liquidation: six leveraged traders trade SOL-PERP with each other
//! while the oracle price walks randomly (up to ±6% a step); a keeper checks every account with
//! the program's own health code after each move and liquidates whatever is liquidatable —
//! cancelling resting orders first, in randomly sized steps — and settles bankruptcies. For
//! every step it asserts:
//! - the step never lowers the liquidated account's Maint health (event numbers, and the client's
//!   recomputation after the step equals the event's);
//! - it never goes past LiquidationEnd: when the step ends the liquidation, the same step one lot
//!   smaller (simulated on the same state) would not have;
//! - value is conserved and liquid: after every instruction every vault equals its ledgers to
//!   the raw unit (quote vault = Σ exact balances at the bank's indices + dust + the fund's claim
//!   + positions and perp ledgers; insurance vault = the fund's balance) and holds what
//!   depositors may withdraw right now, checked by the test helpers — while time passes between
//!   price moves (interest accrues on every borrow) and winners withdraw what they may;
//! - at the end Σ base lots is zero and the fund (vault + claim) holds its seed + penalties +
//!   its interest share + the fee shares − bounties − deficits covered.
//!
//! Fixed seeds with a deterministic generator, one test per seed (see `test_perp_property`).

use keel::error::KeelError;
use keel::events::PerpLiquidated;
use keel::instructions::markets::{OrderType, PlaceOrderArgs};
use keel::state::Side;
use keel_client::events::events_of;
use keel_tests::context::TestContext;
use keel_tests::liquidation::LOTS_PER_USD;
use keel_tests::liquidation::Healths;
use keel_tests::markets::{order, sol_market_with_traders};
use keel_tests::oracles::PriceSpec;
use keel_tests::rng::Rng;
use keel_tests::traders::Trader;

/// Price moves per sequence.
const STEPS: usize = 40;
/// What the insurance fund starts with, quote native (small, so bankruptcies socialise).
const FUND_SEED: u64 = 20_000_000;
/// Traders besides the keeper.
const TRADERS: usize = 6;

/// Refusals the random trades may meet.
const EXPECTED_PLACE: [KeelError; 7] = [
    KeelError::InitHealthNegative,
    KeelError::PriceOutsideBand,
    KeelError::OrderTooSmall,
    KeelError::SelfTradeRefused,
    KeelError::AccountBeingLiquidated,
    KeelError::DistressedOrderMustNotRest,
    KeelError::DistressedTradeLowersHealth,
];

struct Sim {
    t: TestContext,
    rng: Rng,
    market: u16,
    traders: Vec<Trader>,
    keeper: Trader,
    /// Oracle price, cents.
    cents: i64,
    steps_checked: usize,
    minimality_checked: usize,
    bankruptcies: usize,
    withdrawals: usize,
}

impl Sim {
    async fn new(seed: u64) -> Self {
        let (mut t, market, mut all) = sol_market_with_traders(1).await;
        let keeper = all.pop().expect("keeper");
        t.deposit(&keeper, 0, 5_000_000_000).await.assert_ok();
        t.create_insurance_fund(keel_tests::insurance::LIMIT_BPS, keel_tests::insurance::PERIOD_SECS).await.assert_ok();
        t.seed_insurance(FUND_SEED).await.assert_ok();
        let mut rng = Rng::new(seed);
        let mut traders = Vec::new();
        for _ in 0..TRADERS {
            let trader = t.trader(&[1_000_000_000]).await;
            t.deposit(&trader, 0, rng.between(50, 250) as u64 * 1_000_000).await.assert_ok();
            traders.push(trader);
        }
        Self { t, rng, market, traders, keeper, cents: 10_000, steps_checked: 0, minimality_checked: 0, bankruptcies: 0, withdrawals: 0 }
    }

    /// The oracle price in book price lots.
    fn price_lots(&self) -> i64 {
        self.cents * LOTS_PER_USD / 100
    }

    async fn move_price(&mut self) {
        // Between one minute and six hours pass, so borrows accrue interest between moves.
        let now = self.t.now().await;
        self.t.set_time(now + self.rng.between(60, 21_600)).await;
        let bps = self.rng.between(-600, 600);
        self.cents = (self.cents * (10_000 + bps) / 10_000).max(1_000);
        let now = self.t.now().await;
        let mantissa = self.cents * 1_000_000;
        self.t.set_market_price(self.market, PriceSpec::new(mantissa, 0, -8, now));
    }

    /// One trader rests a limit order near the oracle, another takes part of it.
    async fn trade(&mut self) {
        let maker = self.rng.below(TRADERS as u64) as usize;
        let taker = (maker + 1 + self.rng.below(TRADERS as u64 - 1) as usize) % TRADERS;
        let side = if self.rng.chance(50) { Side::Bid } else { Side::Ask };
        let offset = self.price_lots() * self.rng.between(0, 100) / 10_000;
        let price = if side == Side::Bid { self.price_lots() - offset } else { self.price_lots() + offset };
        let lots = self.rng.between(50, 600);
        let maker_order = order(OrderType::Limit, side, price, lots);
        let outcome = self.t.place(&self.traders[maker].handle(), self.market, maker_order).await;
        expect_ok_or(&outcome, &EXPECTED_PLACE);
        let take = PlaceOrderArgs { base_lots: self.rng.between(1, lots), ..order(OrderType::ImmediateOrCancel, side.opposite(), price, lots) };
        let outcome = self.t.place(&self.traders[taker].handle(), self.market, take).await;
        expect_ok_or(&outcome, &EXPECTED_PLACE);
        self.t.crank(self.market).await;
    }

    /// The keeper's round: liquidate every liquidatable account, settle every bankrupt one.
    async fn keep(&mut self) {
        for i in 0..TRADERS {
            let account = self.traders[i].account;
            for _ in 0..40 {
                let healths = self.t.healths(&account).await;
                let margin = self.t.margin_account(&account).await;
                let position = margin.perp(self.market).map_or(0, |p| p.base_lots);
                if position == 0 {
                    if self.t.balance(&account, 0).await < 0 {
                        self.t.settle_bankruptcy(&account).await.assert_ok();
                        assert_eq!(self.t.balance(&account, 0).await, 0, "a bankrupt account ends at zero");
                        self.bankruptcies += 1;
                    }
                    break;
                }
                let in_progress = margin.being_liquidated == keel::state::LIQUIDATION_IN_PROGRESS;
                if !(healths.maint < 0 || (in_progress && healths.liq_end < 0)) {
                    break;
                }
                if margin.orders.iter().any(|o| o.is_in_use()) {
                    self.t.liquidation_cancel(&account, self.market).await.assert_ok();
                    self.t.crank(self.market).await;
                    continue;
                }
                self.step(&account, position.abs(), healths).await;
            }
        }
    }

    /// Every trader holding quote tries to take a random share of it out, as winners in a
    /// crash would; refused only by its own Init health or by the bank's utilisation cap.
    async fn winners_withdraw(&mut self) {
        for i in 0..TRADERS {
            let trader = self.traders[i].handle();
            let balance = self.t.balance(&trader.account, 0).await;
            if balance <= 0 || self.rng.chance(50) {
                continue;
            }
            let amount = (balance * self.rng.between(20, 100) / 100).max(1) as u64;
            let outcome = self.t.withdraw(&trader, 0, amount).await;
            expect_ok_or(&outcome, &[KeelError::InitHealthNegative, KeelError::UtilizationCapReached]);
            if outcome.result.is_ok() {
                self.withdrawals += 1;
            }
        }
    }

    /// One liquidation step of a random size, with its checks.
    async fn step(&mut self, account: &anchor_lang::prelude::Pubkey, available: i64, before: Healths) {
        let keeper = self.keeper.handle();
        let mut max = if self.rng.chance(50) { available } else { self.rng.between(1, available) };
        let mut simulated = self.t.simulate_liquidate_perp(&keeper, account, self.market, max).await;
        if simulated.error_code() == Some(error_code(KeelError::LiquidationDust)) {
            max = available;
            simulated = self.t.simulate_liquidate_perp(&keeper, account, self.market, max).await;
        }
        simulated.assert_ok();
        let planned = events_of::<PerpLiquidated>(&simulated.logs)[0].health;
        let lots = events_of::<PerpLiquidated>(&simulated.logs)[0].base_lots.abs();
        if planned.liq_end_after >= 0 && lots > 1 {
            // Never past LiquidationEnd: one lot fewer, on the same state, would not have ended it
            // (or is refused as dust, which the program does only for a step that does not).
            let smaller = self.t.simulate_liquidate_perp(&keeper, account, self.market, lots - 1).await;
            let ended = smaller.result.is_ok() && events_of::<PerpLiquidated>(&smaller.logs)[0].health.liq_end_after >= 0;
            assert!(!ended, "{lots} lots were taken where {} would have ended the liquidation", lots - 1);
            self.minimality_checked += 1;
        }
        let outcome = self.t.liquidate_perp(&keeper, account, self.market, max).await;
        outcome.assert_ok();
        let event = &events_of::<PerpLiquidated>(&outcome.logs)[0];
        let h = event.health;
        assert_eq!(h, planned, "the step did what its simulation did");
        assert_eq!((h.maint_before, h.liq_end_before), (before.maint, before.liq_end), "the event states the health the keeper saw");
        assert!(h.maint_after >= h.maint_before, "a step lowered Maint health: {h:?}");
        assert!(h.liq_end_after >= h.liq_end_before, "a step lowered LiquidationEnd health: {h:?}");
        assert!(event.base_lots.abs() <= max, "the step took more than asked");
        let after = self.t.healths(account).await;
        assert_eq!((after.maint, after.liq_end), (h.maint_after, h.liq_end_after), "the client recomputes the event's numbers");
        self.steps_checked += 1;
    }

    async fn run(mut self) {
        for _ in 0..STEPS {
            for _ in 0..2 {
                self.trade().await;
            }
            self.move_price().await;
            self.keep().await;
            self.winners_withdraw().await;
        }
        let mut net = 0;
        for trader in self.traders.iter().chain(std::iter::once(&self.keeper)) {
            let margin = self.t.margin_account(&trader.account).await;
            net += margin.perp(self.market).map_or(0, |p| p.base_lots);
        }
        assert_eq!(net, 0, "positions net to zero");
        let fund = self.t.insurance_fund().await.expect("fund");
        let interest = self.t.quote_asset().await.bank.total_interest_fees;
        let fee_shares = self.t.market(self.market).await.insurance_fees_booked as u64;
        let expected = FUND_SEED + fund.total_penalties + interest + fee_shares - fund.total_bounties - fund.total_deficits_covered;
        assert_eq!(self.t.fund_total().await, expected, "the fund's vault and claim are its flows");
        assert!(self.steps_checked > 0, "the price path liquidated nobody: choose another seed");
        println!(
            "liquidation steps {} (minimality {}), bankruptcies {}, withdrawals {}",
            self.steps_checked, self.minimality_checked, self.bankruptcies, self.withdrawals
        );
    }
}

/// The program's error number of `error`.
fn error_code(error: KeelError) -> u32 {
    6000 + error as u32
}

/// Requires success or one of `expected`.
fn expect_ok_or(outcome: &keel_tests::outcome::Outcome, expected: &[KeelError]) {
    if outcome.result.is_ok() {
        return;
    }
    let code = outcome.error_code();
    assert!(expected.iter().any(|e| code == Some(error_code(*e))), "unexpected refusal {:?}\n{}", outcome.result, outcome.logs.join("\n"));
}

/// Runs the simulation for one seed.
async fn run_seed(seed: u64) {
    Sim::new(seed).await.run().await;
}

keel_tests::seeded_tests! {run_seed {
    liquidation_property_seed_1 = 1;
    liquidation_property_seed_2 = 2;
    liquidation_property_seed_3 = 3;
    liquidation_property_seed_4 = 4;
    liquidation_property_seed_5 = 5;
    liquidation_property_seed_7 = 7;
    liquidation_property_seed_9 = 9;
    liquidation_property_seed_8 = 8;
}}
