//! Events of liquidation, keeper bounties, bankruptcy and socialised loss.

use anchor_lang::prelude::*;

/// The keeper bounty rule was set (at the fund's creation or by the admin).
#[event]
pub struct BountyParamsSet {
    /// The exchange.
    pub exchange: Pubkey,
    /// Smallest bounty of a step that is not dust, quote native.
    pub floor: u64,
    /// Largest bounty of a step, quote native.
    pub cap: u64,
    /// Smallest step that earns a bounty, oracle notional, quote native.
    pub min_liquidation_notional: u64,
    /// Share of the penalty paid as bounty, bps.
    pub penalty_share_bps: u16,
    /// Exchange admin sequence number.
    pub admin_seq: u64,
}

/// Health of a liquidated account around a liquidation step, quote native (rounded down).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LiquidationHealth {
    /// Maint health before the step.
    pub maint_before: i64,
    /// Maint health after the step.
    pub maint_after: i64,
    /// LiquidationEnd health before the step.
    pub liq_end_before: i64,
    /// LiquidationEnd health after the step (≥ 0 ends the liquidation).
    pub liq_end_after: i64,
}

/// A liquidator took over part of a liquidated account's perp position.
#[event]
pub struct PerpLiquidated {
    /// The liquidated account.
    pub liqee: Pubkey,
    /// The liquidator's account.
    pub liqor: Pubkey,
    /// The market's index.
    pub market_index: u16,
    /// Base lots taken over, signed as the liquidated position (positive: a long was taken).
    pub base_lots: i64,
    /// Oracle value of those lots, quote native.
    pub oracle_notional: i64,
    /// What the liquidator paid (long taken) or received (short taken), quote native.
    pub transfer_notional: i64,
    /// Penalty charged to the liquidated account, into the insurance fund.
    pub penalty: u64,
    /// Keeper bounty paid to the liquidator from the insurance fund.
    pub bounty: u64,
    /// The liquidated account's health around the step.
    pub health: LiquidationHealth,
    /// The liquidated account's position afterwards, base lots.
    pub liqee_position_after: i64,
    /// Liquidated account sequence number.
    pub liqee_seq: u64,
    /// Liquidator account sequence number.
    pub liqor_seq: u64,
}

/// A liquidator bought collateral of a liquidated account for quote, at a discount.
#[event]
pub struct CollateralLiquidated {
    /// The liquidated account.
    pub liqee: Pubkey,
    /// The liquidator's account.
    pub liqor: Pubkey,
    /// The collateral asset's index.
    pub asset_index: u16,
    /// Collateral taken, native units of the asset.
    pub asset_amount: u64,
    /// Its oracle value, quote native.
    pub oracle_value: i64,
    /// Quote the liquidator paid to the liquidated account.
    pub quote_paid: i64,
    /// Penalty charged to the liquidated account, into the insurance fund.
    pub penalty: u64,
    /// Keeper bounty paid to the liquidator from the insurance fund.
    pub bounty: u64,
    /// The liquidated account's health around the step.
    pub health: LiquidationHealth,
    /// Liquidated account sequence number.
    pub liqee_seq: u64,
    /// Liquidator account sequence number.
    pub liqor_seq: u64,
}

/// A bankrupt account was settled to zero.
#[event]
pub struct BankruptcySettled {
    /// The bankrupt account.
    pub account: Pubkey,
    /// Its deficit (negative quote balance), quote native.
    pub deficit: u64,
    /// Covered by the insurance fund.
    pub covered_by_insurance: u64,
    /// Socialised over every quote depositor by lowering the deposit index (0 when the fund
    /// covered it all).
    pub socialized: u64,
    /// Account sequence number.
    pub account_seq: u64,
}
