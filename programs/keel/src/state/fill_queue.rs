//! The fill queue of one perp market: a ring of events that the taker's instruction writes and
//! the permissionless `consume_fills` crank applies to makers' accounts, oldest first.

use anchor_lang::prelude::*;

/// Events a fill queue holds.
pub const FILL_QUEUE_CAPACITY: usize = 128;
/// Current layout version of [`FillQueue`].
pub const FILL_QUEUE_VERSION: u8 = 1;

/// What a queued event does to the maker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum FillEventKind {
    /// The maker's order traded with a taker.
    Fill = 1,
    /// The maker's order left the book without trading (expired or evicted from a full book).
    Out = 2,
}

/// Why an order left the book without trading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum OutReason {
    /// Cancelled by its owner.
    Cancelled = 0,
    /// Reached its expiry time.
    Expired = 1,
    /// Evicted from a full book by a better order.
    Evicted = 2,
    /// Cancelled by self-trade prevention.
    SelfTrade = 3,
    /// Cancelled because the owner's account is being liquidated.
    Liquidation = 4,
    /// Removed by a taker because its price lay outside the price band around the oracle at
    /// the time of the match: a stale order is never filled.
    OutsideBand = 5,
}

impl OutReason {
    /// The reason a queued `Out` event carries (anything unknown reads as an eviction).
    pub fn from_u8(value: u8) -> OutReason {
        match value {
            0 => OutReason::Cancelled,
            1 => OutReason::Expired,
            3 => OutReason::SelfTrade,
            4 => OutReason::Liquidation,
            5 => OutReason::OutsideBand,
            _ => OutReason::Evicted,
        }
    }
}

/// One queued event.
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct FillEvent {
    /// [`FillEventKind`] as a byte.
    pub kind: u8,
    /// The maker order's side, [`crate::state::Side`] as a byte.
    pub maker_side: u8,
    /// The maker order's slot in the maker's `orders` array.
    pub maker_slot: u8,
    /// Non-zero when the maker order has left the book (fully filled or out).
    pub maker_out: u8,
    /// [`OutReason`] for `Out` events.
    pub out_reason: u8,
    /// Explicit padding.
    pub padding: [u8; 3],
    /// The maker's margin account.
    pub maker: Pubkey,
    /// The taker's margin account (default for `Out`).
    pub taker: Pubkey,
    /// The maker order's id.
    pub maker_order_id: u64,
    /// The maker order's client id.
    pub maker_client_order_id: u64,
    /// Fill price (the maker's limit), quote lots per base lot.
    pub price_lots: i64,
    /// Base lots filled (`Out`: the lots that left the book).
    pub base_lots: i64,
    /// Maker fee for the fill, quote native; negative is a rebate.
    pub maker_fee_native: i64,
    /// Unix time of the match.
    pub timestamp: i64,
    /// Queue sequence number.
    pub seq: u64,
    /// The market's cumulative funding index at the match, `Fixed` raw little-endian: the
    /// maker's side of the fill owes funding from here on, however late it is applied.
    pub funding_index: [u8; 16],
}

/// Why a push failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FillQueueFull;

/// The fill queue of one market; its address is recorded in the market. Created by the admin
/// at full size before listing.
#[account(zero_copy)]
#[derive(Debug)]
pub struct FillQueue {
    /// Layout version, [`FILL_QUEUE_VERSION`].
    pub version: u8,
    /// Explicit padding.
    pub padding: [u8; 7],
    /// The market.
    pub market: Pubkey,
    /// Index of the oldest event.
    pub head: u64,
    /// Number of queued events.
    pub count: u64,
    /// Sequence number of the next event pushed.
    pub next_seq: u64,
    /// Reserved for later versions.
    pub reserved: [u8; 64],
    /// The ring.
    pub events: [FillEvent; FILL_QUEUE_CAPACITY],
}

const _: () = assert!(core::mem::size_of::<FillEvent>() == 144);
const _: () = assert!(core::mem::size_of::<FillQueue>() == 128 + 144 * FILL_QUEUE_CAPACITY);
const _: () = assert!(core::mem::align_of::<FillQueue>() == 8);

impl FillQueue {
    /// Size of the account including the 8-byte discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<FillQueue>();

    /// Free places.
    pub fn free(&self) -> usize {
        FILL_QUEUE_CAPACITY.saturating_sub(self.count as usize)
    }

    /// Appends an event, stamping its sequence number.
    pub fn push(&mut self, mut event: FillEvent) -> core::result::Result<u64, FillQueueFull> {
        if self.free() == 0 {
            return Err(FillQueueFull);
        }
        let at = (self.head as usize + self.count as usize) % FILL_QUEUE_CAPACITY;
        event.seq = self.next_seq;
        self.events[at] = event;
        self.count += 1;
        self.next_seq = self.next_seq.wrapping_add(1);
        Ok(event.seq)
    }

    /// The oldest event.
    pub fn front(&self) -> Option<&FillEvent> {
        (self.count > 0).then(|| &self.events[self.head as usize % FILL_QUEUE_CAPACITY])
    }

    /// Drops the oldest event.
    pub fn pop_front(&mut self) {
        if self.count > 0 {
            self.events[self.head as usize % FILL_QUEUE_CAPACITY] = FillEvent::default();
            self.head = (self.head + 1) % FILL_QUEUE_CAPACITY as u64;
            self.count -= 1;
        }
    }

    /// The queued events, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &FillEvent> {
        (0..self.count as usize).map(move |i| &self.events[(self.head as usize + i) % FILL_QUEUE_CAPACITY])
    }
}
