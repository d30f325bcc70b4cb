//! The keeper's loop: a snapshot at start and periodically; websocket updates in between, each
//! re-evaluating exactly the accounts it touches; the ranked candidates liquidated one round at a
//! time (with a per-account cooldown); the cranks and the unwind on their timers; a graceful
//! stop when asked.

use crate::candidates::{rank, Candidate};
use crate::config::KeeperConfig;
use crate::decision::RiskPolicy;
use crate::discovery::snapshot;
use crate::liquidate::{Liquidator, RoundEnd};
use crate::metrics::Metrics;
use crate::state::Registry;
use crate::subscribe::{self, Topics, Update};
use crate::tx::Sender;
use crate::{cranks, unwind};
use anchor_lang::prelude::Pubkey;
use keel_client::health::FetchedAccount;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_signer::Signer;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{mpsc, watch};

/// How long an account whose step was declined waits before the keeper looks at it again.
pub const DECLINE_BACKOFF: std::time::Duration = std::time::Duration::from_secs(2);

/// Crank ticks before an unwind order that left a position unchanged is tried again.
pub const UNWIND_RETRY_TICKS: u32 = 8;

/// Most updates folded into one evaluation batch.
pub const MAX_BATCH: usize = 4_096;

/// Why the keeper could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The first snapshot failed.
    #[error("first snapshot of the exchange failed: {0}")]
    Snapshot(String),
    /// The keeper's margin account could not be created.
    #[error("creating the keeper's margin account failed: {0}")]
    CreateAccount(String),
    /// The keeper's own margin account does not exist on the exchange.
    #[error("the keeper's margin account {0} is not a margin account of the exchange")]
    NoOwnAccount(Pubkey),
}

/// A keeper over one exchange.
pub struct Keeper {
    config: KeeperConfig,
    sender: Sender,
    metrics: Arc<Metrics>,
    registry: Registry,
    own: Pubkey,
    last_round: HashMap<Pubkey, Instant>,
    unwind_memory: unwind::UnwindMemory,
}

impl Keeper {
    /// A keeper signing with `signer`, reporting into `metrics`.
    pub fn new(config: KeeperConfig, signer: Keypair, metrics: Arc<Metrics>) -> Self {
        let rpc = Arc::new(RpcClient::new_with_commitment(config.rpc_url.clone(), CommitmentConfig::confirmed()));
        let own = config.margin_account.unwrap_or_else(|| keel_client::pda::margin_account(&config.exchange, &signer.pubkey(), 0));
        let sender = Sender::new(rpc, Arc::new(signer), config.fee_policy, config.max_micro_lamports, config.rpc_retries, metrics.clone());
        let registry = Registry::new(config.exchange);
        let unwind_memory = unwind::UnwindMemory::new(config.crank_every * UNWIND_RETRY_TICKS);
        Self { config, sender, metrics, registry, own, last_round: HashMap::new(), unwind_memory }
    }

    /// The keeper's own margin account.
    pub fn own_account(&self) -> Pubkey {
        self.own
    }

    /// Its metrics.
    pub fn metrics(&self) -> Arc<Metrics> {
        self.metrics.clone()
    }

    fn topics(&self) -> Topics {
        let mut accounts = self.registry.oracles();
        accounts.extend(self.registry.markets.iter().map(|m| m.address));
        Topics { exchange: self.config.exchange, accounts }
    }

    /// Takes the first snapshot and checks the keeper's own account; margin account 0 of the
    /// signer is created when it does not exist yet (and no other account was configured).
    pub async fn start(&mut self) -> Result<(), StartError> {
        let mut found = snapshot(&self.sender, &mut self.registry).await.map_err(|e| StartError::Snapshot(e.detail))?;
        if !self.registry.accounts.contains_key(&self.own) && self.config.margin_account.is_none() {
            let signer = self.sender.payer.pubkey();
            let ix = keel_client::instructions::create_margin_account(&signer, &signer, &self.config.exchange, 0);
            self.sender.simulate_and_send(&[ix]).await.map_err(|e| StartError::CreateAccount(e.detail))?;
            tracing::info!(account = %self.own, "created the keeper's margin account (deposit collateral into it to liquidate)");
            found = snapshot(&self.sender, &mut self.registry).await.map_err(|e| StartError::Snapshot(e.detail))?;
        }
        if !self.registry.accounts.contains_key(&self.own) {
            return Err(StartError::NoOwnAccount(self.own));
        }
        self.metrics.accounts_tracked.set(found as i64);
        tracing::info!(accounts = found, markets = self.registry.markets.len(), own = %self.own, "snapshot taken");
        Ok(())
    }

    /// Runs until `stop` turns true (after [`Keeper::start`]).
    pub async fn run(mut self, mut stop: watch::Receiver<bool>) {
        let (topics_tx, topics_rx) = watch::channel(self.topics());
        let (updates_tx, mut updates) = mpsc::channel::<Update>(MAX_BATCH * 4);
        let subscriptions = tokio::spawn(subscribe::run(self.config.ws_url.clone(), topics_rx, updates_tx, stop.clone()));
        let mut snapshot_tick = tokio::time::interval(self.config.snapshot_every);
        let mut crank_tick = tokio::time::interval(self.config.crank_every);
        let mut sweep_tick = tokio::time::interval(self.config.sweep_every);
        snapshot_tick.tick().await;
        let all: Vec<Pubkey> = self.registry.accounts.keys().copied().collect();
        self.evaluate_and_act(all, vec![], None).await;
        loop {
            self.metrics.beat();
            tokio::select! {
                biased;
                _ = stop.changed() => break,
                Some(first) = updates.recv() => {
                    let mut batch = vec![first];
                    while batch.len() < MAX_BATCH {
                        match updates.try_recv() {
                            Ok(update) => batch.push(update),
                            Err(_) => break,
                        }
                    }
                    let received = batch.iter().map(|u| u.received).min();
                    // The oracle guards compare publish times with the cluster clock: read it first.
                    if let Ok(now) = crate::discovery::cluster_time(&self.sender).await {
                        self.registry.now = now;
                    }
                    let (dirty, found) = self.apply(batch);
                    self.evaluate_and_act(dirty, found, received).await;
                }
                _ = snapshot_tick.tick() => {
                    match snapshot(&self.sender, &mut self.registry).await {
                        Ok(found) => {
                            self.metrics.accounts_tracked.set(found as i64);
                            topics_tx.send_if_modified(|t| { let new = self.topics(); let changed = *t != new; *t = new; changed });
                            let all: Vec<Pubkey> = self.registry.accounts.keys().copied().collect();
                            self.evaluate_and_act(all, vec![], None).await;
                        }
                        Err(err) => tracing::warn!(detail = err.detail, "snapshot failed"),
                    }
                }
                _ = crank_tick.tick() => self.crank().await,
                _ = sweep_tick.tick() => {
                    if self.config.duties.sweep_fees {
                        if let Err(err) = cranks::sweep(&self.sender, &self.registry, &self.metrics).await {
                            tracing::warn!(detail = err.detail, "sweep failed");
                        }
                    }
                }
            }
        }
        drop(updates);
        let _ = subscriptions.await;
        tracing::info!("keeper stopped");
    }

    /// Applies websocket updates; returns the margin accounts to re-evaluate and the candidates
    /// their price thresholds already show.
    fn apply(&mut self, batch: Vec<Update>) -> (Vec<Pubkey>, Vec<Candidate>) {
        let mut dirty = HashSet::new();
        let mut oracles = HashSet::new();
        for update in batch {
            if update.margin {
                if self.registry.store_margin(update.key, &update.data) {
                    dirty.insert(update.key);
                }
            } else {
                let is_oracle = self.registry.oracles().contains(&update.key);
                self.registry.store_raw(FetchedAccount { key: update.key, owner: update.owner, lamports: update.lamports, data: update.data });
                if is_oracle {
                    oracles.insert(update.key);
                }
            }
        }
        let mut found: HashMap<Pubkey, Candidate> = HashMap::new();
        for oracle in oracles {
            let (evaluate, by_threshold) = self.registry.touched_by_price(&oracle);
            dirty.extend(evaluate);
            found.extend(by_threshold.into_iter().map(|c| (c.key, c)));
        }
        found.retain(|k, _| !dirty.contains(k));
        self.metrics.accounts_tracked.set(self.registry.accounts.len() as i64);
        (dirty.into_iter().collect(), found.into_values().collect())
    }

    /// Evaluates `keys` with the program's health code, ranks the liquidatable ones with the
    /// candidates `found` by their thresholds, and runs a round on each whose cooldown has
    /// passed.
    async fn evaluate_and_act(&mut self, keys: Vec<Pubkey>, found: Vec<Candidate>, received: Option<Instant>) {
        if let Ok(now) = crate::discovery::cluster_time(&self.sender).await {
            self.registry.now = now;
        }
        let keys: Vec<Pubkey> = keys.into_iter().filter(|k| *k != self.own).collect();
        let mut candidates = self.registry.candidates(&keys);
        candidates.extend(found.into_iter().filter(|c| c.key != self.own));
        let ranked = rank(candidates);
        if let Some(received) = received {
            self.metrics.detection_seconds.observe(received.elapsed().as_secs_f64());
        }
        self.metrics.liquidatable.set(ranked.len() as i64);
        if !self.config.duties.liquidate {
            return;
        }
        let mut acted = false;
        for candidate in ranked {
            let now = Instant::now();
            let cooled = self.last_round.get(&candidate.key).is_none_or(|t| now >= *t && now.duration_since(*t) >= self.config.account_cooldown);
            if !cooled {
                continue;
            }
            self.last_round.insert(candidate.key, Instant::now());
            acted = true;
            tracing::debug!(key = %candidate.key, maint = candidate.maint, size = candidate.size, "liquidation round");
            let mut liquidator = Liquidator {
                sender: &self.sender,
                registry: &mut self.registry,
                metrics: &self.metrics,
                own: self.own,
                policy: RiskPolicy { min_own_init_health: self.config.min_own_init_health, min_bounty: self.config.min_bounty },
                tolerance_bps: self.config.health_tolerance_bps,
            };
            let end = liquidator.round(candidate.key).await;
            if matches!(end, RoundEnd::Declined(_)) {
                // Do not re-simulate a step the keeper cannot afford at every update.
                self.last_round.insert(candidate.key, Instant::now() + DECLINE_BACKOFF);
            }
            if matches!(end, RoundEnd::Ended | RoundEnd::Settled) {
                tracing::info!(key = %candidate.key, ?end, "liquidation round done");
            }
        }
        if acted && self.config.duties.unwind {
            self.unwind().await;
        }
    }

    async fn unwind(&mut self) {
        if let Err(err) = unwind::unwind(&self.sender, &mut self.registry, &self.metrics, self.own, self.config.unwind_slippage_bps, &mut self.unwind_memory).await {
            tracing::warn!(detail = err.detail, "unwind failed");
        }
    }

    async fn crank(&mut self) {
        if let Err(err) = cranks::refresh_markets(&self.sender, &mut self.registry).await {
            tracing::warn!(detail = err.detail, "market refresh failed");
            return;
        }
        if self.config.duties.crank_fills {
            if let Err(err) = cranks::crank_fills(&self.sender, &self.registry, &self.metrics).await {
                tracing::warn!(detail = err.detail, "consume_fills failed");
            }
            if let Err(err) = crate::settle::settle_pools(&self.sender, &self.registry, &self.metrics).await {
                tracing::warn!(detail = err.detail, "settle_pnl failed");
            }
        }
        if self.config.duties.crank_funding {
            if let Err(err) = cranks::crank_funding(&self.sender, &self.registry, &self.metrics).await {
                tracing::warn!(detail = err.detail, "update_funding failed");
            }
        }
        if self.config.duties.unwind {
            self.unwind().await;
        }
    }
}
