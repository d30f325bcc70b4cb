//! Token movements into and out of vaults, each verified against the vault's balance after the
//! CPI so that a transfer that did not happen (or moved another amount) is never booked.

use crate::error::KeelError;
use crate::state::{Exchange, EXCHANGE_SEED};
use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};

/// Moves `amount` from a trader's token account into `vault`, signed by `authority`.
pub fn transfer_in<'info>(
    token_program: &Program<'info, Token>,
    from: &Account<'info, TokenAccount>,
    vault: &mut Account<'info, TokenAccount>,
    authority: &Signer<'info>,
    amount: u64,
) -> Result<u64> {
    let before = vault.amount;
    let accounts = Transfer {
        from: from.to_account_info(),
        to: vault.to_account_info(),
        authority: authority.to_account_info(),
    };
    token::transfer(CpiContext::new(token_program.key(), accounts), amount)?;
    verify_vault(vault, before.checked_add(amount))
}

/// Moves `amount` out of `vault` to `to`, signed by the exchange PDA (the vault's authority).
pub fn transfer_out<'info>(
    token_program: &Program<'info, Token>,
    vault: &mut Account<'info, TokenAccount>,
    to: &Account<'info, TokenAccount>,
    exchange: &AccountLoader<'info, Exchange>,
    amount: u64,
) -> Result<u64> {
    let (creator, bump) = {
        let exchange = exchange.load()?;
        (exchange.creator, exchange.bump)
    };
    let seeds: [&[u8]; 3] = [EXCHANGE_SEED, creator.as_ref(), core::slice::from_ref(&bump)];
    let before = vault.amount;
    let accounts = Transfer {
        from: vault.to_account_info(),
        to: to.to_account_info(),
        authority: exchange.to_account_info(),
    };
    let signer = [&seeds[..]];
    token::transfer(CpiContext::new_with_signer(token_program.key(), accounts, &signer), amount)?;
    verify_vault(vault, before.checked_sub(amount))
}

/// Reloads the vault and requires its balance to be `expected`.
fn verify_vault(vault: &mut Account<TokenAccount>, expected: Option<u64>) -> Result<u64> {
    vault.reload()?;
    crate::check!(
        Some(vault.amount) == expected,
        KeelError::TransferMismatch,
        "vault {}: balance {} after transfer, expected {:?}",
        vault.key(),
        vault.amount,
        expected
    );
    Ok(vault.amount)
}
