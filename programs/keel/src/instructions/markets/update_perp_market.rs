//! `update_perp_market` (admin): changes a market's parameters and/or pauses it.

use crate::error::KeelError;
use crate::events::{emit_event, PerpMarketUpdated};
use crate::instructions::markets::PerpMarketParams;
use crate::state::{Exchange, PerpMarket};
use anchor_lang::prelude::*;

/// Arguments of `update_perp_market`; `None` leaves a field as it is.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug)]
pub struct UpdatePerpMarketArgs {
    /// New parameters (all bounds are checked again).
    pub params: Option<PerpMarketParams>,
    /// Pause or resume the market.
    pub paused: Option<bool>,
}

/// Accounts of `update_perp_market`.
#[derive(Accounts)]
pub struct UpdatePerpMarket<'info> {
    /// The exchange admin.
    pub admin: Signer<'info>,
    /// The exchange.
    #[account(mut, has_one = admin @ KeelError::NotAdmin)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The market to change.
    #[account(mut, has_one = exchange @ KeelError::ExchangeMismatch)]
    pub market: AccountLoader<'info, PerpMarket>,
}

impl UpdatePerpMarket<'_> {
    /// Applies the changes after checking every bound.
    pub fn handler(ctx: Context<Self>, args: UpdatePerpMarketArgs) -> Result<()> {
        let mut market = ctx.accounts.market.load_mut()?;
        if let Some(params) = args.params {
            params.validate()?;
            let current = PerpMarketParams::of(&market);
            crate::check!(
                !params.funding_differs(&current) || market.last_funding_ts == Clock::get()?.unix_timestamp,
                KeelError::FundingNotCurrent
            );
            params.apply(&mut market);
        }
        if let Some(paused) = args.paused {
            market.paused = paused as u8;
        }
        let mut exchange = ctx.accounts.exchange.load_mut()?;
        emit_event(&PerpMarketUpdated {
            market: ctx.accounts.market.key(),
            index: market.index,
            params: PerpMarketParams::of(&market),
            paused: market.is_paused(),
            admin_seq: exchange.next_admin_seq(),
        });
        Ok(())
    }
}
