//! Health computation over plain inputs: one entry per collateral balance and perp position,
//! read through [`AccountRisk`] without allocating.

use super::perp::PerpRisk;
use super::types::{AssetWeights, HealthKind, LiabilityWeights, PriceQuote};
use crate::math::{Fixed, MathError};

/// One collateral balance with everything needed to value it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CollateralRisk {
    /// Index of the asset.
    pub asset_index: u16,
    /// Balance, native units; negative only for the quote asset.
    pub balance: i64,
    /// Prices, quote native per base native.
    pub prices: PriceQuote,
    /// Weights when held.
    pub asset_weights: AssetWeights,
    /// Weights when owed.
    pub liability_weights: LiabilityWeights,
}

impl CollateralRisk {
    /// Value at the oracle price without weights, quote native, rounded down (so an amount
    /// owed counts at least in full).
    pub fn oracle_value(&self) -> Result<Fixed, MathError> {
        self.prices.oracle.mul_int(self.balance)
    }

    /// The same entry with `delta` added to its balance.
    pub fn shifted(&self, delta: i64) -> Result<Self, MathError> {
        let balance = self.balance.checked_add(delta).ok_or(MathError::Overflow)?;
        Ok(Self { balance, ..*self })
    }

    /// This balance's weighted contribution to health `kind`: positive when held, negative
    /// when owed.
    pub fn net(&self, kind: HealthKind) -> Result<Fixed, MathError> {
        let mut sum = HealthComponents::default();
        self.accumulate(kind, &mut sum)?;
        sum.assets.sub(sum.liabilities)
    }

    /// Adds this balance's weighted contribution for `kind` to `sum`.
    pub(crate) fn accumulate(&self, kind: HealthKind, sum: &mut HealthComponents) -> Result<(), MathError> {
        if self.balance >= 0 {
            let value = self
                .prices
                .asset_price(kind)
                .mul_int(self.balance)?
                .mul_down(self.asset_weights.get(kind)?)?;
            sum.assets = sum.assets.add(value)?;
        } else {
            let owed = self.prices.liab_price(kind).mul_int(self.balance)?.abs()?
                .mul_up(self.liability_weights.get(kind)?)?;
            sum.liabilities = sum.liabilities.add(owed)?;
        }
        Ok(())
    }
}

/// The parts of one health number, quote native.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HealthComponents {
    /// Σ weighted collateral held.
    pub assets: Fixed,
    /// Σ weighted amounts owed.
    pub liabilities: Fixed,
    /// Σ weighted unrealised perp PnL.
    pub perp_pnl: Fixed,
    /// Σ perp margin requirements, resting orders at their worst side.
    pub perp_requirements: Fixed,
}

impl HealthComponents {
    /// `assets − liabilities + perp_pnl − perp_requirements`.
    pub fn health(&self) -> Result<Fixed, MathError> {
        self.assets
            .sub(self.liabilities)?
            .add(self.perp_pnl)?
            .sub(self.perp_requirements)
    }
}

/// The entries of one account as the health kernels read them: borrowed slices, so computing
/// health never allocates.
#[derive(Clone, Copy, Debug, Default)]
pub struct AccountRisk<'a> {
    /// The collateral balances, in account slot order.
    pub collaterals: &'a [CollateralRisk],
    /// The perp positions, in account slot order.
    pub perps: &'a [PerpRisk],
}

impl AccountRisk<'_> {
    /// The components of health `kind`, linear in the number of balances and positions.
    pub fn components(&self, kind: HealthKind) -> Result<HealthComponents, MathError> {
        let mut sum = HealthComponents::default();
        for entry in self.collaterals {
            entry.accumulate(kind, &mut sum)?;
        }
        for entry in self.perps {
            let contribution = entry.contribution(kind)?;
            sum.perp_pnl = sum.perp_pnl.add(contribution.pnl)?;
            sum.perp_requirements = sum.perp_requirements.add(contribution.requirement)?;
        }
        Ok(sum)
    }

    /// Health `kind`, quote native.
    pub fn health(&self, kind: HealthKind) -> Result<Fixed, MathError> {
        self.components(kind)?.health()
    }

    /// Σ collateral at the oracle price, unweighted, quote native (owed amounts negative).
    pub fn collateral_value(&self) -> Result<Fixed, MathError> {
        self.collaterals
            .iter()
            .try_fold(Fixed::ZERO, |sum, c| sum.add(c.oracle_value()?))
    }
}
