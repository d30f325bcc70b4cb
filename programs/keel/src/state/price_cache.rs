//! A guarded oracle price kept on the asset or market account it prices, so a liquidation's
//! health accounts can omit the oracle accounts and fit Solana's 64 account locks.

use crate::math::Fixed;
use crate::risk::PriceQuote;
use anchor_lang::prelude::*;

/// How many slots a cached price stays good for a liquidation's health accounts (~4 s at
/// 400 ms a slot): a keeper's `cache_prices` transactions, sent together, land and are
/// confirmed (2–3 slots on mainnet), then the step lands (1–2 more). 3 slots, tried first, only
/// worked where confirmation is instant: on the local node with the caches sent one after the
/// other the keeper never landed a cached step.
pub const PRICE_CACHE_MAX_SLOTS: u64 = 10;

/// The last price `cache_prices` read from the configured oracle, every guard passed, as the
/// risk engine takes it. All zero (never written, or cleared when the oracle or its guards
/// change) means none.
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
    /// The Unix time it was read at.
    pub unix_timestamp: i64,
}

const _: () = assert!(core::mem::size_of::<PriceCache>() == 64);

impl PriceCache {
    /// Stores `quote`, read in `slot` at `unix_timestamp`.
    pub fn store(&mut self, quote: &PriceQuote, slot: u64, unix_timestamp: i64) {
        self.oracle = quote.oracle.raw().to_le_bytes();
        self.init_asset = quote.init_asset.raw().to_le_bytes();
        self.init_liab = quote.init_liab.raw().to_le_bytes();
        self.slot = slot;
        self.unix_timestamp = unix_timestamp;
    }

    /// Forgets the cached price (the oracle or its guards changed).
    pub fn clear(&mut self) {
        *self = bytemuck::Zeroable::zeroed();
    }

    /// The cached price if one was stored no more than [`PRICE_CACHE_MAX_SLOTS`] before
    /// `slot` (a guarded price is always positive: a zeroed cache holds none).
    pub fn fresh(&self, slot: u64) -> Option<PriceQuote> {
        let raw = |bytes: &[u8; 16]| Fixed::from_raw(i128::from_le_bytes(*bytes));
        let oracle = raw(&self.oracle);
        let recent = slot >= self.slot && slot - self.slot <= PRICE_CACHE_MAX_SLOTS;
        (oracle.is_positive() && recent).then(|| PriceQuote {
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

    #[test]
    fn a_stored_price_is_fresh_for_max_slots_then_gone() {
        let mut cache: PriceCache = bytemuck::Zeroable::zeroed();
        assert_eq!(
            cache.fresh(0),
            None,
            "a zeroed cache holds no price, even in slot 0"
        );
        cache.store(&quote(100), 10, 1_000);
        assert_eq!(cache.fresh(10), Some(quote(100)));
        assert_eq!(cache.fresh(10 + PRICE_CACHE_MAX_SLOTS), Some(quote(100)));
        assert_eq!(cache.fresh(11 + PRICE_CACHE_MAX_SLOTS), None);
        assert_eq!(cache.fresh(9), None, "a slot before the read");
        cache.clear();
        assert_eq!(cache.fresh(10), None);
    }
}
