//! `health` (view): the account's health report as return data, for simulateTransaction.

use crate::error::KeelError;
use crate::instructions::risk::load_health_cache;
use crate::math::{Fixed, MathError, Rounding};
use crate::risk::{HealthCache, HealthComponents, HealthKind};
use crate::state::{Exchange, MarginAccount};
use anchor_lang::prelude::*;

/// One health kind in quote native units: values held rounded down, owed rounded up, health
/// rounded down — never more favourable to the trader than the exact number.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HealthLine {
    /// Σ weighted collateral held.
    pub assets: i64,
    /// Σ weighted amounts owed.
    pub liabilities: i64,
    /// Σ weighted unrealised perp PnL.
    pub perp_pnl: i64,
    /// Σ perp margin requirements.
    pub perp_requirements: i64,
    /// The health: assets − liabilities + perp_pnl − perp_requirements.
    pub health: i64,
}

/// One collateral balance as the engine valued it.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CollateralLine {
    /// Index of the asset.
    pub asset_index: u16,
    /// Balance, native units.
    pub balance: i64,
    /// Oracle price, quote native per base native, `Fixed` raw (÷ 10^18).
    pub oracle_price: i128,
    /// Balance at the oracle price, unweighted, quote native (rounded down).
    pub value: i64,
}

/// The full health report of a margin account.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct HealthReport {
    /// Init health (to open risk or withdraw).
    pub init: HealthLine,
    /// Maint health (below zero: liquidatable).
    pub maint: HealthLine,
    /// LiquidationEnd health (a liquidation stops at zero).
    pub liquidation_end: HealthLine,
    /// Σ collateral at oracle prices, unweighted, quote native.
    pub collateral_value: i64,
    /// Every collateral balance, in account slot order.
    pub collaterals: Vec<CollateralLine>,
}

impl HealthReport {
    /// Builds the report from a health cache.
    pub fn from_cache(cache: &HealthCache) -> std::result::Result<Self, MathError> {
        let line = |kind| -> std::result::Result<HealthLine, MathError> { HealthLine::from_components(&cache.components(kind)?) };
        let collaterals = cache
            .collaterals()
            .iter()
            .map(|c| {
                Ok(CollateralLine {
                    asset_index: c.asset_index,
                    balance: c.balance,
                    oracle_price: c.prices.oracle.raw(),
                    value: c.oracle_value()?.to_i64(Rounding::Down)?,
                })
            })
            .collect::<std::result::Result<Vec<_>, MathError>>()?;
        Ok(Self {
            init: line(HealthKind::Init)?,
            maint: line(HealthKind::Maint)?,
            liquidation_end: line(HealthKind::LiquidationEnd)?,
            collateral_value: cache.collateral_value()?.to_i64(Rounding::Down)?,
            collaterals,
        })
    }
}

impl HealthLine {
    /// Rounds components into a report line.
    pub fn from_components(c: &HealthComponents) -> std::result::Result<Self, MathError> {
        let down = |v: Fixed| v.to_i64(Rounding::Down);
        let up = |v: Fixed| v.to_i64(Rounding::Up);
        Ok(Self {
            assets: down(c.assets)?,
            liabilities: up(c.liabilities)?,
            perp_pnl: down(c.perp_pnl)?,
            perp_requirements: up(c.perp_requirements)?,
            health: down(c.health()?)?,
        })
    }
}

/// Accounts of `health`; the health accounts follow as remaining accounts.
#[derive(Accounts)]
pub struct HealthView<'info> {
    /// The exchange.
    pub exchange: AccountLoader<'info, Exchange>,
    /// The margin account to report on.
    #[account(has_one = exchange @ KeelError::ExchangeMismatch)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
}

impl<'info> HealthView<'info> {
    /// Computes the report with the same code every instruction uses and returns it.
    pub fn handler(ctx: Context<'info, Self>) -> Result<HealthReport> {
        let exchange = ctx.accounts.exchange.load()?;
        let account = ctx.accounts.margin_account.load()?;
        let now = Clock::get()?.unix_timestamp;
        let cache = load_health_cache(&ctx.accounts.exchange.key(), &exchange, &account, ctx.remaining_accounts, now)?;
        let report = HealthReport::from_cache(&cache)?;
        crate::log::mirror_return_data(&report);
        Ok(report)
    }
}
