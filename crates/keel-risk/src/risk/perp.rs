//! Perp positions in the health engine: unrealised PnL, margin requirements and resting orders
//! at their worst side.

use super::types::{HealthKind, PriceQuote};
use crate::math::{mul_i64, Fixed, MathError, Rounding};

/// Margin ratios of a perp market (share of the notional required).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct MarginRatios {
    /// Init margin ratio (> maint).
    pub init: Fixed,
    /// Maint margin ratio.
    pub maint: Fixed,
}

impl MarginRatios {
    /// The ratio for `kind`; LiquidationEnd is the midpoint, rounded up.
    pub fn get(&self, kind: HealthKind) -> Result<Fixed, MathError> {
        match kind {
            HealthKind::Init => Ok(self.init),
            HealthKind::Maint => Ok(self.maint),
            HealthKind::LiquidationEnd => Ok(self.init.add(self.maint)?.half(Rounding::Up)),
        }
    }
}

/// One perp position with its resting orders and everything needed to value it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct PerpRisk {
    /// Index of the market.
    pub market_index: u16,
    /// Base native units per base lot.
    pub base_lot_size: i64,
    /// Position, base lots (positive = long).
    pub base_lots: i64,
    /// Quote paid (negative) or received for the open position, with unsettled funding,
    /// quote native.
    pub quote_native: i64,
    /// Base lots on resting bids.
    pub bids_base_lots: i64,
    /// Quote native the resting bids would pay if filled, every lot at the side's worst price
    /// (the highest bid, and never below the oracle).
    pub bids_quote_native: i64,
    /// Base lots on resting asks.
    pub asks_base_lots: i64,
    /// Quote native the resting asks would receive if filled, every lot at the side's worst
    /// price (the lowest ask, and never above the oracle).
    pub asks_quote_native: i64,
    /// Prices, quote native per base native.
    pub prices: PriceQuote,
    /// Margin ratios.
    pub margin: MarginRatios,
    /// Init weight of positive unrealised PnL (Maint counts it in full; LiquidationEnd at the
    /// midpoint, rounded down).
    pub pnl_init_weight: Fixed,
}

/// What one position adds to a health number, quote native.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct PerpContribution {
    /// Unrealised PnL, positive PnL weighted.
    pub pnl: Fixed,
    /// Margin requirement.
    pub requirement: Fixed,
    /// The position of the scenario (a corner of the resting orders' fills) this is, base lots.
    pub base_lots: i64,
}

impl PerpContribution {
    /// `pnl − requirement`.
    pub fn net(&self) -> Result<Fixed, MathError> {
        self.pnl.sub(self.requirement)
    }
}

impl PerpRisk {
    /// The position's contribution to health `kind`: the worst of the four corners — nothing,
    /// all bids, all asks, or both sides filled. `bids_quote_native` / `asks_quote_native`
    /// must price every resting lot at its side's worst price (see the health check), so the
    /// cash of any partial fill is linear in the lots filled; health is then concave in the
    /// lots filled on each side, and no partial fill of either or both sides is worse than a
    /// corner — including fills already queued on one side while the other side still rests.
    pub fn contribution(&self, kind: HealthKind) -> Result<PerpContribution, MathError> {
        let terms = KindTerms::of(self, kind)?;
        let current = self.scenario(&terms, self.base_lots, self.quote_native)?;
        let (bids, asks) = (self.bids_base_lots > 0, self.asks_base_lots > 0);
        if !bids && !asks {
            // No resting orders: the current position is the only scenario.
            return Ok(current);
        }
        let mut worst = (current.net()?, current);
        // (present, bid lots filled, ask lots filled, quote paid for the bids, received for the asks)
        let corners = [
            (bids, self.bids_base_lots, 0, self.bids_quote_native, 0),
            (asks, 0, self.asks_base_lots, 0, self.asks_quote_native),
            (bids && asks, self.bids_base_lots, self.asks_base_lots, self.bids_quote_native, self.asks_quote_native),
        ];
        for (present, bids, asks, paid, received) in corners {
            if !present {
                continue;
            }
            let base = self.base_lots.checked_add(bids).and_then(|b| b.checked_sub(asks)).ok_or(MathError::Overflow)?;
            let quote = self.quote_native.checked_sub(paid).and_then(|q| q.checked_add(received)).ok_or(MathError::Overflow)?;
            let filled = self.scenario(&terms, base, quote)?;
            let net = filled.net()?;
            if net < worst.0 {
                worst = (net, filled);
            }
        }
        Ok(worst.1)
    }

    /// Unrealised PnL of the current position at the oracle price, unweighted, rounded down.
    pub fn unrealized_pnl(&self) -> Result<Fixed, MathError> {
        self.prices.oracle.mul_int(self.base_native(self.base_lots)?)?.add(Fixed::from_i64(self.quote_native))
    }

    /// The oracle price (quote native per base native) at which Maint health crosses zero if
    /// only this market's price moves, given the account's Maint health now. Uses the position
    /// of the worst Maint scenario; `None` when the position is flat or no positive price
    /// crosses zero (Maint health then has the same sign at every price: the account's Maint
    /// health says which). Rounded so that Maint health at the returned price is ≥ 0 within
    /// |base| + 1 raw units (the requirement's per-unit rate is rounded up at each price, which
    /// this linear model does not follow: at most 10^-18 quote native per base native unit).
    pub fn liquidation_price(&self, maint_health: Fixed) -> Result<Option<Fixed>, MathError> {
        let base_lots = self.contribution(HealthKind::Maint)?.base_lots;
        if base_lots == 0 {
            return Ok(None);
        }
        let base_native = self.base_native(base_lots)?;
        let base = Fixed::from_i64(base_native);
        let ratio = self.margin.get(HealthKind::Maint)?;
        // dHealth/dPrice: a long gains base·(1 − ratio) per unit of price, a short loses |base|·(1 + ratio).
        let slope = base.sub(ratio.mul_int(base_native)?.abs()?)?;
        if slope == Fixed::ZERO {
            return Ok(None);
        }
        let rounding = if slope.is_positive() { Rounding::Down } else { Rounding::Up };
        let shift = maint_health.div(slope, rounding)?;
        let price = self.prices.oracle.sub(shift)?;
        Ok(price.is_positive().then_some(price))
    }

    /// `lots · base_lot_size`, base native.
    fn base_native(&self, lots: i64) -> Result<i64, MathError> {
        mul_i64(lots, self.base_lot_size).ok_or(MathError::Overflow)
    }

    /// Health contribution of holding `base_lots` with `quote`, for the kind of `terms`.
    fn scenario(&self, terms: &KindTerms, base_lots: i64, quote: i64) -> Result<PerpContribution, MathError> {
        let base = self.base_native(base_lots)?;
        // A long is valued like an asset (low Init price), a short like a liability (high).
        // Integer base times a price is exact: no rounding until the weights.
        let price = if base_lots > 0 { terms.asset_price } else { terms.liab_price };
        let pnl = price.mul_int(base)?.add(Fixed::from_i64(quote))?;
        let pnl = if pnl.is_positive() { pnl.mul_down(terms.pnl_weight)? } else { pnl };
        let requirement = terms.requirement_per_base.mul_int(base)?.abs()?;
        Ok(PerpContribution { pnl, requirement, base_lots })
    }

    /// Weight of positive PnL for `kind`.
    fn pnl_weight(&self, kind: HealthKind) -> Result<Fixed, MathError> {
        match kind {
            HealthKind::Init => Ok(self.pnl_init_weight),
            HealthKind::Maint => Ok(Fixed::ONE),
            HealthKind::LiquidationEnd => Ok(self.pnl_init_weight.add(Fixed::ONE)?.half(Rounding::Down)),
        }
    }
}

/// What every scenario of one position and kind shares, computed once per contribution.
struct KindTerms {
    /// The price of a long.
    asset_price: Fixed,
    /// The price of a short.
    liab_price: Fixed,
    /// The weight of positive PnL.
    pnl_weight: Fixed,
    /// Requirement per base native unit held either way: `liab_price · margin`, rounded up
    /// (so `|base| · it` is at least the exact requirement).
    requirement_per_base: Fixed,
}

impl KindTerms {
    /// The terms of `perp` for `kind`.
    fn of(perp: &PerpRisk, kind: HealthKind) -> Result<Self, MathError> {
        let liab_price = perp.prices.liab_price(kind);
        Ok(Self {
            asset_price: perp.prices.asset_price(kind),
            liab_price,
            pnl_weight: perp.pnl_weight(kind)?,
            requirement_per_base: liab_price.mul_up(perp.margin.get(kind)?)?,
        })
    }
}
