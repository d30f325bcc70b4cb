//! Attacks on the quote bank through funding paid ahead of its payer (first attack round): a
//! receiver credited before its payer settled was lent liquidity without a borrow. Fixed by the
//! markets' PnL pools: funding is paid only out of funding paid in. Shared set-up in
//! `test_bank_attacks`.

use keel_tests::bank::{market_with_sol_collateral, trader_with};
use keel::error::KeelError;
use keel::instructions::markets::{CancelTarget, OrderType};
use keel::state::Side;
use keel_tests::context::TestContext;
use keel_tests::liquidation::LOTS_PER_USD;
use keel_tests::markets::{limit, order, usd};
use keel_tests::traders::Trader;

/// The funding scenario: A (100 SOL, no USDC) long 10 000 lots at 100, B (2 000 USDC) short;
/// C rests 2 600 lots bid at 104 (each worth 1 040 000 · 0.9995 − 1 000 000 = 39 480 to a
/// seller after the fee: 1.026 · 10^8 over the 10 000 lots of open interest, +1.03%, clamped to
/// 1% an hour) and 10 asked at 105;
/// ten hourly funding updates (A owes B 10 × 100 = 1 000 USDC); B re-touches its position (a
/// post-only order it cancels). A never touches. Passive P has 10 000 USDC.
/// Returns (context, market, A, B, B's quote balance before the touch).
async fn funding_owed_scenario() -> (TestContext, u16, Trader, Trader, i64) {
    let (mut t, m, sol) = market_with_sol_collateral().await;
    let _passive = trader_with(&mut t, sol, 0, 10_000_000_000).await;
    let a = trader_with(&mut t, sol, 100, 0).await;
    let b = trader_with(&mut t, sol, 0, 2_000_000_000).await;
    let c = trader_with(&mut t, sol, 0, 1_000_000_000).await;
    t.place(&a, m, limit(Side::Bid, 100 * LOTS_PER_USD, 10_000))
        .await
        .assert_ok();
    t.place(&b, m, order(OrderType::Market, Side::Ask, 0, 10_000))
        .await
        .assert_ok();
    t.crank(m).await;
    t.place(&c, m, order(OrderType::PostOnly, Side::Bid, 1_040_000, 2_600))
        .await
        .assert_ok();
    t.place(&c, m, order(OrderType::PostOnly, Side::Ask, 1_050_000, 10))
        .await
        .assert_ok();
    let mut now = t.now().await;
    for _ in 0..10 {
        now += 3_600;
        t.set_time(now).await;
        t.set_market_price(m, usd(100, now));
        t.set_pull_price(
            sol,
            usd(100, now),
            pyth_solana_receiver_sdk::price_update::VerificationLevel::Full,
        );
        t.update_funding(m).await.assert_ok();
    }
    let b_before = t.balance(&b.account, 0).await;
    t.place(&b, m, order(OrderType::PostOnly, Side::Ask, 1_050_000, 1))
        .await
        .assert_ok();
    t.cancel(&b, m, CancelTarget::All).await.assert_ok();
    t.assert_conserved().await;
    (t, m, a, b, b_before)
}

/// ATTACK (fixed): the receiver touching first used to be credited the 1 000 USDC its payer had
/// not paid, and could withdraw quote the vault lent without a borrow. Now the market's PnL pool
/// is empty, so the 1 000 is owed on B's position: nothing is credited, nothing is paid ahead
/// (the vault holds at least every booked claim), no lending appears, and B's owed funding still
/// counts in its health.
#[tokio::test]
async fn funding_owed_before_its_payer_pays_is_not_paid_out() {
    let (mut t, m, _a, b, b_before) = funding_owed_scenario().await;
    assert_eq!(t.balance(&b.account, 0).await, b_before, "nothing credited ahead of the payer");
    let position = *t.margin_account(&b.account).await.perp(m).unwrap();
    assert_eq!(position.pnl_owed_native, 1_000_000_000, "10 hours × 1% × 10 000 lots × 1 USDC, owed");
    let market = t.market(m).await;
    assert_eq!((market.pnl_pool, market.pnl_owed), (0, 1_000_000_000));
    let quote = t.quote_asset().await;
    let unbooked = quote.unbooked(t.token_balance(&quote.vault).await).unwrap();
    assert!(!unbooked.is_negative(), "nothing is paid ahead: {unbooked}");
    let liquidity = quote.liquidity().unwrap();
    assert_eq!((liquidity.new_lending, liquidity.withheld), (0, 0), "{liquidity:?}");
    let report: keel::instructions::risk::HealthReport = t.health_view(&b.account).await.assert_ok().returned();
    assert_eq!(report.perps[0].unrealized_pnl, 1_000_000_000, "the owed funding counts as the position's PnL");
}

/// DEFENCE: anyone may crank the payer: `settle_pnl` (permissionless) settles A's 1 000 USDC of
/// funding into its quote balance — a booked borrow, interest-bearing, in utilisation — and into
/// the pool; `settle_pnl` on B then pays B. A's health is the same before and after (pending
/// funding already counted); 30 days later A has paid interest. The crank refuses an account
/// without a slot in the market.
#[tokio::test]
async fn cranking_the_payer_books_its_funding_as_a_borrow_and_pays_the_receiver() {
    let (mut t, m, a, b, b_before) = funding_owed_scenario().await;
    let health_before = t.healths(&a.account).await;
    t.settle_pnl(m, &a.account).await.assert_ok();
    assert_eq!(t.healths(&a.account).await, health_before, "settling moves pending funding into the balance");
    let borrowed = -t.balance(&a.account, 0).await;
    assert_eq!(borrowed, 999_000_000, "A owes the 1 000 of funding it paid, less its 1 USDC maker rebate");
    assert_eq!(t.market(m).await.pnl_pool, 1_000_000_000);
    assert!(t.quote_asset().await.utilization_bps().unwrap() > 0);
    t.settle_pnl(m, &b.account).await.assert_ok();
    assert_eq!(t.balance(&b.account, 0).await - b_before, 1_000_000_000, "B is paid out of A's payment");
    assert_eq!((t.market(m).await.pnl_pool, t.market(m).await.pnl_owed), (0, 0));
    t.withdraw(&b, 0, 1_000_000_000).await.assert_ok();

    let now = t.now().await;
    t.set_time(now + 30 * 86_400).await;
    t.send(&[keel_client::insurance::accrue_interest(&t.exchange, &t.asset(0).mint)], &[]).await.assert_ok();
    assert!(t.quote_asset().await.bank.total_interest > 0, "the borrow paid interest");
    assert!(-t.balance(&a.account, 0).await > borrowed);

    let stranger = trader_with(&mut t, 1, 0, 1_000_000).await;
    t.settle_pnl(m, &stranger.account).await.assert_error(KeelError::NoPositionInMarket);
}
