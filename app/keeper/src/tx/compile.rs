//! How a keeper transaction goes on the wire: a v0 message looking up the exchange's address
//! lookup table whenever one is active ([`Tables`], shared by every clone of the sender), a
//! legacy one only while none is and the legacy form fits a packet ([`format`]); anything
//! larger than a packet is refused before it reaches the node.

use super::TxError;
use crate::classify::Failure;
use anchor_lang::solana_program::instruction::Instruction;
use keel_client::lookup_table::{
    self as alt, AddressLookupTableAccount, TxStats, MAX_TRANSACTION_BYTES,
};
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction::Transaction;
use std::sync::{Arc, RwLock};

/// The form a transaction is sent in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A v0 message whose shared addresses are looked up in the table.
    V0,
    /// A legacy message: no table is active yet and it fits.
    Legacy,
}

impl Format {
    /// The metric label.
    pub fn label(&self) -> &'static str {
        match self {
            Format::V0 => "v0",
            Format::Legacy => "legacy",
        }
    }
}

/// A transaction that cannot be sent: larger than a packet in the form it would take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooLarge {
    /// Its serialised size, bytes.
    pub bytes: usize,
    /// The form it would have been sent in.
    pub format: Format,
}

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the {} transaction is {} bytes, over the {MAX_TRANSACTION_BYTES}-byte packet",
            self.format.label(),
            self.bytes
        )?;
        if self.format == Format::Legacy {
            write!(f, " (no lookup table active yet)")?;
        }
        Ok(())
    }
}

impl std::error::Error for TooLarge {}

/// The form of a transaction measured as `stats` (v0 with the table, and legacy): v0 whenever a
/// table is active, legacy otherwise; an error when that form exceeds a packet.
pub fn format(stats: &TxStats, table_active: bool) -> Result<Format, TooLarge> {
    let (format, bytes) = if table_active {
        (Format::V0, stats.serialized_bytes)
    } else {
        (Format::Legacy, stats.legacy_bytes)
    };
    if bytes > MAX_TRANSACTION_BYTES {
        return Err(TooLarge { bytes, format });
    }
    Ok(format)
}

/// The lookup table the sender compiles against (only addresses already active), shared by
/// every clone of a sender; empty until one is installed.
#[derive(Clone, Default)]
pub struct Tables(Arc<RwLock<Option<Arc<AddressLookupTableAccount>>>>);

impl Tables {
    /// The table, if one with at least one address is installed.
    pub fn get(&self) -> Option<Arc<AddressLookupTableAccount>> {
        let table = self
            .0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        table.clone()
    }

    /// Installs `table` (its active addresses); one without addresses uninstalls.
    pub fn set(&self, table: AddressLookupTableAccount) {
        let mut slot = self
            .0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *slot = (!table.addresses.is_empty()).then(|| Arc::new(table));
    }
}

/// `ixs` paid and signed by `payer` on `blockhash`, in the form [`format`] picks with `table`.
pub fn compile(
    payer: &Keypair,
    ixs: &[Instruction],
    table: Option<&AddressLookupTableAccount>,
    blockhash: solana_hash::Hash,
) -> Result<(VersionedTransaction, Format), TxError> {
    let tables = table.map(std::slice::from_ref).unwrap_or_default();
    let stats = alt::v0_transaction_size(&payer.pubkey(), ixs, tables)
        .map_err(|e| other(format!("v0 compile: {e}")))?;
    let chosen = format(&stats, !tables.is_empty()).map_err(|e| other(e.to_string()))?;
    let tx = match chosen {
        Format::V0 => {
            let message = alt::v0_message(&payer.pubkey(), ixs, tables, blockhash)
                .map_err(|e| other(format!("v0 compile: {e}")))?;
            VersionedTransaction::try_new(message, &[payer])
                .map_err(|e| other(format!("signing: {e}")))?
        }
        Format::Legacy => {
            Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &[payer], blockhash)
                .into()
        }
    };
    Ok((tx, chosen))
}

fn other(detail: String) -> TxError {
    TxError {
        failure: Failure::Other,
        detail,
        logs: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::prelude::{AccountMeta, Pubkey};

    fn stats(v0: usize, legacy: usize) -> TxStats {
        TxStats {
            serialized_bytes: v0,
            account_locks: 10,
            legacy_bytes: legacy,
            static_keys: 4,
        }
    }

    #[test]
    fn format_v0_whenever_a_table_is_active_legacy_only_while_none_is() {
        assert_eq!(
            format(&stats(300, 400), true),
            Ok(Format::V0),
            "v0 even when legacy would fit"
        );
        assert_eq!(format(&stats(1_232, 2_000), true), Ok(Format::V0));
        assert_eq!(format(&stats(300, 1_232), false), Ok(Format::Legacy));
        assert_eq!(
            format(&stats(300, 1_233), false),
            Err(TooLarge {
                bytes: 1_233,
                format: Format::Legacy
            }),
            "no table: too large"
        );
        assert_eq!(
            format(&stats(1_233, 3_000), true),
            Err(TooLarge {
                bytes: 1_233,
                format: Format::V0
            })
        );
    }

    /// An instruction of Keel naming `shared` read-only plus one per-user writable account.
    fn instruction(shared: &[Pubkey]) -> Instruction {
        let mut accounts: Vec<AccountMeta> = shared
            .iter()
            .map(|k| AccountMeta::new_readonly(*k, false))
            .collect();
        accounts.push(AccountMeta::new(Pubkey::new_unique(), false));
        Instruction {
            program_id: keel::ID,
            accounts,
            data: vec![7; 16],
        }
    }

    #[test]
    fn compile_looks_up_the_table_and_falls_back_to_legacy_only_when_it_fits() {
        let payer = Keypair::new();
        let shared: Vec<Pubkey> = (0..47).map(|_| Pubkey::new_unique()).collect();
        let table = AddressLookupTableAccount {
            key: Pubkey::new_unique(),
            addresses: shared.clone(),
        };
        let big = [instruction(&shared)];
        let (tx, chosen) =
            compile(&payer, &big, Some(&table), solana_hash::Hash::default()).expect("fits as v0");
        assert_eq!(chosen, Format::V0);
        let lookups = tx.message.address_table_lookups().expect("a v0 message");
        assert_eq!(lookups[0].readonly_indexes.len(), 47);
        assert!(alt::transaction_bytes(&tx) <= MAX_TRANSACTION_BYTES);
        assert!(
            tx.verify_with_results().iter().all(|ok| *ok),
            "signed by the payer"
        );
        let err = compile(&payer, &big, None, solana_hash::Hash::default())
            .expect_err("47 keys do not fit legacy");
        assert!(
            err.detail.contains("legacy transaction is") && err.detail.contains("no lookup table"),
            "{}",
            err.detail
        );
        let small = [instruction(&shared[..3])];
        let (tx, chosen) =
            compile(&payer, &small, None, solana_hash::Hash::default()).expect("fits legacy");
        assert_eq!(chosen, Format::Legacy);
        assert!(tx.message.address_table_lookups().is_none());
    }

    #[test]
    fn tables_are_shared_by_clones_and_empty_until_set() {
        let tables = Tables::default();
        let clone = tables.clone();
        assert!(clone.get().is_none());
        let key = Pubkey::new_unique();
        tables.set(AddressLookupTableAccount {
            key,
            addresses: vec![Pubkey::new_unique()],
        });
        assert_eq!(clone.get().map(|t| t.key), Some(key));
        tables.set(AddressLookupTableAccount {
            key,
            addresses: vec![],
        });
        assert!(
            clone.get().is_none(),
            "a table without active addresses is not used"
        );
    }
}
