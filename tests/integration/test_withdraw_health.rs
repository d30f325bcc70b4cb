//! Deposits of two assets, the health report against a hand computation, partial withdrawal,
//! and the refusal (with the numbers) of a withdrawal that would break Init health.

use keel::error::KeelError;
use keel::events::CollateralMoved;
use keel::instructions::risk::{HealthLine, HealthReport};
use keel_client::events::events_of;
use keel_tests::context::{volatile_params, TestContext, START_TIME};
use keel_tests::oracles::PriceSpec;
use keel_tests::traders::Trader;

/// SOL at 150.00 ± 0.15 USD (expo −2), EMA equal: init asset price 149.85.
fn sol_price() -> PriceSpec {
    PriceSpec::new(150_00, 15, -2, START_TIME)
}

/// 1 000 USDC and 2 SOL deposited; SOL weights init 0.8 / maint 0.9.
async fn two_asset_trader() -> (TestContext, Trader, u16) {
    let mut t = TestContext::new().await;
    let sol = t.add_pull_asset(9, volatile_params(), sol_price()).await;
    let trader = t.trader(&[5_000_000_000, 10_000_000_000]).await;
    t.deposit(&trader, 0, 1_000_000_000).await.assert_ok();
    t.deposit(&trader, sol, 2_000_000_000).await.assert_ok();
    t.assert_conserved().await;
    (t, trader, sol)
}

#[tokio::test]
async fn health_report_of_two_assets_matches_hand_computation() {
    let (mut t, trader, sol) = two_asset_trader().await;
    let report: HealthReport = t.health_view(&trader.account).await.assert_ok().returned();
    // Init:  1 000 USDC · 1 · 1  +  2 SOL · 149.85 · 0.80 = 1 000 + 239.76   = 1 239.76 USDC
    // Maint: 1 000              +  2 SOL · 150.00 · 0.90 = 1 000 + 270      = 1 270 USDC
    // LiqEnd (weight 0.85):        1 000 + 2 · 150 · 0.85 = 1 255 USDC
    assert_eq!(report.init, HealthLine { assets: 1_239_760_000, health: 1_239_760_000, ..Default::default() });
    assert_eq!(report.maint, HealthLine { assets: 1_270_000_000, health: 1_270_000_000, ..Default::default() });
    assert_eq!(report.liquidation_end, HealthLine { assets: 1_255_000_000, health: 1_255_000_000, ..Default::default() });
    assert_eq!(report.collateral_value, 1_300_000_000);
    assert_eq!(report.collaterals.len(), 2);
    assert_eq!((report.collaterals[1].asset_index, report.collaterals[1].balance, report.collaterals[1].value), (sol, 2_000_000_000, 300_000_000));
    // 150 USD per SOL = 150·10^6 quote native per 10^9 base native = 0.15, as Fixed raw.
    assert_eq!(report.collaterals[1].oracle_price, 150_000_000_000_000_000);
    assert_eq!(t.client_health_report(&trader.account, START_TIME).await, report, "client and program agree");
}

#[tokio::test]
async fn health_report_counts_negative_quote_as_a_liability_at_weight_one() {
    let (mut t, trader, _) = two_asset_trader().await;
    let winner = t.trader(&[]).await;
    // A settled loss of 1 200 USDC leaves the quote balance at −200 USDC.
    t.book_settled_pnl(&trader.account, &winner.account, 1_200_000_000).await;
    t.assert_conserved().await;
    let report: HealthReport = t.health_view(&trader.account).await.assert_ok().returned();
    // The quote's weights are 1: Init 239.76 − 200 = 39.76 ; Maint 270 − 200 = 70 ; LiqEnd 255 − 200 = 55
    assert_eq!(report.init, HealthLine { assets: 239_760_000, liabilities: 200_000_000, health: 39_760_000, ..Default::default() });
    assert_eq!(report.maint, HealthLine { assets: 270_000_000, liabilities: 200_000_000, health: 70_000_000, ..Default::default() });
    assert_eq!(report.liquidation_end, HealthLine { assets: 255_000_000, liabilities: 200_000_000, health: 55_000_000, ..Default::default() });
    assert_eq!(report.collateral_value, 100_000_000);
    assert_eq!(t.client_health_report(&trader.account, START_TIME).await, report);
}

#[tokio::test]
async fn withdraw_part_then_refused_with_numbers_when_init_health_would_break() {
    let (mut t, trader, sol) = two_asset_trader().await;
    let winner = t.trader(&[]).await;
    // A settled loss of 1 220 USDC leaves the quote balance at −220 USDC.
    t.book_settled_pnl(&trader.account, &winner.account, 1_220_000_000).await;

    // 0.1 SOL keeps Init health ≥ 0: 1.9 · 149.85 · 0.8 − 220 = 7.772 USDC.
    let wallet_before = t.token_balance(&trader.wallets[sol as usize]).await;
    let outcome = t.withdraw(&trader, sol, 100_000_000).await;
    outcome.assert_ok();
    assert_eq!(t.token_balance(&trader.wallets[sol as usize]).await, wallet_before + 100_000_000);
    assert_eq!(t.balance(&trader.account, sol).await, 1_900_000_000);
    let moved = events_of::<CollateralMoved>(&outcome.logs);
    assert_eq!((moved[0].amount, moved[0].balance_after, moved[0].init_health_after), (-100_000_000, 1_900_000_000, 7_772_000));
    t.assert_conserved().await;

    // 0.1 SOL more would leave 1.8 · 149.85 · 0.8 − 220 = −4.216 USDC: refused, with the numbers.
    let refused = t.withdraw(&trader, sol, 100_000_000).await;
    refused.assert_error(KeelError::InitHealthNegative);
    assert!(refused.logged("withdraw: init health would be -4216000 (weighted assets 215784000, weighted liabilities 220000000, perp pnl 0, perp requirements 0; quote native)"), "{:#?}", refused.logs);
    assert_eq!(t.balance(&trader.account, sol).await, 1_900_000_000);
    t.assert_conserved().await;
}

#[tokio::test]
async fn deposit_of_quote_repays_a_negative_balance_first() {
    let (mut t, trader, _) = two_asset_trader().await;
    let winner = t.trader(&[]).await;
    t.book_settled_pnl(&trader.account, &winner.account, 1_200_000_000).await;
    t.deposit(&trader, 0, 250_000_000).await.assert_ok();
    assert_eq!(t.balance(&trader.account, 0).await, 50_000_000);
    t.assert_conserved().await;
}

#[tokio::test]
async fn deposit_and_withdraw_emit_events_with_balances_and_sequences() {
    let (mut t, trader, sol) = two_asset_trader().await;
    let outcome = t.deposit(&trader, sol, 500_000_000).await;
    let event = &events_of::<CollateralMoved>(&outcome.logs)[0];
    assert_eq!((event.asset_index, event.amount, event.balance_after, event.vault_balance_after), (sol, 500_000_000, 2_500_000_000, 2_500_000_000));
    assert_eq!((event.account_seq, event.asset_seq), (3, 2));
    let outcome = t.withdraw(&trader, 0, 1_000_000_000).await;
    let event = &events_of::<CollateralMoved>(&outcome.logs)[0];
    assert_eq!((event.asset_index, event.amount, event.balance_after, event.vault_balance_after), (0, -1_000_000_000, 0, 0));
    assert_eq!(event.account_seq, 4);
    assert_eq!(t.margin_account(&trader.account).await.active_collaterals().count(), 1, "emptied quote slot released");
    t.assert_conserved().await;
}

#[tokio::test]
async fn withdraw_more_than_balance_fails_insufficient_balance() {
    let (mut t, trader, sol) = two_asset_trader().await;
    t.withdraw(&trader, sol, 2_000_000_001).await.assert_error(KeelError::InsufficientBalance);
    t.withdraw(&trader, sol, 2_000_000_000).await.assert_ok();
    t.assert_conserved().await;
}

#[tokio::test]
async fn withdraw_of_an_asset_not_held_fails_no_such_balance() {
    let mut t = TestContext::new().await;
    let sol = t.add_pull_asset(9, volatile_params(), sol_price()).await;
    let trader = t.trader(&[1_000, 1_000]).await;
    t.deposit(&trader, 0, 1_000).await.assert_ok();
    t.withdraw(&trader, sol, 1).await.assert_error(KeelError::NoSuchBalance);
}

#[tokio::test]
async fn zero_amounts_fail_zero_amount() {
    let (mut t, trader, sol) = two_asset_trader().await;
    t.deposit(&trader, sol, 0).await.assert_error(KeelError::ZeroAmount);
    t.withdraw(&trader, sol, 0).await.assert_error(KeelError::ZeroAmount);
}
