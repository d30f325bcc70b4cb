//! The time-weighted funding premium.
//!
//! The book is piecewise constant between book changes, so the market keeps
//! `Σ premium · depth · seconds`: every book change (`place_order` before it matches,
//! `cancel_order`, `liquidation_cancel_orders`) and every `update_funding` first calls
//! [`sample_premium`], which adds the premium of the book *as it stood since the previous
//! sample*, times the depth it was read over, times the seconds it stood. Quotes placed and
//! cancelled around a crank in one transaction therefore stood for zero seconds and weigh
//! nothing. Every sample also adds the depth times all the seconds since the previous one to
//! `Σ depth · seconds`, and `update_funding` divides the premium by the larger of that and the
//! depth at the crank times the elapsed time: the rate is the depth-weighted average premium of
//! the segments (open interest washed in after a crank and out before the next one weighs its
//! segments and is divided by, so it never amplifies the rate on the positions left), and
//! never more than the segments' premium spread over the open interest at the crank (open
//! interest that arrives after a segment dilutes it instead of paying it as if it had been part
//! of that segment's depth). `consume_fills` changes no book (fills
//! leave the book when they match), so it needs no sample.
//!
//! The premium of one book is its arbitrage value across the oracle per lot of depth
//! ([`book_premium`]): only bids above the oracle or asks below it by more than the taker fee
//! — quotes anyone may trade against at a profit — count, each for the lots it offers, over a
//! depth of the open interest (at least `funding_impact_lots`). An interval of funding
//! therefore never moves more than one sweep of those quotes would pay their taker, however
//! large the open interest, and free quotes near or away from the oracle never pin the rate.
//!
//! A sample prices the segment's book against the oracle at both ends of the segment — the
//! price in force when the segment started (`premium_reference`) and the last valid price now
//! (refreshed by every instruction that reads the market's oracle: `place_order`,
//! `update_funding`, `liquidate_perp`, `settle_pnl`, oracle replacement) — and counts the
//! [`conservative`] of the two, so an oracle move just before a sample (cranked at once by
//! whoever it favours) never reprices a segment the book had quoted honestly. A sample that
//! reads no price (a cancel) counts only the seconds within the oracle's maximum age of the
//! last price's publish time (not the time it was read: a price read at the end of its own
//! maximum age never stands for another maximum age). Until a price has been read, and whenever the premium cannot be computed
//! (an empty band at an absurd reference price), a segment counts a zero premium: a cancel
//! never fails on funding arithmetic. Known limit: between two prices read, the oracle is
//! unseen — an excursion away and back inside one segment is priced at the two ends.

use crate::error::KeelError;
use crate::instructions::markets::price_band::PriceBand;
use crate::math::{Fixed, Rounding, BPS_PER_UNIT};
use crate::oracle::PublishedPrice;
use crate::state::{OrderBook, PerpMarket, Side};
use anchor_lang::prelude::*;

/// The book against the oracle at one moment, per base lot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BookPremium {
    /// The depth premium ([`book_premium`]), clamped to `±max_funding`: zero while no live
    /// order stands beyond the oracle by more than the taker fee.
    pub premium: Fixed,
    /// The price the premium stands for, `oracle · (1 + premium)`, quote native per base lot.
    pub book_price: Fixed,
    /// The oracle price, quote native per base lot.
    pub oracle_per_lot: Fixed,
}

impl BookPremium {
    /// No premium at `oracle` (quote native per base native): the book at the oracle.
    pub fn flat(market: &PerpMarket, oracle: Fixed) -> Result<BookPremium> {
        let oracle_per_lot = oracle.mul_down(Fixed::from_i64(market.base_lot_size))?;
        crate::check!(oracle_per_lot.is_positive(), KeelError::OracleNonPositivePrice);
        Ok(BookPremium { premium: Fixed::ZERO, book_price: oracle_per_lot, oracle_per_lot })
    }
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

/// The premium of `book` over `oracle` (quote native per base native) at `now`: the book's
/// *arbitrage value* across the oracle, per lot of depth. A bid at `b` is worth
/// `(b · (1 − taker fee) − oracle)⁺` per lot to whoever sells into it, an ask at `a`
/// `(oracle − a · (1 + taker fee))⁺` to whoever buys it; walking each side best first over its live, fillable
/// orders (unexpired, inside the band and their own fill band: [`PriceBand::fills`]) down to
/// `depth = max(funding_impact_lots, open interest)` lots,
///
/// `premium = clamp((Σ bid value − Σ ask value) / (depth · oracle), ±max_funding)`.
///
/// So one funding interval at this premium moves at most `open interest · premium · oracle ≤
/// Σ value` from one side to the other: what the standing orders offer any taker — the payers
/// first, who may close into them at any open interest — once. Quotes within the taker fee of
/// the oracle, or on the near side of it, are worth nothing and create no funding; open interest
/// can dilute the premium, never amplify it.
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
    let premium = match premium_depth(market) {
        Some(depth) => {
            let bids = arbitrage_value(market, book, Side::Bid, &band, depth, now)?;
            let asks = arbitrage_value(market, book, Side::Ask, &band, depth, now)?;
            let max_rate = Fixed::from_bps(market.max_funding_bps as u32);
            let scale = band.per_lot.mul_int(depth)?.mul_int(BPS_PER_UNIT as i64)?;
            bids.sub(asks)?
                .div(scale, Rounding::Down)?
                .max(max_rate.neg()?)
                .min(max_rate)
        }
        None => Fixed::ZERO,
    };
    Ok(BookPremium {
        premium,
        book_price: oracle_per_lot.add(oracle_per_lot.mul_down(premium)?)?,
        oracle_per_lot,
    })
}

/// The lots of depth a premium is read over and a crank divides by: the worst-case open
/// interest (queued maker fills counted, they owe funding from their match), at least
/// `funding_impact_lots`; none on a market whose impact size was never set (listed before the
/// parameter existed: it reads zero), which then creates no premium until the admin sets one.
pub fn premium_depth(market: &PerpMarket) -> Option<i64> {
    (market.funding_impact_lots > 0).then(|| market.funding_impact_lots.max(market.worst_open_interest()))
}

/// `Σ lots · (price · (1 − taker fee) − oracle)⁺ · 10 000` over the bids — what selling into
/// each would net a taker after its fee — and `Σ lots · (oracle − price · (1 + taker fee))⁺ ·
/// 10 000` over the asks, in quote lots (scaled by 10 000 so each term is an integer product,
/// exact), over the first `depth` lots of `side`'s live, fillable orders, best first; the walk
/// ends at the first order worth nothing (every later one is worth less). Bounded by the side's
/// capacity; three integer multiplies per order.
fn arbitrage_value(
    market: &PerpMarket,
    book: &OrderBook,
    side: Side,
    band: &PriceBand,
    depth: i64,
    now: i64,
) -> Result<Fixed> {
    let bps = BPS_PER_UNIT as i64;
    let fee = market.taker_fee_bps as i64;
    let oracle = band.per_lot.mul_int(bps)?;
    let mut left = depth;
    let mut value = Fixed::ZERO;
    for order in book.side(side).iter().rev() {
        if order.is_expired(now) || !band.fills(order)? {
            continue;
        }
        let price = Fixed::from_i64(order.price_lots);
        let excess = match side {
            Side::Bid => price.mul_int(bps - fee)?.sub(oracle)?,
            Side::Ask => oracle.sub(price.mul_int(bps + fee)?)?,
        };
        if !excess.is_positive() {
            break;
        }
        let lots = order.base_lots.min(left);
        value = value.add(excess.mul_int(lots)?)?;
        left -= lots;
        if left == 0 {
            break;
        }
    }
    Ok(value)
}

/// Adds the premium of `book` as it stood since the previous sample, times the depth it was
/// read over and the seconds since then, to the market's accumulator; call it before the book changes. `fresh_oracle` is a
/// valid price the caller has just read (recorded as the market's last valid price first).
/// Without one (a cancel), only the seconds within `oracle_max_age_secs` of the last price's
/// publish time count: the rest of the segment had no known oracle and counts a zero premium, so a
/// book the oracle has since left behind is never priced against a stale price. Returns the
/// book's premium against the last valid price when it was computed.
pub fn sample_premium(
    market: &mut PerpMarket,
    book: &OrderBook,
    now: i64,
    fresh_oracle: Option<PublishedPrice>,
) -> Result<Option<BookPremium>> {
    if let Some(price) = fresh_oracle {
        market.record_oracle_price(price.quote.oracle, price.published);
    }
    let since = market.last_premium_sample_ts.max(market.last_funding_ts);
    let elapsed = now.saturating_sub(since);
    let mut seconds = elapsed;
    if fresh_oracle.is_none() {
        let known_until = market
            .last_oracle_ts
            .saturating_add(market.oracle_max_age_secs as i64);
        seconds = seconds.min(known_until.saturating_sub(since).max(0));
    }
    let depth = premium_depth(market).unwrap_or(0);
    let mut current = None;
    if seconds > 0 {
        let at = |reference: Fixed| -> Option<BookPremium> {
            reference
                .is_positive()
                .then(|| book_premium(market, book, reference, now).ok())
                .flatten()
        };
        let (start, end) = (market.premium_reference(), market.last_oracle_price());
        current = at(end);
        // Most segments start and end at the same price: one book walk serves both ends.
        let premium = if start == end {
            current.map_or(Fixed::ZERO, |p| p.premium)
        } else {
            conservative(at(start).map(|p| p.premium), current.map(|p| p.premium))
        };
        // Weighted by the depth it was read over: the crank divides by its own depth, so open
        // interest that arrives after a segment never pays that segment's premium as if it had
        // been part of the depth (each position pays at most one sweep, whenever it opened).
        let accumulated = market
            .premium_accumulator()
            .add(premium.mul_int(depth)?.mul_int(seconds)?)?;
        market.set_premium_accumulator(accumulated);
    }
    // Every second counts toward the depth, those without a known price too (they count a zero
    // premium): the crank's rate is the depth-weighted average of the segments' premiums.
    if elapsed > 0 {
        let depth_seconds = market.depth_accumulator().add(Fixed::from_i64(depth).mul_int(elapsed)?)?;
        market.set_depth_accumulator(depth_seconds);
    }
    market.last_premium_sample_ts = now;
    market.premium_reference = market.last_oracle_price;
    Ok(current)
}
