//! Landed transactions, kept within a bound (oldest forgotten first), and their statuses at
//! each commitment level.

use litesvm::types::TransactionMetadata;
use solana_message::v0::LoadedAddresses;
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_error::TransactionError;
use solana_transaction_status_client_types::{TransactionConfirmationStatus, TransactionStatus};
use std::collections::{HashMap, VecDeque};

/// Slots after which a landed transaction counts as confirmed (a supermajority voted on it).
pub const CONFIRMATION_DEPTH: u64 = 1;
/// Slots after which a landed transaction is rooted (finalized), as on a real cluster.
pub const FINALIZATION_DEPTH: u64 = 32;

/// A transaction that landed in a block, with what the runtime reported.
#[derive(Clone, Debug)]
pub struct TxRecord {
    /// The slot it landed in.
    pub slot: u64,
    /// Unix time of that slot.
    pub block_time: i64,
    /// The transaction as sent.
    pub transaction: VersionedTransaction,
    /// The addresses it looked up in lookup tables (none for a legacy transaction).
    pub loaded: LoadedAddresses,
    /// Its error, when it failed (it still paid its fee).
    pub err: Option<TransactionError>,
    /// Logs, compute units, return data, inner instructions and fee.
    pub meta: TransactionMetadata,
    /// Lamports of every account key before the transaction.
    pub pre_balances: Vec<u64>,
    /// Lamports of every account key after the transaction.
    pub post_balances: Vec<u64>,
}

/// The commitment level a transaction landed at `slot` has reached by `current_slot`.
pub fn confirmation_status(slot: u64, current_slot: u64) -> TransactionConfirmationStatus {
    let depth = current_slot.saturating_sub(slot);
    if depth >= FINALIZATION_DEPTH {
        TransactionConfirmationStatus::Finalized
    } else if depth >= CONFIRMATION_DEPTH {
        TransactionConfirmationStatus::Confirmed
    } else {
        TransactionConfirmationStatus::Processed
    }
}

/// The most recent landed transactions, newest last, at most `capacity` of them.
#[derive(Debug)]
pub struct History {
    records: HashMap<Signature, TxRecord>,
    order: VecDeque<Signature>,
    capacity: usize,
}

impl History {
    /// An empty history that keeps at most `capacity` transactions.
    pub fn new(capacity: usize) -> Self {
        Self {
            records: HashMap::new(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    /// Records a landed transaction, forgetting the oldest beyond the capacity.
    pub fn insert(&mut self, signature: Signature, record: TxRecord) {
        if self.records.insert(signature, record).is_none() {
            self.order.push_back(signature);
        }
        while self.order.len() > self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.records.remove(&old);
            }
        }
    }

    /// The record of `signature`, if it landed and is still kept.
    pub fn get(&self, signature: &Signature) -> Option<&TxRecord> {
        self.records.get(signature)
    }

    /// The status of `signature` as of `current_slot`, in the RPC's shape.
    pub fn status(&self, signature: &Signature, current_slot: u64) -> Option<TransactionStatus> {
        let record = self.records.get(signature)?;
        let depth = current_slot.saturating_sub(record.slot);
        let status = confirmation_status(record.slot, current_slot);
        Some(TransactionStatus {
            slot: record.slot,
            confirmations: (status != TransactionConfirmationStatus::Finalized)
                .then_some(depth as usize),
            status: record.err.clone().map_or(Ok(()), Err),
            err: record.err.clone(),
            confirmation_status: Some(status),
        })
    }

    /// Kept transactions, newest first.
    pub fn newest_first(&self) -> impl Iterator<Item = (&Signature, &TxRecord)> {
        self.order
            .iter()
            .rev()
            .filter_map(|sig| self.records.get(sig).map(|r| (sig, r)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(slot: u64) -> TxRecord {
        TxRecord {
            slot,
            block_time: 0,
            transaction: VersionedTransaction::default(),
            loaded: LoadedAddresses::default(),
            err: None,
            meta: TransactionMetadata::default(),
            pre_balances: vec![],
            post_balances: vec![],
        }
    }

    #[test]
    fn history_forgets_oldest_beyond_capacity() {
        let mut history = History::new(2);
        let sigs: Vec<Signature> = (1..=3u8).map(|i| Signature::from([i; 64])).collect();
        for (i, sig) in sigs.iter().enumerate() {
            history.insert(*sig, record(i as u64));
        }
        assert!(history.get(&sigs[0]).is_none());
        assert_eq!(history.get(&sigs[2]).map(|r| r.slot), Some(2));
        let newest: Vec<u64> = history.newest_first().map(|(_, r)| r.slot).collect();
        assert_eq!(newest, vec![2, 1]);
    }

    #[test]
    fn status_moves_processed_confirmed_finalized() {
        let mut history = History::new(10);
        let sig = Signature::from([1; 64]);
        history.insert(sig, record(100));
        let at = |slot| {
            history
                .status(&sig, slot)
                .and_then(|s| s.confirmation_status.map(|c| (c, s.confirmations)))
        };
        assert_eq!(
            at(100),
            Some((TransactionConfirmationStatus::Processed, Some(0)))
        );
        assert_eq!(
            at(101),
            Some((TransactionConfirmationStatus::Confirmed, Some(1)))
        );
        assert_eq!(
            at(132),
            Some((TransactionConfirmationStatus::Finalized, None))
        );
    }
}
