//! `set_delegate`: lets another key deposit and trade (never withdraw) for the account, within
//! the slippage and loss limit the owner sets.
//!
//! What a delegate can do: deposit, cancel, and place orders whose every fill lies within
//! `max_slippage_bps` of the oracle (its taker limit is clamped there, its resting orders must
//! lie inside it when placed and are removed, unfilled, once the oracle leaves them behind),
//! while the cost of its orders — slippage against the oracle plus taker fees, a resting order
//! charged at the most it could cost when it is placed — stays within `loss_limit` per
//! `period_secs`. What it cannot do: withdraw, set the delegate, close the account.

use crate::error::KeelError;
use crate::events::{emit_event, DelegateSet};
use crate::state::{DelegateLimits, MarginAccount};
use anchor_lang::prelude::*;

/// Arguments of `set_delegate`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetDelegateArgs {
    /// The delegate; `Pubkey::default()` removes it (the limits are then ignored).
    pub delegate: Pubkey,
    /// Farthest from the oracle a delegate's fill may lie, bps: 1..=1000.
    pub max_slippage_bps: u16,
    /// Most the delegate's orders may cost the account per period, quote native.
    pub loss_limit: u64,
    /// Length of the loss-limit period, seconds: 60..=2678400.
    pub period_secs: u32,
}

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
    /// Sets (or removes) the delegate and its limits; a new period starts now.
    pub fn handler(ctx: Context<Self>, args: SetDelegateArgs) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let limits = if args.delegate == Pubkey::default() {
            DelegateLimits::default()
        } else {
            DelegateLimits::new(
                args.max_slippage_bps,
                args.loss_limit,
                args.period_secs,
                now,
            )?
        };
        let mut account = ctx.accounts.margin_account.load_mut()?;
        account.delegate = args.delegate;
        account.delegate_limits = limits;
        emit_event(&DelegateSet {
            account: ctx.accounts.margin_account.key(),
            delegate: args.delegate,
            max_slippage_bps: limits.max_slippage_bps,
            loss_limit: limits.loss_limit,
            period_secs: limits.period_secs,
            account_seq: account.next_seq(),
        });
        Ok(())
    }
}
