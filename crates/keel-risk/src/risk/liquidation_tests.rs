//! Tests of liquidation sizing: the binary search against a linear scan, and the split health
//! against a full recomputation.

use super::{smallest_sufficient, AssetWeights, CollateralRisk, HealthCache, HealthKind, LiabilityWeights, MarginRatios, PerpRisk, PriceQuote, StepEntries, StepHealth};
use crate::math::Fixed;
use super::fixtures::d;
use proptest::prelude::*;
use std::prelude::rust_2021::*;

/// A collateral with index `index`, price `price` quote native per native unit, asset weights
/// 0.8 / 0.9 (1 for the quote asset, index 0), liability weights 1.1 / 1.05.
fn collateral(index: u16, balance: i64, price: Fixed) -> CollateralRisk {
    let (init, maint) = if index == 0 { (Fixed::ONE, Fixed::ONE) } else { (d(8, -1), d(9, -1)) };
    CollateralRisk {
        asset_index: index,
        balance,
        prices: PriceQuote { oracle: price, init_asset: price, init_liab: price },
        asset_weights: AssetWeights { init, maint },
        liability_weights: LiabilityWeights { init: d(11, -1), maint: d(105, -2) },
    }
}

/// A perp of market `index` at 0.1 quote native per base native, lots of 10^7, 10 % / 5 %.
fn perp(index: u16, base_lots: i64, quote_native: i64) -> PerpRisk {
    PerpRisk {
        market_index: index,
        base_lot_size: 10_000_000,
        base_lots,
        quote_native,
        prices: PriceQuote { oracle: d(1, -1), init_asset: d(1, -1), init_liab: d(1, -1) },
        margin: MarginRatios { init: d(1, -1), maint: d(5, -2) },
        pnl_init_weight: d(5, -1),
        ..PerpRisk::default()
    }
}

proptest! {
    /// The binary search finds the first `n` a monotone predicate accepts, as a scan would, and
    /// `max` when none does; it evaluates at most 64 candidates.
    #[test]
    fn smallest_sufficient_matches_a_linear_scan(max in 0i64..3_000, threshold in 0i64..3_500) {
        let mut calls = 0;
        let found = smallest_sufficient(max, |n| { calls += 1; Ok::<_, ()>(n >= threshold) }).unwrap();
        let scanned = (1..=max).find(|n| *n >= threshold).unwrap_or(max.max(0));
        prop_assert_eq!(found, scanned);
        prop_assert!(calls <= 64);
    }

    /// The split health with replaced entries equals the full health of a cache holding those
    /// entries, for Maint and LiquidationEnd.
    #[test]
    fn split_health_equals_full_recomputation(
        quote in -5_000_000_000i64..5_000_000_000,
        sol in 0i64..100_000_000_000,
        lots in -5_000i64..5_000,
        cost in -50_000_000_000i64..50_000_000_000,
        other_lots in -5_000i64..5_000,
        new_quote in -5_000_000_000i64..5_000_000_000,
        new_sol in 0i64..100_000_000_000,
        new_lots in -5_000i64..5_000,
    ) {
        let sol_price = d(1, -1);
        let mut cache = HealthCache::new();
        cache.push_collateral(collateral(0, quote, Fixed::ONE));
        cache.push_collateral(collateral(1, sol, sol_price));
        cache.push_perp(perp(2, lots, cost));
        cache.push_perp(perp(5, other_lots, -other_lots * 1_000_000));
        for (asset, market) in [(None, Some(2)), (Some(1), None)] {
            let split = StepHealth::split(&cache, 0, asset, market).unwrap();
            let entries = StepEntries {
                quote: collateral(0, new_quote, Fixed::ONE),
                collateral: asset.map(|_| collateral(1, new_sol, sol_price)),
                perp: market.map(|_| perp(2, new_lots, cost)),
            };
            let mut full = HealthCache::new();
            full.push_collateral(entries.quote);
            full.push_collateral(entries.collateral.unwrap_or(collateral(1, sol, sol_price)));
            full.push_perp(entries.perp.unwrap_or(perp(2, lots, cost)));
            full.push_perp(perp(5, other_lots, -other_lots * 1_000_000));
            let health = split.with(&entries).unwrap();
            prop_assert_eq!(health.maint, full.health(HealthKind::Maint).unwrap());
            prop_assert_eq!(health.liq_end, full.health(HealthKind::LiquidationEnd).unwrap());
        }
    }
}
