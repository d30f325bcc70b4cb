//! Sizing a liquidation step, shared by perp and collateral liquidation: the fewest units that
//! bring LiquidationEnd health to ≥ 0, within the caller's cap, and the dust rule.

use crate::error::KeelError;
use crate::math::{Fixed, Rounding};
use crate::risk::{smallest_sufficient, CollateralRisk, HealthCache, MaintAndEnd, PriceQuote};
use crate::state::{CollateralAsset, QUOTE_ASSET_INDEX};
use anchor_lang::prelude::*;

/// What every candidate step reports, whatever changes hands.
#[derive(Clone, Copy, Debug)]
pub struct StepCommon {
    /// Oracle value of what changes hands, quote native.
    pub oracle_value: Fixed,
    /// The penalty charged to the liquidated account.
    pub penalty: u64,
    /// The liquidated account's health afterwards.
    pub health: MaintAndEnd,
}

/// A liquidation step that can be evaluated for any amount without touching the accounts.
pub trait Step {
    /// What a step of some amount does.
    type Outcome;
    /// Evaluates a step of `amount` (base lots or native units).
    fn evaluate(&self, amount: i64) -> Result<Self::Outcome>;
    /// The part of an outcome the sizing reads.
    fn common(outcome: &Self::Outcome) -> &StepCommon;
}

/// A sized step.
pub struct SizedStep<O> {
    /// Amount taken.
    pub amount: i64,
    /// What it does.
    pub outcome: O,
    /// Its oracle value, whole quote native units (rounded down).
    pub notional: u64,
}

/// Sizes `step`: the fewest of `1..=min(requested, available)` that brings LiquidationEnd health
/// to ≥ 0 (all of it when none does), refusing a step the caller capped below `min_notional`
/// while more is needed (see [`refuse_dust`]).
pub fn size_step<S: Step>(step: &S, requested: i64, available: i64, min_notional: u64) -> Result<SizedStep<S::Outcome>> {
    let ends = |outcome: &S::Outcome| !S::common(outcome).health.liq_end.is_negative();
    let amount = smallest_sufficient(requested.min(available), |amount| Ok::<_, Error>(ends(&step.evaluate(amount)?)))?;
    let outcome = step.evaluate(amount)?;
    let notional = u64::try_from(S::common(&outcome).oracle_value.to_i64(Rounding::Down)?).map_err(|_| KeelError::MathOverflow)?;
    refuse_dust(notional, min_notional, amount, requested, available, ends(&outcome))?;
    Ok(SizedStep { amount, outcome, notional })
}

/// Refuses a step the caller limited to less than the minimum size while more is left and the
/// step does not end the liquidation (a step that is small because that is all that is needed,
/// or all there is, goes through and earns no bounty).
pub fn refuse_dust(oracle_notional: u64, min_notional: u64, taken: i64, requested: i64, available: i64, ends: bool) -> Result<()> {
    let caller_limited = taken == requested && taken < available && !ends;
    crate::check!(
        !(oracle_notional < min_notional && caller_limited),
        KeelError::LiquidationDust,
        "liquidation: step worth {oracle_notional} (quote native) is below the minimum {min_notional}"
    );
    Ok(())
}

/// The liquidated account's quote entry as a step starts: the cached one with `balance`, or a
/// zero balance of the quote asset when the account holds no quote slot.
pub fn quote_entry(cache: &HealthCache, quote_asset: &CollateralAsset, balance: i64) -> CollateralRisk {
    let cached = cache.collaterals().iter().find(|c| c.asset_index == QUOTE_ASSET_INDEX).copied();
    let entry = cached.unwrap_or(CollateralRisk {
        asset_index: QUOTE_ASSET_INDEX,
        balance: 0,
        prices: PriceQuote::ONE,
        asset_weights: quote_asset.asset_weights(),
        liability_weights: quote_asset.liability_weights(),
    });
    CollateralRisk { balance, ..entry }
}
