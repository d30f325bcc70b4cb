//! Discovery: a `getProgramAccounts` snapshot of the exchange (filtered by account type — the
//! Anchor discriminator — and by exchange), the oracles by `getMultipleAccounts`, and the
//! cluster clock. Offsets come from the program's own structs (`offset_of!`), never by hand.

use crate::state::Registry;
use crate::tx::{Sender, TxError};
use anchor_lang::prelude::Pubkey;
use anchor_lang::Discriminator;
use keel::state::{CollateralAsset, MarginAccount, PerpMarket};
use keel_client::health::{FetchedAccount, KnownAsset, KnownMarket};
use solana_account_decoder::{UiAccountEncoding, UiDataSliceConfig};
use solana_rpc_client_api::config::{RpcAccountInfoConfig, RpcProgramAccountsConfig};
use solana_rpc_client_api::filter::{Memcmp, RpcFilterType};

/// Offset of the `exchange` field in a margin account's data.
pub const MARGIN_EXCHANGE_OFFSET: usize = 8 + core::mem::offset_of!(MarginAccount, exchange);
/// Offset of the `exchange` field in a collateral asset's data.
pub const ASSET_EXCHANGE_OFFSET: usize = 8 + core::mem::offset_of!(CollateralAsset, exchange);
/// Offset of the `exchange` field in a perp market's data.
pub const MARKET_EXCHANGE_OFFSET: usize = 8 + core::mem::offset_of!(PerpMarket, exchange);
/// Most accounts one `getMultipleAccounts` call may ask for.
pub const MULTIPLE_ACCOUNTS_MAX: usize = 100;
/// `getMultipleAccounts` calls in flight during a snapshot.
pub const FETCH_CONCURRENCY: usize = 4;

/// The filters selecting accounts of type `discriminator` and size `size` whose exchange field
/// at `offset` is `exchange`.
pub fn filters(
    discriminator: &[u8],
    size: usize,
    offset: usize,
    exchange: &Pubkey,
) -> Vec<RpcFilterType> {
    vec![
        RpcFilterType::DataSize(size as u64),
        RpcFilterType::Memcmp(Memcmp::new_raw_bytes(0, discriminator.to_vec())),
        RpcFilterType::Memcmp(Memcmp::new_raw_bytes(offset, exchange.to_bytes().to_vec())),
    ]
}

/// The margin-account filters of `exchange` (also used by `programSubscribe`).
pub fn margin_filters(exchange: &Pubkey) -> Vec<RpcFilterType> {
    filters(
        MarginAccount::DISCRIMINATOR,
        MarginAccount::SPACE,
        MARGIN_EXCHANGE_OFFSET,
        exchange,
    )
}

/// A program-accounts config with `filters`, base64.
pub fn program_config(filters: Vec<RpcFilterType>) -> RpcProgramAccountsConfig {
    RpcProgramAccountsConfig {
        filters: Some(filters),
        account_config: RpcAccountInfoConfig {
            encoding: Some(UiAccountEncoding::Base64),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Keel accounts matching `filters`, as fetched accounts.
async fn program_accounts(
    sender: &Sender,
    filters: Vec<RpcFilterType>,
) -> Result<Vec<FetchedAccount>, TxError> {
    let config = program_config(filters);
    let found = sender
        .retry("getProgramAccounts", || {
            sender
                .rpc
                .get_program_ui_accounts_with_config(&keel::ID, config.clone())
        })
        .await?;
    Ok(found
        .into_iter()
        .filter_map(|(key, ui)| {
            let data = ui.data.decode()?;
            Some(FetchedAccount {
                key,
                owner: keel::ID,
                lamports: ui.lamports,
                data,
            })
        })
        .collect())
}

/// `keys` fetched in batches of [`MULTIPLE_ACCOUNTS_MAX`], [`FETCH_CONCURRENCY`] batches in
/// flight; missing accounts are left out.
pub async fn multiple(sender: &Sender, keys: &[Pubkey]) -> Result<Vec<FetchedAccount>, TxError> {
    let mut out = Vec::with_capacity(keys.len());
    for group in keys.chunks(MULTIPLE_ACCOUNTS_MAX * FETCH_CONCURRENCY) {
        let batches: Vec<_> = group
            .chunks(MULTIPLE_ACCOUNTS_MAX)
            .map(|chunk| fetch_batch(sender, chunk))
            .collect();
        for batch in futures_util::future::join_all(batches).await {
            out.extend(batch?);
        }
    }
    Ok(out)
}

/// One `getMultipleAccounts` call.
async fn fetch_batch(sender: &Sender, chunk: &[Pubkey]) -> Result<Vec<FetchedAccount>, TxError> {
    let accounts = sender
        .retry("getMultipleAccounts", || {
            sender.rpc.get_multiple_accounts(chunk)
        })
        .await?;
    Ok(chunk
        .iter()
        .zip(accounts)
        .filter_map(|(key, a)| {
            a.map(|a| FetchedAccount {
                key: *key,
                owner: a.owner,
                lamports: a.lamports,
                data: a.data,
            })
        })
        .collect())
}

/// The addresses of Keel accounts matching `filters` (no data: a snapshot of thousands of
/// margin accounts would exceed a node's response limit), to fetch with [`multiple`].
async fn program_keys(
    sender: &Sender,
    filters: Vec<RpcFilterType>,
) -> Result<Vec<Pubkey>, TxError> {
    let mut config = program_config(filters);
    config.account_config.data_slice = Some(UiDataSliceConfig {
        offset: 0,
        length: 0,
    });
    let found = sender
        .retry("getProgramAccounts", || {
            sender
                .rpc
                .get_program_ui_accounts_with_config(&keel::ID, config.clone())
        })
        .await?;
    Ok(found.into_iter().map(|(key, _)| key).collect())
}

/// The cluster's unix time (the Clock sysvar, as the program reads it).
pub async fn cluster_time(sender: &Sender) -> Result<i64, TxError> {
    let key = solana_sdk_ids::sysvar::clock::ID;
    let data = sender
        .retry("getAccountInfo", || sender.rpc.get_account_data(&key))
        .await?;
    clock_time(&data)
}

/// The unix time in the Clock sysvar's data.
fn clock_time(data: &[u8]) -> Result<i64, TxError> {
    let clock: solana_clock::Clock = bincode::deserialize(data).map_err(|e| TxError {
        failure: crate::classify::Failure::Other,
        detail: format!("clock sysvar: {e}"),
        logs: vec![],
    })?;
    Ok(clock.unix_timestamp)
}

/// A full snapshot: the exchange, its assets and markets, their oracles, every margin account,
/// and the clock. Returns how many margin accounts were found.
pub async fn snapshot(sender: &Sender, registry: &mut Registry) -> Result<usize, TxError> {
    let exchange_key = registry.exchange_key;
    let data = sender
        .retry("getAccountInfo", || {
            sender.rpc.get_account_data(&exchange_key)
        })
        .await?;
    let exchange = keel_client::accounts::exchange(&data).ok_or_else(|| TxError {
        failure: crate::classify::Failure::Other,
        detail: format!("{exchange_key} is not a Keel exchange"),
        logs: vec![],
    })?;
    let assets = program_accounts(
        sender,
        filters(
            CollateralAsset::DISCRIMINATOR,
            8 + core::mem::size_of::<CollateralAsset>(),
            ASSET_EXCHANGE_OFFSET,
            &exchange_key,
        ),
    )
    .await?;
    let markets = program_accounts(
        sender,
        filters(
            PerpMarket::DISCRIMINATOR,
            8 + core::mem::size_of::<PerpMarket>(),
            MARKET_EXCHANGE_OFFSET,
            &exchange_key,
        ),
    )
    .await?;
    let margins = multiple(
        sender,
        &program_keys(sender, margin_filters(&exchange_key)).await?,
    )
    .await?;
    registry.exchange = Some(exchange);
    registry.assets = assets
        .iter()
        .filter_map(|f| {
            keel_client::accounts::collateral_asset(&f.data).map(|asset| KnownAsset {
                address: f.key,
                asset,
            })
        })
        .collect();
    registry.assets.sort_by_key(|a| a.asset.index);
    registry.markets = markets
        .iter()
        .filter_map(|f| {
            keel_client::accounts::perp_market(&f.data).map(|market| KnownMarket {
                address: f.key,
                market,
            })
        })
        .collect();
    registry.markets.sort_by_key(|m| m.market.index);
    for account in assets.into_iter().chain(markets) {
        registry.raw.insert(account.key, account);
    }
    for oracle in multiple(sender, &registry.oracles()).await? {
        registry.raw.insert(oracle.key, oracle);
    }
    registry.accounts.clear();
    for margin in &margins {
        registry.store_margin(margin.key, &margin.data);
    }
    registry.now = cluster_time(sender).await?;
    Ok(registry.accounts.len())
}

/// Re-fetches `account` and every account its health reads (and `extra`) in one call, with the
/// Clock sysvar, storing them; returns whether the margin account still exists.
pub async fn refresh(
    sender: &Sender,
    registry: &mut Registry,
    account: &Pubkey,
    extra: &[Pubkey],
) -> Result<bool, TxError> {
    let clock = solana_sdk_ids::sysvar::clock::ID;
    let mut keys = vec![*account];
    if let Some(margin) = registry.accounts.get(account) {
        if let Some(metas) =
            keel_client::health::health_accounts(margin, &registry.assets, &registry.markets)
        {
            keys.extend(metas.iter().map(|m| m.pubkey));
        }
    }
    keys.extend_from_slice(extra);
    keys.sort();
    keys.dedup();
    keys.push(clock);
    let fetched = multiple(sender, &keys).await?;
    let mut exists = false;
    let mut now = None;
    for f in fetched {
        if f.key == clock {
            now = Some(clock_time(&f.data)?);
        } else if f.key == *account || registry.accounts.contains_key(&f.key) {
            exists |= f.key == *account && registry.store_margin(f.key, &f.data);
            if f.key != *account {
                registry.store_margin(f.key, &f.data);
            }
        } else {
            registry.store_raw(f);
        }
    }
    if !exists {
        registry.accounts.remove(account);
    }
    registry.now = match now {
        Some(now) => now,
        None => cluster_time(sender).await?,
    };
    Ok(exists)
}
