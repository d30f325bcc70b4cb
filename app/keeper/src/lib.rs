//! The Keel keeper: finds every unhealthy margin account of an exchange, liquidates it to
//! LiquidationEnd health, settles bankruptcies, runs the cranks and manages its own risk.
//!
//! Health is always the program's own code ([`keel_client::health`]); every instruction comes
//! from the client's builders ([`keel_client`]). The layers:
//!
//! - [`config`]: flags, environment and TOML, checked at start-up.
//! - [`discovery`], [`subscribe`], [`state`]: the snapshot, the websocket updates, the registry
//!   and the health of any account.
//! - [`candidates`], [`decision`]: ranking, the act/decline decision and whether a step carries
//!   its bankruptcy settlement (pure, unit-tested).
//! - [`rounds`], [`budget`]: the rounds in flight (a bound, one per account, cooldowns) and the
//!   keeper's own Init health reserved by their steps.
//! - [`liquidate`], [`step`], [`unwind`], [`cranks`], [`settle`]: what the keeper sends, through
//!   [`tx`] (simulate, compute-unit limit, priority fee, confirm; v0 with the exchange's
//!   address lookup table, kept by [`lookup`]), its failures read by [`classify`].
//! - [`metrics`]: Prometheus `/metrics` and `/health`.
//! - [`keeper`]: the loop.

pub mod budget;
pub mod candidates;
pub mod classify;
pub mod config;
pub mod cranks;
pub mod decision;
pub mod discovery;
pub mod fit_locks;
pub mod keeper;
pub mod liquidate;
pub mod lookup;
pub mod metrics;
pub mod rounds;
pub mod settle;
pub mod state;
pub mod step;
pub mod subscribe;
pub mod tx;
pub mod unwind;

pub use config::KeeperConfig;
pub use keeper::Keeper;
pub use metrics::Metrics;
