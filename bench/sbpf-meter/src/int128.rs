//! 128-bit multiplication and division from 64-bit operations, and (on sBPF) the compiler
//! helpers `__multi3`, `__udivti3`, `__umodti3`, `__divti3`, `__modti3` built on them.
//!
//! LLVM lowers `u128`/`i128` `*`, `/`, `%` to calls of these helpers on BPF, and this pipeline
//! links no compiler_builtins: the program provides them, with the libcall convention (operands
//! in r1:r2 and r3:r4, result in r0:r2) that `extern "unadjusted"` gives. Nothing here uses a
//! 128-bit `*`, `/` or `%` itself; the functions are tested natively against Rust's own.

/// Low 32 bits.
const LOW: u64 = 0xffff_ffff;

/// `(high, low)` halves of a `u128`.
fn halves(x: u128) -> (u64, u64) {
    ((x >> 64) as u64, x as u64)
}

/// The `u128` of `(high, low)`.
fn join(high: u64, low: u64) -> u128 {
    ((high as u128) << 64) | low as u128
}

/// The full product of two `u64`, as `(high, low)`.
fn mul_wide(a: u64, b: u64) -> (u64, u64) {
    let (a0, a1, b0, b1) = (a & LOW, a >> 32, b & LOW, b >> 32);
    let (p00, p01, p10, p11) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    let mid = (p00 >> 32) + (p01 & LOW) + (p10 & LOW);
    (
        p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32),
        (p00 & LOW) | (mid << 32),
    )
}

/// `a · b` modulo 2^128.
pub fn mul(a: u128, b: u128) -> u128 {
    let ((a_hi, a_lo), (b_hi, b_lo)) = (halves(a), halves(b));
    let (high, low) = mul_wide(a_lo, b_lo);
    let cross = a_lo
        .wrapping_mul(b_hi)
        .wrapping_add(a_hi.wrapping_mul(b_lo));
    join(high.wrapping_add(cross), low)
}

/// `(u1·2^64 + u0) / v` and the remainder, for `u1 < v` (the quotient fits in 64 bits):
/// Knuth's algorithm D on 32-bit digits (Hacker's Delight, `divlu`).
fn div_wide(u1: u64, u0: u64, v: u64) -> (u64, u64) {
    const B: u64 = 1 << 32;
    let s = v.leading_zeros();
    let v = v << s;
    let (vn1, vn0) = (v >> 32, v & LOW);
    let un32 = (u1 << s) | if s == 0 { 0 } else { u0 >> (64 - s) };
    let un10 = u0 << s;
    let (un1, un0) = (un10 >> 32, un10 & LOW);
    let digit = |high: u64, next: u64| -> u64 {
        let (mut q, mut rhat) = (high / vn1, high % vn1);
        while q >= B || q * vn0 > (rhat << 32) + next {
            q -= 1;
            rhat += vn1;
            if rhat >= B {
                break;
            }
        }
        q
    };
    let q1 = digit(un32, un1);
    let un21 = (un32 << 32)
        .wrapping_add(un1)
        .wrapping_sub(q1.wrapping_mul(v));
    let q0 = digit(un21, un0);
    let r = (un21 << 32)
        .wrapping_add(un0)
        .wrapping_sub(q0.wrapping_mul(v))
        >> s;
    ((q1 << 32) | q0, r)
}

/// `(n / d, n % d)` for `d > 0`.
pub fn divmod(n: u128, d: u128) -> (u128, u128) {
    let ((n_hi, n_lo), (d_hi, d_lo)) = (halves(n), halves(d));
    if d_hi == 0 {
        if n_hi == 0 {
            return ((n_lo / d_lo) as u128, (n_lo % d_lo) as u128);
        }
        let (q_hi, r_hi) = (n_hi / d_lo, n_hi % d_lo);
        let (q_lo, r) = div_wide(r_hi, n_lo, d_lo);
        return (join(q_hi, q_lo), r as u128);
    }
    if n < d {
        return (0, n);
    }
    // d ≥ 2^64: the quotient has at most 64 bits; shift and subtract one bit at a time.
    let shift = d.leading_zeros() - n.leading_zeros();
    let mut divisor = d;
    for _ in 0..shift {
        divisor <<= 1;
    }
    let (mut quotient, mut rest) = (0u128, n);
    for _ in 0..=shift {
        quotient <<= 1;
        if rest >= divisor {
            rest -= divisor;
            quotient |= 1;
        }
        divisor >>= 1;
    }
    (quotient, rest)
}

/// `a / b` for signed values, truncated towards zero (modulo 2^128 for `i128::MIN / −1`).
pub fn div_signed(a: i128, b: i128) -> i128 {
    let q = divmod(a.unsigned_abs(), b.unsigned_abs()).0 as i128;
    if (a < 0) != (b < 0) {
        q.wrapping_neg()
    } else {
        q
    }
}

/// `a % b` for signed values, with the sign of `a`.
pub fn rem_signed(a: i128, b: i128) -> i128 {
    let r = divmod(a.unsigned_abs(), b.unsigned_abs()).1 as i128;
    if a < 0 {
        r.wrapping_neg()
    } else {
        r
    }
}

/// The helpers LLVM calls for 128-bit arithmetic on sBPF.
#[cfg(target_arch = "bpf")]
mod helpers {
    #[no_mangle]
    extern "unadjusted" fn __multi3(a: i128, b: i128) -> i128 {
        super::mul(a as u128, b as u128) as i128
    }

    #[no_mangle]
    extern "unadjusted" fn __udivti3(n: u128, d: u128) -> u128 {
        super::divmod(n, d).0
    }

    #[no_mangle]
    extern "unadjusted" fn __umodti3(n: u128, d: u128) -> u128 {
        super::divmod(n, d).1
    }

    #[no_mangle]
    extern "unadjusted" fn __divti3(a: i128, b: i128) -> i128 {
        super::div_signed(a, b)
    }

    #[no_mangle]
    extern "unadjusted" fn __modti3(a: i128, b: i128) -> i128 {
        super::rem_signed(a, b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Values spread over every magnitude, not only large ones.
    fn wide() -> impl Strategy<Value = u128> {
        (any::<u128>(), 0u32..128).prop_map(|(x, shift)| x >> shift)
    }

    #[test]
    fn divmod_matches_at_the_edges() {
        for (n, d) in [
            (u128::MAX, 1),
            (u128::MAX, u128::MAX),
            (1 << 64, (1 << 64) - 1),
            (10u128.pow(36), 10u128.pow(18)),
            (0, 7),
        ] {
            assert_eq!(divmod(n, d), (n / d, n % d), "{n} / {d}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn mul_matches_wrapping_mul(a in wide(), b in wide()) {
            prop_assert_eq!(mul(a, b), a.wrapping_mul(b));
        }

        #[test]
        fn divmod_matches_native(n in wide(), d in wide().prop_filter("non-zero", |d| *d != 0)) {
            prop_assert_eq!(divmod(n, d), (n / d, n % d));
        }

        #[test]
        fn signed_division_matches_native(a in any::<i128>(), b in any::<i128>().prop_filter("non-zero", |b| *b != 0)) {
            prop_assert_eq!(div_signed(a, b), a.wrapping_div(b));
            prop_assert_eq!(rem_signed(a, b), a.wrapping_rem(b));
        }
    }
}
