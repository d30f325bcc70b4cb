//! The oracle guard's normalisation produces the health engine's price quotes: a test of the
//! seam between `oracle` (the program) and `keel_risk::risk` (the engine).

use crate::math::{Fixed, Rounding};
use crate::oracle::{validate, OracleConfig, RawPrice};
use crate::risk::PriceQuote;

/// `mantissa · 10^exponent`, exact.
fn d(mantissa: i64, exponent: i32) -> Fixed {
    Fixed::from_scientific(mantissa, exponent, Rounding::Down).unwrap()
}

/// SOL (9 decimals) at 100 USD ± 0.50, k = 2, quote with 6 decimals: 100 · 10^6 / 10^9 = 0.1
/// quote native per lamport; Init prices 0.1 ∓ 2 · 0.0005 = 0.099 / 0.101 — the quote the
/// engine's hand-computed tests (keel-risk `risk/tests.rs`, `sol`) use.
#[test]
fn sol_quote_matches_the_guard_normalisation_of_100_usd_with_conf_050() {
    let raw = RawPrice {
        price: 10_000,
        conf: 50,
        ema_price: 10_000,
        ema_conf: 50,
        exponent: -2,
        publish_time: 1_000,
        trading: true,
    };
    let config = OracleConfig {
        max_age_secs: 60,
        max_conf_bps: 100,
        conf_multiplier_bps: 20_000,
    };
    let expected = PriceQuote {
        oracle: d(1, -1),
        init_asset: d(99, -3),
        init_liab: d(101, -3),
    };
    assert_eq!(validate(&raw, &config, 9, 6, 1_000).unwrap(), expected);
}
