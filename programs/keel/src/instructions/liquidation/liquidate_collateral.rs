//! `liquidate_collateral` (permissionless): a liquidator buys collateral of a liquidatable
//! account for quote at the oracle price less a discount — the smallest amount that brings the
//! account's LiquidationEnd health to ≥ 0 — and the account pays a penalty into the insurance
//! fund. This is how an account's non-quote collateral pays its quote liability.

use super::liquidate_perp::value_u64;
use super::shared::*;
use crate::error::KeelError;
use crate::events::{emit_event, CollateralLiquidated};
use crate::instructions::markets::order_flow::credit_quote;
use crate::instructions::risk::asset_oracle_binding;
use crate::math::Fixed;
use crate::oracle::read_price;
use crate::risk::{smallest_sufficient, CollateralRisk, MaintAndEnd, StepEntries, StepHealth};
use crate::state::{CollateralAsset, QUOTE_ASSET_INDEX};
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
    /// CHECK: checked against the asset's oracle binding by `read_price`.
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

/// What a step of `amount` does.
struct CollateralOutcome {
    /// Oracle value of the collateral taken, quote native.
    oracle_value: Fixed,
    /// Quote the liquidator pays.
    paid: i64,
    /// The penalty.
    penalty: u64,
    /// Health afterwards.
    health: MaintAndEnd,
}

impl CollateralStep {
    /// Evaluates buying `amount` native units of the collateral.
    fn evaluate(&self, amount: i64) -> Result<CollateralOutcome> {
        let oracle_value = Fixed::from_i64(amount).mul_down(self.collateral.prices.oracle)?;
        let paid = self.terms.proceeds(oracle_value)?;
        let penalty = self.terms.penalty(oracle_value)?;
        let quote_change = paid
            .checked_sub(penalty as i64)
            .ok_or(KeelError::MathOverflow)?;
        let quote = CollateralRisk {
            balance: self
                .quote
                .balance
                .checked_add(quote_change)
                .ok_or(KeelError::MathOverflow)?,
            ..self.quote
        };
        let collateral = CollateralRisk {
            balance: self
                .collateral
                .balance
                .checked_sub(amount)
                .ok_or(KeelError::MathOverflow)?,
            ..self.collateral
        };
        let health = self.rest.with(&StepEntries {
            quote,
            collateral: Some(collateral),
            perp: None,
        })?;
        Ok(CollateralOutcome {
            oracle_value,
            paid,
            penalty,
            health,
        })
    }
}

impl<'info> LiquidateCollateral<'info> {
    /// Buys at most `max_amount` native units of the collateral. `liqee_health_accounts` is how
    /// many remaining accounts belong to the liquidated account.
    pub fn handler(
        ctx: Context<'info, Self>,
        max_amount: u64,
        liqee_health_accounts: u8,
    ) -> Result<()> {
        crate::check!(max_amount > 0, KeelError::ZeroAmount);
        let now = Clock::get()?.unix_timestamp;
        let a = ctx.accounts;
        let (liqee_remaining, liqor_remaining) = a
            .core
            .parties(ctx.remaining_accounts, liqee_health_accounts)?;
        let (asset_index, terms, prices) = {
            let asset = a.asset.load()?;
            crate::check!(
                asset.index != QUOTE_ASSET_INDEX,
                KeelError::QuoteNotLiquidatable
            );
            let exchange = a.core.exchange.load()?;
            let prices = read_price(
                &a.oracle,
                &asset_oracle_binding(&asset)?,
                exchange.quote_decimals,
                now,
            )?;
            (
                asset.index,
                StepTerms {
                    fee_bps: asset.liquidation_fee_bps,
                    penalty_bps: asset.liquidation_penalty_bps,
                },
                prices,
            )
        };
        let (cache, before) = a.core.liquidated_health(liqee_remaining, now)?;
        let entry = |index: u16| {
            cache
                .collaterals()
                .iter()
                .find(|c| c.asset_index == index)
                .copied()
        };
        let collateral = entry(asset_index)
            .filter(|c| c.balance > 0)
            .ok_or(KeelError::NothingToLiquidate)?;
        let quote_entry = {
            let quote = a.core.quote_asset.load()?;
            entry(QUOTE_ASSET_INDEX).unwrap_or(CollateralRisk {
                asset_index: QUOTE_ASSET_INDEX,
                balance: 0,
                prices: crate::risk::PriceQuote::ONE,
                asset_weights: quote.asset_weights(),
                liability_weights: quote.liability_weights(),
            })
        };
        let step = CollateralStep {
            collateral: CollateralRisk {
                prices,
                ..collateral
            },
            quote: quote_entry,
            rest: StepHealth::split(&cache, QUOTE_ASSET_INDEX, Some(asset_index), None)?,
            terms,
        };
        let available = collateral.balance;
        let requested = i64::try_from(max_amount).unwrap_or(i64::MAX).min(available);
        let amount = smallest_sufficient(requested, |amount| {
            Ok::<_, Error>(!step.evaluate(amount)?.health.liq_end.is_negative())
        })?;
        let outcome = step.evaluate(amount)?;
        let notional = value_u64(outcome.oracle_value)?;
        let min_notional = a
            .core
            .insurance_fund
            .load()?
            .bounty
            .min_liquidation_notional;
        let requested_signed = i64::try_from(max_amount).unwrap_or(i64::MAX);
        refuse_dust(
            notional,
            min_notional,
            amount,
            requested_signed,
            available,
            !outcome.health.liq_end.is_negative(),
        )?;

        {
            let mut liqee = a.core.liqee_account.load_mut()?;
            let mut liqor = a.core.liqor_account.load_mut()?;
            let mut asset = a.asset.load_mut()?;
            let mut quote_asset = a.core.quote_asset.load_mut()?;
            let given = liqee
                .collateral_mut(asset_index)
                .ok_or(KeelError::NothingToLiquidate)?;
            let old = given.balance;
            given.balance = old.checked_sub(amount).ok_or(KeelError::MathOverflow)?;
            asset.record_balance_change(old, given.balance)?;
            let taken = liqor.collateral_or_open(asset_index)?;
            let old = taken.balance;
            taken.balance = old.checked_add(amount).ok_or(KeelError::MathOverflow)?;
            asset.record_balance_change(old, taken.balance)?;

            let liqee_quote = liqee.collateral_or_open(QUOTE_ASSET_INDEX)?.balance;
            let liqee_after = credit_quote(
                &mut liqee,
                outcome
                    .paid
                    .checked_sub(outcome.penalty as i64)
                    .ok_or(KeelError::MathOverflow)?,
            )?;
            quote_asset.record_balance_change(liqee_quote, liqee_after)?;
            let liqor_quote = liqor.collateral_or_open(QUOTE_ASSET_INDEX)?.balance;
            let liqor_after = credit_quote(
                &mut liqor,
                outcome.paid.checked_neg().ok_or(KeelError::MathOverflow)?,
            )?;
            quote_asset.record_balance_change(liqor_quote, liqor_after)?;
            liqee.being_liquidated = state_after(&outcome.health);
            liqee.release_empty_collaterals();
        }
        let bounty = a.core.pay_penalty_and_bounty(notional, outcome.penalty)?;
        a.core.require_liquidator_health(liqor_remaining, now)?;

        let mut liqee = a.core.liqee_account.load_mut()?;
        let mut liqor = a.core.liqor_account.load_mut()?;
        emit_event(&CollateralLiquidated {
            liqee: a.core.liqee_account.key(),
            liqor: a.core.liqor_account.key(),
            asset_index,
            asset_amount: amount as u64,
            oracle_value: notional as i64,
            quote_paid: outcome.paid,
            penalty: outcome.penalty,
            bounty,
            health: health_numbers(before, outcome.health)?,
            liqee_seq: liqee.next_seq(),
            liqor_seq: liqor.next_seq(),
        });
        Ok(())
    }
}
