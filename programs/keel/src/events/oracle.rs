//! Oracle events.

use anchor_lang::prelude::*;

/// What an [`OracleReplaced`] event's target is: a collateral asset.
pub const ORACLE_TARGET_ASSET: u8 = 0;
/// What an [`OracleReplaced`] event's target is: a perp market.
pub const ORACLE_TARGET_MARKET: u8 = 1;

/// The admin replaced the oracle of an asset or a market.
#[event]
pub struct OracleReplaced {
    /// [`ORACLE_TARGET_ASSET`] or [`ORACLE_TARGET_MARKET`].
    pub target: u8,
    /// The asset or market account.
    pub address: Pubkey,
    /// Its index.
    pub index: u16,
    /// The oracle kind before (`OracleKind` as a byte).
    pub old_kind: u8,
    /// The oracle account before.
    pub old_oracle: Pubkey,
    /// The feed id before.
    pub old_feed_id: [u8; 32],
    /// The oracle kind now.
    pub new_kind: u8,
    /// The oracle account now.
    pub new_oracle: Pubkey,
    /// The feed id now.
    pub new_feed_id: [u8; 32],
    /// Guard: maximum age now, seconds.
    pub max_age_secs: u32,
    /// Guard: maximum confidence / price now, bps.
    pub max_conf_bps: u16,
    /// Init pricing k now, bps.
    pub conf_multiplier_bps: u16,
    /// The new oracle's price at the replacement, quote native per base native, `Fixed` raw.
    pub price: i128,
    /// Exchange admin sequence number.
    pub admin_seq: u64,
}
