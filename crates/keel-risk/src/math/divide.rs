//! Long division of a product of limbs by a 128-bit divisor, from 64-bit divides only: Knuth's
//! algorithm D over 32-bit digits (Hacker's Delight, `divmnu64`), the kernel of
//! [`super::Fixed::div`]. A 64-bit dividend of two digits divided by one digit is one native
//! instruction on sBPF, where a `u128` division is a software helper of a hundred or more.
//!
//! The release profile checks overflow, and LLVM widens a checked `u64` multiply to a 128-bit
//! one (a software helper again): every product and sum below is `wrapping_*`, with the bound
//! that keeps it from wrapping.

use super::limbs::join;

/// One 32-bit digit.
const LOW: u64 = 0xffff_ffff;
/// The digit base, 2^32.
const BASE: u64 = 1 << 32;
/// Digits of the dividend: three 64-bit limbs.
const DIGITS: usize = 6;

/// The 32-bit digits of `limbs`, least significant first.
fn digits(limbs: [u64; 3]) -> [u64; DIGITS] {
    let [a, b, c] = limbs;
    [a & LOW, a >> 32, b & LOW, b >> 32, c & LOW, c >> 32]
}

/// Digits in use: the index of the top non-zero digit plus one.
fn used(digits: &[u64]) -> usize {
    digits.iter().rposition(|d| *d != 0).map_or(0, |i| i + 1)
}

/// `⌊n / d⌋` for a divisor below 2^32: one native division per dividend digit.
fn short(n: &[u64; DIGITS], d: u64) -> ([u64; DIGITS], bool) {
    let (mut q, mut r) = ([0u64; DIGITS], 0u64);
    for (q, digit) in q.iter_mut().zip(n).rev() {
        // r < d < 2^32, so cur < 2^64; the quotient digit is below 2^32.
        let cur = (r << 32) | digit;
        *q = cur / d;
        r = cur.wrapping_sub((*q).wrapping_mul(d));
    }
    (q, r != 0)
}

/// `⌊n / v⌋` for a divisor of `len` ≥ 2 digits (`v[len − 1] ≠ 0`): algorithm D.
fn long(n: &[u64; DIGITS], v: &[u64; 4], len: usize) -> ([u64; DIGITS], bool) {
    let mut q = [0u64; DIGITS];
    let m = used(n);
    if m < len {
        return (q, m != 0);
    }
    // Normalise: shift both so that the divisor's top digit has its high bit set.
    let shift = (v[len - 1] as u32).leading_zeros();
    let spill = |high: u64, low: u64| {
        if shift == 0 {
            high
        } else {
            ((high << shift) | (low >> (32 - shift))) & LOW
        }
    };
    let mut vn = [0u64; 4];
    for i in (1..len).rev() {
        vn[i] = spill(v[i], v[i - 1]);
    }
    vn[0] = (v[0] << shift) & LOW;
    let mut un = [0u64; DIGITS + 1];
    un[m] = if shift == 0 {
        0
    } else {
        n[m - 1] >> (32 - shift)
    };
    for i in (1..m).rev() {
        un[i] = spill(n[i], n[i - 1]);
    }
    un[0] = (n[0] << shift) & LOW;
    let (top, next) = (vn[len - 1], vn[len - 2]);
    for j in (0..=m - len).rev() {
        // The quotient digit estimated from the top two digits, at most two too large.
        let num = (un[j + len] << 32) | un[j + len - 1];
        let (mut qhat, mut rhat) = (num / top, num % top);
        // qhat ≤ 2^32 + 1 and ≥ 1 when decremented; the product runs only for qhat < 2^32
        // (short-circuit), so it and `rhat << 32 | digit` (rhat < 2^32) stay below 2^64.
        while qhat >= BASE || qhat.wrapping_mul(next) > ((rhat << 32) | un[j + len - 2]) {
            qhat = qhat.wrapping_sub(1);
            rhat = rhat.wrapping_add(top);
            if rhat >= BASE {
                break;
            }
        }
        // Multiply and subtract qhat · vn from un[j ..= j + len], with a signed borrow: qhat
        // < 2^32 now, so each product is below 2^64, and t, borrow stay within ±2^33.
        let mut borrow = 0i64;
        for i in 0..len {
            let p = qhat.wrapping_mul(vn[i]);
            let t = (un[i + j] as i64)
                .wrapping_sub(borrow)
                .wrapping_sub((p & LOW) as i64);
            un[i + j] = t as u64 & LOW;
            borrow = ((p >> 32) as i64).wrapping_sub(t >> 32);
        }
        let t = (un[j + len] as i64).wrapping_sub(borrow);
        un[j + len] = t as u64 & LOW;
        q[j] = qhat;
        if t < 0 {
            // qhat was one too large (so ≥ 1): add the divisor back (taken by the `edges`
            // test). Each sum is below 2^33.
            q[j] = qhat.wrapping_sub(1);
            let mut carry = 0u64;
            for i in 0..len {
                let t = un[i + j].wrapping_add(vn[i]).wrapping_add(carry);
                un[i + j] = t & LOW;
                carry = t >> 32;
            }
            un[j + len] = un[j + len].wrapping_add(carry) & LOW;
        }
    }
    // The remainder, still shifted, is zero exactly when it is zero unshifted.
    (q, un.iter().take(len).any(|d| *d != 0))
}

/// `(u1·2^64 + u0) / v` and the remainder, for a normalised `v` (top bit set) and `u1 < v`, so
/// that the quotient fits 64 bits: two quotient digits of 32 bits (Hacker's Delight, `divlu`).
fn divlu(u1: u64, u0: u64, v: u64) -> (u64, u64) {
    let (vn1, vn0) = (v >> 32, v & LOW);
    let (un1, un0) = (u0 >> 32, u0 & LOW);
    // One quotient digit of `high · 2^32 + next` (below v · 2^32): estimated from the top digit,
    // at most two too large, corrected. As in `long`, the products run only for q < 2^32 and
    // rhat < 2^32, so nothing wraps; the remainder (below v) is computed modulo 2^64.
    let digit = |high: u64, next: u64| {
        let (mut q, mut rhat) = (high / vn1, high % vn1);
        while q >= BASE || q.wrapping_mul(vn0) > ((rhat << 32) | next) {
            q = q.wrapping_sub(1);
            rhat = rhat.wrapping_add(vn1);
            if rhat >= BASE {
                break;
            }
        }
        (q, (high << 32 | next).wrapping_sub(q.wrapping_mul(v)))
    };
    let (q1, r) = digit(u1, un1);
    let (q0, r) = digit(r, un0);
    ((q1 << 32) | q0, r)
}

/// `⌊n / d⌋` for a divisor of one limb: two 128-by-64-bit steps after normalising.
fn divide_64(n: [u64; 3], d: u64) -> (Option<u128>, bool) {
    let [n0, n1, n2] = n;
    if n2 >= d {
        // n ≥ d · 2^128: the quotient does not fit.
        return (None, true);
    }
    let shift = d.leading_zeros();
    let spill = |high: u64, low: u64| {
        if shift == 0 {
            high
        } else {
            (high << shift) | (low >> (64 - shift))
        }
    };
    // n2 < d, so n2 shifted stays below the shifted divisor: no bit is lost.
    let (u2, u1, u0) = (spill(n2, n1), spill(n1, n0), n0 << shift);
    let (q1, r) = divlu(u2, u1, d << shift);
    let (q0, r) = divlu(r, u0, d << shift);
    (Some(join(q1, q0)), r != 0)
}

/// `⌊n / d⌋` of the three limbs `n` when it fits 128 bits (`None` otherwise), and whether a
/// remainder was left; `d > 0`.
pub fn divide(n: [u64; 3], d: u128) -> (Option<u128>, bool) {
    let (d1, d0) = ((d >> 64) as u64, d as u64);
    if d1 == 0 && d0 >> 32 != 0 {
        return divide_64(n, d0);
    }
    let n = digits(n);
    let v = [d0 & LOW, d0 >> 32, d1 & LOW, d1 >> 32];
    let len = used(&v);
    let (q, inexact) = if len <= 1 {
        short(&n, v[0].max(1))
    } else {
        long(&n, &v, len)
    };
    let fits = q[4] == 0 && q[5] == 0;
    let quotient = join((q[3] << 32) | q[2], (q[1] << 32) | q[0]);
    (fits.then_some(quotient), inexact)
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::limbs::mul_128_64;
    use super::*;
    use proptest::prelude::*;

    /// `(hi, lo) / d` by binary long division: (quotient halves, remainder); the reference
    /// of this module's and `limbs`' division tests.
    pub(in crate::math) fn reference((hi, lo): (u128, u128), d: u128) -> ((u128, u128), u128) {
        let (mut q, mut r) = ((0u128, 0u128), 0u128);
        for i in (0..256).rev() {
            let bit = if i >= 128 {
                (hi >> (i - 128)) & 1
            } else {
                (lo >> i) & 1
            };
            let carry = r >> 127;
            r = (r << 1) | bit;
            if carry == 1 || r >= d {
                r = r.wrapping_sub(d);
                if i >= 128 {
                    q.0 |= 1 << (i - 128)
                } else {
                    q.1 |= 1 << i
                }
            }
        }
        (q, r)
    }

    fn wide() -> impl Strategy<Value = u128> {
        (any::<u128>(), 0u32..128).prop_map(|(x, shift)| x >> shift)
    }

    fn check(a: u128, b: u64, d: u128) {
        let n = mul_128_64(a, b);
        let ((q_hi, q), r) = reference((n[2] as u128, join(n[1], n[0])), d);
        assert_eq!(
            divide(n, d),
            ((q_hi == 0).then_some(q), r != 0),
            "{a} · {b} / {d}"
        );
    }

    #[test]
    fn edges() {
        let s = 1_000_000_000_000_000_000u64;
        for (a, b, d) in [
            (u128::MAX, s, u128::MAX),
            (u128::MAX, s, 1),
            (u128::MAX, 1, u128::MAX - 1),
            (u128::MAX - 1, u64::MAX, 1 << 64),
            (1 << 96, 1 << 32, (1 << 64) + 1),
            (0, s, 3),
            (7, s, 1 << 127),
            // qhat estimated two too large and the add-back taken (Hacker's Delight cases).
            (0x8000_0000_0000_0000_0000_0000, 1, 0x8000_0000_0000_0001),
            (
                0x7fff_8000_0000_0000_0000_0000_0000_0000,
                1 << 32,
                0x8000_0000_0000_0000_0000_0000_0001,
            ),
            (
                0x7fffffff_80000000_00000000_00000000,
                1,
                0x80000000_00000000_00000001,
            ),
            // One-limb divisors: at 2^32, the largest, a top limb just below the divisor.
            (u128::MAX, s, 1 << 32),
            (u128::MAX, s, u64::MAX as u128),
            (u128::MAX, u64::MAX - 1, u64::MAX as u128),
            (u128::MAX, u64::MAX, u64::MAX as u128),
            ((1 << 127) + 12345, 2, (1 << 63) + 1),
        ] {
            check(a, b, d);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn divide_matches_long_division(a in wide(), b in any::<u64>(), d in wide().prop_filter("non-zero", |d| *d != 0)) {
            check(a, b, d);
            check(a, 1_000_000_000_000_000_000, d);
        }
    }
}
