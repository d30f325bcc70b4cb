//! Prometheus metrics (prometheus-client) and the `/metrics` + `/health` server (axum).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// One label: a kind, reason or method.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Kind {
    /// The value.
    pub kind: String,
}

/// Every metric the keeper exports.
pub struct Metrics {
    registry: Registry,
    /// Margin accounts tracked.
    pub accounts_tracked: Gauge,
    /// Accounts liquidatable as last evaluated: waiting for a round or in one.
    pub liquidatable: Gauge,
    /// Liquidation steps sent (perp, collateral, bankruptcy, cancel).
    pub steps_sent: Family<Kind, Counter>,
    /// Steps that landed successfully.
    pub steps_landed: Family<Kind, Counter>,
    /// Steps lost to another keeper (simulated or landed).
    pub steps_lost: Counter,
    /// Steps failed otherwise, by classification.
    pub steps_failed: Family<Kind, Counter>,
    /// Steps declined by the keeper's own policy, by reason.
    pub steps_declined: Family<Kind, Counter>,
    /// Bankruptcies settled in the same transaction as the step that left them.
    pub settlements_paired: Counter,
    /// Steps over the lock limit priced by cached prices (`cache_prices` sent first).
    pub prices_cached: Counter,
    /// Liquidation rounds in flight.
    pub rounds_in_flight: Gauge,
    /// Bounties earned, quote native.
    pub bounties_earned: Counter,
    /// Cranks landed, by kind.
    pub cranks: Family<Kind, Counter>,
    /// Transactions sent, by form (v0 with the lookup table, legacy).
    pub transactions_sent: Family<Kind, Counter>,
    /// RPC latency, seconds, by method.
    pub rpc_latency: Family<Kind, Histogram>,
    /// Local health and the program's simulated view disagreed.
    pub health_disagreements: Counter,
    /// The keeper's own Init health, quote native.
    pub own_init_health: Gauge,
    /// The keeper's own Maint health, quote native.
    pub own_maint_health: Gauge,
    /// Seconds from an update's arrival to its accounts evaluated.
    pub detection_seconds: Histogram,
    /// Unix time of the last completed loop iteration (for `/health`).
    heartbeat: AtomicI64,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl Metrics {
    /// Every metric registered, at zero.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("keel_keeper");
        let latency: Family<Kind, Histogram> =
            Family::new_with_constructor(|| Histogram::new(exponential_buckets(0.001, 2.0, 14)));
        let m = Self {
            accounts_tracked: Gauge::default(),
            liquidatable: Gauge::default(),
            steps_sent: Family::default(),
            steps_landed: Family::default(),
            steps_lost: Counter::default(),
            steps_failed: Family::default(),
            steps_declined: Family::default(),
            settlements_paired: Counter::default(),
            prices_cached: Counter::default(),
            rounds_in_flight: Gauge::default(),
            bounties_earned: Counter::default(),
            cranks: Family::default(),
            transactions_sent: Family::default(),
            rpc_latency: latency,
            health_disagreements: Counter::default(),
            own_init_health: Gauge::default(),
            own_maint_health: Gauge::default(),
            detection_seconds: Histogram::new(exponential_buckets(0.0005, 2.0, 14)),
            heartbeat: AtomicI64::new(unix_now()),
            registry: Registry::default(),
        };
        registry.register(
            "accounts_tracked",
            "Margin accounts tracked",
            m.accounts_tracked.clone(),
        );
        registry.register(
            "liquidatable",
            "Accounts liquidatable as last evaluated (waiting for a round or in one)",
            m.liquidatable.clone(),
        );
        registry.register(
            "steps_sent",
            "Liquidation transactions sent",
            m.steps_sent.clone(),
        );
        registry.register(
            "steps_landed",
            "Liquidation transactions landed",
            m.steps_landed.clone(),
        );
        registry.register(
            "prices_cached",
            "Steps over the lock limit priced by cached prices",
            m.prices_cached.clone(),
        );
        registry.register(
            "steps_lost",
            "Steps lost to another keeper",
            m.steps_lost.clone(),
        );
        registry.register(
            "steps_failed",
            "Steps failed, by classification",
            m.steps_failed.clone(),
        );
        registry.register(
            "steps_declined",
            "Steps declined by the keeper's own policy",
            m.steps_declined.clone(),
        );
        registry.register(
            "settlements_paired",
            "Bankruptcies settled in the transaction of the step that left them",
            m.settlements_paired.clone(),
        );
        registry.register(
            "rounds_in_flight",
            "Liquidation rounds in flight",
            m.rounds_in_flight.clone(),
        );
        registry.register(
            "bounties_earned",
            "Keeper bounties earned, quote native",
            m.bounties_earned.clone(),
        );
        registry.register("cranks", "Cranks landed, by kind", m.cranks.clone());
        registry.register(
            "transactions_sent",
            "Transactions sent, by form (v0 with the lookup table, legacy)",
            m.transactions_sent.clone(),
        );
        registry.register(
            "rpc_latency_seconds",
            "RPC latency by method",
            m.rpc_latency.clone(),
        );
        registry.register(
            "health_disagreements",
            "Local health disagreed with the program's view",
            m.health_disagreements.clone(),
        );
        registry.register(
            "own_init_health",
            "The keeper's own Init health, quote native",
            m.own_init_health.clone(),
        );
        registry.register(
            "own_maint_health",
            "The keeper's own Maint health, quote native",
            m.own_maint_health.clone(),
        );
        registry.register(
            "detection_seconds",
            "Update received to accounts evaluated",
            m.detection_seconds.clone(),
        );
        Self { registry, ..m }
    }

    /// The counter of `family` for `kind`.
    pub fn get(family: &Family<Kind, Counter>, kind: &str) -> u64 {
        family
            .get_or_create(&Kind {
                kind: kind.to_string(),
            })
            .get()
    }

    /// Adds one to `family`'s counter for `kind`.
    pub fn inc(family: &Family<Kind, Counter>, kind: &str) {
        family
            .get_or_create(&Kind {
                kind: kind.to_string(),
            })
            .inc();
    }

    /// Σ of a family's counters over `kinds`.
    pub fn sum(family: &Family<Kind, Counter>, kinds: &[&str]) -> u64 {
        kinds.iter().map(|k| Self::get(family, k)).sum()
    }

    /// Records an RPC call's latency.
    pub fn observe_rpc(&self, method: &str, elapsed: Duration) {
        self.rpc_latency
            .get_or_create(&Kind {
                kind: method.to_string(),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// Marks the main loop alive.
    pub fn beat(&self) {
        self.heartbeat.store(unix_now(), Ordering::Relaxed);
    }

    /// Seconds since the main loop last completed an iteration.
    pub fn since_heartbeat(&self) -> i64 {
        unix_now() - self.heartbeat.load(Ordering::Relaxed)
    }

    /// The text exposition format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

/// Longest silence of the main loop `/health` still answers 200 to, seconds.
pub const HEALTHY_WITHIN_SECS: i64 = 60;

async fn metrics_route(
    State(m): State<Arc<Metrics>>,
) -> (StatusCode, [(&'static str, &'static str); 1], String) {
    (
        StatusCode::OK,
        [(
            "content-type",
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        m.encode(),
    )
}

async fn health_route(State(m): State<Arc<Metrics>>) -> (StatusCode, String) {
    let silent = m.since_heartbeat();
    if silent <= HEALTHY_WITHIN_SECS {
        (StatusCode::OK, "ok\n".into())
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("main loop silent for {silent} s\n"),
        )
    }
}

/// Serves `/metrics` and `/health` on `addr` until `shutdown` resolves; returns the bound
/// address (port 0 picks one) once listening.
pub async fn serve(
    addr: SocketAddr,
    metrics: Arc<Metrics>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<SocketAddr> {
    let app = Router::new()
        .route("/metrics", get(metrics_route))
        .route("/health", get(health_route))
        .with_state(metrics);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::warn!(%err, "metrics server stopped");
        }
    });
    Ok(bound)
}
