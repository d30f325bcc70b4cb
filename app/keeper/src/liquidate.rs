//! The liquidation round on one account: fetch it fresh, cross-check the local health against
//! the program's simulated `health` view, cancel its resting orders and crank their fills, then
//! `liquidate_perp` / `liquidate_collateral` steps until LiquidationEnd health ≥ 0, then
//! `settle_bankruptcy` when nothing is left. Every step is previewed by simulating it followed by
//! the keeper's own `health` view, and decided by [`crate::decision`].

use crate::classify::Failure;
use crate::cranks;
use crate::decision::{agrees, decide, may_consider, Decision, Decline, Preview, RiskPolicy};
use crate::discovery::refresh;
use crate::metrics::Metrics;
use crate::state::{is_bankrupt, is_liquidatable, Registry};
use crate::tx::{Sender, TxError};
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::AnchorDeserialize;
use keel::events::{CollateralLiquidated, PerpLiquidated};
use keel::instructions::risk::HealthReport;
use keel::state::QUOTE_ASSET_INDEX;
use keel_client::events::events_of;
use keel_client::health::health_accounts_opening;
use keel_client::liquidation::{self as lix, LiquidationParties};
use keel_client::instructions as kix;
use solana_signer::Signer;

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
        .max_by_key(|p| p.base_lots.saturating_abs().saturating_mul(p.oracle_price_per_lot));
    if let Some(p) = perp {
        return Step::Perp { market: p.market_index, lots: p.base_lots.saturating_abs() };
    }
    let collateral = report.collaterals.iter().filter(|c| c.asset_index != QUOTE_ASSET_INDEX && c.balance > 0).max_by_key(|c| c.value);
    if let Some(c) = collateral {
        return Step::Collateral { asset: c.asset_index, amount: c.balance as u64 };
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
    /// Health cross-check tolerance, bps.
    pub tolerance_bps: u16,
}

impl Liquidator<'_> {
    fn signer(&self) -> Pubkey {
        self.sender.payer.pubkey()
    }

    /// The program's `health` view of `account` (simulated), with its current health list.
    async fn health_view(&self, account: &Pubkey, metas: Vec<anchor_lang::prelude::AccountMeta>) -> Result<HealthReport, TxError> {
        let simulated = self.sender.simulate(&[kix::health(&self.registry.exchange_key, account, metas)]).await?;
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
        let Some(account) = self.registry.accounts.get(&key) else { return Ok(RoundEnd::Ended) };
        if !is_liquidatable(account, eval.report.maint.health, eval.report.liquidation_end.health) {
            return Ok(RoundEnd::Ended);
        }
        let view = self.health_view(&key, eval.metas.clone()).await?;
        if !agrees(&eval.report, &view, self.tolerance_bps) {
            self.metrics.health_disagreements.inc();
            tracing::info!(%key, local_maint = eval.report.maint.health, view_maint = view.maint.health, "health disagreement: skipped");
            return Ok(RoundEnd::Disagreement);
        }
        for _ in 0..MAX_STEPS {
            let Some(account) = self.registry.accounts.get(&key).cloned() else { return Ok(RoundEnd::Ended) };
            let eval = self.registry.evaluate(&key).map_err(other)?;
            if !is_liquidatable(&account, eval.report.maint.health, eval.report.liquidation_end.health) {
                return Ok(RoundEnd::Ended);
            }
            let mut order_markets: Vec<u16> = account.orders.iter().filter(|o| o.is_in_use()).map(|o| o.market_index).collect();
            order_markets.dedup();
            if !order_markets.is_empty() {
                for market in order_markets {
                    let keys = self.registry.market_keys(market).ok_or_else(|| other(format!("market {market} not loaded")))?;
                    let ix = lix::liquidation_cancel_orders(&self.signer(), &key, &keys, eval.metas.clone());
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
                    step => {
                        if let Err(failure) = self.step(&key, step).await? {
                            match failure {
                                StepRefusal::Declined(d) => {
                                    Metrics::inc(&self.metrics.steps_declined, d.label());
                                    tracing::info!(%key, reason = d.label(), "step declined");
                                    return Ok(RoundEnd::Declined(d));
                                }
                                StepRefusal::NeedsCrank => {
                                    for market in self.registry.markets.iter().map(|m| m.market.index).collect::<Vec<_>>() {
                                        cranks::consume_all(self.sender, self.registry, self.metrics, market).await?;
                                    }
                                }
                                StepRefusal::Stale => {}
                            }
                        }
                    }
                }
            }
            refresh(self.sender, self.registry, &key, &[self.own]).await?;
        }
        Err(other(format!("{key}: still liquidatable after {MAX_STEPS} steps")))
    }

    /// Sends `ixs` (simulated first) counting it under `kind`; returns the landed logs.
    async fn send_counted(&self, kind: &str, ixs: &[Instruction]) -> Result<Vec<String>, TxError> {
        Metrics::inc(&self.metrics.steps_sent, kind);
        let landed = self.sender.simulate_and_send(ixs).await?;
        Metrics::inc(&self.metrics.steps_landed, kind);
        Ok(landed.logs)
    }

    async fn settle(&self, key: &Pubkey, _account: &keel::state::MarginAccount) -> Result<(), TxError> {
        let quote_mint = self.registry.quote_mint().ok_or_else(|| other("exchange not loaded"))?;
        let ix = lix::settle_bankruptcy(&self.signer(), &self.registry.exchange_key, &quote_mint, key);
        self.send_counted("bankruptcy", &[ix]).await?;
        tracing::info!(%key, "bankruptcy settled");
        Ok(())
    }

    /// One liquidation step, shrunk until the keeper's own account stays above its floor.
    async fn step(&mut self, key: &Pubkey, step: Step) -> Result<Result<(), StepRefusal>, TxError> {
        let own_account = self.registry.accounts.get(&self.own).cloned().ok_or_else(|| other("own margin account not found"))?;
        let own_eval = self.registry.evaluate_account(&own_account).map_err(other)?;
        self.metrics.own_init_health.set(own_eval.report.init.health);
        self.metrics.own_maint_health.set(own_eval.report.maint.health);
        if let Err(decline) = may_consider(own_eval.report.init.health, &self.policy) {
            return Ok(Err(StepRefusal::Declined(decline)));
        }
        let (asset, market) = match step {
            Step::Perp { market, .. } => (None, Some(market)),
            Step::Collateral { asset, .. } => (Some(asset), None),
            _ => return Ok(Ok(())),
        };
        let liqor_health = health_accounts_opening(&own_account, &self.registry.assets, &self.registry.markets, asset, market)
            .ok_or_else(|| other("own account uses an unknown asset or market"))?;
        let liqee_health = self.registry.evaluate(key).map_err(other)?.metas;
        let parties = LiquidationParties { liquidator: self.signer(), liqor_account: self.own, liqee_account: *key, liqee_health, liqor_health: liqor_health.clone() };
        let mut max = match step {
            Step::Perp { lots, .. } => lots as u64,
            Step::Collateral { amount, .. } => amount,
            _ => 0,
        };
        let kind = if market.is_some() { "perp" } else { "collateral" };
        loop {
            let ix = self.step_instruction(&parties, step, max)?;
            let view = kix::health(&self.registry.exchange_key, &self.own, liqor_health.clone());
            let simulated = match self.sender.simulate(&[ix.clone(), view]).await {
                Ok(s) => s,
                Err(err) => match err.failure {
                    Failure::OwnRisk | Failure::Dust if max > 1 => {
                        max /= 2;
                        continue;
                    }
                    Failure::OwnRisk | Failure::Dust => return Ok(Err(StepRefusal::Declined(Decline::OwnHealth))),
                    Failure::NeedsCancel => return Ok(Err(StepRefusal::NeedsCrank)),
                    Failure::Stale(_) => return Ok(Err(StepRefusal::Stale)),
                    _ => return Err(err),
                },
            };
            let own_after = decode_report(simulated.return_data.as_deref())?;
            let bounty = step_bounty(&simulated.logs);
            match decide(&Preview { own_init_after: own_after.init.health, bounty, max_amount: max }, &self.policy) {
                Decision::Shrink(smaller) => max = smaller,
                Decision::Decline(d) => return Ok(Err(StepRefusal::Declined(d))),
                Decision::Act => {
                    Metrics::inc(&self.metrics.steps_sent, kind);
                    let landed = match self.sender.send(&[ix], simulated.units).await {
                        Ok(landed) => landed,
                        // Simulated fine, then another keeper's step landed first and changed the
                        // account: a lost race, not a failure.
                        Err(err) if err.failure.is_lost_race() || matches!(err.failure, Failure::Stale(_)) => {
                            self.metrics.steps_lost.inc();
                            tracing::debug!(%key, kind, detail = err.detail, "step lost the race on landing");
                            return Ok(Err(StepRefusal::Stale));
                        }
                        Err(err) => return Err(err),
                    };
                    Metrics::inc(&self.metrics.steps_landed, kind);
                    let earned = step_bounty(&landed.logs);
                    self.metrics.bounties_earned.inc_by(earned);
                    tracing::info!(%key, kind, max, bounty = earned, signature = %landed.signature, "liquidation step landed");
                    return Ok(Ok(()));
                }
            }
        }
    }

    fn step_instruction(&self, parties: &LiquidationParties, step: Step, max: u64) -> Result<Instruction, TxError> {
        let quote_mint = self.registry.quote_mint().ok_or_else(|| other("exchange not loaded"))?;
        match step {
            Step::Perp { market, .. } => {
                let keys = self.registry.market_keys(market).ok_or_else(|| other(format!("market {market} not loaded")))?;
                Ok(lix::liquidate_perp(parties, &keys, &quote_mint, max as i64))
            }
            Step::Collateral { asset, .. } => {
                let known = self.registry.assets.iter().find(|a| a.asset.index == asset).ok_or_else(|| other(format!("asset {asset} not loaded")))?;
                Ok(lix::liquidate_collateral(parties, &self.registry.exchange_key, &quote_mint, &known.address, &known.asset.oracle, max))
            }
            _ => Err(other("not a liquidation step")),
        }
    }
}

/// Why a step was not taken (and the round may go on or stop).
enum StepRefusal {
    Declined(Decline),
    NeedsCrank,
    Stale,
}

/// The bounty in a step's logs (perp or collateral event).
pub fn step_bounty(logs: &[String]) -> u64 {
    let perp: u64 = events_of::<PerpLiquidated>(logs).iter().map(|e| e.bounty).sum();
    let collateral: u64 = events_of::<CollateralLiquidated>(logs).iter().map(|e| e.bounty).sum();
    perp + collateral
}

/// A `HealthReport` from a health view's return data.
pub fn decode_report(data: Option<&[u8]>) -> Result<HealthReport, TxError> {
    let mut bytes = data.ok_or_else(|| other("the health view returned no data"))?;
    HealthReport::deserialize(&mut bytes).map_err(|e| other(format!("health report: {e}")))
}

fn other(detail: impl ToString) -> TxError {
    TxError { failure: Failure::Other, detail: detail.to_string(), logs: vec![] }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keel::instructions::risk::{CollateralLine, HealthLine, PerpLine};

    fn perp(market_index: u16, base_lots: i64, price: i64) -> PerpLine {
        PerpLine { market_index, base_lots, unrealized_pnl: 0, oracle_price_per_lot: price, liquidation_price_per_lot: 0 }
    }

    fn collateral(asset_index: u16, balance: i64, value: i64) -> CollateralLine {
        CollateralLine { asset_index, balance, oracle_price: 0, value, ..CollateralLine::default() }
    }

    fn report(perps: Vec<PerpLine>, collaterals: Vec<CollateralLine>) -> HealthReport {
        let line = HealthLine::default();
        HealthReport { init: line, maint: line, liquidation_end: line, collateral_value: 0, collaterals, perps }
    }

    #[test]
    fn choose_step_largest_perp_by_value_first() {
        let r = report(vec![perp(0, 1_000, 9), perp(1, -20, 1_000), perp(2, 0, 1)], vec![collateral(1, 5, 500)]);
        assert_eq!(choose_step(&r, false), Step::Perp { market: 1, lots: 20 }, "20 × 1000 beats 1000 × 9; shorts by size");
    }

    #[test]
    fn choose_step_collateral_after_perps_then_bankruptcy() {
        let r = report(vec![perp(0, 0, 9)], vec![collateral(0, -50, -50), collateral(1, 7, 100), collateral(2, 3, 900)]);
        assert_eq!(choose_step(&r, false), Step::Collateral { asset: 2, amount: 3 }, "the most valuable non-quote collateral");
        let r = report(vec![], vec![collateral(0, -50, -50)]);
        assert_eq!(choose_step(&r, true), Step::Bankruptcy);
        assert_eq!(choose_step(&r, false), Step::Nothing);
    }
}
