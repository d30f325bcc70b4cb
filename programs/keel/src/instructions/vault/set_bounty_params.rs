//! `set_bounty_params` (admin): changes the keeper bounty rule within its bounds. Whatever the
//! rule, a step's bounty never exceeds the penalty that step charged, so for a solvent account
//! the fund never pays out more than the liquidation brought in (splitting a liquidation into
//! minimum-size steps raises the keeper's share at most to the whole penalty).

use crate::error::KeelError;
use crate::events::{emit_event, BountyParamsSet};
use crate::state::{BountyParams, Exchange, InsuranceFund};
use anchor_lang::prelude::*;

/// Accounts of `set_bounty_params`.
#[derive(Accounts)]
pub struct SetBountyParams<'info> {
    /// The exchange admin.
    pub admin: Signer<'info>,
    /// The exchange.
    #[account(mut, has_one = admin @ KeelError::NotAdmin)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The insurance fund.
    #[account(mut, has_one = exchange @ KeelError::ExchangeMismatch)]
    pub insurance_fund: AccountLoader<'info, InsuranceFund>,
}

impl SetBountyParams<'_> {
    /// Checks and stores the rule.
    pub fn handler(ctx: Context<Self>, bounty: BountyParams) -> Result<()> {
        bounty.validate()?;
        ctx.accounts.insurance_fund.load_mut()?.bounty = bounty;
        emit_bounty_params(
            ctx.accounts.exchange.key(),
            &bounty,
            ctx.accounts.exchange.load_mut()?.next_admin_seq(),
        );
        Ok(())
    }
}

/// Emits [`BountyParamsSet`].
pub fn emit_bounty_params(exchange: Pubkey, bounty: &BountyParams, admin_seq: u64) {
    emit_event(&BountyParamsSet {
        exchange,
        floor: bounty.floor,
        cap: bounty.cap,
        min_liquidation_notional: bounty.min_liquidation_notional,
        penalty_share_bps: bounty.penalty_share_bps,
        admin_seq,
    });
}
