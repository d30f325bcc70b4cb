//! Exact unsigned kernels behind [`super::Fixed`]'s multiplication and division.
//!
//! Both compute `a·b/s` or `a·s/b` for `s = 10^18` without a 256-bit type: the operands are
//! split at `s` so that every partial product is at most the final result, which means the
//! kernel overflows only when the exact result itself does not fit.

use super::{MathError, Rounding};

/// 10^18, the scale of `Fixed`.
const S: u128 = 1_000_000_000_000_000_000;

/// `a · b / S`, rounded as asked.
// Six argument registers (two per 128-bit operand, one for the result pointer): inlined, as
// SBPF v0 passes at most five in registers (see bench/sbpf-meter).
#[inline(always)]
pub fn mul_scaled(a: u128, b: u128, rounding: Rounding) -> Result<u128, MathError> {
    // A factor below one (weights, margins, rates, prices of small units) is the common case:
    // its split at S is itself, and a·b/S = a_hi·b + a_lo·b/S, one division of `a` and one of
    // the low product — the same terms as below with `b_hi = 0`.
    if b < S || a < S {
        let (large, fraction) = if b < S { (a, b) } else { (b, a) };
        let (hi, lo) = (large / S, large % S);
        let whole = hi.checked_mul(fraction).ok_or(MathError::Overflow)?;
        return add_low_product(whole, lo * fraction, rounding);
    }
    let (a_hi, a_lo) = (a / S, a % S);
    let (b_hi, b_lo) = (b / S, b % S);
    // a·b/S = a_hi·b_hi·S + a_hi·b_lo + a_lo·b_hi + a_lo·b_lo/S, each term ≤ the result.
    let whole = a_hi
        .checked_mul(b_hi)
        .and_then(|v| v.checked_mul(S))
        .and_then(|v| v.checked_add(a_hi.checked_mul(b_lo)?))
        .and_then(|v| v.checked_add(a_lo.checked_mul(b_hi)?))
        .ok_or(MathError::Overflow)?;
    // a_lo, b_lo < S = 1e18, so their product < 1e36 fits in u128 (max ≈ 3.4e38).
    add_low_product(whole, a_lo * b_lo, rounding)
}

/// `whole + low / S`, rounded as asked (`low` is a product of two parts below S).
#[inline(always)]
fn add_low_product(whole: u128, low: u128, rounding: Rounding) -> Result<u128, MathError> {
    let (digits, rest) = (low / S, low % S);
    let mut result = whole.checked_add(digits).ok_or(MathError::Overflow)?;
    if rounding == Rounding::Up && rest != 0 {
        result = result.checked_add(1).ok_or(MathError::Overflow)?;
    }
    Ok(result)
}

/// `a · S / b`, rounded as asked.
// Six argument registers (two per 128-bit operand, one for the result pointer): inlined, as
// SBPF v0 passes at most five in registers (see bench/sbpf-meter).
#[inline(always)]
pub fn div_scaled(a: u128, b: u128, rounding: Rounding) -> Result<u128, MathError> {
    if b == 0 {
        return Err(MathError::DivisionByZero);
    }
    let (quotient, remainder) = (a / b, a % b);
    let whole = quotient.checked_mul(S).ok_or(MathError::Overflow)?;
    let (fraction, inexact) = fraction_digits(remainder, b)?;
    let mut result = whole.checked_add(fraction).ok_or(MathError::Overflow)?;
    if rounding == Rounding::Up && inexact {
        result = result.checked_add(1).ok_or(MathError::Overflow)?;
    }
    Ok(result)
}

/// `floor(r · S / b)` for `r < b`, and whether a remainder was left.
fn fraction_digits(r: u128, b: u128) -> Result<(u128, bool), MathError> {
    if let Some(scaled) = r.checked_mul(S) {
        return Ok((scaled / b, scaled % b != 0));
    }
    // Long division one decimal digit at a time: 18 bounded steps.
    let mut rest = r;
    let mut digits = 0u128;
    for _ in 0..18 {
        let (digit, next) = times_ten_divmod(rest, b);
        digits = digits * 10 + digit;
        rest = next;
    }
    Ok((digits, rest != 0))
}

/// `(10·r / b, 10·r % b)` for `r < b`, also when `10·r` exceeds `u128` (`b > u128::MAX / 10`):
/// then `r` is added ten times modulo `b`, each wrap past `b` counting one.
fn times_ten_divmod(r: u128, b: u128) -> (u128, u128) {
    if let Some(ten_r) = r.checked_mul(10) {
        return (ten_r / b, ten_r % b);
    }
    let (mut digit, mut acc) = (0, 0u128);
    for _ in 0..10 {
        // acc, r < b: acc + r ≥ b exactly when acc ≥ b − r, and then acc + r − b < b.
        if acc >= b - r {
            acc -= b - r;
            digit += 1;
        } else {
            acc += r;
        }
    }
    (digit, acc)
}
