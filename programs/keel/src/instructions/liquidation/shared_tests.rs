//! Tests of a liquidation step's price terms and of the keeper bounty rule.

use super::shared::StepTerms;
use crate::math::Fixed;
use crate::state::BountyParams;
use proptest::prelude::*;

proptest! {
    /// The liquidated account is rounded in its favour on what it receives and pays, and the
    /// penalty in the protocol's: proceeds ≥ value·(1 − fee), cost ≤ value·(1 + fee),
    /// penalty ≥ value·penalty — each within one native unit.
    #[test]
    fn step_terms_round_in_the_liquidated_accounts_favour(raw in 0i128..1_000_000_000_000_000_000_000_000i128, fee in 0u16..500, penalty in 0u16..500) {
        let value = Fixed::from_raw(raw);
        let terms = StepTerms { fee_bps: fee, penalty_bps: penalty };
        let exact = |bps: i128| raw * bps; // value · bps in raw units × 10 000
        let unit = 1_000_000_000_000_000_000i128 * 10_000; // one native unit, raw × 10 000
        let proceeds = terms.proceeds(value).unwrap() as i128 * unit;
        prop_assert!(proceeds >= exact(10_000 - fee as i128) && proceeds < exact(10_000 - fee as i128) + 2 * unit);
        let cost = terms.cost(value).unwrap() as i128 * unit;
        prop_assert!(cost <= exact(10_000 + fee as i128) && cost > exact(10_000 + fee as i128) - 2 * unit);
        let charged = terms.penalty(value).unwrap() as i128 * unit;
        prop_assert!(charged >= exact(penalty as i128) && charged < exact(penalty as i128) + 2 * unit);
    }

    /// A bounty is zero for dust and otherwise between min(floor, penalty) and
    /// min(cap, penalty): never more than the step brought in.
    #[test]
    fn bounty_is_bounded_by_floor_cap_and_penalty(notional in 0u64..1_000_000_000_000, penalty in 0u64..100_000_000_000, share in 0u16..=10_000) {
        let rule = BountyParams { penalty_share_bps: share, ..BountyParams::recommended(6) };
        let bounty = rule.bounty(notional, penalty);
        if notional < rule.min_liquidation_notional {
            prop_assert_eq!(bounty, 0);
        } else {
            prop_assert!(bounty <= penalty && bounty <= rule.cap);
            prop_assert!(bounty >= rule.floor.min(penalty));
            prop_assert!(bounty >= (penalty as u128 * share as u128 / 10_000) as u64 || bounty == rule.cap || bounty == penalty);
        }
    }
}

/// The recommended rule in USDC: 0.10 floor, 100 cap, 10 USDC minimum, half the penalty.
#[test]
fn recommended_bounty_in_numbers() {
    let rule = BountyParams::recommended(6);
    assert_eq!((rule.floor, rule.cap, rule.min_liquidation_notional, rule.penalty_share_bps), (100_000, 100_000_000, 10_000_000, 5_000));
    assert_eq!(rule.bounty(9_999_999, 99_999), 0, "dust");
    assert_eq!(rule.bounty(10_000_000, 100_000), 100_000, "1% of 10 USDC: the floor, equal to the penalty");
    assert_eq!(rule.bounty(590_640_000, 5_906_400), 2_953_200, "half the penalty");
    assert_eq!(rule.bounty(30_000_000_000, 300_000_000), 100_000_000, "capped at 100 USDC");
    assert_eq!(rule.bounty(20_000_000, 60_000), 60_000, "never above the penalty");
}
