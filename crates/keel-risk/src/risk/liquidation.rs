//! Sizing a liquidation step: the smallest amount that brings the liquidated account's
//! LiquidationEnd health to ≥ 0, evaluated in constant time per candidate.

#[cfg(feature = "alloc")]
use super::cache::HealthCache;
use super::health::{AccountRisk, CollateralRisk};
use super::perp::PerpRisk;
use super::types::HealthKind;
use crate::math::{Fixed, MathError};

/// The smallest `n` in `1..=max` for which `enough(n)` holds, for a monotone `enough`
/// (false … false, true … true); `max` when none does, 0 when `max ≤ 0`. Binary search: at
/// most 64 evaluations, whatever `max` is.
pub fn smallest_sufficient<E>(
    max: i64,
    mut enough: impl FnMut(i64) -> Result<bool, E>,
) -> Result<i64, E> {
    if max <= 0 {
        return Ok(0);
    }
    if !enough(max)? {
        return Ok(max);
    }
    let (mut low, mut high) = (1i64, max);
    while low < high {
        let mid = low + (high - low) / 2;
        if enough(mid)? {
            high = mid;
        } else {
            low = mid + 1;
        }
    }
    Ok(low)
}

/// An account's Maint and LiquidationEnd health split into the entries a liquidation step
/// changes (the quote balance, and one collateral balance or one perp position) and the rest,
/// which the step leaves alone. Evaluating a candidate step then costs two entries, not the
/// whole account.
#[derive(Clone, Copy, Debug)]
pub struct StepHealth {
    /// Maint health of the unchanged entries.
    rest_maint: Fixed,
    /// LiquidationEnd health of the unchanged entries.
    rest_liq_end: Fixed,
}

/// What a candidate step leaves in the changed entries.
#[derive(Clone, Copy, Debug)]
pub struct StepEntries {
    /// The quote balance afterwards.
    pub quote: CollateralRisk,
    /// The liquidated collateral balance afterwards, if a collateral is liquidated.
    pub collateral: Option<CollateralRisk>,
    /// The liquidated perp position afterwards, if a position is liquidated.
    pub perp: Option<PerpRisk>,
}

/// Maint and LiquidationEnd health, quote native.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaintAndEnd {
    /// Maint health.
    pub maint: Fixed,
    /// LiquidationEnd health.
    pub liq_end: Fixed,
}

impl StepHealth {
    /// Splits `cache` around the quote asset `quote_index` and either the collateral
    /// `asset_index` or the perp market `market_index`.
    #[cfg(feature = "alloc")]
    pub fn split(
        cache: &HealthCache,
        quote_index: u16,
        asset_index: Option<u16>,
        market_index: Option<u16>,
    ) -> Result<Self, MathError> {
        Self::around(&cache.account(), quote_index, asset_index, market_index)
    }

    /// Splits `account` around the quote asset `quote_index` and either the collateral
    /// `asset_index` or the perp market `market_index`.
    pub fn around(
        account: &AccountRisk<'_>,
        quote_index: u16,
        asset_index: Option<u16>,
        market_index: Option<u16>,
    ) -> Result<Self, MathError> {
        let changed_asset =
            |c: &CollateralRisk| c.asset_index == quote_index || Some(c.asset_index) == asset_index;
        let mut rest = [Fixed::ZERO; 2];
        for (sum, kind) in rest
            .iter_mut()
            .zip([HealthKind::Maint, HealthKind::LiquidationEnd])
        {
            for entry in account.collaterals.iter().filter(|c| !changed_asset(c)) {
                *sum = sum.add(entry.net(kind)?)?;
            }
            for entry in account
                .perps
                .iter()
                .filter(|p| Some(p.market_index) != market_index)
            {
                *sum = sum.add(entry.contribution(kind)?.net()?)?;
            }
        }
        Ok(Self {
            rest_maint: rest[0],
            rest_liq_end: rest[1],
        })
    }

    /// Maint and LiquidationEnd health with the changed entries as in `entries`.
    pub fn with(&self, entries: &StepEntries) -> Result<MaintAndEnd, MathError> {
        let total = |rest: Fixed, kind: HealthKind| -> Result<Fixed, MathError> {
            let mut sum = rest.add(entries.quote.net(kind)?)?;
            if let Some(collateral) = &entries.collateral {
                sum = sum.add(collateral.net(kind)?)?;
            }
            if let Some(perp) = &entries.perp {
                sum = sum.add(perp.contribution(kind)?.net()?)?;
            }
            Ok(sum)
        };
        Ok(MaintAndEnd {
            maint: total(self.rest_maint, HealthKind::Maint)?,
            liq_end: total(self.rest_liq_end, HealthKind::LiquidationEnd)?,
        })
    }
}
