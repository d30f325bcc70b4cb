//! Liquidation candidates and their order: the most negative Maint health first, then the
//! largest size (Σ |position| × oracle price), so the accounts closest to bad debt go first.

use crate::state::{is_bankrupt, is_liquidatable};
use anchor_lang::prelude::Pubkey;
use keel::instructions::risk::HealthReport;
use keel::math::{Fixed, MathError, Rounding};
use keel::risk::{HealthCache, HealthKind, PerpRisk};
use keel::state::MarginAccount;
use std::cmp::Ordering;

/// One account as the keeper ranks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The margin account.
    pub key: Pubkey,
    /// Maint health, quote native.
    pub maint: i64,
    /// LiquidationEnd health, quote native.
    pub liq_end: i64,
    /// Σ |position| at the oracle price, quote native (saturating).
    pub size: i64,
    /// Whether the program would accept a liquidation step now.
    pub liquidatable: bool,
    /// Whether only a bankruptcy settlement is left.
    pub bankrupt: bool,
    /// Whether it still has resting orders (to cancel first).
    pub has_orders: bool,
}

impl Candidate {
    /// The candidate of `account` with the program's `report` of it.
    pub fn of(key: Pubkey, account: &MarginAccount, report: &HealthReport) -> Self {
        let size = report
            .perps
            .iter()
            .map(|p| p.base_lots.saturating_abs().saturating_mul(p.oracle_price_per_lot))
            .fold(0i64, i64::saturating_add);
        Self::with(key, account, report.maint.health, report.liquidation_end.health, size)
    }

    /// The candidate of `account` from the program's health cache of it (what detection uses:
    /// no report, no liquidation prices).
    pub fn from_cache(key: Pubkey, account: &MarginAccount, cache: &HealthCache) -> Result<Self, MathError> {
        let maint = cache.health(HealthKind::Maint)?.to_i64(Rounding::Down)?;
        let liq_end = cache.health(HealthKind::LiquidationEnd)?.to_i64(Rounding::Down)?;
        let mut size = 0i64;
        for perp in cache.perps() {
            size = size.saturating_add(position_value(perp)?);
        }
        Ok(Self::with(key, account, maint, liq_end, size))
    }

    /// A candidate found by its price threshold, with an estimated Maint health (LiquidationEnd
    /// is taken as equal: ranking only).
    pub fn estimated(key: Pubkey, account: &MarginAccount, maint: i64, size: i64) -> Self {
        let mut candidate = Self::with(key, account, maint, maint, size);
        candidate.liquidatable = true;
        candidate
    }

    fn with(key: Pubkey, account: &MarginAccount, maint: i64, liq_end: i64, size: i64) -> Self {
        Self {
            key,
            maint,
            liq_end,
            size,
            liquidatable: is_liquidatable(account, maint, liq_end),
            bankrupt: is_bankrupt(account),
            has_orders: account.orders.iter().any(|o| o.is_in_use()),
        }
    }
}

/// |position| at the oracle price, quote native.
pub fn position_value(perp: &PerpRisk) -> Result<i64, MathError> {
    let base_native = perp.base_lots.saturating_abs().saturating_mul(perp.base_lot_size);
    Fixed::from_i64(base_native).mul_down(perp.prices.oracle)?.to_i64(Rounding::Down)
}

/// The keeper's order: most negative Maint health, then largest size, then address (so that
/// equal candidates keep a stable order).
pub fn priority(a: &Candidate, b: &Candidate) -> Ordering {
    a.maint.cmp(&b.maint).then(b.size.cmp(&a.size)).then(a.key.cmp(&b.key))
}

/// Keeps the liquidatable candidates, ranked by [`priority`].
pub fn rank(mut candidates: Vec<Candidate>) -> Vec<Candidate> {
    candidates.retain(|c| c.liquidatable);
    candidates.sort_by(priority);
    candidates
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(maint: i64, size: i64) -> Candidate {
        Candidate { key: Pubkey::new_unique(), maint, liq_end: maint - 10, size, liquidatable: maint < 0, bankrupt: false, has_orders: false }
    }

    #[test]
    fn rank_most_negative_maint_first() {
        let (a, b, c) = (candidate(-5, 100), candidate(-50, 10), candidate(-20, 1_000));
        let ranked = rank(vec![a, b, c]);
        assert_eq!(ranked.iter().map(|c| c.maint).collect::<Vec<_>>(), vec![-50, -20, -5]);
    }

    #[test]
    fn rank_equal_maint_largest_size_first() {
        let (a, b) = (candidate(-7, 10), candidate(-7, 900));
        assert_eq!(rank(vec![a, b]), vec![b, a]);
    }

    #[test]
    fn rank_drops_healthy_accounts_but_keeps_in_progress_ones() {
        let healthy = candidate(5, 10_000);
        let mut in_progress = candidate(3, 10);
        in_progress.liquidatable = true; // Maint ≥ 0 but LiquidationEnd < 0 with a liquidation in progress
        let ranked = rank(vec![healthy, in_progress, candidate(-1, 1)]);
        assert_eq!(ranked.len(), 2);
        assert!(ranked.iter().all(|c| c.key != healthy.key));
        assert_eq!(ranked[0].maint, -1, "a negative Maint health goes before one in progress");
    }

    #[test]
    fn rank_is_stable_for_equal_candidates() {
        let mut a = candidate(-3, 3);
        let mut b = a;
        a.key = Pubkey::new_from_array([1; 32]);
        b.key = Pubkey::new_from_array([2; 32]);
        assert_eq!(rank(vec![b, a]), vec![a, b]);
    }
}
