//! The liquidation round on one account: fetch it fresh, cross-check the local health against
//! the program's simulated `health` view, cancel its resting orders and crank their fills, then
//! `liquidate_perp` / `liquidate_collateral` steps ([`crate::step`]) until LiquidationEnd health
//! ≥ 0, then `settle_bankruptcy` when nothing is left — in the last step's transaction when its
//! simulation shows that. Rounds on different accounts run concurrently ([`crate::rounds`]),
//! each on its own copy of the accounts it reads.

use crate::budget::OwnBudget;
use crate::cranks;
use crate::decision::{agrees, Decline, RiskPolicy};
use crate::discovery::refresh;
use crate::metrics::Metrics;
use crate::state::{is_bankrupt, is_liquidatable, Registry};
use crate::step::{decode_report, other, StepRefusal, Stepped};
use crate::tx::{Sender, TxError};
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use keel::instructions::risk::HealthReport;
use keel::state::QUOTE_ASSET_INDEX;
use keel_client::instructions as kix;
use keel_client::liquidation as lix;
use solana_signer::Signer;
use std::sync::Arc;

/// Most steps of one round (a guard against a loop; a round normally needs a few).
pub const MAX_STEPS: usize = 32;

/// How a round ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoundEnd {
    /// The account is no longer liquidatable (LiquidationEnd reached, or healthy).
    Ended,
    /// The account was settled as bankrupt.
    Settled,
    /// Local numbers and the program's view disagreed: skipped.
    Disagreement,
    /// The keeper declined a step.
    Declined(Decline),
    /// Another keeper got there first.
    LostRace,
    /// A real failure (logged).
    Failed(String),
}

/// The next step on a liquidated account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Take over at most `lots` of the position in market `market`.
    Perp {
        /// Market index.
        market: u16,
        /// Base lots (the whole position: the program takes only what ends the liquidation).
        lots: i64,
    },
    /// Buy at most `amount` of collateral `asset`.
    Collateral {
        /// Asset index.
        asset: u16,
        /// Native units.
        amount: u64,
    },
    /// Settle the bankruptcy.
    Bankruptcy,
    /// Nothing the keeper can do.
    Nothing,
}

/// The next step from the program's report of the account: the largest perp position first,
/// then the most valuable non-quote collateral, then a bankruptcy settlement.
pub fn choose_step(report: &HealthReport, bankrupt: bool) -> Step {
    let perp = report
        .perps
        .iter()
        .filter(|p| p.base_lots != 0)
        .max_by_key(|p| {
            p.base_lots
                .saturating_abs()
                .saturating_mul(p.oracle_price_per_lot)
        });
    if let Some(p) = perp {
        return Step::Perp {
            market: p.market_index,
            lots: p.base_lots.saturating_abs(),
        };
    }
    let collateral = report
        .collaterals
        .iter()
        .filter(|c| c.asset_index != QUOTE_ASSET_INDEX && c.balance > 0)
        .max_by_key(|c| c.value);
    if let Some(c) = collateral {
        return Step::Collateral {
            asset: c.asset_index,
            amount: c.balance as u64,
        };
    }
    if bankrupt {
        return Step::Bankruptcy;
    }
    Step::Nothing
}

/// The keeper's side of a round.
pub struct Liquidator<'a> {
    /// Sends transactions.
    pub sender: &'a Sender,
    /// The keeper's state.
    pub registry: &'a mut Registry,
    /// Metrics.
    pub metrics: &'a Metrics,
    /// The keeper's own margin account.
    pub own: Pubkey,
    /// Its limits.
    pub policy: RiskPolicy,
    /// Init health reserved by the steps in flight, and the gate of the keeper's account.
    pub budget: &'a Arc<OwnBudget>,
    /// Health cross-check tolerance, bps.
    pub tolerance_bps: u16,
}

impl Liquidator<'_> {
    /// The keeper's signer.
    pub(crate) fn signer(&self) -> Pubkey {
        self.sender.payer.pubkey()
    }

    /// The program's `health` view of `account` (simulated), with its current health list.
    async fn health_view(
        &self,
        account: &Pubkey,
        metas: Vec<anchor_lang::prelude::AccountMeta>,
    ) -> Result<HealthReport, TxError> {
        let simulated = self
            .sender
            .simulate(&[kix::health(&self.registry.exchange_key, account, metas)])
            .await?;
        decode_report(simulated.return_data.as_deref())
    }

    /// One round on `key`.
    pub async fn round(&mut self, key: Pubkey) -> RoundEnd {
        let mut result = self.try_round(key).await;
        if let Err(err) = &result {
            if matches!(err.failure, crate::classify::Failure::Stale(_)) {
                // Our snapshot was behind a transaction that landed first (another keeper's
                // step closed a slot, say): a lost race; a fresh round decides what is left.
                self.metrics.steps_lost.inc();
                tracing::debug!(%key, detail = err.detail, "stale snapshot: round retried");
                result = self.try_round(key).await;
            }
        }
        match result {
            Ok(end) => end,
            Err(err) if err.failure.is_lost_race() => {
                self.metrics.steps_lost.inc();
                tracing::debug!(%key, detail = err.detail, "lost race");
                RoundEnd::LostRace
            }
            Err(err) => {
                Metrics::inc(&self.metrics.steps_failed, err.failure.label());
                tracing::warn!(%key, failure = err.failure.label(), detail = err.detail, logs = ?err.logs, "liquidation round failed");
                RoundEnd::Failed(err.detail)
            }
        }
    }

    async fn try_round(&mut self, key: Pubkey) -> Result<RoundEnd, TxError> {
        if !refresh(self.sender, self.registry, &key, &[self.own]).await? {
            return Ok(RoundEnd::Ended);
        }
        let eval = self.registry.evaluate(&key).map_err(other)?;
        let Some(account) = self.registry.accounts.get(&key) else {
            return Ok(RoundEnd::Ended);
        };
        if !is_liquidatable(
            account,
            eval.report.maint.health,
            eval.report.liquidation_end.health,
        ) {
            return Ok(RoundEnd::Ended);
        }
        let view = self.health_view(&key, eval.metas.clone()).await?;
        if !agrees(&eval.report, &view, self.tolerance_bps) {
            self.metrics.health_disagreements.inc();
            tracing::info!(%key, local_maint = eval.report.maint.health, view_maint = view.maint.health, "health disagreement: skipped");
            return Ok(RoundEnd::Disagreement);
        }
        for _ in 0..MAX_STEPS {
            let Some(account) = self.registry.accounts.get(&key).cloned() else {
                return Ok(RoundEnd::Ended);
            };
            let eval = self.registry.evaluate(&key).map_err(other)?;
            if !is_liquidatable(
                &account,
                eval.report.maint.health,
                eval.report.liquidation_end.health,
            ) {
                return Ok(RoundEnd::Ended);
            }
            let mut order_markets: Vec<u16> = account
                .orders
                .iter()
                .filter(|o| o.is_in_use())
                .map(|o| o.market_index)
                .collect();
            order_markets.dedup();
            if !order_markets.is_empty() {
                for market in order_markets {
                    let keys = self
                        .registry
                        .market_keys(market)
                        .ok_or_else(|| other(format!("market {market} not loaded")))?;
                    let ix = lix::liquidation_cancel_orders(
                        &self.signer(),
                        &key,
                        &keys,
                        eval.metas.clone(),
                    );
                    self.send_counted("cancel", &[ix]).await?;
                    cranks::consume_all(self.sender, self.registry, self.metrics, market).await?;
                }
            } else {
                match choose_step(&eval.report, is_bankrupt(&account)) {
                    Step::Nothing => return Ok(RoundEnd::Ended),
                    Step::Bankruptcy => {
                        self.settle(&key, &account).await?;
                        return Ok(RoundEnd::Settled);
                    }
                    step => match self.step(&key, step).await? {
                        Ok(Stepped::Settled) => return Ok(RoundEnd::Settled),
                        Ok(Stepped::Step) => {}
                        Err(failure) => match failure {
                            StepRefusal::Declined(d) => {
                                Metrics::inc(&self.metrics.steps_declined, d.label());
                                tracing::info!(%key, reason = d.label(), "step declined");
                                return Ok(RoundEnd::Declined(d));
                            }
                            StepRefusal::NeedsCrank => {
                                for market in self
                                    .registry
                                    .markets
                                    .iter()
                                    .map(|m| m.market.index)
                                    .collect::<Vec<_>>()
                                {
                                    cranks::consume_all(
                                        self.sender,
                                        self.registry,
                                        self.metrics,
                                        market,
                                    )
                                    .await?;
                                }
                            }
                            StepRefusal::Stale => {}
                        },
                    },
                }
            }
            refresh(self.sender, self.registry, &key, &[self.own]).await?;
        }
        Err(other(format!(
            "{key}: still liquidatable after {MAX_STEPS} steps"
        )))
    }

    /// Sends `ixs` (simulated first) counting it under `kind`; returns the landed logs.
    async fn send_counted(&self, kind: &str, ixs: &[Instruction]) -> Result<Vec<String>, TxError> {
        Metrics::inc(&self.metrics.steps_sent, kind);
        let landed = self.sender.simulate_and_send(ixs).await?;
        Metrics::inc(&self.metrics.steps_landed, kind);
        Ok(landed.logs)
    }

    async fn settle(
        &self,
        key: &Pubkey,
        _account: &keel::state::MarginAccount,
    ) -> Result<(), TxError> {
        let quote_mint = self
            .registry
            .quote_mint()
            .ok_or_else(|| other("exchange not loaded"))?;
        let ix = lix::settle_bankruptcy(
            &self.signer(),
            &self.registry.exchange_key,
            &quote_mint,
            key,
        );
        self.send_counted("bankruptcy", &[ix]).await?;
        tracing::info!(%key, "bankruptcy settled");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keel::instructions::risk::{CollateralLine, HealthLine, PerpLine};

    fn perp(market_index: u16, base_lots: i64, price: i64) -> PerpLine {
        PerpLine {
            market_index,
            base_lots,
            unrealized_pnl: 0,
            oracle_price_per_lot: price,
            liquidation_price_per_lot: 0,
        }
    }

    fn collateral(asset_index: u16, balance: i64, value: i64) -> CollateralLine {
        CollateralLine {
            asset_index,
            balance,
            oracle_price: 0,
            value,
        }
    }

    fn report(perps: Vec<PerpLine>, collaterals: Vec<CollateralLine>) -> HealthReport {
        let line = HealthLine::default();
        HealthReport {
            init: line,
            maint: line,
            liquidation_end: line,
            collateral_value: 0,
            collaterals,
            perps,
        }
    }

    #[test]
    fn choose_step_largest_perp_by_value_first() {
        let r = report(
            vec![perp(0, 1_000, 9), perp(1, -20, 1_000), perp(2, 0, 1)],
            vec![collateral(1, 5, 500)],
        );
        assert_eq!(
            choose_step(&r, false),
            Step::Perp {
                market: 1,
                lots: 20
            },
            "20 × 1000 beats 1000 × 9; shorts by size"
        );
    }

    #[test]
    fn choose_step_collateral_after_perps_then_bankruptcy() {
        let r = report(
            vec![perp(0, 0, 9)],
            vec![
                collateral(0, -50, -50),
                collateral(1, 7, 100),
                collateral(2, 3, 900),
            ],
        );
        assert_eq!(
            choose_step(&r, false),
            Step::Collateral {
                asset: 2,
                amount: 3
            },
            "the most valuable non-quote collateral"
        );
        let r = report(vec![], vec![collateral(0, -50, -50)]);
        assert_eq!(choose_step(&r, true), Step::Bankruptcy);
        assert_eq!(choose_step(&r, false), Step::Nothing);
    }
}
