//! Keel over RPC: an exchange, margin accounts and a deposit made with keel-client's builders,
//! the health view read through simulateTransaction, accounts found by filters, a failure's
//! program error and logs.

use crate::common::Localnet;
use anchor_lang::prelude::Pubkey;
use keel::error::KeelError;
use keel::state::MarginAccount;
use keel_client::{instructions as kix, pda};
use solana_account_decoder::{UiAccountEncoding, UiDataSliceConfig};
use solana_instruction_error::InstructionError;
use solana_keypair::Keypair;
use solana_rpc_client_api::client_error::ErrorKind;
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcSendTransactionConfig,
};
use solana_rpc_client_api::filter::{Memcmp, RpcFilterType};
use solana_rpc_client_api::request::{RpcError, RpcResponseErrorData};
use solana_signer::Signer;
use solana_transaction_error::TransactionError;
use solana_transaction_status_client_types::UiTransactionEncoding;

/// Offset of `MarginAccount::owner` in the account data (after the 8-byte discriminator).
const OWNER_OFFSET: usize = 8 + core::mem::offset_of!(MarginAccount, owner);

/// getProgramAccounts of Keel with `filters`, base64, optionally sliced.
fn keel_accounts(
    filters: Vec<RpcFilterType>,
    data_slice: Option<UiDataSliceConfig>,
) -> RpcProgramAccountsConfig {
    RpcProgramAccountsConfig {
        filters: Some(filters),
        account_config: RpcAccountInfoConfig {
            encoding: Some(UiAccountEncoding::Base64),
            data_slice,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// The logs' first and last lines when Keel fails with `code`.
fn failure_logs(code: u32) -> (String, String) {
    (
        format!("Program {} invoke [1]", keel::ID),
        format!(
            "Program {} failed: custom program error: {code:#x}",
            keel::ID
        ),
    )
}

#[tokio::test]
async fn deposit_moves_tokens_and_health_view_reports_it() {
    let net = Localnet::start().await;
    let ex = net.create_exchange().await;
    let t = net.trader(&ex, 1_000_000_000).await;
    let deposit = kix::deposit(
        &t.owner.pubkey(),
        &ex.exchange,
        &t.account,
        &ex.quote_mint,
        None,
        &t.wallet,
        250_000_000,
    );
    net.send(&[deposit], &[&t.owner]).await.unwrap();
    assert_eq!(net.token_balance(&t.wallet).await, 750_000_000);
    assert_eq!(
        net.token_balance(&pda::vault(&ex.exchange, &ex.quote_mint))
            .await,
        250_000_000
    );
    let known = [net.known_asset(&ex.exchange, &ex.quote_mint).await];
    let report = net.health(&ex.exchange, &t.account, &known).await.unwrap();
    assert_eq!(report.collateral_value, 250_000_000);
    assert_eq!(
        (
            report.init.assets,
            report.init.liabilities,
            report.init.health
        ),
        (250_000_000, 0, 250_000_000)
    );
    assert_eq!(report.maint.health, 250_000_000);
    assert_eq!(report.collaterals.len(), 1);
    assert_eq!(
        (
            report.collaterals[0].asset_index,
            report.collaterals[0].balance
        ),
        (0, 250_000_000)
    );
}

#[tokio::test]
async fn program_accounts_filters_find_margin_accounts_by_owner() {
    let net = Localnet::start().await;
    let ex = net.create_exchange().await;
    let (alice, bob) = (Keypair::new(), Keypair::new());
    net.airdrop(&alice.pubkey(), 1_000_000_000).await;
    net.airdrop(&bob.pubkey(), 1_000_000_000).await;
    let mut expected = vec![
        net.create_margin_account(&ex.exchange, &alice, 0).await,
        net.create_margin_account(&ex.exchange, &alice, 1).await,
    ];
    net.create_margin_account(&ex.exchange, &bob, 0).await;
    let size = RpcFilterType::DataSize(MarginAccount::SPACE as u64);
    let all = net
        .rpc
        .get_program_ui_accounts_with_config(&keel::ID, keel_accounts(vec![size.clone()], None))
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    for (_, account) in &all {
        assert_eq!(
            account.data.decode().map(|d| d.len()),
            Some(MarginAccount::SPACE)
        );
        assert_eq!(account.owner, keel::ID.to_string());
    }
    let by_alice = RpcFilterType::Memcmp(Memcmp::new_base58_encoded(
        OWNER_OFFSET,
        &alice.pubkey().to_bytes(),
    ));
    let config = keel_accounts(vec![size, by_alice], None);
    let mut found: Vec<Pubkey> = net
        .rpc
        .get_program_ui_accounts_with_config(&keel::ID, config)
        .await
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    found.sort();
    expected.sort();
    assert_eq!(found, expected);
}

#[tokio::test]
async fn program_accounts_data_slice_returns_only_the_slice() {
    let net = Localnet::start().await;
    let ex = net.create_exchange().await;
    let owner = Keypair::new();
    net.airdrop(&owner.pubkey(), 1_000_000_000).await;
    net.create_margin_account(&ex.exchange, &owner, 0).await;
    let slice = UiDataSliceConfig {
        offset: OWNER_OFFSET,
        length: 32,
    };
    let config = keel_accounts(
        vec![RpcFilterType::DataSize(MarginAccount::SPACE as u64)],
        Some(slice),
    );
    let found = net
        .rpc
        .get_program_ui_accounts_with_config(&keel::ID, config)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].1.data.decode(),
        Some(owner.pubkey().to_bytes().to_vec())
    );
}

#[tokio::test]
async fn failing_withdraw_returns_keel_error_and_logs() {
    let net = Localnet::start().await;
    let ex = net.create_exchange().await;
    let t = net.trader(&ex, 100_000_000).await;
    net.send(
        &[kix::deposit(
            &t.owner.pubkey(),
            &ex.exchange,
            &t.account,
            &ex.quote_mint,
            None,
            &t.wallet,
            100_000_000,
        )],
        &[&t.owner],
    )
    .await
    .unwrap();
    let metas = net
        .health_metas(
            &t.account,
            &[net.known_asset(&ex.exchange, &ex.quote_mint).await],
        )
        .await;
    let withdraw = kix::withdraw(
        &t.owner.pubkey(),
        &ex.exchange,
        &t.account,
        &ex.quote_mint,
        &t.wallet,
        100_000_001,
        metas,
    );
    let err = net.send(&[withdraw], &[&t.owner]).await.unwrap_err();
    let ErrorKind::RpcError(RpcError::RpcResponseError {
        code,
        data: RpcResponseErrorData::SendTransactionPreflightFailure(sim),
        ..
    }) = err.kind()
    else {
        panic!("expected a preflight failure, got {err:?}");
    };
    assert_eq!(*code, -32002);
    let want = u32::from(KeelError::InsufficientBalance);
    assert_eq!(
        sim.err.clone().map(TransactionError::from),
        Some(TransactionError::InstructionError(
            0,
            InstructionError::Custom(want)
        ))
    );
    let logs = sim.logs.clone().unwrap_or_default();
    let (first, last) = failure_logs(want);
    assert_eq!(
        (logs.first(), logs.last()),
        (Some(&first), Some(&last)),
        "logs: {logs:?}"
    );
    assert_eq!(
        net.token_balance(&pda::vault(&ex.exchange, &ex.quote_mint))
            .await,
        100_000_000
    );
}

#[tokio::test]
async fn failing_withdraw_sent_without_preflight_lands_failed_and_pays_its_fee() {
    let net = Localnet::start().await;
    let ex = net.create_exchange().await;
    let t = net.trader(&ex, 0).await;
    let withdraw = kix::withdraw(
        &t.owner.pubkey(),
        &ex.exchange,
        &t.account,
        &ex.quote_mint,
        &t.wallet,
        1,
        vec![],
    );
    let tx = net.transaction(&[withdraw], &[&t.owner]).await;
    let payer_before = net.rpc.get_balance(&net.payer.pubkey()).await.unwrap();
    let config = RpcSendTransactionConfig {
        skip_preflight: true,
        ..Default::default()
    };
    let sig = net
        .rpc
        .send_transaction_with_config(&tx, config)
        .await
        .unwrap();
    let status = net.confirm(&sig).await;
    let code = u32::from(KeelError::NoSuchBalance);
    let want = TransactionError::InstructionError(0, InstructionError::Custom(code));
    assert_eq!(status.err, Some(want.clone()));
    let landed = net
        .rpc
        .get_transaction(&sig, UiTransactionEncoding::Json)
        .await
        .unwrap();
    let meta = landed.transaction.meta.expect("meta");
    assert_eq!(meta.err.map(TransactionError::from), Some(want));
    assert_eq!(meta.fee, 10_000, "two signatures");
    let logs: Vec<String> = meta.log_messages.unwrap();
    assert_eq!(logs.last(), Some(&failure_logs(code).1));
    assert_eq!(
        net.rpc.get_balance(&net.payer.pubkey()).await.unwrap(),
        payer_before - 10_000
    );
}
