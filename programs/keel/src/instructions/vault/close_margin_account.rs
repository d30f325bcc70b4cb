//! `close_margin_account`: closes an empty account and returns its rent to the owner.

use crate::error::KeelError;
use crate::events::{emit_event, MarginAccountClosed};
use crate::state::MarginAccount;
use anchor_lang::prelude::*;

/// Accounts of `close_margin_account`.
#[derive(Accounts)]
pub struct CloseMarginAccount<'info> {
    /// The account's owner; receives the rent.
    #[account(mut)]
    pub owner: Signer<'info>,
    /// The margin account; must hold nothing.
    #[account(mut, has_one = owner @ KeelError::NotOwner, close = owner)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
}

impl CloseMarginAccount<'_> {
    /// Refuses unless the account holds no balance, position or order.
    pub fn handler(ctx: Context<Self>) -> Result<()> {
        let account = ctx.accounts.margin_account.load()?;
        crate::check!(account.is_empty(), KeelError::AccountNotEmpty);
        emit_event(&MarginAccountClosed {
            account: ctx.accounts.margin_account.key(),
            owner: account.owner,
        });
        Ok(())
    }
}
