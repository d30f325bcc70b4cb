//! `create_margin_account`: opens a trader's margin account number `account_index`.

use crate::events::{emit_event, MarginAccountCreated};
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
    #[account(init, payer = payer, space = MarginAccount::SPACE,
        seeds = [MARGIN_ACCOUNT_SEED, exchange.key().as_ref(), owner.key().as_ref(), &account_index.to_le_bytes()], bump)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// System program.
    pub system_program: Program<'info, System>,
}

impl CreateMarginAccount<'_> {
    /// Initialises the empty account.
    pub fn handler(ctx: Context<Self>, account_index: u16) -> Result<()> {
        let mut account = ctx.accounts.margin_account.load_init()?;
        account.version = MARGIN_ACCOUNT_VERSION;
        account.bump = ctx.bumps.margin_account;
        account.account_index = account_index;
        account.exchange = ctx.accounts.exchange.key();
        account.owner = ctx.accounts.owner.key();
        emit_event(&MarginAccountCreated {
            account: ctx.accounts.margin_account.key(),
            owner: account.owner,
            account_index,
        });
        Ok(())
    }
}
