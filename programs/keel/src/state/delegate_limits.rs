//! What an account's owner lets its delegate do: trade within a slippage from the oracle, and
//! cost the account at most a loss limit per period (slippage against the oracle plus fees).

use crate::error::KeelError;
use anchor_lang::prelude::*;

/// Widest slippage an owner may grant a delegate, bps (10%).
pub const MAX_DELEGATE_SLIPPAGE_BPS: u16 = 1_000;
/// Shortest and longest loss-limit period, seconds (a minute to 31 days).
pub const DELEGATE_PERIOD_RANGE: core::ops::RangeInclusive<u32> = 60..=2_678_400;

/// The delegate's limits and what it has used of them, stored in the margin account.
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DelegateLimits {
    /// Farthest from the oracle a delegate's order may trade, bps: its taker limit is clamped
    /// to it, its resting orders must lie inside it and fill only while they still do.
    pub max_slippage_bps: u16,
    /// Explicit padding.
    pub padding: [u8; 2],
    /// Length of a loss-limit period, seconds.
    pub period_secs: u32,
    /// Most the delegate's orders may cost the account per period, quote native.
    pub loss_limit: u64,
    /// Unix time the current period started.
    pub period_start_ts: i64,
    /// Cost charged in the current period, quote native.
    pub period_loss: u64,
}

const _: () = assert!(core::mem::size_of::<DelegateLimits>() == 32);

impl DelegateLimits {
    /// Fresh limits (nothing used yet), checked against their bounds.
    pub fn new(max_slippage_bps: u16, loss_limit: u64, period_secs: u32, now: i64) -> Result<Self> {
        crate::check!(
            (1..=MAX_DELEGATE_SLIPPAGE_BPS).contains(&max_slippage_bps)
                && DELEGATE_PERIOD_RANGE.contains(&period_secs),
            KeelError::InvalidDelegateLimits,
            "delegate limits: slippage {} bps (1..={}), period {} s ({}..={})",
            max_slippage_bps,
            MAX_DELEGATE_SLIPPAGE_BPS,
            period_secs,
            DELEGATE_PERIOD_RANGE.start(),
            DELEGATE_PERIOD_RANGE.end()
        );
        Ok(Self {
            max_slippage_bps,
            padding: [0; 2],
            period_secs,
            loss_limit,
            period_start_ts: now,
            period_loss: 0,
        })
    }

    /// Charges `cost` (quote native) to the current period — a new period starts once the
    /// last one is over — and refuses it beyond the loss limit.
    pub fn charge(&mut self, cost: u64, now: i64) -> Result<()> {
        if now.saturating_sub(self.period_start_ts) >= self.period_secs as i64 {
            self.period_start_ts = now;
            self.period_loss = 0;
        }
        let used = self
            .period_loss
            .checked_add(cost)
            .ok_or(KeelError::MathOverflow)?;
        crate::check!(
            used <= self.loss_limit,
            KeelError::DelegateLossLimitExceeded,
            "delegate: this order may cost {} (quote native), {} of {} used since {}",
            cost,
            self.period_loss,
            self.loss_limit,
            self.period_start_ts
        );
        self.period_loss = used;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charge_accumulates_refuses_past_the_limit_and_renews_with_the_period() {
        let mut limits = DelegateLimits::new(50, 100, 60, 1_000).expect("valid limits");
        limits.charge(60, 1_000).expect("within the limit");
        limits.charge(40, 1_059).expect("exactly the limit");
        assert!(limits.charge(1, 1_059).is_err());
        assert_eq!((limits.period_start_ts, limits.period_loss), (1_000, 100));
        limits.charge(70, 1_060).expect("a new period");
        assert_eq!((limits.period_start_ts, limits.period_loss), (1_060, 70));
    }

    #[test]
    fn limits_out_of_bounds_are_refused() {
        for (slippage, period) in [
            (0, 60),
            (MAX_DELEGATE_SLIPPAGE_BPS + 1, 60),
            (50, 59),
            (50, 2_678_401),
        ] {
            assert!(
                DelegateLimits::new(slippage, 1, period, 0).is_err(),
                "{slippage} bps, {period} s"
            );
        }
        assert!(DelegateLimits::new(MAX_DELEGATE_SLIPPAGE_BPS, 0, 2_678_400, 0).is_ok());
    }
}
