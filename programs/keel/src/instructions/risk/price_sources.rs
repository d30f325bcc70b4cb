//! Where each entry of a health list that may use cached prices takes its price from: one
//! observation per oracle account. Each listing keeps its own cache, so a list pricing an ETH
//! collateral by a cache of one slot and an ETH-PERP bound to the same feed by a cache of
//! another would count a hedge at two ETH prices — a state that never existed. So within one
//! list, entries bound to one oracle account are priced alike:
//!
//! - an entry whose oracle is the one the instruction reads itself (the listing a step takes),
//!   or one the list already named, is read from that account, omitted or not;
//! - omitted entries on an oracle nobody read are priced by their caches, which must have been
//!   written in one slot from one publication (`cache_prices` of both in one instruction);
//! - naming an oracle after an entry was priced by its cache is refused.

use crate::error::KeelError;
use crate::oracle::OracleBinding;
use crate::risk::PriceQuote;
use crate::state::{PriceCache, MAX_COLLATERALS, MAX_PERP_POSITIONS};
use anchor_lang::prelude::*;

/// Whether a health list may omit an oracle for the asset's or market's cached price.
#[derive(Clone, Copy)]
pub enum CachedPrices<'a, 'info> {
    /// Every oracle is read.
    Refused,
    /// An oracle may be omitted when its cached price is fresh (a liquidation step's lists and
    /// the `health` view).
    Accepted {
        /// The taken listing's oracle account, which every entry bound to it is priced by.
        live_oracle: Option<&'a AccountInfo<'info>>,
    },
}

/// The one observation a list prices an oracle account by.
#[derive(Clone, Copy)]
enum Observation<'a, 'info> {
    /// Read from the account.
    Live(&'a AccountInfo<'info>),
    /// Taken from caches written in one slot from one publication.
    Cached {
        /// The slot every cache of this oracle in the list must have been written in.
        slot: u64,
        /// The publish time every cache of this oracle in the list must carry.
        published: i64,
    },
}

/// Where one entry's price comes from.
pub enum PriceSource<'a, 'info> {
    /// Read this oracle account.
    Oracle(&'a AccountInfo<'info>),
    /// The listing's cached price.
    Cached(PriceQuote),
}

/// The oracle accounts a list has priced entries by so far, each with its observation.
pub struct PriceSources<'a, 'info> {
    /// Oracle key and observation, in the order first met.
    seen: Vec<(Pubkey, Observation<'a, 'info>)>,
    /// The clock's slot, which a cache must be fresh at.
    slot: u64,
}

impl<'a, 'info> PriceSources<'a, 'info> {
    /// The sources of a list read under `cached`, at the clock's slot; `None` when every oracle
    /// is read (the clock is then not read either).
    pub fn new(cached: CachedPrices<'a, 'info>) -> Result<Option<Self>> {
        let CachedPrices::Accepted { live_oracle } = cached else {
            return Ok(None);
        };
        let mut seen = Vec::with_capacity(MAX_COLLATERALS + MAX_PERP_POSITIONS + 1);
        if let Some(oracle) = live_oracle {
            seen.push((*oracle.key, Observation::Live(oracle)));
        }
        Ok(Some(Self {
            seen,
            slot: Clock::get()?.slot,
        }))
    }

    /// The source of an entry bound to `binding` with `cache`: `given` is the oracle account
    /// the list names after it, `None` when omitted. `position` and `now` are for the log and
    /// the cache's age.
    pub fn source(
        &mut self,
        binding: &OracleBinding,
        cache: &PriceCache,
        given: Option<&'a AccountInfo<'info>>,
        now: i64,
        position: usize,
    ) -> Result<PriceSource<'a, 'info>> {
        let known = self
            .seen
            .iter()
            .find(|(key, _)| *key == binding.oracle)
            .map(|(_, observation)| *observation);
        match (given, known) {
            (Some(_), Some(Observation::Cached { .. })) => {
                crate::keel_log!(
                    "health accounts: oracle {} named at remaining account {position} after an entry bound to it was priced by its cache",
                    binding.oracle
                );
                Err(KeelError::PriceObservationsDiffer.into())
            }
            (Some(oracle), known) => {
                if known.is_none() {
                    self.seen.push((binding.oracle, Observation::Live(oracle)));
                }
                Ok(PriceSource::Oracle(oracle))
            }
            (None, Some(Observation::Live(oracle))) => Ok(PriceSource::Oracle(oracle)),
            (None, known) => {
                let quote = cache.fresh(self.slot, now, binding.config.max_age_secs);
                crate::check!(
                    quote.is_some(),
                    KeelError::PriceCacheStale,
                    "health accounts: oracle {} omitted before remaining account {position}; its cached price is from slot {}, published {}, now slot {} time {now}",
                    binding.oracle,
                    cache.slot,
                    cache.published,
                    self.slot
                );
                match known {
                    Some(Observation::Cached { slot, published }) => crate::check!(
                        (slot, published) == (cache.slot, cache.published),
                        KeelError::PriceObservationsDiffer,
                        "health accounts: oracle {} omitted before remaining account {position}: this cache holds the price published at {} read in slot {}, another entry's the one at {published} read in slot {slot}",
                        binding.oracle,
                        cache.published,
                        cache.slot
                    ),
                    _ => self.seen.push((
                        binding.oracle,
                        Observation::Cached {
                            slot: cache.slot,
                            published: cache.published,
                        },
                    )),
                }
                quote
                    .map(PriceSource::Cached)
                    .ok_or_else(|| KeelError::PriceCacheStale.into())
            }
        }
    }
}
