//! The keeper's address lookup table: the one configured with `--lookup-table`, or else one of
//! the keeper's own tables found at start-up ([`find_own`], [`choose_table`]), or else a new one
//! created then, holding the exchange's shared addresses
//! ([`keel_client::lookup_table::exchange_addresses`]: the exchange, its insurance fund and
//! vault, the programs, every asset, vault, mint and oracle, every market, book, fill queue and
//! oracle), extended when a snapshot finds new listings, and installed in the [`Sender`] once
//! its addresses are active (the slot after their extension): from then on every transaction the
//! keeper sends is v0 ([`crate::tx::compile`]).
//!
//! The table's own transactions (create, extend) are compiled without it.

mod plan;

pub use plan::{
    choose_table, extend_instructions, newest_slot_hash, upkeep, Reused, Unextendable, Upkeep,
    EXTEND_CHUNK,
};

use crate::classify::Failure;
use crate::state::Registry;
use crate::tx::{Sender, TxError};
use anchor_lang::prelude::Pubkey;
use keel_client::lookup_table::{self as alt, AddressLookupTableAccount, TableState};
use solana_account_decoder::UiAccountEncoding;
use solana_rpc_client_api::config::{RpcAccountInfoConfig, RpcProgramAccountsConfig};
use solana_rpc_client_api::filter::{Memcmp, RpcFilterType};
use solana_signer::Signer;
use std::time::{Duration, Instant};

/// The longest the keeper waits for a table's addresses to become active; past it the active
/// part is used and the rest picked up at the next snapshot.
pub const ACTIVATION_TIMEOUT: Duration = Duration::from_secs(20);
/// Time between two activation checks.
pub const ACTIVATION_POLL: Duration = Duration::from_millis(50);

/// What one upkeep of the table did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upkept {
    /// Addresses appended.
    pub added: usize,
    /// Shared addresses still not in the table (with the reason, if any).
    pub missing: Option<(usize, Unextendable)>,
    /// Addresses installed in the sender (active ones).
    pub active: usize,
}

/// Opens the keeper's table at start-up: `configured`; or else the keeper's own table that
/// [`choose_table`] picks among those [`find_own`] finds (logged); or else — none found, none
/// with room, or the RPC refusing the search (a warning) — a new one whose authority is the
/// keeper. Brings it up to date with `registry`'s listings and installs it once active.
/// A configured table that is not a lookup table, or is deactivated, is an error.
pub async fn open(
    sender: &Sender,
    registry: &Registry,
    configured: Option<Pubkey>,
) -> Result<(Pubkey, Upkept), TxError> {
    let key = match configured {
        Some(key) => {
            if fetch(sender, &key).await?.deactivation_slot != u64::MAX {
                return Err(other(format!("lookup table {key} is deactivated")));
            }
            key
        }
        None => match reusable(sender, registry).await {
            Some(key) => key,
            None => {
                let key = create(sender).await?;
                tracing::info!(table = %key, "created the keeper's address lookup table");
                key
            }
        },
    };
    let upkept = maintain(sender, registry, &key).await?;
    Ok((key, upkept))
}

/// The keeper's table to reuse, if [`find_own`] finds one that [`choose_table`] accepts; a
/// refused search is a warning (and `None`).
async fn reusable(sender: &Sender, registry: &Registry) -> Option<Pubkey> {
    let signer = sender.payer.pubkey();
    let tables = match find_own(sender).await {
        Ok(tables) => tables,
        Err(err) => {
            tracing::warn!(detail = err.detail, "could not look for the keeper's existing lookup tables (getProgramAccounts on the lookup-table program); creating a new one");
            return None;
        }
    };
    let wanted =
        alt::exchange_addresses(&registry.exchange_key, &registry.assets, &registry.markets);
    match choose_table(&tables, &signer, &wanted) {
        Some(Reused { state, held }) => {
            tracing::info!(
                table = %state.table.key,
                held,
                shared = wanted.len(),
                addresses = state.table.addresses.len(),
                found = tables.len(),
                "reusing the keeper's address lookup table"
            );
            Some(state.table.key)
        }
        None => {
            tracing::info!(
                found = tables.len(),
                "no reusable address lookup table of the keeper's"
            );
            None
        }
    }
}

/// The filters selecting the lookup tables whose authority is `authority` and whose
/// deactivation has not begun (layout in [`alt::AUTHORITY_OFFSET`]).
pub fn own_table_filters(authority: &Pubkey) -> Vec<RpcFilterType> {
    vec![
        RpcFilterType::Memcmp(Memcmp::new_raw_bytes(0, alt::LOOKUP_TABLE_TAG.to_vec())),
        RpcFilterType::Memcmp(Memcmp::new_raw_bytes(
            alt::DEACTIVATION_SLOT_OFFSET,
            alt::NOT_DEACTIVATED.to_vec(),
        )),
        RpcFilterType::Memcmp(Memcmp::new_raw_bytes(
            alt::AUTHORITY_OFFSET,
            alt::authority_bytes(authority),
        )),
    ]
}

/// The lookup tables whose authority is the keeper and whose deactivation has not begun, by
/// `getProgramAccounts` on the lookup-table program ([`own_table_filters`]). Some providers
/// refuse that method for that program: an error.
pub async fn find_own(sender: &Sender) -> Result<Vec<TableState>, TxError> {
    let config = RpcProgramAccountsConfig {
        filters: Some(own_table_filters(&sender.payer.pubkey())),
        account_config: RpcAccountInfoConfig {
            encoding: Some(UiAccountEncoding::Base64),
            ..Default::default()
        },
        ..Default::default()
    };
    let program = solana_sdk_ids::address_lookup_table::ID;
    let found = sender
        .retry("getProgramAccounts", || {
            sender
                .rpc
                .get_program_ui_accounts_with_config(&program, config.clone())
        })
        .await?;
    Ok(found
        .into_iter()
        .filter_map(|(key, ui)| alt::decode_state(&key, &ui.data.decode()?))
        .collect())
}

/// Creates a table of the keeper (authority and payer) derived from the newest slot of the
/// `SlotHashes` sysvar; returns its address.
async fn create(sender: &Sender) -> Result<Pubkey, TxError> {
    let sysvar = solana_sdk_ids::sysvar::slot_hashes::ID;
    let data = sender
        .retry("getAccountInfo", || sender.rpc.get_account_data(&sysvar))
        .await?;
    let slot = newest_slot_hash(&data).ok_or_else(|| other("the SlotHashes sysvar is empty"))?;
    let signer = sender.payer.pubkey();
    let (ix, key) = alt::create(&signer, &signer, slot);
    sender.without_table().simulate_and_send(&[ix]).await?;
    Ok(key)
}

/// The table at `key` as the node holds it.
pub async fn fetch(sender: &Sender, key: &Pubkey) -> Result<TableState, TxError> {
    let data = sender
        .retry("getAccountInfo", || sender.rpc.get_account_data(key))
        .await?;
    alt::decode_state(key, &data)
        .ok_or_else(|| other(format!("{key} is not an address lookup table")))
}

/// Appends the shared addresses of `registry`'s listings the table lacks (when the keeper is
/// its authority), waits for them to be active and installs the table in `sender`.
pub async fn maintain(
    sender: &Sender,
    registry: &Registry,
    key: &Pubkey,
) -> Result<Upkept, TxError> {
    let state = fetch(sender, key).await?;
    let wanted =
        alt::exchange_addresses(&registry.exchange_key, &registry.assets, &registry.markets);
    let signer = sender.payer.pubkey();
    let (added, missing) = match upkeep(&state, &signer, &wanted) {
        Upkeep::Complete => (0, None),
        Upkeep::Extend {
            addresses,
            left_out,
        } => {
            let plain = sender.without_table();
            for ix in extend_instructions(key, &signer, &addresses) {
                plain.simulate_and_send(&[ix]).await?;
            }
            let missing = (left_out > 0).then_some((left_out, Unextendable::Full));
            (addresses.len(), missing)
        }
        Upkeep::Cannot { missing, why } => (0, Some((missing, why))),
    };
    let active = activate(sender, key).await?;
    Ok(Upkept {
        added,
        missing,
        active,
    })
}

/// Waits (up to [`ACTIVATION_TIMEOUT`]) until every address of the table at `key` resolves at
/// the node's slot, then installs the active ones in `sender`; returns how many.
async fn activate(sender: &Sender, key: &Pubkey) -> Result<usize, TxError> {
    let deadline = Instant::now() + ACTIVATION_TIMEOUT;
    loop {
        // The slot first: a table read after it is at least as new, so never taken as more
        // active than it is.
        let slot = sender.retry("getSlot", || sender.rpc.get_slot()).await?;
        let state = fetch(sender, key).await?;
        let done = state.fully_active(slot) || state.deactivation_slot != u64::MAX;
        if done || Instant::now() >= deadline {
            let addresses = state.active_addresses(slot).to_vec();
            let active = addresses.len();
            sender.set_table(AddressLookupTableAccount {
                key: *key,
                addresses,
            });
            return Ok(active);
        }
        tokio::time::sleep(ACTIVATION_POLL).await;
    }
}

fn other(detail: impl ToString) -> TxError {
    TxError {
        failure: Failure::Other,
        detail: detail.to_string(),
        logs: vec![],
    }
}

/// Logs what an upkeep of `table` did: additions and the installed size at info, addresses
/// that could not be added at warn at start-up (`at_start`) and at debug afterwards.
pub fn report(table: &Pubkey, upkept: &Upkept, at_start: bool) {
    if upkept.added > 0 || at_start {
        tracing::info!(%table, added = upkept.added, active = upkept.active, "address lookup table ready");
    }
    if let Some((missing, why)) = upkept.missing {
        if at_start {
            tracing::warn!(%table, missing, ?why, "shared addresses not in the lookup table (they stay in the messages)");
        } else {
            tracing::debug!(%table, missing, ?why, "shared addresses not in the lookup table");
        }
    }
}
