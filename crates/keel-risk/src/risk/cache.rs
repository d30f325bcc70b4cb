//! [`HealthCache`]: the heap-backed container of one account's health entries (feature `alloc`).

use super::health::{AccountRisk, CollateralRisk, HealthComponents};
use super::perp::PerpRisk;
use super::types::HealthKind;
use crate::math::{Fixed, MathError};
use crate::{MAX_COLLATERALS, MAX_PERP_POSITIONS};
use alloc::vec::Vec;

/// Everything the health of one account depends on. The entries live on the heap (one
/// allocation each, sized for the account's capacity): the cache is several kilobytes, more
/// than an SBF stack frame holds.
#[derive(Clone, Debug, Default)]
pub struct HealthCache {
    collaterals: Vec<CollateralRisk>,
    perps: Vec<PerpRisk>,
}

impl HealthCache {
    /// An empty cache with room for a full account.
    pub fn new() -> Self {
        Self {
            collaterals: Vec::with_capacity(MAX_COLLATERALS),
            perps: Vec::with_capacity(MAX_PERP_POSITIONS),
        }
    }

    /// Adds a collateral balance; `false` when the cache is full.
    pub fn push_collateral(&mut self, entry: CollateralRisk) -> bool {
        let room = self.collaterals.len() < MAX_COLLATERALS;
        if room {
            self.collaterals.push(entry);
        }
        room
    }

    /// Adds a perp position; `false` when the cache is full.
    pub fn push_perp(&mut self, entry: PerpRisk) -> bool {
        let room = self.perps.len() < MAX_PERP_POSITIONS;
        if room {
            self.perps.push(entry);
        }
        room
    }

    /// The perp positions, in account slot order.
    pub fn perps(&self) -> &[PerpRisk] {
        &self.perps
    }

    /// The perp position of a market already in the cache (incremental update after a trade).
    pub fn perp_mut(&mut self, market_index: u16) -> Option<&mut PerpRisk> {
        self.perps
            .iter_mut()
            .find(|p| p.market_index == market_index)
    }

    /// The collateral balances, in account slot order.
    pub fn collaterals(&self) -> &[CollateralRisk] {
        &self.collaterals
    }

    /// Sets the balance of an asset already in the cache (incremental update after a change);
    /// `false` when the asset is not in the cache.
    pub fn set_balance(&mut self, asset_index: u16, balance: i64) -> bool {
        match self
            .collaterals
            .iter_mut()
            .find(|c| c.asset_index == asset_index)
        {
            Some(entry) => {
                entry.balance = balance;
                true
            }
            None => false,
        }
    }

    /// The entries as the health kernels read them.
    pub fn account(&self) -> AccountRisk<'_> {
        AccountRisk {
            collaterals: &self.collaterals,
            perps: &self.perps,
        }
    }

    /// The components of health `kind`, linear in the number of balances and positions.
    pub fn components(&self, kind: HealthKind) -> Result<HealthComponents, MathError> {
        self.account().components(kind)
    }

    /// Health `kind`, quote native.
    pub fn health(&self, kind: HealthKind) -> Result<Fixed, MathError> {
        self.account().health(kind)
    }

    /// Σ collateral at the oracle price, unweighted, quote native (owed amounts negative).
    pub fn collateral_value(&self) -> Result<Fixed, MathError> {
        self.account().collateral_value()
    }
}
