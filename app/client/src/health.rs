//! The health-accounts order and health computed with the program's own code.
//!
//! [`health_accounts`] is the one client-side producer of the remaining-accounts list that the
//! program documents in `keel::instructions::risk::health_check`; [`health_cache`] runs the
//! program's parser, oracle guards and risk engine over fetched accounts, so a keeper or a test
//! sees exactly the numbers the program will compute.

use anchor_lang::prelude::{AccountInfo, AccountMeta, Pubkey};
use keel::instructions::risk::{load_health_cache, HealthReport};
use keel::oracle::OracleKind;
use keel::risk::HealthCache;
use keel::state::{CollateralAsset, Exchange, MarginAccount, MarketIndices, PerpMarket, QUOTE_ASSET_INDEX};

/// A listed asset as the client knows it.
#[derive(Clone, Copy, Debug)]
pub struct KnownAsset {
    /// The asset account's address.
    pub address: Pubkey,
    /// Its decoded contents.
    pub asset: CollateralAsset,
}

/// A listed perp market as the client knows it.
#[derive(Clone, Copy, Debug)]
pub struct KnownMarket {
    /// The market account's address.
    pub address: Pubkey,
    /// Its decoded contents.
    pub market: PerpMarket,
}

/// An account as fetched from a node.
#[derive(Clone, Debug)]
pub struct FetchedAccount {
    /// Address.
    pub key: Pubkey,
    /// Owner program.
    pub owner: Pubkey,
    /// Lamports.
    pub lamports: u64,
    /// Data.
    pub data: Vec<u8>,
}

/// The health accounts of `account`, in the program's order: for each in-use collateral slot,
/// the asset account and then its oracle (none for the quote asset); then for each in-use perp
/// slot, the market account and its oracle. `None` when `assets` or `markets` lacks one the
/// account uses.
pub fn health_accounts(account: &MarginAccount, assets: &[KnownAsset], markets: &[KnownMarket]) -> Option<Vec<AccountMeta>> {
    let mut metas = Vec::with_capacity(2 * (keel::state::MAX_COLLATERALS + keel::state::MAX_PERP_POSITIONS));
    for slot in account.active_collaterals() {
        let known = assets.iter().find(|a| a.asset.index == slot.asset_index)?;
        metas.push(AccountMeta::new_readonly(known.address, false));
        if known.asset.oracle_kind != OracleKind::Fixed as u8 {
            metas.push(AccountMeta::new_readonly(known.asset.oracle, false));
        }
    }
    for position in account.active_perps() {
        let known = markets.iter().find(|m| m.market.index == position.market_index)?;
        metas.push(AccountMeta::new_readonly(known.address, false));
        metas.push(AccountMeta::new_readonly(known.market.oracle, false));
    }
    Some(metas)
}

/// The health accounts of a `place_order` in `market_index`: the account as the program sees
/// it when it checks health — with the quote slot and the market's slot opened (by the
/// program's own slot functions).
pub fn trade_health_accounts(
    account: &MarginAccount,
    assets: &[KnownAsset],
    markets: &[KnownMarket],
    market_index: u16,
) -> Option<Vec<AccountMeta>> {
    health_accounts_opening(account, assets, markets, None, Some(market_index))
}

/// The health accounts of `account` as an instruction leaves it when it opens the quote slot,
/// then the slot of collateral `asset_index` and of perp market `market_index` (when given) —
/// by the program's own slot functions. A liquidator's list: `liquidate_perp` opens the
/// market, `liquidate_collateral` the asset.
pub fn health_accounts_opening(
    account: &MarginAccount,
    assets: &[KnownAsset],
    markets: &[KnownMarket],
    asset_index: Option<u16>,
    market_index: Option<u16>,
) -> Option<Vec<AccountMeta>> {
    let mut after = Box::new(*account);
    after.collateral_or_open(QUOTE_ASSET_INDEX).ok()?;
    if let Some(index) = asset_index {
        after.collateral_or_open(index).ok()?;
    }
    if let Some(index) = market_index {
        after.perp_or_open(index, MarketIndices::default()).ok()?;
    }
    health_accounts(&after, assets, markets)
}

/// Runs the program's health-account parser and risk engine over `fetched` (the accounts of
/// [`health_accounts`], in that order) at unix time `now`.
pub fn health_cache(
    exchange_key: &Pubkey,
    exchange: &Exchange,
    account: &MarginAccount,
    fetched: &mut [FetchedAccount],
    now: i64,
) -> anchor_lang::Result<Box<HealthCache>> {
    let infos = account_infos(fetched);
    keel::log::off_chain(|| load_health_cache(exchange_key, exchange, account, &infos, now))
}

/// The health report the program's `health` view would return for the same accounts.
pub fn health_report(
    exchange_key: &Pubkey,
    exchange: &Exchange,
    account: &MarginAccount,
    fetched: &mut [FetchedAccount],
    now: i64,
) -> anchor_lang::Result<HealthReport> {
    let infos = account_infos(fetched);
    keel::log::off_chain(|| {
        let cache = load_health_cache(exchange_key, exchange, account, &infos, now)?;
        Ok(HealthReport::from_cache(&cache)?)
    })
}

/// The program-side view of fetched accounts, built once per evaluation.
fn account_infos(fetched: &mut [FetchedAccount]) -> Vec<AccountInfo<'_>> {
    fetched
        .iter_mut()
        .map(|f| AccountInfo::new(&f.key, false, false, &mut f.lamports, &mut f.data, &f.owner, false))
        .collect()
}
