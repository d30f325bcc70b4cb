//! Operator and test controls, namespaced `keel_*`: read and move the simulated Pyth feeds,
//! run scenarios, move the clock, and a faucet for test mints.
//!
//! A feed is named by its symbol (`SOL/USD`), its hex feed id or its account address.

use super::errors::{invalid_params, RpcResult};
use super::params::{pubkey, Positional};
use super::{method, RpcState};
use crate::chain::{Chain, SendError};
use crate::prices::feed::feed_id_from_hex;
use crate::prices::{Feed, Scenario};
use jsonrpsee::core::RegisterMethodError;
use jsonrpsee::server::RpcModule;
use jsonrpsee::types::{ErrorObjectOwned, Params};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The furthest one keel_warpTime may move the clock (about a century).
pub const MAX_WARP_SECS: i64 = 100 * 366 * 24 * 3_600;
/// The highest price keel_setPrice accepts, USD per whole token.
pub const MAX_PRICE_USD: f64 = 1e12;

/// Registers the `keel_*` methods.
pub fn register(module: &mut RpcModule<RpcState>) -> Result<(), RegisterMethodError> {
    method!(module, "keel_feeds", feeds);
    method!(module, "keel_setPrice", set_price);
    method!(module, "keel_pauseFeed", pause_feed);
    method!(module, "keel_runScenario", run_scenario);
    method!(module, "keel_warpTime", warp_time);
    method!(module, "keel_createMint", create_mint);
    method!(module, "keel_mintTo", mint_to);
    Ok(())
}

/// A feed as the operator sees it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FeedInfo {
    /// Its symbol.
    pub symbol: String,
    /// Its feed id, hex.
    pub feed_id: String,
    /// Its `PriceUpdateV2` account.
    pub address: String,
    /// Price, USD per whole token.
    pub price: f64,
    /// EMA price.
    pub ema: f64,
    /// Confidence, bps of the price.
    pub conf_bps: f64,
    /// Unix time of the last update.
    pub publish_time: i64,
    /// Whether it is paused (stale).
    pub paused: bool,
}

impl From<&Feed> for FeedInfo {
    fn from(feed: &Feed) -> Self {
        Self {
            symbol: feed.config.symbol.clone(),
            feed_id: feed
                .config
                .feed_id
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
            address: feed.config.address().to_string(),
            price: feed.price,
            ema: feed.ema,
            conf_bps: feed.conf_bps,
            publish_time: feed.publish_time,
            paused: feed.paused,
        }
    }
}

/// The index of the feed named `name` (symbol, hex id or address).
fn find(chain: &Chain, name: &str) -> Result<usize, ErrorObjectOwned> {
    let feeds = chain.prices.feeds();
    let by_symbol = feeds.iter().position(|f| f.config.symbol == name);
    let by_id = feed_id_from_hex(name).and_then(|id| chain.prices.index_of(&id));
    let by_address = feeds
        .iter()
        .position(|f| f.config.address().to_string() == name);
    by_symbol
        .or(by_id)
        .or(by_address)
        .ok_or_else(|| invalid_params(format!("Invalid param: unknown feed {name}")))
}

async fn feeds(_: Params<'static>, state: Arc<RpcState>) -> RpcResult<Vec<FeedInfo>> {
    state
        .run(|c| c.prices.feeds().iter().map(FeedInfo::from).collect())
        .await
}

/// Options of keel_setPrice.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SetPriceOptions {
    ema: Option<f64>,
    conf_bps: Option<f64>,
}

fn positive(value: f64, what: &str) -> RpcResult<f64> {
    if value.is_finite() && value > 0.0 && value <= MAX_PRICE_USD {
        Ok(value)
    } else {
        Err(invalid_params(format!(
            "Invalid param: {what} must be a positive number up to {MAX_PRICE_USD:e}"
        )))
    }
}

async fn set_price(params: Params<'static>, state: Arc<RpcState>) -> RpcResult<FeedInfo> {
    let mut p = Positional::new(&params);
    let name: String = p.required()?;
    let price = positive(p.required()?, "price")?;
    let options: SetPriceOptions = p.or_default()?;
    let ema = options.ema.map(|e| positive(e, "ema")).transpose()?;
    let conf_bps = options
        .conf_bps
        .map(|c| {
            if c >= 0.0 && c.is_finite() {
                Ok(c)
            } else {
                Err(invalid_params("Invalid param: confBps must be ≥ 0"))
            }
        })
        .transpose()?;
    state
        .run(move |c| {
            let index = find(c, &name)?;
            let now = c.unix_time();
            if let Some(update) = c.prices.set_price(index, price, ema, conf_bps, now) {
                c.write_accounts(vec![update]);
            }
            Ok(FeedInfo::from(&c.prices.feeds()[index]))
        })
        .await?
}

async fn pause_feed(params: Params<'static>, state: Arc<RpcState>) -> RpcResult<FeedInfo> {
    let mut p = Positional::new(&params);
    let name: String = p.required()?;
    let paused: bool = p.optional()?.unwrap_or(true);
    state
        .run(move |c| {
            let index = find(c, &name)?;
            c.prices.set_paused(index, paused);
            Ok(FeedInfo::from(&c.prices.feeds()[index]))
        })
        .await?
}

/// A scenario as requested: `{"kind":"crash","percent":40,"seconds":600}`,
/// `{"kind":"confidenceBlowout","confBps":300,"seconds":60}` or `{"kind":"outage"}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ScenarioRequest {
    kind: String,
    percent: Option<f64>,
    seconds: Option<f64>,
    conf_bps: Option<f64>,
}

impl ScenarioRequest {
    fn scenario(&self, slot_ms: u64) -> RpcResult<Scenario> {
        let slots = || -> RpcResult<u64> {
            let seconds = positive(
                self.seconds
                    .ok_or_else(|| invalid_params("Invalid param: seconds is required"))?,
                "seconds",
            )?;
            Ok(((seconds * 1_000.0 / slot_ms.max(1) as f64).round() as u64).max(1))
        };
        match self.kind.as_str() {
            "crash" => {
                let percent = self
                    .percent
                    .filter(|p| *p > 0.0 && *p < 100.0)
                    .ok_or_else(|| invalid_params("Invalid param: percent must be in (0, 100)"))?;
                Ok(Scenario::Crash {
                    percent,
                    slots: slots()?,
                })
            }
            "confidenceBlowout" => {
                let conf_bps = positive(self.conf_bps.unwrap_or(0.0), "confBps")?;
                Ok(Scenario::ConfidenceBlowout {
                    conf_bps,
                    slots: slots()?,
                    restore_bps: None,
                })
            }
            "outage" => Ok(Scenario::Outage),
            other => Err(invalid_params(format!(
                "Invalid param: unknown scenario {other} (crash, confidenceBlowout, outage)"
            ))),
        }
    }
}

async fn run_scenario(params: Params<'static>, state: Arc<RpcState>) -> RpcResult<FeedInfo> {
    let mut p = Positional::new(&params);
    let name: String = p.required()?;
    let request: ScenarioRequest = p.required()?;
    state
        .run(move |c| {
            let index = find(c, &name)?;
            let scenario = request.scenario(c.slot_ms())?;
            c.prices.run(index, scenario);
            Ok(FeedInfo::from(&c.prices.feeds()[index]))
        })
        .await?
}

async fn warp_time(params: Params<'static>, state: Arc<RpcState>) -> RpcResult<i64> {
    let seconds: i64 = Positional::new(&params).required()?;
    if !(0..=MAX_WARP_SECS).contains(&seconds) {
        return Err(invalid_params(format!(
            "Invalid param: seconds must be in 0..={MAX_WARP_SECS} (the clock only moves forward)"
        )));
    }
    state
        .run(move |c| {
            c.warp_time(seconds);
            c.unix_time()
        })
        .await
}

fn faucet_error(err: SendError) -> ErrorObjectOwned {
    jsonrpsee::types::ErrorObjectOwned::owned(
        jsonrpsee::types::error::INTERNAL_ERROR_CODE,
        format!("faucet transaction failed: {err:?}"),
        None::<()>,
    )
}

async fn create_mint(params: Params<'static>, state: Arc<RpcState>) -> RpcResult<String> {
    let decimals: u8 = Positional::new(&params).required()?;
    state
        .run(move |c| {
            c.create_faucet_mint(decimals)
                .map(|m| m.to_string())
                .map_err(faucet_error)
        })
        .await?
}

/// What keel_mintTo did.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MintToResult {
    /// The owner's associated token account.
    pub token_account: String,
    /// The signature of the mint transaction.
    pub signature: String,
}

async fn mint_to(params: Params<'static>, state: Arc<RpcState>) -> RpcResult<MintToResult> {
    let mut p = Positional::new(&params);
    let mint = pubkey(&p.required::<String>()?)?;
    let owner = pubkey(&p.required::<String>()?)?;
    let amount: u64 = p.required()?;
    state
        .run(move |c| {
            let (ata, sig) = c
                .faucet_mint_to(&mint, &owner, amount)
                .map_err(faucet_error)?;
            Ok(MintToResult {
                token_account: ata.to_string(),
                signature: sig.to_string(),
            })
        })
        .await?
}
