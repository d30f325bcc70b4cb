//! Parameters of a perp market, and their bounds.

use crate::error::KeelError;
use crate::math::BPS_PER_UNIT;
use crate::oracle::OracleConfig;
use crate::state::PerpMarket;
use anchor_lang::prelude::*;

/// Largest taker fee, bps (1%).
pub const MAX_TAKER_FEE_BPS: u16 = 100;
/// Largest maker fee, bps: zero. A positive maker fee would let a fill lower a maker's health
/// below what its resting order reserved; makers pay nothing or earn a rebate, which is bounded
/// by the taker fee so that every fill's net fee is ≥ 0.
pub const MAX_MAKER_FEE_BPS: i16 = 0;
/// Widest price band, bps (50%).
pub const MAX_PRICE_BAND_BPS: u16 = 5_000;
/// Largest funding rate per interval, bps (10%).
pub const MAX_FUNDING_BPS: u16 = 1_000;
/// Shortest and longest funding interval, seconds (an hour to a day).
pub const FUNDING_INTERVAL_RANGE: core::ops::RangeInclusive<u32> = 3_600..=86_400;

/// The admin-set parameters of a perp market (all updatable).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct PerpMarketParams {
    /// Init margin ratio, bps: maint < init ≤ 10_000.
    pub init_margin_bps: u16,
    /// Maint margin ratio, bps: > 0.
    pub maint_margin_bps: u16,
    /// Init weight of positive unrealised PnL, bps: ≤ 10_000.
    pub pnl_init_weight_bps: u16,
    /// Maker fee, bps: −taker ≤ maker ≤ 0 (a rebate paid out of the taker fee, or nothing).
    pub maker_fee_bps: i16,
    /// Taker fee, bps: ≤ 100.
    pub taker_fee_bps: u16,
    /// Share of net fees owed to the insurance fund, bps: ≤ 10_000.
    pub insurance_fee_share_bps: u16,
    /// Every fill (and resting order) within this distance of the oracle, bps: 1..=5000 and
    /// ≤ the maint margin.
    pub price_band_bps: u16,
    /// Largest funding per interval, bps of the oracle price: 1..=1000.
    pub max_funding_bps: u16,
    /// Funding interval, seconds: 3600..=86400.
    pub funding_interval_secs: u32,
    /// Least depth of the funding premium, base lots: min order..=OI cap. The premium is the
    /// book's arbitrage value (what taking its orders nets after the taker fee) over
    /// `max(this, open interest)` lots, per lot of that depth.
    pub funding_impact_lots: i64,
    /// Smallest order, base lots: ≥ 1.
    pub min_order_base_lots: i64,
    /// Open-interest cap per side, base lots: ≥ the minimum order.
    pub open_interest_cap_lots: i64,
    /// Oracle guard: maximum age, seconds (1..=3600).
    pub oracle_max_age_secs: u32,
    /// Oracle guard: maximum confidence/price, bps (1..=2000).
    pub oracle_max_conf_bps: u16,
    /// Init pricing k, bps (0..=50000).
    pub oracle_conf_multiplier_bps: u16,
    /// Liquidator discount, bps of the oracle notional: fee + penalty < maint margin.
    pub liquidation_fee_bps: u16,
    /// Liquidation penalty into the insurance fund, bps of the oracle notional.
    pub liquidation_penalty_bps: u16,
}

impl PerpMarketParams {
    /// Checks every bound, each with its own error.
    pub fn validate(&self) -> Result<()> {
        crate::check!(
            self.maint_margin_bps > 0
                && self.maint_margin_bps < self.init_margin_bps
                && self.init_margin_bps as u32 <= BPS_PER_UNIT,
            KeelError::InvalidMarginRatios,
            "margin ratios: init {} maint {} (bps)",
            self.init_margin_bps,
            self.maint_margin_bps
        );
        crate::check!(self.pnl_init_weight_bps as u32 <= BPS_PER_UNIT, KeelError::InvalidPnlWeight);
        crate::check!(
            self.taker_fee_bps <= MAX_TAKER_FEE_BPS
                && self.maker_fee_bps <= MAX_MAKER_FEE_BPS
                && self.maker_fee_bps as i32 >= -(self.taker_fee_bps as i32)
                && self.insurance_fee_share_bps as u32 <= BPS_PER_UNIT,
            KeelError::InvalidFees,
            "fees: maker {} taker {} insurance share {} (bps)",
            self.maker_fee_bps,
            self.taker_fee_bps,
            self.insurance_fee_share_bps
        );
        // A fill at the band edge costs an account `band · notional` against the oracle and
        // frees `maint · notional` of requirement when it reduces: with band ≤ maint, no fill
        // can take a Maint-healthy account into deficit (equity ≥ maint · |base| · price before).
        crate::check!(
            (1..=MAX_PRICE_BAND_BPS).contains(&self.price_band_bps) && self.price_band_bps <= self.maint_margin_bps,
            KeelError::InvalidPriceBand,
            "price band {} bps must be 1..={} and at most the maint margin {} bps",
            self.price_band_bps,
            MAX_PRICE_BAND_BPS,
            self.maint_margin_bps
        );
        crate::check!(
            self.min_order_base_lots >= 1 && self.open_interest_cap_lots >= self.min_order_base_lots,
            KeelError::InvalidMarketSizes
        );
        crate::check!(
            (1..=MAX_FUNDING_BPS).contains(&self.max_funding_bps)
                && FUNDING_INTERVAL_RANGE.contains(&self.funding_interval_secs)
                && (self.min_order_base_lots..=self.open_interest_cap_lots).contains(&self.funding_impact_lots),
            KeelError::InvalidFundingParams,
            "funding: max {} bps (1..={}), interval {} s, impact {} lots (min order..=OI cap)",
            self.max_funding_bps,
            MAX_FUNDING_BPS,
            self.funding_interval_secs,
            self.funding_impact_lots
        );
        crate::check!(self.oracle_config().is_valid(), KeelError::InvalidOracleConfig);
        // A liquidation step frees maint margin per unit of notional and costs the account the
        // discount and the penalty: it raises Maint health only while they cost less.
        crate::check!(
            (self.liquidation_fee_bps as u32 + self.liquidation_penalty_bps as u32) < self.maint_margin_bps as u32,
            KeelError::InvalidLiquidationFees,
            "market liquidation: fee {} + penalty {} must stay below maint margin {} (bps)",
            self.liquidation_fee_bps,
            self.liquidation_penalty_bps,
            self.maint_margin_bps
        );
        Ok(())
    }

    /// The oracle guards these parameters describe.
    pub fn oracle_config(&self) -> OracleConfig {
        OracleConfig {
            max_age_secs: self.oracle_max_age_secs,
            max_conf_bps: self.oracle_max_conf_bps,
            conf_multiplier_bps: self.oracle_conf_multiplier_bps,
        }
    }

    /// Writes the parameters into a market.
    pub fn apply(&self, market: &mut PerpMarket) {
        market.init_margin_bps = self.init_margin_bps;
        market.maint_margin_bps = self.maint_margin_bps;
        market.pnl_init_weight_bps = self.pnl_init_weight_bps;
        market.maker_fee_bps = self.maker_fee_bps;
        market.taker_fee_bps = self.taker_fee_bps;
        market.insurance_fee_share_bps = self.insurance_fee_share_bps;
        market.price_band_bps = self.price_band_bps;
        market.max_funding_bps = self.max_funding_bps;
        market.funding_interval_secs = self.funding_interval_secs;
        market.funding_impact_lots = self.funding_impact_lots;
        market.min_order_base_lots = self.min_order_base_lots;
        market.open_interest_cap_lots = self.open_interest_cap_lots;
        market.oracle_max_age_secs = self.oracle_max_age_secs;
        market.oracle_max_conf_bps = self.oracle_max_conf_bps;
        market.oracle_conf_multiplier_bps = self.oracle_conf_multiplier_bps;
        market.liquidation_fee_bps = self.liquidation_fee_bps;
        market.liquidation_penalty_bps = self.liquidation_penalty_bps;
        // A cached price was read under the old guards.
        market.price_cache.clear();
    }

    /// Reads the parameters back from a market.
    pub fn of(market: &PerpMarket) -> Self {
        Self {
            init_margin_bps: market.init_margin_bps,
            maint_margin_bps: market.maint_margin_bps,
            pnl_init_weight_bps: market.pnl_init_weight_bps,
            maker_fee_bps: market.maker_fee_bps,
            taker_fee_bps: market.taker_fee_bps,
            insurance_fee_share_bps: market.insurance_fee_share_bps,
            price_band_bps: market.price_band_bps,
            max_funding_bps: market.max_funding_bps,
            funding_interval_secs: market.funding_interval_secs,
            funding_impact_lots: market.funding_impact_lots,
            min_order_base_lots: market.min_order_base_lots,
            open_interest_cap_lots: market.open_interest_cap_lots,
            oracle_max_age_secs: market.oracle_max_age_secs,
            oracle_max_conf_bps: market.oracle_max_conf_bps,
            oracle_conf_multiplier_bps: market.oracle_conf_multiplier_bps,
            liquidation_fee_bps: market.liquidation_fee_bps,
            liquidation_penalty_bps: market.liquidation_penalty_bps,
        }
    }
}

impl PerpMarketParams {
    /// True when the funding parameters differ from `other`'s.
    pub fn funding_differs(&self, other: &Self) -> bool {
        self.max_funding_bps != other.max_funding_bps
            || self.funding_interval_secs != other.funding_interval_secs
            || self.funding_impact_lots != other.funding_impact_lots
    }
}
