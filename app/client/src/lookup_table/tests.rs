//! Tests of the lookup-table builders, the table layout and the transaction measure.

use super::*;
use anchor_lang::prelude::AccountMeta;
use bytemuck::Zeroable;
use keel::state::{CollateralAsset, PerpMarket};

fn asset(index: u16, oracle_kind: OracleKind) -> KnownAsset {
    let mut asset = CollateralAsset::zeroed();
    asset.index = index;
    asset.oracle_kind = oracle_kind as u8;
    asset.vault = Pubkey::new_unique();
    asset.mint = Pubkey::new_unique();
    if oracle_kind != OracleKind::Fixed {
        asset.oracle = Pubkey::new_unique();
    }
    KnownAsset {
        address: Pubkey::new_unique(),
        asset,
    }
}

fn market(index: u16, oracle: Pubkey) -> KnownMarket {
    let mut market = PerpMarket::zeroed();
    market.index = index;
    market.order_book = Pubkey::new_unique();
    market.fill_queue = Pubkey::new_unique();
    market.oracle = oracle;
    KnownMarket {
        address: Pubkey::new_unique(),
        market,
    }
}

fn keys(n: usize) -> Vec<Pubkey> {
    (0..n).map(|_| Pubkey::new_unique()).collect()
}

#[test]
fn exchange_addresses_are_distinct_and_skip_the_quote_oracle() {
    let exchange = Pubkey::new_unique();
    let assets = [asset(0, OracleKind::Fixed), asset(1, OracleKind::PythPull)];
    // A market sharing the asset's feed: listed once.
    let markets = [
        market(0, assets[1].asset.oracle),
        market(1, Pubkey::new_unique()),
    ];
    let addresses = exchange_addresses(&exchange, &assets, &markets);
    assert_eq!(addresses.len(), 5 + 3 + 4 + 3 + 4);
    assert_eq!(addresses[0], exchange);
    for (i, a) in addresses.iter().enumerate() {
        assert!(!addresses[i + 1..].contains(a), "{a} twice");
    }
    assert!(
        addresses.contains(&system_program::ID) && addresses.contains(&anchor_spl::token::ID)
    );
    assert!(
        !addresses.contains(&keel::ID),
        "an invoked program cannot be looked up"
    );
}

#[test]
fn create_derives_the_table_address_from_authority_and_slot() {
    let (authority, payer) = (Pubkey::new_unique(), Pubkey::new_unique());
    let (ix, table) = create(&authority, &payer, 42);
    let (derived, _) = alt::derive_lookup_table_address(&authority, 42);
    assert_eq!(table, derived);
    assert_eq!(
        ix.program_id,
        solana_address_lookup_table_interface::program::ID
    );
    assert_eq!(ix.accounts[0].pubkey, table);
    assert_ne!(create(&authority, &payer, 43).1, table);
}

#[test]
fn extend_chunks_fit_one_transaction_each_and_one_more_address_would_not() {
    let (table, authority, payer) = (
        Pubkey::new_unique(),
        Pubkey::new_unique(),
        Pubkey::new_unique(),
    );
    let addresses = keys(65);
    let own = extend(&table, &authority, &authority, &addresses);
    assert_eq!(own.len(), 3);
    let paid = extend(&table, &authority, &payer, &addresses);
    assert_eq!(paid.len(), 3);
    for (ixs, max) in [
        (&own, MAX_ADDRESSES_PER_EXTEND),
        (&paid, MAX_ADDRESSES_PER_EXTEND_WITH_PAYER),
    ] {
        let fee_payer = ixs[0].accounts[2].pubkey;
        let first = v0_transaction_size(&fee_payer, &ixs[..1], &[]).unwrap();
        assert!(
            first.legacy_bytes <= MAX_TRANSACTION_BYTES && first.fits(),
            "{max}: {first:?}"
        );
        let one_more =
            alt::extend_lookup_table(table, authority, Some(fee_payer), keys(max + 1));
        let over = v0_transaction_size(&fee_payer, &[one_more], &[]).unwrap();
        assert!(
            over.legacy_bytes > MAX_TRANSACTION_BYTES,
            "{max} + 1: {over:?}"
        );
    }
    assert_eq!(
        v0_transaction_size(&authority, &own[..1], &[])
            .unwrap()
            .legacy_bytes,
        1_210
    );
    let extended: Vec<usize> = paid.iter().map(|ix| (ix.data.len() - 12) / 32).collect();
    assert_eq!(extended, [27, 27, 11]);
}

#[test]
fn table_state_resolves_what_the_runtime_would() {
    use solana_address_lookup_table_interface::state::LookupTableMeta;
    let key = Pubkey::new_unique();
    let authority = Pubkey::new_unique();
    let addresses = keys(12);
    let meta = LookupTableMeta {
        deactivation_slot: u64::MAX,
        last_extended_slot: 40,
        last_extended_slot_start_index: 5,
        authority: Some(authority),
        _padding: 0,
    };
    let data = AddressLookupTable {
        meta,
        addresses: std::borrow::Cow::Borrowed(&addresses),
    }
    .serialize_for_tests()
    .unwrap();
    let state = decode_state(&key, &data).expect("a table");
    assert_eq!(decode(&key, &data).unwrap(), state.table);
    assert_eq!(state.authority, Some(authority));
    // In the slot of its last extension only the 5 addresses held before it resolve.
    assert_eq!(state.active_addresses(40), &addresses[..5]);
    assert!(!state.fully_active(40));
    assert_eq!(state.active_addresses(41), &addresses[..]);
    assert!(state.fully_active(41));
    let deactivating = TableState {
        deactivation_slot: 50,
        ..state.clone()
    };
    assert!(deactivating.active_addresses(60).is_empty() && !deactivating.fully_active(60));
    assert!(decode_state(&key, &[1, 2, 3]).is_none());
}

#[test]
fn filter_offsets_match_the_serialised_layout() {
    use solana_address_lookup_table_interface::state::LookupTableMeta;
    let authority = Pubkey::new_unique();
    let addresses = keys(3);
    let serialise = |deactivation_slot, authority| {
        AddressLookupTable {
            meta: LookupTableMeta {
                deactivation_slot,
                last_extended_slot: 0x0102_0304_0506_0708,
                last_extended_slot_start_index: 0xab,
                authority,
                _padding: 0,
            },
            addresses: std::borrow::Cow::Borrowed(&addresses),
        }
        .serialize_for_tests()
        .unwrap()
    };
    let data = serialise(u64::MAX, Some(authority));
    assert_eq!(data[..4], LOOKUP_TABLE_TAG);
    let at = DEACTIVATION_SLOT_OFFSET;
    assert_eq!(data[at..at + 8], NOT_DEACTIVATED);
    // The fields between: last_extended_slot, then its start index, then the authority.
    assert_eq!(
        data[at + 8..at + 16],
        0x0102_0304_0506_0708u64.to_le_bytes()
    );
    assert_eq!(data[AUTHORITY_OFFSET - 1], 0xab);
    assert_eq!(
        data[AUTHORITY_OFFSET..AUTHORITY_OFFSET + 33],
        authority_bytes(&authority)[..]
    );
    let deactivated = serialise(77, Some(authority));
    assert_eq!(deactivated[at..at + 8], 77u64.to_le_bytes());
    let frozen = serialise(u64::MAX, None);
    assert_eq!(frozen[AUTHORITY_OFFSET], 0, "no authority: the None tag");
    let state = decode_state(&Pubkey::new_unique(), &data).expect("a table");
    assert_eq!(state.authority, Some(authority));
}

#[test]
fn sizes_follow_the_wire_format() {
    // One signature (65) + header (3) + 2 keys (65) + blockhash (32) + one instruction
    // with no accounts or data (1 + 3) = 169 legacy; v0 adds its version byte and an
    // empty lookup list.
    let payer = Pubkey::new_unique();
    let ix = Instruction {
        program_id: keel::ID,
        accounts: vec![],
        data: vec![],
    };
    let stats = v0_transaction_size(&payer, &[ix], &[]).unwrap();
    assert_eq!(
        stats,
        TxStats {
            serialized_bytes: 171,
            account_locks: 2,
            legacy_bytes: 169,
            static_keys: 2
        }
    );
}

#[test]
fn looked_up_accounts_cost_a_byte_but_still_lock() {
    let payer = Pubkey::new_unique();
    let shared = keys(40);
    let mut accounts: Vec<AccountMeta> = shared
        .iter()
        .map(|k| AccountMeta::new_readonly(*k, false))
        .collect();
    accounts.push(AccountMeta::new(shared[0], false)); // a duplicate: writable, locked once
    accounts.push(AccountMeta::new(Pubkey::new_unique(), false)); // per-user, not in the table
    let ix = Instruction {
        program_id: keel::ID,
        accounts,
        data: vec![1; 8],
    };
    let table = AddressLookupTableAccount {
        key: Pubkey::new_unique(),
        addresses: shared,
    };
    let stats = v0_transaction_size(&payer, &[ix], &[table]).unwrap();
    assert_eq!((stats.account_locks, stats.static_keys), (43, 3));
    // 40 keys fewer in the message; the table costs its key, two index lists and a byte per
    // address, the version one byte.
    assert_eq!(
        stats.legacy_bytes - stats.serialized_bytes,
        40 * 32 - (1 + 32 + (1 + 1) + (1 + 39)) - 1
    );
    assert!(stats.fits() && stats.legacy_bytes > MAX_TRANSACTION_BYTES);
}
