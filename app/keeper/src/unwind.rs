//! Unwinding what the keeper took over: each of its own perp positions is closed with a
//! reduce-only immediate-or-cancel order against the book, no farther from the oracle than the
//! configured slippage, so that inventory never piles up until the keeper can no longer
//! liquidate. (Collateral bought in `liquidate_collateral` stays as collateral: Keel has no spot
//! market to sell it on.)

use crate::cranks::consume_all;
use crate::discovery::refresh;
use crate::metrics::Metrics;
use crate::state::Registry;
use crate::tx::{Sender, TxError};
use anchor_lang::prelude::Pubkey;
use keel::instructions::markets::{OrderType, PlaceOrderArgs, SelfTradeBehavior};
use keel::state::Side;
use keel_client::health::trade_health_accounts;
use keel_client::markets as mix;
use solana_signer::Signer;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The order that closes `base_lots` (signed) at most `slippage_bps` from `oracle_per_lot`
/// (quote native per base lot) in a market with `quote_lot_size`; `None` for a flat position or
/// a price that rounds to nothing.
pub fn unwind_order(base_lots: i64, oracle_per_lot: i64, quote_lot_size: i64, slippage_bps: u16) -> Option<PlaceOrderArgs> {
    if base_lots == 0 || quote_lot_size <= 0 {
        return None;
    }
    let (side, factor) = if base_lots > 0 { (Side::Ask, 10_000 - slippage_bps as i128) } else { (Side::Bid, 10_000 + slippage_bps as i128) };
    // A sell may go down to the limit (rounded up, never worse); a buy up to it (rounded down).
    let scaled = oracle_per_lot as i128 * factor;
    let divisor = 10_000 * quote_lot_size as i128;
    let lots = if side == Side::Ask { (scaled + divisor - 1) / divisor } else { scaled / divisor };
    let price_lots = i64::try_from(lots).ok()?;
    (price_lots > 0).then_some(PlaceOrderArgs {
        side,
        order_type: OrderType::ImmediateOrCancel,
        price_lots,
        base_lots: base_lots.checked_abs()?,
        client_order_id: 0,
        reduce_only: true,
        self_trade: SelfTradeBehavior::CancelResting,
        expiry_ts: 0,
        max_touched: 16,
    })
}

/// When an unwind was last tried per market, and at what position: a position the book could not
/// take is tried again only after `retry`, not at every crank.
pub struct UnwindMemory {
    retry: Duration,
    tried: HashMap<u16, (i64, Instant)>,
}

impl UnwindMemory {
    /// Remembers attempts, retrying an unchanged position after `retry`.
    pub fn new(retry: Duration) -> Self {
        Self { retry, tried: HashMap::new() }
    }

    /// Whether to try unwinding `base_lots` in `market` now (and remember the attempt).
    pub fn should_try(&mut self, market: u16, base_lots: i64, now: Instant) -> bool {
        match self.tried.get(&market) {
            Some((lots, at)) if *lots == base_lots && now.duration_since(*at) < self.retry => false,
            _ => {
                self.tried.insert(market, (base_lots, now));
                true
            }
        }
    }
}

/// Sends an unwind order for each open position of `own`; returns the orders landed.
pub async fn unwind(sender: &Sender, registry: &mut Registry, metrics: &Metrics, own: Pubkey, slippage_bps: u16, memory: &mut UnwindMemory) -> Result<usize, TxError> {
    if !refresh(sender, registry, &own, &[]).await? {
        return Ok(0);
    }
    let Some(account) = registry.accounts.get(&own).cloned() else { return Ok(0) };
    let report = match registry.evaluate_account(&account) {
        Ok(eval) => eval.report,
        Err(err) => {
            tracing::debug!(%err, "own account not evaluated; no unwind");
            return Ok(0);
        }
    };
    metrics.own_init_health.set(report.init.health);
    metrics.own_maint_health.set(report.maint.health);
    let mut landed = 0;
    for line in report.perps.iter().filter(|p| p.base_lots != 0) {
        if !memory.should_try(line.market_index, line.base_lots, Instant::now()) {
            continue;
        }
        let Some(keys) = registry.market_keys(line.market_index) else { continue };
        let Some(known) = registry.markets.iter().find(|m| m.market.index == line.market_index) else { continue };
        let Some(args) = unwind_order(line.base_lots, line.oracle_price_per_lot, known.market.quote_lot_size, slippage_bps) else { continue };
        let Some(metas) = trade_health_accounts(&account, &registry.assets, &registry.markets, line.market_index) else { continue };
        let ix = mix::place_order(&sender.payer.pubkey(), &own, &keys, args, metas);
        match sender.simulate_and_send(&[ix]).await {
            Ok(_) => {
                landed += 1;
                Metrics::inc(&metrics.cranks, "unwind");
                tracing::info!(market = line.market_index, lots = line.base_lots, price_lots = args.price_lots, "unwind order landed");
                consume_all(sender, registry, metrics, line.market_index).await?;
            }
            Err(err) => tracing::debug!(market = line.market_index, failure = err.failure.label(), detail = err.detail, "unwind order not placed"),
        }
    }
    Ok(landed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unwind_order_sells_a_long_within_slippage() {
        let args = unwind_order(300, 920_000, 1, 100).expect("an order");
        assert_eq!(args.side, Side::Ask);
        assert_eq!(args.price_lots, 910_800);
        assert_eq!(args.base_lots, 300);
        assert!(args.reduce_only);
        assert!(matches!(args.order_type, OrderType::ImmediateOrCancel));
    }

    #[test]
    fn unwind_order_buys_back_a_short_within_slippage() {
        let args = unwind_order(-7, 1_000_001, 10, 50).expect("an order");
        assert_eq!(args.side, Side::Bid);
        assert_eq!(args.price_lots, 100_500, "1 005 001 native per lot rounds down to 100 500 price lots");
        assert_eq!(args.base_lots, 7);
    }

    #[test]
    fn unwind_memory_retries_an_unchanged_position_only_after_the_delay() {
        let mut memory = UnwindMemory::new(Duration::from_secs(2));
        let t0 = Instant::now();
        assert!(memory.should_try(0, 300, t0));
        assert!(!memory.should_try(0, 300, t0 + Duration::from_secs(1)));
        assert!(memory.should_try(0, 200, t0 + Duration::from_secs(1)), "a changed position is tried at once");
        assert!(memory.should_try(0, 200, t0 + Duration::from_secs(4)));
        assert!(memory.should_try(1, 200, t0), "markets are independent");
    }

    #[test]
    fn unwind_order_none_for_flat_or_worthless() {
        assert!(unwind_order(0, 1_000, 1, 100).is_none());
        assert!(unwind_order(5, 0, 1, 100).is_none());
    }
}
