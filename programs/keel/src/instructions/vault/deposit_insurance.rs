//! `deposit_insurance`: anyone adds quote tokens to the insurance fund.

use crate::error::KeelError;
use crate::events::{emit_event, InsuranceFlow, INSURANCE_DEPOSIT};
use crate::instructions::vault::token_flow::transfer_in;
use crate::state::InsuranceFund;
use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

/// Accounts of `deposit_insurance`.
#[derive(Accounts)]
pub struct DepositInsurance<'info> {
    /// The depositor, authority of `source`.
    pub depositor: Signer<'info>,
    /// The fund.
    #[account(mut, has_one = vault @ KeelError::WrongVault)]
    pub insurance_fund: AccountLoader<'info, InsuranceFund>,
    /// The fund's vault.
    #[account(mut)]
    pub vault: Account<'info, TokenAccount>,
    /// Where the tokens come from (quote mint).
    #[account(mut, constraint = source.mint == vault.mint @ KeelError::WrongMint)]
    pub source: Account<'info, TokenAccount>,
    /// SPL Token.
    pub token_program: Program<'info, Token>,
}

impl DepositInsurance<'_> {
    /// Transfers `amount` into the fund.
    pub fn handler(ctx: Context<Self>, amount: u64) -> Result<()> {
        crate::check!(amount > 0, KeelError::ZeroAmount);
        let a = ctx.accounts;
        let vault_after = transfer_in(&a.token_program, &a.source, &mut a.vault, &a.depositor, amount)?;
        let mut fund = a.insurance_fund.load_mut()?;
        let balance_after = fund.book_inflow(amount)?;
        fund.total_deposited = fund.total_deposited.checked_add(amount).ok_or(KeelError::MathOverflow)?;
        emit_event(&InsuranceFlow {
            exchange: fund.exchange,
            kind: INSURANCE_DEPOSIT,
            counterparty: a.depositor.key(),
            amount: amount as i64,
            balance_after,
            vault_balance_after: vault_after,
            fund_seq: fund.next_seq(),
        });
        Ok(())
    }
}
