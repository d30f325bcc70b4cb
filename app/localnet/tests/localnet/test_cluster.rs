//! Cluster behaviour: airdrops and fees, the slot clock, the blockhash window, history.

use crate::common::{Localnet, PAYER_LAMPORTS};
use keel_localnet::chain::blockhash::MAX_PROCESSING_AGE;
use solana_keypair::Keypair;
use solana_rpc_client_api::config::{RpcSimulateTransactionConfig, RpcTransactionConfig};
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;
use solana_transaction_status_client_types::{
    EncodedTransaction, UiMessage, UiTransaction, UiTransactionEncoding,
};

#[tokio::test]
async fn airdrop_lands_as_a_transfer_with_fee_and_logs() {
    let net = Localnet::start().await;
    assert_eq!(
        net.rpc.get_balance(&net.payer.pubkey()).await.unwrap(),
        PAYER_LAMPORTS
    );
    let to = Keypair::new().pubkey();
    let sig = net.airdrop(&to, 1_500_000_000).await;
    assert_eq!(net.rpc.get_balance(&to).await.unwrap(), 1_500_000_000);
    let config = RpcTransactionConfig {
        encoding: Some(UiTransactionEncoding::Json),
        ..Default::default()
    };
    let tx = net
        .rpc
        .get_transaction_with_config(&sig, config)
        .await
        .unwrap();
    let meta = tx.transaction.meta.expect("meta");
    assert_eq!(meta.fee, 5_000);
    assert_eq!(meta.err, None);
    let logs: Vec<String> = meta.log_messages.unwrap();
    assert_eq!(
        logs,
        vec![
            "Program 11111111111111111111111111111111 invoke [1]",
            "Program 11111111111111111111111111111111 success"
        ]
    );
    assert_eq!(meta.post_balances[1] - meta.pre_balances[1], 1_500_000_000);
    assert_eq!(
        meta.pre_balances[0] - meta.post_balances[0],
        1_500_000_000 + 5_000
    );
    let parsed_config = RpcTransactionConfig {
        encoding: Some(UiTransactionEncoding::JsonParsed),
        ..Default::default()
    };
    let parsed = net
        .rpc
        .get_transaction_with_config(&sig, parsed_config)
        .await
        .unwrap();
    let EncodedTransaction::Json(UiTransaction {
        message: UiMessage::Parsed(message),
        ..
    }) = parsed.transaction.transaction
    else {
        panic!("jsonParsed answers a parsed message");
    };
    let flags: Vec<(bool, bool)> = message
        .account_keys
        .iter()
        .map(|k| (k.signer, k.writable))
        .collect();
    assert_eq!(
        flags,
        vec![(true, true), (false, true), (false, false)],
        "faucet signs, recipient written, system program read"
    );
    assert_eq!(message.account_keys[1].pubkey, to.to_string());
    let history = net.rpc.get_signatures_for_address(&to).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].signature, sig.to_string());
}

#[tokio::test]
async fn transfer_charges_the_signature_fee() {
    let net = Localnet::start().await;
    let to = Keypair::new().pubkey();
    let ix = net.pay(&to, 1_000_000);
    net.send(&[ix], &[]).await.unwrap();
    assert_eq!(
        net.rpc.get_balance(&net.payer.pubkey()).await.unwrap(),
        PAYER_LAMPORTS - 1_000_000 - 5_000
    );
    assert_eq!(net.rpc.get_balance(&to).await.unwrap(), 1_000_000);
}

#[tokio::test]
async fn slots_advance_with_the_clock_and_block_height_follows() {
    let net = Localnet::start().await;
    let first = net.rpc.get_slot().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let later = net.rpc.get_slot().await.unwrap();
    assert!(
        later >= first + 3,
        "slot moved from {first} to {later} in 200 ms at 20 ms per slot"
    );
    let height = net.rpc.get_block_height().await.unwrap();
    assert!(
        height >= later,
        "block height {height} follows slot {later}"
    );
    let epoch = net.rpc.get_epoch_info().await.unwrap();
    assert!(epoch.absolute_slot >= later);
    assert_eq!(epoch.transaction_count, Some(1), "the payer's airdrop");
    let version = net.rpc.get_version().await.unwrap();
    assert_eq!(version.solana_core, "3.1.12");
    assert!(version.feature_set.is_some());
}

#[tokio::test]
async fn blockhash_expires_after_the_processing_window() {
    let net = Localnet::start().await;
    let (hash, last_valid) = net
        .rpc
        .get_latest_blockhash_with_commitment(net.rpc.commitment())
        .await
        .unwrap();
    let height = net.rpc.get_block_height().await.unwrap();
    assert!(
        last_valid >= height && last_valid <= height + MAX_PROCESSING_AGE,
        "last valid {last_valid} at height {height}"
    );
    assert!(net
        .rpc
        .is_blockhash_valid(&hash, net.rpc.commitment())
        .await
        .unwrap());
    let to = Keypair::new().pubkey();
    let ix = net.pay(&to, 1);
    let stale = solana_transaction::Transaction::new_signed_with_payer(
        &[ix],
        Some(&net.payer.pubkey()),
        &[&net.payer],
        hash,
    );
    net.node
        .executor()
        .run(|c| (0..=MAX_PROCESSING_AGE).for_each(|_| c.advance_slot()))
        .await
        .unwrap();
    assert!(!net
        .rpc
        .is_blockhash_valid(&hash, net.rpc.commitment())
        .await
        .unwrap());
    let err = net.rpc.send_transaction(&stale).await.unwrap_err();
    assert!(err.to_string().contains("Blockhash not found"), "{err}");
    assert_eq!(net.rpc.get_balance(&to).await.unwrap(), 0);
}

#[tokio::test]
async fn same_transaction_twice_is_already_processed() {
    let net = Localnet::start().await;
    let to = Keypair::new().pubkey();
    let tx = net.transaction(&[net.pay(&to, 7_000_000)], &[]).await;
    net.rpc.send_and_confirm_transaction(&tx).await.unwrap();
    let err = net.rpc.send_transaction(&tx).await.unwrap_err();
    assert!(err.to_string().contains("already been processed"), "{err}");
    assert_eq!(net.rpc.get_balance(&to).await.unwrap(), 7_000_000);
}

#[tokio::test]
async fn priority_fee_is_charged_quoted_and_reported() {
    let net = Localnet::start().await;
    let to = Keypair::new().pubkey();
    let ixs = [
        solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(1_000),
        solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_price(10_000),
        net.pay(&to, 1_000_000),
    ];
    let tx = net.transaction(&ixs, &[]).await;
    let quoted = net.rpc.get_fee_for_message(&tx.message).await.unwrap();
    assert_eq!(
        quoted,
        5_000 + 10,
        "signature fee + 10 000 µlamports × 1 000 CU"
    );
    net.rpc.send_and_confirm_transaction(&tx).await.unwrap();
    assert_eq!(
        net.rpc.get_balance(&net.payer.pubkey()).await.unwrap(),
        PAYER_LAMPORTS - 1_000_000 - 5_010
    );
    let fees = net.rpc.get_recent_prioritization_fees(&[to]).await.unwrap();
    assert!(
        (1..=150).contains(&fees.len()),
        "one entry per recent slot: {}",
        fees.len()
    );
    assert!(
        fees.windows(2).all(|w| w[1].slot == w[0].slot + 1),
        "consecutive slots"
    );
    assert_eq!(
        fees.iter().map(|f| f.prioritization_fee).max(),
        Some(10_000)
    );
}

#[tokio::test]
async fn simulation_replaces_an_unknown_blockhash_only_when_asked() {
    let net = Localnet::start().await;
    let to = Keypair::new().pubkey();
    let unknown = solana_hash::Hash::new_from_array([3; 32]);
    let tx = Transaction::new_signed_with_payer(
        &[net.pay(&to, 2_000_000)],
        Some(&net.payer.pubkey()),
        &[&net.payer],
        unknown,
    );
    let plain = net.rpc.simulate_transaction(&tx).await.unwrap().value;
    assert_eq!(
        plain.err.map(TransactionError::from),
        Some(TransactionError::BlockhashNotFound)
    );
    let replace = RpcSimulateTransactionConfig {
        replace_recent_blockhash: true,
        ..Default::default()
    };
    let replaced = net
        .rpc
        .simulate_transaction_with_config(&tx, replace)
        .await
        .unwrap()
        .value;
    assert_eq!(replaced.err, None, "logs: {:?}", replaced.logs);
    let used = replaced
        .replacement_blockhash
        .expect("the blockhash put in");
    assert!(
        net.rpc
            .is_blockhash_valid(&used.blockhash.parse().unwrap(), net.rpc.commitment())
            .await
            .unwrap(),
        "a recent blockhash"
    );
    assert_eq!(replaced.fee, Some(5_000));
    let both = RpcSimulateTransactionConfig {
        replace_recent_blockhash: true,
        sig_verify: true,
        ..Default::default()
    };
    let err = net
        .rpc
        .simulate_transaction_with_config(&tx, both)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("sigVerify may not be used with replaceRecentBlockhash"),
        "{err}"
    );
    assert_eq!(
        net.rpc.get_balance(&to).await.unwrap(),
        0,
        "simulations write nothing"
    );
}

#[tokio::test]
async fn multiple_accounts_and_genesis_answer_in_order() {
    let net = Localnet::start().await;
    let missing = Keypair::new().pubkey();
    let accounts = net
        .rpc
        .get_multiple_accounts(&[net.payer.pubkey(), missing, keel::ID])
        .await
        .unwrap();
    assert_eq!(
        accounts[0].as_ref().map(|a| a.lamports),
        Some(PAYER_LAMPORTS)
    );
    assert!(accounts[1].is_none());
    assert_eq!(
        accounts[2].as_ref().map(|a| a.executable),
        Some(true),
        "Keel is a loaded program"
    );
    assert!(net
        .rpc
        .get_account_with_commitment(&missing, net.rpc.commitment())
        .await
        .unwrap()
        .value
        .is_none());
    let genesis = net.rpc.get_genesis_hash().await.unwrap();
    let first = net
        .rpc
        .get_signatures_for_address(&net.payer.pubkey())
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    assert_ne!(
        genesis,
        net.rpc.get_latest_blockhash().await.unwrap(),
        "slots have moved on from genesis"
    );
    assert_eq!(
        net.rpc
            .get_minimum_balance_for_rent_exemption(0)
            .await
            .unwrap(),
        890_880
    );
}
