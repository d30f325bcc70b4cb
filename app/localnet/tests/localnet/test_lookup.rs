//! Address lookup tables and v0 transactions: a table created on a recent slot (the
//! `SlotHashes` sysvar moves with the slots), extended with keel-client's builders, active from
//! the slot after its last extension; v0 transactions looking it up simulate and land, the
//! looked-up accounts written, announced to subscribers and reported by getTransaction and
//! getSignaturesForAddress; the account-lock limit counts looked-up addresses.

use crate::common::{Localnet, TEST_SLOT};
use anchor_lang::prelude::{Pubkey, SlotHashes};
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use futures_util::StreamExt;
use keel_client::lookup_table::{self as alt, AddressLookupTableAccount, MAX_TRANSACTION_BYTES};
use solana_account_decoder::UiAccountEncoding;
use solana_commitment_config::CommitmentConfig;
use solana_pubsub_client::nonblocking::pubsub_client::PubsubClient;
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcSimulateTransactionAccountsConfig, RpcSimulateTransactionConfig,
    RpcTransactionConfig,
};
use solana_signer::Signer;
use solana_transaction::versioned::{TransactionVersion, VersionedTransaction};
use solana_transaction_error::TransactionError;
use solana_transaction_status_client_types::{
    option_serializer::OptionSerializer, UiTransactionEncoding,
};
use std::time::Duration;

/// Lamports sent to each looked-up recipient (above the rent-exempt minimum of an empty
/// account).
const SENT: u64 = 1_000_000;

/// The newest slot in the node's `SlotHashes` sysvar.
async fn newest_slot_hash(net: &Localnet) -> u64 {
    let data = net
        .rpc
        .get_account_data(&solana_sdk_ids::sysvar::slot_hashes::ID)
        .await
        .expect("the SlotHashes sysvar");
    let hashes: SlotHashes = bincode::deserialize(&data).expect("SlotHashes data");
    hashes.first().expect("at least one slot hash").0
}

/// A table of the payer holding `addresses`, created on the newest slot hash and extended,
/// returned once the node's slot has passed its last extension (every address active).
async fn table_of(net: &Localnet, addresses: &[Pubkey]) -> (AddressLookupTableAccount, u64) {
    let payer = net.payer.pubkey();
    let recent_slot = newest_slot_hash(net).await;
    let (create, key) = alt::create(&payer, &payer, recent_slot);
    net.send(&[create], &[]).await.expect("create_lookup_table");
    for ix in alt::extend(&key, &payer, &payer, addresses) {
        net.send(&[ix], &[]).await.expect("extend_lookup_table");
    }
    let extended_at = net.rpc.get_slot().await.expect("getSlot");
    for _ in 0..100 {
        if net.rpc.get_slot().await.expect("getSlot") > extended_at {
            break;
        }
        tokio::time::sleep(TEST_SLOT).await;
    }
    let data = net.rpc.get_account_data(&key).await.expect("the table");
    let table = alt::decode(&key, &data).expect("a lookup table");
    assert_eq!(table.addresses, addresses);
    (table, recent_slot)
}

/// `ixs` paid and signed by the payer as a v0 transaction looking up `table`.
async fn v0(
    net: &Localnet,
    ixs: &[Instruction],
    table: &AddressLookupTableAccount,
) -> VersionedTransaction {
    let blockhash = net.rpc.get_latest_blockhash().await.expect("blockhash");
    let message = alt::v0_message(
        &net.payer.pubkey(),
        ixs,
        std::slice::from_ref(table),
        blockhash,
    )
    .expect("compiles");
    VersionedTransaction::try_new(message, &[&net.payer]).expect("signs")
}

/// A transfer of `lamports` from the payer to `to` naming `extra` read-only accounts too (the
/// system program reads only its first two).
fn transfer_naming(net: &Localnet, to: &Pubkey, lamports: u64, extra: &[Pubkey]) -> Instruction {
    let mut ix = net.pay(to, lamports);
    ix.accounts
        .extend(extra.iter().map(|k| AccountMeta::new_readonly(*k, false)));
    ix
}

#[tokio::test]
async fn v0_transactions_look_up_a_table_created_on_a_recent_slot() {
    let net = Localnet::start().await;
    tokio::time::sleep(TEST_SLOT * 5).await;
    let recipients: Vec<Pubkey> = (0..40).map(|_| Pubkey::new_unique()).collect();
    let (table, recent_slot) = table_of(&net, &recipients).await;
    assert!(
        recent_slot > 0,
        "the table's slot is a recent one, not genesis"
    );
    let ixs: Vec<Instruction> = recipients.iter().map(|to| net.pay(to, SENT)).collect();
    let stats = alt::v0_transaction_size(&net.payer.pubkey(), &ixs, std::slice::from_ref(&table))
        .expect("compiles");
    assert!(
        stats.legacy_bytes > MAX_TRANSACTION_BYTES
            && stats.serialized_bytes <= MAX_TRANSACTION_BYTES,
        "only v0 carries 40 transfers: {stats:?}"
    );
    let tx = v0(&net, &ixs, &table).await;
    assert_eq!(alt::transaction_bytes(&tx), stats.serialized_bytes);

    // Simulated, with a looked-up account's post-state and with the blockhash replaced.
    let last = recipients[39];
    let config = RpcSimulateTransactionConfig {
        sig_verify: true,
        accounts: Some(RpcSimulateTransactionAccountsConfig {
            encoding: Some(UiAccountEncoding::Base64),
            addresses: vec![last.to_string()],
        }),
        ..Default::default()
    };
    let sim = net
        .rpc
        .simulate_transaction_with_config(&tx, config)
        .await
        .expect("simulateTransaction")
        .value;
    assert!(sim.err.is_none(), "{:?} {:?}", sim.err, sim.logs);
    assert!(
        sim.units_consumed.unwrap_or(0) >= 40 * 150,
        "40 transfers ran: {:?}",
        sim.units_consumed
    );
    let post = sim.accounts.expect("accounts")[0]
        .clone()
        .expect("the recipient after the transfer");
    assert_eq!(post.lamports, SENT);
    let replaced = RpcSimulateTransactionConfig {
        replace_recent_blockhash: true,
        ..Default::default()
    };
    let sim = net
        .rpc
        .simulate_transaction_with_config(&tx, replaced)
        .await
        .expect("simulateTransaction")
        .value;
    assert!(
        sim.err.is_none() && sim.replacement_blockhash.is_some(),
        "{:?}",
        sim.err
    );

    // Landed: a subscriber to a looked-up account is told, balances moved, the history knows.
    let pubsub = PubsubClient::new(&net.node.ws_url()).await.expect("pubsub");
    let account_config = RpcAccountInfoConfig {
        commitment: Some(CommitmentConfig::processed()),
        ..Default::default()
    };
    let (mut notes, _unsubscribe) = pubsub
        .account_subscribe(&last, Some(account_config))
        .await
        .expect("accountSubscribe");
    let sig = net
        .rpc
        .send_and_confirm_transaction(&tx)
        .await
        .expect("the v0 transaction lands");
    let note = tokio::time::timeout(Duration::from_secs(5), notes.next())
        .await
        .expect("a notification within 5 s")
        .expect("stream open");
    assert_eq!(
        note.value.lamports, SENT,
        "the looked-up account's write is announced"
    );
    for to in [recipients[0], recipients[17], last] {
        assert_eq!(net.rpc.get_balance(&to).await.expect("getBalance"), SENT);
    }
    let config = RpcTransactionConfig {
        encoding: Some(UiTransactionEncoding::Base64),
        commitment: Some(CommitmentConfig::confirmed()),
        max_supported_transaction_version: Some(0),
    };
    let found = net
        .rpc
        .get_transaction_with_config(&sig, config)
        .await
        .expect("getTransaction");
    assert_eq!(
        found.transaction.version,
        Some(TransactionVersion::Number(0))
    );
    let meta = found.transaction.meta.expect("meta");
    let OptionSerializer::Some(loaded) = meta.loaded_addresses else {
        panic!("no loadedAddresses")
    };
    let expected: Vec<String> = recipients.iter().map(ToString::to_string).collect();
    assert_eq!((loaded.writable, loaded.readonly.len()), (expected, 0));
    // Payer and system program are static: 2 + 40 balances.
    assert_eq!(meta.pre_balances.len(), 42);
    assert_eq!(meta.post_balances[41], SENT);
    let mentioned = net
        .rpc
        .get_signatures_for_address(&recipients[5])
        .await
        .expect("getSignaturesForAddress");
    assert_eq!(
        mentioned.first().map(|s| s.signature.clone()),
        Some(sig.to_string())
    );
}

#[tokio::test]
async fn the_account_lock_limit_counts_looked_up_addresses() {
    let net = Localnet::start().await;
    tokio::time::sleep(TEST_SLOT * 3).await;
    let named: Vec<Pubkey> = (0..62).map(|_| Pubkey::new_unique()).collect();
    let (table, _) = table_of(&net, &named).await;
    let to = Pubkey::new_unique();
    // Payer, recipient, system program and 61 looked up: 64 locks, mainnet's limit.
    let at_limit = v0(
        &net,
        &[transfer_naming(&net, &to, SENT, &named[..61])],
        &table,
    )
    .await;
    let stats = alt::v0_transaction_size(
        &net.payer.pubkey(),
        &[transfer_naming(&net, &to, SENT, &named[..61])],
        std::slice::from_ref(&table),
    )
    .expect("compiles");
    assert_eq!((stats.account_locks, stats.static_keys), (64, 3));
    net.rpc
        .send_and_confirm_transaction(&at_limit)
        .await
        .expect("64 locks land");
    assert_eq!(net.rpc.get_balance(&to).await.expect("getBalance"), SENT);
    // One more looked-up address: refused, in simulation and by sendTransaction's preflight.
    let over = v0(&net, &[transfer_naming(&net, &to, SENT, &named)], &table).await;
    let sim = net
        .rpc
        .simulate_transaction(&over)
        .await
        .expect("simulateTransaction")
        .value;
    assert_eq!(
        sim.err.map(TransactionError::from),
        Some(TransactionError::TooManyAccountLocks)
    );
    let refused = net
        .rpc
        .send_transaction(&over)
        .await
        .expect_err("65 locks are refused");
    assert_eq!(
        refused.get_transaction_error(),
        Some(TransactionError::TooManyAccountLocks)
    );
}
