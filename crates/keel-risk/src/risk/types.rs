//! Plain inputs of the health engine: kinds, weights and prices.

use crate::math::{Fixed, MathError, Rounding};

/// Which health is computed; see the module documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HealthKind {
    /// Required ≥ 0 after any risk-increasing action.
    Init,
    /// Below 0 the account is liquidatable.
    Maint,
    /// A liquidation stops once this is ≥ 0.
    LiquidationEnd,
}

impl HealthKind {
    /// All kinds, in report order.
    pub const ALL: [HealthKind; 3] = [HealthKind::Init, HealthKind::Maint, HealthKind::LiquidationEnd];
}

/// One price in three readings, quote native per base native.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct PriceQuote {
    /// The oracle price (Maint and LiquidationEnd).
    pub oracle: Fixed,
    /// The conservative price for assets under Init.
    pub init_asset: Fixed,
    /// The conservative price for liabilities and requirements under Init.
    pub init_liab: Fixed,
}

impl PriceQuote {
    /// Exactly one in every reading (the quote asset).
    pub const ONE: PriceQuote = PriceQuote { oracle: Fixed::ONE, init_asset: Fixed::ONE, init_liab: Fixed::ONE };

    /// The price at which assets count for `kind`.
    pub fn asset_price(&self, kind: HealthKind) -> Fixed {
        match kind {
            HealthKind::Init => self.init_asset,
            HealthKind::Maint | HealthKind::LiquidationEnd => self.oracle,
        }
    }

    /// The price at which liabilities and requirements count for `kind`.
    pub fn liab_price(&self, kind: HealthKind) -> Fixed {
        match kind {
            HealthKind::Init => self.init_liab,
            HealthKind::Maint | HealthKind::LiquidationEnd => self.oracle,
        }
    }
}

/// Weights applied to an asset held (≤ 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct AssetWeights {
    /// Init weight.
    pub init: Fixed,
    /// Maint weight (≥ init).
    pub maint: Fixed,
}

impl AssetWeights {
    /// The weight for `kind`; LiquidationEnd is the midpoint, rounded down.
    pub fn get(&self, kind: HealthKind) -> Result<Fixed, MathError> {
        match kind {
            HealthKind::Init => Ok(self.init),
            HealthKind::Maint => Ok(self.maint),
            HealthKind::LiquidationEnd => midpoint(self.init, self.maint, Rounding::Down),
        }
    }
}

/// Weights applied to an amount owed (≥ 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct LiabilityWeights {
    /// Init weight.
    pub init: Fixed,
    /// Maint weight (≤ init).
    pub maint: Fixed,
}

impl LiabilityWeights {
    /// The weight for `kind`; LiquidationEnd is the midpoint, rounded up.
    pub fn get(&self, kind: HealthKind) -> Result<Fixed, MathError> {
        match kind {
            HealthKind::Init => Ok(self.init),
            HealthKind::Maint => Ok(self.maint),
            HealthKind::LiquidationEnd => midpoint(self.init, self.maint, Rounding::Up),
        }
    }
}

/// `(a + b) / 2`, rounded as asked.
// Six argument registers (two per 128-bit operand, one for the result pointer): inlined, as
// SBPF v0 passes at most five in registers (see bench/sbpf-meter).
#[inline(always)]
fn midpoint(a: Fixed, b: Fixed, rounding: Rounding) -> Result<Fixed, MathError> {
    Ok(a.add(b)?.half(rounding))
}
