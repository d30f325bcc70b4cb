//! The keeper's own account across rounds in flight. Every step writes it, and a step sent but
//! not yet confirmed is not in the copy the next round reads, so a step is decided net of what
//! the steps in flight may still take from the keeper's Init health: each reserves its own
//! health cost (Init before − Init after, by its simulation) until it has landed or failed, and
//! the decision and the reservation are one atomic act ([`OwnBudget::decide`]). A simulation
//! that already saw a step in flight counts it twice: conservative, never below the floor.
//!
//! A step that opens a slot on the keeper's account (a first position in a market, a first
//! balance of an asset) changes the keeper's health-account list, which every concurrent step
//! names: it runs alone ([`OwnBudget::permit`]), the others wait for it.

use crate::decision::{decide, Decision, Preview, RiskPolicy};
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock};

/// Init health reserved by the steps in flight, and the gate of the keeper's account.
#[derive(Debug, Default)]
pub struct OwnBudget {
    reserved: Mutex<i64>,
    gate: Arc<RwLock<()>>,
}

/// Init health held back for one step in flight; released when dropped.
#[derive(Debug)]
pub struct Reservation {
    budget: Arc<OwnBudget>,
    amount: i64,
}

impl Drop for Reservation {
    fn drop(&mut self) {
        *self.budget.lock() -= self.amount;
    }
}

/// Leave to send a step: shared with other steps, or exclusive for one that opens a slot on
/// the keeper's account. Held until the step has landed or failed.
#[derive(Debug)]
pub enum Permit {
    /// Alongside other steps.
    Shared(OwnedRwLockReadGuard<()>),
    /// Alone.
    Exclusive(OwnedRwLockWriteGuard<()>),
}

impl OwnBudget {
    /// Nothing reserved.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, i64> {
        // A panic elsewhere cannot leave the sum half-updated: recover it.
        self.reserved
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Init health reserved by the steps in flight, quote native.
    pub fn reserved(&self) -> i64 {
        *self.lock()
    }

    /// The decision on `preview` with the keeper's Init health after the step lowered by what
    /// the other steps in flight reserved; on [`Decision::Act`], the step's own cost
    /// (`own_init_before` − `preview.own_init_after`, at least 0) is reserved in the same lock.
    pub fn decide(
        self: &Arc<Self>,
        preview: &Preview,
        own_init_before: i64,
        policy: &RiskPolicy,
    ) -> (Decision, Option<Reservation>) {
        let mut reserved = self.lock();
        let net = Preview {
            own_init_after: preview.own_init_after.saturating_sub(*reserved),
            ..*preview
        };
        let decision = decide(&net, policy);
        if decision != Decision::Act {
            return (decision, None);
        }
        let amount = own_init_before
            .saturating_sub(preview.own_init_after)
            .max(0);
        *reserved += amount;
        (
            decision,
            Some(Reservation {
                budget: self.clone(),
                amount,
            }),
        )
    }

    /// Waits for leave to send a step; `opens_slot`: the step changes the keeper's
    /// health-account list.
    pub async fn permit(&self, opens_slot: bool) -> Permit {
        if opens_slot {
            Permit::Exclusive(self.gate.clone().write_owned().await)
        } else {
            Permit::Shared(self.gate.clone().read_owned().await)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decision::Decline;

    const POLICY: RiskPolicy = RiskPolicy {
        min_own_init_health: 1_000,
        min_bounty: 0,
    };

    fn preview(own_init_after: i64, max_amount: u64) -> Preview {
        Preview {
            own_init_after,
            bounty: 10,
            max_amount,
        }
    }

    #[test]
    fn budget_reserves_the_cost_of_a_step_until_it_is_dropped() {
        let budget = OwnBudget::new();
        let (decision, reservation) = budget.decide(&preview(4_000, 10), 5_000, &POLICY);
        assert_eq!(decision, Decision::Act);
        assert_eq!(budget.reserved(), 1_000);
        drop(reservation);
        assert_eq!(budget.reserved(), 0);
    }

    #[test]
    fn budget_second_step_in_flight_is_decided_net_of_the_first() {
        let budget = OwnBudget::new();
        // Alone, each step would leave 2 000 ≥ the 1 000 floor; together 2 000 − 1 500 < 1 000.
        let (_, first) = budget.decide(&preview(2_000, 10), 3_500, &POLICY);
        assert!(first.is_some());
        let (decision, second) = budget.decide(&preview(2_000, 10), 3_500, &POLICY);
        assert_eq!(
            decision,
            Decision::Shrink(5),
            "halved, as a step that breaks the floor"
        );
        assert!(second.is_none(), "nothing reserved for a step not sent");
        let (decision, _) = budget.decide(&preview(2_000, 1), 3_500, &POLICY);
        assert_eq!(decision, Decision::Decline(Decline::OwnHealth));
        drop(first);
        assert_eq!(
            budget.decide(&preview(2_000, 10), 3_500, &POLICY).0,
            Decision::Act,
            "the floor holds again once it landed"
        );
    }

    #[test]
    fn budget_a_step_that_raises_health_reserves_nothing() {
        let budget = OwnBudget::new();
        let (decision, reservation) = budget.decide(&preview(6_000, 10), 5_000, &POLICY);
        assert_eq!(decision, Decision::Act);
        assert!(reservation.is_some());
        assert_eq!(budget.reserved(), 0);
    }

    #[tokio::test]
    async fn permit_a_slot_opening_step_runs_alone() {
        let budget = OwnBudget::new();
        let a = budget.permit(false).await;
        let b = budget.permit(false).await;
        let exclusive =
            tokio::time::timeout(std::time::Duration::from_millis(20), budget.permit(true)).await;
        assert!(exclusive.is_err(), "waits while shared permits are held");
        drop((a, b));
        let exclusive = budget.permit(true).await;
        let shared =
            tokio::time::timeout(std::time::Duration::from_millis(20), budget.permit(false)).await;
        assert!(shared.is_err(), "others wait for the exclusive one");
        drop(exclusive);
        assert!(matches!(budget.permit(false).await, Permit::Shared(_)));
    }
}
