//! The metered accounts: `collaterals` balances (the quote asset first) and `perps` positions,
//! each with or without resting orders on both sides, at plausible prices and weights.

use keel_risk::math::{Fixed, Rounding};
use keel_risk::risk::{
    AssetWeights, CollateralRisk, LiabilityWeights, MarginRatios, PerpRisk, PriceQuote,
};
use keel_sbpf_meter::QUOTE_INDEX;

/// `mantissa · 10^exponent`, exact for the values used here.
fn d(mantissa: i64, exponent: i32) -> Fixed {
    Fixed::from_scientific(mantissa, exponent, Rounding::Down).unwrap_or(Fixed::ZERO)
}

/// A price of `milli / 1000` quote native per base native; Init prices ∓ 1 %.
fn prices(milli: i64) -> PriceQuote {
    PriceQuote {
        oracle: d(milli, -3),
        init_asset: d(milli * 99, -5),
        init_liab: d(milli * 101, -5),
    }
}

/// The collateral balances: a quote (USDC) balance, then non-quote assets.
pub fn collaterals(count: usize) -> Vec<CollateralRisk> {
    (0..count as u16)
        .map(|i| {
            if i == QUOTE_INDEX {
                CollateralRisk {
                    asset_index: QUOTE_INDEX,
                    balance: 20_000_000_000,
                    prices: PriceQuote::ONE,
                    asset_weights: AssetWeights {
                        init: Fixed::ONE,
                        maint: Fixed::ONE,
                    },
                    liability_weights: LiabilityWeights {
                        init: d(11, -1),
                        maint: d(105, -2),
                    },
                }
            } else {
                let milli = 100 + 37 * i64::from(i);
                CollateralRisk {
                    asset_index: i,
                    balance: 3_000_000_000 + 1_234_567 * i64::from(i),
                    prices: prices(milli),
                    asset_weights: AssetWeights {
                        init: d(8, -1),
                        maint: d(9, -1),
                    },
                    liability_weights: LiabilityWeights {
                        init: d(12, -1),
                        maint: d(11, -1),
                    },
                }
            }
        })
        .collect()
}

/// The perp positions, longs and shorts alternating, entered 2 % away from the oracle;
/// with `orders`, resting bids 1 % below and asks 1 % above it on every market.
pub fn perps(count: usize, orders: bool) -> Vec<PerpRisk> {
    (0..count as u16)
        .map(|i| {
            let milli = 50 + 13 * i64::from(i);
            let base_lot_size = 1_000_000;
            let per_lot = milli * base_lot_size / 1000;
            let sign = if i % 2 == 0 { 1 } else { -1 };
            let base_lots = sign * (1_000 + 17 * i64::from(i));
            let (bids, asks) = if orders {
                (300 + i64::from(i), 200 + i64::from(i))
            } else {
                (0, 0)
            };
            PerpRisk {
                market_index: i,
                base_lot_size,
                base_lots,
                quote_native: -base_lots * per_lot * 102 / 100,
                bids_base_lots: bids,
                bids_quote_native: bids * per_lot * 99 / 100,
                asks_base_lots: asks,
                asks_quote_native: asks * per_lot * 101 / 100,
                prices: prices(milli),
                margin: MarginRatios {
                    init: d(1, -1),
                    maint: d(5, -2),
                },
                pnl_init_weight: d(8, -1),
            }
        })
        .collect()
}
