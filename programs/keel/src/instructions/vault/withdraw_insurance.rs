//! `withdraw_insurance` (admin): takes quote tokens out of the insurance fund, at most the
//! fund's fixed limit per period (see [`InsuranceFund::withdrawable`]).

use crate::error::KeelError;
use crate::events::{emit_event, InsuranceFlow, INSURANCE_WITHDRAWAL};
use crate::instructions::vault::token_flow::transfer_out;
use crate::state::{Exchange, InsuranceFund};
use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

/// Accounts of `withdraw_insurance`.
#[derive(Accounts)]
pub struct WithdrawInsurance<'info> {
    /// The exchange admin.
    pub admin: Signer<'info>,
    /// The exchange (signs for the vault).
    #[account(has_one = admin @ KeelError::NotAdmin)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The fund.
    #[account(mut, has_one = exchange @ KeelError::ExchangeMismatch, has_one = vault @ KeelError::WrongVault)]
    pub insurance_fund: AccountLoader<'info, InsuranceFund>,
    /// The fund's vault.
    #[account(mut)]
    pub vault: Account<'info, TokenAccount>,
    /// Where the tokens go.
    #[account(mut, constraint = destination.mint == vault.mint @ KeelError::WrongMint)]
    pub destination: Account<'info, TokenAccount>,
    /// SPL Token.
    pub token_program: Program<'info, Token>,
}

impl WithdrawInsurance<'_> {
    /// Books the withdrawal against the limit, then transfers.
    pub fn handler(ctx: Context<Self>, amount: u64) -> Result<()> {
        crate::check!(amount > 0, KeelError::ZeroAmount);
        let a = ctx.accounts;
        let now = Clock::get()?.unix_timestamp;
        let (balance_after, fund_seq, exchange_key) = {
            let mut fund = a.insurance_fund.load_mut()?;
            fund.book_withdrawal(amount, now)?;
            (fund.balance, fund.next_seq(), fund.exchange)
        };
        let vault_after = transfer_out(&a.token_program, &mut a.vault, &a.destination, &a.exchange, amount)?;
        emit_event(&InsuranceFlow {
            exchange: exchange_key,
            kind: INSURANCE_WITHDRAWAL,
            counterparty: a.destination.key(),
            amount: -(amount as i64),
            balance_after,
            vault_balance_after: vault_after,
            fund_seq,
        });
        Ok(())
    }
}
