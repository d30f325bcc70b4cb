//! `set_exchange_pause` (admin): the global emergency switch.
//!
//! While paused, withdrawals and risk-increasing actions are refused; deposits (and, in later
//! issues, cancels, reduce-only trades and liquidations) still work.

use crate::error::KeelError;
use crate::events::{emit_event, ExchangePauseSet};
use crate::state::Exchange;
use anchor_lang::prelude::*;

/// Accounts of `set_exchange_pause`.
#[derive(Accounts)]
pub struct SetExchangePause<'info> {
    /// The exchange admin.
    pub admin: Signer<'info>,
    /// The exchange.
    #[account(mut, has_one = admin @ KeelError::NotAdmin)]
    pub exchange: AccountLoader<'info, Exchange>,
}

impl SetExchangePause<'_> {
    /// Sets the pause flag.
    pub fn handler(ctx: Context<Self>, paused: bool) -> Result<()> {
        let mut exchange = ctx.accounts.exchange.load_mut()?;
        exchange.paused = paused as u8;
        emit_event(&ExchangePauseSet {
            exchange: ctx.accounts.exchange.key(),
            paused,
            admin_seq: exchange.next_admin_seq(),
        });
        Ok(())
    }
}
