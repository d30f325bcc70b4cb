//! `settle_account_funding` (permissionless crank): settles the funding an account's position
//! in a market owes or is owed into its quote balance. Funding settles lazily when a position is
//! touched, so a receiver that touches first is paid ahead of a payer that never does — quote
//! the vault lends without a borrow to charge interest on. Anyone may crank a payer so its debt
//! becomes a booked borrow (interest-bearing, in utilisation). Health does not change: pending
//! funding already counts in it.

use crate::error::KeelError;
use crate::instructions::markets::order_flow::settle_funding;
use crate::instructions::vault::bank_flow::accrue_bank;
use crate::state::{CollateralAsset, MarginAccount, PerpMarket, QUOTE_ASSET_INDEX};
use anchor_lang::prelude::*;

/// Accounts of `settle_account_funding`.
#[derive(Accounts)]
pub struct SettleAccountFunding<'info> {
    /// The market.
    #[account(mut)]
    pub market: AccountLoader<'info, PerpMarket>,
    /// The account whose position settles.
    #[account(mut, constraint = margin_account.load()?.exchange == market.load()?.exchange @ KeelError::ExchangeMismatch)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The quote asset, whose bank the funding settles through.
    #[account(mut,
        constraint = quote_asset.load()?.exchange == market.load()?.exchange @ KeelError::ExchangeMismatch,
        constraint = quote_asset.load()?.index == QUOTE_ASSET_INDEX @ KeelError::HealthAccountMismatch)]
    pub quote_asset: AccountLoader<'info, CollateralAsset>,
}

impl SettleAccountFunding<'_> {
    /// Settles the position's pending funding.
    pub fn handler(ctx: Context<Self>) -> Result<()> {
        let a = ctx.accounts;
        accrue_bank(&a.quote_asset, Clock::get()?.unix_timestamp)?;
        let mut market = a.market.load_mut()?;
        let mut account = a.margin_account.load_mut()?;
        crate::check!(
            account.perp(market.index).is_some(),
            KeelError::NoPositionInMarket,
            "settle_account_funding: the account holds no slot in market {}",
            market.index
        );
        let key = a.margin_account.key();
        settle_funding(
            &mut account,
            &key,
            &mut market,
            &mut *a.quote_asset.load_mut()?,
        )
    }
}
