//! The price simulator through the `keel_*` methods: a price set by keel_setPrice is in the
//! PriceUpdateV2 account and in Keel's health view; a paused feed goes stale; a crash moves the
//! price over its duration.

use crate::common::Localnet;
use anchor_lang::prelude::Pubkey;
use anchor_lang::AccountDeserialize;
use keel::error::KeelError;
use keel::instructions::risk::ListAssetArgs;
use keel::oracle::OracleKind;
use keel_client::health::KnownAsset;
use keel_client::instructions as kix;
use keel_localnet::prices::FeedConfig;
use keel_tests::context::volatile_params;
use pyth_solana_receiver_sdk::price_update::{PriceUpdateV2, VerificationLevel};
use serde_json::json;
use solana_rpc_client_api::request::RpcRequest;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;
use std::str::FromStr;

const SOL_DECIMALS: u8 = 9;

/// A node whose feeds do not move on their own (volatility 0), so values are exact.
async fn still_market() -> Localnet {
    Localnet::start_with(|config| {
        config
            .prices
            .feeds
            .iter_mut()
            .for_each(|f: &mut FeedConfig| f.volatility = 0.0)
    })
    .await
}

/// The feed `symbol` as keel_feeds reports it.
async fn feed(net: &Localnet, symbol: &str) -> serde_json::Value {
    let feeds: serde_json::Value = net
        .rpc
        .send(
            RpcRequest::Custom {
                method: "keel_feeds",
            },
            json!([]),
        )
        .await
        .unwrap();
    feeds
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["symbol"] == symbol)
        .cloned()
        .expect("feed listed")
}

/// An exchange with SOL listed on the simulated SOL/USD feed, and a trader with 2 SOL deposited.
async fn sol_trader(net: &Localnet) -> (Pubkey, Vec<KnownAsset>, Pubkey) {
    let ex = net.create_exchange().await;
    let sol_feed = feed(net, "SOL/USD").await;
    let oracle = Pubkey::from_str(sol_feed["address"].as_str().unwrap()).unwrap();
    let feed_id =
        keel_localnet::prices::feed::feed_id_from_hex(sol_feed["feedId"].as_str().unwrap())
            .unwrap();
    let sol_mint = net.create_mint(SOL_DECIMALS).await;
    let args = ListAssetArgs {
        params: volatile_params(),
        oracle_kind: OracleKind::PythPull,
        feed_id,
    };
    net.send(
        &[kix::list_asset(
            &net.payer.pubkey(),
            &ex.admin.pubkey(),
            &ex.exchange,
            &sol_mint,
            Some(oracle),
            args,
        )],
        &[&ex.admin],
    )
    .await
    .unwrap();
    let t = net.trader(&ex, 0).await;
    let sol_wallet = net.create_token_account(&sol_mint, &t.owner.pubkey()).await;
    net.mint_to(&sol_mint, &sol_wallet, 2_000_000_000).await;
    let deposit = kix::deposit(
        &t.owner.pubkey(),
        &ex.exchange,
        &t.account,
        &sol_mint,
        Some(oracle),
        &sol_wallet,
        2_000_000_000,
    );
    net.send(&[deposit], &[&t.owner]).await.unwrap();
    let known = vec![
        net.known_asset(&ex.exchange, &ex.quote_mint).await,
        net.known_asset(&ex.exchange, &sol_mint).await,
    ];
    (ex.exchange, known, t.account)
}

#[tokio::test]
async fn set_price_is_in_the_price_account_and_the_health_view() {
    let net = still_market().await;
    let (exchange, known, account) = sol_trader(&net).await;
    let before = net.health(&exchange, &account, &known).await.unwrap();
    assert_eq!(
        before.collateral_value, 300_000_000,
        "2 SOL at the starting $150"
    );
    let set: serde_json::Value = net
        .rpc
        .send(
            RpcRequest::Custom {
                method: "keel_setPrice",
            },
            json!(["SOL/USD", 100.0, {"confBps": 0.0}]),
        )
        .await
        .unwrap();
    assert_eq!(set["price"], 100.0);
    let data = net
        .rpc
        .get_account_data(&known[1].asset.oracle)
        .await
        .unwrap();
    let update = PriceUpdateV2::try_deserialize(&mut data.as_slice()).unwrap();
    assert_eq!(
        (
            update.price_message.price,
            update.price_message.exponent,
            update.price_message.conf
        ),
        (10_000_000_000, -8, 0)
    );
    assert_eq!(update.verification_level, VerificationLevel::Full);
    let after = net.health(&exchange, &account, &known).await.unwrap();
    assert_eq!(
        after.collateral_value, 200_000_000,
        "2 SOL at $100, in USDC native"
    );
    assert_eq!(after.maint.assets, 180_000_000, "maint weight 0.90");
    assert_eq!(
        after.init.assets, 160_000_000,
        "init weight 0.80, no confidence"
    );
}

#[tokio::test]
async fn paused_feed_goes_stale_and_health_view_refuses() {
    let net = still_market().await;
    let (exchange, known, account) = sol_trader(&net).await;
    let paused: serde_json::Value = net
        .rpc
        .send(
            RpcRequest::Custom {
                method: "keel_pauseFeed",
            },
            json!(["SOL/USD"]),
        )
        .await
        .unwrap();
    assert_eq!(paused["paused"], true);
    let published = paused["publishTime"].as_i64().unwrap();
    let now: i64 = net
        .rpc
        .send(
            RpcRequest::Custom {
                method: "keel_warpTime",
            },
            json!([61]),
        )
        .await
        .unwrap();
    assert!(now >= published + 61);
    assert_eq!(
        feed(&net, "SOL/USD").await["publishTime"].as_i64().unwrap(),
        published,
        "a paused feed publishes nothing"
    );
    let err = net.health(&exchange, &account, &known).await.unwrap_err();
    assert_eq!(
        err,
        TransactionError::InstructionError(
            0,
            solana_instruction_error::InstructionError::Custom(KeelError::OracleStale.into())
        )
    );
    net.rpc
        .send::<serde_json::Value>(
            RpcRequest::Custom {
                method: "keel_pauseFeed",
            },
            json!(["SOL/USD", false]),
        )
        .await
        .unwrap();
    tokio::time::sleep(crate::common::TEST_SLOT * 5).await;
    assert_eq!(
        net.health(&exchange, &account, &known)
            .await
            .unwrap()
            .collateral_value,
        300_000_000,
        "fresh again after resuming"
    );
}

#[tokio::test]
async fn crash_scenario_takes_the_price_down_over_its_duration() {
    let net = still_market().await;
    let started: serde_json::Value = net
        .rpc
        .send(
            RpcRequest::Custom {
                method: "keel_runScenario",
            },
            json!(["BTC/USD", {"kind": "crash", "percent": 40.0, "seconds": 0.2}]),
        )
        .await
        .unwrap();
    assert_eq!(started["price"], 60_000.0);
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let price = feed(&net, "BTC/USD").await["price"].as_f64().unwrap();
    assert!(
        (price - 36_000.0).abs() < 1e-6,
        "−40 % after the crash: {price}"
    );
    let bad = net
        .rpc
        .send::<serde_json::Value>(
            RpcRequest::Custom {
                method: "keel_runScenario",
            },
            json!(["BTC/USD", {"kind": "meteor"}]),
        )
        .await
        .unwrap_err();
    assert!(bad.to_string().contains("unknown scenario"), "{bad}");
}

#[tokio::test]
async fn faucet_mints_to_an_associated_token_account() {
    let net = Localnet::start().await;
    let mint: String = net
        .rpc
        .send(
            RpcRequest::Custom {
                method: "keel_createMint",
            },
            json!([6]),
        )
        .await
        .unwrap();
    let owner = solana_keypair::Keypair::new().pubkey();
    let minted: serde_json::Value = net
        .rpc
        .send(
            RpcRequest::Custom {
                method: "keel_mintTo",
            },
            json!([mint, owner.to_string(), 5_000_000]),
        )
        .await
        .unwrap();
    let ata = Pubkey::from_str(minted["tokenAccount"].as_str().unwrap()).unwrap();
    assert_eq!(
        ata,
        anchor_spl::associated_token::get_associated_token_address(
            &owner,
            &Pubkey::from_str(&mint).unwrap()
        )
    );
    assert_eq!(net.token_balance(&ata).await, 5_000_000);
    net.rpc
        .send::<serde_json::Value>(
            RpcRequest::Custom {
                method: "keel_mintTo",
            },
            json!([mint, owner.to_string(), 1]),
        )
        .await
        .unwrap();
    assert_eq!(
        net.token_balance(&ata).await,
        5_000_001,
        "a second mint reuses the account"
    );
}
