//! `create_margin_account`: opens a trader's margin account number `account_index`.

use crate::events::{emit_event, MarginAccountCreated};
use crate::instructions::pda_account::{create_pda, init_zero_copy};
use crate::state::{Exchange, MarginAccount, MARGIN_ACCOUNT_SEED, MARGIN_ACCOUNT_VERSION};
use anchor_lang::prelude::*;

/// Accounts of `create_margin_account`.
#[derive(Accounts)]
#[instruction(account_index: u16)]
pub struct CreateMarginAccount<'info> {
    /// Pays rent.
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The owner of the new account.
    pub owner: Signer<'info>,
    /// The exchange.
    pub exchange: AccountLoader<'info, Exchange>,
    /// The new account, PDA `["margin", exchange, owner, account_index (u16 LE)]`.
    /// CHECK: the address is checked by `seeds`; the handler creates the account.
    #[account(mut, seeds = [MARGIN_ACCOUNT_SEED, exchange.key().as_ref(), owner.key().as_ref(), &account_index.to_le_bytes()], bump)]
    pub margin_account: UncheckedAccount<'info>,
    /// System program.
    pub system_program: Program<'info, System>,
}

impl CreateMarginAccount<'_> {
    /// Initialises the empty account.
    pub fn handler(ctx: Context<Self>, account_index: u16) -> Result<()> {
        let accounts = &ctx.accounts;
        let bump = ctx.bumps.margin_account;
        let (exchange, owner, index) = (accounts.exchange.key(), accounts.owner.key(), account_index.to_le_bytes());
        let seeds: [&[u8]; 5] = [MARGIN_ACCOUNT_SEED, exchange.as_ref(), owner.as_ref(), &index, core::slice::from_ref(&bump)];
        create_pda(&accounts.payer, &accounts.margin_account, &accounts.system_program, &crate::ID, MarginAccount::SPACE, &seeds)?;
        let mut account = init_zero_copy::<MarginAccount>(&accounts.margin_account)?;
        account.version = MARGIN_ACCOUNT_VERSION;
        account.bump = bump;
        account.account_index = account_index;
        account.exchange = exchange;
        account.owner = owner;
        emit_event(&MarginAccountCreated {
            account: ctx.accounts.margin_account.key(),
            owner: account.owner,
            account_index,
        });
        Ok(())
    }
}
