//! The fixed-size slots of a margin account: collateral balances, perp positions, open orders.

use anchor_lang::prelude::*;

/// A balance of one collateral asset.
#[zero_copy]
#[derive(Default, Debug, PartialEq, Eq)]
pub struct CollateralBalance {
    /// Index of the asset in the exchange.
    pub asset_index: u16,
    /// Non-zero when the slot is in use.
    pub in_use: u8,
    /// Explicit padding.
    pub padding: [u8; 5],
    /// Balance in the asset's bank index units (see `state::bank`): a deposit when positive,
    /// a borrow when negative (quote asset only). Native amounts come from the asset's indices.
    pub units: i64,
}

impl CollateralBalance {
    /// A fresh in-use slot with a zero balance.
    pub fn open(asset_index: u16) -> Self {
        Self { asset_index, in_use: 1, ..Self::default() }
    }

    /// True when the slot is in use.
    pub fn is_in_use(&self) -> bool {
        self.in_use != 0
    }
}

/// A perp position in one market, with the margin its resting orders reserve.
#[zero_copy]
#[derive(Debug, PartialEq, Eq)]
pub struct PerpPosition {
    /// Index of the perp market.
    pub market_index: u16,
    /// Non-zero when the slot is in use.
    pub in_use: u8,
    /// Explicit padding.
    pub padding: [u8; 5],
    /// Signed position, base lots (positive = long).
    pub base_lots: i64,
    /// Quote paid (negative) or received (positive) for the open position, quote native.
    pub quote_native: i64,
    /// Cumulative funding index at the last settlement, `Fixed` raw little-endian bytes.
    pub funding_index_snapshot: [u8; 16],
    /// Base lots on resting bids (margin reserved until filled or cancelled).
    pub bids_base_lots: i64,
    /// Base lots on resting asks.
    pub asks_base_lots: i64,
    /// Quote native value of resting bids at their limit prices.
    pub bids_quote_native: i64,
    /// Quote native value of resting asks at their limit prices.
    pub asks_quote_native: i64,
    /// Realised PnL over the position's life, quote native (statistics).
    pub realized_pnl_native: i64,
    /// Funding paid (positive) or received over the position's life, quote native (statistics).
    pub cumulative_funding_native: i64,
    /// Realised gains (PnL and funding) the market's PnL pool could not pay yet, quote native
    /// (≥ 0): paid out of the pool as losses are booked into it (on any touch of the position
    /// or by `settle_pnl`); health counts them as positive PnL.
    pub pnl_owed_native: i64,
    /// Reserved for later versions.
    pub reserved: [u8; 32],
}

impl PerpPosition {
    /// True when the slot is in use.
    pub fn is_in_use(&self) -> bool {
        self.in_use != 0
    }
}

/// A resting order on a market's book, as its owner's account knows it.
#[zero_copy]
#[derive(Debug, PartialEq, Eq)]
pub struct OpenOrder {
    /// Index of the perp market.
    pub market_index: u16,
    /// Non-zero when the slot is in use.
    pub in_use: u8,
    /// 0 = bid, 1 = ask.
    pub side: u8,
    /// Explicit padding.
    pub padding: [u8; 4],
    /// The book's order id (u128 little-endian bytes).
    pub order_id: [u8; 16],
    /// The trader's own id for the order.
    pub client_order_id: u64,
    /// Limit price, quote lots per base lot.
    pub price_lots: i64,
    /// Lots still reserved: resting on the book or filled with the fill still queued.
    pub base_lots: i64,
    /// Unix time from which the order is void (0 = never).
    pub expiry_ts: i64,
    /// Reserved for later versions.
    pub reserved: [u8; 8],
}

impl OpenOrder {
    /// True when the slot is in use.
    pub fn is_in_use(&self) -> bool {
        self.in_use != 0
    }
}
