//! Margin account lifecycle: create, delegate, close.

use keel::error::KeelError;
use keel::events::{DelegateSet, MarginAccountClosed, MarginAccountCreated};
use keel::state::{MarginAccount, MAX_COLLATERALS};
use keel_client::events::events_of;
use keel_client::{instructions as kix, pda};
use keel_tests::context::{volatile_params, TestContext, START_TIME};
use keel_tests::oracles::PriceSpec;
use solana_keypair::Keypair;
use solana_signer::Signer;

fn sol_price() -> PriceSpec {
    PriceSpec::new(150_00, 10, -2, START_TIME)
}

#[tokio::test]
async fn create_margin_account_records_owner_index_and_exchange() {
    let mut t = TestContext::new().await;
    let owner = Keypair::new();
    let payer = t.payer();
    let outcome = t.send(&[kix::create_margin_account(&payer, &owner.pubkey(), &t.exchange, 3)], &[&owner]).await;
    outcome.assert_ok();
    let key = pda::margin_account(&t.exchange, &owner.pubkey(), 3);
    let account = t.margin_account(&key).await;
    assert_eq!(account.owner, owner.pubkey());
    assert_eq!(account.exchange, t.exchange);
    assert_eq!(account.account_index, 3);
    assert_eq!(account.version, keel::state::MARGIN_ACCOUNT_VERSION);
    assert!(account.is_empty());
    let created = events_of::<MarginAccountCreated>(&outcome.logs);
    assert_eq!(created.len(), 1);
    assert_eq!((created[0].account, created[0].owner, created[0].account_index), (key, owner.pubkey(), 3));
    assert_eq!(t.account_data(&key).await.unwrap().len(), MarginAccount::SPACE);
}

#[tokio::test]
async fn create_margin_account_twice_with_same_index_fails() {
    let mut t = TestContext::new().await;
    let trader = t.trader(&[]).await;
    let payer = t.payer();
    let outcome = t.send(&[kix::create_margin_account(&payer, &trader.owner.pubkey(), &t.exchange, 0)], &[&trader.owner]).await;
    outcome.assert_error(KeelError::AccountAlreadyExists);
    let second = t.send(&[kix::create_margin_account(&payer, &trader.owner.pubkey(), &t.exchange, 1)], &[&trader.owner]).await;
    second.assert_ok();
}

#[tokio::test]
async fn set_delegate_by_owner_succeeds_and_emits_event() {
    let mut t = TestContext::new().await;
    let trader = t.trader(&[]).await;
    let delegate = Keypair::new().pubkey();
    let outcome = t.send(&[kix::set_delegate(&trader.owner.pubkey(), &trader.account, kix::tight_delegate(&delegate, 1_000_000_000))], &[&trader.owner]).await;
    outcome.assert_ok();
    assert_eq!(t.margin_account(&trader.account).await.delegate, delegate);
    let events = events_of::<DelegateSet>(&outcome.logs);
    assert_eq!((events[0].delegate, events[0].account_seq), (delegate, 1));
}

#[tokio::test]
async fn set_delegate_by_stranger_fails_not_owner() {
    let mut t = TestContext::new().await;
    let trader = t.trader(&[]).await;
    let stranger = Keypair::new();
    let ix = kix::set_delegate(&stranger.pubkey(), &trader.account, kix::tight_delegate(&stranger.pubkey(), 1_000_000_000));
    t.send(&[ix], &[&stranger]).await.assert_error(KeelError::NotOwner);
    assert_eq!(t.margin_account(&trader.account).await.delegate, Default::default());
}

#[tokio::test]
async fn delegate_may_deposit_but_never_withdraw() {
    let mut t = TestContext::new().await;
    let trader = t.trader(&[1_000_000]).await;
    let delegate = Keypair::new();
    t.airdrop(&delegate.pubkey(), 1_000_000_000).await;
    t.send(&[kix::set_delegate(&trader.owner.pubkey(), &trader.account, kix::tight_delegate(&delegate.pubkey(), 1_000_000_000))], &[&trader.owner]).await.assert_ok();
    let quote = t.asset(0);
    let wallet = t.create_token_account(&quote.mint, &delegate.pubkey()).await;
    t.mint_to(&quote.mint, &wallet, 500).await;
    let ix = kix::deposit(&delegate.pubkey(), &t.exchange, &trader.account, &quote.mint, &wallet, 500);
    t.send(&[ix], &[&delegate]).await.assert_ok();
    assert_eq!(t.balance(&trader.account, 0).await, 500);

    let metas = t.health_metas(&trader.account).await;
    let ix = kix::withdraw(&delegate.pubkey(), &t.exchange, &trader.account, &quote.mint, &wallet, 100, metas);
    t.send(&[ix], &[&delegate]).await.assert_error(KeelError::WithdrawRequiresOwner);
    assert_eq!(t.balance(&trader.account, 0).await, 500);
    t.assert_conserved().await;
}

#[tokio::test]
async fn stranger_cannot_deposit_into_an_account() {
    let mut t = TestContext::new().await;
    let trader = t.trader(&[]).await;
    let stranger = t.trader(&[1_000]).await;
    let mint = t.asset(0).mint;
    let ix = kix::deposit(&stranger.owner.pubkey(), &t.exchange, &trader.account, &mint, &stranger.wallets[0], 1_000);
    t.send(&[ix], &[&stranger.owner]).await.assert_error(KeelError::NotOwnerOrDelegate);
}

#[tokio::test]
async fn close_empty_account_returns_rent_to_owner() {
    let mut t = TestContext::new().await;
    let trader = t.trader(&[1_000]).await;
    t.deposit(&trader, 0, 1_000).await.assert_ok();
    t.withdraw(&trader, 0, 1_000).await.assert_ok();
    assert_eq!(t.margin_account(&trader.account).await.active_collaterals().count(), 0, "an emptied slot is released");
    let rent = t.lamports(&trader.account).await;
    let before = t.lamports(&trader.owner.pubkey()).await;
    let outcome = t.send(&[kix::close_margin_account(&trader.owner.pubkey(), &trader.account)], &[&trader.owner]).await;
    outcome.assert_ok();
    assert_eq!(t.lamports(&trader.owner.pubkey()).await, before + rent);
    assert!(t.account_data(&trader.account).await.is_none());
    assert_eq!(events_of::<MarginAccountClosed>(&outcome.logs).len(), 1);
}

#[tokio::test]
async fn close_account_holding_a_balance_fails_not_empty() {
    let mut t = TestContext::new().await;
    let trader = t.trader(&[1_000]).await;
    t.deposit(&trader, 0, 1).await.assert_ok();
    let ix = kix::close_margin_account(&trader.owner.pubkey(), &trader.account);
    t.send(&[ix], &[&trader.owner]).await.assert_error(KeelError::AccountNotEmpty);
}

#[tokio::test]
async fn close_account_by_stranger_fails_not_owner() {
    let mut t = TestContext::new().await;
    let trader = t.trader(&[]).await;
    let stranger = Keypair::new();
    t.airdrop(&stranger.pubkey(), 1_000_000_000).await;
    let ix = kix::close_margin_account(&stranger.pubkey(), &trader.account);
    t.send(&[ix], &[&stranger]).await.assert_error(KeelError::NotOwner);
}

#[tokio::test]
async fn ninth_distinct_asset_fails_collateral_slots_full() {
    let mut t = TestContext::new().await;
    for _ in 0..MAX_COLLATERALS {
        t.add_pull_asset(9, volatile_params(), sol_price()).await;
    }
    let trader = t.trader(&[10; MAX_COLLATERALS + 1]).await;
    for index in 0..MAX_COLLATERALS as u16 {
        t.deposit(&trader, index, 10).await.assert_ok();
    }
    t.deposit(&trader, MAX_COLLATERALS as u16, 10).await.assert_error(KeelError::CollateralSlotsFull);
    assert_eq!(t.margin_account(&trader.account).await.active_collaterals().count(), MAX_COLLATERALS);
    let report = t.health_view(&trader.account).await;
    report.assert_ok();
    t.assert_conserved().await;
}

#[tokio::test]
async fn create_margin_account_at_a_prefunded_address_succeeds() {
    let mut t = TestContext::new().await;
    let owner = Keypair::new();
    let key = pda::margin_account(&t.exchange, &owner.pubkey(), 0);
    // A griefer sends lamports to the predictable address first.
    t.airdrop(&key, 1_000_000).await;
    let payer = t.payer();
    t.send(&[kix::create_margin_account(&payer, &owner.pubkey(), &t.exchange, 0)], &[&owner]).await.assert_ok();
    let account = t.margin_account(&key).await;
    assert_eq!(account.owner, owner.pubkey());
    let rent = t.rent(MarginAccount::SPACE).await;
    assert_eq!(t.lamports(&key).await, rent, "topped up to exactly rent-exempt");
}
