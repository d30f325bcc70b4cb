//! The kinked utilisation curve that prices borrowing.

use crate::math::{Fixed, MathError, Rounding};

/// Seconds in the 365-day year that annual rates are quoted over.
pub const SECONDS_PER_YEAR: i64 = 31_536_000;

/// Annual borrow rate as a function of utilisation `u`: linear from `base` at `u = 0` to
/// `optimal` at `u = optimal_utilization` (the kink), then linear to `max` at `u = 1`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RateCurve {
    /// Rate at zero utilisation, bps per year.
    pub base_rate_bps: u16,
    /// The kink's utilisation, bps.
    pub optimal_utilization_bps: u16,
    /// Rate at the kink, bps per year.
    pub optimal_rate_bps: u16,
    /// Rate at full utilisation, bps per year.
    pub max_rate_bps: u16,
}

impl RateCurve {
    /// The annual borrow rate at `utilization` (a fraction in [0, 1]), rounded up.
    pub fn borrow_rate(&self, utilization: Fixed) -> Result<Fixed, MathError> {
        let u = utilization.max(Fixed::ZERO).min(Fixed::ONE);
        let kink = Fixed::from_bps(self.optimal_utilization_bps as u32);
        let (from, to, start, width) = if u <= kink {
            (self.base_rate_bps, self.optimal_rate_bps, Fixed::ZERO, kink)
        } else {
            (
                self.optimal_rate_bps,
                self.max_rate_bps,
                kink,
                Fixed::ONE.sub(kink)?,
            )
        };
        let from = Fixed::from_bps(from as u32);
        let to = Fixed::from_bps(to as u32);
        if width == Fixed::ZERO {
            return Ok(to);
        }
        let slope = to.sub(from)?.div(width, Rounding::Up)?;
        from.add(slope.mul_up(u.sub(start)?)?)
    }
}
