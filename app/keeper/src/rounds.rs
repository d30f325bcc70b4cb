//! Rounds in flight: the liquidatable accounts waiting for a round, in the keeper's order
//! ([`crate::candidates::priority`]), and the rounds running — at most the configured bound,
//! never two on one account, each account's rounds at least the cooldown apart (a declined one
//! [`DECLINE_BACKOFF`]). Pure bookkeeping: the keeper's loop spawns the rounds
//! [`Pipeline::next`] hands out and reports their ends to [`Pipeline::finish`].
//!
//! Each round reads and refreshes its own copy of what it needs ([`round_view`]); what it saw
//! goes back into the keeper's registry where it is newer ([`merge_round`]).

use crate::budget::OwnBudget;
use crate::candidates::Candidate;
use crate::decision::RiskPolicy;
use crate::liquidate::{Liquidator, RoundEnd};
use crate::metrics::Metrics;
use crate::state::Registry;
use crate::tx::Sender;
use anchor_lang::prelude::Pubkey;
use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long an account whose step was declined waits before the keeper looks at it again.
pub const DECLINE_BACKOFF: Duration = Duration::from_secs(2);

/// The keeper's order as a map key: most negative Maint health, then largest size, then address.
type Rank = (i64, Reverse<i64>, Pubkey);

fn rank_of(c: &Candidate) -> Rank {
    (c.maint, Reverse(c.size), c.key)
}

/// Waiting accounts and running rounds.
#[derive(Debug)]
pub struct Pipeline {
    max_in_flight: usize,
    cooldown: Duration,
    queue: BTreeMap<Rank, Candidate>,
    queued: HashMap<Pubkey, Rank>,
    in_flight: HashSet<Pubkey>,
    not_before: HashMap<Pubkey, Instant>,
    wake: Option<Instant>,
}

impl Pipeline {
    /// At most `max_in_flight` rounds (at least one), `cooldown` between two on one account.
    pub fn new(max_in_flight: usize, cooldown: Duration) -> Self {
        Self {
            max_in_flight: max_in_flight.max(1),
            cooldown,
            queue: BTreeMap::new(),
            queued: HashMap::new(),
            in_flight: HashSet::new(),
            not_before: HashMap::new(),
            wake: None,
        }
    }

    /// Queues `candidate` (or updates its rank). An account in a round is not queued: its
    /// round's end re-evaluates it.
    pub fn offer(&mut self, candidate: Candidate) {
        if self.in_flight.contains(&candidate.key) {
            return;
        }
        let rank = rank_of(&candidate);
        match self.queued.insert(candidate.key, rank) {
            Some(old) if old == rank => {}
            Some(old) => {
                self.queue.remove(&old);
                self.queue.insert(rank, candidate);
            }
            None => {
                self.queue.insert(rank, candidate);
            }
        }
    }

    /// Drops `key` from the queue (it is no longer liquidatable).
    pub fn withdraw(&mut self, key: &Pubkey) {
        if let Some(rank) = self.queued.remove(key) {
            self.queue.remove(&rank);
        }
    }

    /// The accounts waiting.
    pub fn queued(&self) -> impl Iterator<Item = &Pubkey> {
        self.queued.keys()
    }

    /// Whether `key` is waiting.
    pub fn is_queued(&self, key: &Pubkey) -> bool {
        self.queued.contains_key(key)
    }

    /// Accounts waiting or in a round (the `liquidatable` gauge).
    pub fn len(&self) -> usize {
        self.queued.len() + self.in_flight.len()
    }

    /// Whether nothing waits and no round runs.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Rounds running.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// The first waiting account whose cooldown has passed at `now`, when a round may start:
    /// it leaves the queue and counts as in flight until [`Pipeline::finish`].
    pub fn next(&mut self, now: Instant) -> Option<Candidate> {
        self.wake = None;
        if self.in_flight.len() >= self.max_in_flight {
            return None;
        }
        let mut wake: Option<Instant> = None;
        let mut ready = None;
        for (rank, c) in &self.queue {
            match self.not_before.get(&c.key) {
                Some(t) if now < *t => wake = Some(wake.map_or(*t, |w| w.min(*t))),
                _ => {
                    ready = Some((*rank, *c));
                    break;
                }
            }
        }
        let Some((rank, candidate)) = ready else {
            self.wake = wake;
            return None;
        };
        self.queue.remove(&rank);
        self.queued.remove(&candidate.key);
        self.in_flight.insert(candidate.key);
        self.not_before.insert(candidate.key, now + self.cooldown);
        Some(candidate)
    }

    /// When the first cooldown ends that held back the last [`Pipeline::next`] which found
    /// nothing ready while a slot was free (`None`: nothing to wait for).
    pub fn wake_at(&self) -> Option<Instant> {
        self.wake
    }

    /// The round on `key` ended with `end` at `now`: its slot is free; a declined account
    /// waits [`DECLINE_BACKOFF`] (any other, the rest of its cooldown).
    pub fn finish(&mut self, key: &Pubkey, end: &RoundEnd, now: Instant) {
        self.in_flight.remove(key);
        if matches!(end, RoundEnd::Declined(_)) {
            self.not_before.insert(*key, now + DECLINE_BACKOFF);
        }
    }
}

/// What a round task needs besides its copy of the accounts.
pub struct RoundTask {
    /// Sends transactions.
    pub sender: Sender,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Shared by the rounds in flight.
    pub budget: Arc<OwnBudget>,
    /// The keeper's own margin account.
    pub own: Pubkey,
    /// Its limits.
    pub policy: RiskPolicy,
    /// Health cross-check tolerance, bps.
    pub tolerance_bps: u16,
}

/// A finished round: its account, how it ended, and the copy of the accounts it ended with.
pub struct RoundDone {
    /// The liquidated account.
    pub key: Pubkey,
    /// How the round ended.
    pub end: RoundEnd,
    /// What it read and refreshed.
    pub view: Registry,
}

impl RoundTask {
    /// Runs a round on `key` over `view` (see [`round_view`]).
    pub async fn run(self, key: Pubkey, mut view: Registry) -> RoundDone {
        let mut liquidator = Liquidator {
            sender: &self.sender,
            registry: &mut view,
            metrics: &self.metrics,
            own: self.own,
            policy: self.policy,
            budget: &self.budget,
            tolerance_bps: self.tolerance_bps,
        };
        let end = liquidator.round(key).await;
        RoundDone { key, end, view }
    }
}

/// A registry holding what a round on `key` reads: the exchange, its listings and oracles,
/// the account and the keeper's own account `own`.
pub fn round_view(registry: &Registry, key: &Pubkey, own: &Pubkey) -> Registry {
    let mut view = Registry::new(registry.exchange_key);
    view.exchange = registry.exchange;
    view.assets = registry.assets.clone();
    view.markets = registry.markets.clone();
    view.raw = registry.raw.clone();
    view.now = registry.now;
    for k in [key, own] {
        if let Some(account) = registry.accounts.get(k) {
            view.accounts.insert(*k, account.clone());
        }
    }
    view
}

/// Takes from a finished round's `view` what is newer than the registry's copy (by the
/// accounts' event sequence: the websocket's copies are usually newer still): the margin
/// accounts `keys` (one the round found closed is dropped), the assets and the markets.
pub fn merge_round(registry: &mut Registry, view: &Registry, keys: &[Pubkey]) {
    for key in keys {
        match (view.accounts.get(key), registry.accounts.get(key)) {
            (Some(seen), Some(held)) if seen.event_seq > held.event_seq => {
                registry.accounts.insert(*key, seen.clone());
            }
            (Some(seen), None) => {
                registry.accounts.insert(*key, seen.clone());
            }
            (None, _) => {
                registry.accounts.remove(key);
            }
            _ => {}
        }
    }
    let listings = view
        .assets
        .iter()
        .map(|a| (a.address, a.asset.event_seq))
        .chain(view.markets.iter().map(|m| (m.address, m.market.event_seq)));
    let held: HashMap<Pubkey, u64> = registry
        .assets
        .iter()
        .map(|a| (a.address, a.asset.event_seq))
        .chain(
            registry
                .markets
                .iter()
                .map(|m| (m.address, m.market.event_seq)),
        )
        .collect();
    let newer: Vec<Pubkey> = listings
        .filter(|(k, seq)| held.get(k).is_some_and(|h| seq > h))
        .map(|(k, _)| k)
        .collect();
    for key in newer {
        if let Some(account) = view.raw.get(&key) {
            registry.store_raw(account.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decision::Decline;

    const COOLDOWN: Duration = Duration::from_millis(200);

    fn candidate(maint: i64) -> Candidate {
        Candidate {
            key: Pubkey::new_unique(),
            maint,
            liq_end: maint,
            size: 10,
            liquidatable: true,
            bankrupt: false,
            has_orders: false,
        }
    }

    #[test]
    fn pipeline_starts_at_most_the_bound_in_the_keepers_order() {
        let mut p = Pipeline::new(2, COOLDOWN);
        let (a, b, c) = (candidate(-5), candidate(-50), candidate(-20));
        for x in [a, b, c] {
            p.offer(x);
        }
        let now = Instant::now();
        assert_eq!(
            p.next(now).map(|x| x.key),
            Some(b.key),
            "most negative Maint first"
        );
        assert_eq!(p.next(now).map(|x| x.key), Some(c.key));
        assert_eq!(p.next(now), None, "two in flight: the bound");
        assert_eq!((p.in_flight(), p.len()), (2, 3));
        p.finish(&b.key, &RoundEnd::Ended, now);
        assert_eq!(
            p.next(now).map(|x| x.key),
            Some(a.key),
            "a freed slot takes the next"
        );
    }

    #[test]
    fn pipeline_never_runs_two_rounds_on_one_account() {
        let mut p = Pipeline::new(8, Duration::ZERO);
        let a = candidate(-5);
        p.offer(a);
        let now = Instant::now();
        assert_eq!(p.next(now).map(|x| x.key), Some(a.key));
        p.offer(a);
        p.offer(Candidate { maint: -500, ..a });
        assert!(
            !p.is_queued(&a.key),
            "an account in a round is not queued again"
        );
        assert_eq!(
            p.next(now),
            None,
            "no second round on it while the first runs"
        );
        p.finish(&a.key, &RoundEnd::LostRace, now);
        p.offer(a);
        assert_eq!(
            p.next(now).map(|x| x.key),
            Some(a.key),
            "after its end it may run again"
        );
    }

    #[test]
    fn pipeline_keeps_the_cooldown_and_the_decline_backoff() {
        let mut p = Pipeline::new(4, COOLDOWN);
        let (a, b) = (candidate(-5), candidate(-6));
        p.offer(a);
        let t0 = Instant::now();
        assert!(p.next(t0).is_some());
        p.finish(&a.key, &RoundEnd::Ended, t0);
        p.offer(a);
        assert_eq!(p.next(t0 + COOLDOWN / 2), None, "cooling down");
        assert_eq!(p.wake_at(), Some(t0 + COOLDOWN));
        assert_eq!(p.next(t0 + COOLDOWN).map(|x| x.key), Some(a.key));
        p.finish(
            &a.key,
            &RoundEnd::Declined(Decline::OwnHealth),
            t0 + COOLDOWN,
        );
        p.offer(a);
        p.offer(b);
        assert_eq!(
            p.next(t0 + COOLDOWN * 2).map(|x| x.key),
            Some(b.key),
            "a cooling account is passed over"
        );
        assert_eq!(p.next(t0 + COOLDOWN * 2), None, "the declined one waits");
        assert_eq!(
            p.next(t0 + COOLDOWN + DECLINE_BACKOFF).map(|x| x.key),
            Some(a.key)
        );
    }

    #[test]
    fn pipeline_offer_updates_the_rank_and_withdraw_drops() {
        let mut p = Pipeline::new(1, Duration::ZERO);
        let (a, b) = (candidate(-5), candidate(-6));
        p.offer(a);
        p.offer(b);
        p.offer(Candidate { maint: -100, ..a });
        assert_eq!(p.len(), 2, "re-offered, not duplicated");
        p.withdraw(&b.key);
        assert_eq!(p.len(), 1);
        assert_eq!(
            p.next(Instant::now()).map(|x| (x.key, x.maint)),
            Some((a.key, -100))
        );
        assert!(
            !p.is_empty() && p.next(Instant::now()).is_none(),
            "the one slot is busy"
        );
    }
}
