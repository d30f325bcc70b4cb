//! `update_funding` (permissionless crank): moves the market's cumulative funding index by the
//! time-weighted premium of the book over the oracle since the last update (see
//! [`funding_premium`](crate::instructions::markets::funding_premium)), clamped, pro rata over
//! that time (at most one interval); a premium is the book's arbitrage value across the oracle
//! per lot of depth ([`book_premium`]).
//! Positions settle funding lazily when next touched.

use crate::error::KeelError;
use crate::events::{emit_event, FundingUpdated};
use crate::math::{Fixed, Rounding, BPS_PER_UNIT};
use crate::instructions::markets::funding_premium::{book_premium, premium_depth, sample_premium, BookPremium};
use crate::oracle::read_price_published;
use crate::state::{Exchange, OrderBook, PerpMarket};
use anchor_lang::prelude::*;

/// Accounts of `update_funding`.
#[derive(Accounts)]
pub struct UpdateFunding<'info> {
    /// The exchange.
    pub exchange: AccountLoader<'info, Exchange>,
    /// The market.
    #[account(mut, has_one = exchange @ KeelError::ExchangeMismatch, has_one = order_book @ KeelError::WrongMarketAccount)]
    pub market: AccountLoader<'info, PerpMarket>,
    /// The market's book.
    pub order_book: AccountLoader<'info, OrderBook>,
    /// The market's oracle.
    /// CHECK: checked against the market's configured oracle by `read_price`.
    pub oracle: UncheckedAccount<'info>,
}

impl UpdateFunding<'_> {
    /// Applies the funding accrued since the last update.
    pub fn handler(ctx: Context<Self>) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let quote_decimals = ctx.accounts.exchange.load()?.quote_decimals;
        let mut market = ctx.accounts.market.load_mut()?;
        let elapsed = now.saturating_sub(market.last_funding_ts);
        crate::check!(elapsed > 0, KeelError::FundingNotDue);
        let prices = read_price_published(&ctx.accounts.oracle, &market.oracle_binding()?, quote_decimals, now)?;
        let book = ctx.accounts.order_book.load()?;
        let sampled = sample_premium(&mut market, &book, now, Some(prices))?;
        // A premium that cannot be computed (a depth so large its products overflow) counts
        // zero, as in a sample: the crank never fails on premium arithmetic.
        let current = match sampled {
            Some(current) => current,
            None => match book_premium(&market, &book, prices.quote.oracle, now) {
                Ok(current) => current,
                Err(_) => BookPremium::flat(&market, prices.quote.oracle)?,
            },
        };
        let max_rate = Fixed::from_bps(market.max_funding_bps as u32);
        // Every second since the last update has been sampled: Σ premium · depth · seconds over
        // the larger of Σ depth · seconds and the depth now times the elapsed time. The first
        // makes the rate the depth-weighted average premium (depth that left before the crank
        // never amplifies it), the second keeps positions opened since a segment was sampled
        // from paying it in full (they dilute it).
        let depth_now = premium_depth(&market).unwrap_or(0).max(1);
        let depth_seconds = market.depth_accumulator().max(Fixed::from_i64(elapsed).mul_int(depth_now)?);
        let rate = market
            .premium_accumulator()
            .div(depth_seconds, Rounding::Down)?
            .max(max_rate.neg()?)
            .min(max_rate);
        let interval = market.funding_interval_secs as i64;
        let accrued_secs = elapsed.min(interval);
        let change = rate
            .mul_down(current.oracle_per_lot)?
            .mul_down(Fixed::from_i64(accrued_secs))?
            .div(Fixed::from_i64(interval), Rounding::Down)?;
        let index = market.funding_index().add(change)?;
        market.set_funding_index(index);
        market.set_premium_accumulator(Fixed::ZERO);
        market.set_depth_accumulator(Fixed::ZERO);
        market.last_funding_ts = now;
        let rate_bps = rate.mul_down(Fixed::from_i64(BPS_PER_UNIT as i64))?.to_i64(Rounding::Down)?;
        market.last_funding_rate_bps = rate_bps;
        emit_event(&FundingUpdated {
            market_index: market.index,
            book_price: current.book_price.raw(),
            oracle_price: current.oracle_per_lot.raw(),
            rate_bps,
            elapsed_secs: accrued_secs,
            funding_index: index.raw(),
            market_seq: market.next_seq(),
        });
        Ok(())
    }
}
