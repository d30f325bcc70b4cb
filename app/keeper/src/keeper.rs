//! The keeper's loop: a snapshot at start and periodically; websocket updates in between, each
//! re-evaluating exactly the accounts it touches; the liquidatable accounts queued in the
//! keeper's order and liquidated by rounds in flight — at most `max_rounds_in_flight`, never two
//! on one account, with a per-account cooldown ([`crate::rounds`]) — while the loop goes on
//! reading updates; the cranks and the unwind on their timers; a graceful stop when asked (the
//! rounds in flight finish first, up to [`SHUTDOWN_GRACE`]).

mod dispatch;

use crate::budget::OwnBudget;
use crate::candidates::Candidate;
use crate::config::KeeperConfig;
use crate::discovery::snapshot;
use crate::metrics::Metrics;
use crate::rounds::Pipeline;
use crate::state::Registry;
use crate::subscribe::{self, Topics, Update};
use crate::tx::Sender;
use crate::{cranks, lookup, unwind};
use anchor_lang::prelude::Pubkey;
use dispatch::InFlight;
use keel_client::health::FetchedAccount;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_signer::Signer;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

pub use crate::rounds::DECLINE_BACKOFF;

/// How long a stopping keeper waits for its rounds in flight before abandoning them.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

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
    /// The address lookup table could not be created, read or brought up to date.
    #[error("address lookup table: {0}")]
    LookupTable(String),
}

/// A keeper over one exchange.
pub struct Keeper {
    config: KeeperConfig,
    sender: Sender,
    metrics: Arc<Metrics>,
    registry: Registry,
    own: Pubkey,
    pipeline: Pipeline,
    budget: Arc<OwnBudget>,
    unwind_due: bool,
    unwind_memory: unwind::UnwindMemory,
    lookup_table: Option<Pubkey>,
}

impl Keeper {
    /// A keeper signing with `signer`, reporting into `metrics`.
    pub fn new(config: KeeperConfig, signer: Keypair, metrics: Arc<Metrics>) -> Self {
        let rpc = Arc::new(RpcClient::new_with_commitment(
            config.rpc_url.clone(),
            CommitmentConfig::confirmed(),
        ));
        let own = config.margin_account.unwrap_or_else(|| {
            keel_client::pda::margin_account(&config.exchange, &signer.pubkey(), 0)
        });
        let sender = Sender::new(
            rpc,
            Arc::new(signer),
            config.fee_policy,
            config.max_micro_lamports,
            config.rpc_retries,
            metrics.clone(),
        );
        let registry = Registry::new(config.exchange);
        let unwind_memory = unwind::UnwindMemory::new(config.crank_every * UNWIND_RETRY_TICKS);
        let pipeline = Pipeline::new(config.max_rounds_in_flight, config.account_cooldown);
        Self {
            config,
            sender,
            metrics,
            registry,
            own,
            pipeline,
            budget: OwnBudget::new(),
            unwind_due: false,
            unwind_memory,
            lookup_table: None,
        }
    }

    /// The address lookup table its transactions look up (known once started).
    pub fn lookup_table(&self) -> Option<Pubkey> {
        self.lookup_table
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
        Topics {
            exchange: self.config.exchange,
            accounts,
        }
    }

    /// Takes the first snapshot, opens the address lookup table (the configured one, else one
    /// of the signer's found on the node, else a new one: [`lookup::open`]) and waits for it to
    /// be active, and checks the keeper's own account; margin account 0 of the signer is
    /// created when it does not exist yet (and no other account was configured).
    pub async fn start(&mut self) -> Result<(), StartError> {
        let mut found = snapshot(&self.sender, &mut self.registry)
            .await
            .map_err(|e| StartError::Snapshot(e.detail))?;
        let (table, upkept) = lookup::open(&self.sender, &self.registry, self.config.lookup_table)
            .await
            .map_err(|e| StartError::LookupTable(e.detail))?;
        self.lookup_table = Some(table);
        lookup::report(&table, &upkept, true);
        if !self.registry.accounts.contains_key(&self.own) && self.config.margin_account.is_none() {
            let signer = self.sender.payer.pubkey();
            let ix = keel_client::instructions::create_margin_account(
                &signer,
                &signer,
                &self.config.exchange,
                0,
            );
            self.sender
                .simulate_and_send(&[ix])
                .await
                .map_err(|e| StartError::CreateAccount(e.detail))?;
            tracing::info!(account = %self.own, "created the keeper's margin account (deposit collateral into it to liquidate)");
            found = snapshot(&self.sender, &mut self.registry)
                .await
                .map_err(|e| StartError::Snapshot(e.detail))?;
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
        let subscriptions = tokio::spawn(subscribe::run(
            self.config.ws_url.clone(),
            topics_rx,
            updates_tx,
            stop.clone(),
        ));
        let mut snapshot_tick = tokio::time::interval(self.config.snapshot_every);
        let mut crank_tick = tokio::time::interval(self.config.crank_every);
        let mut sweep_tick = tokio::time::interval(self.config.sweep_every);
        let mut rounds = InFlight::default();
        snapshot_tick.tick().await;
        let all: Vec<Pubkey> = self.registry.accounts.keys().copied().collect();
        self.evaluate(all, vec![], &[], None, true);
        self.launch(&mut rounds);
        loop {
            self.metrics.beat();
            let wake = self.pipeline.wake_at();
            tokio::select! {
                biased;
                _ = stop.changed() => break,
                Some(joined) = rounds.tasks.join_next_with_id(), if !rounds.tasks.is_empty() => {
                    self.finish(&mut rounds, joined);
                    self.launch(&mut rounds);
                    if rounds.tasks.is_empty() && self.unwind_due && self.config.duties.unwind {
                        self.unwind_due = false;
                        self.unwind().await;
                    }
                }
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
                    let (dirty, found, oracles) = self.apply(batch);
                    self.evaluate(dirty, found, &oracles, received, false);
                    self.launch(&mut rounds);
                }
                _ = tokio::time::sleep_until(wake.unwrap_or_else(Instant::now).into()), if wake.is_some() => self.launch(&mut rounds),
                _ = snapshot_tick.tick() => {
                    match snapshot(&self.sender, &mut self.registry).await {
                        Ok(found) => {
                            self.metrics.accounts_tracked.set(found as i64);
                            self.upkeep_table().await;
                            topics_tx.send_if_modified(|t| { let new = self.topics(); let changed = *t != new; *t = new; changed });
                            let all: Vec<Pubkey> = self.registry.accounts.keys().copied().collect();
                            self.evaluate(all, vec![], &[], None, true);
                            self.launch(&mut rounds);
                        }
                        Err(err) => tracing::warn!(detail = err.detail, "snapshot failed"),
                    }
                }
                _ = crank_tick.tick() => self.crank(rounds.tasks.is_empty()).await,
                _ = sweep_tick.tick() => {
                    if self.config.duties.sweep_fees {
                        if let Err(err) = cranks::sweep(&self.sender, &self.registry, &self.metrics).await {
                            tracing::warn!(detail = err.detail, "sweep failed");
                        }
                    }
                }
            }
        }
        self.drain(&mut rounds).await;
        drop(updates);
        let _ = subscriptions.await;
        tracing::info!("keeper stopped");
    }

    /// Applies websocket updates; returns the margin accounts to re-evaluate, the candidates
    /// their price thresholds already show, and the oracles updated.
    fn apply(&mut self, batch: Vec<Update>) -> (Vec<Pubkey>, Vec<Candidate>, Vec<Pubkey>) {
        let mut dirty = HashSet::new();
        let mut oracles = HashSet::new();
        for update in batch {
            if update.margin {
                if self.registry.store_margin(update.key, &update.data) {
                    dirty.insert(update.key);
                }
            } else {
                let is_oracle = self.registry.oracles().contains(&update.key);
                self.registry.store_raw(FetchedAccount {
                    key: update.key,
                    owner: update.owner,
                    lamports: update.lamports,
                    data: update.data,
                });
                if is_oracle {
                    oracles.insert(update.key);
                }
            }
        }
        let oracles: Vec<Pubkey> = oracles.into_iter().collect();
        let mut found: HashMap<Pubkey, Candidate> = HashMap::new();
        for oracle in &oracles {
            let (evaluate, by_threshold) = self.registry.touched_by_price(oracle);
            dirty.extend(evaluate);
            found.extend(by_threshold.into_iter().map(|c| (c.key, c)));
        }
        found.retain(|k, _| !dirty.contains(k));
        self.metrics
            .accounts_tracked
            .set(self.registry.accounts.len() as i64);
        (
            dirty.into_iter().collect(),
            found.into_values().collect(),
            oracles,
        )
    }

    /// Extends the lookup table with the snapshot's new listings, once active (see
    /// [`lookup::maintain`]).
    async fn upkeep_table(&mut self) {
        let Some(table) = self.lookup_table else {
            return;
        };
        match lookup::maintain(&self.sender, &self.registry, &table).await {
            Ok(upkept) => lookup::report(&table, &upkept, false),
            Err(err) => tracing::warn!(%table, detail = err.detail, "lookup table upkeep failed"),
        }
    }

    async fn unwind(&mut self) {
        if let Err(err) = unwind::unwind(
            &self.sender,
            &mut self.registry,
            &self.metrics,
            self.own,
            self.config.unwind_slippage_bps,
            &mut self.unwind_memory,
        )
        .await
        {
            tracing::warn!(detail = err.detail, "unwind failed");
        }
    }

    /// The cranks; the unwind only while no round is in flight (`idle`): every step writes the
    /// keeper's account, and an unwind order would race them.
    async fn crank(&mut self, idle: bool) {
        if let Err(err) = cranks::refresh_markets(&self.sender, &mut self.registry).await {
            tracing::warn!(detail = err.detail, "market refresh failed");
            return;
        }
        if self.config.duties.crank_fills {
            if let Err(err) = cranks::crank_fills(&self.sender, &self.registry, &self.metrics).await
            {
                tracing::warn!(detail = err.detail, "consume_fills failed");
            }
            if let Err(err) =
                crate::settle::settle_pools(&self.sender, &self.registry, &self.metrics).await
            {
                tracing::warn!(detail = err.detail, "settle_pnl failed");
            }
        }
        if self.config.duties.crank_funding {
            if let Err(err) =
                cranks::crank_funding(&self.sender, &self.registry, &self.metrics, self.config.funding_sample_secs).await
            {
                tracing::warn!(detail = err.detail, "update_funding failed");
            }
        }
        if self.config.duties.unwind && idle {
            self.unwind().await;
        }
    }
}
