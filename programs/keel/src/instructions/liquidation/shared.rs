//! What every liquidation step shares: its accounts, the decision that an account may be
//! liquidated, the step's price terms, and the penalty and bounty flows through the insurance
//! fund.

use crate::error::KeelError;
use crate::events::{
    emit_event, InsuranceClaimChanged, LiquidationHealth, INSURANCE_BOUNTY, INSURANCE_PENALTY,
};
use crate::instructions::markets::order_flow::credit_quote;
use crate::instructions::risk::{
    load_health_cache_for_liquidation, load_health_cache_or_cached, require_init_health_or,
    CachedPrices,
};
use crate::math::{Fixed, Rounding};
use crate::risk::{HealthCache, HealthKind, MaintAndEnd};
use crate::state::{
    CollateralAsset, Exchange, InsuranceFund, MarginAccount, LIQUIDATION_ENDED,
    LIQUIDATION_IN_PROGRESS, QUOTE_ASSET_INDEX,
};
use anchor_lang::prelude::*;

/// Accounts every liquidation step needs. Remaining accounts: the liquidated account's health
/// accounts (as it is before the step), then the liquidator's (as it will be after the step,
/// with the quote slot and the taken market's or asset's slot open).
#[derive(Accounts)]
pub struct LiquidationCore<'info> {
    /// Owner or delegate of the liquidator's account.
    pub liquidator: Signer<'info>,
    /// The exchange (signs for the vaults).
    pub exchange: AccountLoader<'info, Exchange>,
    /// The liquidator's margin account.
    #[account(mut, constraint = liqor_account.load()?.exchange == exchange.key() @ KeelError::ExchangeMismatch)]
    pub liqor_account: AccountLoader<'info, MarginAccount>,
    /// The account being liquidated.
    #[account(mut, constraint = liqee_account.load()?.exchange == exchange.key() @ KeelError::ExchangeMismatch)]
    pub liqee_account: AccountLoader<'info, MarginAccount>,
    /// The quote asset, whose bank every step's quote settles through.
    #[account(mut, has_one = exchange @ KeelError::ExchangeMismatch,
        constraint = quote_asset.load()?.index == QUOTE_ASSET_INDEX @ KeelError::HealthAccountMismatch)]
    pub quote_asset: AccountLoader<'info, CollateralAsset>,
    /// The insurance fund (its claim in the quote bank takes penalties and pays bounties).
    #[account(mut, has_one = exchange @ KeelError::ExchangeMismatch)]
    pub insurance_fund: AccountLoader<'info, InsuranceFund>,
}

impl<'info> LiquidationCore<'info> {
    /// Checks the parties (the signer acts for the liquidator; nobody liquidates an account of
    /// its own owner) and splits the remaining accounts into the liquidated account's and the
    /// liquidator's health accounts.
    pub fn parties<'a>(
        &self,
        remaining: &'a [AccountInfo<'info>],
        liqee_health_accounts: u8,
    ) -> Result<(&'a [AccountInfo<'info>], &'a [AccountInfo<'info>])> {
        crate::check!(
            self.liqor_account.key() != self.liqee_account.key(),
            KeelError::SelfLiquidation
        );
        let liqor = self.liqor_account.load()?;
        crate::check!(
            liqor.is_owner_or_delegate(&self.liquidator.key()),
            KeelError::NotOwnerOrDelegate
        );
        crate::check!(
            liqor.owner != self.liqee_account.load()?.owner,
            KeelError::SelfLiquidation
        );
        let split = liqee_health_accounts as usize;
        crate::check!(
            split <= remaining.len(),
            KeelError::HealthAccountMissing,
            "liquidation: {split} health accounts of the liquidated account announced, {} passed",
            remaining.len()
        );
        Ok(remaining.split_at(split))
    }

    /// Loads the liquidated account's health and requires it to be liquidatable (see
    /// [`require_liquidatable`]); the account must have no open orders left. `live_oracle` is
    /// the taken listing's oracle, which every entry bound to it is priced by.
    pub fn liquidated_health<'a>(
        &self,
        remaining: &'a [AccountInfo<'info>],
        now: i64,
        live_oracle: &'a AccountInfo<'info>,
    ) -> Result<(Box<HealthCache>, MaintAndEnd)> {
        let exchange = self.exchange.load()?;
        let liqee = self.liqee_account.load()?;
        let open_order = liqee.orders.iter().find(|o| o.is_in_use());
        crate::check!(
            open_order.is_none(),
            KeelError::LiquidateeHasOpenOrders,
            "liquidation: the account has an order in market {}",
            open_order.map_or(0, |o| o.market_index)
        );
        let cache = load_health_cache_for_liquidation(
            &self.exchange.key(),
            &exchange,
            &liqee,
            remaining,
            now,
            CachedPrices::Accepted {
                live_oracle: Some(live_oracle),
            },
        )?;
        let health = require_liquidatable(&cache, &liqee)?;
        Ok((cache, health))
    }

    /// Requires the liquidator's account to satisfy Init health ≥ 0 with every price valid
    /// (`live_oracle`: as for [`Self::liquidated_health`]).
    pub fn require_liquidator_health<'a>(
        &self,
        remaining: &'a [AccountInfo<'info>],
        now: i64,
        live_oracle: &'a AccountInfo<'info>,
    ) -> Result<()> {
        let exchange = self.exchange.load()?;
        let liqor = self.liqor_account.load()?;
        let cache = load_health_cache_or_cached(
            &self.exchange.key(),
            &exchange,
            &liqor,
            remaining,
            now,
            Some(live_oracle),
        )?;
        require_init_health_or(
            &cache,
            "liquidator",
            KeelError::LiquidatorInitHealthNegative,
        )?;
        Ok(())
    }

    /// Books the step's penalty as the insurance fund's claim in the quote bank and pays the
    /// bounty (sized by the fund's rule, never above the penalty) out of that claim to the
    /// liquidator's quote balance. Ledgers only: no tokens move, so no step can fail for want
    /// of vault liquidity. Returns the bounty paid.
    pub fn pay_penalty_and_bounty(&mut self, oracle_notional: u64, penalty: u64) -> Result<u64> {
        let mut quote = self.quote_asset.load_mut()?;
        let mut fund = self.insurance_fund.load_mut()?;
        let claim = quote
            .bank
            .insurance_claim
            .checked_add(penalty)
            .ok_or(KeelError::MathOverflow)?;
        let bounty = fund.bounty.bounty(oracle_notional, penalty).min(claim);
        quote.bank.insurance_claim = claim - bounty;
        fund.total_penalties = fund
            .total_penalties
            .checked_add(penalty)
            .ok_or(KeelError::MathOverflow)?;
        fund.total_bounties = fund
            .total_bounties
            .checked_add(bounty)
            .ok_or(KeelError::MathOverflow)?;
        let signed_bounty = i64::try_from(bounty).map_err(|_| KeelError::MathOverflow)?;
        credit_recorded(
            &mut *self.liqor_account.load_mut()?,
            &mut quote,
            signed_bounty,
        )?;
        let flows = [
            (
                INSURANCE_PENALTY,
                self.liqee_account.key(),
                penalty as i64,
                claim,
            ),
            (
                INSURANCE_BOUNTY,
                self.liqor_account.key(),
                -signed_bounty,
                quote.bank.insurance_claim,
            ),
        ];
        for (kind, counterparty, amount, claim_after) in flows {
            emit_event(&InsuranceClaimChanged {
                exchange: fund.exchange,
                kind,
                counterparty,
                amount,
                claim_after,
                fund_seq: fund.next_seq(),
            });
        }
        Ok(bounty)
    }
}

/// Credits `amount` (signed, quote native) to the account's quote balance through the quote
/// bank, opening the slot if needed. Returns the new native balance.
pub fn credit_recorded(
    account: &mut MarginAccount,
    quote_asset: &mut CollateralAsset,
    amount: i64,
) -> Result<i64> {
    account.collateral_or_open(QUOTE_ASSET_INDEX)?;
    credit_quote(account, quote_asset, amount)
}

/// Requires `account` to be liquidatable: Maint health < 0, or a liquidation in progress with
/// LiquidationEnd health still < 0. Returns both numbers.
pub fn require_liquidatable(cache: &HealthCache, account: &MarginAccount) -> Result<MaintAndEnd> {
    let health = MaintAndEnd {
        maint: cache.health(HealthKind::Maint)?,
        liq_end: cache.health(HealthKind::LiquidationEnd)?,
    };
    if health.maint.is_negative()
        || (account.being_liquidated == LIQUIDATION_IN_PROGRESS && health.liq_end.is_negative())
    {
        return Ok(health);
    }
    let error = if account.being_liquidated == LIQUIDATION_ENDED {
        KeelError::LiquidationEndReached
    } else {
        KeelError::NotLiquidatable
    };
    crate::check!(
        false,
        error,
        "liquidation: maint health {}, liquidation-end health {} (quote native)",
        health.maint,
        health.liq_end
    );
    Ok(health)
}

/// A step's prices: what the liquidated account receives or pays for what it gives up, and its
/// penalty, from the oracle value of what changes hands.
#[derive(Clone, Copy, Debug)]
pub struct StepTerms {
    /// Liquidator discount, bps.
    pub fee_bps: u16,
    /// Penalty, bps.
    pub penalty_bps: u16,
}

impl StepTerms {
    /// Quote the liquidated account receives for giving up `value` (oracle, quote native):
    /// `value · (1 − fee)`, rounded up in its favour.
    pub fn proceeds(&self, value: Fixed) -> Result<i64> {
        Ok(value
            .mul_up(Fixed::from_bps(10_000 - self.fee_bps as u32))?
            .to_i64(Rounding::Up)?)
    }

    /// Quote the liquidated account pays to be relieved of a short worth `value`:
    /// `value · (1 + fee)`, rounded down in its favour.
    pub fn cost(&self, value: Fixed) -> Result<i64> {
        Ok(value
            .mul_down(Fixed::from_bps(10_000 + self.fee_bps as u32))?
            .to_i64(Rounding::Down)?)
    }

    /// The penalty on `value`: `value · penalty`, rounded up.
    pub fn penalty(&self, value: Fixed) -> Result<u64> {
        let penalty = value
            .mul_up(Fixed::from_bps(self.penalty_bps as u32))?
            .to_i64(Rounding::Up)?;
        Ok(u64::try_from(penalty).map_err(|_| KeelError::MathOverflow)?)
    }
}

/// The health a step leaves, from the sizing model's `model` and what the quote bank booked:
/// the model adds `credit` to the native quote balance `before`; the bank stores index units,
/// rounded in its favour, so the balance is `after`. The quote's weights are all 1, so every
/// health kind moves by exactly that rounding (≤ 0).
pub fn with_bank_rounding(
    model: MaintAndEnd,
    before: i64,
    credit: i64,
    after: i64,
) -> Result<MaintAndEnd> {
    let expected = before.checked_add(credit).ok_or(KeelError::MathOverflow)?;
    let rounding = Fixed::from_i64(after.checked_sub(expected).ok_or(KeelError::MathOverflow)?);
    Ok(MaintAndEnd {
        maint: model.maint.add(rounding)?,
        liq_end: model.liq_end.add(rounding)?,
    })
}

/// The liquidation state a step leaves: ended once LiquidationEnd health is ≥ 0.
pub fn state_after(health: &MaintAndEnd) -> u8 {
    if health.liq_end.is_negative() {
        LIQUIDATION_IN_PROGRESS
    } else {
        LIQUIDATION_ENDED
    }
}

/// Health numbers of an event, quote native rounded down.
pub fn health_numbers(before: MaintAndEnd, after: MaintAndEnd) -> Result<LiquidationHealth> {
    Ok(LiquidationHealth {
        maint_before: before.maint.to_i64(Rounding::Down)?,
        maint_after: after.maint.to_i64(Rounding::Down)?,
        liq_end_before: before.liq_end.to_i64(Rounding::Down)?,
        liq_end_after: after.liq_end.to_i64(Rounding::Down)?,
    })
}
