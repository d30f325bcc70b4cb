//! `cache_prices` (permissionless): reads the oracles of some collateral assets and perp
//! markets, every guard applied, and keeps each guarded price on the account it prices
//! ([`PriceCache`]). For [`PRICE_CACHE_MAX_SLOTS`](crate::state::PRICE_CACHE_MAX_SLOTS) slots a
//! liquidation's health accounts may then omit those oracles (see
//! [`health_check`](crate::instructions::risk::health_check)): two full accounts on different
//! assets and markets need 96 oracle and listing accounts, more than a transaction may lock.
//!
//! Remaining accounts: pairs of a writable collateral asset or perp market of the exchange and
//! its configured oracle, each listing once. The quote asset has a fixed price and no oracle,
//! so it is refused.

use crate::error::KeelError;
use crate::instructions::risk::asset_oracle_binding;
use crate::oracle::{read_price_published, OracleBinding, OracleKind};
use crate::state::{CollateralAsset, Exchange, PerpMarket, PriceCache};
use anchor_lang::prelude::*;

/// Accounts of `cache_prices`.
#[derive(Accounts)]
pub struct CachePrices<'info> {
    /// The exchange (its quote decimals scale the prices).
    pub exchange: AccountLoader<'info, Exchange>,
}

impl<'info> CachePrices<'info> {
    /// Reads and caches the price of every (asset or market, oracle) pair.
    pub fn handler(ctx: Context<'info, Self>) -> Result<()> {
        let clock = Clock::get()?;
        let exchange_key = ctx.accounts.exchange.key();
        let quote_decimals = ctx.accounts.exchange.load()?.quote_decimals;
        let pairs = ctx.remaining_accounts;
        crate::check!(
            !pairs.is_empty() && pairs.len().is_multiple_of(2),
            KeelError::PriceNotCacheable,
            "cache_prices: {} remaining accounts, expected pairs of a listing and its oracle",
            pairs.len()
        );
        for (i, pair) in pairs.chunks_exact(2).enumerate() {
            let (listed, oracle) = (&pair[0], &pair[1]);
            // Each listing once: a repeat would only re-read its oracle, holding the listing's
            // write lock for nothing.
            crate::check!(
                pairs.chunks_exact(2).take(i).all(|earlier| earlier[0].key != listed.key),
                KeelError::PriceNotCacheable,
                "cache_prices: {} appears twice",
                listed.key
            );
            let cache = |binding: &OracleBinding, cache: &mut PriceCache| -> Result<()> {
                crate::check!(
                    binding.kind != OracleKind::Fixed,
                    KeelError::PriceNotCacheable
                );
                let price = read_price_published(oracle, binding, quote_decimals, clock.unix_timestamp)?;
                cache.store(&price, clock.slot);
                Ok(())
            };
            if let Ok(loader) = AccountLoader::<CollateralAsset>::try_from(listed) {
                let mut asset = loader.load_mut()?;
                crate::check!(asset.exchange == exchange_key, KeelError::ExchangeMismatch);
                let binding = asset_oracle_binding(&asset)?;
                cache(&binding, &mut asset.price_cache)?;
            } else if let Ok(loader) = AccountLoader::<PerpMarket>::try_from(listed) {
                let mut market = loader.load_mut()?;
                crate::check!(market.exchange == exchange_key, KeelError::ExchangeMismatch);
                let binding = market.oracle_binding()?;
                cache(&binding, &mut market.price_cache)?;
            } else {
                crate::keel_log!(
                    "cache_prices: {} is not a collateral asset or perp market of Keel",
                    listed.key
                );
                return err!(KeelError::PriceNotCacheable);
            }
        }
        Ok(())
    }
}
