//! Cost of the health engine as the number of perp positions grows.
//!
//! Each account holds 2 collaterals (USDC and SOL) and `n` perp positions, each with resting
//! bids and asks, so every position evaluates all three scenarios (current, all bids filled,
//! all asks filled). Two measurements per `n`:
//! - `init`: `HealthCache::health(HealthKind::Init)`, the check after a risk-increasing action;
//! - `view`: `HealthCache::components` of all three kinds, what the health view reports.
//!
//! Run with `cargo bench -p keel-risk --bench health`.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use keel_risk::math::{Fixed, Rounding};
use keel_risk::risk::{
    AssetWeights, CollateralRisk, HealthCache, HealthKind, LiabilityWeights, MarginRatios, PerpRisk, PriceQuote,
};

/// `mantissa · 10^exponent`, exact.
fn d(mantissa: i64, exponent: i32) -> Fixed {
    Fixed::from_scientific(mantissa, exponent, Rounding::Down).unwrap()
}

/// A price of `oracle_milli / 1000` quote native per base native, Init prices ± 1 %.
fn prices(oracle_milli: i64) -> PriceQuote {
    PriceQuote { oracle: d(oracle_milli, -3), init_asset: d(oracle_milli * 99, -5), init_liab: d(oracle_milli * 101, -5) }
}

fn usdc(balance: i64) -> CollateralRisk {
    CollateralRisk {
        asset_index: 0,
        balance,
        prices: PriceQuote::ONE,
        asset_weights: AssetWeights { init: Fixed::ONE, maint: Fixed::ONE },
        liability_weights: LiabilityWeights { init: d(11, -1), maint: d(105, -2) },
    }
}

fn sol(balance: i64) -> CollateralRisk {
    CollateralRisk {
        asset_index: 1,
        balance,
        prices: prices(100),
        asset_weights: AssetWeights { init: d(8, -1), maint: d(9, -1) },
        liability_weights: LiabilityWeights { init: d(12, -1), maint: d(11, -1) },
    }
}

/// Market `i`: alternating longs and shorts with resting orders on both sides, around an
/// oracle price that differs per market.
fn perp(i: u16) -> PerpRisk {
    let oracle_milli = 50 + 7 * i as i64; // 0.050 ..= 0.155 quote native per base native
    let lot = 10_000_000; // base native per lot
    let per_lot = lot * oracle_milli / 1_000; // quote native per lot at the oracle
    let long = i.is_multiple_of(2);
    let base_lots = if long { 100 + i as i64 } else { -(80 + i as i64) };
    // Entered 2 % away from the oracle, against the position.
    let quote_native = -base_lots * per_lot * 102 / 100;
    PerpRisk {
        market_index: i,
        base_lot_size: lot,
        base_lots,
        quote_native,
        bids_base_lots: 40,
        bids_quote_native: 40 * per_lot * 99 / 100,
        asks_base_lots: 60,
        asks_quote_native: 60 * per_lot * 101 / 100,
        prices: prices(oracle_milli),
        margin: MarginRatios { init: d(1, -1), maint: d(5, -2) },
        pnl_init_weight: d(5, -1),
    }
}

fn account(positions: u16) -> HealthCache {
    let mut cache = HealthCache::new();
    assert!(cache.push_collateral(usdc(10_000_000_000)));
    assert!(cache.push_collateral(sol(20_000_000_000)));
    for i in 0..positions {
        assert!(cache.push_perp(perp(i)));
    }
    cache
}

fn bench_health(c: &mut Criterion) {
    let mut group = c.benchmark_group("health");
    for positions in [1u16, 4, 8, 16] {
        let cache = account(positions);
        // Sanity: every kind computes without error.
        for kind in HealthKind::ALL {
            cache.health(kind).unwrap();
        }
        group.throughput(Throughput::Elements(positions as u64));
        group.bench_with_input(BenchmarkId::new("init", positions), &cache, |b, cache| {
            b.iter(|| black_box(cache).health(black_box(HealthKind::Init)).unwrap())
        });
        group.bench_with_input(BenchmarkId::new("view", positions), &cache, |b, cache| {
            b.iter(|| {
                let cache = black_box(cache);
                HealthKind::ALL.map(|kind| cache.components(black_box(kind)).unwrap())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_health);
criterion_main!(benches);
