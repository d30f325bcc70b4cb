//! Unit and property tests of [`Fixed`]: exact decimal cases, rounding direction, overflow,
//! and `mul`/`div` against an independent exact 256-bit reference.

use super::{Fixed, MathError, Rounding, FIXED_SCALE};
use proptest::prelude::*;
use Rounding::{Down, Up};
use std::prelude::rust_2021::*;

/// `mantissa · 10^exponent`, which the test knows to be exact.
fn d(mantissa: i64, exponent: i32) -> Fixed {
    Fixed::from_scientific(mantissa, exponent, Down).unwrap()
}

// --- exact unit cases -------------------------------------------------------------------

#[test]
fn mul_of_exact_decimals_is_exact_in_both_directions() {
    // 1.5 · 2.25 = 3.375
    assert_eq!(d(15, -1).mul_down(d(225, -2)), Ok(d(3375, -3)));
    assert_eq!(d(15, -1).mul_up(d(225, -2)), Ok(d(3375, -3)));
    // −0.1 · 0.2 = −0.02
    assert_eq!(d(-1, -1).mul(d(2, -1), Down), Ok(d(-2, -2)));
    // 12345.678 · −1000 = −12345678
    assert_eq!(d(12_345_678, -3).mul(Fixed::from_i64(-1000), Up), Ok(Fixed::from_i64(-12_345_678)));
    assert_eq!(Fixed::ZERO.mul_up(d(-7, 0)), Ok(Fixed::ZERO));
}

#[test]
fn mul_rounds_positive_product_down_towards_zero_and_up_away() {
    // 1e-18 · 0.5 = 0.5e-18
    let tiny = Fixed::from_raw(1);
    assert_eq!(tiny.mul_down(d(5, -1)), Ok(Fixed::ZERO));
    assert_eq!(tiny.mul_up(d(5, -1)), Ok(Fixed::from_raw(1)));
    // 0.333333333333333333 · 3 = 0.999999999999999999 exactly (no rounding)
    let third = Fixed::from_raw(333_333_333_333_333_333);
    assert_eq!(third.mul_up(Fixed::from_i64(3)), Ok(Fixed::from_raw(999_999_999_999_999_999)));
    // 0.123456789123456789 · 0.1 = 0.0123456789123456789 → …678 / …679
    let x = Fixed::from_raw(123_456_789_123_456_789);
    assert_eq!(x.mul_down(d(1, -1)), Ok(Fixed::from_raw(12_345_678_912_345_678)));
    assert_eq!(x.mul_up(d(1, -1)), Ok(Fixed::from_raw(12_345_678_912_345_679)));
}

#[test]
fn mul_rounds_negative_product_down_away_from_zero() {
    let tiny = Fixed::from_raw(-1);
    assert_eq!(tiny.mul_down(d(5, -1)), Ok(Fixed::from_raw(-1)));
    assert_eq!(tiny.mul_up(d(5, -1)), Ok(Fixed::ZERO));
    // −0.123456789123456789 · 0.1 = −0.0123456789123456789
    let x = Fixed::from_raw(-123_456_789_123_456_789);
    assert_eq!(x.mul_down(d(1, -1)), Ok(Fixed::from_raw(-12_345_678_912_345_679)));
    assert_eq!(x.mul_up(d(1, -1)), Ok(Fixed::from_raw(-12_345_678_912_345_678)));
    // both negative: positive product, rounds like a positive one
    assert_eq!(x.mul_down(d(-1, -1)), Ok(Fixed::from_raw(12_345_678_912_345_678)));
}

#[test]
fn div_of_exact_decimals_is_exact() {
    assert_eq!(d(75, -1).div(d(25, -1), Down), Ok(Fixed::from_i64(3))); // 7.5 / 2.5
    assert_eq!(Fixed::ONE.div(Fixed::from_i64(8), Up), Ok(d(125, -3))); // 1/8 = 0.125
    assert_eq!(d(-3, 0).div(d(4, -2), Down), Ok(d(-75, 0))); // −3 / 0.04 = −75
    assert_eq!(Fixed::from_raw(1).div(Fixed::from_i64(1), Up), Ok(Fixed::from_raw(1)));
}

#[test]
fn div_rounds_one_third_down_and_up_for_both_signs() {
    let third_down = Fixed::from_raw(333_333_333_333_333_333);
    let third_up = Fixed::from_raw(333_333_333_333_333_334);
    let three = Fixed::from_i64(3);
    assert_eq!(Fixed::ONE.div(three, Down), Ok(third_down));
    assert_eq!(Fixed::ONE.div(three, Up), Ok(third_up));
    assert_eq!(Fixed::ONE.div(three.neg().unwrap(), Down), Ok(third_up.neg().unwrap()));
    assert_eq!(Fixed::ONE.neg().unwrap().div(three, Up), Ok(third_down.neg().unwrap()));
    // 2/3: 0.666…666 / 0.666…667
    assert_eq!(Fixed::from_i64(2).div(three, Down), Ok(Fixed::from_raw(666_666_666_666_666_666)));
    assert_eq!(Fixed::from_i64(2).div(three, Up), Ok(Fixed::from_raw(666_666_666_666_666_667)));
}

#[test]
fn div_by_zero_is_an_error_for_any_numerator() {
    for n in [Fixed::ZERO, Fixed::ONE, Fixed::from_raw(i128::MIN), Fixed::from_raw(i128::MAX)] {
        assert_eq!(n.div(Fixed::ZERO, Down), Err(MathError::DivisionByZero));
        assert_eq!(n.div(Fixed::ZERO, Up), Err(MathError::DivisionByZero));
    }
}

#[test]
fn div_by_huge_divisor_is_exact_not_overflow() {
    // 5·10^19 / 10^20 = 0.5 (the remainder times 10 exceeds u128 in the long division).
    let n = Fixed::from_raw(5 * 10i128.pow(37));
    let m = Fixed::from_raw(10i128.pow(38));
    assert_eq!(n.div(m, Down), Ok(d(5, -1)));
    assert_eq!(n.neg().unwrap().div(m, Up), Ok(d(-5, -1)));
    // (MAX − 1) / MAX just below 1
    let max = Fixed::from_raw(i128::MAX);
    let almost = Fixed::from_raw(i128::MAX - 1);
    assert_eq!(almost.div(max, Down), Ok(Fixed::from_raw(FIXED_SCALE - 1)));
    assert_eq!(almost.div(max, Up), Ok(Fixed::ONE));
    assert_eq!(max.div(max, Down), Ok(Fixed::ONE));
}

#[test]
fn overflow_is_an_error_never_a_panic() {
    let max = Fixed::from_raw(i128::MAX);
    let min = Fixed::from_raw(i128::MIN);
    assert_eq!(max.add(Fixed::from_raw(1)), Err(MathError::Overflow));
    assert_eq!(min.sub(Fixed::from_raw(1)), Err(MathError::Overflow));
    assert_eq!(min.neg(), Err(MathError::Overflow));
    assert_eq!(max.mul_down(d(2, 0)), Err(MathError::Overflow));
    assert_eq!(min.mul_up(d(-1, 0)), Err(MathError::Overflow));
    // (9.2·10^18)² ≈ 8.5·10^37 whole units, far above the 1.7·10^20 range.
    let big = Fixed::from_i64(i64::MAX);
    assert_eq!(big.mul(big, Down), Err(MathError::Overflow));
    assert_eq!(big.mul(big.neg().unwrap(), Up), Err(MathError::Overflow));
    assert_eq!(Fixed::from_i64(1_000_000).div(Fixed::from_raw(1), Down), Err(MathError::Overflow));
    assert_eq!(max.div(d(5, -1), Up), Err(MathError::Overflow));
    // Up-rounding past the edge of the range is an overflow too.
    assert_eq!(max.mul(d(1, 0).add(Fixed::from_raw(1)).unwrap(), Up), Err(MathError::Overflow));
}

#[test]
fn results_at_the_edges_of_the_range_are_representable() {
    let max = Fixed::from_raw(i128::MAX);
    let min = Fixed::from_raw(i128::MIN);
    assert_eq!(max.mul_down(Fixed::ONE), Ok(max));
    assert_eq!(min.mul_down(Fixed::ONE), Ok(min));
    assert_eq!(min.div(Fixed::ONE, Up), Ok(min));
    assert_eq!(max.neg().unwrap().mul_up(Fixed::ONE), Ok(Fixed::from_raw(-i128::MAX)));
    assert_eq!(Fixed::from_raw(i128::MIN / 2).mul_down(d(2, 0)), Ok(min));
}

#[test]
fn from_scientific_scales_by_the_exponent() {
    assert_eq!(Fixed::from_scientific(12_345, -2, Down), Ok(Fixed::from_raw(123_450_000_000_000_000_000)));
    assert_eq!(Fixed::from_scientific(7, 3, Down), Ok(Fixed::from_i64(7_000)));
    assert_eq!(Fixed::from_scientific(7, 0, Up), Ok(Fixed::from_i64(7)));
    assert_eq!(Fixed::from_scientific(1, -18, Down), Ok(Fixed::from_raw(1)));
    assert_eq!(Fixed::from_scientific(-42, -18, Up), Ok(Fixed::from_raw(-42)));
    assert_eq!(Fixed::from_scientific(1, 20, Down), Ok(Fixed::from_raw(10i128.pow(38))));
    assert_eq!(Fixed::from_scientific(i64::MIN, 0, Down), Ok(Fixed::from_i64(i64::MIN)));
}

#[test]
fn from_scientific_rounds_below_the_last_digit() {
    // 123456789 · 10^-20 = 0.00000000000123456789 → raw 1234567.89
    assert_eq!(Fixed::from_scientific(123_456_789, -20, Down), Ok(Fixed::from_raw(1_234_567)));
    assert_eq!(Fixed::from_scientific(123_456_789, -20, Up), Ok(Fixed::from_raw(1_234_568)));
    assert_eq!(Fixed::from_scientific(-123_456_789, -20, Down), Ok(Fixed::from_raw(-1_234_568)));
    assert_eq!(Fixed::from_scientific(-123_456_789, -20, Up), Ok(Fixed::from_raw(-1_234_567)));
    assert_eq!(Fixed::from_scientific(123, -38, Down), Ok(Fixed::ZERO));
    assert_eq!(Fixed::from_scientific(123, -38, Up), Ok(Fixed::from_raw(1)));
    assert_eq!(Fixed::from_scientific(-123, -38, Down), Ok(Fixed::from_raw(-1)));
    assert_eq!(Fixed::from_scientific(500, -20, Up), Ok(Fixed::from_raw(5))); // exact
}

#[test]
fn from_scientific_out_of_range_is_an_overflow() {
    assert_eq!(Fixed::from_scientific(2, 20, Down), Err(MathError::Overflow)); // 2·10^38 raw > i128::MAX
    assert_eq!(Fixed::from_scientific(1, 21, Down), Err(MathError::Overflow));
    assert_eq!(Fixed::from_scientific(i64::MAX, 2, Up), Err(MathError::Overflow));
    assert_eq!(Fixed::from_scientific(1, i32::MAX, Down), Err(MathError::Overflow));
    assert_eq!(Fixed::from_scientific(1, -60, Down), Err(MathError::Overflow));
}

#[test]
fn from_bps_is_exact() {
    assert_eq!(Fixed::from_bps(0), Fixed::ZERO);
    assert_eq!(Fixed::from_bps(1), Fixed::from_raw(100_000_000_000_000));
    assert_eq!(Fixed::from_bps(8_000), d(8, -1));
    assert_eq!(Fixed::from_bps(10_000), Fixed::ONE);
    assert_eq!(Fixed::from_bps(12_345), d(12_345, -4));
    assert_eq!(Fixed::from_bps(u32::MAX), d(u32::MAX as i64, -4));
}

#[test]
fn to_i64_and_to_u64_round_as_asked() {
    assert_eq!(d(25, -1).to_i64(Down), Ok(2));
    assert_eq!(d(25, -1).to_i64(Up), Ok(3));
    assert_eq!(d(-25, -1).to_i64(Down), Ok(-3));
    assert_eq!(d(-25, -1).to_i64(Up), Ok(-2));
    assert_eq!(Fixed::from_i64(-7).to_i64(Up), Ok(-7));
    assert_eq!(Fixed::from_raw(1).to_u64(Up), Ok(1));
    assert_eq!(Fixed::from_raw(1).to_u64(Down), Ok(0));
    assert_eq!(Fixed::from_raw(-1).to_u64(Up), Ok(0)); // −1e-18 rounds up to 0
    assert_eq!(Fixed::from_raw(-1).to_u64(Down), Err(MathError::Overflow));
    assert_eq!(Fixed::from_u64(u64::MAX).to_u64(Down), Ok(u64::MAX));
    assert_eq!(Fixed::from_u64(u64::MAX).to_i64(Down), Err(MathError::Overflow));
    assert_eq!(Fixed::from_i64(i64::MIN).to_i64(Up), Ok(i64::MIN));
    assert_eq!(Fixed::from_i64(i64::MIN).sub(Fixed::from_raw(1)).unwrap().to_i64(Down), Err(MathError::Overflow));
    assert_eq!(Fixed::from_raw(i128::MAX).to_u64(Down), Err(MathError::Overflow));
}

#[test]
fn display_prints_the_shortest_exact_decimal() {
    assert_eq!(Fixed::ZERO.to_string(), "0");
    assert_eq!(Fixed::from_i64(100).to_string(), "100");
    assert_eq!(d(15, -1).to_string(), "1.5");
    assert_eq!(d(-225, -2).to_string(), "-2.25");
    assert_eq!(Fixed::from_raw(-1).to_string(), "-0.000000000000000001");
    assert_eq!(Fixed::from_raw(1_000_000_000_000_000_010).to_string(), "1.00000000000000001");
    assert_eq!(Fixed::from_raw(i128::MIN).to_string(), "-170141183460469231731.687303715884105728");
    assert_eq!(format!("{:?}", d(-5, -1)), "-0.5");
}

// --- exact 256-bit reference ------------------------------------------------------------

/// `a · b` as (high, low) 128-bit halves.
fn wide_mul(a: u128, b: u128) -> (u128, u128) {
    const M: u128 = u64::MAX as u128;
    let (a1, a0, b1, b0) = (a >> 64, a & M, b >> 64, b & M);
    let (p00, p01, p10, p11) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    let mid = (p00 >> 64) + (p01 & M) + (p10 & M);
    (p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64), (p00 & M) | (mid << 64))
}

/// `(high, low) / d` by binary long division: (quotient halves, remainder).
fn wide_divmod((hi, lo): (u128, u128), d: u128) -> ((u128, u128), u128) {
    let (mut q, mut r) = ((0u128, 0u128), 0u128);
    for i in (0..256).rev() {
        let bit = if i >= 128 { (hi >> (i - 128)) & 1 } else { (lo >> i) & 1 };
        let carry = r >> 127;
        r = (r << 1) | bit;
        if carry == 1 || r >= d {
            r = r.wrapping_sub(d);
            if i >= 128 { q.0 |= 1 << (i - 128) } else { q.1 |= 1 << i }
        }
    }
    (q, r)
}

/// `sign · n / d` (n a 256-bit magnitude) rounded as asked, or the error `Fixed` must give.
fn reference(negative: bool, n: (u128, u128), d: u128, rounding: Rounding) -> Result<Fixed, MathError> {
    let ((q_hi, q), r) = wide_divmod(n, d);
    let away = (negative && rounding == Down) || (!negative && rounding == Up);
    let magnitude = if q_hi != 0 { None } else { q.checked_add((away && r != 0) as u128) };
    let raw = match (magnitude, negative) {
        (Some(m), false) => i128::try_from(m).ok(),
        (Some(m), true) => 0i128.checked_sub_unsigned(m),
        (None, _) => None,
    };
    raw.map(Fixed::from_raw).ok_or(MathError::Overflow)
}

fn reference_mul(a: i128, b: i128, rounding: Rounding) -> Result<Fixed, MathError> {
    let n = wide_mul(a.unsigned_abs(), b.unsigned_abs());
    reference((a < 0) != (b < 0) && n != (0, 0), n, FIXED_SCALE as u128, rounding)
}

fn reference_div(a: i128, b: i128, rounding: Rounding) -> Result<Fixed, MathError> {
    if b == 0 {
        return Err(MathError::DivisionByZero);
    }
    let n = wide_mul(a.unsigned_abs(), FIXED_SCALE as u128);
    reference((a < 0) != (b < 0) && n != (0, 0), n, b.unsigned_abs(), rounding)
}

#[test]
fn reference_agrees_with_hand_computed_cases() {
    assert_eq!(reference_mul(-1, 5 * 10i128.pow(17), Down), Ok(Fixed::from_raw(-1)));
    assert_eq!(reference_div(FIXED_SCALE, 3 * FIXED_SCALE, Up), Ok(Fixed::from_raw(333_333_333_333_333_334)));
    assert_eq!(wide_mul(u128::MAX, u128::MAX), (u128::MAX - 1, 1));
}

/// Raws of every magnitude: a random value cut to a random number of digits.
fn raw() -> impl Strategy<Value = i128> {
    prop_oneof![
        12 => (1u32..=38, any::<i128>()).prop_map(|(digits, x)| x % 10i128.pow(digits)),
        1 => prop_oneof![Just(0), Just(i128::MAX), Just(i128::MIN), Just(FIXED_SCALE), Just(-FIXED_SCALE)],
    ]
}

fn rounding() -> impl Strategy<Value = Rounding> {
    prop_oneof![Just(Down), Just(Up)]
}

/// Operands whose raw product fits i128, so the exact value is plain integer arithmetic.
const SMALL: i128 = 10_000_000_000_000_000_000; // 10^19 raw = 10 whole units

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn mul_equals_the_exact_256_bit_reference(a in raw(), b in raw(), r in rounding()) {
        prop_assert_eq!(Fixed::from_raw(a).mul(Fixed::from_raw(b), r), reference_mul(a, b, r));
    }

    #[test]
    fn div_equals_the_exact_256_bit_reference(a in raw(), b in raw(), r in rounding()) {
        prop_assert_eq!(Fixed::from_raw(a).div(Fixed::from_raw(b), r), reference_div(a, b, r));
    }

    #[test]
    fn mul_int_equals_the_exact_reference_and_mul_in_both_roundings(a in raw(), n in any::<i64>(), r in rounding()) {
        let exact = Fixed::from_raw(a).mul_int(n);
        prop_assert_eq!(exact, reference_mul(a, n as i128 * FIXED_SCALE, r));
        prop_assert_eq!(exact, Fixed::from_raw(a).mul(Fixed::from_i64(n), r));
    }

    #[test]
    fn within_bps_equals_the_band_rounded_outwards(
        reference in (1u32..=34, 1i128..i128::MAX).prop_map(|(digits, x)| x % 10i128.pow(digits) + 1),
        far in 1i64..i64::MAX / 2,
        offset in -20_000i64..20_000,
        near in any::<bool>(),
        bps in 0u16..=10_000,
    ) {
        // Values anywhere, and values next to the reference (where the band's edges lie).
        let value = if near { ((reference / FIXED_SCALE) as i64 + offset).max(1) } else { far };
        // The band as the order book rounds it: ⌈ref·(1 − bps)⌉ ..= ⌊ref·(1 + bps)⌋.
        let reference = Fixed::from_raw(reference);
        let band = Fixed::from_bps(bps as u32);
        let high = reference.mul(Fixed::ONE.add(band).unwrap(), Down).unwrap().to_i64(Down);
        let low = reference.mul(Fixed::ONE.sub(band).unwrap(), Up).unwrap().to_i64(Up).unwrap();
        let inside = value >= low && high.map_or(true, |high| value <= high);
        prop_assert_eq!(reference.within_bps(value, bps), Ok(inside));
    }

    #[test]
    fn half_equals_division_by_two(a in raw(), r in rounding()) {
        prop_assert_eq!(Ok(Fixed::from_raw(a).half(r)), reference_div(a, 2 * FIXED_SCALE, r));
    }

    #[test]
    fn mul_down_and_up_bracket_the_exact_small_product(a in -SMALL..SMALL, b in -SMALL..SMALL) {
        let exact = a * b; // value · 10^36
        let down = Fixed::from_raw(a).mul_down(Fixed::from_raw(b)).unwrap().raw();
        let up = Fixed::from_raw(a).mul_up(Fixed::from_raw(b)).unwrap().raw();
        prop_assert!(down * FIXED_SCALE <= exact && exact <= up * FIXED_SCALE);
        prop_assert!(up - down == (exact % FIXED_SCALE != 0) as i128);
        prop_assert_eq!(down, exact.div_euclid(FIXED_SCALE));
    }

    #[test]
    fn div_down_and_up_bracket_the_exact_small_quotient(a in -SMALL..SMALL, b in -SMALL..SMALL) {
        prop_assume!(b != 0);
        let n = a * FIXED_SCALE; // fits: |a| < 10^19 → |n| < 10^37
        let down = Fixed::from_raw(a).div(Fixed::from_raw(b), Down).unwrap().raw();
        let up = Fixed::from_raw(a).div(Fixed::from_raw(b), Up).unwrap().raw();
        // down ≤ n/b ≤ up, compared without division: multiply through by |b| with b's sign.
        let (n, b) = if b < 0 { (-n, -b) } else { (n, b) };
        prop_assert!(down * b <= n && n <= up * b, "down {} up {} n {} b {}", down, up, n, b);
        prop_assert!(up - down == (n % b != 0) as i128);
    }

    #[test]
    fn mul_down_le_mul_up_le_mul_down_plus_one_raw(a in raw(), b in raw()) {
        let (x, y) = (Fixed::from_raw(a), Fixed::from_raw(b));
        if let (Ok(down), Ok(up)) = (x.mul_down(y), x.mul_up(y)) {
            prop_assert!(down <= up && up.raw() - down.raw() <= 1);
        }
        if let (Ok(down), Ok(up)) = (x.div(y, Down), x.div(y, Up)) {
            prop_assert!(down <= up && up.raw() - down.raw() <= 1);
        }
    }

    #[test]
    fn mul_is_commutative(a in raw(), b in raw(), r in rounding()) {
        let (x, y) = (Fixed::from_raw(a), Fixed::from_raw(b));
        prop_assert_eq!(x.mul(y, r), y.mul(x, r));
    }

    #[test]
    fn mul_by_one_and_div_by_one_are_identity(a in any::<i128>(), r in rounding()) {
        let x = Fixed::from_raw(a);
        prop_assert_eq!(x.mul(Fixed::ONE, r), Ok(x));
        prop_assert_eq!(x.div(Fixed::ONE, r), Ok(x));
    }

    #[test]
    fn negating_an_operand_swaps_the_rounding(a in raw(), b in raw()) {
        prop_assume!(a != i128::MIN);
        let (x, y, neg_x) = (Fixed::from_raw(a), Fixed::from_raw(b), Fixed::from_raw(-a));
        // −(−2^127) does not fit, so a result of exactly i128::MIN has no mirror image.
        let min = Ok(Fixed::from_raw(i128::MIN));
        let (lhs, rhs) = (neg_x.mul_down(y), x.mul_up(y));
        if lhs != min { prop_assert_eq!(lhs, rhs.and_then(Fixed::neg)); }
        let (lhs, rhs) = (neg_x.div(y, Up), x.div(y, Down));
        if lhs != min { prop_assert_eq!(lhs, rhs.and_then(Fixed::neg)); }
    }

    #[test]
    fn from_scientific_brackets_the_exact_value(m in any::<i64>(), e in -36i32..=0) {
        let (down, up) = (Fixed::from_scientific(m, e, Down).unwrap(), Fixed::from_scientific(m, e, Up).unwrap());
        let shift = e + 18;
        if shift >= 0 {
            prop_assert_eq!(down.raw(), m as i128 * 10i128.pow(shift as u32));
            prop_assert_eq!(up, down);
        } else {
            let div = 10i128.pow(shift.unsigned_abs());
            prop_assert!(down.raw() * div <= m as i128 && m as i128 <= up.raw() * div);
            prop_assert!(up.raw() - down.raw() == (m as i128 % div != 0) as i128);
        }
    }

    #[test]
    fn to_i64_brackets_the_value(a in any::<i64>(), frac in 0i128..FIXED_SCALE) {
        let x = Fixed::from_i64(a).add(Fixed::from_raw(frac)).unwrap();
        prop_assert_eq!(x.to_i64(Down), Ok(a));
        let up = x.to_int(Up);
        prop_assert_eq!(up, a as i128 + (frac != 0) as i128);
    }
}
