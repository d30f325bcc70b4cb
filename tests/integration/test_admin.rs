//! Admin instructions: `initialize_exchange`, `update_asset`, `set_exchange_pause`, and the
//! deposit cap they configure.

use anchor_lang::prelude::Pubkey;
use keel::error::KeelError;
use keel::events::{AssetUpdated, ExchangeInitialized, ExchangePauseSet};
use keel::instructions::risk::{AssetParams, ListAssetArgs, UpdateAssetArgs};
use keel::oracle::OracleKind;
use keel::state::{BankParams, CollateralAsset, Exchange, EXCHANGE_SEED, EXCHANGE_VERSION};
use keel_client::events::events_of;
use keel_client::{accounts as decode, instructions as kix, pda};
use keel_tests::context::{quote_params, volatile_params, TestContext, START_TIME};
use keel_tests::oracles::PriceSpec;
use keel_tests::outcome::Outcome;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// A SOL-like price: 150.00 ± 0.10, published at the start time.
fn sol_price() -> PriceSpec {
    PriceSpec::new(150_00, 10, -2, START_TIME)
}

async fn exchange_of(t: &mut TestContext, key: &Pubkey) -> Exchange {
    decode::exchange(&t.account_data(key).await.expect("exchange exists")).expect("exchange decodes")
}

async fn asset_of(t: &mut TestContext, index: u16) -> CollateralAsset {
    let address = t.asset(index).address;
    decode::collateral_asset(&t.account_data(&address).await.expect("asset exists")).expect("asset decodes")
}

/// Sends `update_asset` for asset `index` signed by `admin`.
async fn update(t: &mut TestContext, admin: &Keypair, index: u16, args: UpdateAssetArgs) -> Outcome {
    let ix = kix::update_asset(&admin.pubkey(), &t.exchange, &t.asset(index).mint, args);
    t.send(&[ix], &[admin]).await
}

/// Sends `set_exchange_pause` signed by `admin`.
async fn set_pause(t: &mut TestContext, admin: &Keypair, paused: bool) -> Outcome {
    let ix = kix::set_exchange_pause(&admin.pubkey(), &t.exchange, paused);
    t.send(&[ix], &[admin]).await
}

fn admin(t: &TestContext) -> Keypair {
    t.admin.insecure_clone()
}

// --- initialize_exchange ---

#[tokio::test]
async fn initialize_exchange_records_admin_quote_mint_and_emits_event() {
    let mut t = TestContext::new().await;
    let creator = Keypair::new();
    let new_admin = Keypair::new();
    t.airdrop(&creator.pubkey(), 1_000_000_000).await;
    let quote_mint = t.create_mint(8).await;
    let ix = kix::initialize_exchange(&creator.pubkey(), &new_admin.pubkey(), &quote_mint);
    let outcome = t.send(&[ix], &[&creator]).await;
    outcome.assert_ok();

    let (key, bump) = Pubkey::find_program_address(&[EXCHANGE_SEED, creator.pubkey().as_ref()], &keel::ID);
    assert_eq!(key, pda::exchange(&creator.pubkey()));
    let exchange = exchange_of(&mut t, &key).await;
    assert_eq!(exchange.version, EXCHANGE_VERSION);
    assert_eq!(exchange.bump, bump);
    assert_eq!(exchange.creator, creator.pubkey());
    assert_eq!(exchange.admin, new_admin.pubkey(), "the admin may differ from the creator");
    assert_eq!(exchange.quote_mint, quote_mint);
    assert_eq!(exchange.quote_decimals, 8, "quote decimals come from the mint");
    assert_eq!((exchange.paused, exchange.asset_count, exchange.market_count, exchange.admin_event_seq), (0, 0, 0, 0));

    let events = events_of::<ExchangeInitialized>(&outcome.logs);
    assert_eq!(events.len(), 1, "exactly one ExchangeInitialized event");
    assert_eq!(events[0].exchange, key);
    assert_eq!(events[0].admin, new_admin.pubkey());
    assert_eq!(events[0].quote_mint, quote_mint);

    // Only the admin, not the creator, may list on the new exchange.
    let args = ListAssetArgs { params: quote_params(), oracle_kind: OracleKind::Fixed, feed_id: [0; 32] };
    let payer = t.payer();
    let ix = kix::list_asset(&payer, &creator.pubkey(), &key, &quote_mint, None, args);
    t.send(&[ix], &[&creator]).await.assert_error(KeelError::NotAdmin);
    let ix = kix::list_asset(&payer, &new_admin.pubkey(), &key, &quote_mint, None, args);
    t.send(&[ix], &[&new_admin]).await.assert_ok();
    assert_eq!(exchange_of(&mut t, &key).await.asset_count, 1);
}

#[tokio::test]
async fn initialize_exchange_twice_by_same_creator_fails() {
    let mut t = TestContext::new().await;
    let admin = admin(&t);
    let before = t.account_data(&t.exchange.clone()).await.unwrap();
    let other_mint = t.create_mint(9).await;
    let intruder = Keypair::new();
    let ix = kix::initialize_exchange(&admin.pubkey(), &intruder.pubkey(), &other_mint);
    let outcome = t.send(&[ix], &[&admin]).await;
    outcome.assert_error(KeelError::AccountAlreadyExists);
    assert_eq!(t.account_data(&t.exchange.clone()).await.unwrap(), before, "the exchange is unchanged");
}

#[tokio::test]
async fn initialize_exchange_quote_mint_not_owned_by_spl_token_fails() {
    let mut t = TestContext::new().await;
    let real = t.create_mint(6).await;
    let mut account = t.ctx.banks_client.get_account(real).await.unwrap().unwrap();
    account.owner = Pubkey::new_unique();
    let fake = Pubkey::new_unique();
    t.set_account(&fake, account);
    let creator = Keypair::new();
    t.airdrop(&creator.pubkey(), 1_000_000_000).await;
    let ix = kix::initialize_exchange(&creator.pubkey(), &creator.pubkey(), &fake);
    t.send(&[ix], &[&creator]).await.assert_anchor_error(anchor_lang::error::ErrorCode::AccountOwnedByWrongProgram);
    assert!(t.account_data(&pda::exchange(&creator.pubkey())).await.is_none());
}

// --- update_asset ---

#[tokio::test]
async fn update_asset_applies_new_params_and_emits_event() {
    let mut t = TestContext::new().await;
    let sol = t.add_pull_asset(9, volatile_params(), sol_price()).await;
    let admin = admin(&t);
    let exchange = t.exchange;
    let seq_before = exchange_of(&mut t, &exchange).await.admin_event_seq;
    let params = AssetParams {
        init_asset_weight_bps: 7_000,
        maint_asset_weight_bps: 8_500,
        init_liab_weight_bps: 12_000,
        maint_liab_weight_bps: 11_000,
        deposit_cap: 123_456_789,
        oracle_max_age_secs: 120,
        oracle_max_conf_bps: 300,
        oracle_conf_multiplier_bps: 5_000,
        liquidation_fee_bps: 1_000,
        liquidation_penalty_bps: 499,
        bank: BankParams { optimal_rate_bps: 2_000, max_utilization_bps: 9_000, net_borrow_limit: 42, ..BankParams::recommended(9) },
    };
    let outcome = update(&mut t, &admin, sol, UpdateAssetArgs { params: Some(params), deposits_paused: None }).await;
    outcome.assert_ok();
    let asset = asset_of(&mut t, sol).await;
    assert_eq!(AssetParams::of(&asset), params);
    assert_eq!(asset.deposits_paused, 0);
    assert_eq!((asset.mint, asset.oracle, asset.index), (t.asset(sol).mint, t.asset(sol).oracle, sol), "identity is untouched");

    let events = events_of::<AssetUpdated>(&outcome.logs);
    assert_eq!(events.len(), 1, "exactly one AssetUpdated event");
    assert_eq!(events[0].asset, t.asset(sol).address);
    assert_eq!(events[0].index, sol);
    assert_eq!(events[0].params, params);
    assert!(!events[0].deposits_paused);
    assert_eq!(events[0].admin_seq, seq_before + 1);

    // Pausing alone leaves the parameters as they are, and the event reports both.
    let outcome = update(&mut t, &admin, sol, UpdateAssetArgs { params: None, deposits_paused: Some(true) }).await;
    outcome.assert_ok();
    let asset = asset_of(&mut t, sol).await;
    assert_eq!(AssetParams::of(&asset), params);
    assert_eq!(asset.deposits_paused, 1);
    let events = events_of::<AssetUpdated>(&outcome.logs);
    assert_eq!((events[0].params, events[0].deposits_paused, events[0].admin_seq), (params, true, seq_before + 2));
    assert_eq!(exchange_of(&mut t, &exchange).await.admin_event_seq, seq_before + 2);
}

#[tokio::test]
async fn update_asset_out_of_bounds_params_fail_and_leave_asset_unchanged() {
    let mut t = TestContext::new().await;
    let sol = t.add_pull_asset(9, volatile_params(), sol_price()).await;
    let admin = admin(&t);
    let address = t.asset(sol).address;
    let before = t.account_data(&address).await.unwrap();
    for (case, params, error) in crate::test_listing::out_of_bounds_params() {
        println!("case: {case}");
        let args = UpdateAssetArgs { params: Some(params), deposits_paused: Some(true) };
        update(&mut t, &admin, sol, args).await.assert_error(error);
        assert_eq!(t.account_data(&address).await.unwrap(), before, "{case}: the asset is unchanged");
    }
    assert_eq!(AssetParams::of(&asset_of(&mut t, sol).await), volatile_params());
}

#[tokio::test]
async fn update_asset_by_non_admin_fails() {
    let mut t = TestContext::new().await;
    let sol = t.add_pull_asset(9, volatile_params(), sol_price()).await;
    let intruder = Keypair::new();
    let before = t.account_data(&t.asset(sol).address).await.unwrap();
    let args = UpdateAssetArgs { params: Some(AssetParams { deposit_cap: 0, ..volatile_params() }), deposits_paused: Some(true) };
    update(&mut t, &intruder, sol, args).await.assert_error(KeelError::NotAdmin);
    assert_eq!(t.account_data(&t.asset(sol).address).await.unwrap(), before);
}

#[tokio::test]
async fn update_asset_deposits_paused_refuses_deposits_of_that_asset_only() {
    let mut t = TestContext::new().await;
    let sol = t.add_pull_asset(9, volatile_params(), sol_price()).await;
    let trader = t.trader(&[1_000_000_000, 5_000_000_000]).await;
    let admin = admin(&t);
    t.deposit(&trader, sol, 1_000_000_000).await.assert_ok();

    update(&mut t, &admin, sol, UpdateAssetArgs { params: None, deposits_paused: Some(true) }).await.assert_ok();
    t.deposit(&trader, sol, 1_000_000_000).await.assert_error(KeelError::AssetPaused);
    assert_eq!(t.balance(&trader.account, sol).await, 1_000_000_000);
    t.deposit(&trader, 0, 100_000_000).await.assert_ok();
    t.assert_conserved().await;
    // A paused asset can still be withdrawn.
    t.withdraw(&trader, sol, 400_000_000).await.assert_ok();
    t.assert_conserved().await;

    update(&mut t, &admin, sol, UpdateAssetArgs { params: None, deposits_paused: Some(false) }).await.assert_ok();
    t.deposit(&trader, sol, 1_000_000_000).await.assert_ok();
    assert_eq!(t.balance(&trader.account, sol).await, 1_600_000_000);
    assert_eq!(t.balance(&trader.account, 0).await, 100_000_000);
    t.assert_conserved().await;
}

// --- set_exchange_pause ---

#[tokio::test]
async fn set_exchange_pause_refuses_withdrawals_but_allows_deposits() {
    let mut t = TestContext::new().await;
    let sol = t.add_pull_asset(9, volatile_params(), sol_price()).await;
    let trader = t.trader(&[1_000_000_000, 5_000_000_000]).await;
    let admin = admin(&t);
    t.deposit(&trader, 0, 500_000_000).await.assert_ok();
    t.deposit(&trader, sol, 2_000_000_000).await.assert_ok();
    let exchange = t.exchange;
    let seq_before = exchange_of(&mut t, &exchange).await.admin_event_seq;

    let outcome = set_pause(&mut t, &admin, true).await;
    outcome.assert_ok();
    assert!(exchange_of(&mut t, &exchange).await.is_paused());
    let events = events_of::<ExchangePauseSet>(&outcome.logs);
    assert_eq!(events.len(), 1, "exactly one ExchangePauseSet event");
    assert_eq!((events[0].exchange, events[0].paused, events[0].admin_seq), (exchange, true, seq_before + 1));

    t.withdraw(&trader, 0, 1).await.assert_error(KeelError::ExchangePaused);
    t.withdraw(&trader, sol, 1_000_000_000).await.assert_error(KeelError::ExchangePaused);
    t.deposit(&trader, 0, 100_000_000).await.assert_ok();
    t.deposit(&trader, sol, 500_000_000).await.assert_ok();
    assert_eq!(t.balance(&trader.account, 0).await, 600_000_000);
    assert_eq!(t.balance(&trader.account, sol).await, 2_500_000_000);
    t.assert_conserved().await;

    let outcome = set_pause(&mut t, &admin, false).await;
    outcome.assert_ok();
    assert!(!exchange_of(&mut t, &exchange).await.is_paused());
    let events = events_of::<ExchangePauseSet>(&outcome.logs);
    assert_eq!((events[0].exchange, events[0].paused, events[0].admin_seq), (exchange, false, seq_before + 2));

    t.withdraw(&trader, 0, 600_000_000).await.assert_ok();
    t.withdraw(&trader, sol, 1_000_000_000).await.assert_ok();
    assert_eq!(t.balance(&trader.account, sol).await, 1_500_000_000);
    assert_eq!(t.token_balance(&trader.wallets[0]).await, 1_000_000_000);
    t.assert_conserved().await;
}

#[tokio::test]
async fn set_exchange_pause_by_non_admin_fails() {
    let mut t = TestContext::new().await;
    let intruder = Keypair::new();
    set_pause(&mut t, &intruder, true).await.assert_error(KeelError::NotAdmin);
    let exchange = t.exchange;
    let state = exchange_of(&mut t, &exchange).await;
    assert!(!state.is_paused());
    assert_eq!(state.admin_event_seq, 1, "no admin event was taken");
    // Also once paused: a non-admin cannot resume.
    let admin = admin(&t);
    set_pause(&mut t, &admin, true).await.assert_ok();
    set_pause(&mut t, &intruder, false).await.assert_error(KeelError::NotAdmin);
    assert!(exchange_of(&mut t, &exchange).await.is_paused());
}

// --- deposit cap ---

#[tokio::test]
async fn deposit_cap_refuses_one_unit_over_and_reopens_after_withdrawal() {
    let mut t = TestContext::new().await;
    let cap = 5_000_000_000;
    let sol = t.add_pull_asset(9, AssetParams { deposit_cap: cap, ..volatile_params() }, sol_price()).await;
    let alice = t.trader(&[0, 10_000_000_000]).await;
    let bob = t.trader(&[0, 10_000_000_000]).await;

    t.deposit(&alice, sol, 3_000_000_000).await.assert_ok();
    t.deposit(&bob, sol, 2_000_000_000).await.assert_ok();
    assert_eq!(asset_of(&mut t, sol).await.deposit_units, cap, "deposits fill the cap exactly");
    t.deposit(&bob, sol, 1).await.assert_error(KeelError::DepositCapExceeded);
    t.deposit(&alice, sol, 1).await.assert_error(KeelError::DepositCapExceeded);
    t.assert_conserved().await;

    t.withdraw(&alice, sol, 500_000_000).await.assert_ok();
    t.assert_conserved().await;
    t.deposit(&bob, sol, 500_000_001).await.assert_error(KeelError::DepositCapExceeded);
    t.deposit(&bob, sol, 500_000_000).await.assert_ok();
    t.deposit(&bob, sol, 1).await.assert_error(KeelError::DepositCapExceeded);
    assert_eq!(asset_of(&mut t, sol).await.deposit_units, cap);
    assert_eq!(t.balance(&bob.account, sol).await, 2_500_000_000);
    t.assert_conserved().await;

    // Lowering the cap below the current total refuses deposits but not withdrawals.
    let admin = admin(&t);
    update(&mut t, &admin, sol, UpdateAssetArgs { params: Some(AssetParams { deposit_cap: 1_000_000_000, ..volatile_params() }), deposits_paused: None })
        .await
        .assert_ok();
    t.deposit(&alice, sol, 1).await.assert_error(KeelError::DepositCapExceeded);
    t.withdraw(&alice, sol, 2_500_000_000).await.assert_ok();
    t.assert_conserved().await;
}
