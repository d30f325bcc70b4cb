//! The lookup table's decisions, pure and unit-tested: which shared addresses a snapshot adds to
//! the table ([`upkeep`]), in extensions that fit a transaction with the keeper's compute budget
//! ([`extend_instructions`]), which of the keeper's existing tables it reuses at start-up
//! ([`choose_table`]), and the slot a new table is derived from ([`newest_slot_hash`]).

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use keel_client::lookup_table::{self as alt, TableState, LOOKUP_TABLE_MAX_ADDRESSES};
use std::collections::HashSet;

/// Addresses per `extend` the keeper sends: two fewer than [`alt::MAX_ADDRESSES_PER_EXTEND`],
/// which fills a packet with the instruction alone, because every keeper transaction also sets
/// its compute-unit limit and price (tested below).
pub const EXTEND_CHUNK: usize = alt::MAX_ADDRESSES_PER_EXTEND - 2;

/// Why shared addresses missing from the table stay out of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unextendable {
    /// Another key is its authority, or it is frozen (no authority).
    NotAuthority,
    /// Its deactivation has begun.
    Deactivated,
    /// It holds [`LOOKUP_TABLE_MAX_ADDRESSES`] already.
    Full,
}

/// What a snapshot's addresses mean for the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Upkeep {
    /// Every shared address is in it.
    Complete,
    /// Append `addresses`, in the order given; `left_out` more do not fit the table.
    Extend {
        /// The addresses to append.
        addresses: Vec<Pubkey>,
        /// Missing addresses beyond the table's capacity (they stay in the messages).
        left_out: usize,
    },
    /// `missing` shared addresses are not in it and cannot be added: it is used as it is.
    Cannot {
        /// How many.
        missing: usize,
        /// Why.
        why: Unextendable,
    },
}

/// What to do with `state` given the `wanted` shared addresses (the snapshot's
/// [`alt::exchange_addresses`]), `signer` being the keeper: append what is missing when the
/// keeper is the table's authority and it has room.
pub fn upkeep(state: &TableState, signer: &Pubkey, wanted: &[Pubkey]) -> Upkeep {
    let held: HashSet<&Pubkey> = state.table.addresses.iter().collect();
    let mut missing: Vec<Pubkey> = Vec::new();
    for address in wanted {
        if !held.contains(address) && !missing.contains(address) {
            missing.push(*address);
        }
    }
    if missing.is_empty() {
        return Upkeep::Complete;
    }
    let cannot = |why| Upkeep::Cannot {
        missing: missing.len(),
        why,
    };
    if state.deactivation_slot != u64::MAX {
        return cannot(Unextendable::Deactivated);
    }
    if state.authority != Some(*signer) {
        return cannot(Unextendable::NotAuthority);
    }
    let room = LOOKUP_TABLE_MAX_ADDRESSES.saturating_sub(state.table.addresses.len());
    if room == 0 {
        return cannot(Unextendable::Full);
    }
    let left_out = missing.len().saturating_sub(room);
    missing.truncate(room);
    Upkeep::Extend {
        addresses: missing,
        left_out,
    }
}

/// A table of the keeper's chosen for reuse at start-up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reused<'a> {
    /// The table.
    pub state: &'a TableState,
    /// How many of the shared addresses it already holds.
    pub held: usize,
}

/// Which of `tables` (found at start-up with the keeper, `signer`, as their authority) the
/// keeper reuses instead of creating one, given the `wanted` shared addresses: among the
/// tables it may still extend (its authority, deactivation not begun) that hold some of them
/// or nothing at all (a table holding only other addresses serves something else: another
/// exchange, another use) and that are complete or have room for more, the one holding the
/// most of them; ties go to the one holding the most addresses, then the one extended last,
/// then the greatest address. `None`: create a new table.
pub fn choose_table<'a>(
    tables: &'a [TableState],
    signer: &Pubkey,
    wanted: &[Pubkey],
) -> Option<Reused<'a>> {
    let wanted: HashSet<&Pubkey> = wanted.iter().collect();
    tables
        .iter()
        .filter(|state| state.authority == Some(*signer) && state.deactivation_slot == u64::MAX)
        .filter_map(|state| {
            let addresses = &state.table.addresses;
            let held = addresses
                .iter()
                .collect::<HashSet<_>>()
                .intersection(&wanted)
                .count();
            let foreign = held == 0 && !addresses.is_empty();
            let stuck = held < wanted.len() && addresses.len() >= LOOKUP_TABLE_MAX_ADDRESSES;
            (!foreign && !stuck).then_some(Reused { state, held })
        })
        .max_by_key(|r| {
            (
                r.held,
                r.state.table.addresses.len(),
                r.state.last_extended_slot,
                r.state.table.key,
            )
        })
}

/// The `extend` instructions appending `addresses` to `table`, the keeper (`signer`) signing
/// and paying: one per [`EXTEND_CHUNK`] addresses, each for a transaction of its own.
pub fn extend_instructions(
    table: &Pubkey,
    signer: &Pubkey,
    addresses: &[Pubkey],
) -> Vec<Instruction> {
    addresses
        .chunks(EXTEND_CHUNK)
        .flat_map(|chunk| alt::extend(table, signer, signer, chunk))
        .collect()
}

/// The newest slot in the data of the `SlotHashes` sysvar (a bincode list of slot and hash,
/// newest first): a slot the lookup-table program accepts for a table created now.
pub fn newest_slot_hash(data: &[u8]) -> Option<u64> {
    let len = u64::from_le_bytes(data.get(..8)?.try_into().ok()?);
    if len == 0 {
        return None;
    }
    Some(u64::from_le_bytes(data.get(8..16)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tx::compile::{compile, Format};
    use keel_client::lookup_table::AddressLookupTableAccount;
    use solana_compute_budget_interface::ComputeBudgetInstruction;
    use solana_keypair::Keypair;
    use solana_signer::Signer;

    fn keys(n: usize) -> Vec<Pubkey> {
        (0..n).map(|_| Pubkey::new_unique()).collect()
    }

    fn state(addresses: Vec<Pubkey>, authority: Option<Pubkey>) -> TableState {
        TableState {
            table: AddressLookupTableAccount {
                key: Pubkey::new_unique(),
                addresses,
            },
            authority,
            last_extended_slot: 9,
            last_extended_slot_start_index: 0,
            deactivation_slot: u64::MAX,
        }
    }

    #[test]
    fn upkeep_appends_only_what_is_missing_in_the_snapshot_order() {
        let signer = Pubkey::new_unique();
        let held = keys(5);
        let table = state(held.clone(), Some(signer));
        assert_eq!(upkeep(&table, &signer, &held), Upkeep::Complete);
        assert_eq!(
            upkeep(&table, &signer, &held[..2]),
            Upkeep::Complete,
            "a delisting leaves nothing to do"
        );
        // A new asset's four addresses land between the assets and the markets of the list:
        // they are appended, in the list's order, once each.
        let new = keys(4);
        let mut wanted = held[..3].to_vec();
        wanted.extend_from_slice(&new);
        wanted.extend_from_slice(&held[3..]);
        wanted.push(new[0]);
        assert_eq!(
            upkeep(&table, &signer, &wanted),
            Upkeep::Extend {
                addresses: new,
                left_out: 0
            }
        );
    }

    #[test]
    fn upkeep_uses_a_table_it_cannot_extend_as_it_is() {
        let signer = Pubkey::new_unique();
        let wanted = keys(3);
        let foreign = state(vec![wanted[0]], Some(Pubkey::new_unique()));
        let cannot = |why| Upkeep::Cannot { missing: 2, why };
        assert_eq!(
            upkeep(&foreign, &signer, &wanted),
            cannot(Unextendable::NotAuthority)
        );
        let frozen = state(vec![wanted[0]], None);
        assert_eq!(
            upkeep(&frozen, &signer, &wanted),
            cannot(Unextendable::NotAuthority)
        );
        let deactivated = TableState {
            deactivation_slot: 100,
            ..state(vec![wanted[0]], Some(signer))
        };
        assert_eq!(
            upkeep(&deactivated, &signer, &wanted),
            cannot(Unextendable::Deactivated)
        );
    }

    #[test]
    fn upkeep_fills_the_table_to_capacity_and_counts_the_rest() {
        let signer = Pubkey::new_unique();
        let nearly = state(keys(LOOKUP_TABLE_MAX_ADDRESSES - 6), Some(signer));
        match upkeep(&nearly, &signer, &keys(10)) {
            Upkeep::Extend {
                addresses,
                left_out,
            } => assert_eq!((addresses.len(), left_out), (6, 4)),
            other => panic!("{other:?}"),
        }
        let full = state(keys(LOOKUP_TABLE_MAX_ADDRESSES), Some(signer));
        assert_eq!(
            upkeep(&full, &signer, &keys(1)),
            Upkeep::Cannot {
                missing: 1,
                why: Unextendable::Full
            }
        );
    }

    #[test]
    fn choose_table_prefers_the_one_holding_most_of_the_exchange() {
        let signer = Pubkey::new_unique();
        let wanted = keys(10);
        let with = |addresses: Vec<Pubkey>, slot: u64| TableState {
            last_extended_slot: slot,
            ..state(addresses, Some(signer))
        };
        let chosen = |tables: &[TableState]| {
            choose_table(tables, &signer, &wanted).map(|r| (r.state.table.key, r.held))
        };
        assert_eq!(chosen(&[]), None, "nothing found: create");

        let some = with(wanted[..4].to_vec(), 50);
        let most = with(wanted[..7].to_vec(), 10);
        let empty = with(vec![], 0);
        let foreign = with(keys(20), 90);
        assert_eq!(
            chosen(&[some.clone(), most.clone(), empty.clone(), foreign.clone()]),
            Some((most.table.key, 7)),
            "most shared addresses first, whatever the slot"
        );
        assert_eq!(
            chosen(&[empty.clone(), foreign.clone()]),
            Some((empty.table.key, 0)),
            "an empty table (created, never extended) is reused"
        );
        assert_eq!(
            chosen(std::slice::from_ref(&foreign)),
            None,
            "a table holding only other addresses is left alone"
        );

        // Not ours to extend, or deactivating: never reused, however complete.
        let complete = wanted.clone();
        let others = TableState {
            authority: Some(Pubkey::new_unique()),
            ..with(complete.clone(), 1)
        };
        let frozen = TableState {
            authority: None,
            ..with(complete.clone(), 1)
        };
        let deactivated = TableState {
            deactivation_slot: 70,
            ..with(complete.clone(), 1)
        };
        assert_eq!(
            chosen(&[others, frozen, deactivated, some.clone()]),
            Some((some.table.key, 4))
        );

        // Ties: the larger table, then the one extended last.
        let mut larger = wanted[..4].to_vec();
        larger.extend(keys(3));
        let larger = with(larger, 5);
        assert_eq!(
            chosen(&[some.clone(), larger.clone()]),
            Some((larger.table.key, 4))
        );
        // (`older` has the greater address: the slot decides before it.)
        let older = with(wanted[4..8].to_vec(), 1);
        assert_eq!(
            chosen(&[some.clone(), older.clone()]),
            Some((some.table.key, 4))
        );
        assert_eq!(
            chosen(&[older.clone(), some.clone()]),
            Some((some.table.key, 4))
        );

        // Full: reused only when it lacks nothing; otherwise another, or a new one.
        let mut full = wanted[..9].to_vec();
        full.extend(keys(LOOKUP_TABLE_MAX_ADDRESSES - 9));
        let full = with(full, 80);
        assert_eq!(
            chosen(&[full.clone(), some.clone()]),
            Some((some.table.key, 4))
        );
        assert_eq!(
            chosen(std::slice::from_ref(&full)),
            None,
            "all full without room: create"
        );
        let mut complete_full = wanted.clone();
        complete_full.extend(keys(LOOKUP_TABLE_MAX_ADDRESSES - wanted.len()));
        let complete_full = with(complete_full, 80);
        assert_eq!(
            chosen(&[complete_full.clone(), some]),
            Some((complete_full.table.key, 10))
        );
        let up = upkeep(&complete_full, &signer, &wanted);
        assert_eq!(up, Upkeep::Complete);
    }

    #[test]
    fn an_extension_fits_a_legacy_transaction_with_the_compute_budget() {
        let payer = Keypair::new();
        let table = Pubkey::new_unique();
        // The exchange's 100 shared addresses at full capacity: 28 + 28 + 28 + 16.
        let ixs = extend_instructions(&table, &payer.pubkey(), &keys(100));
        let sizes: Vec<usize> = ixs.iter().map(|ix| (ix.data.len() - 12) / 32).collect();
        assert_eq!(sizes, [28, 28, 28, 16]);
        let budget = |extend: Instruction| {
            vec![
                ComputeBudgetInstruction::set_compute_unit_limit(1_400_000),
                ComputeBudgetInstruction::set_compute_unit_price(u64::MAX),
                extend,
            ]
        };
        let hash = solana_hash::Hash::default();
        let (tx, format) = compile(&payer, &budget(ixs[0].clone()), None, hash).expect("fits");
        assert_eq!(format, Format::Legacy);
        let bytes = keel_client::lookup_table::transaction_bytes(&tx);
        assert!(bytes <= alt::MAX_TRANSACTION_BYTES, "{bytes}");
        let full = alt::extend(
            &table,
            &payer.pubkey(),
            &payer.pubkey(),
            &keys(alt::MAX_ADDRESSES_PER_EXTEND),
        );
        let err = compile(&payer, &budget(full[0].clone()), None, hash)
            .expect_err("a full-packet extension leaves no room for the budget");
        assert!(err.detail.contains("legacy"), "{}", err.detail);
    }

    #[test]
    fn newest_slot_hash_reads_the_first_entry() {
        let entries: Vec<(u64, [u8; 32])> = vec![(812, [1; 32]), (811, [2; 32])];
        let data = bincode::serialize(&entries).expect("serialises");
        assert_eq!(newest_slot_hash(&data), Some(812));
        let empty: Vec<(u64, [u8; 32])> = vec![];
        assert_eq!(
            newest_slot_hash(&bincode::serialize(&empty).expect("serialises")),
            None
        );
        assert_eq!(newest_slot_hash(&[1, 0]), None);
    }
}
