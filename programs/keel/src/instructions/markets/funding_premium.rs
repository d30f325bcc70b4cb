//! The time-weighted funding premium.
//!
//! The book is piecewise constant between book changes, so the market keeps
//! `Σ premium · seconds`: every book change (`place_order` before it matches, `cancel_order`,
//! `liquidation_cancel_orders`) and every `update_funding` first calls [`sample_premium`], which
//! adds the premium of the book *as it stood since the previous sample* times the seconds it
//! stood. Quotes placed and cancelled around a crank in one transaction therefore stood for
//! zero seconds and weigh nothing. `update_funding` applies the average over the time since
//! the last update. `consume_fills` changes no book (fills leave the book when they match), so
//! it needs no sample.
//!
//! A sample prices the segment's book against the oracle at both ends of the segment — the
//! price in force when the segment started (`premium_reference`) and the last valid price now
//! (refreshed by every instruction that reads the market's oracle: `place_order`,
//! `update_funding`, `liquidate_perp`, `settle_pnl`, oracle replacement) — and counts the
//! [`conservative`] of the two, so an oracle move just before a sample (cranked at once by
//! whoever it favours) never reprices a segment the book had quoted honestly. Until a price has been read, and whenever the premium cannot be computed (an empty
//! band at an absurd reference price), a segment counts a zero premium: a cancel never fails
//! on funding arithmetic.

use crate::error::KeelError;
use crate::instructions::markets::price_band::PriceBand;
use crate::math::{Fixed, Rounding};
use crate::state::{OrderBook, PerpMarket, Side};
use anchor_lang::prelude::*;

/// The book against the oracle at one moment, per base lot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BookPremium {
    /// `clamp((book − oracle) / oracle, ±max_funding)`; zero while a side is empty.
    pub premium: Fixed,
    /// Mid of the best live bid and ask, each clamped into the band (the oracle while a side
    /// is empty), quote native per base lot.
    pub book_price: Fixed,
    /// The oracle price, quote native per base lot.
    pub oracle_per_lot: Fixed,
}

/// A segment's premium from its premiums against the oracle at its start and at its end: the
/// smaller in magnitude when both have the same sign, zero when they differ, the one there is
/// when only one is known — so an oracle move at either end of a segment never creates funding
/// that the book did not show against both prices.
pub fn conservative(start: Option<Fixed>, end: Option<Fixed>) -> Fixed {
    match (start, end) {
        (Some(a), Some(b)) if a.is_negative() == b.is_negative() => {
            if a.raw().unsigned_abs() <= b.raw().unsigned_abs() {
                a
            } else {
                b
            }
        }
        (Some(_), Some(_)) => Fixed::ZERO,
        (Some(p), None) | (None, Some(p)) => p,
        (None, None) => Fixed::ZERO,
    }
}

/// The premium of `book` over `oracle` (quote native per base native) at `now`: the mid of
/// each side's best live order clamped into the price band, no premium while a side is empty,
/// the ratio clamped to the market's maximum funding rate.
pub fn book_premium(
    market: &PerpMarket,
    book: &OrderBook,
    oracle: Fixed,
    now: i64,
) -> Result<BookPremium> {
    let oracle_per_lot = oracle.mul_down(Fixed::from_i64(market.base_lot_size))?;
    crate::check!(
        oracle_per_lot.is_positive(),
        KeelError::OracleNonPositivePrice
    );
    let band = PriceBand::new(market, oracle)?;
    let side_price = |side: Side| -> Result<Option<Fixed>> {
        match book.side(side).iter().rev().find(|o| !o.is_expired(now)) {
            Some(order) => Ok(Some(Fixed::from_i64(
                market.notional(1, band.clamp_into(order.price_lots))?,
            ))),
            None => Ok(None),
        }
    };
    let book_price = match (side_price(Side::Bid)?, side_price(Side::Ask)?) {
        (Some(bid), Some(ask)) => bid.add(ask)?.div(Fixed::from_i64(2), Rounding::Down)?,
        _ => oracle_per_lot,
    };
    let max_rate = Fixed::from_bps(market.max_funding_bps as u32);
    let premium = book_price
        .sub(oracle_per_lot)?
        .div(oracle_per_lot, Rounding::Down)?
        .max(max_rate.neg()?)
        .min(max_rate);
    Ok(BookPremium {
        premium,
        book_price,
        oracle_per_lot,
    })
}

/// Adds the premium of `book` as it stood since the previous sample, times the seconds since
/// then, to the market's accumulator; call it before the book changes. `fresh_oracle` is a
/// valid price the caller has just read (recorded as the market's last valid price first).
pub fn sample_premium(
    market: &mut PerpMarket,
    book: &OrderBook,
    now: i64,
    fresh_oracle: Option<Fixed>,
) -> Result<()> {
    if let Some(price) = fresh_oracle {
        market.record_oracle_price(price, now);
    }
    let since = market.last_premium_sample_ts.max(market.last_funding_ts);
    let seconds = now.saturating_sub(since);
    if seconds > 0 {
        let at = |reference: Fixed| -> Option<Fixed> {
            reference
                .is_positive()
                .then(|| book_premium(market, book, reference, now).ok().map(|p| p.premium))
                .flatten()
        };
        let (start, end) = (market.premium_reference(), market.last_oracle_price());
        // Most segments start and end at the same price: one book walk serves both ends.
        let premium = if start == end {
            at(end).unwrap_or(Fixed::ZERO)
        } else {
            conservative(at(start), at(end))
        };
        let accumulated = market
            .premium_accumulator()
            .add(premium.mul_down(Fixed::from_i64(seconds))?)?;
        market.set_premium_accumulator(accumulated);
        market.last_premium_sample_ts = now;
    }
    market.premium_reference = market.last_oracle_price;
    Ok(())
}
