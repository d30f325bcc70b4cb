//! Risk parameters of a collateral asset, and their bounds.

use crate::error::KeelError;
use crate::math::BPS_PER_UNIT;
use crate::oracle::OracleConfig;
use crate::state::{BankParams, CollateralAsset};
use anchor_lang::prelude::*;

/// Largest liability weight, bps (2.0).
pub const MAX_LIAB_WEIGHT_BPS: u16 = 20_000;

/// The admin-set parameters of a collateral asset.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct AssetParams {
    /// Init asset weight, bps: 0 < init ≤ maint.
    pub init_asset_weight_bps: u16,
    /// Maint asset weight, bps: ≤ 10_000.
    pub maint_asset_weight_bps: u16,
    /// Init liability weight, bps: ≥ maint, ≤ 20_000 (used for the quote asset).
    pub init_liab_weight_bps: u16,
    /// Maint liability weight, bps: ≥ 10_000.
    pub maint_liab_weight_bps: u16,
    /// Maximum total deposits, native units.
    pub deposit_cap: u64,
    /// Oracle guard: maximum age, seconds (1..=3600).
    pub oracle_max_age_secs: u32,
    /// Oracle guard: maximum confidence/price, bps (1..=2000).
    pub oracle_max_conf_bps: u16,
    /// Init pricing k, bps (0..=50000).
    pub oracle_conf_multiplier_bps: u16,
    /// Liquidator discount, bps: fee + penalty < 10_000 − maint asset weight (or both 0).
    pub liquidation_fee_bps: u16,
    /// Liquidation penalty into the insurance fund, bps.
    pub liquidation_penalty_bps: u16,
    /// The asset's bank: rate curve, interest fee, utilisation cap, net-borrow limit.
    pub bank: BankParams,
}

impl AssetParams {
    /// Checks every bound, each with its own error. The quote asset's weights are all exactly
    /// 1: a realised loss (a quote debt) then weighs what the same loss unrealised did, so no
    /// liquidation step that realises a loss can lower health, and a quote deposit is worth its
    /// face value.
    pub fn validate(&self, is_quote: bool) -> Result<()> {
        crate::check!(
            !is_quote
                || [self.init_asset_weight_bps, self.maint_asset_weight_bps, self.init_liab_weight_bps, self.maint_liab_weight_bps]
                    .iter()
                    .all(|w| *w as u32 == BPS_PER_UNIT),
            KeelError::InvalidQuoteWeights,
            "quote asset weights: asset init {} maint {}, liability init {} maint {} (bps; all must be 10000)",
            self.init_asset_weight_bps,
            self.maint_asset_weight_bps,
            self.init_liab_weight_bps,
            self.maint_liab_weight_bps
        );
        crate::check!(
            self.init_asset_weight_bps > 0
                && self.init_asset_weight_bps <= self.maint_asset_weight_bps
                && self.maint_asset_weight_bps as u32 <= BPS_PER_UNIT,
            KeelError::InvalidAssetWeights,
            "asset weights: init {} maint {} (bps)",
            self.init_asset_weight_bps,
            self.maint_asset_weight_bps
        );
        crate::check!(
            self.maint_liab_weight_bps as u32 >= BPS_PER_UNIT
                && self.init_liab_weight_bps >= self.maint_liab_weight_bps
                && self.init_liab_weight_bps <= MAX_LIAB_WEIGHT_BPS,
            KeelError::InvalidLiabilityWeights,
            "liability weights: init {} maint {} (bps)",
            self.init_liab_weight_bps,
            self.maint_liab_weight_bps
        );
        crate::check!(self.oracle_config().is_valid(), KeelError::InvalidOracleConfig);
        self.bank.validate()?;
        // Selling collateral for quote at the discount and paying the penalty must raise
        // health: the quote received, 1 − fee − penalty per unit of value, must beat the
        // asset's maint weight (which bounds its LiquidationEnd weight).
        let cut = self.liquidation_fee_bps as u32 + self.liquidation_penalty_bps as u32;
        crate::check!(
            cut == 0 || cut + (self.maint_asset_weight_bps as u32) < BPS_PER_UNIT,
            KeelError::InvalidLiquidationFees,
            "asset liquidation: fee {} + penalty {} must stay below 10000 − maint weight {} (bps)",
            self.liquidation_fee_bps,
            self.liquidation_penalty_bps,
            self.maint_asset_weight_bps
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

    /// Writes the parameters into an asset.
    pub fn apply(&self, asset: &mut CollateralAsset) {
        asset.init_asset_weight_bps = self.init_asset_weight_bps;
        asset.maint_asset_weight_bps = self.maint_asset_weight_bps;
        asset.init_liab_weight_bps = self.init_liab_weight_bps;
        asset.maint_liab_weight_bps = self.maint_liab_weight_bps;
        asset.deposit_cap = self.deposit_cap;
        asset.oracle_max_age_secs = self.oracle_max_age_secs;
        asset.oracle_max_conf_bps = self.oracle_max_conf_bps;
        asset.oracle_conf_multiplier_bps = self.oracle_conf_multiplier_bps;
        asset.liquidation_fee_bps = self.liquidation_fee_bps;
        asset.liquidation_penalty_bps = self.liquidation_penalty_bps;
        asset.bank.params = self.bank;
        // A cached price was read under the old guards.
        asset.price_cache.clear();
    }

    /// Reads the parameters back from an asset.
    pub fn of(asset: &CollateralAsset) -> Self {
        Self {
            init_asset_weight_bps: asset.init_asset_weight_bps,
            maint_asset_weight_bps: asset.maint_asset_weight_bps,
            init_liab_weight_bps: asset.init_liab_weight_bps,
            maint_liab_weight_bps: asset.maint_liab_weight_bps,
            deposit_cap: asset.deposit_cap,
            oracle_max_age_secs: asset.oracle_max_age_secs,
            oracle_max_conf_bps: asset.oracle_max_conf_bps,
            oracle_conf_multiplier_bps: asset.oracle_conf_multiplier_bps,
            liquidation_fee_bps: asset.liquidation_fee_bps,
            liquidation_penalty_bps: asset.liquidation_penalty_bps,
            bank: asset.bank.params,
        }
    }
}
