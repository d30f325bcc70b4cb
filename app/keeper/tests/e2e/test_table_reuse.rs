//! A keeper started again without `--lookup-table` reuses the table its first start created
//! (found by `getProgramAccounts` on the lookup-table program, filtered on the authority)
//! instead of paying the rent of a new one: it extends it with a listing made meanwhile and
//! compiles its transactions against it (v0), while an empty table of the same signer and a
//! deactivated complete one are passed over and nothing new is created.

use crate::setup::{eventually, limit, wait_confirmed, Net, USDC};
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use keel::state::Side;
use keel_client::lookup_table as alt;
use keel_keeper::Metrics;
use solana_account_decoder::UiAccountEncoding;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcTransactionConfig,
};
use solana_rpc_client_api::filter::{Memcmp, RpcFilterType};
use solana_signer::Signer;
use solana_transaction::versioned::{TransactionVersion, VersionedTransaction};
use solana_transaction_status_client_types::UiTransactionEncoding;
use std::collections::HashSet;

const ALT: Pubkey = solana_sdk_ids::address_lookup_table::ID;

/// Every lookup table whose authority is `authority`, deactivated ones included.
async fn tables_of(net: &Net, authority: &Pubkey) -> Vec<Pubkey> {
    let filter = Memcmp::new_raw_bytes(alt::AUTHORITY_OFFSET, alt::authority_bytes(authority));
    let config = RpcProgramAccountsConfig {
        filters: Some(vec![RpcFilterType::Memcmp(filter)]),
        account_config: RpcAccountInfoConfig {
            encoding: Some(UiAccountEncoding::Base64),
            ..Default::default()
        },
        ..Default::default()
    };
    let found = net
        .rpc
        .get_program_ui_accounts_with_config(&ALT, config)
        .await
        .expect("getProgramAccounts on the lookup-table program");
    found.into_iter().map(|(key, _)| key).collect()
}

/// The table at `key`, decoded.
async fn table(net: &Net, key: &Pubkey) -> alt::TableState {
    let data = net.rpc.get_account_data(key).await.expect("the table");
    alt::decode_state(key, &data).expect("a lookup table")
}

/// A table of `authority` (paid by the net's payer) on a slot newer than `after`; returns it
/// and its slot.
async fn create_table(net: &Net, authority: &Pubkey, after: u64) -> (Pubkey, u64) {
    let sysvar = solana_sdk_ids::sysvar::slot_hashes::ID;
    for _ in 0..500 {
        let data = net.rpc.get_account_data(&sysvar).await.expect("SlotHashes");
        let slot = keel_keeper::lookup::newest_slot_hash(&data).expect("a slot hash");
        if slot > after {
            let (ix, key) = alt::create(authority, &net.payer.pubkey(), slot);
            net.send(&[ix], &[]).await;
            return (key, slot);
        }
        tokio::time::sleep(crate::setup::SLOT).await;
    }
    panic!("the slot did not move");
}

/// Signatures of the transactions paid by `payer`, oldest first.
async fn signatures_paid_by(net: &Net, payer: &Pubkey) -> Vec<(String, VersionedTransaction)> {
    let config = RpcTransactionConfig {
        encoding: Some(UiTransactionEncoding::Base64),
        commitment: Some(CommitmentConfig::confirmed()),
        max_supported_transaction_version: Some(0),
    };
    let mut found = vec![];
    let statuses = net
        .rpc
        .get_signatures_for_address(payer)
        .await
        .expect("getSignaturesForAddress");
    for status in statuses.into_iter().rev() {
        let sig = status.signature.parse().expect("a signature");
        let landed = net
            .rpc
            .get_transaction_with_config(&sig, config)
            .await
            .expect("getTransaction");
        let tx = landed
            .transaction
            .transaction
            .decode()
            .expect("a transaction");
        if tx.message.static_account_keys()[0] == *payer {
            found.push((status.signature, tx));
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_keeper_reuses_its_own_lookup_table() {
    let mut net = Net::start().await;
    let signer = Keypair::new();
    let authority = signer.pubkey();
    let sig = net
        .rpc
        .request_airdrop(&authority, 10_000_000_000)
        .await
        .expect("airdrop");
    wait_confirmed(&net.rpc, &sig).await;
    assert!(tables_of(&net, &authority).await.is_empty());

    // First start: no table of the signer's anywhere, so it creates one (and its account).
    let first = net.run_keeper(&signer, net.keeper_config()).await;
    let created = first.lookup_table.expect("a table");
    first.stop().await;
    assert_eq!(tables_of(&net, &authority).await, vec![created]);
    let shared = alt::exchange_addresses(
        &net.exchange,
        &net.known_assets().await,
        &net.known_markets().await,
    );
    let created_state = table(&net, &created).await;
    assert_eq!(created_state.table.addresses, shared);

    // Two decoys of the same signer: an empty table (created, never extended) and a complete
    // one, extended last, whose deactivation has begun.
    let (empty, slot) = create_table(&net, &authority, 0).await;
    let (deactivated, _) = create_table(&net, &authority, slot).await;
    for ix in alt::extend(&deactivated, &authority, &net.payer.pubkey(), &shared) {
        net.send(&[ix], &[&signer]).await;
    }
    let deactivate = Instruction {
        program_id: ALT,
        accounts: vec![
            AccountMeta::new(deactivated, false),
            AccountMeta::new_readonly(authority, true),
        ],
        data: 3u32.to_le_bytes().to_vec(), // ProgramInstruction::DeactivateLookupTable
    };
    net.send(&[deactivate], &[&signer]).await;
    assert_ne!(table(&net, &deactivated).await.deactivation_slot, u64::MAX);

    // Meanwhile a listing (SOL collateral: its asset, vault and mint are new shared addresses)
    // and a trade whose fill the second keeper cranks.
    net.list_sol_collateral().await;
    let maker = net.trader(1_000 * USDC).await;
    let taker = net.trader(1_000 * USDC).await;
    net.place(&maker, limit(Side::Ask, 100, 3)).await;
    net.place(&taker, limit(Side::Bid, 100, 3)).await;
    let before: Vec<Pubkey> = tables_of(&net, &authority).await;
    assert_eq!(before.len(), 3);
    let seen: HashSet<String> = signatures_paid_by(&net, &authority)
        .await
        .into_iter()
        .map(|(sig, _)| sig)
        .collect();

    // Second start, same keypair, no --lookup-table: the first table again.
    let second = net.run_keeper(&signer, net.keeper_config()).await;
    assert_eq!(
        second.lookup_table,
        Some(created),
        "reused, not {empty} or {deactivated}"
    );
    let m = second.metrics.clone();
    let cranked = eventually(20, || async {
        Metrics::get(&m.cranks, "consume_fills") >= 1
    })
    .await;
    assert!(cranked, "the second keeper cranks the fill");
    second.stop().await;

    let mut after = tables_of(&net, &authority).await;
    after.sort();
    let mut expected = before.clone();
    expected.sort();
    assert_eq!(after, expected, "no new table");
    let shared_now = alt::exchange_addresses(
        &net.exchange,
        &net.known_assets().await,
        &net.known_markets().await,
    );
    assert!(shared_now.len() > shared.len());
    let reused = table(&net, &created).await.table.addresses;
    assert_eq!(reused[..shared.len()], shared[..], "the rest unmoved");
    let (held, wanted): (HashSet<_>, HashSet<_>) =
        (reused.iter().collect(), shared_now.iter().collect());
    assert!(
        reused.len() == shared_now.len() && held == wanted,
        "extended with the listing's addresses"
    );
    assert!(table(&net, &empty).await.table.addresses.is_empty());

    // The second keeper's transactions: extensions of the reused table (no create), the rest
    // v0 looking it up.
    let sent: Vec<VersionedTransaction> = signatures_paid_by(&net, &authority)
        .await
        .into_iter()
        .filter(|(sig, _)| !seen.contains(sig))
        .map(|(_, tx)| tx)
        .collect();
    let is_table_tx = |tx: &VersionedTransaction| tx.message.static_account_keys().contains(&ALT);
    let (table_txs, others): (Vec<_>, Vec<_>) = sent.iter().partition(|tx| is_table_tx(tx));
    assert!(!table_txs.is_empty(), "the reused table was extended");
    for tx in &table_txs {
        let keys = tx.message.static_account_keys();
        for ix in tx.message.instructions() {
            if keys[ix.program_id_index as usize] == ALT {
                assert_eq!(
                    ix.data[..4],
                    2u32.to_le_bytes(),
                    "an extension, not a create"
                );
                assert_eq!(keys[ix.accounts[0] as usize], created);
            }
        }
    }
    assert!(!others.is_empty(), "the second keeper sent transactions");
    for tx in &others {
        assert_eq!(tx.version(), TransactionVersion::Number(0), "v0");
        let lookups = tx.message.address_table_lookups().unwrap_or_default();
        assert!(
            !lookups.is_empty() && lookups.iter().all(|l| l.account_key == created),
            "looks up the reused table"
        );
    }
    assert_eq!(
        Metrics::get(&m.transactions_sent, "v0"),
        others.len() as u64
    );
}
