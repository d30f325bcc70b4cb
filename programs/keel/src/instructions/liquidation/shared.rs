//! What every liquidation step shares: its accounts, the decision that an account may be
//! liquidated, the step's price terms, and the penalty and bounty flows through the insurance
//! fund.

use crate::error::KeelError;
use crate::events::{
    emit_event, InsuranceFlow, LiquidationHealth, INSURANCE_BOUNTY, INSURANCE_PENALTY,
};
use crate::instructions::markets::order_flow::credit_quote;
use crate::instructions::risk::{
    load_health_cache, load_health_cache_for_liquidation, require_init_health_or,
};
use crate::instructions::vault::token_flow::transfer_out;
use crate::math::{Fixed, Rounding};
use crate::risk::{HealthCache, HealthKind, MaintAndEnd};
use crate::state::{CollateralAsset, Exchange, InsuranceFund, MarginAccount, LIQUIDATION_ENDED, LIQUIDATION_IN_PROGRESS, QUOTE_ASSET_INDEX};
use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

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
    /// The quote asset.
    #[account(mut, has_one = exchange @ KeelError::ExchangeMismatch, has_one = vault @ KeelError::WrongVault,
        constraint = quote_asset.load()?.index == QUOTE_ASSET_INDEX @ KeelError::HealthAccountMismatch)]
    pub quote_asset: AccountLoader<'info, CollateralAsset>,
    /// The quote vault.
    #[account(mut)]
    pub vault: Account<'info, TokenAccount>,
    /// The insurance fund.
    #[account(mut, has_one = exchange @ KeelError::ExchangeMismatch,
        constraint = insurance_fund.load()?.vault == insurance_vault.key() @ KeelError::WrongVault)]
    pub insurance_fund: AccountLoader<'info, InsuranceFund>,
    /// The insurance fund's vault.
    #[account(mut)]
    pub insurance_vault: Account<'info, TokenAccount>,
    /// SPL Token.
    pub token_program: Program<'info, Token>,
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
    /// [`require_liquidatable`]); the account must have no open orders left.
    pub fn liquidated_health(
        &self,
        remaining: &[AccountInfo<'info>],
        now: i64,
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
        )?;
        let health = require_liquidatable(&cache, &liqee)?;
        Ok((cache, health))
    }

    /// Requires the liquidator's account to satisfy Init health ≥ 0 with every price valid.
    pub fn require_liquidator_health(
        &self,
        remaining: &[AccountInfo<'info>],
        now: i64,
    ) -> Result<()> {
        let exchange = self.exchange.load()?;
        let liqor = self.liqor_account.load()?;
        let cache = load_health_cache(&self.exchange.key(), &exchange, &liqor, remaining, now)?;
        require_init_health_or(
            &cache,
            "liquidator",
            KeelError::LiquidatorInitHealthNegative,
        )?;
        Ok(())
    }

    /// Moves the step's penalty into the insurance fund and its bounty (sized by the fund's
    /// rule, limited by what the fund holds) to the liquidator's quote balance, as one net token
    /// transfer between the quote vault and the fund's vault. Returns the bounty paid.
    pub fn pay_penalty_and_bounty(&mut self, oracle_notional: u64, penalty: u64) -> Result<u64> {
        let (bounty, exchange, penalty_seq, bounty_seq, balance_after) = {
            let mut fund = self.insurance_fund.load_mut()?;
            let wanted = fund.bounty.bounty(oracle_notional, penalty);
            let paid = fund.book_liquidation(penalty, wanted)?;
            (
                paid,
                fund.exchange,
                fund.next_seq(),
                fund.next_seq(),
                fund.balance,
            )
        };
        if penalty > bounty {
            transfer_out(
                &self.token_program,
                &mut self.vault,
                &self.insurance_vault,
                &self.exchange,
                penalty - bounty,
            )?;
        } else if bounty > penalty {
            transfer_out(
                &self.token_program,
                &mut self.insurance_vault,
                &self.vault,
                &self.exchange,
                bounty - penalty,
            )?;
        }
        self.insurance_vault.reload()?;
        credit_recorded(
            &mut *self.liqor_account.load_mut()?,
            &mut *self.quote_asset.load_mut()?,
            i64::try_from(bounty).map_err(|_| KeelError::MathOverflow)?,
        )?;
        let vault_balance_after = self.insurance_vault.amount;
        let flows = [
            (
                INSURANCE_PENALTY,
                self.liqee_account.key(),
                penalty as i64,
                penalty_seq,
            ),
            (
                INSURANCE_BOUNTY,
                self.liqor_account.key(),
                -(bounty as i64),
                bounty_seq,
            ),
        ];
        for (kind, counterparty, amount, fund_seq) in flows {
            // Both flows are booked together; each event states the balance after the step.
            emit_event(&InsuranceFlow {
                exchange,
                kind,
                counterparty,
                amount,
                balance_after,
                vault_balance_after,
                fund_seq,
            });
        }
        Ok(bounty)
    }
}

/// Credits `amount` (signed, quote native) to the account's quote balance, opening the slot if
/// needed, and records the change in the quote asset's totals. Returns the new balance.
pub fn credit_recorded(account: &mut MarginAccount, quote_asset: &mut CollateralAsset, amount: i64) -> Result<i64> {
    let before = account.collateral_or_open(QUOTE_ASSET_INDEX)?.balance;
    let after = credit_quote(account, amount)?;
    quote_asset.record_balance_change(before, after)?;
    Ok(after)
}

/// Requires `account` to be liquidatable: Maint health < 0, or a liquidation in progress with
/// LiquidationEnd health still < 0. Returns both numbers.
pub fn require_liquidatable(cache: &HealthCache, account: &MarginAccount) -> Result<MaintAndEnd> {
    let health = MaintAndEnd {
        maint: cache.health(HealthKind::Maint)?,
        liq_end: cache.health(HealthKind::LiquidationEnd)?,
    };
    if health.maint.is_negative() || (account.being_liquidated == LIQUIDATION_IN_PROGRESS && health.liq_end.is_negative())
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

/// The liquidation state a step leaves: ended once LiquidationEnd health is ≥ 0.
pub fn state_after(health: &MaintAndEnd) -> u8 {
    if health.liq_end.is_negative() { LIQUIDATION_IN_PROGRESS } else { LIQUIDATION_ENDED }
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
