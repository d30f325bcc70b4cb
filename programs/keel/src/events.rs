//! Events: one for every balance change and every parameter change.
//!
//! Balance events carry the margin account's own monotonic `account_seq` and the asset's
//! `asset_seq`; admin events carry the exchange's `admin_seq`. Sequences are per account rather
//! than global so that unrelated transactions never contend for one writable counter.

use crate::instructions::risk::AssetParams;
use anchor_lang::prelude::*;

/// Writes an event to the transaction log (`Program data: <base64>`).
pub fn emit_event<E: anchor_lang::Event>(event: &E) {
    crate::log::log_data(&event.data());
}

/// An exchange was created.
#[event]
pub struct ExchangeInitialized {
    /// The exchange.
    pub exchange: Pubkey,
    /// Its admin.
    pub admin: Pubkey,
    /// Its quote (settlement) mint.
    pub quote_mint: Pubkey,
}

/// A collateral asset was listed.
#[event]
pub struct AssetListed {
    /// The exchange.
    pub exchange: Pubkey,
    /// The asset account.
    pub asset: Pubkey,
    /// The asset's index.
    pub index: u16,
    /// Its mint.
    pub mint: Pubkey,
    /// Its oracle (default for the quote asset).
    pub oracle: Pubkey,
    /// Its oracle kind.
    pub oracle_kind: u8,
    /// Its risk parameters.
    pub params: AssetParams,
    /// Exchange admin sequence number.
    pub admin_seq: u64,
}

/// A collateral asset's parameters or pause flag changed.
#[event]
pub struct AssetUpdated {
    /// The asset account.
    pub asset: Pubkey,
    /// The asset's index.
    pub index: u16,
    /// The parameters now in force.
    pub params: AssetParams,
    /// Whether deposits are paused now.
    pub deposits_paused: bool,
    /// Exchange admin sequence number.
    pub admin_seq: u64,
}

/// The exchange was paused or resumed.
#[event]
pub struct ExchangePauseSet {
    /// The exchange.
    pub exchange: Pubkey,
    /// Paused now.
    pub paused: bool,
    /// Exchange admin sequence number.
    pub admin_seq: u64,
}

/// A margin account was created.
#[event]
pub struct MarginAccountCreated {
    /// The margin account.
    pub account: Pubkey,
    /// Its owner.
    pub owner: Pubkey,
    /// The owner's index for it.
    pub account_index: u16,
}

/// A margin account's delegate changed.
#[event]
pub struct DelegateSet {
    /// The margin account.
    pub account: Pubkey,
    /// The new delegate (default = none).
    pub delegate: Pubkey,
    /// Account sequence number.
    pub account_seq: u64,
}

/// A margin account was closed and its rent returned.
#[event]
pub struct MarginAccountClosed {
    /// The margin account.
    pub account: Pubkey,
    /// Its owner, who received the rent.
    pub owner: Pubkey,
}

/// Tokens moved into (deposit) or out of (withdrawal) a margin account.
#[event]
pub struct CollateralMoved {
    /// The margin account.
    pub account: Pubkey,
    /// The signer.
    pub authority: Pubkey,
    /// The asset's index.
    pub asset_index: u16,
    /// The asset's mint.
    pub mint: Pubkey,
    /// Signed amount, native units: positive for a deposit, negative for a withdrawal.
    pub amount: i64,
    /// The account's balance afterwards, native units.
    pub balance_after: i64,
    /// The vault's token balance afterwards, native units.
    pub vault_balance_after: u64,
    /// Init health afterwards, quote native, rounded down (withdrawals only; 0 for deposits).
    pub init_health_after: i64,
    /// Account sequence number.
    pub account_seq: u64,
    /// Asset sequence number.
    pub asset_seq: u64,
}
