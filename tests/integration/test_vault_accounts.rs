//! Account binding of deposit and withdraw: wrong mint, wrong vault, foreign token accounts,
//! and every malformed health-accounts list.

use anchor_lang::prelude::AccountMeta;
use keel::error::KeelError;
use keel_client::instructions as kix;
use keel_tests::context::{volatile_params, TestContext, START_TIME};
use keel_tests::oracles::PriceSpec;
use keel_tests::traders::Trader;
use solana_signer::Signer;

async fn setup() -> (TestContext, Trader, u16, u16) {
    let mut t = TestContext::new().await;
    let sol = t.add_pull_asset(9, volatile_params(), PriceSpec::new(150_00, 15, -2, START_TIME)).await;
    let btc = t.add_pull_asset(8, volatile_params(), PriceSpec::new(60_000_00, 500, -2, START_TIME)).await;
    let trader = t.trader(&[1_000_000_000, 5_000_000_000, 100_000_000]).await;
    t.deposit(&trader, 0, 1_000_000_000).await.assert_ok();
    t.deposit(&trader, sol, 1_000_000_000).await.assert_ok();
    (t, trader, sol, btc)
}

/// A withdraw of 1 native unit of `index` with `metas` as health accounts.
async fn withdraw_with(t: &mut TestContext, trader: &Trader, index: u16, metas: Vec<AccountMeta>) -> keel_tests::outcome::Outcome {
    let mint = t.asset(index).mint;
    let ix = kix::withdraw(&trader.owner.pubkey(), &t.exchange, &trader.account, &mint, &trader.wallets[index as usize], 1, metas);
    t.send(&[ix], &[&trader.owner]).await
}

#[tokio::test]
async fn deposit_from_token_account_of_another_mint_fails_wrong_mint() {
    let (mut t, trader, sol, _) = setup().await;
    let mint = t.asset(sol).mint;
    let ix = kix::deposit(&trader.owner.pubkey(), &t.exchange, &trader.account, &mint, t.asset(sol).oracle_key(), &trader.wallets[0], 10);
    t.send(&[ix], &[&trader.owner]).await.assert_error(KeelError::WrongMint);
}

#[tokio::test]
async fn deposit_into_another_assets_vault_fails_wrong_vault() {
    let (mut t, trader, sol, btc) = setup().await;
    let mint = t.asset(sol).mint;
    let mut ix = kix::deposit(&trader.owner.pubkey(), &t.exchange, &trader.account, &mint, t.asset(sol).oracle_key(), &trader.wallets[sol as usize], 10);
    ix.accounts[4].pubkey = keel_client::pda::vault(&t.exchange, &t.asset(btc).mint);
    t.send(&[ix], &[&trader.owner]).await.assert_error(KeelError::WrongVault);
}

#[tokio::test]
async fn deposit_from_token_account_of_someone_else_fails() {
    let (mut t, trader, _, _) = setup().await;
    let other = t.trader(&[1_000]).await;
    let mint = t.asset(0).mint;
    let ix = kix::deposit(&trader.owner.pubkey(), &t.exchange, &trader.account, &mint, None, &other.wallets[0], 10);
    t.send(&[ix], &[&trader.owner]).await.assert_error(KeelError::TokenAccountNotOwnedBySigner);
}

#[tokio::test]
async fn withdraw_to_token_account_of_another_mint_fails_wrong_mint() {
    let (mut t, trader, sol, _) = setup().await;
    let metas = t.health_metas(&trader.account).await;
    let mint = t.asset(sol).mint;
    let ix = kix::withdraw(&trader.owner.pubkey(), &t.exchange, &trader.account, &mint, &trader.wallets[0], 1, metas);
    t.send(&[ix], &[&trader.owner]).await.assert_error(KeelError::WrongMint);
}

#[tokio::test]
async fn withdraw_by_stranger_fails_not_owner() {
    let (mut t, trader, _, _) = setup().await;
    let stranger = t.trader(&[]).await;
    let metas = t.health_metas(&trader.account).await;
    let mint = t.asset(0).mint;
    let ix = kix::withdraw(&stranger.owner.pubkey(), &t.exchange, &trader.account, &mint, &stranger.wallets[0], 1, metas);
    t.send(&[ix], &[&stranger.owner]).await.assert_error(KeelError::NotOwner);
    t.assert_conserved().await;
}

#[tokio::test]
async fn health_accounts_missing_the_last_oracle_fail_missing() {
    let (mut t, trader, _, _) = setup().await;
    let mut metas = t.health_metas(&trader.account).await;
    metas.pop();
    withdraw_with(&mut t, &trader, 0, metas).await.assert_error(KeelError::HealthAccountMissing);
}

#[tokio::test]
async fn health_accounts_with_an_extra_account_fail_unexpected() {
    let (mut t, trader, _, btc) = setup().await;
    let mut metas = t.health_metas(&trader.account).await;
    metas.push(AccountMeta::new_readonly(t.asset(btc).address, false));
    withdraw_with(&mut t, &trader, 0, metas).await.assert_error(KeelError::HealthAccountUnexpected);
}

#[tokio::test]
async fn health_accounts_out_of_order_fail_mismatch() {
    let (mut t, trader, sol, _) = setup().await;
    // Slot order is [quote, SOL]; pass [SOL, SOL oracle, quote].
    let metas = vec![
        AccountMeta::new_readonly(t.asset(sol).address, false),
        AccountMeta::new_readonly(t.asset(sol).oracle, false),
        AccountMeta::new_readonly(t.asset(0).address, false),
    ];
    withdraw_with(&mut t, &trader, 0, metas).await.assert_error(KeelError::HealthAccountMismatch);
}

#[tokio::test]
async fn health_accounts_with_a_foreign_account_fail_invalid() {
    let (mut t, trader, _, _) = setup().await;
    let mut metas = t.health_metas(&trader.account).await;
    metas[0] = AccountMeta::new_readonly(trader.account, false);
    withdraw_with(&mut t, &trader, 0, metas).await.assert_error(KeelError::HealthAccountInvalid);
}

#[tokio::test]
async fn health_accounts_with_another_assets_oracle_fail_oracle_mismatch() {
    let (mut t, trader, _, btc) = setup().await;
    let mut metas = t.health_metas(&trader.account).await;
    metas[2] = AccountMeta::new_readonly(t.asset(btc).oracle, false);
    withdraw_with(&mut t, &trader, 0, metas).await.assert_error(KeelError::OracleAccountMismatch);
}

/// The view may omit an oracle for a cached price (as a liquidation may, `test_price_cache`);
/// without one cached the last oracle missing fails `PriceCacheStale`, where a withdrawal
/// fails `HealthAccountMissing`. A missing asset account fails the view like a withdrawal.
#[tokio::test]
async fn health_view_with_malformed_accounts_fails_like_withdraw() {
    let (mut t, trader, _, _) = setup().await;
    let mut metas = t.health_metas(&trader.account).await;
    metas.pop();
    let ix = kix::health(&t.exchange, &trader.account, metas.clone());
    t.simulate(&[ix], &[]).await.assert_error(KeelError::PriceCacheStale);
    withdraw_with(&mut t, &trader, 0, metas.clone()).await.assert_error(KeelError::HealthAccountMissing);
    metas.truncate(1);
    let ix = kix::health(&t.exchange, &trader.account, metas.clone());
    t.simulate(&[ix], &[]).await.assert_error(KeelError::HealthAccountMissing);
    withdraw_with(&mut t, &trader, 0, metas).await.assert_error(KeelError::HealthAccountMissing);
}

#[tokio::test]
async fn deposit_and_withdraw_across_exchanges_fail_exchange_mismatch() {
    let (mut t, trader, _, _) = setup().await;
    // A second exchange on the same bank, with its own creator and quote asset.
    let other_admin = solana_keypair::Keypair::new();
    t.airdrop(&other_admin.pubkey(), 1_000_000_000).await;
    let other_quote = t.create_mint(6).await;
    let other_exchange = keel_client::pda::exchange(&other_admin.pubkey());
    let init = kix::initialize_exchange(&other_admin.pubkey(), &other_admin.pubkey(), &other_quote);
    t.send(&[init], &[&other_admin]).await.assert_ok();
    let payer = t.payer();
    let create = kix::create_margin_account(&payer, &trader.owner.pubkey(), &other_exchange, 0);
    t.send(&[create], &[&trader.owner]).await.assert_ok();
    let foreign_account = keel_client::pda::margin_account(&other_exchange, &trader.owner.pubkey(), 0);

    // The account belongs to the other exchange; the asset and vault to this one.
    let mint = t.asset(0).mint;
    let deposit = kix::deposit(&trader.owner.pubkey(), &t.exchange, &foreign_account, &mint, None, &trader.wallets[0], 10);
    t.send(&[deposit], &[&trader.owner]).await.assert_error(KeelError::ExchangeMismatch);
    let withdraw = kix::withdraw(&trader.owner.pubkey(), &t.exchange, &foreign_account, &mint, &trader.wallets[0], 10, vec![]);
    t.send(&[withdraw], &[&trader.owner]).await.assert_error(KeelError::ExchangeMismatch);
    t.assert_conserved().await;
}
