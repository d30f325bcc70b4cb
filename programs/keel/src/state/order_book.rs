//! The order book of one perp market: two fixed-capacity sides kept sorted by price-time
//! priority, best order last, so that matching takes from the end and never shifts.

use anchor_lang::prelude::*;

/// Resting orders per side of a book.
pub const BOOK_SIDE_CAPACITY: usize = 128;
/// Current layout version of [`OrderBook`].
pub const ORDER_BOOK_VERSION: u8 = 1;

/// Side of an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, AnchorSerialize, AnchorDeserialize)]
pub enum Side {
    /// Buys base.
    Bid,
    /// Sells base.
    Ask,
}

impl Side {
    /// The other side.
    pub fn opposite(self) -> Side {
        match self {
            Side::Bid => Side::Ask,
            Side::Ask => Side::Bid,
        }
    }

    /// `+1` for a bid (position grows), `−1` for an ask.
    pub fn sign(self) -> i64 {
        match self {
            Side::Bid => 1,
            Side::Ask => -1,
        }
    }

    /// The byte stored in accounts and events.
    pub fn as_u8(self) -> u8 {
        self as u8
    }

    /// From the stored byte (anything but 0 is an ask).
    pub fn from_u8(value: u8) -> Side {
        if value == 0 { Side::Bid } else { Side::Ask }
    }

    /// True when `price` (quote lots per base lot) is at least as good for a taker on this side
    /// as `limit`: a bid accepts asks at or below its limit, an ask bids at or above.
    pub fn accepts(self, price: i64, limit: i64) -> bool {
        match self {
            Side::Bid => price <= limit,
            Side::Ask => price >= limit,
        }
    }
}

/// One resting order.
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct BookOrder {
    /// The margin account that placed it.
    pub owner: Pubkey,
    /// Market-wide order id, increasing with time (the time of price-time priority).
    pub order_id: u64,
    /// The trader's own id.
    pub client_order_id: u64,
    /// Limit price, quote lots per base lot.
    pub price_lots: i64,
    /// Remaining size, base lots.
    pub base_lots: i64,
    /// Unix time from which the order is void (0 = never).
    pub expiry_ts: i64,
    /// Index of the order in the owner's `orders` array.
    pub owner_slot: u8,
    /// Explicit padding.
    pub padding: [u8; 1],
    /// Farthest from the oracle this order may fill, bps (a delegate's slippage); 0 = the
    /// market's price band only.
    pub fill_band_bps: u16,
    /// Explicit padding.
    pub padding2: [u8; 4],
}

impl BookOrder {
    /// True when the order is void at `now`.
    pub fn is_expired(&self, now: i64) -> bool {
        self.expiry_ts != 0 && now >= self.expiry_ts
    }
}

/// Why an insertion failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BookSideFull;

/// The book of one market; its address is recorded in the market. Created by the admin at
/// full size before listing (it is larger than a program may allocate in one instruction).
#[account(zero_copy)]
#[derive(Debug)]
pub struct OrderBook {
    /// Layout version, [`ORDER_BOOK_VERSION`].
    pub version: u8,
    /// Explicit padding.
    pub padding: [u8; 7],
    /// The market.
    pub market: Pubkey,
    /// Id of the next order placed.
    pub next_order_id: u64,
    /// Resting bids.
    pub bid_count: u32,
    /// Resting asks.
    pub ask_count: u32,
    /// Reserved for later versions.
    pub reserved: [u8; 64],
    /// Bids, worst first and best (highest price, then earliest) last.
    pub bids: [BookOrder; BOOK_SIDE_CAPACITY],
    /// Asks, worst first and best (lowest price, then earliest) last.
    pub asks: [BookOrder; BOOK_SIDE_CAPACITY],
}

const _: () = assert!(core::mem::size_of::<BookOrder>() == 80);
const _: () = assert!(core::mem::size_of::<OrderBook>() == 120 + 2 * 80 * BOOK_SIDE_CAPACITY);
const _: () = assert!(core::mem::align_of::<OrderBook>() == 8);

impl OrderBook {
    /// Size of the account including the 8-byte discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<OrderBook>();

    /// The resting orders of a side, worst first.
    pub fn side(&self, side: Side) -> &[BookOrder] {
        match side {
            Side::Bid => &self.bids[..self.bid_count as usize],
            Side::Ask => &self.asks[..self.ask_count as usize],
        }
    }

    /// The best resting order of a side.
    pub fn best(&self, side: Side) -> Option<&BookOrder> {
        self.side(side).last()
    }

    /// The best resting order of a side, mutable (to reduce it after a partial fill).
    pub fn best_mut(&mut self, side: Side) -> Option<&mut BookOrder> {
        let (orders, count) = self.side_parts(side);
        orders[..*count as usize].last_mut()
    }

    /// Removes and returns the best order of a side.
    pub fn pop_best(&mut self, side: Side) -> Option<BookOrder> {
        let (orders, count) = self.side_parts(side);
        let last = (*count as usize).checked_sub(1)?;
        let order = orders[last];
        orders[last] = BookOrder::default();
        *count -= 1;
        Some(order)
    }

    /// Takes the next order id.
    pub fn take_order_id(&mut self) -> u64 {
        let id = self.next_order_id;
        self.next_order_id = id.wrapping_add(1);
        id
    }

    /// Inserts `order` at its price-time place. On a full side, the worst order is evicted and
    /// returned when `order` ranks better than it; otherwise the book is left unchanged.
    pub fn insert(&mut self, side: Side, order: BookOrder) -> core::result::Result<Option<BookOrder>, BookSideFull> {
        let (orders, count) = self.side_parts(side);
        let mut evicted = None;
        if *count as usize == BOOK_SIDE_CAPACITY {
            if !ranks_before(side, &order, &orders[0]) {
                return Err(BookSideFull);
            }
            evicted = Some(orders[0]);
            orders.copy_within(1..BOOK_SIDE_CAPACITY, 0);
            *count -= 1;
        }
        let len = *count as usize;
        let at = orders[..len].partition_point(|o| ranks_before(side, &order, o));
        orders.copy_within(at..len, at + 1);
        orders[at] = order;
        *count += 1;
        Ok(evicted)
    }

    /// Removes the order with `order_id` from a side and returns it.
    pub fn remove(&mut self, side: Side, order_id: u64) -> Option<BookOrder> {
        let (orders, count) = self.side_parts(side);
        let len = *count as usize;
        let at = orders[..len].iter().position(|o| o.order_id == order_id)?;
        let order = orders[at];
        orders.copy_within(at + 1..len, at);
        orders[len - 1] = BookOrder::default();
        *count -= 1;
        Some(order)
    }

    /// The array and count of a side.
    fn side_parts(&mut self, side: Side) -> (&mut [BookOrder; BOOK_SIDE_CAPACITY], &mut u32) {
        match side {
            Side::Bid => (&mut self.bids, &mut self.bid_count),
            Side::Ask => (&mut self.asks, &mut self.ask_count),
        }
    }
}

/// True when `a` has priority over `b` on `side`: a better price, or the same price and placed
/// earlier.
pub fn ranks_before(side: Side, a: &BookOrder, b: &BookOrder) -> bool {
    let better_price = match side {
        Side::Bid => a.price_lots > b.price_lots,
        Side::Ask => a.price_lots < b.price_lots,
    };
    better_price || (a.price_lots == b.price_lots && a.order_id < b.order_id)
}
