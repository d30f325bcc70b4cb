//! `health` (view): the account's health report as return data, for simulateTransaction.

use crate::error::KeelError;
use crate::instructions::risk::load_health_cache_or_cached;
use crate::math::{Fixed, MathError, Rounding};
use crate::risk::{HealthCache, HealthComponents, HealthKind, PerpRisk};
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

/// One perp position as the engine valued it.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PerpLine {
    /// Index of the market.
    pub market_index: u16,
    /// Position, base lots (positive = long).
    pub base_lots: i64,
    /// Unrealised PnL at the oracle price with unsettled funding, unweighted, quote native
    /// (rounded down).
    pub unrealized_pnl: i64,
    /// Oracle price, quote native per base lot (rounded down).
    pub oracle_price_per_lot: i64,
    /// Oracle price per base lot at which Maint health crosses zero when only this market's
    /// price moves (resting orders at their worse side), rounded so that health there is still
    /// ≥ 0; 0 when no positive price crosses zero (then the sign of Maint health holds at every
    /// price: a negative Maint health means liquidatable now, whatever this market does).
    pub liquidation_price_per_lot: i64,
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
    /// Every perp position, in account slot order.
    pub perps: Vec<PerpLine>,
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
        let maint_health = cache.health(HealthKind::Maint)?;
        let perps = cache.perps().iter().map(|p| PerpLine::of(p, maint_health)).collect::<std::result::Result<Vec<_>, MathError>>()?;
        Ok(Self {
            init: line(HealthKind::Init)?,
            maint: line(HealthKind::Maint)?,
            liquidation_end: line(HealthKind::LiquidationEnd)?,
            collateral_value: cache.collateral_value()?.to_i64(Rounding::Down)?,
            collaterals,
            perps,
        })
    }
}

impl PerpLine {
    /// Reports one position, given the account's Maint health.
    pub fn of(p: &PerpRisk, maint_health: Fixed) -> std::result::Result<Self, MathError> {
        let lot = Fixed::from_i64(p.base_lot_size);
        let toward_current = if p.base_lots > 0 { Rounding::Up } else { Rounding::Down };
        let liquidation_price_per_lot = match p.liquidation_price(maint_health)? {
            Some(price) => price.mul(lot, toward_current)?.to_i64(toward_current)?,
            None => 0,
        };
        Ok(Self {
            market_index: p.market_index,
            base_lots: p.base_lots,
            unrealized_pnl: p.unrealized_pnl()?.to_i64(Rounding::Down)?,
            oracle_price_per_lot: p.prices.oracle.mul_down(lot)?.to_i64(Rounding::Down)?,
            liquidation_price_per_lot,
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
        let cache = load_health_cache_or_cached(&ctx.accounts.exchange.key(), &exchange, &account, ctx.remaining_accounts, now, None)?;
        let report = HealthReport::from_cache(&cache)?;
        crate::log::mirror_return_data(&report);
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{MAX_COLLATERALS, MAX_PERP_POSITIONS};

    /// The runtime's limit on return data (`solana_program::program::MAX_RETURN_DATA`).
    const MAX_RETURN_DATA: usize = 1_024;

    /// The report of an account at full capacity (every collateral and perp slot in use) fits
    /// the return data a real cluster allows: every line has a fixed Borsh size, so default
    /// lines measure it.
    #[test]
    fn a_full_accounts_report_fits_the_return_data_limit() {
        let report = HealthReport {
            collaterals: vec![CollateralLine::default(); MAX_COLLATERALS],
            perps: vec![PerpLine::default(); MAX_PERP_POSITIONS],
            ..HealthReport::default()
        };
        let mut bytes = Vec::new();
        report.serialize(&mut bytes).expect("serialises");
        let size = bytes.len();
        assert_eq!(size, 952, "3 · 40 + 8 + (4 + 8 · 34) + (4 + 16 · 34) bytes");
        assert!(size <= MAX_RETURN_DATA, "{size} bytes of return data, the limit is {MAX_RETURN_DATA}");
    }
}
