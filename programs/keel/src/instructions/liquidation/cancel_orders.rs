//! `liquidation_cancel_orders` (permissionless): takes every resting order of a liquidatable
//! account in one market off the book, releasing their margin, so that the liquidation can
//! take over positions. Orders whose fills are still queued leave with `consume_fills`. It does
//! not mark the account as being liquidated — only a step does — so a cancel that is not
//! followed by a step leaves the account exactly as an identical account without orders.

use super::shared::require_liquidatable;
use crate::error::KeelError;
use crate::instructions::markets::funding_premium::sample_premium;
use crate::instructions::markets::order_flow::{release_order, Release};
use crate::instructions::risk::{load_health_cache_for_liquidation, CachedPrices};
use crate::state::{Exchange, MarginAccount, OrderBook, OutReason, PerpMarket, MAX_OPEN_ORDERS};
use anchor_lang::prelude::*;

/// Accounts of `liquidation_cancel_orders`. Remaining accounts: the account's health accounts,
/// every oracle read (no cached price: see `health_check`).
#[derive(Accounts)]
pub struct LiquidationCancelOrders<'info> {
    /// Anyone.
    pub signer: Signer<'info>,
    /// The exchange.
    pub exchange: AccountLoader<'info, Exchange>,
    /// The liquidatable account.
    #[account(mut, constraint = margin_account.load()?.exchange == exchange.key() @ KeelError::ExchangeMismatch)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The market (its funding premium is sampled before the book changes).
    #[account(mut, has_one = order_book @ KeelError::WrongMarketAccount, has_one = exchange @ KeelError::ExchangeMismatch)]
    pub market: AccountLoader<'info, PerpMarket>,
    /// The market's book.
    #[account(mut)]
    pub order_book: AccountLoader<'info, OrderBook>,
}

impl<'info> LiquidationCancelOrders<'info> {
    /// Requires the account to be liquidatable, then cancels all its resting orders in the
    /// market (reason: liquidation).
    pub fn handler(ctx: Context<'info, Self>) -> Result<()> {
        let a = ctx.accounts;
        let now = Clock::get()?.unix_timestamp;
        let account_key = a.margin_account.key();
        {
            let exchange = a.exchange.load()?;
            let account = a.margin_account.load()?;
            let cache = load_health_cache_for_liquidation(
                &a.exchange.key(),
                &exchange,
                &account,
                ctx.remaining_accounts,
                now,
                CachedPrices::Refused,
            )?;
            require_liquidatable(&cache, &account)?;
        }
        let mut account = a.margin_account.load_mut()?;
        let mut market = a.market.load_mut()?;
        let mut book = a.order_book.load_mut()?;
        sample_premium(&mut market, &book, now, None)?;
        for slot in 0..MAX_OPEN_ORDERS {
            let order = account.orders[slot];
            if !order.is_in_use() || order.market_index != market.index {
                continue;
            }
            let Some(resting) = book.remove(order.side(), order.id()) else {
                continue;
            };
            let release = Release {
                slot: slot as u8,
                order_id: resting.order_id,
                side: order.side(),
                price_lots: resting.price_lots,
                base_lots: resting.base_lots,
            };
            release_order(
                &mut account,
                &account_key,
                &market,
                &release,
                Some(OutReason::Liquidation),
            )?;
        }
        account.release_flat_perps();
        Ok(())
    }
}
