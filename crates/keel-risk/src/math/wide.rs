//! Exact unsigned kernels behind [`super::Fixed`]'s multiplication and division.
//!
//! Both compute `a·b/s` or `a·s/b` for `s = 10^18` exactly, and overflow only when the rounded
//! result itself does not fit.

use super::divide::divide;
use super::limbs::{div_scale, mul_128, mul_128_64, mul_scale_64, split};
use super::{MathError, Rounding};

/// 10^18, the scale of `Fixed`.
const S: u128 = 1_000_000_000_000_000_000;

/// `a · b / S`, rounded as asked: the full product in 64-bit limbs, then one pass of two
/// chained divisions by 10^9 over its 32-bit digits (no 128-bit multiply or divide; see
/// [`super::limbs`]).
// Six argument registers (two per 128-bit operand, one for the result pointer): inlined, as
// SBPF v0 passes at most five in registers (see bench/sbpf-meter).
#[inline(always)]
pub fn mul_scaled(a: u128, b: u128, rounding: Rounding) -> Result<u128, MathError> {
    // One operand below 2^64 (weights, margins, rates, prices of small units: the common
    // case) makes a three-limb product.
    let (quotient, inexact) = match (split(a), split(b)) {
        // Both below 2^64 (a price and a ratio, two fractions): base-10^9 digits.
        ((0, a), (0, b)) => {
            let (quotient, inexact) = mul_scale_64(a, b);
            (Some(quotient), inexact)
        }
        ((_, _), (0, small)) => div_scale(mul_128_64(a, small)),
        ((0, small), (_, _)) => div_scale(mul_128_64(b, small)),
        _ => div_scale(mul_128(a, b)),
    };
    let quotient = quotient.ok_or(MathError::Overflow)?;
    if rounding == Rounding::Up && inexact {
        return quotient.checked_add(1).ok_or(MathError::Overflow);
    }
    Ok(quotient)
}

/// `a · S / b`, rounded as asked: the product in limbs, then long division over 32-bit digits
/// (see [`super::divide`]).
// Six argument registers (two per 128-bit operand, one for the result pointer): inlined, as
// SBPF v0 passes at most five in registers (see bench/sbpf-meter).
#[inline(always)]
pub fn div_scaled(a: u128, b: u128, rounding: Rounding) -> Result<u128, MathError> {
    if b == 0 {
        return Err(MathError::DivisionByZero);
    }
    let (quotient, inexact) = divide(mul_128_64(a, S as u64), b);
    let quotient = quotient.ok_or(MathError::Overflow)?;
    if rounding == Rounding::Up && inexact {
        return quotient.checked_add(1).ok_or(MathError::Overflow);
    }
    Ok(quotient)
}
