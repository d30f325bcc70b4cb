//! Tests of [`validate`]: one error per guard, normalisation across decimals, conservative
//! Init prices, and `init_asset ≤ oracle ≤ init_liab` as a property.

use super::*;
use proptest::prelude::*;

const NOW: i64 = 1_700_000_000;
const SOL: u8 = 9;
const USDC: u8 = 6;

/// Max age 60 s, confidence at most 2% of the price, k = 2.
const CONFIG: OracleConfig = OracleConfig { max_age_secs: 60, max_conf_bps: 200, conf_multiplier_bps: 20_000 };

/// `price · 10^exponent` with EMA equal to the price and no confidence interval, published now.
fn raw(price: i64, exponent: i32) -> RawPrice {
    RawPrice { price, conf: 0, ema_price: price, ema_conf: 0, exponent, publish_time: NOW, trading: true }
}

fn sol_usdc(raw: &RawPrice, config: &OracleConfig) -> Result<PriceQuote, KeelError> {
    validate(raw, config, SOL, USDC, NOW)
}

fn flat(price: Fixed) -> PriceQuote {
    PriceQuote { oracle: price, init_asset: price, init_liab: price }
}

/// `mantissa · 10^exponent`, exact.
fn d(mantissa: i64, exponent: i32) -> Fixed {
    Fixed::from_scientific(mantissa, exponent, Rounding::Down).unwrap()
}

#[track_caller]
fn assert_fails(result: Result<PriceQuote, KeelError>, expected: KeelError) {
    match result {
        Err(e) if e as u32 == expected as u32 => {}
        other => panic!("expected Err({expected:?}), got {other:?}"),
    }
}

// --- normalisation -----------------------------------------------------------------------

#[test]
fn sol_at_150_00_is_0_15_usdc_native_per_lamport_exactly() {
    // 150.00 USD/SOL · 10^6 USDC native/USD / 10^9 lamports/SOL = 0.15
    let quote = sol_usdc(&raw(15_000, -2), &CONFIG).unwrap();
    assert_eq!(quote, flat(Fixed::from_raw(150_000_000_000_000_000)));
}

#[test]
fn normalises_across_base_decimals() {
    // BTC, 8 decimals: 65000.00000000 USD → 65000 · 10^6 / 10^8 = 650 per satoshi
    let btc = validate(&raw(6_500_000_000_000, -8), &CONFIG, 8, USDC, NOW).unwrap();
    assert_eq!(btc, flat(Fixed::from_i64(650)));
    // ETH, 18 decimals: 3500.00000000 USD → 3500 · 10^6 / 10^18 = 3.5e-9 per wei
    let eth = validate(&raw(350_000_000_000, -8), &CONFIG, 18, USDC, NOW).unwrap();
    assert_eq!(eth, flat(Fixed::from_raw(3_500_000_000)));
    // USDT, 6 decimals like the quote: 0.99980000 USD → 0.9998
    let usdt = validate(&raw(99_980_000, -8), &CONFIG, 6, USDC, NOW).unwrap();
    assert_eq!(usdt, flat(d(9_998, -4)));
    // an indivisible token (0 decimals) at 123.45678900 USD → 123456789 USDC native
    let whole = validate(&raw(12_345_678_900, -8), &CONFIG, 0, USDC, NOW).unwrap();
    assert_eq!(whole, flat(Fixed::from_i64(123_456_789)));
    // a positive exponent: 3 · 10^2 USD per whole 9-decimal token → 0.3
    assert_eq!(sol_usdc(&raw(3, 2), &CONFIG).unwrap(), flat(d(3, -1)));
}

#[test]
fn inexact_normalisation_rounds_oracle_and_init_asset_down_and_init_liab_up() {
    // 1.23456789 USD per 18-decimal token: 1.23456789e-12 per wei = raw 1234567.89
    let quote = validate(&raw(123_456_789, -8), &CONFIG, 18, USDC, NOW).unwrap();
    assert_eq!(quote.oracle, Fixed::from_raw(1_234_567));
    assert_eq!(quote.init_asset, Fixed::from_raw(1_234_567));
    assert_eq!(quote.init_liab, Fixed::from_raw(1_234_568));
    // spot above EMA (1.00000000 → raw exactly 1000000): the spot price alone is rounded up
    let r = RawPrice { ema_price: 100_000_000, ..raw(123_456_789, -8) };
    let quote = validate(&r, &CONFIG, 18, USDC, NOW).unwrap();
    assert_eq!(quote, PriceQuote { oracle: Fixed::from_raw(1_234_567), init_asset: Fixed::from_raw(1_000_000), init_liab: Fixed::from_raw(1_234_568) });
    // confidence 0.01234567 USD → raw 12345.67 → up 12346; k = 2 → 24692 each side
    let r = RawPrice { conf: 1_234_567, ..r };
    let quote = validate(&r, &CONFIG, 18, USDC, NOW).unwrap();
    assert_eq!(quote.init_asset, Fixed::from_raw(1_000_000)); // min(1234567 − 24692, 1000000)
    assert_eq!(quote.init_liab, Fixed::from_raw(1_234_568 + 24_692));
}

// --- conservative Init prices ------------------------------------------------------------

#[test]
fn init_prices_take_the_wider_of_spot_and_ema_bands() {
    // spot 100.00 ± 0.50, EMA 101.00 ± 0.20, k = 2, in USDC native per lamport:
    // spot band 0.1 ∓ 0.001 = [0.099, 0.101], EMA band 0.101 ∓ 0.0004 = [0.1006, 0.1014]
    let r = RawPrice { price: 10_000, conf: 50, ema_price: 10_100, ema_conf: 20, exponent: -2, publish_time: NOW, trading: true };
    let quote = sol_usdc(&r, &CONFIG).unwrap();
    assert_eq!(quote, PriceQuote { oracle: d(1, -1), init_asset: d(99, -3), init_liab: d(1_014, -4) });
    // swapped: spot 101.00 ± 0.20, EMA 100.00 ± 0.50 → same bands, oracle 0.101
    let r = RawPrice { price: 10_100, conf: 20, ema_price: 10_000, ema_conf: 50, ..r };
    let quote = sol_usdc(&r, &CONFIG).unwrap();
    assert_eq!(quote, PriceQuote { oracle: d(101, -3), init_asset: d(99, -3), init_liab: d(1_014, -4) });
}

#[test]
fn init_prices_with_k_zero_are_the_spot_and_ema_extremes() {
    let config = OracleConfig { conf_multiplier_bps: 0, ..CONFIG };
    let r = RawPrice { price: 10_000, conf: 50, ema_price: 9_000, ema_conf: 90, exponent: -2, publish_time: NOW, trading: true };
    let quote = sol_usdc(&r, &config).unwrap();
    assert_eq!(quote, PriceQuote { oracle: d(1, -1), init_asset: d(9, -2), init_liab: d(1, -1) });
}

#[test]
fn init_asset_price_is_floored_at_zero() {
    // EMA 100.00 ± 50.00 with k = 5: 0.1 − 5 · 0.05 < 0 → 0; liabilities at 0.1 + 0.25 = 0.35
    let config = OracleConfig { conf_multiplier_bps: 50_000, ..CONFIG };
    let r = RawPrice { ema_conf: 5_000, ..raw(10_000, -2) };
    assert_eq!(sol_usdc(&r, &config).unwrap(), PriceQuote { oracle: d(1, -1), init_asset: Fixed::ZERO, init_liab: d(35, -2) });
    // spot confidence at the 20% cap with k = 5 reaches exactly 0
    let config = OracleConfig { max_conf_bps: 2_000, conf_multiplier_bps: 50_000, ..CONFIG };
    let r = RawPrice { conf: 2_000, ..raw(10_000, -2) };
    assert_eq!(sol_usdc(&r, &config).unwrap(), PriceQuote { oracle: d(1, -1), init_asset: Fixed::ZERO, init_liab: d(2, -1) });
}

// --- guards --------------------------------------------------------------------------------

#[test]
fn non_positive_price_or_ema_is_refused() {
    for (price, ema) in [(0, 100), (-1, 100), (100, 0), (100, -5), (i64::MIN, i64::MIN)] {
        let r = RawPrice { price, ema_price: ema, ..raw(100, -2) };
        assert_fails(sol_usdc(&r, &CONFIG), KeelError::OracleNonPositivePrice);
    }
}

#[test]
fn price_older_than_max_age_is_stale() {
    let at = |publish_time| RawPrice { publish_time, ..raw(15_000, -2) };
    assert!(sol_usdc(&at(NOW - 60), &CONFIG).is_ok());
    assert_fails(sol_usdc(&at(NOW - 61), &CONFIG), KeelError::OracleStale);
    assert_fails(sol_usdc(&at(i64::MIN), &CONFIG), KeelError::OracleStale);
}

#[test]
fn price_not_trading_is_refused_before_any_other_guard() {
    assert_fails(sol_usdc(&RawPrice { trading: false, ..raw(15_000, -2) }, &CONFIG), KeelError::OracleNotTrading);
}

#[test]
fn price_published_more_than_the_skew_ahead_of_the_clock_is_from_the_future() {
    let at = |publish_time| RawPrice { publish_time, ..raw(15_000, -2) };
    assert!(sol_usdc(&at(NOW + MAX_CLOCK_SKEW_SECS), &CONFIG).is_ok());
    assert_fails(sol_usdc(&at(NOW + MAX_CLOCK_SKEW_SECS + 1), &CONFIG), KeelError::OracleFromTheFuture);
    assert_fails(sol_usdc(&at(i64::MAX), &CONFIG), KeelError::OracleFromTheFuture);
    // an hour ahead would otherwise pass the 60 s age guard for an hour and a minute
    assert_fails(validate(&at(NOW + 3_600), &CONFIG, SOL, USDC, NOW + 3_540), KeelError::OracleFromTheFuture);
}

#[test]
fn confidence_wider_than_max_share_is_refused() {
    // 2% of 100.00 is 2.00: conf 200 passes, 201 does not
    let with = |conf| RawPrice { conf, ..raw(10_000, -2) };
    assert!(sol_usdc(&with(200), &CONFIG).is_ok());
    assert_fails(sol_usdc(&with(201), &CONFIG), KeelError::OracleConfidenceTooWide);
    assert_fails(sol_usdc(&with(u64::MAX), &CONFIG), KeelError::OracleConfidenceTooWide);
}

#[test]
fn exponent_or_decimal_shift_out_of_range_is_refused() {
    assert_fails(sol_usdc(&raw(100, -21), &CONFIG), KeelError::OracleExponentOutOfRange);
    assert_fails(sol_usdc(&raw(100, 11), &CONFIG), KeelError::OracleExponentOutOfRange);
    assert_fails(sol_usdc(&raw(100, i32::MIN), &CONFIG), KeelError::OracleExponentOutOfRange);
    // shift = exponent + quote − base: −20 + 6 − 30 = −44 < −36
    assert_fails(validate(&raw(100, -20), &CONFIG, 30, USDC, NOW), KeelError::OracleExponentOutOfRange);
    // 10 + 18 − 0 = 28 > 18
    assert_fails(validate(&raw(1, 10), &CONFIG, 0, 18, NOW), KeelError::OracleExponentOutOfRange);
    // edges accepted: −20 + 6 − 18 = −32 and 10 + 6 − 0 = 16
    assert!(validate(&raw(100, -20), &CONFIG, 18, USDC, NOW).is_ok());
    assert!(validate(&raw(1, 10), &CONFIG, 0, USDC, NOW).is_ok());
}

#[test]
fn guards_apply_in_documented_order() {
    let bad = RawPrice { price: 0, conf: u64::MAX, ema_price: 1, ema_conf: 0, exponent: 50, publish_time: 0, trading: false };
    assert_fails(sol_usdc(&bad, &CONFIG), KeelError::OracleNotTrading);
    let bad = RawPrice { trading: true, ..bad };
    assert_fails(sol_usdc(&bad, &CONFIG), KeelError::OracleNonPositivePrice);
    let bad = RawPrice { price: 100, ..bad };
    assert_fails(sol_usdc(&bad, &CONFIG), KeelError::OracleExponentOutOfRange);
    let bad = RawPrice { exponent: -2, publish_time: NOW + 11, ..bad };
    assert_fails(sol_usdc(&bad, &CONFIG), KeelError::OracleFromTheFuture);
    let bad = RawPrice { publish_time: 0, ..bad };
    assert_fails(sol_usdc(&bad, &CONFIG), KeelError::OracleStale);
    let bad = RawPrice { publish_time: NOW, ..bad };
    assert_fails(sol_usdc(&bad, &CONFIG), KeelError::OracleConfidenceTooWide);
}

#[test]
fn unrepresentable_ema_conf_or_value_is_an_error() {
    let r = RawPrice { ema_conf: u64::MAX, ..raw(10_000, -2) };
    assert_fails(sol_usdc(&r, &CONFIG), KeelError::OracleInvalidData);
    // i64::MAX · 10^(10 + 6 − 0 + 18) raw does not fit a Fixed
    assert_fails(validate(&raw(i64::MAX, 10), &CONFIG, 0, USDC, NOW), KeelError::MathOverflow);
}

// --- properties ----------------------------------------------------------------------------

fn config() -> impl Strategy<Value = OracleConfig> {
    (1..=MAX_ORACLE_AGE_SECS, 1..=MAX_ORACLE_CONF_BPS, 0..=MAX_CONF_MULTIPLIER_BPS)
        .prop_map(|(max_age_secs, max_conf_bps, conf_multiplier_bps)| OracleConfig { max_age_secs, max_conf_bps, conf_multiplier_bps })
}

/// Prices up to 10^11 with exponents −12..=2 and bases 0..=18 decimals: every value fits,
/// so a price that passes the guards always yields a quote.
fn passing_raw(config: OracleConfig) -> impl Strategy<Value = (RawPrice, u8)> {
    (1i64..=100_000_000_000, 1i64..=100_000_000_000, 0u64..=1_000_000, 0u64..=1_000_000, -12i32..=2, 0u8..=18, 0..=config.max_age_secs as i64)
        .prop_map(move |(price, ema_price, conf_ppm, ema_conf_ppm, exponent, base, age)| {
            let max_conf = price as u128 * config.max_conf_bps as u128 / BPS_PER_UNIT as u128;
            let conf = (max_conf * conf_ppm as u128 / 1_000_000) as u64;
            let ema_conf = (ema_price as u128 * ema_conf_ppm as u128 / 1_000_000) as u64;
            (RawPrice { price, conf, ema_price, ema_conf, exponent, publish_time: NOW - age, trading: true }, base)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn passing_price_has_init_asset_le_oracle_le_init_liab((config, (r, base)) in config().prop_flat_map(|c| (Just(c), passing_raw(c)))) {
        let quote = validate(&r, &config, base, USDC, NOW).unwrap();
        prop_assert!(Fixed::ZERO <= quote.init_asset && quote.init_asset <= quote.oracle && quote.oracle <= quote.init_liab, "{:?}", quote);
        // Reference in raw units: mantissas shifted by decimals, each rounded against the user.
        let s = r.exponent + USDC as i32 - base as i32 + 18;
        let floor = |m: i128| if s >= 0 { m * 10i128.pow(s as u32) } else { m / 10i128.pow(s.unsigned_abs()) };
        let ceil = |m: i128| if s >= 0 { floor(m) } else { (m + 10i128.pow(s.unsigned_abs()) - 1) / 10i128.pow(s.unsigned_abs()) };
        let k = config.conf_multiplier_bps as i128; // k · c rounded up: ⌈k_bps · c / 10^4⌉
        let k_times = |c: i128| c / 10_000 * k + (c % 10_000 * k + 9_999) / 10_000;
        let (price, ema) = (r.price as i128, r.ema_price as i128);
        let (k_conf, k_ema_conf) = (k_times(ceil(r.conf as i128)), k_times(ceil(r.ema_conf as i128)));
        prop_assert_eq!(quote.oracle.raw(), floor(price));
        prop_assert_eq!(quote.init_asset.raw(), (floor(price) - k_conf).min(floor(ema) - k_ema_conf).max(0));
        prop_assert_eq!(quote.init_liab.raw(), (ceil(price) + k_conf).max(ceil(ema) + k_ema_conf));
    }

    #[test]
    fn validate_never_panics_and_any_quote_is_ordered(
        price in any::<i64>(), conf in any::<u64>(), ema_price in any::<i64>(), ema_conf in any::<u64>(),
        exponent in -40i32..=40, base in any::<u8>(), quote_decimals in any::<u8>(), age in -100i64..=4_000, config in config(),
    ) {
        let r = RawPrice { price, conf, ema_price, ema_conf, exponent, publish_time: NOW - age, trading: true };
        if let Ok(quote) = validate(&r, &config, base, quote_decimals, NOW) {
            prop_assert!(Fixed::ZERO <= quote.init_asset && quote.init_asset <= quote.oracle && quote.oracle <= quote.init_liab);
            prop_assert!(price > 0 && ema_price > 0 && age <= config.max_age_secs as i64 && -age <= MAX_CLOCK_SKEW_SECS);
        }
    }
}
