//! [`Fixed`]: signed decimal fixed point, 18 fractional digits, checked and rounding-aware.

use super::limbs::{div_scale, join, mul_128_64, mul_64, split};
use super::wide::{div_scaled, mul_scaled};
use super::{MathError, Rounding, BPS_PER_UNIT};
use core::fmt;

/// Number of decimal fractional digits of [`Fixed`].
pub const FIXED_DECIMALS: u32 = 18;
/// Raw units in one whole [`Fixed`].
pub const FIXED_SCALE: i128 = 1_000_000_000_000_000_000;

/// A signed decimal fixed-point number: `raw / 10^18`.
///
/// Range ±1.7·10^20 whole units, which bounds any single value at 1.7·10^20 quote native
/// units (1.7·10^14 USD for a 6-decimal stablecoin); anything larger is a `MathError::Overflow`.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fixed(i128);

impl Fixed {
    /// Zero.
    pub const ZERO: Fixed = Fixed(0);
    /// One.
    pub const ONE: Fixed = Fixed(FIXED_SCALE);

    /// From the raw representation (`raw / 10^18`).
    pub const fn from_raw(raw: i128) -> Fixed {
        Fixed(raw)
    }

    /// The raw representation (`value · 10^18`).
    pub const fn raw(self) -> i128 {
        self.0
    }

    /// An integer, exactly. Cannot overflow: |i64| · 10^18 < 2^63 · 2^60 = 2^123.
    #[inline(always)]
    pub const fn from_i64(value: i64) -> Fixed {
        // One 64-bit product in limbs (a 128-bit multiply is a software helper on sBPF).
        let magnitude = Fixed::from_u64(value.unsigned_abs()).0;
        // |magnitude| < 2^123: negating it cannot wrap.
        Fixed(if value < 0 { magnitude.wrapping_neg() } else { magnitude })
    }

    /// An unsigned integer, exactly. Cannot overflow: u64::MAX · 10^18 < 2^64 · 2^60 = 2^124.
    #[inline(always)]
    pub const fn from_u64(value: u64) -> Fixed {
        let (high, low) = mul_64(value, FIXED_SCALE as u64);
        // Below 2^124, so positive as an i128.
        Fixed(join(high, low) as i128)
    }

    /// Basis points (10_000 = 1.0), exactly.
    pub const fn from_bps(bps: u32) -> Fixed {
        Fixed(bps as i128 * (FIXED_SCALE / BPS_PER_UNIT as i128))
    }

    /// `mantissa · 10^exponent`, rounded as asked; `exponent` within ±38.
    pub fn from_scientific(mantissa: i64, exponent: i32, rounding: Rounding) -> Result<Fixed, MathError> {
        let shift = exponent
            .checked_add(FIXED_DECIMALS as i32)
            .ok_or(MathError::Overflow)?;
        let m = mantissa as i128;
        if shift >= 0 {
            let factor = pow10(shift as u32)?;
            return m.checked_mul(factor).map(Fixed).ok_or(MathError::Overflow);
        }
        let divisor = pow10(shift.unsigned_abs())?;
        Ok(Fixed(div_rounded(m, divisor, rounding)))
    }

    /// `self + rhs`.
    pub fn add(self, rhs: Fixed) -> Result<Fixed, MathError> {
        self.0.checked_add(rhs.0).map(Fixed).ok_or(MathError::Overflow)
    }

    /// `self − rhs`.
    pub fn sub(self, rhs: Fixed) -> Result<Fixed, MathError> {
        self.0.checked_sub(rhs.0).map(Fixed).ok_or(MathError::Overflow)
    }

    /// `−self`.
    pub fn neg(self) -> Result<Fixed, MathError> {
        self.0.checked_neg().map(Fixed).ok_or(MathError::Overflow)
    }

    /// `self · rhs`, rounded as asked.
    // Six argument registers (two per 128-bit operand, one for the result pointer): inlined, as
    // SBPF v0 passes at most five in registers (see bench/sbpf-meter).
    #[inline(always)]
    pub fn mul(self, rhs: Fixed, rounding: Rounding) -> Result<Fixed, MathError> {
        // A factor of one (the quote asset's price and weights, Maint's PnL weight) is exact.
        if rhs.0 == FIXED_SCALE {
            return Ok(self);
        }
        if self.0 == FIXED_SCALE {
            return Ok(rhs);
        }
        let negative = (self.0 < 0) != (rhs.0 < 0);
        let magnitude = mul_scaled(self.0.unsigned_abs(), rhs.0.unsigned_abs(), magnitude_rounding(negative, rounding))?;
        signed(magnitude, negative)
    }

    /// `self / rhs`, rounded as asked.
    // Six argument registers (two per 128-bit operand, one for the result pointer): inlined, as
    // SBPF v0 passes at most five in registers (see bench/sbpf-meter).
    #[inline(always)]
    pub fn div(self, rhs: Fixed, rounding: Rounding) -> Result<Fixed, MathError> {
        let negative = (self.0 < 0) != (rhs.0 < 0);
        let magnitude = div_scaled(self.0.unsigned_abs(), rhs.0.unsigned_abs(), magnitude_rounding(negative, rounding))?;
        signed(magnitude, negative)
    }

    /// `self · n` for an integer `n`, exactly (no rounding is ever needed): the same result as
    /// `self.mul(Fixed::from_i64(n), _)` in either rounding, without the divisions by the scale
    /// that a `Fixed` product takes: two 64-bit limb products.
    #[inline(always)]
    pub fn mul_int(self, n: i64) -> Result<Fixed, MathError> {
        let negative = (self.0 < 0) != (n < 0);
        // The full product in 64-bit limbs; it fits when its top limb is zero.
        let [low, high, top] = mul_128_64(self.0.unsigned_abs(), n.unsigned_abs());
        if top != 0 {
            return Err(MathError::Overflow);
        }
        signed(join(high, low), negative)
    }

    /// True when the integer `value` lies within `bps` basis points of `self`, bounds
    /// included: `|value − self| · 10 000 ≤ self · bps`, exactly. The same answer as rounding
    /// `self · (1 ± bps)` outwards to integers and comparing, by two integer multiplies instead
    /// of `Fixed` products (what a resting order's own fill band asks on every book walk).
    /// An overflow only when both sides exceed the raw range.
    pub fn within_bps(self, value: i64, bps: u16) -> Result<bool, MathError> {
        let distance = Fixed::from_i64(value).sub(self)?.abs()?;
        let allowed = self.abs()?.mul_int(bps as i64);
        match (distance.mul_int(BPS_PER_UNIT as i64), allowed) {
            (Ok(distance), Ok(allowed)) => Ok(distance <= allowed),
            // One side beyond 1.7·10^38 raw: it is the larger.
            (Err(_), Ok(_)) => Ok(false),
            (Ok(_), Err(_)) => Ok(true),
            (Err(e), Err(_)) => Err(e),
        }
    }

    /// `|self|` (an overflow only for the most negative raw value).
    pub fn abs(self) -> Result<Fixed, MathError> {
        self.0.checked_abs().map(Fixed).ok_or(MathError::Overflow)
    }

    /// `self / 2`, rounded as asked: the same result as `self.div(Fixed::from_i64(2), _)`,
    /// by a shift.
    pub fn half(self, rounding: Rounding) -> Fixed {
        // An arithmetic shift rounds towards −∞; the dropped bit says whether it was inexact.
        let down = self.0 >> 1;
        Fixed(match rounding {
            Rounding::Down => down,
            Rounding::Up => down + (self.0 & 1),
        })
    }

    /// `self · rhs` rounded down.
    pub fn mul_down(self, rhs: Fixed) -> Result<Fixed, MathError> {
        self.mul(rhs, Rounding::Down)
    }

    /// `self · rhs` rounded up.
    pub fn mul_up(self, rhs: Fixed) -> Result<Fixed, MathError> {
        self.mul(rhs, Rounding::Up)
    }

    /// The integer part, rounded as asked.
    pub fn to_int(self, rounding: Rounding) -> i128 {
        // The magnitude divided by the scale in limbs; the quotient is at most 2^127 / 10^18.
        let negative = self.0 < 0;
        let (high, low) = split(self.0.unsigned_abs());
        let (quotient, inexact) = div_scale([low, high]);
        // A two-limb dividend always fits: the `None` arm never runs.
        let quotient = quotient.unwrap_or(0) as i128;
        let away = inexact && (magnitude_rounding(negative, rounding) == Rounding::Up);
        // quotient + 1 < 2^68: neither the increment nor the negation can wrap.
        let magnitude = quotient.wrapping_add(away as i128);
        if negative {
            magnitude.wrapping_neg()
        } else {
            magnitude
        }
    }

    /// The integer part as `i64`, rounded as asked.
    pub fn to_i64(self, rounding: Rounding) -> Result<i64, MathError> {
        i64::try_from(self.to_int(rounding)).map_err(|_| MathError::Overflow)
    }

    /// The integer part as `u64`, rounded as asked; negative values are an overflow.
    pub fn to_u64(self, rounding: Rounding) -> Result<u64, MathError> {
        u64::try_from(self.to_int(rounding)).map_err(|_| MathError::Overflow)
    }

    /// True when strictly below zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// True when strictly above zero.
    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// The larger of two values.
    pub fn max(self, other: Fixed) -> Fixed {
        if self >= other { self } else { other }
    }

    /// The smaller of two values.
    pub fn min(self, other: Fixed) -> Fixed {
        if self <= other { self } else { other }
    }
}

/// Which way to round a magnitude so that the signed result rounds as asked.
fn magnitude_rounding(negative: bool, rounding: Rounding) -> Rounding {
    match (negative, rounding) {
        (false, r) => r,
        (true, Rounding::Down) => Rounding::Up,
        (true, Rounding::Up) => Rounding::Down,
    }
}

/// A magnitude with a sign, checked into `Fixed`.
fn signed(magnitude: u128, negative: bool) -> Result<Fixed, MathError> {
    // A negative magnitude may be 2^127 (i128::MIN), one more than the largest positive.
    let value = if negative { 0i128.checked_sub_unsigned(magnitude) } else { i128::try_from(magnitude).ok() };
    value.map(Fixed).ok_or(MathError::Overflow)
}

/// `n / d` for `d > 0`, rounded as asked.
fn div_rounded(n: i128, d: i128, rounding: Rounding) -> i128 {
    let q = n.div_euclid(d);
    let exact = n.rem_euclid(d) == 0;
    match rounding {
        Rounding::Down => q,
        Rounding::Up if exact => q,
        Rounding::Up => q + 1,
    }
}

/// 10^exp for exp ≤ 38.
fn pow10(exp: u32) -> Result<i128, MathError> {
    10i128.checked_pow(exp).ok_or(MathError::Overflow)
}

impl fmt::Display for Fixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        let scale = FIXED_SCALE as u128;
        let (whole, mut fraction) = (magnitude / scale, magnitude % scale);
        if fraction == 0 {
            return write!(f, "{sign}{whole}");
        }
        // Trailing zeros of the 18 fractional digits are not printed.
        let mut digits = FIXED_DECIMALS as usize;
        while fraction % 10 == 0 {
            fraction /= 10;
            digits -= 1;
        }
        write!(f, "{sign}{whole}.{fraction:0digits$}")
    }
}

impl fmt::Debug for Fixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
