//! `update_funding` (permissionless crank): moves the market's cumulative funding index by the
//! premium of the book over the oracle, clamped, pro rata over the time since the last update
//! (at most one interval). The book price is the mid of the best live bid and ask, each clamped
//! into the price band; with either side empty there is no premium. Positions settle funding
//! lazily when next touched.

use crate::error::KeelError;
use crate::events::{emit_event, FundingUpdated};
use crate::math::{Fixed, Rounding, BPS_PER_UNIT};
use crate::instructions::markets::price_band::PriceBand;
use crate::oracle::read_price;
use crate::state::{Exchange, OrderBook, PerpMarket, Side};
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
        let prices = read_price(&ctx.accounts.oracle, &market.oracle_binding()?, quote_decimals, now)?;
        // quote native per base lot
        let oracle = prices.oracle.mul_down(Fixed::from_i64(market.base_lot_size))?;
        let book = ctx.accounts.order_book.load()?;
        let band = PriceBand::new(&market, prices.oracle)?;
        // Each side's best live price, clamped into the band; an empty side means no book price.
        let side_price = |side: Side| -> Result<Option<Fixed>> {
            match book.side(side).iter().rev().find(|o| !o.is_expired(now)) {
                Some(order) => Ok(Some(Fixed::from_i64(market.notional(1, band.clamp_into(order.price_lots))?))),
                None => Ok(None),
            }
        };
        let book_price = match (side_price(Side::Bid)?, side_price(Side::Ask)?) {
            (Some(bid), Some(ask)) => bid.add(ask)?.div(Fixed::from_i64(2), Rounding::Down)?,
            _ => oracle,
        };
        let max_rate = Fixed::from_bps(market.max_funding_bps as u32);
        let rate = book_price
            .sub(oracle)?
            .div(oracle, Rounding::Down)?
            .max(max_rate.neg()?)
            .min(max_rate);
        let interval = market.funding_interval_secs as i64;
        let accrued_secs = elapsed.min(interval);
        let change = rate
            .mul_down(oracle)?
            .mul_down(Fixed::from_i64(accrued_secs))?
            .div(Fixed::from_i64(interval), Rounding::Down)?;
        let index = market.funding_index().add(change)?;
        market.set_funding_index(index);
        market.last_funding_ts = now;
        let rate_bps = rate.mul_down(Fixed::from_i64(BPS_PER_UNIT as i64))?.to_i64(Rounding::Down)?;
        market.last_funding_rate_bps = rate_bps;
        emit_event(&FundingUpdated {
            market_index: market.index,
            book_price: book_price.raw(),
            oracle_price: oracle.raw(),
            rate_bps,
            elapsed_secs: accrued_secs,
            funding_index: index.raw(),
            market_seq: market.next_seq(),
        });
        Ok(())
    }
}
