//! Landing and simulating transactions with a cluster's checks: sanitisation, signatures, the
//! account-lock limit, the recent-blockhash window, duplicates, and fees.

use super::history::TxRecord;
use super::Chain;
use crate::events::{ChainEvent, LandedTx};
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use litesvm::types::TransactionMetadata;
use solana_account::{AccountSharedData, ReadableAccount};
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_message::v0::LoadedAddresses;
use solana_message::{AddressLoader, Message, VersionedMessage};
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;
use std::sync::Arc;

/// Accounts one transaction may lock (mainnet's limit).
pub const MAX_ACCOUNT_LOCKS: usize = 64;

/// Why a transaction was refused before it could land (it paid no fee).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendError {
    /// A signature does not verify against the message.
    SignatureVerification,
    /// A check failed: malformed, too many accounts, unknown or expired blockhash, already
    /// processed, or a fee payer that cannot pay.
    Rejected(TransactionError),
    /// It landed (and paid its fee) but failed; only the node's own transactions report this.
    Failed(TransactionError),
}

/// The outcome of a simulation on the current state (nothing is written).
#[derive(Clone, Debug)]
pub struct Simulation {
    /// `Err` when the transaction would fail.
    pub result: Result<(), TransactionError>,
    /// Logs, compute units, return data, inner instructions and fee.
    pub meta: TransactionMetadata,
    /// The accounts as the transaction would leave them.
    pub post_accounts: Vec<(Pubkey, AccountSharedData)>,
    /// The blockhash put in place of the transaction's own, with its last valid block height.
    pub replacement_blockhash: Option<(Hash, u64)>,
}

impl Chain {
    /// Lands `tx` in the current slot. A transaction that fails in a program still lands (and
    /// pays its fee); one refused by a check does not.
    pub fn send(&mut self, tx: VersionedTransaction) -> Result<Signature, SendError> {
        self.check(&tx)?;
        if !signatures_verify(&tx) {
            return Err(SendError::SignatureVerification);
        }
        self.land(tx)
    }

    /// Simulates `tx` on the current state. `replace_blockhash` puts the latest blockhash in
    /// (signatures then cannot verify); `sig_verify` checks signatures first.
    pub fn simulate(
        &self,
        mut tx: VersionedTransaction,
        sig_verify: bool,
        replace_blockhash: bool,
    ) -> Result<Simulation, SendError> {
        let mut replacement_blockhash = None;
        if replace_blockhash {
            let latest = self.latest_blockhash();
            tx.message.set_recent_blockhash(latest.0);
            replacement_blockhash = Some(latest);
        }
        if sig_verify && !signatures_verify(&tx) {
            return Err(SendError::SignatureVerification);
        }
        if let Err(SendError::Rejected(err)) = self.check(&tx) {
            if err != TransactionError::AlreadyProcessed {
                let meta = TransactionMetadata::default();
                return Ok(Simulation {
                    result: Err(err),
                    meta,
                    post_accounts: vec![],
                    replacement_blockhash,
                });
            }
        }
        let simulation = match self.svm.simulate_transaction(tx) {
            Ok(info) => Simulation {
                result: Ok(()),
                meta: info.meta,
                post_accounts: info.post_accounts,
                replacement_blockhash,
            },
            Err(failed) => Simulation {
                result: Err(failed.err),
                meta: failed.meta,
                post_accounts: vec![],
                replacement_blockhash,
            },
        };
        Ok(simulation)
    }

    /// Sends `lamports` to `to` from the faucet, as a real transfer transaction.
    pub fn airdrop(&mut self, to: &Pubkey, lamports: u64) -> Result<Signature, SendError> {
        let transfer =
            solana_system_interface::instruction::transfer(&self.faucet().pubkey(), to, lamports);
        self.send_as_faucet(&[transfer], &[])
    }

    /// Lands `ixs` paid and signed by the faucet (and `signers`) on the latest blockhash.
    pub fn send_as_faucet(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Signature, SendError> {
        let faucet = self.faucet.insecure_clone();
        let blockhash = self.latest_blockhash().0;
        let message = Message::new_with_blockhash(ixs, Some(&faucet.pubkey()), &blockhash);
        let mut keys = vec![&faucet];
        keys.extend_from_slice(signers);
        let mut tx = Transaction::new_unsigned(message);
        tx.try_sign(&keys, blockhash)
            .map_err(|_| SendError::SignatureVerification)?;
        let signature = self.send(VersionedTransaction::from(tx))?;
        match self.history.get(&signature).and_then(|r| r.err.clone()) {
            Some(err) => Err(SendError::Failed(err)),
            None => Ok(signature),
        }
    }

    /// The fee `message` would pay, as the runtime computes it (signatures plus the priority
    /// fee of its compute-budget instructions), found by simulating it with blank signatures;
    /// the signature fee alone when the simulation stops before the fee is known.
    pub fn fee_for_message(&self, message: &VersionedMessage) -> u64 {
        let signatures = usize::from(message.header().num_required_signatures);
        let tx = VersionedTransaction {
            signatures: vec![Signature::default(); signatures],
            message: message.clone(),
        };
        let fee = match self.svm.simulate_transaction(tx) {
            Ok(info) => info.meta.fee,
            Err(failed) => failed.meta.fee,
        };
        let signature_fee = signatures as u64 * crate::vm::LAMPORTS_PER_SIGNATURE;
        fee.max(signature_fee)
    }

    /// The checks a leader runs before executing: well-formed, within the account-lock limit,
    /// a recent blockhash, not already processed.
    fn check(&self, tx: &VersionedTransaction) -> Result<(), SendError> {
        tx.sanitize()
            .map_err(|_| SendError::Rejected(TransactionError::SanitizeFailure))?;
        if account_locks(&tx.message) > MAX_ACCOUNT_LOCKS {
            return Err(SendError::Rejected(TransactionError::TooManyAccountLocks));
        }
        if !self.is_blockhash_valid(tx.message.recent_blockhash()) {
            return Err(SendError::Rejected(TransactionError::BlockhashNotFound));
        }
        if tx
            .signatures
            .first()
            .is_some_and(|sig| self.history.get(sig).is_some())
        {
            return Err(SendError::Rejected(TransactionError::AlreadyProcessed));
        }
        Ok(())
    }

    /// Every account `tx` loads, static keys then looked-up addresses (writable, then
    /// read-only, resolved against the tables as they stand before it runs), each with
    /// whether it may be written.
    fn loaded_keys(&self, tx: &VersionedTransaction) -> (Vec<(Pubkey, bool)>, LoadedAddresses) {
        let message = &tx.message;
        let statics = message.static_account_keys();
        let loaded = message
            .address_table_lookups()
            .and_then(|lookups| self.svm.accounts_db().load_addresses(lookups).ok())
            .unwrap_or_default();
        let keys = statics
            .iter()
            .enumerate()
            .map(|(i, key)| (*key, message.is_maybe_writable(i, None)))
            .chain(loaded.writable.iter().map(|key| (*key, true)))
            .chain(loaded.readonly.iter().map(|key| (*key, false)))
            .collect();
        (keys, loaded)
    }

    fn land(&mut self, tx: VersionedTransaction) -> Result<Signature, SendError> {
        let signature = tx.signatures.first().copied().unwrap_or_default();
        let (loaded_keys, loaded) = self.loaded_keys(&tx);
        let keys: Vec<Pubkey> = loaded_keys.iter().map(|(key, _)| *key).collect();
        let pre_balances = self.balances(&keys);
        let (err, meta) = match self.svm.send_transaction(tx.clone()) {
            Ok(meta) => (None, meta),
            Err(failed) => (Some(failed.err), failed.meta),
        };
        if self.svm.get_transaction(&signature).is_none() {
            return Err(SendError::Rejected(
                err.unwrap_or(TransactionError::AccountNotFound),
            ));
        }
        let post_balances = self.balances(&keys);
        let written: Vec<(Pubkey, AccountSharedData)> = loaded_keys
            .iter()
            .filter(|(_, writable)| *writable)
            .map(|(key, _)| {
                (
                    *key,
                    self.svm.accounts_db().get_account(key).unwrap_or_default(),
                )
            })
            .collect();
        let landed = LandedTx {
            signature,
            slot: self.slot,
            err: err.clone(),
            logs: meta.logs.clone(),
            account_keys: keys,
        };
        if err.is_none() {
            self.priority_fees.record(self.slot, &tx);
        }
        let record = TxRecord {
            slot: self.slot,
            block_time: self.unix_time(),
            transaction: tx,
            loaded,
            err,
            meta,
            pre_balances,
            post_balances,
        };
        self.history.insert(signature, record);
        self.transaction_count += 1;
        self.emit(ChainEvent::Transaction(Arc::new(landed)));
        self.emit(ChainEvent::Accounts {
            slot: self.slot,
            accounts: Arc::new(written),
        });
        Ok(signature)
    }

    fn balances(&self, keys: &[Pubkey]) -> Vec<u64> {
        keys.iter()
            .map(|k| {
                self.svm
                    .accounts_db()
                    .get_account_ref(k)
                    .map_or(0, |a| a.lamports())
            })
            .collect()
    }
}

/// The accounts `message` locks: its static keys and every address it looks up.
fn account_locks(message: &VersionedMessage) -> usize {
    let looked_up: usize = message.address_table_lookups().map_or(0, |lookups| {
        lookups
            .iter()
            .map(|l| l.writable_indexes.len() + l.readonly_indexes.len())
            .sum()
    });
    message.static_account_keys().len() + looked_up
}

/// Whether every signature of `tx` verifies against its message.
fn signatures_verify(tx: &VersionedTransaction) -> bool {
    tx.verify_with_results().iter().all(|ok| *ok)
}
