//! `liquidate_collateral` (permissionless): a liquidator buys collateral of a liquidatable
//! account for quote at the oracle price less a discount — the smallest amount that brings the
//! account's LiquidationEnd health to ≥ 0 — and the account pays a penalty into the insurance
//! fund. This is how an account's non-quote collateral pays its quote liability. Both health
//! lists price every entry bound to the oracle read here by that oracle, cached or not
//! (`price_sources`), so the asset counts at the price the step is sized at; the price is also
//! written to the asset's cache.

use super::shared::*;
use super::sizing::*;
use crate::error::KeelError;
use crate::events::{emit_event, CollateralLiquidated};
use crate::instructions::risk::asset_oracle_binding;
use crate::math::Fixed;
use crate::oracle::read_price_published;
use crate::risk::{CollateralRisk, StepEntries, StepHealth};
use crate::state::{CollateralAsset, QUOTE_ASSET_INDEX};
use crate::instructions::vault::bank_flow::accrue_bank;
use anchor_lang::prelude::*;

/// Accounts of `liquidate_collateral`.
#[derive(Accounts)]
pub struct LiquidateCollateral<'info> {
    /// The shared liquidation accounts.
    pub core: LiquidationCore<'info>,
    /// The collateral asset bought (not the quote asset).
    #[account(mut, constraint = asset.load()?.exchange == core.exchange.key() @ KeelError::ExchangeMismatch)]
    pub asset: AccountLoader<'info, CollateralAsset>,
    /// The asset's oracle (must be fresh).
    /// CHECK: checked against the asset's oracle binding by `read_price_published`.
    pub oracle: UncheckedAccount<'info>,
}

/// One candidate step of a collateral liquidation.
struct CollateralStep {
    /// The liquidated balance's entry as the step starts.
    collateral: CollateralRisk,
    /// The quote balance's entry as the step starts.
    quote: CollateralRisk,
    /// The rest of the account's health.
    rest: StepHealth,
    /// Discount and penalty.
    terms: StepTerms,
}

/// What a step of some amount does.
struct CollateralOutcome {
    /// Quote the liquidator pays.
    paid: i64,
    /// Value, penalty and health afterwards.
    common: StepCommon,
}

impl Step for CollateralStep {
    type Outcome = CollateralOutcome;

    fn evaluate(&self, amount: i64) -> Result<CollateralOutcome> {
        let oracle_value = Fixed::from_i64(amount).mul_down(self.collateral.prices.oracle)?;
        let paid = self.terms.proceeds(oracle_value)?;
        let penalty = self.terms.penalty(oracle_value)?;
        let quote = self.quote.shifted(paid.checked_sub(penalty as i64).ok_or(KeelError::MathOverflow)?)?;
        let collateral = self.collateral.shifted(amount.checked_neg().ok_or(KeelError::MathOverflow)?)?;
        let health = self.rest.with(&StepEntries { quote, collateral: Some(collateral), perp: None })?;
        Ok(CollateralOutcome { paid, common: StepCommon { oracle_value, penalty, health } })
    }

    fn common(outcome: &CollateralOutcome) -> &StepCommon {
        &outcome.common
    }
}

impl<'info> LiquidateCollateral<'info> {
    /// Buys at most `max_amount` native units of the collateral. `liqee_health_accounts` is how
    /// many remaining accounts belong to the liquidated account.
    pub fn handler(ctx: Context<'info, Self>, max_amount: u64, liqee_health_accounts: u8) -> Result<()> {
        crate::check!(max_amount > 0, KeelError::ZeroAmount);
        let clock = Clock::get()?;
        let now = clock.unix_timestamp;
        let a = ctx.accounts;
        let (liqee_remaining, liqor_remaining) = a.core.parties(ctx.remaining_accounts, liqee_health_accounts)?;
        let (asset_index, terms, prices) = {
            let mut asset = a.asset.load_mut()?;
            crate::check!(asset.index != QUOTE_ASSET_INDEX, KeelError::QuoteNotLiquidatable);
            let exchange = a.core.exchange.load()?;
            let published = read_price_published(&a.oracle, &asset_oracle_binding(&asset)?, exchange.quote_decimals, now)?;
            asset.price_cache.store(&published, clock.slot);
            let prices = published.quote;
            (asset.index, StepTerms { fee_bps: asset.liquidation_fee_bps, penalty_bps: asset.liquidation_penalty_bps }, prices)
        };
        accrue_bank(&a.core.quote_asset, now)?;
        accrue_bank(&a.asset, now)?;
        let (cache, before) = a.core.liquidated_health(liqee_remaining, now, a.oracle.as_ref())?;
        let collateral = cache
            .collaterals()
            .iter()
            .find(|c| c.asset_index == asset_index && c.balance > 0)
            .copied()
            .ok_or(KeelError::NothingToLiquidate)?;
        let quote_balance = a.core.quote_asset.load()?.native(a.core.liqee_account.load()?.units(QUOTE_ASSET_INDEX))?;
        let step = CollateralStep {
            collateral: CollateralRisk { prices, ..collateral },
            quote: quote_entry(&cache, &*a.core.quote_asset.load()?, quote_balance),
            rest: StepHealth::split(&cache, QUOTE_ASSET_INDEX, Some(asset_index), None)?,
            terms,
        };
        let min_notional = a.core.insurance_fund.load()?.bounty.min_liquidation_notional;
        let requested = i64::try_from(max_amount).unwrap_or(i64::MAX);
        let sized = size_step(&step, requested, collateral.balance, min_notional)?;
        let (amount, outcome) = (sized.amount, &sized.outcome);

        let health_after = {
            let mut liqee = a.core.liqee_account.load_mut()?;
            let mut liqor = a.core.liqor_account.load_mut()?;
            let mut asset = a.asset.load_mut()?;
            let mut quote_asset = a.core.quote_asset.load_mut()?;
            let given = liqee.collateral_mut(asset_index).ok_or(KeelError::NothingToLiquidate)?;
            asset.change_balance(given, amount.checked_neg().ok_or(KeelError::MathOverflow)?)?;
            let taken = liqor.collateral_or_open(asset_index)?;
            asset.change_balance(taken, amount)?;

            let proceeds = outcome.paid.checked_sub(outcome.common.penalty as i64).ok_or(KeelError::MathOverflow)?;
            let quote_after = credit_recorded(&mut liqee, &mut quote_asset, proceeds)?;
            credit_recorded(&mut liqor, &mut quote_asset, outcome.paid.checked_neg().ok_or(KeelError::MathOverflow)?)?;
            let health_after = with_bank_rounding(outcome.common.health, quote_balance, proceeds, quote_after)?;
            liqee.being_liquidated = state_after(&health_after);
            liqee.release_empty_collaterals();
            health_after
        };
        let bounty = a.core.pay_penalty_and_bounty(sized.notional, outcome.common.penalty)?;
        a.core.require_liquidator_health(liqor_remaining, now, a.oracle.as_ref())?;

        let mut liqee = a.core.liqee_account.load_mut()?;
        let mut liqor = a.core.liqor_account.load_mut()?;
        emit_event(&CollateralLiquidated {
            liqee: a.core.liqee_account.key(),
            liqor: a.core.liqor_account.key(),
            asset_index,
            asset_amount: amount as u64,
            oracle_value: sized.notional as i64,
            quote_paid: outcome.paid,
            penalty: outcome.common.penalty,
            bounty,
            health: health_numbers(before, health_after)?,
            liqee_seq: liqee.next_seq(),
            liqor_seq: liqor.next_seq(),
        });
        Ok(())
    }
}
