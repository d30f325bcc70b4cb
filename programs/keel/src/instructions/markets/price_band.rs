//! The price band: taker fills and resting prices within a distance of the oracle price.

use crate::error::KeelError;
use crate::math::{Fixed, Rounding};
use crate::state::{BookOrder, PerpMarket, Side};
use anchor_lang::prelude::*;

/// The band around the oracle price, in quote lots per base lot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriceBand {
    /// Lowest price an ask may trade or rest at (rounded up, at least 1).
    pub low: i64,
    /// Highest price a bid may trade or rest at (rounded down).
    pub high: i64,
    /// The oracle price in quote lots per base lot (rounded down), the band's centre.
    pub per_lot: Fixed,
}

impl PriceBand {
    /// The band of `market` around `oracle` (quote native per base native): its
    /// `price_band_bps` on either side; refused when empty.
    pub fn new(market: &PerpMarket, oracle: Fixed) -> Result<Self> {
        let band = Self::around(market, oracle, market.price_band_bps)?;
        crate::check!(band.high >= band.low, KeelError::PriceOutsideBand, "price band is empty at this oracle price");
        Ok(band)
    }

    /// The prices within `bps` of `oracle` (quote native per base native), in quote lots per
    /// base lot: `low = ⌈oracle·(1 − bps)⌉` (at least 1), `high = ⌊oracle·(1 + bps)⌋`. May be
    /// empty (`high < low`) for a narrow band: then no price is inside.
    pub fn around(market: &PerpMarket, oracle: Fixed, bps: u16) -> Result<Self> {
        // quote lots per base lot = oracle · base_lot_size / quote_lot_size
        let per_lot = oracle
            .mul_down(Fixed::from_i64(market.base_lot_size))?
            .div(Fixed::from_i64(market.quote_lot_size), Rounding::Down)?;
        let band = Fixed::from_bps(bps as u32);
        let high = per_lot.mul_down(Fixed::ONE.add(band)?)?.to_i64(Rounding::Down)?;
        let low = per_lot.mul_up(Fixed::ONE.sub(band)?)?.to_i64(Rounding::Up)?.max(1);
        Ok(Self { low, high, per_lot })
    }

    /// The worst price a market order on `side` trades at.
    pub fn edge(&self, side: Side) -> i64 {
        match side {
            Side::Bid => self.high,
            Side::Ask => self.low,
        }
    }

    /// `price` limited to the band for a taker on `side`.
    pub fn clamp(&self, side: Side, price: i64) -> i64 {
        match side {
            Side::Bid => price.min(self.high),
            Side::Ask => price.max(self.low),
        }
    }

    /// True when `price` lies within the band: only such orders may rest, so that resting
    /// orders are liquidity near the oracle (not free far-away quotes that move the funding
    /// book price or fill the queue with evictions).
    pub fn contains(&self, price: i64) -> bool {
        (self.low..=self.high).contains(&price)
    }

    /// `price` clamped into the band.
    pub fn clamp_into(&self, price: i64) -> i64 {
        price.clamp(self.low, self.high)
    }

    /// True when the resting `maker` may fill now, this being the market's band around the
    /// oracle: its price lies inside, and inside its own fill band when it carries one (a
    /// delegate's slippage) — the same prices as [`Self::around`] with the order's band, by
    /// two integer multiplies ([`Fixed::within_bps`]), since every book walk asks it per order.
    pub fn fills(&self, maker: &BookOrder) -> Result<bool> {
        if !self.contains(maker.price_lots) {
            return Ok(false);
        }
        if maker.fill_band_bps == 0 {
            return Ok(true);
        }
        Ok(self.per_lot.within_bps(maker.price_lots, maker.fill_band_bps)?)
    }
}
