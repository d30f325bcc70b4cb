//! `replace_market_oracle` (admin): replaces a perp market's oracle — kind, account, feed id
//! and guards — validated like an asset's (see `replace_asset_oracle`). The new price becomes
//! the market's last valid oracle price (the funding premium's reference).

use crate::error::KeelError;
use crate::events::{emit_event, OracleReplaced, ORACLE_TARGET_MARKET};
use crate::instructions::risk::{bind_replacement, ReplaceOracleArgs};
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
    /// Validates the new oracle and binds it.
    pub fn handler(ctx: Context<Self>, args: ReplaceOracleArgs) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let mut exchange = ctx.accounts.exchange.load_mut()?;
        let mut market = ctx.accounts.market.load_mut()?;
        let (binding, price) = bind_replacement(
            &ctx.accounts.new_oracle,
            &args,
            market.base_decimals,
            exchange.quote_decimals,
            now,
        )?;
        let (old_kind, old_oracle, old_feed_id) =
            (market.oracle_kind, market.oracle, market.feed_id);
        market.oracle_kind = binding.kind as u8;
        market.oracle = binding.oracle;
        market.feed_id = binding.feed_id;
        market.oracle_max_age_secs = args.max_age_secs;
        market.oracle_max_conf_bps = args.max_conf_bps;
        market.oracle_conf_multiplier_bps = args.conf_multiplier_bps;
        market.record_oracle_price(price.oracle, now);
        emit_event(&OracleReplaced {
            target: ORACLE_TARGET_MARKET,
            address: ctx.accounts.market.key(),
            index: market.index,
            old_kind,
            old_oracle,
            old_feed_id,
            new_kind: market.oracle_kind,
            new_oracle: market.oracle,
            new_feed_id: market.feed_id,
            max_age_secs: args.max_age_secs,
            max_conf_bps: args.max_conf_bps,
            conf_multiplier_bps: args.conf_multiplier_bps,
            price: price.oracle.raw(),
            admin_seq: exchange.next_admin_seq(),
        });
        Ok(())
    }
}
