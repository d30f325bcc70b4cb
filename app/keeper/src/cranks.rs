//! The cranks: `consume_fills` whenever a fill queue has events, `update_funding`
//! at every multiple of `--funding-sample-secs` in Unix time (a grid nobody can shift), `settle_insurance_claim` when the insurance fund holds a claim in the quote bank. A crank
//! lost to another keeper (`FundingNotDue`, `NothingToSettle`, an emptied queue) is counted and
//! logged at debug.

use crate::discovery::{cluster_time, multiple};
use crate::metrics::Metrics;
use crate::state::Registry;
use crate::tx::{Sender, TxError};
use anchor_lang::prelude::Pubkey;
use keel_client::markets as mix;

/// Events applied per `consume_fills` (the program allows 1..=16; 8 keeps a transaction small).
pub const FILLS_PER_CRANK: u8 = 8;
/// Most `consume_fills` transactions per market per call.
pub const MAX_FILL_CRANKS: usize = 16;

/// Re-fetches every market account (their funding time and insurance share change).
pub async fn refresh_markets(sender: &Sender, registry: &mut Registry) -> Result<(), TxError> {
    let keys: Vec<Pubkey> = registry.markets.iter().map(|m| m.address).collect();
    for account in multiple(sender, &keys).await? {
        registry.store_raw(account);
    }
    registry.now = cluster_time(sender).await?;
    Ok(())
}

/// Runs `consume_fills` on market `index` until its queue is empty; returns the transactions
/// landed.
pub async fn consume_all(sender: &Sender, registry: &Registry, metrics: &Metrics, index: u16) -> Result<usize, TxError> {
    let Some(keys) = registry.market_keys(index) else { return Ok(0) };
    let mut landed = 0;
    for _ in 0..MAX_FILL_CRANKS {
        let data = sender.retry("getAccountInfo", || sender.rpc.get_account_data(&keys.fill_queue)).await?;
        let Some(queue) = keel_client::accounts::fill_queue(&data) else { return Ok(landed) };
        if queue.count == 0 {
            break;
        }
        let makers = mix::queued_accounts(&queue, FILLS_PER_CRANK as usize);
        match sender.simulate_and_send(&[mix::consume_fills(&keys, &makers, FILLS_PER_CRANK)]).await {
            Ok(_) => {
                landed += 1;
                Metrics::inc(&metrics.cranks, "consume_fills");
            }
            Err(err) if err.failure.is_lost_race() || matches!(err.failure, crate::classify::Failure::Stale(_)) => {
                tracing::debug!(market = index, detail = err.detail, "consume_fills raced");
            }
            Err(err) => return Err(err),
        }
    }
    Ok(landed)
}

/// `consume_fills` on every market whose queue has events.
pub async fn crank_fills(sender: &Sender, registry: &Registry, metrics: &Metrics) -> Result<usize, TxError> {
    let queues: Vec<Pubkey> = registry.markets.iter().map(|m| m.market.fill_queue).collect();
    let fetched = multiple(sender, &queues).await?;
    let mut landed = 0;
    for account in fetched {
        let busy = keel_client::accounts::fill_queue(&account.data).is_some_and(|q| q.count > 0);
        if let Some(known) = registry.markets.iter().find(|m| m.market.fill_queue == account.key).filter(|_| busy) {
            landed += consume_all(sender, registry, metrics, known.market.index).await?;
        }
    }
    Ok(landed)
}

/// Markets on which `update_funding` is due at `now` ([`keel_client::cranks::funding_due`]):
/// a point of their `sample_secs` grid has passed since their last update.
pub fn funding_due(registry: &Registry, now: i64, sample_secs: u64) -> Vec<u16> {
    registry
        .markets
        .iter()
        .filter(|m| keel_client::cranks::funding_due(&m.market, now, sample_secs))
        .map(|m| m.market.index)
        .collect()
}

/// Runs `update_funding` on every market that is due.
pub async fn crank_funding(sender: &Sender, registry: &Registry, metrics: &Metrics, sample_secs: u64) -> Result<usize, TxError> {
    let mut landed = 0;
    for index in funding_due(registry, registry.now, sample_secs) {
        let Some(keys) = registry.market_keys(index) else { continue };
        match sender.simulate_and_send(&[mix::update_funding(&keys)]).await {
            Ok(_) => {
                landed += 1;
                Metrics::inc(&metrics.cranks, "update_funding");
            }
            Err(err) if err.failure.is_lost_race() => tracing::debug!(market = index, "update_funding raced"),
            Err(err) => tracing::warn!(market = index, detail = err.detail, "update_funding failed"),
        }
    }
    Ok(landed)
}

/// Runs `settle_insurance_claim` when the insurance fund holds a claim in the quote bank
/// (penalties, fee shares and its interest share are booked there; the crank moves them into
/// the fund's vault as far as liquidity allows).
pub async fn sweep(sender: &Sender, registry: &Registry, metrics: &Metrics) -> Result<usize, TxError> {
    let Some(quote_mint) = registry.quote_mint() else { return Ok(0) };
    let claim = registry.assets.iter().find(|a| a.asset.index == keel::state::QUOTE_ASSET_INDEX).map_or(0, |a| a.asset.bank.insurance_claim);
    if claim == 0 {
        return Ok(0);
    }
    let ix = keel_client::insurance::settle_insurance_claim(&registry.exchange_key, &quote_mint);
    match sender.simulate_and_send(&[ix]).await {
        Ok(_) => {
            Metrics::inc(&metrics.cranks, "settle_insurance_claim");
            Ok(1)
        }
        Err(err) if err.failure.is_lost_race() => {
            tracing::debug!("settle_insurance_claim raced");
            Ok(0)
        }
        Err(err) => {
            tracing::warn!(detail = err.detail, "settle_insurance_claim failed");
            Ok(0)
        }
    }
}
