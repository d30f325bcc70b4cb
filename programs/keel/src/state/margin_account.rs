//! The margin account: every balance, perp position and resting order of one trader account,
//! all backing each other.

use crate::error::KeelError;
use crate::state::delegate_limits::DelegateLimits;
use crate::state::positions::{CollateralBalance, OpenOrder, PerpPosition};
use anchor_lang::prelude::*;

/// Seed prefix of margin account PDAs: `["margin", exchange, owner, index (u16 LE)]`.
pub const MARGIN_ACCOUNT_SEED: &[u8] = b"margin";
/// Current layout version of [`MarginAccount`].
pub const MARGIN_ACCOUNT_VERSION: u8 = 1;
pub use keel_risk::{MAX_COLLATERALS, MAX_PERP_POSITIONS};
/// [`MarginAccount::being_liquidated`]: no liquidation.
pub const LIQUIDATION_NONE: u8 = 0;
/// [`MarginAccount::being_liquidated`]: a liquidation is in progress.
pub const LIQUIDATION_IN_PROGRESS: u8 = 1;
/// [`MarginAccount::being_liquidated`]: the last liquidation reached LiquidationEnd ≥ 0.
pub const LIQUIDATION_ENDED: u8 = 2;
/// Resting orders one account can have on the books at once.
pub const MAX_OPEN_ORDERS: usize = 32;

/// A trader's cross-margin account. PDA `["margin", exchange, owner, index]`.
#[account(zero_copy)]
#[derive(Debug)]
pub struct MarginAccount {
    /// Layout version, [`MARGIN_ACCOUNT_VERSION`].
    pub version: u8,
    /// Bump of the PDA.
    pub bump: u8,
    /// The owner's index of this account (a PDA seed).
    pub account_index: u16,
    /// Liquidation state: [`LIQUIDATION_NONE`], [`LIQUIDATION_IN_PROGRESS`] (from the first
    /// step at Maint health < 0 until a step reaches LiquidationEnd ≥ 0, a deposit arrives or
    /// the owner passes an Init health check; liquidation may continue while LiquidationEnd < 0,
    /// and the account may only cancel and deposit) or [`LIQUIDATION_ENDED`] (until the owner
    /// passes an Init health check; only Maint < 0 starts a new liquidation).
    pub being_liquidated: u8,
    /// Non-zero once a perp position of the account was liquidated; `liquidated_market` is then
    /// the market of the latest such step (where a bankruptcy's remaining loss is socialised).
    pub has_liquidated_market: u8,
    /// The market of the account's latest perp liquidation step.
    pub liquidated_market: u16,
    /// The exchange the account belongs to.
    pub exchange: Pubkey,
    /// The owner: may deposit, withdraw, trade, set the delegate and close.
    pub owner: Pubkey,
    /// A key that may deposit and trade but never withdraw; default when none.
    pub delegate: Pubkey,
    /// Monotonic sequence of this account's events.
    pub event_seq: u64,
    /// Collateral balances, one slot per asset; in-use slots are the health-account order.
    pub collaterals: [CollateralBalance; MAX_COLLATERALS],
    /// Perp positions, one slot per market; in-use slots follow the collaterals in the
    /// health-account order.
    pub perps: [PerpPosition; MAX_PERP_POSITIONS],
    /// Resting orders (and orders whose fills are still queued).
    pub orders: [OpenOrder; MAX_OPEN_ORDERS],
    /// What the delegate may do (zero while there is none).
    pub delegate_limits: DelegateLimits,
    /// Reserved for later versions.
    pub reserved: [u8; 480],
}

const _: () = assert!(core::mem::size_of::<CollateralBalance>() == 16);
const _: () = assert!(core::mem::size_of::<PerpPosition>() == 128);
const _: () = assert!(core::mem::size_of::<OpenOrder>() == 64);
const _: () = assert!(core::mem::size_of::<MarginAccount>() == 112 + 16 * 8 + 128 * 16 + 64 * 32 + 32 + 480);
const _: () = assert!(core::mem::align_of::<MarginAccount>() == 8);

impl MarginAccount {
    /// Size of the account including the 8-byte discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<MarginAccount>();

    /// True when `key` may act for the account on non-withdrawing actions.
    pub fn is_owner_or_delegate(&self, key: &Pubkey) -> bool {
        *key == self.owner || self.is_delegate(key)
    }

    /// True when `key` is the account's delegate (and not its owner): its orders are held to
    /// [`MarginAccount::delegate_limits`].
    pub fn is_delegate(&self, key: &Pubkey) -> bool {
        *key != self.owner && self.delegate != Pubkey::default() && *key == self.delegate
    }

    /// The in-use collateral slots in slot order (the health-account order).
    pub fn active_collaterals(&self) -> impl Iterator<Item = &CollateralBalance> {
        self.collaterals.iter().filter(|c| c.is_in_use())
    }

    /// The balance of an asset in its bank's index units (0 when the account holds none);
    /// `CollateralAsset::native` turns it into native units.
    pub fn units(&self, asset_index: u16) -> i64 {
        self.active_collaterals()
            .find(|c| c.asset_index == asset_index)
            .map_or(0, |c| c.units)
    }

    /// The slot of an asset, if the account holds it.
    pub fn collateral_mut(&mut self, asset_index: u16) -> Option<&mut CollateralBalance> {
        self.collaterals
            .iter_mut()
            .find(|c| c.is_in_use() && c.asset_index == asset_index)
    }

    /// The slot of an asset, taking the first free slot when the account holds none yet.
    pub fn collateral_or_open(&mut self, asset_index: u16) -> Result<&mut CollateralBalance> {
        let position = self
            .collaterals
            .iter()
            .position(|c| c.is_in_use() && c.asset_index == asset_index)
            .or_else(|| self.collaterals.iter().position(|c| !c.is_in_use()))
            .ok_or(KeelError::CollateralSlotsFull)?;
        let slot = &mut self.collaterals[position];
        if !slot.is_in_use() {
            *slot = CollateralBalance::open(asset_index);
        }
        Ok(slot)
    }

    /// Frees collateral slots whose balance is zero, so health stays linear in what is held.
    /// The quote slot stays open while the account has perp slots: fills, fees and funding
    /// settle into it, and a crank must never need a free slot.
    pub fn release_empty_collaterals(&mut self) {
        let keep_quote = self.has_perps();
        for slot in self.collaterals.iter_mut() {
            if slot.is_in_use() && slot.units == 0 && !(keep_quote && slot.asset_index == crate::state::QUOTE_ASSET_INDEX) {
                *slot = CollateralBalance::default();
            }
        }
    }

    /// True when nothing is held: no balance, no position, no order.
    pub fn is_empty(&self) -> bool {
        self.active_collaterals().all(|c| c.units == 0)
            && self.perps.iter().all(|p| !p.is_in_use())
            && self.orders.iter().all(|o| !o.is_in_use())
    }

    /// Takes the next event sequence number of this account.
    pub fn next_seq(&mut self) -> u64 {
        self.event_seq = self.event_seq.wrapping_add(1);
        self.event_seq
    }
}
