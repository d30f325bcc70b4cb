//! Measurements, not assertions of speed: start-up time, sendTransaction throughput and
//! getProgramAccounts latency over many accounts. Run with
//! `cargo test -p keel-localnet --test localnet -- --ignored --nocapture measure`.

use crate::common::Localnet;
use anchor_lang::prelude::Pubkey;
use futures_util::future::join_all;
use keel::state::MarginAccount;
use keel_localnet::{Node, NodeConfig};
use solana_account::{AccountSharedData, WritableAccount};
use solana_account_decoder::UiAccountEncoding;
use solana_keypair::Keypair;
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcSendTransactionConfig,
};
use solana_rpc_client_api::filter::{Memcmp, RpcFilterType};
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction::Transaction;
use std::time::Instant;

const TRANSFERS: u64 = 600;
const PROGRAM_ACCOUNTS: usize = 10_000;

/// Prints the rate of `count` transactions sent since `started`.
fn report(how: &str, count: usize, started: Instant) {
    println!(
        "sendTransaction (transfer) {how}: {:.0} tx/s",
        count as f64 / started.elapsed().as_secs_f64()
    );
}

#[tokio::test]
#[ignore = "a measurement; run it explicitly"]
async fn measure_startup_throughput_and_program_accounts() {
    for run in ["first (installs the syscall stubs)", "second"] {
        let started = Instant::now();
        let node = Node::start(NodeConfig::local(0, 0)).await.unwrap();
        println!("node start-up, {run}: {} ms", started.elapsed().as_millis());
        node.shutdown().await;
    }

    // Real 400 ms slots: the blockhash stays valid for a minute while the transfers are signed.
    let net =
        Localnet::start_with(|config| config.slot_time = std::time::Duration::from_millis(400))
            .await;
    let blockhash = net.rpc.get_latest_blockhash().await.unwrap();
    let to = Keypair::new().pubkey();
    net.airdrop(&to, 1_000_000_000).await;
    let transfer = |lamports| {
        Transaction::new_signed_with_payer(
            &[net.pay(&to, lamports)],
            Some(&net.payer.pubkey()),
            &[&net.payer],
            blockhash,
        )
    };
    let txs: Vec<_> = (1..=TRANSFERS).map(transfer).collect();
    let third = TRANSFERS as usize / 3;
    let started = Instant::now();
    for tx in &txs[..third] {
        net.rpc.send_transaction(tx).await.unwrap();
    }
    report("with preflight, one at a time", third, started);
    let started = Instant::now();
    let sent = join_all(
        txs[third..2 * third]
            .iter()
            .map(|tx| net.rpc.send_transaction(tx)),
    )
    .await;
    if let Some(Err(err)) = sent.iter().find(|r| r.is_err()) {
        panic!(
            "{} of {third} concurrent sends failed, first: {err}",
            sent.iter().filter(|r| r.is_err()).count()
        );
    }
    report(
        &format!("with preflight, {third} in flight"),
        third,
        started,
    );
    let skip = RpcSendTransactionConfig {
        skip_preflight: true,
        ..Default::default()
    };
    let started = Instant::now();
    for tx in &txs[2 * third..] {
        net.rpc
            .send_transaction_with_config(tx, skip)
            .await
            .unwrap();
    }
    report(
        "skipPreflight, one at a time",
        txs.len() - 2 * third,
        started,
    );
    let direct: Vec<_> = (1..=100u64)
        .map(|lamports| VersionedTransaction::from(transfer(1_000_000 + lamports)))
        .collect();
    let (landed, took) = net
        .node
        .executor()
        .run(move |c| {
            let started = Instant::now();
            let landed = direct
                .into_iter()
                .filter(|tx| c.send(tx.clone()).is_ok())
                .count();
            (landed, started.elapsed())
        })
        .await
        .unwrap();
    assert_eq!(landed, 100);
    println!("Chain::send on the executor (checks, signature verification, execution, history): {:.1} ms per transfer", took.as_secs_f64() * 10.0);
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    assert_eq!(
        net.rpc.get_balance(&to).await.unwrap(),
        1_000_000_000 + TRANSFERS * (TRANSFERS + 1) / 2 + 100 * 1_000_000 + 5_050
    );

    let owner = Pubkey::new_unique();
    net.node
        .executor()
        .run(move |c| {
            let accounts = (0..PROGRAM_ACCOUNTS)
                .map(|i| {
                    let mut account =
                        AccountSharedData::new(1_000_000, MarginAccount::SPACE, &keel::ID);
                    if i % 100 == 0 {
                        account.data_as_mut_slice()
                            [8 + core::mem::offset_of!(MarginAccount, owner)..][..32]
                            .copy_from_slice(owner.as_ref());
                    }
                    (Pubkey::new_unique(), account)
                })
                .collect();
            c.write_accounts(accounts);
        })
        .await
        .unwrap();
    let config = RpcProgramAccountsConfig {
        filters: Some(vec![
            RpcFilterType::DataSize(MarginAccount::SPACE as u64),
            RpcFilterType::Memcmp(Memcmp::new_base58_encoded(
                8 + core::mem::offset_of!(MarginAccount, owner),
                owner.as_ref(),
            )),
        ]),
        account_config: RpcAccountInfoConfig {
            encoding: Some(UiAccountEncoding::Base64),
            ..Default::default()
        },
        ..Default::default()
    };
    let rounds = 20;
    let started = Instant::now();
    for _ in 0..rounds {
        let found = net
            .rpc
            .get_program_ui_accounts_with_config(&keel::ID, config.clone())
            .await
            .unwrap();
        assert_eq!(found.len(), PROGRAM_ACCOUNTS / 100);
    }
    println!(
        "getProgramAccounts over {PROGRAM_ACCOUNTS} Keel accounts of {} bytes, memcmp + dataSize, {} matches: {:.1} ms",
        MarginAccount::SPACE,
        PROGRAM_ACCOUNTS / 100,
        started.elapsed().as_secs_f64() * 1_000.0 / rounds as f64
    );
}
