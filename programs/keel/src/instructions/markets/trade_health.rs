//! The health rule of a trade: Init health ≥ 0 afterwards with every price valid, or — for a
//! trade that only reduces risk — Init health no worse than before. The second comparison
//! holds even when an unrelated oracle is stale: both sides of it value that entry the same.

use crate::error::KeelError;
use crate::instructions::risk::{perp_risk, require_init_health};
use crate::math::Fixed;
use crate::risk::{HealthCache, HealthKind};
use crate::state::{MarginAccount, PerpMarket, QUOTE_ASSET_INDEX};
use anchor_lang::prelude::*;

/// The account's risk before the trade.
#[derive(Clone, Copy, Debug)]
pub struct TradeRisk {
    /// Init health before, quote native.
    pub init_health: Fixed,
    /// Position before, base lots.
    pub base_lots: i64,
}

impl TradeRisk {
    /// Records the state before the trade (the cache was loaded from the account as it is now).
    pub fn before(cache: &HealthCache, account: &MarginAccount, market_index: u16) -> Result<Self> {
        Ok(Self {
            init_health: cache.health(HealthKind::Init)?,
            base_lots: account.perp(market_index).map_or(0, |p| p.base_lots),
        })
    }
}

/// Updates `cache` to the account after the trade and applies the rule. `price_error` is the
/// first price that failed its guards while loading the cache. Returns true when the account
/// passed Init health ≥ 0 with every price valid (which ends a liquidation in progress).
pub fn check_trade_health(
    cache: &mut HealthCache,
    price_error: Option<KeelError>,
    before: &TradeRisk,
    account: &MarginAccount,
    market: &PerpMarket,
    reduce_only: bool,
    rested_lots: i64,
) -> Result<bool> {
    cache.set_balance(QUOTE_ASSET_INDEX, account.balance(QUOTE_ASSET_INDEX));
    let position = account.perp(market.index).ok_or(KeelError::FillAccountMismatch)?;
    let entry = cache.perp_mut(market.index).ok_or(KeelError::HealthAccountMismatch)?;
    *entry = perp_risk(account, position, market, entry.prices)?;
    let after = cache.health(HealthKind::Init)?;
    if price_error.is_none() && !after.is_negative() {
        return Ok(true);
    }
    let new_base = position.base_lots;
    let shrinks = new_base == 0 || (new_base.signum() == before.base_lots.signum() && new_base.abs() <= before.base_lots.abs());
    let reduces_only = reduce_only || (rested_lots == 0 && shrinks);
    if reduces_only && after >= before.init_health {
        return Ok(false);
    }
    if let Some(error) = price_error {
        crate::keel_log!("place_order: a price the health check needs failed its guards: {error:?}");
        return Err(error.into());
    }
    require_init_health(cache, "place_order").map(|_| true)
}
