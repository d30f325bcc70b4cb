//! `--state DIR`: the node's accounts kept across restarts. On exit the node writes every
//! account a transaction or the operator created (not the runtime's own: programs, program
//! data, sysvars) to `DIR/accounts.json`; on start it writes them back before serving, so an
//! exchange deployed once is there after a restart. Clock and history start afresh.

use super::Chain;
use crate::error::NodeError;
use anchor_lang::prelude::Pubkey;
use base64::Engine;
use serde::{Deserialize, Serialize};
use solana_account::{AccountSharedData, ReadableAccount};
use std::path::Path;

/// The file in the state directory.
pub const STATE_FILE: &str = "accounts.json";

/// One account as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAccount {
    /// Address, base58.
    pub key: String,
    /// Lamports.
    pub lamports: u64,
    /// Owner program, base58.
    pub owner: String,
    /// Rent epoch.
    pub rent_epoch: u64,
    /// Data, base64.
    pub data: String,
}

/// True for accounts the runtime sets up itself on every start.
fn is_runtime_account(account: &AccountSharedData) -> bool {
    let owner = account.owner();
    account.executable()
        || *owner == solana_sdk_ids::sysvar::ID
        || *owner == solana_sdk_ids::native_loader::ID
        || *owner == solana_sdk_ids::bpf_loader_upgradeable::ID
        || *owner == solana_sdk_ids::bpf_loader::ID
}

impl Chain {
    /// Every account worth keeping, sorted by address.
    pub fn snapshot(&self) -> Vec<StoredAccount> {
        let mut accounts: Vec<StoredAccount> = self
            .svm
            .accounts_db()
            .inner
            .iter()
            .filter(|(_, a)| a.lamports() > 0 && !is_runtime_account(a))
            .map(|(key, a)| StoredAccount {
                key: key.to_string(),
                lamports: a.lamports(),
                owner: a.owner().to_string(),
                rent_epoch: a.rent_epoch(),
                data: base64::engine::general_purpose::STANDARD.encode(a.data()),
            })
            .collect();
        accounts.sort_by(|a, b| a.key.cmp(&b.key));
        accounts
    }

    /// Writes `accounts` back (telling subscribers); returns how many.
    pub fn restore(&mut self, accounts: &[StoredAccount]) -> Result<usize, NodeError> {
        let bad =
            |what: &str, key: &str| NodeError::Startup(format!("state: account {key}: bad {what}"));
        let mut decoded = Vec::with_capacity(accounts.len());
        for stored in accounts {
            let key: Pubkey = stored
                .key
                .parse()
                .map_err(|_| bad("address", &stored.key))?;
            let owner: Pubkey = stored
                .owner
                .parse()
                .map_err(|_| bad("owner", &stored.key))?;
            let data = base64::engine::general_purpose::STANDARD
                .decode(&stored.data)
                .map_err(|_| bad("data", &stored.key))?;
            let account = solana_account::Account {
                lamports: stored.lamports,
                data,
                owner,
                executable: false,
                rent_epoch: stored.rent_epoch,
            };
            decoded.push((key, AccountSharedData::from(account)));
        }
        let count = decoded.len();
        self.write_accounts(decoded);
        Ok(count)
    }
}

/// Writes `accounts` to `dir/accounts.json` (through a temporary file, so a crash mid-write
/// keeps the previous state).
pub fn save(dir: &Path, accounts: &[StoredAccount]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!("{STATE_FILE}.tmp"));
    std::fs::write(
        &tmp,
        serde_json::to_vec(accounts).map_err(std::io::Error::other)?,
    )?;
    std::fs::rename(tmp, dir.join(STATE_FILE))
}

/// The accounts in `dir/accounts.json`, `None` when there is no such file.
pub fn load(dir: &Path) -> std::io::Result<Option<Vec<StoredAccount>>> {
    match std::fs::read(dir.join(STATE_FILE)) {
        Ok(bytes) => Ok(Some(
            serde_json::from_slice(&bytes).map_err(std::io::Error::other)?,
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}
