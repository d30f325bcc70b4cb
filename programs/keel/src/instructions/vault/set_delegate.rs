//! `set_delegate`: lets another key deposit and trade (never withdraw) for the account.

use crate::error::KeelError;
use crate::events::{emit_event, DelegateSet};
use crate::state::MarginAccount;
use anchor_lang::prelude::*;

/// Accounts of `set_delegate`.
#[derive(Accounts)]
pub struct SetDelegate<'info> {
    /// The account's owner.
    pub owner: Signer<'info>,
    /// The margin account.
    #[account(mut, has_one = owner @ KeelError::NotOwner)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
}

impl SetDelegate<'_> {
    /// Sets the delegate; `Pubkey::default()` removes it.
    pub fn handler(ctx: Context<Self>, delegate: Pubkey) -> Result<()> {
        let mut account = ctx.accounts.margin_account.load_mut()?;
        account.delegate = delegate;
        emit_event(&DelegateSet {
            account: ctx.accounts.margin_account.key(),
            delegate,
            account_seq: account.next_seq(),
        });
        Ok(())
    }
}
