//! SPL Token methods and `jsonParsed`: balances, supply, accounts by owner, parsed accounts.

use crate::common::Localnet;
use solana_account_decoder::{UiAccountData, UiAccountEncoding};
use solana_keypair::Keypair;
use solana_rpc_client_api::config::RpcAccountInfoConfig;
use solana_rpc_client_api::request::TokenAccountsFilter;
use solana_signer::Signer;

#[tokio::test]
async fn token_balances_supply_and_accounts_by_owner() {
    let net = Localnet::start().await;
    let owner = Keypair::new().pubkey();
    let (usdc, other) = (net.create_mint(6).await, net.create_mint(9).await);
    let first = net.create_token_account(&usdc, &owner).await;
    let second = net.create_token_account(&usdc, &owner).await;
    net.create_token_account(&other, &owner).await;
    net.mint_to(&usdc, &first, 1_500_000).await;
    net.mint_to(&usdc, &second, 250_000).await;
    let balance = net.rpc.get_token_account_balance(&first).await.unwrap();
    assert_eq!(
        (
            balance.amount.as_str(),
            balance.decimals,
            balance.ui_amount_string.as_str()
        ),
        ("1500000", 6, "1.5")
    );
    let supply = net.rpc.get_token_supply(&usdc).await.unwrap();
    assert_eq!(
        (supply.amount.as_str(), supply.ui_amount_string.as_str()),
        ("1750000", "1.75")
    );
    let of_usdc = net
        .rpc
        .get_token_accounts_by_owner(&owner, TokenAccountsFilter::Mint(usdc))
        .await
        .unwrap();
    let mut found: Vec<String> = of_usdc.iter().map(|k| k.pubkey.clone()).collect();
    found.sort();
    let mut expected = vec![first.to_string(), second.to_string()];
    expected.sort();
    assert_eq!(found, expected);
    let UiAccountData::Json(parsed) = &of_usdc[0].account.data else {
        panic!("jsonParsed token account: {:?}", of_usdc[0].account.data);
    };
    assert_eq!(parsed.program, "spl-token");
    assert_eq!(parsed.parsed["info"]["owner"], owner.to_string());
    assert_eq!(parsed.parsed["info"]["tokenAmount"]["decimals"], 6);
    let all = net
        .rpc
        .get_token_accounts_by_owner(
            &owner,
            TokenAccountsFilter::ProgramId(anchor_spl::token::ID),
        )
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    let err = net.rpc.get_token_account_balance(&owner).await.unwrap_err();
    assert!(err.to_string().contains("could not find account"), "{err}");
}

#[tokio::test]
async fn json_parsed_mint_and_base64_fallback() {
    let net = Localnet::start().await;
    let mint = net.create_mint(6).await;
    let config = RpcAccountInfoConfig {
        encoding: Some(UiAccountEncoding::JsonParsed),
        ..Default::default()
    };
    let parsed = net
        .rpc
        .get_ui_account_with_config(&mint, config.clone())
        .await
        .unwrap();
    let Some(UiAccountData::Json(json)) = parsed.value.map(|a| a.data) else {
        panic!("a parsed mint");
    };
    assert_eq!(json.parsed["type"], "mint");
    assert_eq!(json.parsed["info"]["decimals"], 6);
    assert_eq!(
        json.parsed["info"]["mintAuthority"],
        net.payer.pubkey().to_string()
    );
    let ex = net.create_exchange().await;
    let keel_account = net
        .rpc
        .get_ui_account_with_config(&ex.exchange, config)
        .await
        .unwrap()
        .value
        .expect("exchange");
    assert!(
        matches!(
            keel_account.data,
            UiAccountData::Binary(_, UiAccountEncoding::Base64)
        ),
        "Keel accounts fall back to base64"
    );
}
