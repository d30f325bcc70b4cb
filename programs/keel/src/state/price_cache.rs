//! A guarded oracle price kept on the asset or market account it prices, so a liquidation's
//! health accounts can omit the oracle accounts and fit Solana's 64 account locks.

use crate::math::Fixed;
use crate::oracle::PublishedPrice;
use crate::risk::PriceQuote;
use anchor_lang::prelude::*;

/// How many slots a cached price stays good for a liquidation's health accounts (~4 s at
/// 400 ms a slot): a keeper's `cache_prices` transactions, sent together, land and are
/// confirmed (2–3 slots on mainnet), then the step lands (1–2 more). 3 slots, tried first, only
/// worked where confirmation is instant: on the local node with the caches sent one after the
/// other the keeper never landed a cached step.
pub const PRICE_CACHE_MAX_SLOTS: u64 = 10;

/// The last price `cache_prices` (or a liquidation step) read from the configured oracle,
/// every guard passed, as the risk engine takes it. All zero (never written, or cleared when
/// the oracle or its guards change) means none.
#[zero_copy]
#[derive(Debug, PartialEq, Eq)]
pub struct PriceCache {
    /// The oracle price, quote native per base native, `Fixed` raw little-endian.
    pub oracle: [u8; 16],
    /// The conservative price for assets under Init, `Fixed` raw little-endian.
    pub init_asset: [u8; 16],
    /// The conservative price for liabilities and requirements under Init, `Fixed` raw
    /// little-endian.
    pub init_liab: [u8; 16],
    /// The slot it was read in.
    pub slot: u64,
    /// When the oracle published it (Unix seconds, never after the read).
    pub published: i64,
}

const _: () = assert!(core::mem::size_of::<PriceCache>() == 64);

impl PriceCache {
    /// Stores `price`, read in `slot`.
    pub fn store(&mut self, price: &PublishedPrice, slot: u64) {
        self.oracle = price.quote.oracle.raw().to_le_bytes();
        self.init_asset = price.quote.init_asset.raw().to_le_bytes();
        self.init_liab = price.quote.init_liab.raw().to_le_bytes();
        self.slot = slot;
        self.published = price.published;
    }

    /// Forgets the cached price (the oracle or its guards changed).
    pub fn clear(&mut self) {
        *self = bytemuck::Zeroable::zeroed();
    }

    /// The cached price if it was stored no more than [`PRICE_CACHE_MAX_SLOTS`] before `slot`
    /// and, at `now`, is no older than the oracle's `max_age_secs` — what its oracle's own
    /// guard would allow: slots alone would keep a price cached before a cluster halt fresh
    /// for hours after the restart. A guarded price is always positive: a zeroed cache holds
    /// none.
    pub fn fresh(&self, slot: u64, now: i64, max_age_secs: u32) -> Option<PriceQuote> {
        let raw = |bytes: &[u8; 16]| Fixed::from_raw(i128::from_le_bytes(*bytes));
        let oracle = raw(&self.oracle);
        let recent = slot >= self.slot && slot - self.slot <= PRICE_CACHE_MAX_SLOTS;
        let young = now.saturating_sub(self.published) <= i64::from(max_age_secs);
        (oracle.is_positive() && recent && young).then(|| PriceQuote {
            oracle,
            init_asset: raw(&self.init_asset),
            init_liab: raw(&self.init_liab),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quote(oracle: i64) -> PriceQuote {
        PriceQuote {
            oracle: Fixed::from_i64(oracle),
            init_asset: Fixed::from_i64(oracle - 1),
            init_liab: Fixed::from_i64(oracle + 1),
        }
    }

    /// `quote(oracle)` as published at `published`.
    fn published(oracle: i64, published: i64) -> PublishedPrice {
        PublishedPrice {
            quote: quote(oracle),
            published,
        }
    }

    #[test]
    fn a_stored_price_is_fresh_for_max_slots_then_gone() {
        let mut cache: PriceCache = bytemuck::Zeroable::zeroed();
        assert_eq!(
            cache.fresh(0, 0, 60),
            None,
            "a zeroed cache holds no price, even in slot 0"
        );
        cache.store(&published(100, 1_000), 10);
        assert_eq!(cache.fresh(10, 1_000, 60), Some(quote(100)));
        assert_eq!(
            cache.fresh(10 + PRICE_CACHE_MAX_SLOTS, 1_004, 60),
            Some(quote(100))
        );
        assert_eq!(cache.fresh(11 + PRICE_CACHE_MAX_SLOTS, 1_004, 60), None);
        assert_eq!(cache.fresh(9, 1_000, 60), None, "a slot before the read");
        cache.clear();
        assert_eq!(cache.fresh(10, 1_000, 60), None);
    }

    #[test]
    fn a_stored_price_is_gone_once_older_than_its_oracles_max_age_whatever_the_slot() {
        let mut cache: PriceCache = bytemuck::Zeroable::zeroed();
        cache.store(&published(100, 1_000), 10);
        assert_eq!(cache.fresh(11, 1_060, 60), Some(quote(100)));
        assert_eq!(
            cache.fresh(11, 1_061, 60),
            None,
            "one slot later by the clock, a minute and a second by the time: a halted cluster's restart"
        );
        assert_eq!(cache.fresh(11, 1_001, 1), Some(quote(100)));
        assert_eq!(cache.fresh(11, 1_002, 1), None);
    }
}
