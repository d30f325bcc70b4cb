//! Position mechanics of a margin account's perp slots: fills, realised PnL, lazy funding,
//! the margin reserved by resting orders, and the account's open-order slots.

use crate::error::KeelError;
use crate::math::{Fixed, Rounding};
use crate::state::{MarginAccount, OpenOrder, PerpPosition, Side, MAX_OPEN_ORDERS};
use anchor_lang::prelude::*;

impl PerpPosition {
    /// A fresh in-use slot for `market_index`, with funding settled up to the market's
    /// `indices`.
    pub fn open(market_index: u16, indices: MarketIndices) -> Self {
        let mut position: PerpPosition = bytemuck::Zeroable::zeroed();
        position.market_index = market_index;
        position.in_use = 1;
        position.funding_index_snapshot = indices.funding.raw().to_le_bytes();
        position
    }

    /// Funding not yet settled, quote native (what health counts in).
    pub fn pending_settlement(&self, indices: MarketIndices) -> Result<i64> {
        self.pending_funding(indices.funding)
    }

    /// The funding index at the last settlement.
    pub fn funding_snapshot(&self) -> Fixed {
        Fixed::from_raw(i128::from_le_bytes(self.funding_index_snapshot))
    }

    /// Funding owed to (positive) or by (negative) the position since its last settlement,
    /// quote native, rounded down: a payer pays the rounding, a receiver never gets more.
    pub fn pending_funding(&self, funding_index: Fixed) -> Result<i64> {
        funding_credit(self.base_lots, self.funding_snapshot(), funding_index)
    }

    /// Settles funding up to `funding_index`; returns the amount to credit to the quote balance.
    pub fn settle_funding(&mut self, funding_index: Fixed) -> Result<i64> {
        let credit = self.pending_funding(funding_index)?;
        self.funding_index_snapshot = funding_index.raw().to_le_bytes();
        self.cumulative_funding_native = self.cumulative_funding_native.checked_sub(credit).ok_or(KeelError::MathOverflow)?;
        Ok(credit)
    }

    /// Applies a fill of `lots` base lots bought (`Side::Bid`) or sold for `notional` quote
    /// native. Returns the PnL realised by the part that reduced the position, to move into the
    /// quote balance; the open part keeps its cost in `quote_native`. Rounding keeps the larger
    /// share of the cost in the position (realises the smaller gain or larger loss), and moves
    /// exactly what it takes out, so value is conserved to the unit.
    pub fn apply_fill(&mut self, side: Side, lots: i64, notional: i64) -> Result<i64> {
        let old_base = self.base_lots;
        let delta = lots.checked_mul(side.sign()).ok_or(KeelError::MathOverflow)?;
        let new_base = old_base.checked_add(delta).ok_or(KeelError::MathOverflow)?;
        let cash = notional.checked_mul(-side.sign()).ok_or(KeelError::MathOverflow)?;
        let old_quote = self.quote_native;
        let quote = old_quote.checked_add(cash).ok_or(KeelError::MathOverflow)?;
        let reduces = old_base != 0 && (old_base > 0) != (delta > 0);
        let keep = if !reduces {
            quote
        } else if new_base == 0 || (new_base > 0) != (old_base > 0) {
            // Closed, possibly flipped: the new part's cost is its share of this fill.
            div_ceil(-(notional as i128) * (new_base as i128), lots as i128) as i64
        } else {
            // Partly reduced: the remaining part keeps its share of the old cost.
            div_ceil((old_quote as i128) * (new_base as i128), old_base as i128) as i64
        };
        let realised = quote.checked_sub(keep).ok_or(KeelError::MathOverflow)?;
        self.base_lots = new_base;
        self.quote_native = keep;
        self.realized_pnl_native = self.realized_pnl_native.checked_add(realised).ok_or(KeelError::MathOverflow)?;
        Ok(realised)
    }

    /// Reserves margin for a resting order of `lots` at `notional`.
    pub fn reserve(&mut self, side: Side, lots: i64, notional: i64) -> Result<()> {
        let (base, quote) = self.side_totals(side);
        *base = base.checked_add(lots).ok_or(KeelError::MathOverflow)?;
        *quote = quote.checked_add(notional).ok_or(KeelError::MathOverflow)?;
        Ok(())
    }

    /// Releases the reservation of `lots` at `notional` (filled, cancelled or out).
    pub fn release(&mut self, side: Side, lots: i64, notional: i64) -> Result<()> {
        let (base, quote) = self.side_totals(side);
        *base = base.checked_sub(lots).filter(|v| *v >= 0).ok_or(KeelError::MathOverflow)?;
        *quote = quote.checked_sub(notional).filter(|v| *v >= 0).ok_or(KeelError::MathOverflow)?;
        Ok(())
    }

    /// True when nothing is held or reserved: the slot can be released.
    pub fn is_flat(&self) -> bool {
        self.base_lots == 0 && self.quote_native == 0 && self.pnl_owed_native == 0 && self.bids_base_lots == 0 && self.asks_base_lots == 0
    }

    /// Base lots resting on `side`.
    pub fn resting_lots(&self, side: Side) -> i64 {
        match side {
            Side::Bid => self.bids_base_lots,
            Side::Ask => self.asks_base_lots,
        }
    }

    /// The reservation totals of a side.
    fn side_totals(&mut self, side: Side) -> (&mut i64, &mut i64) {
        match side {
            Side::Bid => (&mut self.bids_base_lots, &mut self.bids_quote_native),
            Side::Ask => (&mut self.asks_base_lots, &mut self.asks_quote_native),
        }
    }
}

/// A market's cumulative per-lot indices that positions settle against.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MarketIndices {
    /// Cumulative funding per base lot.
    pub funding: Fixed,
}

/// Funding owed to (positive) or by `base_lots` while the index moved from `from` to `to`,
/// quote native, rounded down: a payer pays the rounding, a receiver never gets more.
pub fn funding_credit(base_lots: i64, from: Fixed, to: Fixed) -> Result<i64> {
    let change = to.sub(from)?;
    Ok(Fixed::from_i64(base_lots).mul_down(change)?.neg()?.to_i64(Rounding::Down)?)
}

/// `a / b` rounded towards positive infinity (`b ≠ 0`).
fn div_ceil(a: i128, b: i128) -> i128 {
    let q = a / b;
    if a % b != 0 && ((a < 0) == (b < 0)) { q + 1 } else { q }
}

impl OpenOrder {
    /// The order's side.
    pub fn side(&self) -> Side {
        Side::from_u8(self.side)
    }

    /// The book's order id.
    pub fn id(&self) -> u64 {
        u128::from_le_bytes(self.order_id) as u64
    }
}

impl MarginAccount {
    /// The in-use perp slots in slot order (the health-account order).
    pub fn active_perps(&self) -> impl Iterator<Item = &PerpPosition> {
        self.perps.iter().filter(|p| p.is_in_use())
    }

    /// The position in a market, if the account holds a slot for it.
    pub fn perp(&self, market_index: u16) -> Option<&PerpPosition> {
        self.active_perps().find(|p| p.market_index == market_index)
    }

    /// The position in a market, mutable.
    pub fn perp_mut(&mut self, market_index: u16) -> Option<&mut PerpPosition> {
        self.perps.iter_mut().find(|p| p.is_in_use() && p.market_index == market_index)
    }

    /// The slot of a market, taking the first free slot when the account has none yet.
    pub fn perp_or_open(&mut self, market_index: u16, indices: MarketIndices) -> Result<&mut PerpPosition> {
        let at = self
            .perps
            .iter()
            .position(|p| p.is_in_use() && p.market_index == market_index)
            .or_else(|| self.perps.iter().position(|p| !p.is_in_use()))
            .ok_or(KeelError::PerpSlotsFull)?;
        let slot = &mut self.perps[at];
        if !slot.is_in_use() {
            *slot = PerpPosition::open(market_index, indices);
        }
        Ok(slot)
    }

    /// Frees perp slots that hold nothing, so health stays linear in what is held.
    pub fn release_flat_perps(&mut self) {
        for slot in self.perps.iter_mut() {
            if slot.is_in_use() && slot.is_flat() {
                *slot = bytemuck::Zeroable::zeroed();
            }
        }
    }

    /// True when any perp slot is in use.
    pub fn has_perps(&self) -> bool {
        self.perps.iter().any(|p| p.is_in_use())
    }

    /// True when any perp slot holds something: a position, owed gains, resting lots (a flat
    /// slot that a settlement by someone else left in use does not count).
    pub fn holds_perps(&self) -> bool {
        self.perps.iter().any(|p| p.is_in_use() && !p.is_flat())
    }

    /// The first free open-order slot.
    pub fn free_order_slot(&self) -> Result<usize> {
        Ok(self.orders.iter().position(|o| !o.is_in_use()).ok_or(KeelError::OrderSlotsFull)?)
    }

    /// The open-order slot `slot` when it holds order `order_id` of `market_index`.
    pub fn order_at(&mut self, slot: u8, market_index: u16, order_id: u64) -> Option<&mut OpenOrder> {
        let order = self.orders.get_mut(slot as usize).filter(|o| o.is_in_use())?;
        (order.market_index == market_index && order.id() == order_id).then_some(order)
    }

    /// Index of the in-use open order matching `pred`.
    pub fn find_order(&self, pred: impl Fn(&OpenOrder) -> bool) -> Option<usize> {
        (0..MAX_OPEN_ORDERS).find(|i| self.orders[*i].is_in_use() && pred(&self.orders[*i]))
    }
}
