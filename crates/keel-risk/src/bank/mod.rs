//! The bank: how an asset's balances earn and owe interest.
//!
//! Every balance is stored as signed **index units**: a deposit of `u > 0` units is worth
//! `u · deposit_index` native units, a borrow of `u < 0` units owes `|u| · borrow_index`. Interest
//! raises the borrow index by the rate of a kinked utilisation curve, and the deposit index by
//! what borrowers pay less the protocol's share; a loss that nobody else can cover lowers the
//! deposit index. Only the quote asset can be borrowed, so only its indices ever move.
//!
//! Value is kept exactly, in `Fixed` raw units: `units · index` is an integer product, never
//! rounded. A balance shown or paid out in native units rounds in the protocol's favour (a
//! deposit down, a borrow up), and whatever a conversion rounds away is counted as the bank's
//! **dust** — so `Σ deposits · deposit index − Σ borrows · borrow index + dust + the ledgers of
//! the fund and the markets` equals the vault's tokens to the raw unit.

mod accrual;
mod rate;

#[cfg(test)]
mod tests;

pub use accrual::{accrue, socialize, Accrual, Socialization};
pub use rate::{RateCurve, SECONDS_PER_YEAR};

use crate::math::{Fixed, MathError, BPS_PER_UNIT};

/// An asset's two indices, native units per index unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BankIndices {
    /// What one deposit unit is worth.
    pub deposit: Fixed,
    /// What one borrow unit owes.
    pub borrow: Fixed,
}

impl Default for BankIndices {
    fn default() -> Self {
        Self::ONE
    }
}

impl BankIndices {
    /// Both indices at one: a fresh bank, and every asset that cannot be borrowed.
    pub const ONE: BankIndices = BankIndices {
        deposit: Fixed::ONE,
        borrow: Fixed::ONE,
    };

    /// The exact value of `units`: `units · deposit index` or `units · borrow index`.
    pub fn value(&self, units: i64) -> Result<Fixed, MathError> {
        let index = if units >= 0 {
            self.deposit
        } else {
            self.borrow
        };
        // The same exact product as `(units as i128).checked_mul(index.raw())`, in 64-bit limbs.
        index.mul_int(units)
    }

    /// The balance in native units, rounded in the protocol's favour: a deposit down, a
    /// borrow up (more negative).
    pub fn native(&self, units: i64) -> Result<i64, MathError> {
        self.value(units)?.to_i64(crate::math::Rounding::Down)
    }

    /// The units that hold at most `value` (a deposit: rounded down) or owe at least `−value`
    /// (a borrow: rounded up in magnitude).
    pub fn units_for(&self, value: Fixed) -> Result<i64, MathError> {
        let raw = value.raw();
        let units = if raw >= 0 {
            raw / positive(self.deposit)?
        } else {
            let index = positive(self.borrow)?;
            let magnitude = raw.unsigned_abs().div_ceil(index as u128);
            -(i128::try_from(magnitude).map_err(|_| MathError::Overflow)?)
        };
        i64::try_from(units).map_err(|_| MathError::Overflow)
    }

    /// Adds `delta` native units to a balance of `units`. The new units hold the old exact
    /// value plus `delta`, rounded in the protocol's favour; the rounding is returned as dust.
    pub fn change(&self, units: i64, delta: i64) -> Result<BalanceChange, MathError> {
        let before = self.value(units)?;
        let target = before.add(Fixed::from_i64(delta))?;
        let units_after = self.units_for(target)?;
        let after = self.value(units_after)?;
        Ok(BalanceChange {
            units_before: units,
            units_after,
            native_before: before.to_i64(crate::math::Rounding::Down)?,
            native_after: after.to_i64(crate::math::Rounding::Down)?,
            dust: target.sub(after)?,
        })
    }
}

/// One balance changed by [`BankIndices::change`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BalanceChange {
    /// Units before.
    pub units_before: i64,
    /// Units after.
    pub units_after: i64,
    /// Native balance before (protocol-favourable rounding).
    pub native_before: i64,
    /// Native balance after.
    pub native_after: i64,
    /// Value rounded away into the bank's dust (≥ 0).
    pub dust: Fixed,
}

impl BalanceChange {
    /// Change of the deposit units (the positive parts).
    pub fn deposit_units_delta(&self) -> i128 {
        (self.units_after.max(0) as i128) - (self.units_before.max(0) as i128)
    }

    /// Change of the borrow units (the magnitudes of the negative parts).
    pub fn borrow_units_delta(&self) -> i128 {
        (self.units_before.min(0) as i128) - (self.units_after.min(0) as i128)
    }
}

/// Aggregates of a bank: Σ positive units, Σ borrow units (magnitude), and the indices.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BankTotals {
    /// Σ deposit units.
    pub deposit_units: u64,
    /// Σ borrow units (magnitudes).
    pub borrow_units: u64,
    /// The indices.
    pub indices: BankIndices,
}

impl BankTotals {
    /// Σ deposits, native, rounded down.
    pub fn deposits_native(&self) -> Result<u64, MathError> {
        self.indices
            .value(i64::try_from(self.deposit_units).map_err(|_| MathError::Overflow)?)?
            .to_u64(crate::math::Rounding::Down)
    }

    /// Σ borrows, native, rounded up.
    pub fn borrows_native(&self) -> Result<u64, MathError> {
        let units = i64::try_from(self.borrow_units).map_err(|_| MathError::Overflow)?;
        self.indices
            .value(-units)?
            .neg()?
            .to_u64(crate::math::Rounding::Up)
    }

    /// Borrows over deposits (0 with no deposits and no borrows, 1 with borrows and no
    /// deposits), capped at 1.
    pub fn utilization(&self) -> Result<Fixed, MathError> {
        let borrows = Fixed::from_u64(self.borrows_native()?);
        let deposits = Fixed::from_u64(self.deposits_native()?);
        if borrows == Fixed::ZERO {
            return Ok(Fixed::ZERO);
        }
        if deposits <= borrows {
            return Ok(Fixed::ONE);
        }
        borrows.div(deposits, crate::math::Rounding::Up)
    }

    /// What depositors may withdraw in all before utilisation would pass `cap_bps`: deposits −
    /// borrows / cap, native, never negative.
    pub fn withdrawable(&self, cap_bps: u16) -> Result<u64, MathError> {
        if cap_bps == 0 {
            return Ok(0);
        }
        let borrows = self.borrows_native()? as u128;
        let floor = (borrows * BPS_PER_UNIT as u128).div_ceil(cap_bps as u128);
        Ok((self.deposits_native()? as u128).saturating_sub(floor) as u64)
    }
}

/// `index` as a positive raw value (a zero or negative index cannot convert).
fn positive(index: Fixed) -> Result<i128, MathError> {
    if index.raw() > 0 {
        Ok(index.raw())
    } else {
        Err(MathError::DivisionByZero)
    }
}
