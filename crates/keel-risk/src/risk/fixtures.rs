//! Fixtures shared by the engine's tests: exact decimals, quote amounts and the quote asset.

use super::{AssetWeights, CollateralRisk, LiabilityWeights, PriceQuote};
use crate::math::{Fixed, Rounding};

/// `mantissa · 10^exponent`, exact for the values the tests use.
pub fn d(mantissa: i64, exponent: i32) -> Fixed {
    Fixed::from_scientific(mantissa, exponent, Rounding::Down).unwrap()
}

/// A whole number of quote native units.
pub fn q(native: i64) -> Fixed {
    Fixed::from_i64(native)
}

/// USDC (6 decimals), the quote asset: price exactly 1, asset weights 1/1, liability weights
/// init 1.1 / maint 1.05.
pub fn usdc(balance: i64) -> CollateralRisk {
    CollateralRisk {
        asset_index: 0,
        balance,
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
}
