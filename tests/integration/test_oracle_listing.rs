//! Oracles at listing (owner and feed id are checked before an asset is bound to them) and the
//! legacy oracle path's valuation, checked against a hand computation and the client.

use anchor_lang::prelude::Pubkey;
use keel::error::KeelError;
use keel::instructions::risk::{HealthReport, ListAssetArgs};
use keel::oracle::OracleKind;
use keel_client::pda;
use keel_tests::context::{volatile_params, TestContext, QUOTE_DECIMALS, START_TIME};
use keel_tests::oracles::{account, legacy_price_account, pull_price_account, PriceSpec};
use pyth_sdk_solana::state::PriceStatus;
use pyth_solana_receiver_sdk::price_update::VerificationLevel;

/// Asserts that listing `mint` failed without leaving an asset behind.
async fn assert_not_listed(t: &mut TestContext, mint: &Pubkey, listed_before: usize) {
    assert_eq!(t.assets.len(), listed_before);
    let address = pda::asset(&t.exchange, mint);
    assert!(t.account_data(&address).await.is_none(), "asset account {address} exists");
}

#[tokio::test]
async fn listing_refuses_pull_oracle_with_wrong_owner() {
    let mut t = TestContext::new().await;
    let mint = t.create_mint(9).await;
    let feed_id = Pubkey::new_unique().to_bytes();
    let oracle = Pubkey::new_unique();
    let genuine = pull_price_account(feed_id, PriceSpec::new(150_00, 10, -2, START_TIME), VerificationLevel::Full);
    t.set_account(&oracle, account(genuine.data, Pubkey::new_unique()));
    let args = ListAssetArgs { params: volatile_params(), oracle_kind: OracleKind::PythPull, feed_id };
    t.list(mint, 9, Some(oracle), args).await.assert_error(KeelError::OracleWrongOwner);
    assert_not_listed(&mut t, &mint, 1).await;
}

#[tokio::test]
async fn listing_refuses_legacy_oracle_with_wrong_owner() {
    let mut t = TestContext::new().await;
    let mint = t.create_mint(8).await;
    let oracle = Pubkey::new_unique();
    let genuine = legacy_price_account(PriceSpec::new(60_000_00, 0, -2, START_TIME), PriceStatus::Trading);
    t.set_account(&oracle, account(genuine.data, pyth_solana_receiver_sdk::ID));
    let args = ListAssetArgs { params: volatile_params(), oracle_kind: OracleKind::PythLegacy, feed_id: [0; 32] };
    t.list(mint, 8, Some(oracle), args).await.assert_error(KeelError::OracleWrongOwner);
    assert_not_listed(&mut t, &mint, 1).await;
}

#[tokio::test]
async fn listing_refuses_pull_oracle_for_another_feed() {
    let mut t = TestContext::new().await;
    let mint = t.create_mint(9).await;
    let posted_feed = Pubkey::new_unique().to_bytes();
    let oracle = Pubkey::new_unique();
    t.set_account(&oracle, pull_price_account(posted_feed, PriceSpec::new(150_00, 10, -2, START_TIME), VerificationLevel::Full));
    let other_feed = Pubkey::new_unique().to_bytes();
    let args = ListAssetArgs { params: volatile_params(), oracle_kind: OracleKind::PythPull, feed_id: other_feed };
    t.list(mint, 9, Some(oracle), args).await.assert_error(KeelError::OracleFeedMismatch);
    assert_not_listed(&mut t, &mint, 1).await;
    // The same mint lists with the feed id the update carries.
    let args = ListAssetArgs { feed_id: posted_feed, ..args };
    t.list(mint, 9, Some(oracle), args).await.assert_ok();
    assert_eq!(t.assets.len(), 2);
    assert_eq!(t.asset(1).feed_id, posted_feed);
}

#[tokio::test]
async fn legacy_oracle_values_collateral_like_hand_computation() {
    let mut t = TestContext::new().await;
    // BTC, 8 decimals, at 60 000.00 (mantissa 6 000 000, expo −2) with zero confidence.
    let btc = t.add_legacy_asset(8, volatile_params(), PriceSpec::new(60_000_00, 0, -2, START_TIME)).await;
    let trader = t.trader(&[0, 100_000_000]).await;
    let balance: i64 = 50_000_000; // 0.5 BTC
    t.deposit(&trader, btc, balance as u64).await.assert_ok();

    // Quote native per base native: 60 000 USD · 10^6 / 10^8 = 600.
    let price_per_native = 60_000 * 10i64.pow(QUOTE_DECIMALS as u32) / 10i64.pow(8);
    assert_eq!(price_per_native, 600);
    let value = balance * price_per_native; // 30 000 USD
    let maint = value * 9_000 / 10_000; // maint weight 0.90
    let init = value * 8_000 / 10_000; // init weight 0.80, conf 0 so price − k·conf = price

    let outcome = t.health_view(&trader.account).await;
    outcome.assert_ok();
    let report: HealthReport = outcome.returned();
    assert_eq!(value, 30_000_000_000);
    assert_eq!(report.maint.assets, maint);
    assert_eq!(report.maint.assets, 27_000_000_000);
    assert_eq!(report.maint.liabilities, 0);
    assert_eq!(report.maint.health, maint);
    assert_eq!(report.init.assets, init);
    assert_eq!(report.init.health, 24_000_000_000);
    assert_eq!(report.collateral_value, value);
    assert_eq!(report.collaterals.len(), 1);
    let line = report.collaterals[0];
    assert_eq!((line.asset_index, line.balance, line.value), (btc, balance, value));
    assert_eq!(line.oracle_price, 600 * 10i128.pow(18));

    let client = t.client_health_report(&trader.account, START_TIME).await;
    assert_eq!(client, report);
}
