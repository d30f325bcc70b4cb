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
mod tests;
