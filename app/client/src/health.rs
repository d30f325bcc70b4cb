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
use keel::state::{CollateralAsset, Exchange, MarginAccount};

/// A listed asset as the client knows it.
#[derive(Clone, Copy, Debug)]
pub struct KnownAsset {
    /// The asset account's address.
    pub address: Pubkey,
    /// Its decoded contents.
    pub asset: CollateralAsset,
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
/// the asset account and then its oracle (none for the quote asset). `None` when `assets`
/// lacks an asset the account holds.
pub fn health_accounts(account: &MarginAccount, assets: &[KnownAsset]) -> Option<Vec<AccountMeta>> {
    let mut metas = Vec::with_capacity(2 * keel::state::MAX_COLLATERALS);
    for slot in account.active_collaterals() {
        let known = assets.iter().find(|a| a.asset.index == slot.asset_index)?;
        metas.push(AccountMeta::new_readonly(known.address, false));
        if known.asset.oracle_kind != OracleKind::Fixed as u8 {
            metas.push(AccountMeta::new_readonly(known.asset.oracle, false));
        }
    }
    Some(metas)
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
    let infos: Vec<AccountInfo> = fetched
        .iter_mut()
        .map(|f| AccountInfo::new(&f.key, false, false, &mut f.lamports, &mut f.data, &f.owner, false))
        .collect();
    load_health_cache(exchange_key, exchange, account, &infos, now)
}

/// The health report the program's `health` view would return for the same accounts.
pub fn health_report(
    exchange_key: &Pubkey,
    exchange: &Exchange,
    account: &MarginAccount,
    fetched: &mut [FetchedAccount],
    now: i64,
) -> anchor_lang::Result<HealthReport> {
    let cache = health_cache(exchange_key, exchange, account, fetched, now)?;
    Ok(HealthReport::from_cache(&cache)?)
}
