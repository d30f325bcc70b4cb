//! The markets' PnL pools: a gain is paid only out of losses already paid into its market, the
//! rest is owed on the position and counts in health; `settle_pnl` books a loser's unrealised
//! loss while — and only as far as — the pool is short of what it owes; `consume_fills` pays a
//! taker whose gain its maker's loss has just covered.
//!
//! SOL-PERP at 100 USD: 100 lots are 1 SOL, so 100 lots move 1 USDC per dollar. Taker fee 5 bp,
//! maker rebate 1 bp. Every trader starts with 1 000 USDC.

use keel::error::KeelError;
use keel::events::UnrealisedLossBooked;
use keel::instructions::risk::HealthReport;
use keel::state::Side;
use keel_client::events::events_of;
use keel_tests::context::TestContext;
use keel_tests::markets::{limit, sol_market_with_traders, usd, T0};
use keel_tests::traders::Trader;

/// A and E each buy 100 lots at 100 from B (short 200, the taker); SOL rises to 110. Then A
/// sells its 100 lots at 110 into C's bid, as the taker: +10 USDC that nobody has paid yet (B's
/// −20 is unrealised, C opened). Returns (context, market, A, B).
async fn winner_closes_while_the_loser_stays_open() -> (TestContext, u16, Trader, Trader) {
    let (mut t, m, mut traders) = sol_market_with_traders(4).await;
    let (e, c, b, a) = (
        traders.pop().unwrap(),
        traders.pop().unwrap(),
        traders.pop().unwrap(),
        traders.pop().unwrap(),
    );

    t.place(&a, m, limit(Side::Bid, 1_000_000, 100))
        .await
        .assert_ok();
    t.place(&e, m, limit(Side::Bid, 1_000_000, 100))
        .await
        .assert_ok();
    t.place(&b, m, limit(Side::Ask, 1_000_000, 200))
        .await
        .assert_ok();
    t.crank(m).await;
    t.set_market_price(m, usd(110, T0));
    // Nobody is owed anything yet: settling the loser books nothing (no interest on a loss
    // nobody waits for).
    let b_before = t.balance(&b.account, 0).await;
    t.settle_pnl(m, &b.account).await.assert_ok();
    assert_eq!(t.balance(&b.account, 0).await, b_before);
    t.place(&c, m, limit(Side::Bid, 1_100_000, 100))
        .await
        .assert_ok();
    t.place(&a, m, limit(Side::Ask, 1_100_000, 100))
        .await
        .assert_ok();
    t.crank(m).await;
    (t, m, a, b)
}

/// The winner's +10 is owed: its balance only paid the fee (5 bp of 110 = 0.055), the position
/// slot stays with 10 USDC owed, the health view counts it as the position's PnL, and the
/// market owes 10 with an empty pool. Settling the winner alone pays nothing.
#[tokio::test]
async fn a_gain_the_pool_cannot_pay_is_owed_and_counts_in_health() {
    let (mut t, m, a, _b) = winner_closes_while_the_loser_stays_open().await;
    assert_eq!(
        t.balance(&a.account, 0).await,
        1_000_000_000 + 10_000 - 55_000,
        "rebate on the open, fee on the close"
    );
    let position = *t.margin_account(&a.account).await.perp(m).unwrap();
    assert_eq!(
        (
            position.base_lots,
            position.quote_native,
            position.pnl_owed_native
        ),
        (0, 0, 10_000_000)
    );
    let market = t.market(m).await;
    assert_eq!((market.pnl_pool, market.pnl_owed), (0, 10_000_000));
    let report: HealthReport = t.health_view(&a.account).await.assert_ok().returned();
    assert_eq!(report.perps[0].unrealized_pnl, 10_000_000);
    assert_eq!(
        report.maint.health,
        1_000_000_000 + 10_000 - 55_000 + 10_000_000,
        "owed gains count in full in Maint"
    );
    t.settle_pnl(m, &a.account).await.assert_ok();
    assert_eq!(
        t.margin_account(&a.account)
            .await
            .perp(m)
            .unwrap()
            .pnl_owed_native,
        10_000_000,
        "the pool is empty"
    );
}

/// `settle_pnl` on the loser books its unrealised loss only up to what the pool is short of:
/// B is down 20 at 110 but 10 is owed, so 10 becomes B's borrow and goes into the pool (B's cost
/// basis takes it back, B's health is unchanged); then `settle_pnl` on A pays A and leaves its
/// slot flat. Nothing is owed, the pool is empty, and A withdraws everything.
#[tokio::test]
async fn settling_the_loser_books_at_most_the_shortfall_and_pays_the_winner() {
    let (mut t, m, a, b) = winner_closes_while_the_loser_stays_open().await;
    let b_before = t.balance(&b.account, 0).await;
    let b_quote = t
        .margin_account(&b.account)
        .await
        .perp(m)
        .unwrap()
        .quote_native;
    let b_health = t.healths(&b.account).await;
    let outcome = t.settle_pnl(m, &b.account).await;
    outcome.assert_ok();
    let booked = events_of::<UnrealisedLossBooked>(&outcome.logs);
    assert_eq!(
        (booked.len(), booked[0].amount, booked[0].pool_after),
        (1, 10_000_000, 10_000_000)
    );
    assert_eq!(
        b_before - t.balance(&b.account, 0).await,
        10_000_000,
        "B pays 10 of its 20 unrealised"
    );
    assert_eq!(
        t.margin_account(&b.account)
            .await
            .perp(m)
            .unwrap()
            .quote_native
            - b_quote,
        10_000_000
    );
    assert_eq!(
        t.healths(&b.account).await,
        b_health,
        "booking an unrealised loss leaves health alone"
    );
    let a_before = t.balance(&a.account, 0).await;
    t.settle_pnl(m, &a.account).await.assert_ok();
    assert_eq!(t.balance(&a.account, 0).await - a_before, 10_000_000);
    assert!(
        t.margin_account(&a.account).await.perp(m).is_none_or(|p| p.is_flat()),
        "paid: the slot is flat (freed by A's next instruction)"
    );
    let market = t.market(m).await;
    assert_eq!((market.pnl_pool, market.pnl_owed), (0, 0));
    let all = t.balance(&a.account, 0).await as u64;
    t.withdraw(&a, 0, all).await.assert_ok();
    // Nothing more is owed: settling B again books nothing.
    let b_after = t.balance(&b.account, 0).await;
    t.settle_pnl(m, &b.account).await.assert_ok();
    assert_eq!(t.balance(&b.account, 0).await, b_after);
}

/// The oracle is needed only to book an unrealised loss: with the market's price stale, settling
/// the loser is refused (`OracleStale`), settling the flat winner still goes through.
#[tokio::test]
async fn settle_pnl_needs_a_valid_oracle_only_to_book_a_loss() {
    let (mut t, m, a, b) = winner_closes_while_the_loser_stays_open().await;
    t.set_time(T0 + 120).await;
    t.settle_pnl(m, &b.account)
        .await
        .assert_error(KeelError::OracleStale);
    t.settle_pnl(m, &a.account).await.assert_ok();
    t.set_market_price(m, usd(110, T0 + 120));
    t.settle_pnl(m, &b.account).await.assert_ok();
    t.settle_pnl(m, &a.account).await.assert_ok();
    assert!(t.margin_account(&a.account).await.perp(m).is_none_or(|p| p.is_flat()));
}

/// A taker closing at a gain against a maker closing at a loss: the maker's loss reaches the
/// pool only in the crank, which — given the taker's account too — pays the taker at once.
#[tokio::test]
async fn the_crank_pays_a_taker_whose_maker_closed_at_a_loss() {
    let (mut t, m, traders) = sol_market_with_traders(2).await;
    let (maker, taker) = (&traders[0], &traders[1]);
    t.place(maker, m, limit(Side::Ask, 1_000_000, 100))
        .await
        .assert_ok();
    t.place(taker, m, limit(Side::Bid, 1_000_000, 100))
        .await
        .assert_ok();
    t.crank(m).await;
    t.set_market_price(m, usd(104, T0));
    t.place(maker, m, limit(Side::Bid, 1_040_000, 100))
        .await
        .assert_ok();
    t.place(taker, m, limit(Side::Ask, 1_040_000, 100))
        .await
        .assert_ok();
    assert_eq!(
        t.margin_account(&taker.account)
            .await
            .perp(m)
            .unwrap()
            .pnl_owed_native,
        4_000_000,
        "owed until the crank"
    );
    t.crank(m).await;
    assert_eq!(
        t.balance(&taker.account, 0).await,
        1_000_000_000 + 4_000_000 - 50_000 - 52_000
    );
    assert!(t.margin_account(&taker.account).await.perp(m).is_none_or(|p| p.is_flat()));
    let market = t.market(m).await;
    assert_eq!((market.pnl_pool, market.pnl_owed), (0, 0));
}
