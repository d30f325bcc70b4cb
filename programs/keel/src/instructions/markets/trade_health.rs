//! The health rule of a trade.
//!
//! - A healthy account (Init health ≥ 0 before) must end with Init health ≥ 0 and every price
//!   valid — or, for a trade that only reduces risk, with Init health no worse than before.
//! - A **distressed** account (Init health < 0 before, or a price the check needs failing) may
//!   only take liquidity (IOC or market orders, nothing rests), at prices within the market's
//!   liquidation discount of the oracle (the most a liquidator would get), and the trade must
//!   lower none of its Init, Maint and LiquidationEnd health — unless it ends at Init health
//!   ≥ 0 with every price valid. So no trade of a distressed account hands its counterparty
//!   more than a liquidation step would.
//!
//! The comparisons hold even when an unrelated oracle is stale: both sides of them value that
//! entry the same.

use crate::error::KeelError;
use crate::instructions::markets::price_band::PriceBand;
use crate::instructions::markets::OrderType;
use crate::instructions::risk::{perp_risk, require_init_health};
use crate::math::Fixed;
use crate::risk::{HealthCache, HealthKind, MaintAndEnd};
use crate::state::{MarginAccount, PerpMarket, Side, QUOTE_ASSET_INDEX};
use anchor_lang::prelude::*;

/// The account's risk before the trade.
#[derive(Clone, Copy, Debug)]
pub struct TradeRisk {
    /// Init health before, quote native.
    pub init_health: Fixed,
    /// Maint and LiquidationEnd health before, for a distressed account (Init < 0, or a failed
    /// price in the cache) only.
    pub distressed: Option<MaintAndEnd>,
    /// The first price the cache could not read, if any.
    pub price_error: Option<KeelError>,
    /// Position before, base lots.
    pub base_lots: i64,
}

impl TradeRisk {
    /// Records the state before the trade (the cache was loaded from the account as it is now).
    /// An account whose cache holds a failed price (`price_error`) counts as distressed too: the
    /// failed entry entered at price zero may overstate its health (a short at zero), so only
    /// the distressed rules — whose comparisons that entry cannot move — are safe for it.
    pub fn before(
        cache: &HealthCache,
        price_error: Option<KeelError>,
        account: &MarginAccount,
        market_index: u16,
    ) -> Result<Self> {
        let init_health = cache.health(HealthKind::Init)?;
        let distressed = if init_health.is_negative() || price_error.is_some() {
            Some(MaintAndEnd {
                maint: cache.health(HealthKind::Maint)?,
                liq_end: cache.health(HealthKind::LiquidationEnd)?,
            })
        } else {
            None
        };
        Ok(Self {
            init_health,
            distressed,
            price_error,
            base_lots: account.perp(market_index).map_or(0, |p| p.base_lots),
        })
    }

    /// For a distressed account: refuses an order that would rest and returns the taker limit
    /// narrowed to the liquidation discount around the oracle (`oracle` in quote native per base
    /// native). A healthy account's limit is returned unchanged.
    pub fn taker_limit(
        &self,
        order_type: OrderType,
        side: Side,
        limit: i64,
        market: &PerpMarket,
        oracle: Fixed,
    ) -> Result<i64> {
        if self.distressed.is_none() {
            return Ok(limit);
        }
        let takes_only = matches!(order_type, OrderType::ImmediateOrCancel | OrderType::Market);
        if let (false, Some(error)) = (takes_only, self.price_error) {
            return Err(price_failure(error));
        }
        crate::check!(
            takes_only,
            KeelError::DistressedOrderMustNotRest,
            "place_order: init health {} (quote native) is negative",
            self.init_health
        );
        let discount = PriceBand::around(market, oracle, market.liquidation_fee_bps)?;
        Ok(discount.clamp(side, limit))
    }
}

/// The error of a trade refused because a price its health check needs failed its guards.
fn price_failure(error: KeelError) -> Error {
    crate::keel_log!("place_order: a price the health check needs failed its guards: {error:?}");
    error.into()
}

/// Updates `cache` to the account after the trade and applies the rule (with the failed price
/// `before` recorded, if any). Returns true when the account passed Init health ≥ 0 with every
/// price valid (which ends a liquidation in progress).
pub fn check_trade_health(
    cache: &mut HealthCache,
    before: &TradeRisk,
    account: &MarginAccount,
    market: &PerpMarket,
    quote_native: i64,
    reduce_only: bool,
    rested_lots: i64,
) -> Result<bool> {
    cache.set_balance(QUOTE_ASSET_INDEX, quote_native);
    let position = account
        .perp(market.index)
        .ok_or(KeelError::FillAccountMismatch)?;
    let entry = cache
        .perp_mut(market.index)
        .ok_or(KeelError::HealthAccountMismatch)?;
    *entry = perp_risk(account, position, market, entry.prices)?;
    let after = cache.health(HealthKind::Init)?;
    if before.price_error.is_none() && !after.is_negative() {
        return Ok(true);
    }
    let new_base = position.base_lots;
    let shrinks = new_base == 0
        || (new_base.signum() == before.base_lots.signum()
            && new_base.abs() <= before.base_lots.abs());
    let reduces_only = reduce_only || (rested_lots == 0 && shrinks);
    if reduces_only && after >= before.init_health {
        let Some(distressed) = before.distressed else {
            return Ok(false);
        };
        let maint = cache.health(HealthKind::Maint)?;
        let liq_end = cache.health(HealthKind::LiquidationEnd)?;
        crate::check!(
            maint >= distressed.maint && liq_end >= distressed.liq_end,
            KeelError::DistressedTradeLowersHealth,
            "place_order: maint health {} -> {}, liquidation-end health {} -> {} (quote native)",
            distressed.maint,
            maint,
            distressed.liq_end,
            liq_end
        );
        return Ok(false);
    }
    if let Some(error) = before.price_error {
        return Err(price_failure(error));
    }
    require_init_health(cache, "place_order").map(|_| true)
}
