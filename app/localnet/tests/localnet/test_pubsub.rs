//! The PubSub websocket: signature, account, program, slot and logs subscriptions fire with
//! the values the chain holds.

use crate::common::Localnet;
use futures_util::StreamExt;
use solana_account_decoder::UiAccountEncoding;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_pubsub_client::nonblocking::pubsub_client::PubsubClient;
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcSignatureSubscribeConfig,
    RpcTransactionLogsConfig, RpcTransactionLogsFilter,
};
use solana_rpc_client_api::response::RpcSignatureResult;
use solana_signer::Signer;
use std::time::Duration;

/// Waits at most 5 s for the next item of `stream`.
async fn next<S: futures_util::Stream + Unpin>(stream: &mut S) -> S::Item {
    tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .expect("a notification within 5 s")
        .expect("stream open")
}

#[tokio::test]
async fn signature_subscription_fires_at_confirmed() {
    let net = Localnet::start().await;
    let pubsub = PubsubClient::new(&net.node.ws_url()).await.unwrap();
    let to = Keypair::new().pubkey();
    let tx = net.transaction(&[net.pay(&to, 42_000_000)], &[]).await;
    let config = RpcSignatureSubscribeConfig {
        commitment: Some(CommitmentConfig::confirmed()),
        enable_received_notification: None,
    };
    let (mut stream, _unsubscribe) = pubsub
        .signature_subscribe(&tx.signatures[0], Some(config))
        .await
        .unwrap();
    let sig = net.rpc.send_transaction(&tx).await.unwrap();
    let note = next(&mut stream).await;
    assert_eq!(
        note.value,
        RpcSignatureResult::ProcessedSignature(
            solana_rpc_client_api::response::ProcessedSignatureResult { err: None }
        )
    );
    let status = net.rpc.get_signature_statuses(&[sig]).await.unwrap().value[0]
        .clone()
        .expect("status");
    assert!(
        note.context.slot > status.slot,
        "confirmed one slot after landing: {} > {}",
        note.context.slot,
        status.slot
    );
}

#[tokio::test]
async fn signature_subscription_after_landing_fires_at_once() {
    let net = Localnet::start().await;
    let to = Keypair::new().pubkey();
    let sig = net.send(&[net.pay(&to, 5_000_000)], &[]).await.unwrap();
    let pubsub = PubsubClient::new(&net.node.ws_url()).await.unwrap();
    let config = RpcSignatureSubscribeConfig {
        commitment: Some(CommitmentConfig::processed()),
        enable_received_notification: None,
    };
    let (mut stream, _unsubscribe) = pubsub
        .signature_subscribe(&sig, Some(config))
        .await
        .unwrap();
    assert_eq!(
        next(&mut stream).await.value,
        RpcSignatureResult::ProcessedSignature(
            solana_rpc_client_api::response::ProcessedSignatureResult { err: None }
        )
    );
}

#[tokio::test]
async fn account_subscription_fires_with_new_lamports() {
    let net = Localnet::start().await;
    let pubsub = PubsubClient::new(&net.node.ws_url()).await.unwrap();
    let to = Keypair::new().pubkey();
    let config = RpcAccountInfoConfig {
        encoding: Some(UiAccountEncoding::Base64),
        ..Default::default()
    };
    let (mut stream, _unsubscribe) = pubsub.account_subscribe(&to, Some(config)).await.unwrap();
    net.send(&[net.pay(&to, 3_000_000)], &[]).await.unwrap();
    let note = next(&mut stream).await;
    assert_eq!(note.value.lamports, 3_000_000);
    assert_eq!(
        note.value.owner,
        anchor_lang::system_program::ID.to_string()
    );
}

#[tokio::test]
async fn program_subscription_fires_for_new_keel_account() {
    let net = Localnet::start().await;
    let pubsub = PubsubClient::new(&net.node.ws_url()).await.unwrap();
    let config = RpcProgramAccountsConfig {
        filters: Some(vec![
            solana_rpc_client_api::filter::RpcFilterType::DataSize(
                keel::state::MarginAccount::SPACE as u64,
            ),
        ]),
        account_config: RpcAccountInfoConfig {
            encoding: Some(UiAccountEncoding::Base64),
            ..Default::default()
        },
        ..Default::default()
    };
    let (mut stream, _unsubscribe) = pubsub
        .program_subscribe(&keel::ID, Some(config))
        .await
        .unwrap();
    let ex = net.create_exchange().await;
    let owner = Keypair::new();
    net.airdrop(&owner.pubkey(), 1_000_000_000).await;
    let account = net.create_margin_account(&ex.exchange, &owner, 0).await;
    let note = next(&mut stream).await;
    assert_eq!(note.value.pubkey, account.to_string());
}

#[tokio::test]
async fn slot_and_logs_subscriptions_fire() {
    let net = Localnet::start().await;
    let pubsub = PubsubClient::new(&net.node.ws_url()).await.unwrap();
    let (mut slots, _unsubscribe_slots) = pubsub.slot_subscribe().await.unwrap();
    let first = next(&mut slots).await;
    let second = next(&mut slots).await;
    assert_eq!(second.parent, first.slot);
    assert_eq!(second.slot, first.slot + 1);
    let filter = RpcTransactionLogsFilter::Mentions(vec![net.payer.pubkey().to_string()]);
    let (mut logs, _unsubscribe_logs) = pubsub
        .logs_subscribe(filter, RpcTransactionLogsConfig { commitment: None })
        .await
        .unwrap();
    let sig = net
        .send(&[net.pay(&Keypair::new().pubkey(), 9_000_000)], &[])
        .await
        .unwrap();
    let note = next(&mut logs).await;
    assert_eq!(note.value.signature, sig.to_string());
    assert_eq!(note.value.logs.len(), 2);
}
