//! Configuration: command-line flags, environment variables and a TOML file, merged in that order
//! of precedence (flag > environment > file > default), then checked once at start-up into a
//! [`KeeperConfig`]. A bad value is a [`ConfigError`] naming the option.

mod file;
#[cfg(test)]
mod tests;

use anchor_lang::prelude::Pubkey;
use clap::Parser;
pub use file::{default_ws_url, ConfigError};
use file::{invalid, positive, read_file, FileConfig};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// Rounds in flight unless configured: enough to keep a node that executes the keeper's steps
/// one after the other (they all write its margin account) busy while each round waits a slot
/// for its confirmation; more mostly adds lost races against other keepers and reserved own
/// health (see app/keeper/README.md, Benchmark).
pub const DEFAULT_ROUNDS_IN_FLIGHT: usize = 8;
/// The largest `max_rounds_in_flight` accepted.
pub const MAX_ROUNDS_IN_FLIGHT: usize = 256;

/// Flags (each also readable from the environment variable shown in `--help`).
#[derive(Parser, Debug, Default, Clone)]
#[command(
    name = "keel-keeper",
    version,
    about = "Keel keeper: liquidates unhealthy margin accounts to LiquidationEnd, settles bankruptcies and runs the cranks"
)]
pub struct Args {
    /// TOML file with any of the options below (snake_case keys); flags and environment win.
    #[arg(long, env = "KEEL_KEEPER_CONFIG")]
    pub config: Option<PathBuf>,
    /// JSON-RPC URL of the node [default: http://127.0.0.1:8899].
    #[arg(long, env = "KEEL_RPC_URL")]
    pub rpc_url: Option<String>,
    /// PubSub websocket URL [default: the RPC URL's host at port + 1, ws://].
    #[arg(long, env = "KEEL_WS_URL")]
    pub ws_url: Option<String>,
    /// Keypair file (a JSON array of 64 bytes, as solana-keygen writes) of the keeper's signer.
    #[arg(long, env = "KEEL_KEYPAIR")]
    pub keypair: Option<PathBuf>,
    /// The exchange account (base58).
    #[arg(long, env = "KEEL_EXCHANGE")]
    pub exchange: Option<String>,
    /// The keeper's own margin account [default: margin account 0 of the signer].
    #[arg(long, env = "KEEL_MARGIN_ACCOUNT")]
    pub margin_account: Option<String>,
    /// An existing address lookup table to compile every transaction against (v0), extended
    /// with new listings when the keeper is its authority [default: the signer's own table
    /// found at start-up (getProgramAccounts on the lookup-table program), else a new one; its
    /// address is logged].
    #[arg(long, env = "KEEL_LOOKUP_TABLE", value_name = "ADDRESS")]
    pub lookup_table: Option<String>,
    /// Liquidate unhealthy accounts and settle bankruptcies (true/false) [default: true].
    #[arg(long, env = "KEEL_LIQUIDATE")]
    pub liquidate: Option<bool>,
    /// Crank consume_fills when a fill queue has events [default: true].
    #[arg(long, env = "KEEL_CRANK_FILLS")]
    pub crank_fills: Option<bool>,
    /// Crank update_funding at every multiple of `--funding-sample-secs` in Unix time [default: true].
    #[arg(long, env = "KEEL_CRANK_FUNDING")]
    pub crank_funding: Option<bool>,
    /// Sweep markets' insurance fees into the fund periodically [default: true].
    #[arg(long, env = "KEEL_SWEEP_FEES")]
    pub sweep_fees: Option<bool>,
    /// Unwind positions taken over with reduce-only IOC orders [default: true].
    #[arg(long, env = "KEEL_UNWIND")]
    pub unwind: Option<bool>,
    /// Priority-fee policy: `fixed` or `recent` (getRecentPrioritizationFees) [default: fixed].
    #[arg(long, env = "KEEL_PRIORITY_FEE")]
    pub priority_fee: Option<String>,
    /// Compute-unit price for `fixed`, micro-lamports [default: 0].
    #[arg(long, env = "KEEL_PRIORITY_MICRO_LAMPORTS")]
    pub priority_micro_lamports: Option<u64>,
    /// Percentile of recent fees for `recent`, 0..=100 [default: 75].
    #[arg(long, env = "KEEL_PRIORITY_PERCENTILE")]
    pub priority_percentile: Option<u8>,
    /// Highest compute-unit price ever paid, micro-lamports [default: 1000000].
    #[arg(long, env = "KEEL_PRIORITY_MAX_MICRO_LAMPORTS")]
    pub priority_max_micro_lamports: Option<u64>,
    /// Smallest bounty a liquidation step must be expected to earn, quote native [default: 0].
    #[arg(long, env = "KEEL_MIN_BOUNTY")]
    pub min_bounty: Option<u64>,
    /// Init health the keeper's own account must keep after any step, quote native [default: 0].
    #[arg(long, env = "KEEL_MIN_OWN_INIT_HEALTH")]
    pub min_own_init_health: Option<i64>,
    /// Largest distance from the oracle an unwind order may trade at, bps [default: 100].
    #[arg(long, env = "KEEL_UNWIND_SLIPPAGE_BPS")]
    pub unwind_slippage_bps: Option<u16>,
    /// Allowed disagreement of local and simulated health before skipping an account, bps of
    /// its Maint health (at least 1 quote native) [default: 50].
    #[arg(long, env = "KEEL_HEALTH_TOLERANCE_BPS")]
    pub health_tolerance_bps: Option<u16>,
    /// Seconds between getProgramAccounts snapshots [default: 30].
    #[arg(long, env = "KEEL_SNAPSHOT_SECS")]
    pub snapshot_secs: Option<u64>,
    /// Milliseconds between crank checks [default: 1000].
    #[arg(long, env = "KEEL_CRANK_MS")]
    pub crank_ms: Option<u64>,
    /// Seconds between two `update_funding` cranks on a market, on a grid fixed in Unix time
    /// (its multiples), at most half its oracle's maximum age [default: 5].
    #[arg(long, env = "KEEL_FUNDING_SAMPLE_SECS")]
    pub funding_sample_secs: Option<u64>,
    /// Seconds between settlements of the insurance fund's claim [default: 600].
    #[arg(long, env = "KEEL_SWEEP_SECS")]
    pub sweep_secs: Option<u64>,
    /// Smallest time between two liquidation rounds on one account, milliseconds [default: 200].
    #[arg(long, env = "KEEL_ACCOUNT_COOLDOWN_MS")]
    pub account_cooldown_ms: Option<u64>,
    /// Liquidation rounds in flight at once, on different accounts, 1..=256 (1: one at a time)
    /// [default: 8].
    #[arg(long, env = "KEEL_MAX_ROUNDS_IN_FLIGHT")]
    pub max_rounds_in_flight: Option<usize>,
    /// Attempts of an RPC call on transport errors (with exponential backoff) [default: 4].
    #[arg(long, env = "KEEL_RPC_RETRIES")]
    pub rpc_retries: Option<u32>,
    /// Address of the /metrics and /health server; `off` disables it [default: 127.0.0.1:9464].
    #[arg(long, env = "KEEL_METRICS_ADDR")]
    pub metrics_addr: Option<String>,
    /// Logs as JSON lines instead of text (flag or environment only; filter with RUST_LOG)
    /// [default: false].
    #[arg(long, env = "KEEL_LOG_JSON")]
    pub log_json: Option<bool>,
}

/// How the compute-unit price of each transaction is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeePolicy {
    /// Always this price, micro-lamports per compute unit.
    Fixed(u64),
    /// This percentile of `getRecentPrioritizationFees` over the accounts written.
    Recent {
        /// 0..=100.
        percentile: u8,
    },
}

/// Which duties the keeper performs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Duties {
    /// Liquidations and bankruptcy settlement.
    pub liquidate: bool,
    /// consume_fills.
    pub crank_fills: bool,
    /// update_funding.
    pub crank_funding: bool,
    /// settle_insurance_claim (the fund's claim into its vault).
    pub sweep_fees: bool,
    /// Unwinding inventory taken over.
    pub unwind: bool,
}

impl Default for Duties {
    fn default() -> Self {
        Self {
            liquidate: true,
            crank_fills: true,
            crank_funding: true,
            sweep_fees: true,
            unwind: true,
        }
    }
}

/// The checked configuration the keeper runs with.
#[derive(Clone, Debug)]
pub struct KeeperConfig {
    /// JSON-RPC URL.
    pub rpc_url: String,
    /// PubSub URL.
    pub ws_url: String,
    /// The keypair file (read by the binary; tests pass a keypair directly).
    pub keypair: Option<PathBuf>,
    /// The exchange.
    pub exchange: Pubkey,
    /// The keeper's margin account (`None`: account 0 of the signer).
    pub margin_account: Option<Pubkey>,
    /// The address lookup table to use (`None`: reuse one of the signer's found at start-up,
    /// or create one).
    pub lookup_table: Option<Pubkey>,
    /// Duties on or off.
    pub duties: Duties,
    /// Priority-fee policy.
    pub fee_policy: FeePolicy,
    /// Highest compute-unit price, micro-lamports.
    pub max_micro_lamports: u64,
    /// Smallest expected bounty of a step, quote native.
    pub min_bounty: u64,
    /// Init health the own account keeps after a step, quote native.
    pub min_own_init_health: i64,
    /// Unwind slippage bound, bps.
    pub unwind_slippage_bps: u16,
    /// Health cross-check tolerance, bps.
    pub health_tolerance_bps: u16,
    /// Time between snapshots.
    pub snapshot_every: Duration,
    /// Time between crank checks.
    pub crank_every: Duration,
    /// Seconds between two `update_funding` cranks on a market (the grid's step).
    pub funding_sample_secs: u64,
    /// Time between sweeps.
    pub sweep_every: Duration,
    /// Smallest time between two rounds on one account.
    pub account_cooldown: Duration,
    /// Most liquidation rounds in flight at once (on different accounts).
    pub max_rounds_in_flight: usize,
    /// RPC attempts on transport errors.
    pub rpc_retries: u32,
    /// Metrics server address (`None`: off).
    pub metrics_addr: Option<SocketAddr>,
}

impl KeeperConfig {
    /// Defaults for `rpc_url`/`ws_url` and `exchange` (tests and embedding).
    pub fn new(rpc_url: String, ws_url: String, exchange: Pubkey) -> Self {
        Self {
            rpc_url,
            ws_url,
            keypair: None,
            exchange,
            margin_account: None,
            lookup_table: None,
            duties: Duties::default(),
            fee_policy: FeePolicy::Fixed(0),
            max_micro_lamports: 1_000_000,
            min_bounty: 0,
            min_own_init_health: 0,
            unwind_slippage_bps: 100,
            health_tolerance_bps: 50,
            snapshot_every: Duration::from_secs(30),
            crank_every: Duration::from_millis(1_000),
            funding_sample_secs: keel_client::cranks::DEFAULT_FUNDING_SAMPLE_SECS,
            sweep_every: Duration::from_secs(600),
            account_cooldown: Duration::from_millis(200),
            max_rounds_in_flight: DEFAULT_ROUNDS_IN_FLIGHT,
            rpc_retries: 4,
            metrics_addr: None,
        }
    }

    /// Merges flags and environment (`args`) over the TOML file they name, then checks.
    pub fn from_args(args: Args) -> Result<Self, ConfigError> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        macro_rules! pick {
            ($f:ident) => {
                args.$f.clone().or(file.$f.clone())
            };
        }
        let rpc_url = pick!(rpc_url).unwrap_or_else(|| "http://127.0.0.1:8899".into());
        if !(rpc_url.starts_with("http://") || rpc_url.starts_with("https://")) {
            return Err(invalid(
                "rpc_url",
                format!("`{rpc_url}` is not an http(s) URL"),
            ));
        }
        let ws_url = match pick!(ws_url) {
            Some(url) => url,
            None => default_ws_url(&rpc_url).ok_or_else(|| {
                invalid("rpc_url", "cannot derive the websocket URL; give ws_url")
            })?,
        };
        if !(ws_url.starts_with("ws://") || ws_url.starts_with("wss://")) {
            return Err(invalid("ws_url", format!("`{ws_url}` is not a ws(s) URL")));
        }
        let exchange = pick!(exchange).ok_or(ConfigError::Missing(
            "exchange",
            "exchange",
            "KEEL_EXCHANGE",
        ))?;
        let exchange = Pubkey::from_str(&exchange)
            .map_err(|e| invalid("exchange", format!("`{exchange}`: {e}")))?;
        let margin_account = pick!(margin_account)
            .map(|s| {
                Pubkey::from_str(&s).map_err(|e| invalid("margin_account", format!("`{s}`: {e}")))
            })
            .transpose()?;
        let keypair =
            pick!(keypair).ok_or(ConfigError::Missing("keypair", "keypair", "KEEL_KEYPAIR"))?;
        let mut config = Self::new(rpc_url, ws_url, exchange);
        config.keypair = Some(keypair);
        config.margin_account = margin_account;
        config.lookup_table = pick!(lookup_table)
            .map(|s| {
                Pubkey::from_str(&s).map_err(|e| invalid("lookup_table", format!("`{s}`: {e}")))
            })
            .transpose()?;
        let d = Duties::default();
        config.duties = Duties {
            liquidate: pick!(liquidate).unwrap_or(d.liquidate),
            crank_fills: pick!(crank_fills).unwrap_or(d.crank_fills),
            crank_funding: pick!(crank_funding).unwrap_or(d.crank_funding),
            sweep_fees: pick!(sweep_fees).unwrap_or(d.sweep_fees),
            unwind: pick!(unwind).unwrap_or(d.unwind),
        };
        config.fee_policy = match pick!(priority_fee).as_deref().unwrap_or("fixed") {
            "fixed" => FeePolicy::Fixed(pick!(priority_micro_lamports).unwrap_or(0)),
            "recent" => {
                let percentile = pick!(priority_percentile).unwrap_or(75);
                if percentile > 100 {
                    return Err(invalid(
                        "priority_percentile",
                        format!("{percentile} is above 100"),
                    ));
                }
                FeePolicy::Recent { percentile }
            }
            other => {
                return Err(invalid(
                    "priority_fee",
                    format!("`{other}`: expected `fixed` or `recent`"),
                ))
            }
        };
        config.max_micro_lamports =
            pick!(priority_max_micro_lamports).unwrap_or(config.max_micro_lamports);
        if let FeePolicy::Fixed(price) = config.fee_policy {
            if price > config.max_micro_lamports {
                return Err(invalid(
                    "priority_micro_lamports",
                    format!(
                        "{price} exceeds priority_max_micro_lamports {}",
                        config.max_micro_lamports
                    ),
                ));
            }
        }
        config.min_bounty = pick!(min_bounty).unwrap_or(0);
        config.min_own_init_health = pick!(min_own_init_health).unwrap_or(0);
        if config.min_own_init_health < 0 {
            return Err(invalid(
                "min_own_init_health",
                "must be ≥ 0: the keeper never goes below Init",
            ));
        }
        config.unwind_slippage_bps =
            pick!(unwind_slippage_bps).unwrap_or(config.unwind_slippage_bps);
        if config.unwind_slippage_bps == 0 || config.unwind_slippage_bps > 1_000 {
            return Err(invalid("unwind_slippage_bps", "must be 1..=1000"));
        }
        config.health_tolerance_bps =
            pick!(health_tolerance_bps).unwrap_or(config.health_tolerance_bps);
        config.snapshot_every = Duration::from_secs(positive(
            "snapshot_secs",
            pick!(snapshot_secs).unwrap_or(30),
        )?);
        config.crank_every =
            Duration::from_millis(positive("crank_ms", pick!(crank_ms).unwrap_or(1_000))?);
        config.funding_sample_secs = positive(
            "funding_sample_secs",
            pick!(funding_sample_secs).unwrap_or(keel_client::cranks::DEFAULT_FUNDING_SAMPLE_SECS),
        )?;
        config.sweep_every =
            Duration::from_secs(positive("sweep_secs", pick!(sweep_secs).unwrap_or(600))?);
        config.account_cooldown = Duration::from_millis(pick!(account_cooldown_ms).unwrap_or(200));
        config.max_rounds_in_flight =
            pick!(max_rounds_in_flight).unwrap_or(DEFAULT_ROUNDS_IN_FLIGHT);
        if !(1..=MAX_ROUNDS_IN_FLIGHT).contains(&config.max_rounds_in_flight) {
            return Err(invalid(
                "max_rounds_in_flight",
                format!(
                    "{} is not in 1..={MAX_ROUNDS_IN_FLIGHT}",
                    config.max_rounds_in_flight
                ),
            ));
        }
        config.rpc_retries =
            positive("rpc_retries", u64::from(pick!(rpc_retries).unwrap_or(4)))? as u32;
        config.metrics_addr = match pick!(metrics_addr).as_deref().unwrap_or("127.0.0.1:9464") {
            "off" => None,
            addr => Some(
                SocketAddr::from_str(addr)
                    .map_err(|e| invalid("metrics_addr", format!("`{addr}`: {e}")))?,
            ),
        };
        Ok(config)
    }
}
