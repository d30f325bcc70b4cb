//! The limb kernels of [`Fixed`] against the 128-bit arithmetic they replace: the same results
//! and the same errors, over operands of every magnitude and sign.

use super::{Fixed, MathError, Rounding, FIXED_SCALE};
use proptest::prelude::*;

/// Raws of every magnitude, and the edges.
fn raw() -> impl Strategy<Value = i128> {
    prop_oneof![
        8 => (0u32..128, any::<i128>()).prop_map(|(shift, x)| x >> shift),
        1 => prop_oneof![Just(0), Just(i128::MAX), Just(i128::MIN), Just(FIXED_SCALE), Just(-FIXED_SCALE)],
    ]
}

/// `i64` of every magnitude, and the edges.
fn int() -> impl Strategy<Value = i64> {
    prop_oneof![
        8 => (0u32..64, any::<i64>()).prop_map(|(shift, x)| x >> shift),
        1 => prop_oneof![Just(0), Just(i64::MAX), Just(i64::MIN), Just(1), Just(-1)],
    ]
}

fn rounding() -> impl Strategy<Value = Rounding> {
    prop_oneof![Just(Rounding::Down), Just(Rounding::Up)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    #[test]
    fn from_i64_and_from_u64_equal_the_128_bit_product(v in int(), u in any::<u64>()) {
        prop_assert_eq!(Fixed::from_i64(v).raw(), v as i128 * FIXED_SCALE);
        prop_assert_eq!(Fixed::from_u64(u).raw(), u as i128 * FIXED_SCALE);
    }

    #[test]
    fn mul_int_equals_the_checked_128_bit_product(a in raw(), n in int()) {
        let negative = (a < 0) != (n < 0);
        let expected = a
            .unsigned_abs()
            .checked_mul(n.unsigned_abs() as u128)
            .and_then(|m| if negative { 0i128.checked_sub_unsigned(m) } else { i128::try_from(m).ok() })
            .map(Fixed::from_raw)
            .ok_or(MathError::Overflow);
        prop_assert_eq!(Fixed::from_raw(a).mul_int(n), expected);
    }

    #[test]
    fn to_int_equals_the_euclidean_quotient(a in raw(), r in rounding()) {
        let (q, exact) = (a.div_euclid(FIXED_SCALE), a.rem_euclid(FIXED_SCALE) == 0);
        let expected = if r == Rounding::Up && !exact { q + 1 } else { q };
        prop_assert_eq!(Fixed::from_raw(a).to_int(r), expected);
    }
}
