//! A market's PnL pool: the market pays a winner only out of losses already paid into it, so
//! the quote vault never pays out a gain ahead of the loss that backs it.
//!
//! Every realised amount of a position — PnL at a fill or a liquidation, funding at its
//! settlement — goes through [`PerpMarket::book_pnl`]. A loss first cancels the position's own
//! owed gains and the rest is paid into the pool (from the account's quote balance, a borrow if
//! it has to be). A gain is paid out of the pool as far as it holds; the rest is *owed* on the
//! position (`pnl_owed_native`, counted in health as positive PnL) and paid as losses arrive:
//! on any later touch of the position, or by the permissionless `settle_pnl`, which also books
//! an unrealised loss into the pool while gains are owed. Pool and owed gains are exact
//! integers, so `Σ realised = −(pool + booked losses cancelled)` and value is conserved to the
//! unit; `vault − booked bank claims = Σ markets (fees + pool)` plus anything sent to the vault.

use crate::error::KeelError;
use crate::math::{Fixed, Rounding};
use crate::state::{PerpMarket, PerpPosition};
use anchor_lang::prelude::*;

/// What booking one realised amount did, quote native.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PnlBooking {
    /// Moved into the account's quote balance (negative: paid out of it).
    pub to_balance: i64,
    /// Added to (positive) or taken off the position's owed gains.
    pub owed_delta: i64,
}

impl PerpMarket {
    /// Books a realised `amount` (signed) of `position` against the pool (as
    /// [`plan_booking`] plans it); returns what moves into the account's quote balance and what
    /// changed in its owed gains.
    pub fn book_pnl(&mut self, position: &mut PerpPosition, amount: i64) -> Result<PnlBooking> {
        let booking = plan_booking(self.pnl_pool, position.pnl_owed_native, amount)?;
        self.pnl_pool = self
            .pnl_pool
            .checked_sub(booking.to_balance)
            .ok_or(KeelError::MathOverflow)?;
        self.change_owed(position, booking.owed_delta)?;
        Ok(booking)
    }

    /// Pays as much of the position's owed gains as the pool holds; returns the amount.
    pub fn pay_owed(&mut self, position: &mut PerpPosition) -> Result<i64> {
        let paid = position.pnl_owed_native.min(self.pnl_pool).max(0);
        self.pnl_pool -= paid;
        self.change_owed(position, -paid)?;
        Ok(paid)
    }

    /// Gains owed beyond what the pool holds: the most of an unrealised loss `settle_pnl` may
    /// book into the pool (no loser pays interest on a loss nobody is waiting for).
    pub fn pool_shortfall(&self) -> i64 {
        self.pnl_owed.saturating_sub(self.pnl_pool).max(0)
    }

    /// Cancels up to `loss` (> 0) of the position's unrealised loss against its own owed gains:
    /// its cost basis takes that part and its owed gains fall by it (value and health unchanged,
    /// the pool untouched). Returns the amount cancelled.
    pub fn cancel_owed_against_loss(
        &mut self,
        position: &mut PerpPosition,
        loss: i64,
    ) -> Result<i64> {
        let cancelled = loss.min(position.pnl_owed_native).max(0);
        position.quote_native = position
            .quote_native
            .checked_add(cancelled)
            .ok_or(KeelError::MathOverflow)?;
        self.change_owed(position, -cancelled)?;
        Ok(cancelled)
    }

    /// A position's unrealised PnL at `price` (quote native per base native): its base at that
    /// price plus its cost basis, quote native rounded down (owed gains not included).
    pub fn unrealised_pnl(&self, position: &PerpPosition, price: Fixed) -> Result<i64> {
        let base_native = position
            .base_lots
            .checked_mul(self.base_lot_size)
            .ok_or(KeelError::MathOverflow)?;
        let value = Fixed::from_i64(base_native)
            .mul_down(price)?
            .to_i64(Rounding::Down)?;
        Ok(value
            .checked_add(position.quote_native)
            .ok_or(KeelError::MathOverflow)?)
    }

    /// Books an unrealised loss of `loss` (> 0) of `position` into the pool: its cost basis
    /// takes the loss (`quote_native` rises by it) and the account pays it. Returns the amount
    /// to take from the quote balance.
    pub fn book_unrealised_loss(&mut self, position: &mut PerpPosition, loss: i64) -> Result<i64> {
        position.quote_native = position
            .quote_native
            .checked_add(loss)
            .ok_or(KeelError::MathOverflow)?;
        self.pnl_pool = self
            .pnl_pool
            .checked_add(loss)
            .ok_or(KeelError::MathOverflow)?;
        Ok(-loss)
    }

    fn change_owed(&mut self, position: &mut PerpPosition, delta: i64) -> Result<()> {
        position.pnl_owed_native = position
            .pnl_owed_native
            .checked_add(delta)
            .ok_or(KeelError::MathOverflow)?;
        self.pnl_owed = self
            .pnl_owed
            .checked_add(delta)
            .ok_or(KeelError::MathOverflow)?;
        Ok(())
    }
}

/// What booking a realised `amount` does for a position owed `owed` by a pool holding `pool`:
/// a loss first cancels the owed gains and the rest is paid into the pool; a gain is paid out
/// of the pool as far as it holds and the rest is owed. The pool changes by `−to_balance`.
pub fn plan_booking(pool: i64, owed: i64, amount: i64) -> Result<PnlBooking> {
    if amount <= 0 {
        let loss = amount.checked_neg().ok_or(KeelError::MathOverflow)?;
        let cancelled = loss.min(owed.max(0));
        Ok(PnlBooking {
            to_balance: cancelled - loss,
            owed_delta: -cancelled,
        })
    } else {
        let paid = amount.min(pool.max(0));
        Ok(PnlBooking {
            to_balance: paid,
            owed_delta: amount - paid,
        })
    }
}
