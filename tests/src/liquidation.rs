//! Liquidation and bankruptcy in tests: the keeper's side (health from the program's own code,
//! the instructions with the client's account lists), each step followed by the conservation
//! check.

use crate::context::TestContext;
use crate::outcome::Outcome;
use crate::traders::Trader;
use keel::events::PerpLiquidated;
use keel_client::events::events_of;
use anchor_lang::prelude::{Clock, Pubkey};
use anchor_lang::solana_program::instruction::Instruction;
use keel_client::health::health_accounts_opening;
use keel_client::liquidation::{self as lix, LiquidationParties};
use solana_signer::Signer;

/// Init, Maint and LiquidationEnd health of an account, quote native (rounded down).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Healths {
    /// Init health.
    pub init: i64,
    /// Maint health.
    pub maint: i64,
    /// LiquidationEnd health.
    pub liq_end: i64,
}

/// Price lots of SOL-PERP per USD (lots of 0.01 SOL, quote lot 1 native).
pub const LOTS_PER_USD: i64 = 10_000;

/// The single `PerpLiquidated` event of a successful step.
pub fn step_of(outcome: &Outcome) -> PerpLiquidated {
    outcome.assert_ok();
    let mut steps = events_of::<PerpLiquidated>(&outcome.logs);
    assert_eq!(steps.len(), 1, "one step per liquidate_perp");
    steps.remove(0)
}

/// ETH at `dollars` with a 0.10 confidence (expo −2), published at `time`.
pub fn eth(dollars: i64, time: i64) -> crate::oracles::PriceSpec {
    crate::oracles::PriceSpec::new(dollars * 100, 10, -2, time)
}

/// A liquidation scenario on SOL-PERP at 100 USD with an insurance fund holding 1 000 USDC:
/// `liqee` deposited 120 USDC and bought 10 SOL (1 000 lots) from `maker` (fills applied);
/// `liqor` has 1 000 USDC. Nothing is liquidatable yet.
pub struct LongScenario {
    /// The context.
    pub t: TestContext,
    /// SOL-PERP's index.
    pub market: u16,
    /// The account that will be liquidated.
    pub liqee: Trader,
    /// Its counterparty.
    pub maker: Trader,
    /// The liquidator.
    pub liqor: Trader,
}

impl LongScenario {
    /// Sets up the scenario.
    pub async fn new() -> Self {
        use crate::markets::{limit, sol_market_with_traders};
        use keel::state::Side;
        let (mut t, market, mut traders) = sol_market_with_traders(2).await;
        let liqor = traders.pop().expect("two traders");
        let maker = traders.pop().expect("two traders");
        t.create_insurance_fund(crate::insurance::LIMIT_BPS, crate::insurance::PERIOD_SECS)
            .await
            .assert_ok();
        t.seed_insurance(1_000_000_000).await.assert_ok();
        let liqee = t.trader(&[1_000_000_000]).await;
        t.deposit(&liqee, 0, 120_000_000).await.assert_ok();
        t.place(&maker, market, limit(Side::Ask, 100 * LOTS_PER_USD, 1_000))
            .await
            .assert_ok();
        t.place(&liqee, market, limit(Side::Bid, 100 * LOTS_PER_USD, 1_000))
            .await
            .assert_ok();
        t.crank(market).await;
        Self {
            t,
            market,
            liqee,
            maker,
            liqor,
        }
    }

    /// The scenario at 92 after a 200-lot step: the liquidation is in progress (Maint still
    /// below zero, LiquidationEnd further below).
    pub async fn in_progress_at_92() -> Self {
        let mut s = Self::new().await;
        s.set_price(92).await;
        s.t.liquidate_perp(&s.liqor, &s.liqee.account, s.market, 200).await.assert_ok();
        let state = s.t.margin_account(&s.liqee.account).await.being_liquidated;
        assert_eq!(state, keel::state::LIQUIDATION_IN_PROGRESS);
        s
    }

    /// Moves SOL's oracle price to `dollars` (published now).
    pub async fn set_price(&mut self, dollars: i64) {
        let now = self.t.now().await;
        self.t
            .set_market_price(self.market, crate::markets::usd(dollars, now));
    }
}

impl TestContext {
    /// The cluster's unix time.
    pub async fn now(&mut self) -> i64 {
        let clock: Clock = self.ctx.banks_client.get_sysvar().await.expect("clock");
        clock.unix_timestamp
    }

    /// The account's three healths, computed by the client with the program's code.
    pub async fn healths(&mut self, account: &Pubkey) -> Healths {
        let now = self.now().await;
        let report = self.client_health_report(account, now).await;
        Healths {
            init: report.init.health,
            maint: report.maint.health,
            liq_end: report.liquidation_end.health,
        }
    }

    /// The parties of a step by `liqor` against `liqee`, the liquidator's list opening `asset`
    /// or `market`.
    pub(crate) async fn parties(
        &mut self,
        liqor: &Trader,
        liqee: &Pubkey,
        asset: Option<u16>,
        market: Option<u16>,
    ) -> LiquidationParties {
        let liqee_health = self.health_metas(liqee).await;
        let margin = self.margin_account(&liqor.account).await;
        let assets = self.known_assets().await;
        let markets = self.known_markets().await;
        let liqor_health = health_accounts_opening(&margin, &assets, &markets, asset, market)
            .expect("every asset and market is known");
        LiquidationParties {
            liquidator: liqor.owner.pubkey(),
            liqor_account: liqor.account,
            liqee_account: *liqee,
            liqee_health,
            liqor_health,
        }
    }

    /// The `liquidate_perp` instruction of `liqor` taking at most `max_base_lots` of `liqee`'s
    /// position in market `index`, with the client's account lists as the accounts are now.
    pub async fn liquidate_perp_ix(&mut self, liqor: &Trader, liqee: &Pubkey, index: u16, max_base_lots: i64) -> Instruction {
        let parties = self.parties(liqor, liqee, None, Some(index)).await;
        let keys = self.markets[index as usize].keys;
        let quote_mint = self.assets[0].mint;
        lix::liquidate_perp(&parties, &keys, &quote_mint, max_base_lots)
    }

    /// `liquidate_perp` by `liqor` of at most `max_base_lots` of `liqee`'s position in market
    /// `index`; then checks conservation.
    pub async fn liquidate_perp(&mut self, liqor: &Trader, liqee: &Pubkey, index: u16, max_base_lots: i64) -> Outcome {
        let ix = self.liquidate_perp_ix(liqor, liqee, index, max_base_lots).await;
        let outcome = self.send(&[ix], &[&liqor.owner]).await;
        self.assert_conserved().await;
        outcome
    }

    /// [`Self::liquidate_perp`] simulated: nothing changes.
    pub async fn simulate_liquidate_perp(&mut self, liqor: &Trader, liqee: &Pubkey, index: u16, max_base_lots: i64) -> Outcome {
        let ix = self.liquidate_perp_ix(liqor, liqee, index, max_base_lots).await;
        self.simulate(&[ix], &[&liqor.owner]).await
    }

    /// `liquidate_collateral` by `liqor` of at most `max_amount` of `liqee`'s asset `index`;
    /// then checks conservation.
    pub async fn liquidate_collateral(
        &mut self,
        liqor: &Trader,
        liqee: &Pubkey,
        index: u16,
        max_amount: u64,
    ) -> Outcome {
        let parties = self.parties(liqor, liqee, Some(index), None).await;
        let ix = self.liquidate_collateral_ix(&parties, index, max_amount);
        let outcome = self.send(&[ix], &[&liqor.owner]).await;
        self.assert_conserved().await;
        outcome
    }

    /// The `liquidate_collateral` instruction of `parties` buying at most `max_amount` of asset
    /// `index`.
    pub(crate) fn liquidate_collateral_ix(&self, parties: &LiquidationParties, index: u16, max_amount: u64) -> Instruction {
        let asset = self.asset(index);
        let quote_mint = self.assets[0].mint;
        lix::liquidate_collateral(parties, &self.exchange, &quote_mint, &asset.address, &asset.oracle, max_amount)
    }

    /// Lists a pulled asset (9 decimals, `volatile_params`) priced by `spec` and deposits
    /// `amount` native units of it into `trader`'s account from a new wallet; returns its index.
    pub async fn deposit_new_pull_asset(&mut self, trader: &Trader, spec: crate::oracles::PriceSpec, amount: u64) -> u16 {
        let index = self.add_pull_asset(9, crate::context::volatile_params(), spec).await;
        self.deposit_from_new_wallet(trader, index, amount).await;
        index
    }

    /// Deposits `amount` native units of asset `index` into `trader`'s account from a new
    /// wallet; then checks conservation.
    pub async fn deposit_from_new_wallet(&mut self, trader: &Trader, index: u16, amount: u64) {
        let asset = self.asset(index);
        let wallet = self.create_token_account(&asset.mint, &trader.owner.pubkey()).await;
        self.mint_to(&asset.mint, &wallet, amount).await;
        let ix = keel_client::instructions::deposit(
            &trader.owner.pubkey(),
            &self.exchange,
            &trader.account,
            &asset.mint,
            asset.oracle_key(),
            &wallet,
            amount,
        );
        self.send(&[ix], &[&trader.owner]).await.assert_ok();
        self.assert_conserved().await;
    }

    /// `liquidation_cancel_orders` of `account`'s orders in market `index`, sent by the payer;
    /// then checks conservation.
    pub async fn liquidation_cancel(&mut self, account: &Pubkey, index: u16) -> Outcome {
        let health = self.health_metas(account).await;
        let keys = self.markets[index as usize].keys;
        let payer = self.payer();
        let ix = lix::liquidation_cancel_orders(&payer, account, &keys, health);
        let outcome = self.send(&[ix], &[]).await;
        self.assert_conserved().await;
        outcome
    }

    /// `settle_bankruptcy` of `account`; then checks conservation.
    pub async fn settle_bankruptcy(&mut self, account: &Pubkey) -> Outcome {
        let payer = self.payer();
        let exchange = self.exchange;
        let quote_mint = self.assets[0].mint;
        let ix = lix::settle_bankruptcy(&payer, &exchange, &quote_mint, account);
        let outcome = self.send(&[ix], &[]).await;
        self.assert_conserved().await;
        outcome
    }
}
