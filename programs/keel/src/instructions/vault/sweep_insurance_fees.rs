//! `sweep_insurance_fees` (permissionless crank): moves a market's insurance share of trading
//! fees from the quote vault into the insurance fund's vault.

use crate::error::KeelError;
use crate::events::{emit_event, InsuranceFlow, INSURANCE_FEES};
use crate::instructions::vault::token_flow::transfer_out;
use crate::state::{CollateralAsset, Exchange, InsuranceFund, PerpMarket, QUOTE_ASSET_INDEX};
use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

/// Accounts of `sweep_insurance_fees`.
#[derive(Accounts)]
pub struct SweepInsuranceFees<'info> {
    /// The exchange (signs for the quote vault).
    pub exchange: AccountLoader<'info, Exchange>,
    /// The market whose insurance share is swept.
    #[account(mut, has_one = exchange @ KeelError::ExchangeMismatch)]
    pub market: AccountLoader<'info, PerpMarket>,
    /// The quote asset.
    #[account(has_one = exchange @ KeelError::ExchangeMismatch, has_one = vault @ KeelError::WrongVault,
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

impl SweepInsuranceFees<'_> {
    /// Transfers the market's accrued insurance share and zeroes it.
    pub fn handler(ctx: Context<Self>) -> Result<()> {
        let a = ctx.accounts;
        let amount = {
            let mut market = a.market.load_mut()?;
            let amount = u64::try_from(market.insurance_accrued).map_err(|_| KeelError::MathOverflow)?;
            crate::check!(amount > 0, KeelError::NothingToSweep);
            market.insurance_accrued = 0;
            amount
        };
        transfer_out(&a.token_program, &mut a.vault, &a.insurance_vault, &a.exchange, amount)?;
        a.insurance_vault.reload()?;
        let mut fund = a.insurance_fund.load_mut()?;
        let balance_after = fund.book_inflow(amount)?;
        fund.total_fees_swept = fund.total_fees_swept.checked_add(amount).ok_or(KeelError::MathOverflow)?;
        emit_event(&InsuranceFlow {
            exchange: fund.exchange,
            kind: INSURANCE_FEES,
            counterparty: a.market.key(),
            amount: amount as i64,
            balance_after,
            vault_balance_after: a.insurance_vault.amount,
            fund_seq: fund.next_seq(),
        });
        Ok(())
    }
}
