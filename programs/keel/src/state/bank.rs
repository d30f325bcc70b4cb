//! The bank of a collateral asset (see `keel_risk::bank`): its stored state, parameters and
//! bounds, and the one way a margin account's balance changes.

use crate::error::KeelError;
use crate::math::{Fixed, BPS_PER_UNIT};
use crate::state::{CollateralAsset, CollateralBalance};
use anchor_lang::prelude::*;
use keel_risk::bank::{accrue, Accrual, BalanceChange, BankIndices, BankTotals, RateCurve};

/// Bounds of [`BankParams`]: the kink's utilisation.
pub const OPTIMAL_UTILIZATION_RANGE: core::ops::RangeInclusive<u16> = 1_000..=9_500;
/// Bounds of [`BankParams`]: the withdrawal cap on utilisation.
pub const MAX_UTILIZATION_RANGE: core::ops::RangeInclusive<u16> = 5_000..=9_800;
/// Smallest rate at the kink, bps per year (1 %): lending is never free.
pub const MIN_OPTIMAL_RATE_BPS: u16 = 100;
/// Largest rate at full utilisation, bps per year (500 %).
pub const MAX_RATE_BPS: u16 = 50_000;
/// Largest protocol share of interest, bps (50 %).
pub const MAX_INTEREST_FEE_BPS: u16 = 5_000;
/// Bounds of the net-borrow window, seconds (1 hour ..= 30 days).
pub const NET_BORROW_WINDOW_RANGE: core::ops::RangeInclusive<u32> = 3_600..=2_592_000;

/// The admin-set parameters of an asset's bank.
#[repr(C)]
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    bytemuck::Pod,
    bytemuck::Zeroable,
    AnchorSerialize,
    AnchorDeserialize,
)]
pub struct BankParams {
    /// Borrow rate at zero utilisation, bps per year: ≤ the kink's rate.
    pub base_rate_bps: u16,
    /// The kink's utilisation, bps, within [`OPTIMAL_UTILIZATION_RANGE`].
    pub optimal_utilization_bps: u16,
    /// Borrow rate at the kink, bps per year: ≥ [`MIN_OPTIMAL_RATE_BPS`].
    pub optimal_rate_bps: u16,
    /// Borrow rate at full utilisation, bps per year: ≥ the kink's, ≤ [`MAX_RATE_BPS`].
    pub max_rate_bps: u16,
    /// Protocol share of interest paid into the insurance fund's claim, bps.
    pub interest_fee_bps: u16,
    /// No withdrawal may leave utilisation above this, bps; ≥ the kink.
    pub max_utilization_bps: u16,
    /// Length of the net-borrow window, seconds.
    pub net_borrow_window_secs: u32,
    /// New borrowing (native, net of repayments) that the signer's own orders may create per
    /// window.
    pub net_borrow_limit: u64,
}

impl BankParams {
    /// The recommended parameters for an asset with `decimals` (see the README's risk model):
    /// 0 % at no use, 10 %/yr at the 80 % kink, 100 %/yr when fully used, a tenth of interest
    /// to the fund, withdrawals up to 95 % utilisation, 1 000 000 units of new borrowing a day.
    pub fn recommended(decimals: u8) -> Self {
        Self {
            base_rate_bps: 0,
            optimal_utilization_bps: 8_000,
            optimal_rate_bps: 1_000,
            max_rate_bps: 10_000,
            interest_fee_bps: 1_000,
            max_utilization_bps: 9_500,
            net_borrow_window_secs: 86_400,
            net_borrow_limit: 1_000_000 * 10u64.pow(decimals as u32),
        }
    }

    /// Checks every bound.
    pub fn validate(&self) -> Result<()> {
        crate::check!(
            OPTIMAL_UTILIZATION_RANGE.contains(&self.optimal_utilization_bps)
                && self.base_rate_bps <= self.optimal_rate_bps
                && self.optimal_rate_bps >= MIN_OPTIMAL_RATE_BPS
                && self.optimal_rate_bps <= self.max_rate_bps
                && self.max_rate_bps <= MAX_RATE_BPS
                && self.interest_fee_bps <= MAX_INTEREST_FEE_BPS,
            KeelError::InvalidRateCurve,
            "rate curve: base {} kink {} at {} max {} (bps/yr, bps), interest fee {} bps",
            self.base_rate_bps,
            self.optimal_rate_bps,
            self.optimal_utilization_bps,
            self.max_rate_bps,
            self.interest_fee_bps
        );
        crate::check!(
            MAX_UTILIZATION_RANGE.contains(&self.max_utilization_bps)
                && self.max_utilization_bps >= self.optimal_utilization_bps
                && NET_BORROW_WINDOW_RANGE.contains(&self.net_borrow_window_secs)
                && self.net_borrow_limit > 0,
            KeelError::InvalidBankLimits,
            "bank limits: utilisation cap {} bps (kink {}), net-borrow limit {} per {} s",
            self.max_utilization_bps,
            self.optimal_utilization_bps,
            self.net_borrow_limit,
            self.net_borrow_window_secs
        );
        Ok(())
    }

    /// The rate curve.
    pub fn curve(&self) -> RateCurve {
        RateCurve {
            base_rate_bps: self.base_rate_bps,
            optimal_utilization_bps: self.optimal_utilization_bps,
            optimal_rate_bps: self.optimal_rate_bps,
            max_rate_bps: self.max_rate_bps,
        }
    }
}

/// What an asset's bank stores.
#[zero_copy]
#[derive(Debug, PartialEq, Eq)]
pub struct BankState {
    /// Native units per deposit unit, `Fixed` raw little-endian (1.0 at listing).
    pub deposit_index: [u8; 16],
    /// Native units per borrow unit, `Fixed` raw little-endian (1.0 at listing).
    pub borrow_index: [u8; 16],
    /// Value the bank's rounding kept (always in the protocol's favour), `Fixed` raw LE.
    pub dust: [u8; 16],
    /// Unix time interest was last accrued to; every balance change happens at this time.
    pub last_accrual_ts: i64,
    /// The insurance fund's claim on this vault, native: liquidation penalties, its interest
    /// share, less bounties; `settle_insurance_claim` moves it into the fund's vault.
    pub insurance_claim: u64,
    /// Start of the current net-borrow window (unix time).
    pub net_borrow_window_start: i64,
    /// The window's baseline, native: the borrows when it opened, but at most the previous
    /// baseline + the limit; new lending is measured from it.
    pub borrows_at_window_start: u64,
    /// Loss that could not be socialised because deposits were exhausted, native.
    pub unsocialized_loss: u64,
    /// Σ interest accrued to borrowers, native rounded down (statistics).
    pub total_interest: u64,
    /// Parameters.
    pub params: BankParams,
    /// Σ the protocol's share of interest booked into the fund's claim, native (statistics).
    pub total_interest_fees: u64,
}

const _: () = assert!(core::mem::size_of::<BankState>() == 128);

impl BankState {
    /// A fresh bank: both indices at one.
    pub fn new(params: BankParams, now: i64) -> Self {
        let mut bank: BankState = bytemuck::Zeroable::zeroed();
        bank.deposit_index = Fixed::ONE.raw().to_le_bytes();
        bank.borrow_index = Fixed::ONE.raw().to_le_bytes();
        bank.last_accrual_ts = now;
        bank.net_borrow_window_start = now;
        bank.params = params;
        bank
    }

    /// The dust.
    pub fn dust(&self) -> Fixed {
        Fixed::from_raw(i128::from_le_bytes(self.dust))
    }

    /// Adds `value` to the dust.
    pub fn add_dust(&mut self, value: Fixed) -> Result<()> {
        self.dust = self.dust().add(value)?.raw().to_le_bytes();
        Ok(())
    }
}

impl CollateralAsset {
    /// The indices as stored (accrued to `bank.last_accrual_ts`).
    pub fn indices(&self) -> BankIndices {
        BankIndices {
            deposit: Fixed::from_raw(i128::from_le_bytes(self.bank.deposit_index)),
            borrow: Fixed::from_raw(i128::from_le_bytes(self.bank.borrow_index)),
        }
    }

    /// The bank's totals as stored.
    pub fn totals(&self) -> BankTotals {
        BankTotals {
            deposit_units: self.deposit_units,
            borrow_units: self.borrow_units,
            indices: self.indices(),
        }
    }

    /// What accruing to `now` would do, without doing it.
    pub fn accrual_at(&self, now: i64) -> Result<Accrual> {
        let params = &self.bank.params;
        let elapsed = now.saturating_sub(self.bank.last_accrual_ts);
        Ok(accrue(
            &self.totals(),
            &params.curve(),
            params.interest_fee_bps,
            elapsed,
        )?)
    }

    /// The indices accrued to `now` (what health counts at once). Without time to accrue or
    /// without borrows they are the stored ones (what `accrue` would return), so the health
    /// check of an instruction that has already accrued — and every asset nobody borrows —
    /// skips the rate computation.
    pub fn indices_at(&self, now: i64) -> Result<BankIndices> {
        if now <= self.bank.last_accrual_ts || self.borrow_units == 0 {
            return Ok(self.indices());
        }
        Ok(self.accrual_at(now)?.indices)
    }

    /// Accrues interest to `now`: new indices, the fund's share into its claim, the rounding
    /// into dust. Every instruction that changes a balance of the asset calls this first.
    pub fn accrue(&mut self, now: i64) -> Result<Accrual> {
        let accrual = self.accrual_at(now)?;
        if now > self.bank.last_accrual_ts {
            self.bank.deposit_index = accrual.indices.deposit.raw().to_le_bytes();
            self.bank.borrow_index = accrual.indices.borrow.raw().to_le_bytes();
            self.bank.insurance_claim = self
                .bank
                .insurance_claim
                .checked_add(accrual.protocol_native)
                .ok_or(KeelError::MathOverflow)?;
            self.bank.total_interest_fees = self
                .bank
                .total_interest_fees
                .saturating_add(accrual.protocol_native);
            self.bank.add_dust(accrual.dust)?;
            let interest = accrual.interest.to_u64(crate::math::Rounding::Down)?;
            self.bank.total_interest = self.bank.total_interest.saturating_add(interest);
            self.bank.last_accrual_ts = now;
        }
        // A new window releases one limit's worth of earlier excess: the baseline moves up by at
        // most the limit (down to the borrows when they were repaid), so lending beyond the limit
        // stays withheld for as many windows as it takes.
        let window_end = self.bank.net_borrow_window_start.saturating_add(self.bank.params.net_borrow_window_secs as i64);
        if now >= window_end {
            let carried = self.bank.borrows_at_window_start.saturating_add(self.bank.params.net_borrow_limit);
            self.bank.net_borrow_window_start = now;
            self.bank.borrows_at_window_start = self.totals().borrows_native()?.min(carried);
        }
        Ok(accrual)
    }

    /// A balance of `units`, native, rounded in the protocol's favour.
    pub fn native(&self, units: i64) -> Result<i64> {
        Ok(self.indices().native(units)?)
    }

    /// Adds `delta` native units to `slot` at the stored indices (accrue first), keeping the
    /// unit totals and the dust in step. The one way a balance changes.
    pub fn change_balance(
        &mut self,
        slot: &mut CollateralBalance,
        delta: i64,
    ) -> Result<BalanceChange> {
        let change = self.indices().change(slot.units, delta)?;
        crate::check!(
            change.units_after >= 0 || self.index == crate::state::QUOTE_ASSET_INDEX,
            KeelError::InsufficientBalance,
            "asset {}: balance would be {} (only the quote asset can be borrowed)",
            self.index,
            change.native_after
        );
        let deposits = self.deposit_units as i128 + change.deposit_units_delta();
        let borrows = self.borrow_units as i128 + change.borrow_units_delta();
        self.deposit_units = u64::try_from(deposits).map_err(|_| KeelError::MathOverflow)?;
        self.borrow_units = u64::try_from(borrows).map_err(|_| KeelError::MathOverflow)?;
        self.bank.add_dust(change.dust)?;
        slot.units = change.units_after;
        Ok(change)
    }

    /// The vault's tokens beyond every claim the bank records (balances, dust, the fund's claim,
    /// net of the unsocialised loss), exact: the perp side's quote — the markets' PnL pools and
    /// fees, never negative since no market pays a gain ahead of its loss — and anything sent to
    /// the vault directly.
    pub fn unbooked(&self, vault_tokens: u64) -> Result<Fixed> {
        let totals = self.totals();
        let deposits = self
            .indices()
            .value(i64::try_from(totals.deposit_units).map_err(|_| KeelError::MathOverflow)?)?;
        let borrows = self
            .indices()
            .value(-i64::try_from(totals.borrow_units).map_err(|_| KeelError::MathOverflow)?)?;
        let ledgers = Fixed::from_u64(self.bank.insurance_claim)
            .sub(Fixed::from_u64(self.bank.unsocialized_loss))?;
        let booked = deposits.add(borrows)?.add(self.bank.dust())?.add(ledgers)?;
        Ok(Fixed::from_u64(vault_tokens).sub(booked)?)
    }

    /// What depositors may take out right now: deposits less what the utilisation cap keeps
    /// against the borrows, less the new borrowing of the current window beyond the net-borrow
    /// limit, whatever created it (a trade's or funding's loss, a liquidation). Only booked
    /// balances count — a market never pays a gain ahead of the loss behind it (its PnL pool),
    /// so no quote is lent outside the borrows, and tokens held for the perp side or sent to
    /// the vault never count as depositors'.
    pub fn liquidity(&self) -> Result<Liquidity> {
        let totals = self.totals();
        let within_cap = totals.withdrawable(self.bank.params.max_utilization_bps)?;
        let new_lending = totals.borrows_native()? as i128 - self.bank.borrows_at_window_start as i128;
        let withheld = (new_lending - self.bank.params.net_borrow_limit as i128).max(0);
        let withheld = u64::try_from(withheld).unwrap_or(u64::MAX);
        Ok(Liquidity { within_cap, withheld, withdrawable: within_cap.saturating_sub(withheld), new_lending })
    }

    /// What depositors may withdraw in all right now (see [`CollateralAsset::liquidity`]).
    pub fn withdrawable(&self) -> Result<u64> {
        Ok(self.liquidity()?.withdrawable)
    }

    /// Utilisation, bps rounded up.
    pub fn utilization_bps(&self) -> Result<u64> {
        let u = self.totals().utilization()?;
        Ok(u.mul_up(Fixed::from_u64(BPS_PER_UNIT as u64))?
            .to_u64(crate::math::Rounding::Up)?)
    }
}

/// The liquidity rule's numbers for one vault balance, native.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Liquidity {
    /// What the utilisation cap leaves withdrawable.
    pub within_cap: u64,
    /// New lending in the window beyond the net-borrow limit, withheld on top.
    pub withheld: u64,
    /// What depositors may withdraw in all: `within_cap − withheld`.
    pub withdrawable: u64,
    /// Borrowing added since the window opened (native; negative when repaid below it).
    pub new_lending: i128,
}
