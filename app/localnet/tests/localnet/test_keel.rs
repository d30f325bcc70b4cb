//! Keel over RPC: an exchange, margin accounts and a deposit made with keel-client's builders,
//! the health view read through simulateTransaction, accounts found by filters, a failure's
//! program error and logs.

use crate::common::Localnet;
use anchor_lang::prelude::Pubkey;
use anchor_lang::AnchorDeserialize;
use base64::Engine;
use keel::error::KeelError;
use keel::instructions::risk::HealthReport;
use keel::state::MarginAccount;
use keel_client::health::{health_accounts, KnownAsset};
use keel_client::{accounts, instructions as kix, pda};
use solana_account_decoder::UiAccountEncoding;
use solana_keypair::Keypair;
use solana_rpc_client_api::client_error::ErrorKind;
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcSimulateTransactionConfig,
};
use solana_rpc_client_api::filter::{Memcmp, RpcFilterType};
use solana_rpc_client_api::request::{RpcError, RpcResponseErrorData};
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

/// Offset of `MarginAccount::owner` in the account data (after the 8-byte discriminator).
const OWNER_OFFSET: usize = 8 + core::mem::offset_of!(MarginAccount, owner);

/// A trader with a margin account and a quote wallet holding `funded` native units.
pub struct Trader {
    pub owner: Keypair,
    pub account: Pubkey,
    pub wallet: Pubkey,
}

pub async fn trader(net: &Localnet, exchange: &Pubkey, quote_mint: &Pubkey, funded: u64) -> Trader {
    let owner = Keypair::new();
    net.airdrop(&owner.pubkey(), 1_000_000_000).await;
    let account = net.create_margin_account(exchange, &owner, 0).await;
    let wallet = net.create_token_account(quote_mint, &owner.pubkey()).await;
    net.mint_to(quote_mint, &wallet, funded).await;
    Trader {
        owner,
        account,
        wallet,
    }
}

/// The health report of `account` from simulating the `health` view over RPC.
async fn simulated_health(
    net: &Localnet,
    exchange: &Pubkey,
    quote_mint: &Pubkey,
    account: &Pubkey,
) -> HealthReport {
    let margin = accounts::margin_account(&net.rpc.get_account_data(account).await.unwrap())
        .expect("margin account");
    let asset_address = pda::asset(exchange, quote_mint);
    let asset =
        accounts::collateral_asset(&net.rpc.get_account_data(&asset_address).await.unwrap())
            .expect("asset");
    let metas = health_accounts(
        &margin,
        &[KnownAsset {
            address: asset_address,
            asset,
        }],
        &[],
    )
    .expect("known assets");
    let tx = net
        .transaction(&[kix::health(exchange, account, metas)], &[])
        .await;
    let config = RpcSimulateTransactionConfig {
        sig_verify: true,
        ..Default::default()
    };
    let sim = net
        .rpc
        .simulate_transaction_with_config(&tx, config)
        .await
        .unwrap()
        .value;
    assert_eq!(sim.err, None, "logs: {:?}", sim.logs);
    let data = sim.return_data.expect("health view returns data");
    assert_eq!(data.program_id, keel::ID.to_string());
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&data.data.0)
        .unwrap();
    HealthReport::deserialize(&mut bytes.as_slice()).expect("a HealthReport")
}

#[tokio::test]
async fn deposit_moves_tokens_and_health_view_reports_it() {
    let net = Localnet::start().await;
    let ex = net.create_exchange().await;
    let t = trader(&net, &ex.exchange, &ex.quote_mint, 1_000_000_000).await;
    let deposit = kix::deposit(
        &t.owner.pubkey(),
        &ex.exchange,
        &t.account,
        &ex.quote_mint,
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
    let report = simulated_health(&net, &ex.exchange, &ex.quote_mint, &t.account).await;
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
    let alice = Keypair::new();
    let bob = Keypair::new();
    net.airdrop(&alice.pubkey(), 1_000_000_000).await;
    net.airdrop(&bob.pubkey(), 1_000_000_000).await;
    let alice_0 = net.create_margin_account(&ex.exchange, &alice, 0).await;
    let alice_1 = net.create_margin_account(&ex.exchange, &alice, 1).await;
    net.create_margin_account(&ex.exchange, &bob, 0).await;
    let filtered = |filters: Vec<RpcFilterType>| RpcProgramAccountsConfig {
        filters: Some(filters),
        account_config: RpcAccountInfoConfig {
            encoding: Some(UiAccountEncoding::Base64),
            ..Default::default()
        },
        ..Default::default()
    };
    let size = RpcFilterType::DataSize(MarginAccount::SPACE as u64);
    let all = net
        .rpc
        .get_program_ui_accounts_with_config(&keel::ID, filtered(vec![size.clone()]))
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    let by_alice = RpcFilterType::Memcmp(Memcmp::new_base58_encoded(
        OWNER_OFFSET,
        &alice.pubkey().to_bytes(),
    ));
    let mut found: Vec<Pubkey> = net
        .rpc
        .get_program_ui_accounts_with_config(&keel::ID, filtered(vec![size, by_alice]))
        .await
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    found.sort();
    let mut expected = vec![alice_0, alice_1];
    expected.sort();
    assert_eq!(found, expected);
    for (_, account) in net
        .rpc
        .get_program_ui_accounts_with_config(
            &keel::ID,
            filtered(vec![RpcFilterType::DataSize(MarginAccount::SPACE as u64)]),
        )
        .await
        .unwrap()
    {
        assert_eq!(
            account.data.decode().map(|d| d.len()),
            Some(MarginAccount::SPACE)
        );
        assert_eq!(account.owner, keel::ID.to_string());
    }
}

#[tokio::test]
async fn program_accounts_data_slice_returns_only_the_slice() {
    let net = Localnet::start().await;
    let ex = net.create_exchange().await;
    let owner = Keypair::new();
    net.airdrop(&owner.pubkey(), 1_000_000_000).await;
    net.create_margin_account(&ex.exchange, &owner, 0).await;
    let config = RpcProgramAccountsConfig {
        filters: Some(vec![RpcFilterType::DataSize(MarginAccount::SPACE as u64)]),
        account_config: RpcAccountInfoConfig {
            encoding: Some(UiAccountEncoding::Base64),
            data_slice: Some(solana_account_decoder::UiDataSliceConfig {
                offset: OWNER_OFFSET,
                length: 32,
            }),
            ..Default::default()
        },
        ..Default::default()
    };
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
    let t = trader(&net, &ex.exchange, &ex.quote_mint, 100_000_000).await;
    net.send(
        &[kix::deposit(
            &t.owner.pubkey(),
            &ex.exchange,
            &t.account,
            &ex.quote_mint,
            &t.wallet,
            100_000_000,
        )],
        &[&t.owner],
    )
    .await
    .unwrap();
    let margin =
        accounts::margin_account(&net.rpc.get_account_data(&t.account).await.unwrap()).unwrap();
    let asset_address = pda::asset(&ex.exchange, &ex.quote_mint);
    let asset =
        accounts::collateral_asset(&net.rpc.get_account_data(&asset_address).await.unwrap())
            .unwrap();
    let metas = health_accounts(
        &margin,
        &[KnownAsset {
            address: asset_address,
            asset,
        }],
        &[],
    )
    .unwrap();
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
            solana_instruction_error::InstructionError::Custom(want)
        ))
    );
    let logs = sim.logs.clone().unwrap_or_default();
    assert_eq!(
        logs.first().map(String::as_str),
        Some(format!("Program {} invoke [1]", keel::ID).as_str()),
        "logs: {logs:?}"
    );
    assert_eq!(
        logs.last().map(String::as_str),
        Some(
            format!(
                "Program {} failed: custom program error: {want:#x}",
                keel::ID
            )
            .as_str()
        ),
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
    let t = trader(&net, &ex.exchange, &ex.quote_mint, 0).await;
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
    let config = solana_rpc_client_api::config::RpcSendTransactionConfig {
        skip_preflight: true,
        ..Default::default()
    };
    let sig = net
        .rpc
        .send_transaction_with_config(&tx, config)
        .await
        .unwrap();
    let status = net.confirm(&sig).await;
    let want = TransactionError::InstructionError(
        0,
        solana_instruction_error::InstructionError::Custom(KeelError::NoSuchBalance.into()),
    );
    assert_eq!(status.err, Some(want.clone()));
    let landed = net
        .rpc
        .get_transaction(
            &sig,
            solana_transaction_status_client_types::UiTransactionEncoding::Json,
        )
        .await
        .unwrap();
    let meta = landed.transaction.meta.expect("meta");
    assert_eq!(meta.err.map(TransactionError::from), Some(want));
    assert_eq!(meta.fee, 10_000, "two signatures");
    let logs: Vec<String> = meta.log_messages.unwrap();
    assert_eq!(
        logs.last().map(String::as_str),
        Some(
            format!(
                "Program {} failed: custom program error: {:#x}",
                keel::ID,
                u32::from(KeelError::NoSuchBalance)
            )
            .as_str()
        )
    );
    assert_eq!(
        net.rpc.get_balance(&net.payer.pubkey()).await.unwrap(),
        payer_before - 10_000
    );
}
