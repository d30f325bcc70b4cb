//! The decision to act on a simulated liquidation step, or to decline it: the keeper never sends
//! a step that would leave its own account below its Init floor (the program would refuse it,
//! but the keeper should not even try), and never one worth less than its minimum bounty. And
//! the cross-check of the keeper's numbers against the program's `health` view. And how a step
//! goes out: with `settle_bankruptcy` in the same transaction when its simulation shows the
//! account left with nothing but a debt ([`delivery`], [`pair_verdict`]).

use crate::classify::Failure;
use crate::state::is_bankrupt;
use keel::instructions::risk::HealthReport;
use keel::state::MarginAccount;

/// What a simulation of a step (followed by the keeper's own `health` view) showed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preview {
    /// The keeper's Init health after the step, quote native (from the program's view).
    pub own_init_after: i64,
    /// The bounty the step would pay, quote native (from its event).
    pub bounty: u64,
    /// The largest amount the step may take (lots or native units) as asked.
    pub max_amount: u64,
}

/// The keeper's own limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RiskPolicy {
    /// Init health the keeper keeps after any step, quote native (≥ 0).
    pub min_own_init_health: i64,
    /// Smallest bounty worth a step, quote native.
    pub min_bounty: u64,
}

/// Why a step was declined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decline {
    /// The keeper's own Init health would fall below its floor (even for the smallest step).
    OwnHealth,
    /// The bounty is below the minimum.
    Bounty,
    /// The keeper's own account is already below its floor: no step is even simulated.
    OwnAccountBelowFloor,
    /// Even priced by cached prices the step would lock more accounts than a transaction may.
    TooManyAccounts,
}

impl Decline {
    /// The metric label.
    pub fn label(&self) -> &'static str {
        match self {
            Decline::OwnHealth => "own_health",
            Decline::Bounty => "bounty",
            Decline::OwnAccountBelowFloor => "own_account_below_floor",
            Decline::TooManyAccounts => "too_many_accounts",
        }
    }
}

/// The decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Send it.
    Act,
    /// Try again with this smaller maximum.
    Shrink(u64),
    /// Do not send it.
    Decline(Decline),
}

/// Whether the keeper may consider any step at all, from its current Init health.
pub fn may_consider(own_init_now: i64, policy: &RiskPolicy) -> Result<(), Decline> {
    if own_init_now < policy.min_own_init_health {
        return Err(Decline::OwnAccountBelowFloor);
    }
    Ok(())
}

/// Act, shrink or decline a previewed step. A step that breaks the Init floor is halved until
/// it fits (the program then takes what that smaller maximum allows); a step of one unit that
/// still breaks it is declined.
pub fn decide(preview: &Preview, policy: &RiskPolicy) -> Decision {
    if preview.own_init_after < policy.min_own_init_health {
        return match preview.max_amount / 2 {
            0 => Decision::Decline(Decline::OwnHealth),
            half => Decision::Shrink(half),
        };
    }
    if preview.bounty < policy.min_bounty {
        return Decision::Decline(Decline::Bounty);
    }
    Decision::Act
}

/// Whether the keeper's local numbers agree with the program's `health` view: Maint and
/// LiquidationEnd health each within `tolerance_bps` of the view's (at least 1 quote native, for
/// rounding), and the same verdict on the sign of Maint health.
pub fn agrees(local: &HealthReport, view: &HealthReport, tolerance_bps: u16) -> bool {
    let close = |a: i64, b: i64| {
        let allowed = (b.unsigned_abs() as u128 * tolerance_bps as u128 / 10_000).max(1);
        (a as i128 - b as i128).unsigned_abs() <= allowed
    };
    close(local.maint.health, view.maint.health)
        && close(local.liquidation_end.health, view.liquidation_end.health)
        && (local.maint.health < 0) == (view.maint.health < 0)
}

/// How a step the keeper decided to send goes out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Alone; the round's next iteration settles a bankruptcy it leaves (two transactions).
    Alone,
    /// With `settle_bankruptcy` on the same account in one transaction.
    WithSettlement,
}

/// The delivery of a step from the liquidated account as the step's simulation leaves it
/// (`None`: the node returned no post-state). The settlement goes along exactly when that
/// account passes `settle_bankruptcy`'s own precondition ([`is_bankrupt`]: a negative quote
/// balance and nothing else, no position, no order).
pub fn delivery(after: Option<&MarginAccount>) -> Delivery {
    match after {
        Some(account) if is_bankrupt(account) => Delivery::WithSettlement,
        _ => Delivery::Alone,
    }
}

/// What a failed simulation of a step with its settlement means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PairVerdict {
    /// Another keeper (or the owner) changed the account first: the round's lost race.
    LostRace,
    /// Anything else: send the step alone and settle in a second transaction, as before.
    TwoTransactions,
}

/// The verdict on a pair whose simulation failed with `failure`.
pub fn pair_verdict(failure: Failure) -> PairVerdict {
    if failure.is_lost_race() {
        PairVerdict::LostRace
    } else {
        PairVerdict::TwoTransactions
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keel::instructions::risk::HealthLine;
    use keel::state::{CollateralBalance, MarketIndices, QUOTE_ASSET_INDEX};

    /// An account holding `quote` units of quote (and nothing else).
    fn account(quote: i64) -> Box<MarginAccount> {
        let mut account: Box<MarginAccount> = Box::new(bytemuck::Zeroable::zeroed());
        let mut slot = CollateralBalance::open(QUOTE_ASSET_INDEX);
        slot.units = quote;
        account.collaterals[0] = slot;
        account
    }

    #[test]
    fn delivery_pairs_the_settlement_when_only_a_debt_is_left() {
        assert_eq!(delivery(Some(&account(-5_000))), Delivery::WithSettlement);
    }

    #[test]
    fn delivery_two_transactions_otherwise() {
        assert_eq!(
            delivery(None),
            Delivery::Alone,
            "no post-state: the settlement waits for the next iteration"
        );
        assert_eq!(
            delivery(Some(&account(5_000))),
            Delivery::Alone,
            "solvent after the step"
        );
        assert_eq!(
            delivery(Some(&account(0))),
            Delivery::Alone,
            "nothing to settle"
        );
        let mut with_perp = account(-5_000);
        with_perp
            .perp_or_open(0, MarketIndices::default())
            .expect("a free slot")
            .base_lots = 3;
        assert_eq!(
            delivery(Some(&with_perp)),
            Delivery::Alone,
            "part of the position left"
        );
        let mut with_collateral = account(-5_000);
        let mut sol = CollateralBalance::open(1);
        sol.units = 7;
        with_collateral.collaterals[1] = sol;
        assert_eq!(
            delivery(Some(&with_collateral)),
            Delivery::Alone,
            "collateral left to liquidate first"
        );
    }

    #[test]
    fn pair_verdict_lost_race_or_two_transactions() {
        assert_eq!(
            pair_verdict(Failure::LostRace(Some(1))),
            PairVerdict::LostRace
        );
        assert_eq!(pair_verdict(Failure::LostRace(None)), PairVerdict::LostRace);
        for failure in [
            Failure::Other,
            Failure::Stale(None),
            Failure::OwnRisk,
            Failure::Transport,
            Failure::Expired,
        ] {
            assert_eq!(
                pair_verdict(failure),
                PairVerdict::TwoTransactions,
                "{failure:?}"
            );
        }
    }

    fn report(maint: i64, liq_end: i64) -> HealthReport {
        let line = |health| HealthLine {
            assets: 0,
            liabilities: 0,
            perp_pnl: 0,
            perp_requirements: 0,
            health,
        };
        HealthReport {
            init: line(maint - 10),
            maint: line(maint),
            liquidation_end: line(liq_end),
            collateral_value: 0,
            collaterals: vec![],
            perps: vec![],
        }
    }

    #[test]
    fn agrees_within_tolerance_and_rounding() {
        assert!(agrees(&report(-1_000, -2_000), &report(-1_000, -2_000), 0));
        assert!(
            agrees(&report(-1_001, -2_000), &report(-1_000, -2_000), 0),
            "one unit of rounding"
        );
        assert!(agrees(
            &report(-1_050, -2_100),
            &report(-1_000, -2_000),
            500
        ));
    }

    #[test]
    fn agrees_fails_on_distance_or_sign() {
        assert!(!agrees(
            &report(-1_200, -2_000),
            &report(-1_000, -2_000),
            500
        ));
        assert!(
            !agrees(&report(-1, -5), &report(1, -5), 10_000),
            "the verdict differs"
        );
        assert!(!agrees(
            &report(-1_000, -9_000),
            &report(-1_000, -2_000),
            500
        ));
    }

    const POLICY: RiskPolicy = RiskPolicy {
        min_own_init_health: 1_000,
        min_bounty: 50,
    };

    fn preview(own_init_after: i64, bounty: u64, max_amount: u64) -> Preview {
        Preview {
            own_init_after,
            bounty,
            max_amount,
        }
    }

    #[test]
    fn decide_act_when_above_floor_and_bounty_enough() {
        assert_eq!(decide(&preview(1_000, 50, 10), &POLICY), Decision::Act);
        assert_eq!(decide(&preview(5_000, 500, 1), &POLICY), Decision::Act);
    }

    #[test]
    fn decide_shrink_below_own_floor() {
        assert_eq!(decide(&preview(999, 500, 10), &POLICY), Decision::Shrink(5));
        assert_eq!(decide(&preview(-1, 500, 3), &POLICY), Decision::Shrink(1));
    }

    #[test]
    fn decide_decline_when_even_one_unit_breaks_the_floor() {
        assert_eq!(
            decide(&preview(999, 500, 1), &POLICY),
            Decision::Decline(Decline::OwnHealth)
        );
    }

    #[test]
    fn decide_decline_small_bounty() {
        assert_eq!(
            decide(&preview(10_000, 49, 100), &POLICY),
            Decision::Decline(Decline::Bounty)
        );
    }

    #[test]
    fn decide_own_health_is_checked_before_the_bounty() {
        assert_eq!(
            decide(&preview(0, 0, 1), &POLICY),
            Decision::Decline(Decline::OwnHealth)
        );
    }

    #[test]
    fn may_consider_refuses_an_account_already_below_its_floor() {
        assert_eq!(
            may_consider(999, &POLICY),
            Err(Decline::OwnAccountBelowFloor)
        );
        assert_eq!(may_consider(1_000, &POLICY), Ok(()));
    }
}
