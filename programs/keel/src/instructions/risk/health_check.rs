//! The health check every instruction set calls, and the one remaining-accounts contract.
//!
//! # Health accounts (remaining accounts), in this order
//!
//! For every in-use collateral slot of the margin account, in slot order:
//! 1. the asset's `CollateralAsset` account, then
//! 2. the asset's oracle account — omitted for the quote asset (oracle kind `Fixed`).
//!
//! Then, for every in-use perp slot, in slot order:
//! 3. the market's `PerpMarket` account, then
//! 4. the market's oracle account.
//!
//! A liquidation step's lists (the liquidated account's and the liquidator's) and the read-only
//! `health` view's may omit an oracle
//! (2. or 4.): the entry is then priced by the asset's or market's cached price, which
//! `cache_prices` must have written within the last `PRICE_CACHE_MAX_SLOTS` slots and whose
//! oracle published it within its `max_age_secs`, or the instruction fails with `PriceCacheStale`
//! (entries bound to one oracle account are priced by one observation: see `price_sources`) — a missing price never counts as a failing one. The
//! oracle is omitted when the asset or market is followed by an account Keel owns (the next
//! asset or market) or ends the list; any other account there is read as its oracle (a wrong
//! one refused as always). Every instruction that changes an account for its owner (`withdraw`,
//! `place_order`) reads every oracle, and so does `liquidation_cancel_orders`: its one list
//! always fits, and a price cached in a dip must not take a recovered account's orders.
//!
//! Each asset or market account must be owned by this program, carry its discriminator, belong
//! to the same exchange and have the index of its slot; each oracle must be the configured one.
//! Trading instructions open the quote slot and the traded market's slot before reading these,
//! so the list describes the account as the trade will leave it (see the client's
//! `trade_health_accounts`). A missing, extra, foreign or out-of-order account is
//! refused with its own error and a log line naming the position. The Rust client's
//! `health_accounts` produces exactly this list.
//!
//! Instructions that mutate an asset also passed here must release their borrow of it first.

use crate::error::KeelError;
use crate::instructions::risk::adverse_perp_risk;
use crate::math::{Fixed, Rounding};
use crate::oracle::{read_price_last_published, read_price_lenient, OracleBinding, OracleKind};
use crate::risk::{CollateralRisk, HealthCache, HealthComponents, HealthKind, PerpRisk, PriceQuote};
use crate::instructions::risk::price_sources::{CachedPrices, PriceSource, PriceSources};
use crate::state::{zero_copy_ref, CollateralAsset, Exchange, MarginAccount, PerpMarket, PerpPosition, PriceCache, Side};
use anchor_lang::prelude::*;
use core::cell::Ref;

/// Reads the health accounts of `account` from `remaining` into a cache, checking each one;
/// every price must pass its guards.
pub fn load_health_cache<'a, 'info>(
    exchange_key: &Pubkey,
    exchange: &Exchange,
    account: &MarginAccount,
    remaining: &'a [AccountInfo<'info>],
    now: i64,
) -> Result<Box<HealthCache>> {
    load_strict(exchange_key, exchange, account, remaining, now, CachedPrices::Refused)
}

/// Like [`load_health_cache`], but a price that fails its guards (stale, too uncertain…) is
/// entered as zero and its error returned beside the cache instead of failing. Such a cache is
/// only good for comparing two states that differ in entries with valid prices: the entries
/// with a failed price contribute the same to both. Account identity (owner, discriminator,
/// order, oracle key, feed id) is still checked strictly.
pub fn load_health_cache_lenient<'a, 'info>(
    exchange_key: &Pubkey,
    exchange: &Exchange,
    account: &MarginAccount,
    remaining: &'a [AccountInfo<'info>],
    now: i64,
) -> Result<(Box<HealthCache>, Option<KeelError>)> {
    load_with(exchange_key, exchange, account, remaining, now, read_price_lenient, OnPriceFailure::Report, CachedPrices::Refused)
}

/// [`load_health_cache`] where oracles may be omitted for fresh cached prices (see the module
/// doc): a liquidator's own check after a step (`live_oracle`: the taken listing's) and the
/// `health` view. Every price must pass its guards.
pub fn load_health_cache_or_cached<'a, 'info>(
    exchange_key: &Pubkey,
    exchange: &Exchange,
    account: &MarginAccount,
    remaining: &'a [AccountInfo<'info>],
    now: i64,
    live_oracle: Option<&'a AccountInfo<'info>>,
) -> Result<Box<HealthCache>> {
    load_strict(exchange_key, exchange, account, remaining, now, CachedPrices::Accepted { live_oracle })
}

/// Reads the health accounts, every price required to pass its guards.
fn load_strict<'a, 'info>(
    exchange_key: &Pubkey,
    exchange: &Exchange,
    account: &MarginAccount,
    remaining: &'a [AccountInfo<'info>],
    now: i64,
    cached: CachedPrices<'a, 'info>,
) -> Result<Box<HealthCache>> {
    let (cache, price_error) = load_with(exchange_key, exchange, account, remaining, now, read_price_lenient, OnPriceFailure::Report, cached)?;
    match price_error {
        Some(error) => Err(error.into()),
        None => Ok(cache),
    }
}

/// The health cache a liquidation decides on; no oracle failure refuses it. A price that is
/// only stale — by at most `STALE_GRACE_SECS` beyond its max age — counts at its last published
/// value; any other failed guard values the entry against the account: a collateral balance
/// at zero, a perp position by [`adverse_perp_risk`]. Account identity (owner, discriminator,
/// order, oracle key, feed id) is still checked strictly; an omitted oracle needs a fresh
/// cached price where `cached` accepts one (a step's lists: the liquidated market's or asset's
/// own price is read fresh by the instruction) and is refused otherwise.
pub fn load_health_cache_for_liquidation<'a, 'info>(
    exchange_key: &Pubkey,
    exchange: &Exchange,
    account: &MarginAccount,
    remaining: &'a [AccountInfo<'info>],
    now: i64,
    cached: CachedPrices<'a, 'info>,
) -> Result<Box<HealthCache>> {
    let (cache, _) = load_with(
        exchange_key,
        exchange,
        account,
        remaining,
        now,
        read_price_last_published,
        OnPriceFailure::AgainstAccount,
        cached,
    )?;
    Ok(cache)
}

/// How one oracle is read: [`read_price_lenient`] or [`read_price_last_published`].
type PriceReader = fn(&AccountInfo, &OracleBinding, u8, i64) -> Result<core::result::Result<PriceQuote, KeelError>>;

/// What an entry whose price fails its guards becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OnPriceFailure {
    /// Priced at zero, the first error reported beside the cache.
    Report,
    /// Valued against the account (a liquidation's decision): collateral at zero, a perp
    /// position at the adverse edge of the band around its market's last valid price.
    AgainstAccount,
}

/// Reads the health accounts with `read`; an entry whose price fails is handled by `on_failure`.
#[allow(clippy::too_many_arguments)]
fn load_with<'a, 'info>(
    exchange_key: &Pubkey,
    exchange: &Exchange,
    account: &MarginAccount,
    remaining: &'a [AccountInfo<'info>],
    now: i64,
    read: PriceReader,
    on_failure: OnPriceFailure,
    cached: CachedPrices<'a, 'info>,
) -> Result<(Box<HealthCache>, Option<KeelError>)> {
    let mut cache = Box::new(HealthCache::new());
    let mut price_error = None;
    let mut cursor = HealthAccounts { accounts: remaining, position: 0 };
    let mut sources = PriceSources::new(cached)?;
    let mut read_next = |cursor: &mut HealthAccounts<'a, 'info>,
                         binding: &OracleBinding,
                         price_cache: &PriceCache|
     -> Result<core::result::Result<PriceQuote, KeelError>> {
        if binding.kind == OracleKind::Fixed {
            return Ok(Ok(PriceQuote::ONE));
        }
        let Some(sources) = sources.as_mut() else {
            return read(cursor.next("oracle")?, binding, exchange.quote_decimals, now);
        };
        // An oracle is never owned by Keel: the next asset or market (or the list's end) means
        // this one's oracle was omitted.
        let omitted = cursor.peek_owner().is_none_or(|owner| *owner == crate::ID);
        let given = if omitted { None } else { Some(cursor.next("oracle")?) };
        match sources.source(binding, price_cache, given, now, cursor.position)? {
            PriceSource::Oracle(oracle) => read(oracle, binding, exchange.quote_decimals, now),
            PriceSource::Cached(quote) => Ok(Ok(quote)),
        }
    };
    for slot in account.active_collaterals() {
        let asset = cursor.next_listed::<CollateralAsset>(exchange_key, slot.asset_index)?;
        // Interest counts at once: the balance at the indices accrued to now.
        let balance = asset.indices_at(now)?.native(slot.units)?;
        // A failed collateral price counts zero either way (only the quote asset, which has no
        // oracle, can be negative); the lenient reading also reports it.
        let prices = read_next(&mut cursor, &asset_oracle_binding(&asset)?, &asset.price_cache)?.unwrap_or_else(|e| {
            if on_failure == OnPriceFailure::Report {
                price_error.get_or_insert(e);
            }
            PriceQuote::default()
        });
        let pushed = cache.push_collateral(CollateralRisk {
            asset_index: slot.asset_index,
            balance,
            prices,
            asset_weights: asset.asset_weights(),
            liability_weights: asset.liability_weights(),
        });
        crate::check!(pushed, KeelError::HealthAccountUnexpected);
    }
    for position in account.active_perps() {
        let market = cursor.next_listed::<PerpMarket>(exchange_key, position.market_index)?;
        let perp = match (read_next(&mut cursor, &market.oracle_binding()?, &market.price_cache)?, on_failure) {
            (Ok(prices), _) => perp_risk(account, position, &market, prices)?,
            (Err(e), OnPriceFailure::AgainstAccount) => adverse_perp_risk(account, position, &market, e)?,
            (Err(e), OnPriceFailure::Report) => {
                price_error.get_or_insert(e);
                perp_risk(account, position, &market, PriceQuote::default())?
            }
        };
        let pushed = cache.push_perp(perp);
        crate::check!(pushed, KeelError::HealthAccountUnexpected);
    }
    crate::check!(
        cursor.position == remaining.len(),
        KeelError::HealthAccountUnexpected,
        "health accounts: expected {} remaining accounts, got {}",
        cursor.position,
        remaining.len()
    );
    Ok((cache, price_error))
}

/// A position as the risk engine takes it, with funding not yet settled counted in, and its
/// resting orders (including lots filled but not yet applied by the crank) priced at their
/// side's worst price: every bid lot at the highest bid of the account in this market and never
/// below the oracle, every ask lot at the lowest ask and never above the oracle. Partial fills
/// are then linear in cash, so the risk engine's corners bound them, and an order far from the
/// oracle never counts as a windfall.
pub fn perp_risk(account: &MarginAccount, position: &PerpPosition, market: &PerpMarket, prices: PriceQuote) -> Result<PerpRisk> {
    let funding = position.pending_settlement(market.indices())?;
    // quote native per base lot
    let oracle_per_lot = prices.oracle.mul_down(Fixed::from_i64(market.base_lot_size))?;
    let mut highest_bid = oracle_per_lot.to_i64(Rounding::Up)?;
    let mut lowest_ask = oracle_per_lot.to_i64(Rounding::Down)?;
    for order in account.orders.iter().filter(|o| o.is_in_use() && o.market_index == position.market_index) {
        let price = market.notional(1, order.price_lots)?;
        match order.side() {
            Side::Bid => highest_bid = highest_bid.max(price),
            Side::Ask => lowest_ask = lowest_ask.min(price),
        }
    }
    let worst = |lots: i64, price: i64| lots.checked_mul(price).ok_or(KeelError::MathOverflow);
    Ok(PerpRisk {
        market_index: position.market_index,
        base_lot_size: market.base_lot_size,
        base_lots: position.base_lots,
        // Gains the PnL pool owes count as PnL (weighted like any positive PnL in Init).
        quote_native: position
            .quote_native
            .checked_add(funding)
            .and_then(|q| q.checked_add(position.pnl_owed_native))
            .ok_or(KeelError::MathOverflow)?,
        bids_base_lots: position.bids_base_lots,
        bids_quote_native: worst(position.bids_base_lots, highest_bid)?,
        asks_base_lots: position.asks_base_lots,
        asks_quote_native: worst(position.asks_base_lots, lowest_ask)?,
        prices,
        margin: market.margin_ratios(),
        pnl_init_weight: Fixed::from_bps(market.pnl_init_weight_bps as u32),
    })
}

/// The oracle binding of a listed asset.
pub fn asset_oracle_binding(asset: &CollateralAsset) -> Result<OracleBinding> {
    Ok(OracleBinding {
        kind: asset.oracle_kind()?,
        oracle: asset.oracle,
        feed_id: asset.feed_id,
        config: asset.oracle_config(),
        base_decimals: asset.decimals,
    })
}

/// Requires `health_Init ≥ 0`, logging the numbers when it is not. Returns the components.
pub fn require_init_health(cache: &HealthCache, action: &str) -> Result<HealthComponents> {
    require_init_health_or(cache, action, KeelError::InitHealthNegative)
}

/// [`require_init_health`] failing with `error`.
pub fn require_init_health_or(cache: &HealthCache, action: &str, error: KeelError) -> Result<HealthComponents> {
    let components = cache.components(HealthKind::Init)?;
    let health = components.health()?;
    crate::check!(
        !health.is_negative(),
        error,
        "{action}: init health would be {health} (weighted assets {}, weighted liabilities {}, perp pnl {}, perp requirements {}; quote native)",
        components.assets,
        components.liabilities,
        components.perp_pnl,
        components.perp_requirements
    );
    Ok(components)
}

/// A cursor over the remaining accounts.
struct HealthAccounts<'a, 'info> {
    accounts: &'a [AccountInfo<'info>],
    position: usize,
}

impl<'a, 'info> HealthAccounts<'a, 'info> {
    /// The owner of the next account, if there is one (not consumed).
    fn peek_owner(&self) -> Option<&'a Pubkey> {
        self.accounts.get(self.position).map(|info| info.owner)
    }

    /// The next account, or `HealthAccountMissing` naming what was expected.
    fn next(&mut self, what: &str) -> Result<&'a AccountInfo<'info>> {
        let account = self.accounts.get(self.position);
        crate::check!(
            account.is_some(),
            KeelError::HealthAccountMissing,
            "health accounts: expected {what} at remaining account {}",
            self.position
        );
        self.position += 1;
        account.ok_or_else(|| error!(KeelError::HealthAccountMissing))
    }

    /// The next account as the listed `T` (collateral asset or perp market) with `index` of
    /// this exchange.
    /// Read in place (a borrow of the account's data, never a copy).
    fn next_listed<T: Listed>(&mut self, exchange_key: &Pubkey, index: u16) -> Result<Ref<'a, T>> {
        let position = self.position;
        let info = self.next(T::WHAT)?;
        let listed = (*info.owner == crate::ID)
            .then(|| info.try_borrow_data().ok())
            .flatten()
            .and_then(|data| Ref::filter_map(data, |data| zero_copy_ref::<T>(data)).ok());
        crate::check!(
            matches!(&listed, Some(l) if l.exchange() == *exchange_key),
            KeelError::HealthAccountInvalid,
            "health accounts: remaining account {position} ({}) is not a {} of this exchange",
            info.key,
            T::WHAT
        );
        let listed = listed.ok_or(KeelError::HealthAccountInvalid)?;
        crate::check!(
            listed.index() == index,
            KeelError::HealthAccountMismatch,
            "health accounts: remaining account {position} is {} {}, expected {index}",
            T::WHAT,
            listed.index()
        );
        Ok(listed)
    }
}

/// An account listed on an exchange under an index: what the health accounts carry.
trait Listed: anchor_lang::ZeroCopy + anchor_lang::Discriminator {
    /// What it is, for logs.
    const WHAT: &'static str;
    /// Its exchange.
    fn exchange(&self) -> Pubkey;
    /// Its index on the exchange.
    fn index(&self) -> u16;
}

impl Listed for CollateralAsset {
    const WHAT: &'static str = "collateral asset";
    fn exchange(&self) -> Pubkey {
        self.exchange
    }
    fn index(&self) -> u16 {
        self.index
    }
}

impl Listed for PerpMarket {
    const WHAT: &'static str = "perp market";
    fn exchange(&self) -> Pubkey {
        self.exchange
    }
    fn index(&self) -> u16 {
        self.index
    }
}
