//! What the chain announces to subscribers (the PubSub websocket): new slots, landed
//! transactions and changed accounts.

use anchor_lang::prelude::Pubkey;
use solana_account::AccountSharedData;
use solana_signature::Signature;
use solana_transaction_error::TransactionError;
use std::sync::Arc;

/// How many events a slow subscriber may fall behind before it misses some.
pub const EVENT_BUFFER: usize = 4_096;

/// A landed transaction as subscribers see it.
#[derive(Clone, Debug)]
pub struct LandedTx {
    /// Its first signature.
    pub signature: Signature,
    /// The slot it landed in.
    pub slot: u64,
    /// Its error, when it failed.
    pub err: Option<TransactionError>,
    /// Its log messages.
    pub logs: Vec<String>,
    /// Every account key it mentions (for logsSubscribe `mentions`).
    pub account_keys: Vec<Pubkey>,
}

/// One thing that happened on the chain.
#[derive(Clone, Debug)]
pub enum ChainEvent {
    /// A new slot began; `root` is the newest finalized slot.
    Slot {
        /// The new slot.
        slot: u64,
        /// The slot before it.
        parent: u64,
        /// The newest rooted slot.
        root: u64,
    },
    /// A transaction landed (successfully or not).
    Transaction(Arc<LandedTx>),
    /// Accounts changed at `slot` (by a transaction, an airdrop or the price simulator).
    Accounts {
        /// The slot of the change.
        slot: u64,
        /// The accounts after the change.
        accounts: Arc<Vec<(Pubkey, AccountSharedData)>>,
    },
}
