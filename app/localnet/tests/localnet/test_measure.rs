//! Measurements, not assertions of speed: start-up time, sendTransaction throughput and
//! getProgramAccounts latency over many accounts. Run with
//! `cargo test -p keel-localnet --test localnet -- --ignored --nocapture measure`.

use crate::common::{Localnet, TEST_SLOT};
use anchor_lang::prelude::Pubkey;
use futures_util::future::join_all;
use keel::state::MarginAccount;
use keel_localnet::{Node, NodeConfig};
use solana_account::{AccountSharedData, WritableAccount};
use solana_account_decoder::UiAccountEncoding;
use solana_keypair::Keypair;
use solana_rpc_client_api::config::{RpcAccountInfoConfig, RpcProgramAccountsConfig};
use solana_rpc_client_api::filter::{Memcmp, RpcFilterType};
use solana_signer::Signer;
use std::time::Instant;

const TRANSFERS: u64 = 500;
const PROGRAM_ACCOUNTS: usize = 10_000;

#[tokio::test]
#[ignore = "a measurement; run it explicitly"]
async fn measure_startup_throughput_and_program_accounts() {
    for run in ["first (installs the syscall stubs)", "second"] {
        let started = Instant::now();
        let node = Node::start(NodeConfig::local(0, 0)).await.unwrap();
        println!("node start-up, {run}: {} ms", started.elapsed().as_millis());
        node.shutdown().await;
    }

    let net = Localnet::start().await;
    let blockhash = net.rpc.get_latest_blockhash().await.unwrap();
    let to = Keypair::new().pubkey();
    net.airdrop(&to, 1_000_000_000).await;
    let txs: Vec<_> = (1..=TRANSFERS)
        .map(|lamports| {
            let ix =
                solana_system_interface::instruction::transfer(&net.payer.pubkey(), &to, lamports);
            solana_transaction::Transaction::new_signed_with_payer(
                &[ix],
                Some(&net.payer.pubkey()),
                &[&net.payer],
                blockhash,
            )
        })
        .collect();
    let started = Instant::now();
    for tx in &txs[..TRANSFERS as usize / 2] {
        net.rpc.send_transaction(tx).await.unwrap();
    }
    let sequential = started.elapsed();
    let started = Instant::now();
    let sent = join_all(
        txs[TRANSFERS as usize / 2..]
            .iter()
            .map(|tx| net.rpc.send_transaction(tx)),
    )
    .await;
    let concurrent = started.elapsed();
    assert!(sent.iter().all(Result::is_ok));
    let half = TRANSFERS as f64 / 2.0;
    println!(
        "sendTransaction (transfer, with preflight), one at a time: {:.0} tx/s",
        half / sequential.as_secs_f64()
    );
    println!(
        "sendTransaction (transfer, with preflight), {} in flight: {:.0} tx/s",
        TRANSFERS / 2,
        half / concurrent.as_secs_f64()
    );
    tokio::time::sleep(TEST_SLOT * 3).await;
    assert_eq!(
        net.rpc.get_balance(&to).await.unwrap(),
        1_000_000_000 + TRANSFERS * (TRANSFERS + 1) / 2
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
