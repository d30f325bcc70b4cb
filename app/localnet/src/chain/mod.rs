//! The chain: the VM plus what a cluster adds around it — a slot clock, the recent-blockhash
//! queue, bounded transaction history, fees, and events for subscribers. Owned by the executor
//! thread; everything here runs on that one thread.

pub mod blockhash;
mod faucet;
pub mod history;
pub mod priority;
pub mod state;
pub mod tokens;
mod transactions;

pub use transactions::{SendError, Simulation};

use crate::config::NodeConfig;
use crate::error::NodeError;
use crate::events::ChainEvent;
use crate::prices::PriceSimulator;
use anchor_lang::prelude::{Pubkey, SlotHashes};
use blockhash::BlockhashQueue;
use history::{History, FINALIZATION_DEPTH};
use litesvm::LiteSVM;
use solana_account::{AccountSharedData, ReadableAccount};
use solana_clock::Clock;
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_signer::Signer;
use std::sync::Arc;
use tokio::sync::broadcast;

/// Lamports the faucet starts with (airdrops and the node's own transactions draw on it).
pub const FAUCET_LAMPORTS: u64 = 500_000_000 * 1_000_000_000;

/// The epoch schedule's view of a slot: epoch, index in it, and the epoch's length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EpochPosition {
    /// The epoch.
    pub epoch: u64,
    /// The slot's index within the epoch.
    pub slot_index: u64,
    /// Slots in the epoch.
    pub slots_in_epoch: u64,
}

/// The VM and its cluster state.
pub struct Chain {
    /// The Agave runtime with Keel, SPL Token and ATA.
    pub svm: LiteSVM,
    slot: u64,
    genesis_hash: Hash,
    genesis_unix_time: i64,
    time_offset_secs: i64,
    slot_ms: u64,
    blockhashes: BlockhashQueue,
    history: History,
    events: broadcast::Sender<ChainEvent>,
    faucet: Keypair,
    transaction_count: u64,
    feature_set_id: u32,
    priority_fees: priority::PriorityFees,
    /// The simulated Pyth feeds, moved every slot.
    pub prices: PriceSimulator,
}

impl Chain {
    /// A chain at slot 0 whose first blockhash is its genesis hash.
    pub fn new(
        config: &NodeConfig,
        events: broadcast::Sender<ChainEvent>,
    ) -> Result<Self, NodeError> {
        let mut svm = crate::vm::new_vm(config.history_capacity)?;
        let faucet = match &config.faucet_keypair {
            Some(bytes) => Keypair::try_from(&bytes[..])
                .map_err(|e| NodeError::Startup(format!("faucet keypair: {e}")))?,
            None => Keypair::new(),
        };
        svm.set_account(
            faucet.pubkey(),
            solana_account::Account::new(FAUCET_LAMPORTS, 0, &anchor_lang::system_program::ID),
        )
        .map_err(|e| NodeError::Startup(format!("faucet: {e:?}")))?;
        let genesis_hash = svm.latest_blockhash();
        let mut blockhashes = BlockhashQueue::default();
        blockhashes.push(genesis_hash, 0);
        let mut chain = Self {
            svm,
            slot: 0,
            genesis_hash,
            genesis_unix_time: config.genesis_unix_time,
            time_offset_secs: 0,
            slot_ms: config.slot_time.as_millis() as u64,
            blockhashes,
            history: History::new(config.history_capacity),
            events,
            faucet,
            transaction_count: 0,
            feature_set_id: 0,
            priority_fees: Default::default(),
            prices: PriceSimulator::new(&config.prices, config.genesis_unix_time),
        };
        chain.feature_set_id = crate::vm::feature_set_id();
        chain.write_clock();
        let feeds = chain.prices.accounts();
        chain.write_accounts(feeds);
        Ok(chain)
    }

    /// The current slot (transactions land in it).
    pub fn slot(&self) -> u64 {
        self.slot
    }

    /// The current block height: every slot produces a block here, so it equals the slot.
    pub fn block_height(&self) -> u64 {
        self.slot
    }

    /// The newest finalized slot.
    pub fn root(&self) -> u64 {
        self.slot.saturating_sub(FINALIZATION_DEPTH)
    }

    /// The hash of the first block.
    pub fn genesis_hash(&self) -> Hash {
        self.genesis_hash
    }

    /// The newest blockhash and the last block height at which it is valid.
    pub fn latest_blockhash(&self) -> (Hash, u64) {
        self.blockhashes.latest().unwrap_or((self.genesis_hash, 0))
    }

    /// Whether a transaction with `hash` as recent blockhash would be accepted now.
    pub fn is_blockhash_valid(&self, hash: &Hash) -> bool {
        self.blockhashes.is_valid(hash, self.block_height())
    }

    /// The unix time of the current slot (the cluster clock).
    pub fn unix_time(&self) -> i64 {
        let elapsed =
            i64::try_from(self.slot.saturating_mul(self.slot_ms) / 1_000).unwrap_or(i64::MAX);
        self.genesis_unix_time
            .saturating_add(elapsed)
            .saturating_add(self.time_offset_secs)
    }

    /// Moves the cluster clock `seconds` ahead of the slot clock (operator control).
    pub fn warp_time(&mut self, seconds: i64) {
        self.time_offset_secs = self.time_offset_secs.saturating_add(seconds);
        self.write_clock();
    }

    /// Where the current slot sits in the epoch schedule.
    pub fn epoch_position(&self) -> EpochPosition {
        let schedule: solana_epoch_schedule::EpochSchedule = self.svm.get_sysvar();
        let (epoch, slot_index) = schedule.get_epoch_and_slot_index(self.slot);
        EpochPosition {
            epoch,
            slot_index,
            slots_in_epoch: schedule.get_slots_in_epoch(epoch),
        }
    }

    /// Landed transactions.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// Starts the next slot: a new blockhash, the clock moved, prices published, subscribers
    /// told.
    pub fn advance_slot(&mut self) {
        let parent = self.slot;
        let parent_hash = self.svm.latest_blockhash();
        self.slot += 1;
        self.record_slot_hash(parent, parent_hash);
        self.svm.expire_blockhash();
        self.blockhashes
            .push(self.svm.latest_blockhash(), self.block_height());
        self.write_clock();
        let updates = self
            .prices
            .step(self.unix_time(), self.slot_ms as f64 / 1_000.0);
        self.write_accounts(updates);
        self.emit(ChainEvent::Slot {
            slot: self.slot,
            parent,
            root: self.root(),
        });
    }

    /// Milliseconds per slot.
    pub fn slot_ms(&self) -> u64 {
        self.slot_ms
    }

    /// The account at `key`, if it exists (an account with no lamports does not).
    pub fn account(&self, key: &Pubkey) -> Option<AccountSharedData> {
        self.svm
            .accounts_db()
            .get_account(key)
            .filter(|a| a.lamports() > 0)
    }

    /// Accounts owned by `owner` that pass `keep`, in no particular order.
    pub fn program_accounts(
        &self,
        owner: &Pubkey,
        keep: impl Fn(&AccountSharedData) -> bool,
    ) -> Vec<(Pubkey, AccountSharedData)> {
        let accounts = &self.svm.accounts_db().inner;
        accounts
            .iter()
            .filter(|(_, a)| a.owner() == owner && a.lamports() > 0 && keep(a))
            .map(|(k, a)| (*k, a.clone()))
            .collect()
    }

    /// Writes accounts directly (airdrop faucet, price simulator, operator controls) and tells
    /// subscribers.
    pub fn write_accounts(&mut self, accounts: Vec<(Pubkey, AccountSharedData)>) {
        for (key, account) in &accounts {
            if let Err(err) = self.svm.set_account(*key, account.clone().into()) {
                eprintln!("keel-localnet: account {key} not written: {err:?}");
            }
        }
        self.emit(ChainEvent::Accounts {
            slot: self.slot,
            accounts: Arc::new(accounts),
        });
    }

    /// Transactions landed since genesis (failed ones included).
    pub fn transaction_count(&self) -> u64 {
        self.transaction_count
    }

    /// `(slot, prioritization fee)` of the recent slots, considering `accounts` (see
    /// [`priority`]).
    pub fn recent_prioritization_fees(&self, accounts: &[Pubkey]) -> Vec<(u64, u64)> {
        self.priority_fees.recent(self.slot, accounts)
    }

    /// The number naming the active feature set.
    pub fn feature_set_id(&self) -> u32 {
        self.feature_set_id
    }

    /// The faucet keypair (pays airdrops and the node's own transactions).
    pub fn faucet(&self) -> &Keypair {
        &self.faucet
    }

    /// Lamports needed for an account of `len` bytes to be rent-exempt.
    pub fn rent_exempt_minimum(&self, len: usize) -> u64 {
        self.svm.minimum_balance_for_rent_exemption(len)
    }

    /// Puts `parent` and its blockhash at the front of the `SlotHashes` sysvar (512 entries
    /// kept), as a bank does for its parent: what a lookup table's creation slot is checked
    /// against and its deactivation measured by.
    fn record_slot_hash(&mut self, parent: u64, hash: Hash) {
        let mut hashes: SlotHashes = self.svm.get_sysvar();
        if hashes.first().is_none_or(|(newest, _)| *newest < parent) {
            hashes.add(parent, hash);
            self.svm.set_sysvar(&hashes);
        }
    }

    fn write_clock(&mut self) {
        let position = self.epoch_position();
        let mut clock: Clock = self.svm.get_sysvar();
        clock.slot = self.slot;
        clock.epoch = position.epoch;
        clock.leader_schedule_epoch = position.epoch + 1;
        clock.unix_timestamp = self.unix_time();
        self.svm.set_sysvar(&clock);
    }

    fn emit(&self, event: ChainEvent) {
        // No subscriber is not an error: events are only for those listening.
        let _ = self.events.send(event);
    }
}
