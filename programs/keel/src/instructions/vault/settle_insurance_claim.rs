//! `settle_insurance_claim` (permissionless crank): moves the insurance fund's claim in the
//! quote bank into the fund's vault, as far as the vault holds tokens beyond what depositors
//! may withdraw right now — so settling never takes liquidity a depositor is owed.

use crate::error::KeelError;
use crate::events::{emit_event, InsuranceClaimSettled};
use crate::instructions::vault::bank_flow::accrue_bank;
use crate::instructions::vault::token_flow::transfer_out;
use crate::math::{Fixed, Rounding};
use crate::state::{CollateralAsset, Exchange, InsuranceFund, QUOTE_ASSET_INDEX};
use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

/// Accounts of `settle_insurance_claim`.
#[derive(Accounts)]
pub struct SettleInsuranceClaim<'info> {
    /// The exchange (signs for the quote vault).
    pub exchange: AccountLoader<'info, Exchange>,
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

impl SettleInsuranceClaim<'_> {
    /// Transfers `min(claim, booked tokens − what depositors may withdraw)`.
    pub fn handler(ctx: Context<Self>) -> Result<()> {
        let a = ctx.accounts;
        accrue_bank(&a.quote_asset, Clock::get()?.unix_timestamp)?;
        let amount = {
            let quote = a.quote_asset.load()?;
            let claim = quote.bank.insurance_claim;
            crate::check!(claim > 0, KeelError::NothingToSettle);
            // Tokens the perp side holds (PnL pools, fees) and anything sent to the vault are
            // not the fund's: it takes only booked tokens depositors may not withdraw.
            let reserved = quote.liquidity()?.within_cap;
            let unbooked = quote.unbooked(a.vault.amount)?.max(Fixed::ZERO).to_u64(Rounding::Up)?;
            let free = a.vault.amount.saturating_sub(unbooked).saturating_sub(reserved);
            crate::check!(
                free > 0,
                KeelError::VaultIlliquid,
                "settle_insurance_claim: claim {claim}, vault {} of which depositors may withdraw {reserved}",
                a.vault.amount
            );
            claim.min(free)
        };
        transfer_out(
            &a.token_program,
            &mut a.vault,
            &a.insurance_vault,
            &a.exchange,
            amount,
        )?;
        a.insurance_vault.reload()?;
        let mut quote = a.quote_asset.load_mut()?;
        quote.bank.insurance_claim -= amount;
        let mut fund = a.insurance_fund.load_mut()?;
        fund.book_inflow(amount)?;
        emit_event(&InsuranceClaimSettled {
            exchange: fund.exchange,
            amount,
            claim_after: quote.bank.insurance_claim,
            fund_vault_after: a.insurance_vault.amount,
            asset_seq: quote.next_seq(),
        });
        Ok(())
    }
}
