//! One liquidation step of a round: previewed by simulating it followed by the keeper's own
//! `health` view (the liquidated account's post-state returned with it), shrunk or declined by
//! [`crate::decision`] net of the steps in flight ([`crate::budget`]), and sent. When the
//! preview shows the account left bankrupt, the step goes out with `settle_bankruptcy` in one
//! transaction (that pair simulated first; [`crate::decision::pair_verdict`] on failure). A step
//! over the lock limit is priced by cached prices ([`crate::fit_locks`]).

use crate::classify::Failure;
use crate::decision::{
    delivery, may_consider, pair_verdict, Decision, Decline, Delivery, PairVerdict, Preview,
};
use crate::liquidate::{Liquidator, Step};
use crate::metrics::Metrics;
use crate::tx::{Landed, TxError};
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::AnchorDeserialize;
use keel::events::{CollateralLiquidated, PerpLiquidated};
use keel::instructions::risk::HealthReport;
use keel_client::events::events_of;
use keel_client::health::{health_accounts, health_accounts_opening};
use keel_client::instructions as kix;
use keel_client::liquidation::{self as lix, LiquidationParties};

/// Why a step was not taken (and the round may go on or stop).
pub(crate) enum StepRefusal {
    /// The keeper's policy declined it.
    Declined(Decline),
    /// The account still has fills to crank.
    NeedsCrank,
    /// The keeper's copy was behind (or the step lost the race on landing): refresh, go on.
    Stale,
}

/// A step that landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stepped {
    /// The step alone.
    Step,
    /// The step and the settlement of the bankruptcy it left, in one transaction.
    Settled,
}

/// What a step came to: landed, or refused (and the round goes on or stops).
type StepResult = Result<Result<Stepped, StepRefusal>, TxError>;

impl Liquidator<'_> {
    /// One liquidation step, shrunk until the keeper's own account stays above its floor.
    pub(crate) async fn step(&mut self, key: &Pubkey, step: Step) -> StepResult {
        let own_account = self
            .registry
            .accounts
            .get(&self.own)
            .cloned()
            .ok_or_else(|| other("own margin account not found"))?;
        let own_eval = self
            .registry
            .evaluate_account(&own_account)
            .map_err(other)?;
        let own_init = own_eval.report.init.health;
        self.metrics.own_init_health.set(own_init);
        self.metrics
            .own_maint_health
            .set(own_eval.report.maint.health);
        if let Err(decline) = may_consider(
            own_init.saturating_sub(self.budget.reserved()),
            &self.policy,
        ) {
            return Ok(Err(StepRefusal::Declined(decline)));
        }
        let (asset, market) = match step {
            Step::Perp { market, .. } => (None, Some(market)),
            Step::Collateral { asset, .. } => (Some(asset), None),
            _ => return Ok(Ok(Stepped::Step)),
        };
        let liqor_health = health_accounts_opening(
            &own_account,
            &self.registry.assets,
            &self.registry.markets,
            asset,
            market,
        )
        .ok_or_else(|| other("own account uses an unknown asset or market"))?;
        let opens_slot =
            health_accounts(&own_account, &self.registry.assets, &self.registry.markets).as_ref()
                != Some(&liqor_health);
        let liqee_health = self.registry.evaluate(key).map_err(other)?.metas;
        let mut parties = LiquidationParties {
            liquidator: self.signer(),
            liqor_account: self.own,
            liqee_account: *key,
            liqee_health,
            liqor_health,
        };
        if crate::fit_locks::exceeds_locks(&self.signer(), &self.step_instruction(&parties, step, 1)?) {
            let build = |parties: &LiquidationParties| self.step_instruction(parties, step, 1);
            match self.cache_and_price_by_cache(&parties, build).await? {
                Some(cached) => parties = cached,
                None => return Ok(Err(StepRefusal::Declined(Decline::TooManyAccounts))),
            }
        }
        let liqor_health = parties.liqor_health.clone();
        let mut max = match step {
            Step::Perp { lots, .. } => lots as u64,
            Step::Collateral { amount, .. } => amount,
            _ => 0,
        };
        let kind = if market.is_some() {
            "perp"
        } else {
            "collateral"
        };
        // Held from the preview until the step has landed or failed.
        let _permit = self.budget.permit(opens_slot).await;
        loop {
            let ix = self.step_instruction(&parties, step, max)?;
            let view = kix::health(&self.registry.exchange_key, &self.own, liqor_health.clone());
            let simulated = match self
                .sender
                .simulate_with(&[ix.clone(), view], &[*key])
                .await
            {
                Ok(s) => s,
                Err(err) => match err.failure {
                    Failure::OwnRisk | Failure::Dust if max > 1 => {
                        max /= 2;
                        continue;
                    }
                    Failure::OwnRisk | Failure::Dust => {
                        return Ok(Err(StepRefusal::Declined(Decline::OwnHealth)))
                    }
                    Failure::NeedsCancel => return Ok(Err(StepRefusal::NeedsCrank)),
                    Failure::Stale(_) => return Ok(Err(StepRefusal::Stale)),
                    _ => return Err(err),
                },
            };
            let own_after = decode_report(simulated.return_data.as_deref())?;
            let preview = Preview {
                own_init_after: own_after.init.health,
                bounty: step_bounty(&simulated.logs),
                max_amount: max,
            };
            match self.budget.decide(&preview, own_init, &self.policy) {
                (Decision::Shrink(smaller), _) => max = smaller,
                (Decision::Decline(d), _) => return Ok(Err(StepRefusal::Declined(d))),
                (Decision::Act, _reservation) => {
                    // `_reservation` is held until the step has landed or failed.
                    let after = simulated
                        .accounts
                        .first()
                        .and_then(|data| keel_client::accounts::margin_account(data.as_deref()?));
                    if delivery(after.as_deref()) == Delivery::WithSettlement {
                        if let Some(result) = self.send_paired(key, kind, &ix, max).await? {
                            return Ok(result);
                        }
                    }
                    return self.send_step(key, kind, &ix, max, simulated.units).await;
                }
            }
        }
    }

    /// Sends the previewed step alone with the limit for its simulated `units`.
    async fn send_step(
        &self,
        key: &Pubkey,
        kind: &str,
        ix: &Instruction,
        max: u64,
        units: u64,
    ) -> StepResult {
        Metrics::inc(&self.metrics.steps_sent, kind);
        let landed = match self.landed(
            key,
            kind,
            self.sender.send(std::slice::from_ref(ix), units).await,
        )? {
            Ok(landed) => landed,
            Err(refusal) => return Ok(Err(refusal)),
        };
        Metrics::inc(&self.metrics.steps_landed, kind);
        let earned = self.earned(&landed);
        tracing::info!(%key, kind, max, bounty = earned, signature = %landed.signature, "liquidation step landed");
        Ok(Ok(Stepped::Step))
    }

    /// Simulates the step with `settle_bankruptcy` after it and, when that passes, sends both in
    /// one transaction (the limit from that simulation). `None`: the pair's simulation failed
    /// for another reason than a lost race; the step goes alone (two transactions).
    async fn send_paired(
        &self,
        key: &Pubkey,
        kind: &str,
        ix: &Instruction,
        max: u64,
    ) -> Result<Option<Result<Stepped, StepRefusal>>, TxError> {
        let quote_mint = self
            .registry
            .quote_mint()
            .ok_or_else(|| other("exchange not loaded"))?;
        let pair = [
            ix.clone(),
            lix::settle_bankruptcy(
                &self.signer(),
                &self.registry.exchange_key,
                &quote_mint,
                key,
            ),
        ];
        let simulated = match self.sender.simulate(&pair).await {
            Ok(simulated) => simulated,
            Err(err) => match pair_verdict(err.failure) {
                PairVerdict::LostRace => return Err(err),
                PairVerdict::TwoTransactions => {
                    tracing::debug!(%key, failure = err.failure.label(), detail = err.detail, "step with settlement did not simulate: two transactions");
                    return Ok(None);
                }
            },
        };
        Metrics::inc(&self.metrics.steps_sent, kind);
        Metrics::inc(&self.metrics.steps_sent, "bankruptcy");
        let landed = match self.landed(key, kind, self.sender.send(&pair, simulated.units).await)? {
            Ok(landed) => landed,
            Err(refusal) => return Ok(Some(Err(refusal))),
        };
        Metrics::inc(&self.metrics.steps_landed, kind);
        Metrics::inc(&self.metrics.steps_landed, "bankruptcy");
        self.metrics.settlements_paired.inc();
        let earned = self.earned(&landed);
        tracing::info!(%key, kind, max, bounty = earned, signature = %landed.signature, "liquidation step and bankruptcy settlement landed");
        Ok(Some(Ok(Stepped::Settled)))
    }

    /// A sent step's outcome: a landing that lost the race (the step simulated fine, then
    /// another keeper's step changed the account) is counted and refused as stale.
    fn landed(
        &self,
        key: &Pubkey,
        kind: &str,
        sent: Result<Landed, TxError>,
    ) -> Result<Result<Landed, StepRefusal>, TxError> {
        match sent {
            Ok(landed) => Ok(Ok(landed)),
            Err(err) if err.failure.is_lost_race() || matches!(err.failure, Failure::Stale(_)) => {
                self.metrics.steps_lost.inc();
                tracing::debug!(%key, kind, detail = err.detail, "step lost the race on landing");
                Ok(Err(StepRefusal::Stale))
            }
            Err(err) => Err(err),
        }
    }

    /// Counts the bounty a landed step paid; returns it.
    fn earned(&self, landed: &Landed) -> u64 {
        let earned = step_bounty(&landed.logs);
        self.metrics.bounties_earned.inc_by(earned);
        earned
    }

    fn step_instruction(
        &self,
        parties: &LiquidationParties,
        step: Step,
        max: u64,
    ) -> Result<Instruction, TxError> {
        let quote_mint = self
            .registry
            .quote_mint()
            .ok_or_else(|| other("exchange not loaded"))?;
        match step {
            Step::Perp { market, .. } => {
                let keys = self
                    .registry
                    .market_keys(market)
                    .ok_or_else(|| other(format!("market {market} not loaded")))?;
                Ok(lix::liquidate_perp(parties, &keys, &quote_mint, max as i64))
            }
            Step::Collateral { asset, .. } => {
                let known = self
                    .registry
                    .assets
                    .iter()
                    .find(|a| a.asset.index == asset)
                    .ok_or_else(|| other(format!("asset {asset} not loaded")))?;
                Ok(lix::liquidate_collateral(
                    parties,
                    &self.registry.exchange_key,
                    &quote_mint,
                    &known.address,
                    &known.asset.oracle,
                    max,
                ))
            }
            _ => Err(other("not a liquidation step")),
        }
    }
}

/// The bounty in a step's logs (perp or collateral event).
pub fn step_bounty(logs: &[String]) -> u64 {
    let perp: u64 = events_of::<PerpLiquidated>(logs)
        .iter()
        .map(|e| e.bounty)
        .sum();
    let collateral: u64 = events_of::<CollateralLiquidated>(logs)
        .iter()
        .map(|e| e.bounty)
        .sum();
    perp + collateral
}

/// A `HealthReport` from a health view's return data.
pub fn decode_report(data: Option<&[u8]>) -> Result<HealthReport, TxError> {
    let mut bytes = data.ok_or_else(|| other("the health view returned no data"))?;
    HealthReport::deserialize(&mut bytes).map_err(|e| other(format!("health report: {e}")))
}

/// A failure of the keeper's own making (classified `Other`).
pub(crate) fn other(detail: impl ToString) -> TxError {
    TxError {
        failure: Failure::Other,
        detail: detail.to_string(),
        logs: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::prelude::AccountMeta;
    use keel_client::markets::MarketKeys;
    use solana_compute_budget_interface::ComputeBudgetInstruction;
    use solana_keypair::Keypair;
    use solana_signer::Signer;

    /// The largest serialized transaction a node accepts.
    const PACKET_DATA_SIZE: u64 = 1_232;

    #[test]
    fn step_with_its_settlement_fits_a_packet() {
        let payer = Keypair::new();
        let [exchange, quote_mint, market, oracle, book, queue] =
            [(); 6].map(|_| Pubkey::new_unique());
        let quote_asset = keel_client::pda::asset(&exchange, &quote_mint);
        let keys = MarketKeys {
            exchange,
            market,
            order_book: book,
            fill_queue: queue,
            oracle,
            quote_asset,
        };
        // Quote collateral and one perp position on each side: the benchmark's accounts.
        let health = vec![
            AccountMeta::new_readonly(quote_asset, false),
            AccountMeta::new_readonly(market, false),
            AccountMeta::new_readonly(oracle, false),
        ];
        let liqee = Pubkey::new_unique();
        let parties = LiquidationParties {
            liquidator: payer.pubkey(),
            liqor_account: Pubkey::new_unique(),
            liqee_account: liqee,
            liqee_health: health.clone(),
            liqor_health: health,
        };
        let ixs = [
            ComputeBudgetInstruction::set_compute_unit_limit(200_000),
            ComputeBudgetInstruction::set_compute_unit_price(1_000),
            lix::liquidate_perp(&parties, &keys, &quote_mint, 1_000),
            lix::settle_bankruptcy(&payer.pubkey(), &exchange, &quote_mint, &liqee),
        ];
        let tx = solana_transaction::Transaction::new_signed_with_payer(
            &ixs,
            Some(&payer.pubkey()),
            &[&payer],
            solana_hash::Hash::default(),
        );
        let size = bincode::serialized_size(&tx).expect("serializes");
        let alone =
            bincode::serialized_size(&solana_transaction::Transaction::new_signed_with_payer(
                &ixs[..3],
                Some(&payer.pubkey()),
                &[&payer],
                solana_hash::Hash::default(),
            ))
            .expect("serializes");
        println!("liquidate_perp alone: {alone} bytes; with settle_bankruptcy: {size} bytes, {} accounts", tx.message.account_keys.len());
        assert!(size <= PACKET_DATA_SIZE, "{size} bytes");
    }
}
