//! `cancel_order`: the owner or delegate takes resting orders off the book — one by book id,
//! one by client id, or all of the account's orders in the market. Needs no price, so it works
//! while an oracle is stale and while the market or exchange is paused.

use crate::error::KeelError;
use crate::instructions::markets::funding_premium::sample_premium;
use crate::instructions::markets::order_flow::{release_order, Release};
use crate::state::{MarginAccount, OrderBook, OutReason, PerpMarket, MAX_OPEN_ORDERS};
use anchor_lang::prelude::*;

/// Which orders to cancel.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancelTarget {
    /// The order with this book id.
    OrderId(u64),
    /// The order with this client id.
    ClientOrderId(u64),
    /// Every order of the account in the market.
    All,
}

/// Accounts of `cancel_order`.
#[derive(Accounts)]
pub struct CancelOrder<'info> {
    /// The owner or delegate.
    pub signer: Signer<'info>,
    /// The margin account.
    #[account(mut, constraint = margin_account.load()?.exchange == market.load()?.exchange @ KeelError::ExchangeMismatch)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The market (its funding premium is sampled before the book changes).
    #[account(mut, has_one = order_book @ KeelError::WrongMarketAccount)]
    pub market: AccountLoader<'info, PerpMarket>,
    /// The market's book.
    #[account(mut)]
    pub order_book: AccountLoader<'info, OrderBook>,
}

impl CancelOrder<'_> {
    /// Removes the targeted orders from the book and releases their reservations.
    pub fn handler(ctx: Context<Self>, target: CancelTarget) -> Result<()> {
        let account_key = ctx.accounts.margin_account.key();
        let mut account = ctx.accounts.margin_account.load_mut()?;
        crate::check!(account.is_owner_or_delegate(&ctx.accounts.signer.key()), KeelError::NotOwnerOrDelegate);
        let mut market = ctx.accounts.market.load_mut()?;
        let mut book = ctx.accounts.order_book.load_mut()?;
        sample_premium(&mut market, &book, Clock::get()?.unix_timestamp, None)?;
        let mut cancelled = 0usize;
        for slot in 0..MAX_OPEN_ORDERS {
            let order = account.orders[slot];
            let targeted = order.is_in_use()
                && order.market_index == market.index
                && match target {
                    CancelTarget::OrderId(id) => order.id() == id,
                    CancelTarget::ClientOrderId(id) => order.client_order_id == id,
                    CancelTarget::All => true,
                };
            if !targeted {
                continue;
            }
            // An order whose last lots traded is off the book; its fill is still queued.
            let Some(resting) = book.remove(order.side(), order.id()) else { continue };
            let release = Release {
                slot: slot as u8,
                order_id: resting.order_id,
                side: order.side(),
                price_lots: resting.price_lots,
                base_lots: resting.base_lots,
            };
            release_order(&mut account, &account_key, &market, &release, Some(OutReason::Cancelled))?;
            cancelled += 1;
        }
        crate::check!(
            cancelled > 0 || target == CancelTarget::All,
            KeelError::OrderNotFound,
            "cancel_order: no resting order {:?} in market {}",
            target,
            market.index
        );
        account.release_flat_perps();
        Ok(())
    }
}
