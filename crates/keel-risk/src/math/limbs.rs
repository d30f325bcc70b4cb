//! 64-bit limb arithmetic behind [`super::Fixed`]: full products and the division by the scale,
//! from 64-bit multiplies and divides only.
//!
//! sBPF has 64-bit multiply and divide instructions (one compute unit each) and no 128-bit
//! ones: LLVM lowers every `u128`/`i128` `*`, `/` and `%` to a software helper, and a 128-bit
//! division by 10^18 alone costs about as much as everything below together. Nothing here
//! uses a 128-bit `*`, `/` or `%`; 128-bit values are pairs of limbs joined by shifts.
//! Numbers of more than 128 bits are little-endian arrays of `u64` limbs.
//!
//! Every `wrapping_*` below comes with the range that proves it never wraps.

/// The low 32 bits of a limb.
const LOW: u64 = 0xffff_ffff;
/// 10^9: the scale 10^18 is its square, and 10^9 < 2^30, so a remainder shifted left by 32
/// bits and joined with a 32-bit digit stays below 2^62 — one native 64-bit division.
const BILLION: u64 = 1_000_000_000;

/// `(high, low)` limbs of a `u128`.
#[inline(always)]
pub const fn split(x: u128) -> (u64, u64) {
    ((x >> 64) as u64, x as u64)
}

/// The `u128` of `(high, low)` limbs.
#[inline(always)]
pub const fn join(high: u64, low: u64) -> u128 {
    ((high as u128) << 64) | low as u128
}

/// The full product of two `u64`, as `(high, low)` limbs.
#[inline(always)]
pub const fn mul_64(a: u64, b: u64) -> (u64, u64) {
    // Both below 2^32: the product is below 2^64 (the common case of lots times a lot size).
    if (a | b) >> 32 == 0 {
        return (0, a.wrapping_mul(b));
    }
    // Opaque to the optimiser: LLVM recognises the schoolbook product below and turns it back
    // into the 128-bit multiply it avoids (on sBPF a call of the `__multi3` helper).
    let b1 = core::hint::black_box(b >> 32);
    let (a0, a1, b0) = (a & LOW, a >> 32, b & LOW);
    // Each partial product of two 32-bit halves is at most (2^32 − 1)² < 2^64.
    let (p00, p01, p10, p11) = (
        a0.wrapping_mul(b0),
        a0.wrapping_mul(b1),
        a1.wrapping_mul(b0),
        a1.wrapping_mul(b1),
    );
    // Three terms below 2^32 each: `mid` < 3·2^32.
    let mid = (p00 >> 32).wrapping_add(p01 & LOW).wrapping_add(p10 & LOW);
    // ⌊a·b / 2^64⌋ ≤ 2^64 − 2: the sum of its parts cannot wrap.
    let high = p11
        .wrapping_add(p01 >> 32)
        .wrapping_add(p10 >> 32)
        .wrapping_add(mid >> 32);
    (high, a.wrapping_mul(b))
}

/// `a · b` for a 128-bit `a` and a 64-bit `b`, as three limbs.
#[inline(always)]
pub fn mul_128_64(a: u128, b: u64) -> [u64; 3] {
    let (a1, a0) = split(a);
    let (h0, l0) = mul_64(a0, b);
    if a1 == 0 {
        // Prices, weights and ratios of the common case fit one limb.
        return [l0, h0, 0];
    }
    let (h1, l1) = mul_64(a1, b);
    let (middle, carry) = h0.overflowing_add(l1);
    // h1 = ⌊a1·b / 2^64⌋ ≤ 2^64 − 2, so adding the carry cannot wrap.
    [l0, middle, h1.wrapping_add(carry as u64)]
}

/// `a · b` for two 128-bit operands, as four limbs.
#[inline(always)]
pub fn mul_128(a: u128, b: u128) -> [u64; 4] {
    let (b1, b0) = split(b);
    let [x0, x1, x2] = mul_128_64(a, b0);
    if b1 == 0 {
        return [x0, x1, x2, 0];
    }
    let [y0, y1, y2] = mul_128_64(a, b1);
    // a·b = x + y·2^64; limb by limb with carries. x2 + y1 + c1 ≤ 2^65 − 1, so at most one of
    // its two additions carries; the product is below 2^256, so the top limb cannot wrap.
    let (r1, c1) = x1.overflowing_add(y0);
    let (s, c2) = x2.overflowing_add(y1);
    let (r2, c3) = s.overflowing_add(c1 as u64);
    [x0, r1, r2, y2.wrapping_add((c2 | c3) as u64)]
}

/// `a · b` for two `i64`, `None` when it does not fit (a checked `i64` multiply that LLVM would
/// otherwise widen to a 128-bit product, a software helper on sBPF).
#[inline(always)]
pub fn mul_i64(a: i64, b: i64) -> Option<i64> {
    let (high, low) = mul_64(a.unsigned_abs(), b.unsigned_abs());
    if high != 0 {
        return None;
    }
    if (a < 0) != (b < 0) {
        0i64.checked_sub_unsigned(low)
    } else {
        i64::try_from(low).ok()
    }
}

/// `⌊a · b / 10^18⌋` of two `u64` and whether a remainder was left, in base-10^9 digits: with
/// both operands below 2^64 (a price and a ratio, two fractions) every partial product and sum
/// fits 64 bits, so this takes a handful of native multiplies and divides where the limb product
/// and its division by the scale take several times as many.
#[inline(always)]
pub fn mul_scale_64(a: u64, b: u64) -> (u128, bool) {
    // a = a2·B² + a1·B + a0 with B = 10^9: a2 ≤ 18 (a < 1.85·10^19), a1, a0 < B; b alike.
    let (a_high, a0) = (a / BILLION, a % BILLION);
    let (a2, a1) = (a_high / BILLION, a_high % BILLION);
    let (b_high, b0) = (b / BILLION, b % BILLION);
    let (b2, b1) = (b_high / BILLION, b_high % BILLION);
    // a·b = t4·B⁴ + t3·B³ + t2·B² + t1·B + t0, each t below 2^64: t0 < 10^18, t1 < 2·10^18,
    // t2 < 10^18 + 36·10^9, t3 < 36·10^9, t4 ≤ 324.
    let t0 = a0.wrapping_mul(b0);
    let t1 = a1.wrapping_mul(b0).wrapping_add(a0.wrapping_mul(b1));
    let t2 = a2
        .wrapping_mul(b0)
        .wrapping_add(a1.wrapping_mul(b1))
        .wrapping_add(a0.wrapping_mul(b2));
    let t3 = a2.wrapping_mul(b1).wrapping_add(a1.wrapping_mul(b2));
    let t4 = a2.wrapping_mul(b2);
    // a·b / B² = t4·B² + t3·B + t2 + (t1·B + t0) / B², and t1·B + t0 = t1h·B² + low with
    // low = t1l·B + t0 < 2·10^18: it adds t1h and a carry of 0 or 1, and leaves `rest`.
    let (t1h, t1l) = (t1 / BILLION, t1 % BILLION);
    let low = t1l.wrapping_mul(BILLION).wrapping_add(t0);
    let (carry, rest) = (low / (BILLION * BILLION), low % (BILLION * BILLION));
    // x = t4·B + t3 < 2^39, so x·B < 2^69: its high 7 bits times B, shifted, plus the rest.
    let x = t4.wrapping_mul(BILLION).wrapping_add(t3);
    let (x_high, x_low) = (
        (x >> 32).wrapping_mul(BILLION),
        (x & LOW).wrapping_mul(BILLION),
    );
    let scaled =
        (((x_high >> 32) as u128) << 64 | ((x_high << 32) as u128)).wrapping_add(x_low as u128);
    // t2 + t1h + carry < 1.1·10^18, and the total is below 2^70.
    let units = t2.wrapping_add(t1h).wrapping_add(carry);
    (scaled.wrapping_add(units as u128), rest != 0)
}

/// One 32-bit digit through two chained long divisions by 10^9: the digit joins the first
/// division's remainder `r1`, the first quotient digit joins the second's `r2`; returns the
/// second quotient digit.
#[inline(always)]
fn step(r1: &mut u64, r2: &mut u64, digit: u64) -> u64 {
    // r1 < 10^9 < 2^30 and digit < 2^32: cur < 2^62, and cur < 10^9·2^32 makes q1 < 2^32.
    let cur = (*r1 << 32) | digit;
    let q1 = cur / BILLION;
    *r1 = cur % BILLION;
    // The same bounds for the second division.
    let cur = (*r2 << 32) | q1;
    *r2 = cur % BILLION;
    cur / BILLION
}

/// `⌊n / 10^18⌋` of the limbs `n` when it fits 128 bits (`None` otherwise), and whether the
/// division left a remainder.
///
/// Two long divisions by 10^9 over 32-bit digits, chained digit by digit from the top (long
/// division reads its dividend from the most significant digit, so the second division can
/// take the first one's quotient digits as they come): ⌊⌊n / 10^9⌋ / 10^9⌋ = ⌊n / 10^18⌋, and
/// the remainder n − 10^18·q = 10^9·r2 + r1 is zero exactly when both are.
#[inline(always)]
pub fn div_scale<const N: usize>(n: [u64; N]) -> (Option<u128>, bool) {
    let (mut r1, mut r2) = (0u64, 0u64);
    // One limb, top digit first; both quotient digits are below 2^32.
    let mut limb = |limb: u64| {
        let high = step(&mut r1, &mut r2, limb >> 32);
        (high << 32) | step(&mut r1, &mut r2, limb & LOW)
    };
    // Written out limb by limb (LLVM keeps a loop here, with the limbs in memory). The limbs
    // above the quotient's two low ones must divide to zero; leading zero limbs leave both
    // remainders at zero and add zero digits, so they are skipped.
    let at = |i: usize| n.get(i).copied().unwrap_or(0);
    let (top, third) = (at(3), at(2));
    let mut above = 0;
    if top != 0 {
        above = limb(top) | limb(third);
    } else if third != 0 {
        above = limb(third);
    }
    let high = limb(at(1));
    let low = limb(at(0));
    ((above == 0).then_some(join(high, low)), (r1 | r2) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Values spread over every magnitude, not only large ones.
    fn wide() -> impl Strategy<Value = u128> {
        (any::<u128>(), 0u32..128).prop_map(|(x, shift)| x >> shift)
    }

    /// `n` limbs as (high 128 bits, low 128 bits).
    fn halves(n: [u64; 4]) -> (u128, u128) {
        (join(n[3], n[2]), join(n[1], n[0]))
    }

    /// `(hi, lo) / 10^18` by binary long division: (quotient halves, remainder).
    fn reference_div(n: (u128, u128)) -> ((u128, u128), u128) {
        super::super::divide::tests::reference(n, 1_000_000_000_000_000_000)
    }

    #[test]
    fn products_at_the_edges() {
        assert_eq!(
            mul_64(u64::MAX, u64::MAX),
            split(u64::MAX as u128 * u64::MAX as u128)
        );
        assert_eq!(
            mul_128(u128::MAX, u128::MAX),
            [1, 0, u64::MAX - 1, u64::MAX]
        );
        assert_eq!(mul_128(u128::MAX, 1), [u64::MAX, u64::MAX, 0, 0]);
        assert_eq!(div_scale([0u64; 4]), (Some(0), false));
        assert_eq!(div_scale([u64::MAX; 4]).0, None);
        // (2^128 − 1) · 10^18: the largest quotient that fits; 2^128 · 10^18 does not.
        let s = 1_000_000_000_000_000_000u128;
        assert_eq!(div_scale(mul_128(u128::MAX, s)), (Some(u128::MAX), false));
        assert_eq!(div_scale(mul_128(1 << 127, 2 * s)), (None, false));
        assert_eq!(
            div_scale(mul_128(u128::MAX, s - 1)),
            (Some(u128::MAX - u128::MAX / s - 1), true)
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn mul_64_matches_native(a in any::<u64>(), b in any::<u64>()) {
            prop_assert_eq!(join(mul_64(a, b).0, mul_64(a, b).1), a as u128 * b as u128);
        }

        #[test]
        fn mul_i64_matches_checked_mul(a in any::<i64>(), b in any::<i64>(), shift in 0u32..64) {
            prop_assert_eq!(mul_i64(a, b), a.checked_mul(b));
            let (a, b) = (a >> shift, b >> (63 - shift));
            prop_assert_eq!(mul_i64(a, b), a.checked_mul(b));
        }

        #[test]
        fn mul_128_64_matches_native(a in wide(), b in any::<u64>()) {
            let [l0, l1, l2] = mul_128_64(a, b);
            let (high, low) = split(a);
            // a·b = low·b + high·b·2^64
            let lo = low as u128 * b as u128;
            let hi = high as u128 * b as u128 + (lo >> 64);
            prop_assert_eq!((l0, l1, l2), (lo as u64, hi as u64, (hi >> 64) as u64));
        }

        #[test]
        fn mul_128_matches_the_wide_reference(a in wide(), b in wide()) {
            const M: u128 = u64::MAX as u128;
            let (a1, a0, b1, b0) = (a >> 64, a & M, b >> 64, b & M);
            let (p00, p01, p10, p11) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
            let mid = (p00 >> 64) + (p01 & M) + (p10 & M);
            let hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
            let lo = (p00 & M) | (mid << 64);
            prop_assert_eq!(halves(mul_128(a, b)), (hi, lo));
        }

        #[test]
        fn mul_scale_64_matches_the_limb_kernels(a in any::<u64>(), b in any::<u64>(), shift in 0u32..64) {
            for (a, b) in [(a, b), (a >> shift, b), (a, b >> shift), (u64::MAX - (a >> shift), b)] {
                let (q, inexact) = div_scale(mul_128_64(a as u128, b));
                prop_assert_eq!(Some(mul_scale_64(a, b)), q.map(|q| (q, inexact)));
            }
        }

        #[test]
        fn div_scale_matches_long_division(a in wide(), b in wide()) {
            let n = mul_128(a, b);
            let ((q_hi, q), r) = reference_div(halves(n));
            prop_assert_eq!(div_scale(n), ((q_hi == 0).then_some(q), r != 0));
            let [x, y, _, _] = n;
            prop_assert_eq!(div_scale([x, y]), {
                let n = join(y, x);
                (Some(n / 1_000_000_000_000_000_000), !n.is_multiple_of(1_000_000_000_000_000_000))
            });
        }
    }
}
