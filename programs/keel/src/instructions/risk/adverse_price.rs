//! A liquidation's valuation of a perp position whose market oracle fails its guards.

use crate::error::KeelError;
use crate::instructions::risk::perp_risk;
use crate::math::Fixed;
use crate::risk::{HealthKind, PerpRisk, PriceQuote};
use crate::state::{MarginAccount, PerpMarket, PerpPosition};
use anchor_lang::prelude::*;

/// The position of a market whose oracle failed with `failure`, valued against the account:
/// at whichever edge of the market's price band around its last valid oracle price,
/// `last · (1 − band)` (rounded down) or `last · (1 + band)` (rounded up), gives the lower
/// Maint contribution — a long at the low edge, a short at the high one. A position's health is
/// monotonic in the price, so this is its worst value anywhere in the band, requirement
/// included. A market that has never had a valid price read fails with `failure`.
pub fn adverse_perp_risk(
    account: &MarginAccount,
    position: &PerpPosition,
    market: &PerpMarket,
    failure: KeelError,
) -> Result<PerpRisk> {
    let last = market.last_oracle_price();
    crate::check!(
        last.is_positive(),
        failure,
        "liquidation: market {} has no valid oracle price to value its position against",
        market.index
    );
    let band = Fixed::from_bps(market.price_band_bps as u32);
    let low = last.mul_down(Fixed::ONE.sub(band)?)?;
    let high = last.mul_up(Fixed::ONE.add(band)?)?;
    let at = |price: Fixed| {
        perp_risk(
            account,
            position,
            market,
            PriceQuote {
                oracle: price,
                init_asset: price,
                init_liab: price,
            },
        )
    };
    let (at_low, at_high) = (at(low)?, at(high)?);
    let maint =
        |risk: &PerpRisk| -> Result<Fixed> { Ok(risk.contribution(HealthKind::Maint)?.net()?) };
    let adverse = if maint(&at_low)? <= maint(&at_high)? {
        at_low
    } else {
        at_high
    };
    crate::keel_log!(
        "liquidation: market {} oracle failed ({:?}); position valued at {} (last valid price {} at {})",
        market.index,
        failure,
        adverse.prices.oracle,
        last,
        market.last_oracle_ts
    );
    Ok(adverse)
}
