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
//! The premium of one book is read from impact prices ([`book_premium`]): only a bid above
//! the oracle or an ask below it, `funding_impact_lots` deep, creates funding — quotes on the
//! wrong side of the oracle, open to anyone — so free quotes away from the oracle on a thin
//! book never pin the rate, however long they stand.
//!
//! A sample prices the segment's book against the oracle at both ends of the segment — the
//! price in force when the segment started (`premium_reference`) and the last valid price now
//! (refreshed by every instruction that reads the market's oracle: `place_order`,
//! `update_funding`, `liquidate_perp`, `settle_pnl`, oracle replacement) — and counts the
//! [`conservative`] of the two, so an oracle move just before a sample (cranked at once by
//! whoever it favours) never reprices a segment the book had quoted honestly. Until a price
//! has been read, and whenever the premium cannot be computed (an empty band at an absurd reference
//! price), a segment counts a zero premium: a cancel never fails on funding arithmetic.

use crate::error::KeelError;
use crate::instructions::markets::price_band::PriceBand;
use crate::math::{Fixed, Rounding};
use crate::state::{OrderBook, PerpMarket, Side};
use anchor_lang::prelude::*;

/// The book against the oracle at one moment, per base lot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BookPremium {
    /// `clamp((impact bid − oracle)⁺ − (oracle − impact ask)⁺) / oracle, ±max_funding)`: zero
    /// while the book's impact prices straddle the oracle or a side lacks the depth.
    pub premium: Fixed,
    /// The impact price that sets the premium — the impact bid above the oracle, the impact
    /// ask below it, otherwise the oracle — quote native per base lot.
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

/// The premium of `book` over `oracle` (quote native per base native) at `now`, from impact
/// prices: a side's impact price is the price at which `funding_impact_lots` would fill
/// against its live orders (best first, only orders that may fill now: unexpired, inside the
/// band and their own fill band), none when it holds less. The premium is the impact bid's
/// excess over the oracle, or minus the oracle's excess over the impact ask, as a ratio of the
/// oracle clamped to the market's maximum funding rate; the two cannot both be positive on an
/// uncrossed book. Moving it takes quotes on the wrong side of the oracle, open to anyone,
/// `funding_impact_lots` deep.
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
    let per_lot = |side: Side| -> Result<Option<Fixed>> {
        match impact_price(market, book, side, &band, oracle, now)? {
            Some(price_lots) => Ok(Some(Fixed::from_i64(market.notional(1, price_lots)?))),
            None => Ok(None),
        }
    };
    let bid = per_lot(Side::Bid)?.filter(|bid| *bid > oracle_per_lot);
    let ask = per_lot(Side::Ask)?.filter(|ask| *ask < oracle_per_lot);
    let book_price = bid.or(ask).unwrap_or(oracle_per_lot);
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

/// The price, quote lots per base lot, of the order at which `market.funding_impact_lots`
/// would have filled against `side` of `book` — walking its orders best first and counting
/// only those that may fill now against `band` (around `oracle`) — or none when the side
/// holds less (and none on a market whose impact size was never set). Bounded by the side's
/// capacity.
fn impact_price(
    market: &PerpMarket,
    book: &OrderBook,
    side: Side,
    band: &PriceBand,
    oracle: Fixed,
    now: i64,
) -> Result<Option<i64>> {
    // A market listed before the parameter existed reads zero: no depth is enough, so it
    // creates no premium until the admin sets one (never a one-lot impact size).
    if market.funding_impact_lots <= 0 {
        return Ok(None);
    }
    let mut left = market.funding_impact_lots;
    for order in book.side(side).iter().rev() {
        if order.is_expired(now) || !band.fills(order, market, oracle)? {
            continue;
        }
        left = left.saturating_sub(order.base_lots);
        if left <= 0 {
            return Ok(Some(order.price_lots));
        }
    }
    Ok(None)
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
