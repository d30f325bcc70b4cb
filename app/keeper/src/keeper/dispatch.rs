//! The keeper's side of the rounds in flight: the queue fed by evaluations, rounds started as
//! slots and cooldowns allow, their ends taken back, and the wait for them at shutdown.

use super::{Keeper, SHUTDOWN_GRACE};
use crate::candidates::Candidate;
use crate::decision::RiskPolicy;
use crate::liquidate::RoundEnd;
use crate::metrics::Metrics;
use crate::rounds::{merge_round, round_view, RoundDone, RoundTask};
use anchor_lang::prelude::Pubkey;
use std::collections::{HashMap, HashSet};
use std::time::Instant;
use tokio::task::{Id, JoinError, JoinSet};

/// The round tasks running, and which account each is on.
#[derive(Default)]
pub(super) struct InFlight {
    /// The tasks.
    pub(super) tasks: JoinSet<RoundDone>,
    /// The account of each task.
    pub(super) keys: HashMap<Id, Pubkey>,
}

impl Keeper {
    /// Waits up to [`SHUTDOWN_GRACE`] for the rounds in flight, then abandons the rest (a
    /// transaction one of them already sent may still land; the next start finds its effect).
    pub(super) async fn drain(&mut self, rounds: &mut InFlight) {
        if rounds.tasks.is_empty() {
            return;
        }
        tracing::info!(
            in_flight = rounds.tasks.len(),
            "waiting for the liquidation rounds in flight"
        );
        let deadline = tokio::time::Instant::now() + SHUTDOWN_GRACE;
        loop {
            match tokio::time::timeout_at(deadline, rounds.tasks.join_next_with_id()).await {
                Ok(Some(joined)) => self.finish(rounds, joined),
                Ok(None) => return,
                Err(_) => {
                    tracing::warn!(
                        abandoned = rounds.tasks.len(),
                        "liquidation rounds still in flight abandoned at shutdown"
                    );
                    rounds.tasks.shutdown().await;
                    return;
                }
            }
        }
    }

    /// Evaluates `keys` with the program's health code and queues the liquidatable ones with the
    /// candidates `found` by their thresholds; withdraws from the queue what is no longer
    /// liquidatable: an account of `keys` evaluated healthy, one whose threshold a price update
    /// of `oracles` found healthy, and (on a `full` pass over every account) one no longer
    /// tracked.
    pub(super) fn evaluate(
        &mut self,
        keys: Vec<Pubkey>,
        found: Vec<Candidate>,
        oracles: &[Pubkey],
        received: Option<Instant>,
        full: bool,
    ) {
        let keys: Vec<Pubkey> = keys.into_iter().filter(|k| *k != self.own).collect();
        let mut candidates = self.registry.candidates(&keys);
        candidates.extend(
            found
                .into_iter()
                .filter(|c| c.key != self.own && c.liquidatable),
        );
        if let Some(received) = received {
            self.metrics
                .detection_seconds
                .observe(received.elapsed().as_secs_f64());
        }
        let seen: HashSet<Pubkey> = candidates.iter().map(|c| c.key).collect();
        for key in keys.iter().filter(|k| !seen.contains(k)) {
            self.pipeline.withdraw(key);
        }
        let thresholds = &self.registry.thresholds;
        let priced_healthy = |k: &Pubkey| {
            !oracles.is_empty()
                && thresholds
                    .get(k)
                    .is_some_and(|t| oracles.contains(&t.oracle))
        };
        let gone: Vec<Pubkey> = self
            .pipeline
            .queued()
            .filter(|k| {
                !seen.contains(k)
                    && (priced_healthy(k) || (full && !self.registry.accounts.contains_key(k)))
            })
            .copied()
            .collect();
        for key in &gone {
            self.pipeline.withdraw(key);
        }
        for candidate in candidates {
            self.pipeline.offer(candidate);
        }
        self.metrics.liquidatable.set(self.pipeline.len() as i64);
    }

    /// Starts a round on each queued account [`Pipeline::next`] hands out.
    pub(super) fn launch(&mut self, rounds: &mut InFlight) {
        if self.config.duties.liquidate {
            let now = Instant::now();
            while let Some(candidate) = self.pipeline.next(now) {
                tracing::debug!(key = %candidate.key, maint = candidate.maint, size = candidate.size, "liquidation round");
                let task = RoundTask {
                    sender: self.sender.clone(),
                    metrics: self.metrics.clone(),
                    budget: self.budget.clone(),
                    own: self.own,
                    policy: RiskPolicy {
                        min_own_init_health: self.config.min_own_init_health,
                        min_bounty: self.config.min_bounty,
                    },
                    tolerance_bps: self.config.health_tolerance_bps,
                };
                let handle = rounds.tasks.spawn(task.run(
                    candidate.key,
                    round_view(&self.registry, &candidate.key, &self.own),
                ));
                rounds.keys.insert(handle.id(), candidate.key);
            }
        }
        self.metrics
            .rounds_in_flight
            .set(self.pipeline.in_flight() as i64);
        self.metrics.liquidatable.set(self.pipeline.len() as i64);
    }

    /// A round ended: its slot is freed, what it saw merged, its account re-evaluated (queued
    /// again, after its cooldown, while still liquidatable).
    pub(super) fn finish(
        &mut self,
        rounds: &mut InFlight,
        joined: Result<(Id, RoundDone), JoinError>,
    ) {
        let (key, end) = match joined {
            Ok((id, done)) => {
                rounds.keys.remove(&id);
                merge_round(&mut self.registry, &done.view, &[done.key, self.own]);
                (done.key, done.end)
            }
            Err(err) => {
                let Some(key) = rounds.keys.remove(&err.id()) else {
                    return;
                };
                if err.is_panic() {
                    Metrics::inc(&self.metrics.steps_failed, "other");
                    tracing::error!(%key, %err, "liquidation round panicked");
                }
                (key, RoundEnd::Failed(err.to_string()))
            }
        };
        self.pipeline.finish(&key, &end, Instant::now());
        match self.registry.candidate(&key) {
            Some(candidate) => self.pipeline.offer(candidate),
            None => self.pipeline.withdraw(&key),
        }
        self.unwind_due = true;
        if matches!(end, RoundEnd::Ended | RoundEnd::Settled) {
            tracing::info!(%key, ?end, "liquidation round done");
        }
        self.metrics
            .rounds_in_flight
            .set(self.pipeline.in_flight() as i64);
        self.metrics.liquidatable.set(self.pipeline.len() as i64);
    }
}
