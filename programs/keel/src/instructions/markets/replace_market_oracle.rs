//! `replace_market_oracle` (admin): replaces a perp market's oracle — kind, account, feed id
//! and guards — validated like an asset's (see `replace_asset_oracle`). The new price becomes
//! the market's last valid oracle price (the funding premium's reference).

use crate::error::KeelError;
use crate::instructions::risk::{replace_oracle, ReplaceOracleArgs};
use crate::state::{Exchange, PerpMarket};
use anchor_lang::prelude::*;

/// Accounts of `replace_market_oracle`.
#[derive(Accounts)]
pub struct ReplaceMarketOracle<'info> {
    /// The exchange admin.
    pub admin: Signer<'info>,
    /// The exchange.
    #[account(mut, has_one = admin @ KeelError::NotAdmin)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The market.
    #[account(mut, has_one = exchange @ KeelError::ExchangeMismatch)]
    pub market: AccountLoader<'info, PerpMarket>,
    /// The new oracle account.
    /// CHECK: owner, layout, feed id and price are verified by `bind_replacement`.
    pub new_oracle: UncheckedAccount<'info>,
}

impl ReplaceMarketOracle<'_> {
    /// Validates the new oracle and binds it; its price becomes the market's last valid price.
    pub fn handler(ctx: Context<Self>, args: ReplaceOracleArgs) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let mut exchange = ctx.accounts.exchange.load_mut()?;
        let mut market = ctx.accounts.market.load_mut()?;
        let price = replace_oracle(
            &mut *market,
            ctx.accounts.market.key(),
            &ctx.accounts.new_oracle,
            &args,
            &mut exchange,
            now,
        )?;
        market.record_oracle_price(price.quote.oracle, price.published);
        Ok(())
    }
}
