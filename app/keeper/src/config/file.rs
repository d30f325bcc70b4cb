//! The TOML file of the configuration, its errors and the checks shared by the options.

use serde::Deserialize;
use std::path::PathBuf;

/// The same options read from a TOML file.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct FileConfig {
    pub(super) rpc_url: Option<String>,
    pub(super) ws_url: Option<String>,
    pub(super) keypair: Option<PathBuf>,
    pub(super) exchange: Option<String>,
    pub(super) margin_account: Option<String>,
    pub(super) lookup_table: Option<String>,
    pub(super) liquidate: Option<bool>,
    pub(super) crank_fills: Option<bool>,
    pub(super) crank_funding: Option<bool>,
    pub(super) sweep_fees: Option<bool>,
    pub(super) unwind: Option<bool>,
    pub(super) priority_fee: Option<String>,
    pub(super) priority_micro_lamports: Option<u64>,
    pub(super) priority_percentile: Option<u8>,
    pub(super) priority_max_micro_lamports: Option<u64>,
    pub(super) min_bounty: Option<u64>,
    pub(super) min_own_init_health: Option<i64>,
    pub(super) unwind_slippage_bps: Option<u16>,
    pub(super) health_tolerance_bps: Option<u16>,
    pub(super) snapshot_secs: Option<u64>,
    pub(super) crank_ms: Option<u64>,
    pub(super) funding_sample_secs: Option<u64>,
    pub(super) sweep_secs: Option<u64>,
    pub(super) account_cooldown_ms: Option<u64>,
    pub(super) max_rounds_in_flight: Option<usize>,
    pub(super) rpc_retries: Option<u32>,
    pub(super) metrics_addr: Option<String>,
}

/// A configuration error: which option, and why.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A required option is missing.
    #[error("missing option `{0}` (flag --{1}, environment {2} or the TOML file)")]
    Missing(&'static str, &'static str, &'static str),
    /// An option has an unusable value.
    #[error("invalid `{option}`: {reason}")]
    Invalid {
        /// The option.
        option: &'static str,
        /// Why.
        reason: String,
    },
    /// The TOML file could not be read or parsed.
    #[error("config file {path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
}

/// An [`ConfigError::Invalid`] of `option`.
pub(super) fn invalid(option: &'static str, reason: impl ToString) -> ConfigError {
    ConfigError::Invalid {
        option,
        reason: reason.to_string(),
    }
}

/// `value`, refused when zero.
pub(super) fn positive(option: &'static str, value: u64) -> Result<u64, ConfigError> {
    if value == 0 {
        return Err(invalid(option, "must be greater than zero"));
    }
    Ok(value)
}

/// The TOML file at `path`.
pub(super) fn read_file(path: &std::path::Path) -> Result<FileConfig, ConfigError> {
    let file_error = |reason: String| ConfigError::File {
        path: path.display().to_string(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| file_error(e.to_string()))?;
    toml::from_str(&text).map_err(|e| file_error(e.to_string()))
}

/// `ws://host:port+1` for `http://host:port` (as web3.js and the local node do).
pub fn default_ws_url(rpc_url: &str) -> Option<String> {
    let (scheme, rest) = rpc_url.split_once("://")?;
    let ws_scheme = if scheme == "https" { "wss" } else { "ws" };
    let host_port = rest.trim_end_matches('/');
    match host_port.rsplit_once(':') {
        Some((host, port)) => Some(format!(
            "{ws_scheme}://{host}:{}",
            port.parse::<u16>().ok()?.checked_add(1)?
        )),
        None => Some(format!("{ws_scheme}://{host_port}")),
    }
}
