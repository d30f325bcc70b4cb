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

mod actions;

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
