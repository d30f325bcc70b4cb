//! Tests of the health engine: hand-computed accounts, LiquidationEnd midpoints, and properties
//! (ordering of the kinds, monotonicity, rounding in the protocol's favour).

use super::{AssetWeights, CollateralRisk, HealthCache, HealthKind, LiabilityWeights, PriceQuote};
use crate::math::{Fixed, MathError, FIXED_SCALE};
use crate::MAX_COLLATERALS;
use super::fixtures::{d, q, usdc};
use proptest::prelude::*;
use HealthKind::{Init, LiquidationEnd, Maint};
use std::prelude::rust_2021::*;

/// SOL (9 decimals) at 100 USD ± 0.50, k = 2: 100 · 10^6 / 10^9 = 0.1 quote native per
/// lamport; Init prices 0.1 ∓ 2 · 0.0005 = 0.099 / 0.101. Asset weights init 0.8 / maint 0.9.
fn sol(balance: i64) -> CollateralRisk {
    CollateralRisk {
        asset_index: 1,
        balance,
        prices: PriceQuote { oracle: d(1, -1), init_asset: d(99, -3), init_liab: d(101, -3) },
        asset_weights: AssetWeights { init: d(8, -1), maint: d(9, -1) },
        liability_weights: LiabilityWeights { init: d(12, -1), maint: d(11, -1) },
    }
}

fn cache(entries: &[CollateralRisk]) -> HealthCache {
    let mut cache = HealthCache::new();
    for entry in entries {
        assert!(cache.push_collateral(*entry));
    }
    cache
}

#[test]
fn health_of_1000_usdc_and_2_sol_per_kind() {
    let cache = cache(&[usdc(1_000_000_000), sol(2_000_000_000)]);
    // Init: 1e9 · 1 · 1 + 2e9 · 0.099 · 0.8 = 1e9 + 158.4e6
    assert_eq!(cache.health(Init), Ok(q(1_158_400_000)));
    // Maint: 1e9 + 2e9 · 0.1 · 0.9 = 1e9 + 180e6
    assert_eq!(cache.health(Maint), Ok(q(1_180_000_000)));
    // LiquidationEnd: weight (0.8 + 0.9) / 2 = 0.85 → 1e9 + 170e6
    assert_eq!(cache.health(LiquidationEnd), Ok(q(1_170_000_000)));
    assert_eq!(cache.health(Init).unwrap().raw(), 1_158_400_000 * FIXED_SCALE);
    let parts = cache.components(Maint).unwrap();
    assert_eq!((parts.assets, parts.liabilities), (q(1_180_000_000), Fixed::ZERO));
    assert_eq!(cache.collateral_value(), Ok(q(1_200_000_000)));
}

#[test]
fn negative_quote_balance_counts_as_liability_at_its_weight() {
    let cache = cache(&[usdc(-500_000_000), sol(2_000_000_000)]);
    let liabilities = |kind| cache.components(kind).unwrap().liabilities;
    assert_eq!(liabilities(Init), q(550_000_000)); // 500e6 · 1 · 1.1
    assert_eq!(liabilities(Maint), q(525_000_000)); // 500e6 · 1 · 1.05
    assert_eq!(liabilities(LiquidationEnd), q(537_500_000)); // 500e6 · 1.075
    assert_eq!(cache.health(Init), Ok(q(-391_600_000))); // 158.4e6 − 550e6
    assert_eq!(cache.health(Maint), Ok(q(-345_000_000))); // 180e6 − 525e6
    assert_eq!(cache.health(LiquidationEnd), Ok(q(-367_500_000))); // 170e6 − 537.5e6
    assert_eq!(cache.collateral_value(), Ok(q(-300_000_000)));
}

#[test]
fn liquidation_end_weights_round_liabilities_up_and_assets_down() {
    let one_raw = Fixed::from_raw(1);
    let mut owed = usdc(-500_000_000);
    owed.liability_weights.maint = d(105, -2).add(one_raw).unwrap(); // (1.1 + 1.05 + 1e-18) / 2
    let mut held = sol(2_000_000_000);
    held.asset_weights.maint = d(9, -1).sub(one_raw).unwrap(); // (0.8 + 0.9 − 1e-18) / 2
    assert_eq!(owed.liability_weights.get(LiquidationEnd), Ok(Fixed::from_raw(1_075_000_000_000_000_001)));
    assert_eq!(held.asset_weights.get(LiquidationEnd), Ok(Fixed::from_raw(849_999_999_999_999_999)));
    let parts = cache(&[owed, held]).components(LiquidationEnd).unwrap();
    // 500e6 · 1.075000000000000001 = 537.5e6 + 5e-10; 2e9 · 0.1 · 0.849999999999999999 = 170e6 − 2e-10
    assert_eq!(parts.liabilities, Fixed::from_raw(537_500_000 * FIXED_SCALE + 500_000_000));
    assert_eq!(parts.assets, Fixed::from_raw(170_000_000 * FIXED_SCALE - 200_000_000));
    assert_eq!(parts.health(), Ok(Fixed::from_raw(-367_500_000 * FIXED_SCALE - 700_000_000)));
}

#[test]
fn inexact_products_round_assets_down_and_liabilities_up() {
    let third = PriceQuote {
        oracle: Fixed::from_raw(333_333_333_333_333_333),
        init_asset: Fixed::from_raw(333_333_333_333_333_333),
        init_liab: Fixed::from_raw(333_333_333_333_333_333),
    };
    let entry = |balance| CollateralRisk { balance, prices: third, ..sol(0) };
    // 1 · 0.333333333333333333 · 0.9 = 0.2999999999999999997 → …999 (down)
    assert_eq!(cache(&[entry(1)]).health(Maint), Ok(Fixed::from_raw(299_999_999_999_999_999)));
    // 1 · 0.333333333333333333 · 1.1 = 0.3666666666666666663 → …667 (up), owed
    assert_eq!(cache(&[entry(-1)]).health(Maint), Ok(Fixed::from_raw(-366_666_666_666_666_667)));
    // oracle value of a debt rounds down, i.e. counts at least in full: −0.333333333333333333
    assert_eq!(entry(-1).oracle_value(), Ok(Fixed::from_raw(-333_333_333_333_333_333)));
}

#[test]
fn empty_cache_has_zero_health() {
    for kind in HealthKind::ALL {
        assert_eq!(HealthCache::new().health(kind), Ok(Fixed::ZERO));
    }
}

#[test]
fn cache_holds_at_most_max_collaterals_and_updates_balances_in_place() {
    let mut cache = HealthCache::new();
    for i in 0..MAX_COLLATERALS as u16 {
        assert!(cache.push_collateral(CollateralRisk { asset_index: i, ..usdc(1_000_000) }));
    }
    assert!(!cache.push_collateral(usdc(1)));
    assert_eq!(cache.collaterals().len(), MAX_COLLATERALS);
    assert_eq!(cache.health(Maint), Ok(q(8_000_000)));
    assert!(cache.set_balance(3, -2_000_000)); // one of eight goes to −2 USDC owed at 1.05
    assert!(!cache.set_balance(99, 5));
    assert_eq!(cache.health(Maint), Ok(q(7_000_000 - 2_100_000)));
}

#[test]
fn overflowing_value_is_an_error_not_a_panic() {
    let huge = CollateralRisk { balance: i64::MAX, prices: PriceQuote { oracle: d(1, 2), ..PriceQuote::ONE }, ..usdc(0) };
    assert_eq!(cache(&[huge]).health(Maint), Err(MathError::Overflow));
    assert_eq!(huge.oracle_value(), Err(MathError::Overflow));
    let owed = CollateralRisk { balance: i64::MIN, ..huge };
    assert_eq!(cache(&[owed]).health(Maint), Err(MathError::Overflow));
}

// --- properties --------------------------------------------------------------------------

/// A price in quote native per base native, raw 1 ..= 10^21 (up to 1000), of every magnitude.
fn price_raw() -> impl Strategy<Value = i128> {
    (1u32..=21, any::<u128>()).prop_map(|(digits, x)| 1 + (x % 10u128.pow(digits)) as i128)
}

/// A valid price quote: init_asset ≤ oracle ≤ init_liab, init_asset ≥ 0.
fn quote() -> impl Strategy<Value = PriceQuote> {
    // below, above: shares of the oracle price in millionths
    (price_raw(), 0i128..=1_000_000, 0i128..=1_000_000).prop_map(|(oracle, below, above)| PriceQuote {
        oracle: Fixed::from_raw(oracle),
        init_asset: Fixed::from_raw(oracle - oracle * below / 1_000_000),
        init_liab: Fixed::from_raw(oracle + oracle * above / 1_000_000),
    })
}

/// Asset weights 0 < init ≤ maint ≤ 1 and liability weights 1 ≤ maint ≤ init ≤ 2.
fn weights() -> impl Strategy<Value = (AssetWeights, LiabilityWeights)> {
    let one = FIXED_SCALE;
    (1..=one, 1..=one, one..=2 * one, one..=2 * one).prop_map(|(a, b, c, e)| {
        let assets = AssetWeights { init: Fixed::from_raw(a.min(b)), maint: Fixed::from_raw(a.max(b)) };
        let liabs = LiabilityWeights { init: Fixed::from_raw(c.max(e)), maint: Fixed::from_raw(c.min(e)) };
        (assets, liabs)
    })
}

fn collateral() -> impl Strategy<Value = CollateralRisk> {
    let balance = prop_oneof![-1_000i64..=1_000, -1_000_000_000_000i64..=1_000_000_000_000];
    (any::<u16>(), balance, quote(), weights()).prop_map(|(asset_index, balance, prices, (aw, lw))| CollateralRisk {
        asset_index,
        balance,
        prices,
        asset_weights: aw,
        liability_weights: lw,
    })
}

fn account() -> impl Strategy<Value = Vec<CollateralRisk>> {
    proptest::collection::vec(collateral(), 1..=MAX_COLLATERALS)
}

/// Health of every kind, in `HealthKind::ALL` order.
fn healths(entries: &[CollateralRisk]) -> [Fixed; 3] {
    let cache = cache(entries);
    HealthKind::ALL.map(|kind| cache.health(kind).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn init_le_liquidation_end_le_maint(entries in account()) {
        let [init, maint, liq_end] = healths(&entries);
        prop_assert!(init <= liq_end && liq_end <= maint, "init {} liq_end {} maint {}", init, liq_end, maint);
    }

    #[test]
    fn health_rises_with_the_price_of_a_held_asset_and_falls_with_an_owed_one(
        entries in account(), pick in any::<prop::sample::Index>(), bump in 0i128..=10i128.pow(21),
    ) {
        let before = healths(&entries);
        let mut moved = entries.clone();
        let entry = pick.get_mut(&mut moved);
        let up = |p: Fixed| p.add(Fixed::from_raw(bump)).unwrap();
        entry.prices = PriceQuote { oracle: up(entry.prices.oracle), init_asset: up(entry.prices.init_asset), init_liab: up(entry.prices.init_liab) };
        let held = entry.balance >= 0;
        let after = healths(&moved);
        for k in 0..3 {
            if held { prop_assert!(after[k] >= before[k]) } else { prop_assert!(after[k] <= before[k]) }
        }
    }

    #[test]
    fn health_falls_with_a_higher_liability_weight(
        entries in account(), pick in any::<prop::sample::Index>(), bump in 0i128..=FIXED_SCALE,
    ) {
        let before = healths(&entries);
        let mut moved = entries.clone();
        let w = &mut pick.get_mut(&mut moved).liability_weights;
        *w = LiabilityWeights { init: w.init.add(Fixed::from_raw(bump)).unwrap(), maint: w.maint.add(Fixed::from_raw(bump)).unwrap() };
        let after = healths(&moved);
        for k in 0..3 { prop_assert!(after[k] <= before[k]) }
    }

    #[test]
    fn health_rises_with_a_higher_asset_weight(
        entries in account(), pick in any::<prop::sample::Index>(), bump in 0i128..=FIXED_SCALE,
    ) {
        let before = healths(&entries);
        let mut moved = entries.clone();
        let w = &mut pick.get_mut(&mut moved).asset_weights;
        *w = AssetWeights { init: w.init.add(Fixed::from_raw(bump)).unwrap(), maint: w.maint.add(Fixed::from_raw(bump)).unwrap() };
        let after = healths(&moved);
        for k in 0..3 { prop_assert!(after[k] >= before[k]) }
    }

    /// Weights in bps, as listed on chain, keep the exact value `balance · price · weight` within
    /// i128: with `w = half_bps · 5·10^13` raw, exact raw value = `balance · price_raw · half_bps / 20000`.
    #[test]
    fn rounding_undervalues_assets_and_overvalues_liabilities(
        balance in -1_000_000_000_000i64..=1_000_000_000_000, prices in quote(),
        a_bps in (1u32..=10_000, 1u32..=10_000), l_bps in (10_000u32..=20_000, 10_000u32..=20_000),
    ) {
        let entry = CollateralRisk {
            asset_index: 0,
            balance,
            prices,
            asset_weights: AssetWeights { init: Fixed::from_bps(a_bps.0.min(a_bps.1)), maint: Fixed::from_bps(a_bps.0.max(a_bps.1)) },
            liability_weights: LiabilityWeights { init: Fixed::from_bps(l_bps.0.max(l_bps.1)), maint: Fixed::from_bps(l_bps.0.min(l_bps.1)) },
        };
        let cache = cache(&[entry]);
        for kind in HealthKind::ALL {
            let parts = cache.components(kind).unwrap();
            let (price, weight, computed) = if balance >= 0 {
                (prices.asset_price(kind), entry.asset_weights.get(kind).unwrap(), parts.assets)
            } else {
                (prices.liab_price(kind), entry.liability_weights.get(kind).unwrap(), parts.liabilities)
            };
            const HALF_BPS: i128 = 50_000_000_000_000;
            prop_assert_eq!(weight.raw() % HALF_BPS, 0);
            let exact = balance.unsigned_abs() as i128 * price.raw() * (weight.raw() / HALF_BPS); // · 20000
            let scaled = computed.raw() * 20_000;
            if balance >= 0 {
                // two roundings down, the first scaled by a weight ≤ 1: less than 2 raw short
                prop_assert!(scaled <= exact && exact - scaled < 2 * 20_000, "{:?}: {} vs {}", kind, scaled, exact);
            } else {
                // two roundings up, the first scaled by a weight ≤ 2: less than 3 raw over
                prop_assert!(scaled >= exact && scaled - exact < 3 * 20_000, "{:?}: {} vs {}", kind, scaled, exact);
            }
        }
    }
}
