//! The insurance fund: a quote-asset vault owned by the exchange, fed by the insurance share of
//! trading fees, liquidation penalties and anyone's deposits; it pays keeper bounties and covers
//! bankrupt accounts' deficits. The admin may withdraw only within a fixed rolling limit.

use crate::error::KeelError;
use crate::math::BPS_PER_UNIT;
use anchor_lang::prelude::*;

/// Seed prefix of the fund PDA: `["insurance", exchange]`.
pub const INSURANCE_SEED: &[u8] = b"insurance";
/// Seed prefix of the fund's token vault: `["insurance_vault", exchange]`.
pub const INSURANCE_VAULT_SEED: &[u8] = b"insurance_vault";
/// Current layout version of [`InsuranceFund`].
pub const INSURANCE_FUND_VERSION: u8 = 1;
/// Largest admin withdrawal limit, bps of the fund per period (50%).
pub const MAX_INSURANCE_WITHDRAW_BPS: u16 = 5_000;
/// Shortest and longest withdrawal period, seconds (1 day ..= 1 year).
pub const INSURANCE_PERIOD_RANGE: core::ops::RangeInclusive<u32> = 86_400..=31_536_000;

/// The exchange's insurance fund. PDA `["insurance", exchange]`.
#[account(zero_copy)]
#[derive(Debug)]
pub struct InsuranceFund {
    /// Layout version, [`INSURANCE_FUND_VERSION`].
    pub version: u8,
    /// Bump of the PDA.
    pub bump: u8,
    /// Bump of the vault PDA.
    pub vault_bump: u8,
    /// Explicit padding.
    pub padding0: [u8; 1],
    /// Admin withdrawals per period, bps of the fund's balance at the period's start; fixed at
    /// creation so that no later admin action can loosen it.
    pub withdraw_limit_bps: u16,
    /// Explicit padding.
    pub padding1: [u8; 2],
    /// Length of the withdrawal period, seconds; fixed at creation.
    pub withdraw_period_secs: u32,
    /// Explicit padding.
    pub padding2: [u8; 4],
    /// The exchange.
    pub exchange: Pubkey,
    /// The quote token account holding the fund; its authority is the exchange.
    pub vault: Pubkey,
    /// The fund's balance as booked, quote native (equals the vault's token balance).
    pub balance: u64,
    /// Start of the current withdrawal period (unix time; 0 before the first withdrawal).
    pub window_start: i64,
    /// Withdrawn by the admin in the current period, quote native.
    pub withdrawn_in_window: u64,
    /// Σ deposits by anyone, quote native.
    pub total_deposited: u64,
    /// Σ insurance shares of trading fees swept in, quote native.
    pub total_fees_swept: u64,
    /// Σ admin withdrawals, quote native.
    pub total_withdrawn: u64,
    /// Monotonic sequence of the fund's events.
    pub event_seq: u64,
    /// Reserved for penalties, bounties, deficits and later versions.
    pub reserved: [u8; 256],
}

const _: () = assert!(core::mem::size_of::<InsuranceFund>() == 16 + 64 + 56 + 256);
const _: () = assert!(core::mem::align_of::<InsuranceFund>() == 8);

impl InsuranceFund {
    /// Size of the account including the 8-byte discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<InsuranceFund>();

    /// What the admin may still withdraw at `now`, quote native: the limit share of the balance
    /// at the start of the current period, less what was withdrawn in it.
    pub fn withdrawable(&self, now: i64) -> u64 {
        let (withdrawn, balance_at_start) = if self.window_open(now) {
            (self.withdrawn_in_window, self.balance as u128 + self.withdrawn_in_window as u128)
        } else {
            (0, self.balance as u128)
        };
        let limit = balance_at_start * self.withdraw_limit_bps as u128 / BPS_PER_UNIT as u128;
        (limit as u64).saturating_sub(withdrawn)
    }

    /// Books an admin withdrawal of `amount` at `now`, within the limit.
    pub fn book_withdrawal(&mut self, amount: u64, now: i64) -> Result<()> {
        let allowed = self.withdrawable(now);
        crate::check!(
            amount <= allowed,
            KeelError::InsuranceWithdrawLimit,
            "insurance fund: {amount} requested, {allowed} withdrawable now (limit {} bps of the balance per {} s)",
            self.withdraw_limit_bps,
            self.withdraw_period_secs
        );
        if !self.window_open(now) {
            self.window_start = now;
            self.withdrawn_in_window = 0;
        }
        self.withdrawn_in_window += amount;
        self.total_withdrawn = self.total_withdrawn.checked_add(amount).ok_or(KeelError::MathOverflow)?;
        self.balance = self.balance.checked_sub(amount).ok_or(KeelError::MathOverflow)?;
        Ok(())
    }

    /// Books `amount` flowing in.
    pub fn book_inflow(&mut self, amount: u64) -> Result<u64> {
        self.balance = self.balance.checked_add(amount).ok_or(KeelError::MathOverflow)?;
        Ok(self.balance)
    }

    /// Takes the next event sequence number of the fund.
    pub fn next_seq(&mut self) -> u64 {
        self.event_seq = self.event_seq.wrapping_add(1);
        self.event_seq
    }

    /// True while the withdrawal period that started at `window_start` is running.
    fn window_open(&self, now: i64) -> bool {
        self.window_start != 0 && now < self.window_start.saturating_add(self.withdraw_period_secs as i64)
    }
}
