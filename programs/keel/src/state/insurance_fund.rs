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
    /// The fund's vault balance as booked, quote native (equals the vault's token balance). The
    /// fund also owns its claim in the quote bank (`CollateralAsset::bank.insurance_claim`).
    pub balance: u64,
    /// Start of the current withdrawal period (unix time; 0 before the first withdrawal).
    pub window_start: i64,
    /// Withdrawn by the admin in the current period, quote native.
    pub withdrawn_in_window: u64,
    /// Σ deposits by anyone, quote native.
    pub total_deposited: u64,
    /// Σ admin withdrawals, quote native.
    pub total_withdrawn: u64,
    /// Monotonic sequence of the fund's events.
    pub event_seq: u64,
    /// The keeper bounty rule (admin-set within bounds).
    pub bounty: BountyParams,
    /// Σ liquidation penalties received, quote native.
    pub total_penalties: u64,
    /// Σ keeper bounties paid, quote native.
    pub total_bounties: u64,
    /// Σ bankrupt accounts' deficits covered, quote native.
    pub total_deficits_covered: u64,
    /// Reserved for later versions.
    pub reserved: [u8; 208],
}

const _: () = assert!(core::mem::size_of::<InsuranceFund>() == 16 + 64 + 48 + 32 + 24 + 208);
const _: () = assert!(core::mem::align_of::<InsuranceFund>() == 8);

/// How a keeper bounty is sized: `min(cap, max(floor, share · penalty), penalty)` for a step of
/// at least `min_liquidation_notional`, nothing below it.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable, AnchorSerialize, AnchorDeserialize)]
pub struct BountyParams {
    /// Smallest bounty of a step that is not dust, quote native (pays for the transaction).
    pub floor: u64,
    /// Largest bounty of one step, quote native.
    pub cap: u64,
    /// Smallest step (oracle notional, quote native) that earns a bounty; smaller steps are
    /// dust.
    pub min_liquidation_notional: u64,
    /// Share of the step's penalty paid as bounty, bps.
    pub penalty_share_bps: u16,
    /// Explicit padding.
    pub padding: [u8; 6],
}

impl BountyParams {
    /// The recommended rule for a quote asset with `quote_decimals` (see the README's
    /// "Liquidation" section for how it was chosen): floor 0.10, cap 100, dust below 10 of
    /// oracle notional, half of the penalty.
    pub fn recommended(quote_decimals: u8) -> Self {
        let unit = 10u64.pow(quote_decimals as u32);
        Self { floor: unit / 10, cap: 100 * unit, min_liquidation_notional: 10 * unit, penalty_share_bps: 5_000, padding: [0; 6] }
    }

    /// Checks the bounds: `floor ≤ cap`, share ≤ 100 %, a non-zero dust threshold.
    pub fn validate(&self) -> Result<()> {
        crate::check!(
            self.floor <= self.cap && self.penalty_share_bps as u32 <= BPS_PER_UNIT && self.min_liquidation_notional > 0,
            KeelError::InvalidBountyParams,
            "bounty: floor {} cap {} share {} bps min notional {}",
            self.floor,
            self.cap,
            self.penalty_share_bps,
            self.min_liquidation_notional
        );
        Ok(())
    }

    /// The bounty of a step with oracle notional `notional` that charged `penalty`, both quote
    /// native: zero for dust, never above the penalty the step brought in — so splitting a
    /// liquidation into many steps cannot drain the fund.
    pub fn bounty(&self, notional: u64, penalty: u64) -> u64 {
        if notional < self.min_liquidation_notional {
            return 0;
        }
        let share = (penalty as u128 * self.penalty_share_bps as u128 / BPS_PER_UNIT as u128) as u64;
        share.max(self.floor).min(self.cap).min(penalty)
    }
}

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

    /// Books a bankrupt account's deficit covered, at most the balance. Returns the amount.
    pub fn book_deficit(&mut self, deficit: u64) -> Result<u64> {
        let covered = deficit.min(self.balance);
        self.balance -= covered;
        self.total_deficits_covered = self.total_deficits_covered.checked_add(covered).ok_or(KeelError::MathOverflow)?;
        Ok(covered)
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
