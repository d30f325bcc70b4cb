//! The cranks: `consume_fills` whenever a fill queue has events, `update_funding` when a market's
//! interval has passed, `sweep_insurance_fees` when a market holds an insurance share. A crank
//! lost to another keeper (`FundingNotDue`, `NothingToSweep`, an emptied queue) is counted and
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
        let makers = mix::queued_makers(&queue, FILLS_PER_CRANK as usize);
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

/// Markets whose funding interval has passed at `now`.
pub fn funding_due(registry: &Registry, now: i64) -> Vec<u16> {
    registry
        .markets
        .iter()
        .filter(|m| now >= m.market.last_funding_ts.saturating_add(m.market.funding_interval_secs as i64))
        .map(|m| m.market.index)
        .collect()
}

/// Runs `update_funding` on every market that is due.
pub async fn crank_funding(sender: &Sender, registry: &Registry, metrics: &Metrics) -> Result<usize, TxError> {
    let mut landed = 0;
    for index in funding_due(registry, registry.now) {
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

/// Runs `sweep_insurance_fees` on every market holding an insurance share.
pub async fn sweep(sender: &Sender, registry: &Registry, metrics: &Metrics) -> Result<usize, TxError> {
    let Some(quote_mint) = registry.quote_mint() else { return Ok(0) };
    let mut landed = 0;
    for known in registry.markets.iter().filter(|m| m.market.insurance_accrued > 0) {
        let ix = keel_client::insurance::sweep_insurance_fees(&registry.exchange_key, &known.address, &quote_mint);
        match sender.simulate_and_send(&[ix]).await {
            Ok(_) => {
                landed += 1;
                Metrics::inc(&metrics.cranks, "sweep_insurance_fees");
            }
            Err(err) if err.failure.is_lost_race() => tracing::debug!(market = known.market.index, "sweep raced"),
            Err(err) => tracing::warn!(market = known.market.index, detail = err.detail, "sweep failed"),
        }
    }
    Ok(landed)
}
