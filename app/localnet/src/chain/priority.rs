//! Prioritization fees of recent slots, for getRecentPrioritizationFees: per slot, the lowest
//! compute-unit price of a successful transaction, raised to the lowest price paid by the
//! transactions write-locking each account asked about (Agave's rule).

use anchor_lang::prelude::Pubkey;
use solana_transaction::versioned::VersionedTransaction;
use std::collections::VecDeque;

/// Slots whose fees are kept (as Agave's prioritization-fee cache).
pub const PRIORITIZATION_FEE_SLOTS: u64 = 150;

/// Tag of `ComputeBudgetInstruction::SetComputeUnitPrice`.
const SET_COMPUTE_UNIT_PRICE: u8 = 3;

/// The compute-unit price `tx` sets, in micro-lamports (0 when it sets none).
pub fn compute_unit_price(tx: &VersionedTransaction) -> u64 {
    let keys = tx.message.static_account_keys();
    tx.message
        .instructions()
        .iter()
        .filter(|ix| {
            keys.get(usize::from(ix.program_id_index)) == Some(&solana_sdk_ids::compute_budget::ID)
        })
        .filter_map(|ix| match ix.data.split_first() {
            Some((&SET_COMPUTE_UNIT_PRICE, rest)) => rest
                .get(..8)
                .and_then(|b| b.try_into().ok())
                .map(u64::from_le_bytes),
            _ => None,
        })
        .next_back()
        .unwrap_or(0)
}

struct Paid {
    slot: u64,
    price: u64,
    writable: Vec<Pubkey>,
}

/// Compute-unit prices of the successful transactions of the last slots.
#[derive(Default)]
pub struct PriorityFees {
    paid: VecDeque<Paid>,
}

impl PriorityFees {
    /// Records a successful transaction landed at `slot`.
    pub fn record(&mut self, slot: u64, tx: &VersionedTransaction) {
        let keys = tx.message.static_account_keys();
        let writable = keys
            .iter()
            .enumerate()
            .filter(|(i, _)| tx.message.is_maybe_writable(*i, None))
            .map(|(_, k)| *k)
            .collect();
        self.paid.push_back(Paid {
            slot,
            price: compute_unit_price(tx),
            writable,
        });
        while self
            .paid
            .front()
            .is_some_and(|p| p.slot + PRIORITIZATION_FEE_SLOTS <= slot)
        {
            self.paid.pop_front();
        }
    }

    /// `(slot, fee)` for each of the last slots up to `current_slot`, oldest first.
    pub fn recent(&self, current_slot: u64, accounts: &[Pubkey]) -> Vec<(u64, u64)> {
        let first = (current_slot + 1).saturating_sub(PRIORITIZATION_FEE_SLOTS);
        (first..=current_slot)
            .map(|slot| {
                let in_slot = || self.paid.iter().filter(move |p| p.slot == slot);
                let block_min = in_slot().map(|p| p.price).min().unwrap_or(0);
                let account_min = |a: &Pubkey| {
                    in_slot()
                        .filter(|p| p.writable.contains(a))
                        .map(|p| p.price)
                        .min()
                };
                (
                    slot,
                    accounts
                        .iter()
                        .filter_map(account_min)
                        .fold(block_min, u64::max),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
    use solana_hash::Hash;
    use solana_message::Message;

    fn tx_paying(price: Option<u64>, writes: &Pubkey) -> VersionedTransaction {
        let payer = Pubkey::new_unique();
        let mut ixs = vec![];
        if let Some(price) = price {
            let mut data = vec![SET_COMPUTE_UNIT_PRICE];
            data.extend_from_slice(&price.to_le_bytes());
            ixs.push(Instruction {
                program_id: solana_sdk_ids::compute_budget::ID,
                accounts: vec![],
                data,
            });
        }
        ixs.push(Instruction {
            program_id: Pubkey::new_unique(),
            accounts: vec![AccountMeta::new(*writes, false)],
            data: vec![],
        });
        let message = Message::new_with_blockhash(&ixs, Some(&payer), &Hash::default());
        VersionedTransaction {
            signatures: vec![Default::default()],
            message: solana_message::VersionedMessage::Legacy(message),
        }
    }

    #[test]
    fn compute_unit_price_is_read_from_the_budget_instruction() {
        let account = Pubkey::new_unique();
        assert_eq!(
            compute_unit_price(&tx_paying(Some(12_345), &account)),
            12_345
        );
        assert_eq!(compute_unit_price(&tx_paying(None, &account)), 0);
    }

    #[test]
    fn recent_fees_take_block_minimum_raised_by_account_minimum() {
        let (hot, cold) = (Pubkey::new_unique(), Pubkey::new_unique());
        let mut fees = PriorityFees::default();
        fees.record(10, &tx_paying(Some(500), &hot));
        fees.record(10, &tx_paying(Some(2_000), &hot));
        fees.record(10, &tx_paying(Some(100), &cold));
        let recent = fees.recent(11, &[]);
        assert_eq!(recent.len(), 12);
        assert_eq!(recent[10], (10, 100));
        assert_eq!(recent[11], (11, 0));
        assert_eq!(fees.recent(11, &[hot])[10], (10, 500));
        assert_eq!(
            fees.recent(200, &[hot]).iter().map(|(_, f)| f).sum::<u64>(),
            0,
            "forgotten after 150 slots"
        );
    }
}
