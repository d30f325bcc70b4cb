//! Address lookup tables and v0 transactions: one table per exchange holding every address
//! shared by all traders, its `create` and `extend` builders, and the measure of a
//! transaction against the cluster's limits (serialised size and account locks).
//!
//! A health-checked instruction names every asset, market and oracle its margin account uses:
//! at full capacity (8 collaterals, 16 perps) 47 health accounts, 32 bytes each in a legacy
//! transaction — more than its 1 232 bytes. In a v0 transaction each looked-up address costs
//! one byte; only signers, invoked programs and per-user accounts (margin accounts, token
//! accounts) stay in the message. Looking an address up does not lower the account locks.

use crate::health::{KnownAsset, KnownMarket};
use crate::pda;
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::system_program;
use keel::oracle::OracleKind;
use solana_address_lookup_table_interface::instruction as alt;
use solana_address_lookup_table_interface::state::AddressLookupTable;
use solana_message::{legacy, v0, CompileError, Hash, VersionedMessage};
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction::Signature;

pub use solana_address_lookup_table_interface::state::LOOKUP_TABLE_MAX_ADDRESSES;
pub use solana_message::AddressLookupTableAccount;

/// The largest serialised transaction a validator accepts, bytes (`solana_packet::PACKET_DATA_SIZE`).
pub const MAX_TRANSACTION_BYTES: usize = 1_232;

/// The account locks a transaction may take on a cluster where `increase_tx_account_lock_limit`
/// is inactive (mainnet-beta today; 128 once it is active). The test bank activates it.
pub const MAX_ACCOUNT_LOCKS: usize = 64;

/// Addresses per `extend` instruction when the authority pays: a transaction holding just that
/// instruction is then 1 210 bytes legacy (31 addresses would be 1 242).
pub const MAX_ADDRESSES_PER_EXTEND: usize = 30;

/// Addresses per `extend` instruction when the payer is another signer (its signature and key
/// add 96 bytes): 1 210 bytes legacy.
pub const MAX_ADDRESSES_PER_EXTEND_WITH_PAYER: usize = 27;

/// The addresses of `exchange` that every trader's transactions share, each once, in a stable
/// order: the exchange, its insurance fund and vault, the token and system programs, then per
/// asset its account, vault, mint and oracle (none for the quote asset), then per market its
/// account, order book, fill queue and oracle. Neither the Keel program (invoked programs
/// cannot be looked up) nor any per-user account is included. An exchange with more than
/// [`LOOKUP_TABLE_MAX_ADDRESSES`] of them needs several tables.
pub fn exchange_addresses(
    exchange: &Pubkey,
    assets: &[KnownAsset],
    markets: &[KnownMarket],
) -> Vec<Pubkey> {
    let mut addresses = Vec::with_capacity(5 + 4 * (assets.len() + markets.len()));
    let mut add = |key: Pubkey| {
        if !addresses.contains(&key) {
            addresses.push(key);
        }
    };
    add(*exchange);
    add(pda::insurance_fund(exchange));
    add(pda::insurance_vault(exchange));
    add(anchor_spl::token::ID);
    add(system_program::ID);
    for known in assets {
        add(known.address);
        add(known.asset.vault);
        add(known.asset.mint);
        if known.asset.oracle_kind != OracleKind::Fixed as u8 {
            add(known.asset.oracle);
        }
    }
    for known in markets {
        add(known.address);
        add(known.market.order_book);
        add(known.market.fill_queue);
        add(known.market.oracle);
    }
    addresses
}

/// The instruction creating a lookup table of `authority`, paid by `payer`, and the table's
/// address — derived from the authority and `recent_slot` as the lookup-table program does.
/// `recent_slot` must still be in the `SlotHashes` sysvar when the transaction lands (a
/// recently confirmed slot).
pub fn create(authority: &Pubkey, payer: &Pubkey, recent_slot: u64) -> (Instruction, Pubkey) {
    alt::create_lookup_table(*authority, *payer, recent_slot)
}

/// The instructions appending `addresses` to `table`, signed by its `authority`, growth paid
/// by `payer`: chunks of [`MAX_ADDRESSES_PER_EXTEND`] when the authority pays, of
/// [`MAX_ADDRESSES_PER_EXTEND_WITH_PAYER`] otherwise, so that each fits a transaction of its
/// own. Addresses extended in a slot can be looked up from the next slot on.
pub fn extend(
    table: &Pubkey,
    authority: &Pubkey,
    payer: &Pubkey,
    addresses: &[Pubkey],
) -> Vec<Instruction> {
    let chunk = if authority == payer {
        MAX_ADDRESSES_PER_EXTEND
    } else {
        MAX_ADDRESSES_PER_EXTEND_WITH_PAYER
    };
    addresses
        .chunks(chunk)
        .map(|part| alt::extend_lookup_table(*table, *authority, Some(*payer), part.to_vec()))
        .collect()
}

/// The first bytes of an initialised lookup table's account data: the `u32` tag of its
/// `ProgramState` (`LookupTable`, variant 1), little-endian.
pub const LOOKUP_TABLE_TAG: [u8; 4] = 1u32.to_le_bytes();

/// Offset of `deactivation_slot` (a little-endian `u64`, `u64::MAX` while the table is active)
/// in a lookup table's account data: after the state tag.
pub const DEACTIVATION_SLOT_OFFSET: usize = 4;

/// Offset of the authority in a lookup table's account data: its `Option` tag (1 when set)
/// followed by the key, after the state tag (`u32`), `deactivation_slot` (`u64`),
/// `last_extended_slot` (`u64`) and `last_extended_slot_start_index` (`u8`). A `getProgramAccounts`
/// memcmp filter of [`authority_bytes`] at this offset selects the tables of one authority.
pub const AUTHORITY_OFFSET: usize = DEACTIVATION_SLOT_OFFSET + 8 + 8 + 1;

/// The bytes at [`DEACTIVATION_SLOT_OFFSET`] of a table whose deactivation has not begun.
pub const NOT_DEACTIVATED: [u8; 8] = u64::MAX.to_le_bytes();

/// The bytes at [`AUTHORITY_OFFSET`] of a table whose authority is `authority`: the `Some`
/// tag and the key (33 bytes).
pub fn authority_bytes(authority: &Pubkey) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(33);
    bytes.push(1);
    bytes.extend_from_slice(authority.as_ref());
    bytes
}

/// The table at `key` decoded from its account `data` (as fetched), in the form messages
/// compile against; `None` if the data is not a lookup table.
pub fn decode(key: &Pubkey, data: &[u8]) -> Option<AddressLookupTableAccount> {
    decode_state(key, data).map(|state| state.table)
}

/// A table as its account holds it: the addresses, who may extend it and when it last was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableState {
    /// The table and every address it holds, in order.
    pub table: AddressLookupTableAccount,
    /// The key that may extend (and deactivate) it; `None` once frozen.
    pub authority: Option<Pubkey>,
    /// The slot of its last extension (0 if never extended).
    pub last_extended_slot: u64,
    /// How many addresses it held before that extension.
    pub last_extended_slot_start_index: u8,
    /// The slot its deactivation began, `u64::MAX` while active.
    pub deactivation_slot: u64,
}

impl TableState {
    /// The addresses a transaction processed at `slot` may look up, as the runtime resolves
    /// them: all of them once `slot` is past the last extension, only those held before it in
    /// that extension's slot; none once deactivation has begun (a deactivating table stops
    /// resolving within 512 slots, so it is not worth using).
    pub fn active_addresses(&self, slot: u64) -> &[Pubkey] {
        if self.deactivation_slot != u64::MAX {
            return &[];
        }
        let len = if slot > self.last_extended_slot {
            self.table.addresses.len()
        } else {
            usize::from(self.last_extended_slot_start_index).min(self.table.addresses.len())
        };
        &self.table.addresses[..len]
    }

    /// True when every address of the table resolves at `slot`.
    pub fn fully_active(&self, slot: u64) -> bool {
        self.deactivation_slot == u64::MAX
            && self.active_addresses(slot).len() == self.table.addresses.len()
    }
}

/// The table at `key` with its state, decoded from its account `data`; `None` if the data is
/// not a lookup table.
pub fn decode_state(key: &Pubkey, data: &[u8]) -> Option<TableState> {
    let table = AddressLookupTable::deserialize(data).ok()?;
    Some(TableState {
        table: AddressLookupTableAccount {
            key: *key,
            addresses: table.addresses.to_vec(),
        },
        authority: table.meta.authority,
        last_extended_slot: table.meta.last_extended_slot,
        last_extended_slot_start_index: table.meta.last_extended_slot_start_index,
        deactivation_slot: table.meta.deactivation_slot,
    })
}

/// A transaction measured against the cluster's limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TxStats {
    /// Serialised size of the v0 transaction with the tables, signatures included, bytes.
    pub serialized_bytes: usize,
    /// Distinct accounts the transaction loads and locks: static keys (signers and invoked
    /// programs included) plus looked-up addresses.
    pub account_locks: usize,
    /// Serialised size of the same instructions as a legacy transaction, bytes.
    pub legacy_bytes: usize,
    /// Keys the v0 message carries itself (32 bytes each); the rest are looked up.
    pub static_keys: usize,
}

impl TxStats {
    /// True when the v0 transaction is within [`MAX_TRANSACTION_BYTES`] and
    /// [`MAX_ACCOUNT_LOCKS`].
    pub fn fits(&self) -> bool {
        self.serialized_bytes <= MAX_TRANSACTION_BYTES && self.account_locks <= MAX_ACCOUNT_LOCKS
    }
}

/// The v0 message of `instructions` paid by `payer`, addresses looked up in `tables` wherever
/// the message rules allow (not signers, not invoked programs).
pub fn v0_message(
    payer: &Pubkey,
    instructions: &[Instruction],
    tables: &[AddressLookupTableAccount],
    recent_blockhash: Hash,
) -> Result<VersionedMessage, CompileError> {
    v0::Message::try_compile(payer, instructions, tables, recent_blockhash)
        .map(VersionedMessage::V0)
}

/// Serialised size of a transaction in the wire format, bytes.
pub fn transaction_bytes(transaction: &VersionedTransaction) -> usize {
    bincode::serialized_size(transaction).expect("a transaction always serialises") as usize
}

/// Measures `instructions` paid by `payer` as a v0 transaction looking up `tables`, and as a
/// legacy transaction, each with as many (dummy, 64-byte) signatures as its message requires.
pub fn v0_transaction_size(
    payer: &Pubkey,
    instructions: &[Instruction],
    tables: &[AddressLookupTableAccount],
) -> Result<TxStats, CompileError> {
    let message = v0::Message::try_compile(payer, instructions, tables, Hash::default())?;
    let static_keys = message.account_keys.len();
    let looked_up: usize = message
        .address_table_lookups
        .iter()
        .map(|l| l.writable_indexes.len() + l.readonly_indexes.len())
        .sum();
    let legacy = VersionedMessage::Legacy(legacy::Message::new(instructions, Some(payer)));
    Ok(TxStats {
        serialized_bytes: unsigned_bytes(VersionedMessage::V0(message)),
        account_locks: static_keys + looked_up,
        legacy_bytes: unsigned_bytes(legacy),
        static_keys,
    })
}

/// Size of `message` in a transaction with its required number of signatures.
fn unsigned_bytes(message: VersionedMessage) -> usize {
    let signatures = vec![Signature::default(); message.header().num_required_signatures as usize];
    transaction_bytes(&VersionedTransaction {
        signatures,
        message,
    })
}

#[cfg(test)]
mod tests {
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
}
