//! Interest accrual and loss socialisation over a bank's totals, exact to the raw unit.

use super::rate::RateCurve;
use super::{BankIndices, BankTotals, SECONDS_PER_YEAR};
use crate::math::{Fixed, MathError, Rounding, BPS_PER_UNIT};

/// The smallest deposit index a socialised loss may leave (0.001): below it one native unit
/// would need more units than a balance can hold.
pub const MIN_DEPOSIT_INDEX: Fixed = Fixed::from_raw(1_000_000_000_000_000);

/// What one accrual did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Accrual {
    /// The indices after it.
    pub indices: BankIndices,
    /// Interest the borrowers now owe in all, exact.
    pub interest: Fixed,
    /// The protocol's share, native units, for the insurance fund's claim.
    pub protocol_native: u64,
    /// What neither depositors nor the protocol received (rounding), exact, ≥ 0.
    pub dust: Fixed,
    /// Utilisation the rate was read at.
    pub utilization: Fixed,
    /// Annual borrow rate.
    pub borrow_rate: Fixed,
    /// Annual deposit rate: what depositors earn, `borrow rate · utilisation · (1 − share)`.
    pub deposit_rate: Fixed,
}

/// Accrues `elapsed_secs` of interest at the curve's rate for the bank's utilisation: the
/// borrow index grows by `rate · elapsed / year` (rounded up), borrowers' new debt is split into
/// the protocol's share (native, rounded down) and the depositors' (the deposit index rises by
/// it per unit, rounded down); the remainder is dust. Exact: `interest = Δdeposit value +
/// protocol + dust`.
pub fn accrue(
    totals: &BankTotals,
    curve: &RateCurve,
    protocol_share_bps: u16,
    elapsed_secs: i64,
) -> Result<Accrual, MathError> {
    let utilization = totals.utilization()?;
    let borrow_rate = curve.borrow_rate(utilization)?;
    let keep = Fixed::from_bps(BPS_PER_UNIT - (protocol_share_bps as u32).min(BPS_PER_UNIT));
    let deposit_rate = borrow_rate.mul_down(utilization)?.mul_down(keep)?;
    let mut accrual = Accrual {
        indices: totals.indices,
        interest: Fixed::ZERO,
        protocol_native: 0,
        dust: Fixed::ZERO,
        utilization,
        borrow_rate,
        deposit_rate,
    };
    if elapsed_secs <= 0 || totals.borrow_units == 0 {
        return Ok(accrual);
    }
    let growth = borrow_rate
        .mul_up(Fixed::from_i64(elapsed_secs))?
        .div(Fixed::from_i64(SECONDS_PER_YEAR), Rounding::Up)?;
    let borrow = totals
        .indices
        .borrow
        .add(totals.indices.borrow.mul_up(growth)?)?;
    let interest = times(totals.borrow_units, borrow.sub(totals.indices.borrow)?)?;
    let share = interest.mul_down(Fixed::from_bps(protocol_share_bps as u32))?;
    let protocol_native = share.to_u64(Rounding::Down)?;
    let to_depositors = interest.sub(Fixed::from_u64(protocol_native))?;
    let per_unit = if totals.deposit_units == 0 {
        0
    } else {
        to_depositors.raw() / totals.deposit_units as i128
    };
    let deposit = totals.indices.deposit.add(Fixed::from_raw(per_unit))?;
    let distributed = times(totals.deposit_units, Fixed::from_raw(per_unit))?;
    accrual.indices = BankIndices { deposit, borrow };
    accrual.interest = interest;
    accrual.protocol_native = protocol_native;
    accrual.dust = to_depositors.sub(distributed)?;
    Ok(accrual)
}

/// What one socialisation did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Socialization {
    /// The indices after it.
    pub indices: BankIndices,
    /// Value taken from depositors, exact (≥ the loss socialised, by the rounding).
    pub removed: Fixed,
    /// What the rounding took beyond the loss, exact, ≥ 0: the bank's dust.
    pub dust: Fixed,
    /// Loss that depositors could not absorb (the deposit index would fall below
    /// [`MIN_DEPOSIT_INDEX`]), native, rounded up.
    pub unsocialized: u64,
}

/// Spreads `loss` (native) over every deposit unit by lowering the deposit index by
/// `loss / deposit units`, rounded up, but never below [`MIN_DEPOSIT_INDEX`].
pub fn socialize(totals: &BankTotals, loss: u64) -> Result<Socialization, MathError> {
    let indices = totals.indices;
    let loss_value = Fixed::from_u64(loss);
    let room = indices.deposit.sub(MIN_DEPOSIT_INDEX)?.max(Fixed::ZERO);
    if totals.deposit_units == 0 || loss == 0 {
        return Ok(Socialization {
            indices,
            removed: Fixed::ZERO,
            dust: Fixed::ZERO,
            unsocialized: loss,
        });
    }
    let units = totals.deposit_units as i128;
    let wanted = (loss_value.raw() as u128).div_ceil(units as u128) as i128;
    let per_unit = Fixed::from_raw(wanted).min(room);
    let removed = times(totals.deposit_units, per_unit)?;
    let (dust, unsocialized) = if removed >= loss_value {
        (removed.sub(loss_value)?, 0)
    } else {
        // The unsocialised part is rounded up, so what is booked as lost covers the loss.
        let missing = loss_value.sub(removed)?.to_u64(Rounding::Up)?;
        (
            removed.add(Fixed::from_u64(missing))?.sub(loss_value)?,
            missing,
        )
    };
    let indices = BankIndices {
        deposit: indices.deposit.sub(per_unit)?,
        borrow: indices.borrow,
    };
    Ok(Socialization {
        indices,
        removed,
        dust,
        unsocialized,
    })
}

/// `units · index`, exactly.
fn times(units: u64, index: Fixed) -> Result<Fixed, MathError> {
    (units as i128)
        .checked_mul(index.raw())
        .map(Fixed::from_raw)
        .ok_or(MathError::Overflow)
}
