//! Oracle faults at use: every fault of an oracle an account's health reads refuses the
//! withdrawal and the `health` view with its own error, and nothing moves; faults of oracles
//! the action does not read change nothing; a fresh price restores the withdrawal.

use anchor_lang::prelude::Pubkey;
use keel::error::KeelError;
use keel::instructions::risk::HealthReport;
use keel_tests::context::{volatile_params, TestContext, START_TIME};
use keel_tests::oracles::{account, legacy_price_account, pull_price_account, PriceSpec};
use keel_tests::traders::Trader;
use pyth_sdk_solana::state::PriceStatus;
use pyth_solana_receiver_sdk::price_update::{PriceUpdateV2, VerificationLevel};
use solana_signer::Signer;

/// SOL at 150.00 ± 0.10 (expo −2), published at `publish_time`.
fn sol_at(publish_time: i64) -> PriceSpec {
    PriceSpec::new(150_00, 10, -2, publish_time)
}

/// BTC at 60 000.00 ± 0 (expo −2), published at `publish_time`.
fn btc_at(publish_time: i64) -> PriceSpec {
    PriceSpec::new(60_000_00, 0, -2, publish_time)
}

/// An exchange with SOL (pull oracle, 9 decimals) and a trader holding 100 USDC and 2 SOL.
async fn pull_setup() -> (TestContext, Trader, u16) {
    let mut t = TestContext::new().await;
    let sol = t.add_pull_asset(9, volatile_params(), sol_at(START_TIME)).await;
    let trader = t.trader(&[1_000_000_000, 5_000_000_000]).await;
    t.deposit(&trader, 0, 100_000_000).await.assert_ok();
    t.deposit(&trader, sol, 2_000_000_000).await.assert_ok();
    (t, trader, sol)
}

/// An exchange with BTC (legacy oracle, 8 decimals) and a trader holding 100 USDC and 0.5 BTC.
async fn legacy_setup() -> (TestContext, Trader, u16) {
    let mut t = TestContext::new().await;
    let btc = t.add_legacy_asset(8, volatile_params(), btc_at(START_TIME)).await;
    let trader = t.trader(&[1_000_000_000, 100_000_000]).await;
    t.deposit(&trader, 0, 100_000_000).await.assert_ok();
    t.deposit(&trader, btc, 50_000_000).await.assert_ok();
    (t, trader, btc)
}

/// Withdrawing either the faulty asset or the quote, and the `health` view, all fail with
/// `error`; no balance moves and the ledgers still balance.
async fn assert_refused(t: &mut TestContext, trader: &Trader, asset: u16, error: KeelError) {
    let quote_before = t.balance(&trader.account, 0).await;
    let asset_before = t.balance(&trader.account, asset).await;
    t.withdraw(trader, asset, 1).await.assert_error(error);
    t.withdraw(trader, 0, 1).await.assert_error(error);
    t.health_view(&trader.account).await.assert_error(error);
    assert_eq!(t.balance(&trader.account, 0).await, quote_before);
    assert_eq!(t.balance(&trader.account, asset).await, asset_before);
    t.assert_conserved().await;
}

#[tokio::test]
async fn withdraw_refused_when_pull_price_stale_by_clock() {
    let (mut t, trader, sol) = pull_setup().await;
    // Max age 60 s: a 60 s old price is still usable, a 61 s old one is stale.
    t.set_time(START_TIME + 60).await;
    t.withdraw(&trader, sol, 1).await.assert_ok();
    t.set_time(START_TIME + 61).await;
    assert_refused(&mut t, &trader, sol, KeelError::OracleStale).await;
}

#[tokio::test]
async fn withdraw_refused_when_pull_price_published_long_ago() {
    let (mut t, trader, sol) = pull_setup().await;
    t.set_pull_price(sol, sol_at(START_TIME - 3_600), VerificationLevel::Full);
    assert_refused(&mut t, &trader, sol, KeelError::OracleStale).await;
}

#[tokio::test]
async fn withdraw_refused_when_price_published_ahead_of_the_clock() {
    let (mut t, trader, sol) = pull_setup().await;
    // 10 s ahead of the clock is honest skew; 11 s is from the future.
    t.set_pull_price(sol, sol_at(START_TIME + 10), VerificationLevel::Full);
    t.withdraw(&trader, sol, 1).await.assert_ok();
    t.set_pull_price(sol, sol_at(START_TIME + 11), VerificationLevel::Full);
    assert_refused(&mut t, &trader, sol, KeelError::OracleFromTheFuture).await;
    // Stamped an hour ahead: refused now, and still refused 59 minutes later, when an
    // age-only guard would have called it fresh (its age −60 s ≤ the 60 s max age).
    t.set_pull_price(sol, sol_at(START_TIME + 3_600), VerificationLevel::Full);
    assert_refused(&mut t, &trader, sol, KeelError::OracleFromTheFuture).await;
    t.set_time(START_TIME + 3_540).await;
    assert_refused(&mut t, &trader, sol, KeelError::OracleFromTheFuture).await;
    // From 10 s before its publish time on, the price is usable.
    t.set_time(START_TIME + 3_590).await;
    t.withdraw(&trader, sol, 1).await.assert_ok();
    assert_eq!(t.balance(&trader.account, sol).await, 2_000_000_000 - 2);
}

#[tokio::test]
async fn legacy_price_published_ahead_of_the_clock_is_refused() {
    let (mut t, trader, btc) = legacy_setup().await;
    t.set_legacy_price(btc, btc_at(START_TIME + 11), PriceStatus::Trading);
    assert_refused(&mut t, &trader, btc, KeelError::OracleFromTheFuture).await;
}

#[tokio::test]
async fn withdraw_refused_when_pull_update_is_for_another_feed() {
    let (mut t, trader, sol) = pull_setup().await;
    let oracle = t.asset(sol).oracle;
    let other_feed = Pubkey::new_unique().to_bytes();
    t.set_account(&oracle, pull_price_account(other_feed, sol_at(START_TIME), VerificationLevel::Full));
    assert_refused(&mut t, &trader, sol, KeelError::OracleFeedMismatch).await;
}

#[tokio::test]
async fn withdraw_refused_when_pull_update_partially_verified() {
    let (mut t, trader, sol) = pull_setup().await;
    t.set_pull_price(sol, sol_at(START_TIME), VerificationLevel::Partial { num_signatures: 5 });
    assert_refused(&mut t, &trader, sol, KeelError::OracleNotFullyVerified).await;
}

#[tokio::test]
async fn withdraw_refused_when_oracle_owned_by_another_program() {
    let (mut t, trader, sol) = pull_setup().await;
    let asset = t.asset(sol);
    let genuine = pull_price_account(asset.feed_id, sol_at(START_TIME), VerificationLevel::Full);
    t.set_account(&asset.oracle, account(genuine.data, Pubkey::new_unique()));
    assert_refused(&mut t, &trader, sol, KeelError::OracleWrongOwner).await;
}

#[tokio::test]
async fn withdraw_refused_when_confidence_too_wide() {
    let (mut t, trader, sol) = pull_setup().await;
    // Max confidence 2% of 150.00 = 3.00: exactly 2% is accepted, 2% + 0.01 and 3% are not.
    t.set_pull_price(sol, PriceSpec::new(150_00, 300, -2, START_TIME), VerificationLevel::Full);
    t.withdraw(&trader, sol, 1).await.assert_ok();
    t.set_pull_price(sol, PriceSpec::new(150_00, 301, -2, START_TIME), VerificationLevel::Full);
    assert_refused(&mut t, &trader, sol, KeelError::OracleConfidenceTooWide).await;
    t.set_pull_price(sol, PriceSpec::new(150_00, 450, -2, START_TIME), VerificationLevel::Full);
    assert_refused(&mut t, &trader, sol, KeelError::OracleConfidenceTooWide).await;
}

#[tokio::test]
async fn withdraw_refused_when_price_zero_or_negative() {
    let (mut t, trader, sol) = pull_setup().await;
    t.set_pull_price(sol, PriceSpec::new(0, 0, -2, START_TIME), VerificationLevel::Full);
    assert_refused(&mut t, &trader, sol, KeelError::OracleNonPositivePrice).await;
    t.set_pull_price(sol, PriceSpec::new(-150_00, 10, -2, START_TIME), VerificationLevel::Full);
    assert_refused(&mut t, &trader, sol, KeelError::OracleNonPositivePrice).await;
    // A positive price with a non-positive EMA is refused too.
    let spec = PriceSpec { ema_price: 0, ..sol_at(START_TIME) };
    t.set_pull_price(sol, spec, VerificationLevel::Full);
    assert_refused(&mut t, &trader, sol, KeelError::OracleNonPositivePrice).await;
}

#[tokio::test]
async fn withdraw_refused_when_oracle_data_is_garbage() {
    let (mut t, trader, sol) = pull_setup().await;
    let oracle = t.asset(sol).oracle;
    t.set_account(&oracle, account(vec![0xA5; PriceUpdateV2::LEN], pyth_solana_receiver_sdk::ID));
    assert_refused(&mut t, &trader, sol, KeelError::OracleInvalidData).await;
    t.set_account(&oracle, account(vec![], pyth_solana_receiver_sdk::ID));
    assert_refused(&mut t, &trader, sol, KeelError::OracleInvalidData).await;
}

#[tokio::test]
async fn withdraw_refused_when_exponent_out_of_range() {
    let (mut t, trader, sol) = pull_setup().await;
    t.set_pull_price(sol, PriceSpec::new(150_00, 10, -25, START_TIME), VerificationLevel::Full);
    assert_refused(&mut t, &trader, sol, KeelError::OracleExponentOutOfRange).await;
}

#[tokio::test]
async fn withdraw_refused_when_legacy_not_trading() {
    let (mut t, trader, btc) = legacy_setup().await;
    for status in [PriceStatus::Unknown, PriceStatus::Halted, PriceStatus::Auction] {
        t.set_legacy_price(btc, btc_at(START_TIME), status);
        assert_refused(&mut t, &trader, btc, KeelError::OracleNotTrading).await;
    }
}

#[tokio::test]
async fn withdraw_refused_when_legacy_price_stale() {
    let (mut t, trader, btc) = legacy_setup().await;
    t.set_time(START_TIME + 61).await;
    assert_refused(&mut t, &trader, btc, KeelError::OracleStale).await;
    t.set_time(START_TIME).await;
    t.set_legacy_price(btc, btc_at(START_TIME - 61), PriceStatus::Trading);
    assert_refused(&mut t, &trader, btc, KeelError::OracleStale).await;
}

#[tokio::test]
async fn withdraw_refused_when_legacy_owned_by_another_program() {
    let (mut t, trader, btc) = legacy_setup().await;
    let oracle = t.asset(btc).oracle;
    let genuine = legacy_price_account(btc_at(START_TIME), PriceStatus::Trading);
    t.set_account(&oracle, account(genuine.data, pyth_solana_receiver_sdk::ID));
    assert_refused(&mut t, &trader, btc, KeelError::OracleWrongOwner).await;
}

#[tokio::test]
async fn withdraw_refused_when_health_accounts_carry_another_legacy_oracle() {
    let (mut t, trader, btc) = legacy_setup().await;
    // A genuine, fresh, trading legacy account — but not the one BTC is bound to.
    let impostor = Pubkey::new_unique();
    t.set_account(&impostor, legacy_price_account(PriceSpec::new(1_000_000_00, 0, -2, START_TIME), PriceStatus::Trading));
    let oracle = t.asset(btc).oracle;
    let mut metas = t.health_metas(&trader.account).await;
    let position = metas.iter().position(|m| m.pubkey == oracle).expect("BTC oracle in the health accounts");
    metas[position].pubkey = impostor;
    let mint = t.asset(btc).mint;
    let ix = keel_client::instructions::withdraw(&trader.owner.pubkey(), &t.exchange, &trader.account, &mint, &trader.wallets[btc as usize], 1, metas.clone());
    t.send(&[ix], &[&trader.owner]).await.assert_error(KeelError::OracleAccountMismatch);
    let view = keel_client::instructions::health(&t.exchange, &trader.account, metas);
    t.simulate(&[view], &[]).await.assert_error(KeelError::OracleAccountMismatch);
    assert_eq!(t.balance(&trader.account, btc).await, 50_000_000);
    // The untampered list still works.
    t.withdraw(&trader, btc, 1).await.assert_ok();
}

#[tokio::test]
async fn health_view_fails_while_oracle_stale_or_for_another_feed() {
    let (mut t, trader, sol) = pull_setup().await;
    t.health_view(&trader.account).await.assert_ok();
    t.set_time(START_TIME + 61).await;
    t.health_view(&trader.account).await.assert_error(KeelError::OracleStale);
    let oracle = t.asset(sol).oracle;
    let other_feed = Pubkey::new_unique().to_bytes();
    t.set_account(&oracle, pull_price_account(other_feed, sol_at(START_TIME + 61), VerificationLevel::Full));
    t.health_view(&trader.account).await.assert_error(KeelError::OracleFeedMismatch);
    t.set_pull_price(sol, sol_at(START_TIME + 61), VerificationLevel::Full);
    let report: HealthReport = t.health_view(&trader.account).await.assert_ok().returned();
    // 100 USDC + 2 SOL at 150.00 = 400 USD, quote native.
    assert_eq!(report.collateral_value, 400_000_000);
}

#[tokio::test]
async fn withdraw_succeeds_after_oracle_recovers() {
    let (mut t, trader, sol) = pull_setup().await;
    t.set_time(START_TIME + 120).await;
    assert_refused(&mut t, &trader, sol, KeelError::OracleStale).await;
    t.set_pull_price(sol, sol_at(START_TIME + 120), VerificationLevel::Full);
    let wallet_before = t.token_balance(&trader.wallets[sol as usize]).await;
    t.withdraw(&trader, sol, 500_000_000).await.assert_ok();
    assert_eq!(t.balance(&trader.account, sol).await, 1_500_000_000);
    assert_eq!(t.token_balance(&trader.wallets[sol as usize]).await, wallet_before + 500_000_000);
    t.health_view(&trader.account).await.assert_ok();
    t.assert_conserved().await;
}

#[tokio::test]
async fn deposits_work_while_oracles_are_stale() {
    let mut t = TestContext::new().await;
    let sol = t.add_pull_asset(9, volatile_params(), sol_at(START_TIME)).await;
    let btc = t.add_legacy_asset(8, volatile_params(), btc_at(START_TIME)).await;
    let trader = t.trader(&[1_000_000_000, 5_000_000_000, 100_000_000]).await;
    t.deposit(&trader, sol, 1_000_000_000).await.assert_ok();
    // An unrelated oracle (BTC) is stale: depositing quote and SOL still works.
    t.set_legacy_price(btc, btc_at(START_TIME - 3_600), PriceStatus::Trading);
    t.deposit(&trader, 0, 250_000_000).await.assert_ok();
    t.deposit(&trader, sol, 1_000_000_000).await.assert_ok();
    assert_eq!(t.balance(&trader.account, 0).await, 250_000_000);
    assert_eq!(t.balance(&trader.account, sol).await, 2_000_000_000);
    // Every oracle is stale, the deposited asset's own included: a deposit into a balance the
    // account already holds reads none; one that opens a new balance (BTC) needs BTC's price.
    t.set_time(START_TIME + 3_600).await;
    t.deposit(&trader, sol, 500_000_000).await.assert_ok();
    t.deposit(&trader, btc, 10_000_000).await.assert_error(KeelError::OracleStale);
    assert_eq!(t.balance(&trader.account, sol).await, 2_500_000_000);
    assert_eq!(t.balance(&trader.account, btc).await, 0);
    assert_eq!(t.token_balance(&trader.wallets[sol as usize]).await, 2_500_000_000);
    t.assert_conserved().await;
    // The same account cannot withdraw until its oracles are fresh.
    t.withdraw(&trader, 0, 1).await.assert_error(KeelError::OracleStale);
}

#[tokio::test]
async fn quote_only_withdrawal_works_while_other_oracle_stale() {
    let (mut t, holder, _sol) = pull_setup().await;
    let quote_only = t.trader(&[1_000_000_000]).await;
    t.deposit(&quote_only, 0, 400_000_000).await.assert_ok();
    t.set_time(START_TIME + 61).await;
    // SOL's oracle is stale: it is not among the quote-only account's health accounts.
    assert_eq!(t.health_metas(&quote_only.account).await.len(), 1);
    t.withdraw(&quote_only, 0, 150_000_000).await.assert_ok();
    assert_eq!(t.balance(&quote_only.account, 0).await, 250_000_000);
    assert_eq!(t.token_balance(&quote_only.wallets[0]).await, 750_000_000);
    t.health_view(&quote_only.account).await.assert_ok();
    // An account that holds SOL is refused at the same moment.
    t.withdraw(&holder, 0, 1).await.assert_error(KeelError::OracleStale);
    t.assert_conserved().await;
}
