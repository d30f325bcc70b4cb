//! The exchange: the root account every asset, market and margin account belongs to.

use anchor_lang::prelude::*;

/// Seed prefix of the exchange PDA: `["exchange", creator]`.
pub const EXCHANGE_SEED: &[u8] = b"exchange";

/// Current layout version of [`Exchange`].
pub const EXCHANGE_VERSION: u8 = 1;

/// Root configuration of one Keel exchange. PDA `["exchange", creator]`, so that nobody can
/// front-run the creation of someone else's exchange.
#[account(zero_copy)]
#[derive(Debug)]
pub struct Exchange {
    /// Layout version, [`EXCHANGE_VERSION`].
    pub version: u8,
    /// Bump of the exchange PDA (the exchange signs for every vault).
    pub bump: u8,
    /// Non-zero while globally paused: withdrawals and risk-increasing actions are refused.
    pub paused: u8,
    /// Decimals of the quote mint (prices are normalised to quote native units).
    pub quote_decimals: u8,
    /// Number of collateral assets listed; the next asset gets this index.
    pub asset_count: u16,
    /// Number of perp markets listed (perp markets issue).
    pub market_count: u16,
    /// The key that created the exchange (a PDA seed; never changes).
    pub creator: Pubkey,
    /// The key allowed to list assets, change parameters and pause.
    pub admin: Pubkey,
    /// The settlement asset; listed first as asset 0, priced at exactly 1, may go negative.
    pub quote_mint: Pubkey,
    /// Monotonic sequence of admin events (listings, parameter changes, pauses).
    pub admin_event_seq: u64,
    /// Reserved for the insurance fund and later versions.
    pub reserved: [u8; 256],
}

const _: () = assert!(core::mem::size_of::<Exchange>() == 8 + 96 + 8 + 256);
const _: () = assert!(core::mem::align_of::<Exchange>() == 8);

impl Exchange {
    /// Size of the account including the 8-byte discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<Exchange>();

    /// True while globally paused.
    pub fn is_paused(&self) -> bool {
        self.paused != 0
    }

    /// Takes the next admin event sequence number.
    pub fn next_admin_seq(&mut self) -> u64 {
        self.admin_event_seq = self.admin_event_seq.wrapping_add(1);
        self.admin_event_seq
    }
}
