//! `cancel_order`: the owner or delegate takes resting orders off the book — one by book id,
//! one by client id, or all of the account's orders in the market. Needs no price, so it works
//! while an oracle is stale and while the market or exchange is paused; given the exchange and
//! the market's oracle as remaining accounts it samples the funding premium against a fresh
//! price (otherwise only the oracle's maximum age after the last price read counts).

use crate::error::KeelError;
use crate::instructions::markets::funding_premium::sample_premium;
use crate::instructions::markets::order_flow::{release_order, Release};
use crate::oracle::{read_price_published, PublishedPrice};
use crate::state::{Exchange, MarginAccount, OrderBook, OutReason, PerpMarket, MAX_OPEN_ORDERS};
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

impl<'info> CancelOrder<'info> {
    /// Removes the targeted orders from the book and releases their reservations.
    pub fn handler(ctx: Context<'info, Self>, target: CancelTarget) -> Result<()> {
        let account_key = ctx.accounts.margin_account.key();
        let mut account = ctx.accounts.margin_account.load_mut()?;
        crate::check!(account.is_owner_or_delegate(&ctx.accounts.signer.key()), KeelError::NotOwnerOrDelegate);
        let mut market = ctx.accounts.market.load_mut()?;
        let mut book = ctx.accounts.order_book.load_mut()?;
        let now = Clock::get()?.unix_timestamp;
        let fresh = fresh_price(ctx.remaining_accounts, &market, now);
        sample_premium(&mut market, &book, now, fresh)?;
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

/// The market's oracle price from the optional remaining accounts `[exchange, oracle]`, when
/// both are the market's and the price passes its guards; otherwise none (a cancel never fails
/// on a price).
fn fresh_price<'info>(remaining: &'info [AccountInfo<'info>], market: &PerpMarket, now: i64) -> Option<PublishedPrice> {
    let [exchange, oracle, ..] = remaining else { return None };
    if *exchange.key != market.exchange {
        return None;
    }
    let exchange = AccountLoader::<Exchange>::try_from(exchange).ok()?;
    let quote_decimals = exchange.load().ok()?.quote_decimals;
    read_price_published(oracle, &market.oracle_binding().ok()?, quote_decimals, now).ok()
}
