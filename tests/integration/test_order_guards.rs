//! Trading guards: stale oracles (the traded market's and an unrelated one), paused markets and
//! a paused exchange, and the validation of orders — each refused with its own error and nothing
//! changed, while cancels, cranks and reduce-only trades keep working where they should.

use keel::error::KeelError;
use keel::instructions::markets::{CancelTarget, OrderType, PerpMarketParams, PlaceOrderArgs};
use keel::state::Side;
use keel_client::instructions as kix;
use keel_tests::context::{volatile_params, TestContext};
use keel_tests::markets::{limit, order, paused, perp_params, sol_market_with_traders, usd, with_params, OrderArgsExt, T0};
use solana_signer::Signer;

use OrderType::{ImmediateOrCancel as Ioc, PostOnly};
use Side::{Ask, Bid};

#[tokio::test]
async fn stale_oracle() {
    let (mut t, m, tr) = sol_market_with_traders(2).await;
    let (a, b) = (&tr[0], &tr[1]);
    t.place(a, m, limit(Ask, 1_000_000, 10)).await.assert_ok();
    t.place(a, m, limit(Ask, 1_010_000, 10)).await.assert_ok();
    t.place(b, m, limit(Bid, 1_000_000, 10)).await.assert_ok();
    assert_eq!(t.fill_queue(m).await.count, 1);

    t.set_time(T0 + 120).await;
    t.place(b, m, limit(Bid, 990_000, 1)).await.assert_error(KeelError::OracleStale);
    t.place(b, m, order(Ioc, Ask, 990_000, 1).reduce_only()).await.assert_error(KeelError::OracleStale);
    // Cancelling needs no price; the filled order's reservation stays until the crank.
    t.cancel(a, m, CancelTarget::All).await.assert_ok();
    assert_eq!(t.book(m).await.ask_count, 0);
    assert_eq!(t.margin_account(&a.account).await.perp(m).unwrap().asks_base_lots, 10);
    assert_eq!(t.crank(m).await, 1);
    let maker = t.margin_account(&a.account).await;
    assert_eq!((maker.perp(m).unwrap().base_lots, maker.perp(m).unwrap().asks_base_lots), (-10, 0));
    assert_eq!(t.open_order_count(&a.account).await, 0);

    // Age 61 s is stale, 60 s is not (max age 60 s).
    t.set_market_price(m, usd(100, T0 + 59));
    t.place(b, m, limit(Bid, 990_000, 1)).await.assert_error(KeelError::OracleStale);
    t.set_market_price(m, usd(100, T0 + 60));
    t.place(b, m, limit(Bid, 990_000, 1)).await.assert_ok();
}

#[tokio::test]
async fn unrelated_stale_oracle() {
    let mut t = TestContext::new().await;
    let sol = t.add_pull_asset(9, volatile_params(), usd(100, T0)).await;
    let m = t.add_market("SOL", 9, 10_000_000, 1, usd(100, T0)).await;
    let maker = t.trader(&[10_000_000_000]).await;
    t.deposit(&maker, 0, 1_000_000_000).await.assert_ok();
    let trader = t.trader(&[10_000_000_000, 10_000_000_000]).await;
    t.deposit(&trader, 0, 100_000_000).await.assert_ok();
    t.deposit(&trader, sol, 10_000_000_000).await.assert_ok();
    t.place(&maker, m, limit(Ask, 1_000_000, 100)).await.assert_ok();
    t.place(&trader, m, limit(Bid, 1_000_000, 100)).await.assert_ok();
    t.crank(m).await;

    // The SOL collateral's oracle goes stale; the market's stays fresh.
    let now = T0 + 120;
    t.set_time(now).await;
    t.set_market_price(m, usd(100, now));
    t.place(&maker, m, limit(Bid, 1_000_000, 80)).await.assert_ok();
    t.place(&maker, m, limit(Ask, 1_010_000, 10)).await.assert_ok();

    let before = t.market_snapshot(m, &[trader.account, maker.account]).await;
    t.place(&trader, m, limit(Bid, 1_010_000, 10)).await.assert_error(KeelError::OracleStale);
    t.place(&trader, m, limit(Bid, 990_000, 10)).await.assert_error(KeelError::OracleStale);
    t.place(&trader, m, limit(Ask, 1_020_000, 10)).await.assert_error(KeelError::OracleStale);
    assert_eq!(t.market_snapshot(m, &[trader.account, maker.account]).await, before);

    // Reduce-only: sells 50 of the 100 lots into the maker's bid.
    t.place(&trader, m, order(Ioc, Ask, 1_000_000, 50).reduce_only()).await.assert_ok();
    assert_eq!(t.position_lots(&trader.account, m).await, 50);
    // Fees: 5 bp of 100 USDC, then of 50 USDC.
    assert_eq!(t.balance(&trader.account, 0).await, 100_000_000 - 50_000 - 25_000);
    // Reduce-only asking for more than the position is clamped to it.
    t.place(&trader, m, order(Ioc, Ask, 1_000_000, 80).reduce_only()).await.assert_ok();
    assert_eq!(t.position_lots(&trader.account, m).await, 20);
}

#[tokio::test]
async fn paused_market() {
    let (mut t, m, tr) = sol_market_with_traders(2).await;
    let (a, b) = (&tr[0], &tr[1]);
    t.place(a, m, limit(Ask, 1_000_000, 100)).await.assert_ok();
    t.place(b, m, limit(Bid, 1_000_000, 100)).await.assert_ok();
    t.crank(m).await;
    t.place(a, m, limit(Bid, 990_000, 50)).await.assert_ok();
    t.place(a, m, limit(Ask, 1_010_000, 10)).await.assert_ok();

    t.update_market(m, paused(true)).await.assert_ok();
    assert_eq!(t.market(m).await.paused, 1);
    t.place(b, m, limit(Bid, 980_000, 1)).await.assert_error(KeelError::MarketPaused);
    t.place(b, m, order(Ioc, Ask, 990_000, 10)).await.assert_error(KeelError::MarketPaused);
    t.place(b, m, order(Ioc, Ask, 990_000, 30).reduce_only()).await.assert_ok();
    assert_eq!(t.position_lots(&b.account, m).await, 70);
    t.cancel(a, m, CancelTarget::All).await.assert_ok();
    let book = t.book(m).await;
    assert_eq!((book.bid_count, book.ask_count), (0, 0));
    assert_eq!(t.crank(m).await, 1);
    assert_eq!(t.position_lots(&a.account, m).await, -70);

    // Exchange pause: only reduce-only orders.
    t.update_market(m, paused(false)).await.assert_ok();
    t.place(a, m, limit(Bid, 990_000, 10)).await.assert_ok();
    let admin = t.admin.insecure_clone();
    let ix = kix::set_exchange_pause(&admin.pubkey(), &t.exchange, true);
    t.send(&[ix], &[&admin]).await.assert_ok();
    t.place(a, m, limit(Bid, 980_000, 1)).await.assert_error(KeelError::ExchangePaused);
    t.place(b, m, order(Ioc, Ask, 990_000, 5)).await.assert_error(KeelError::ExchangePaused);
    t.place(b, m, order(Ioc, Ask, 990_000, 5).reduce_only()).await.assert_ok();
    assert_eq!(t.position_lots(&b.account, m).await, 65);
}

#[tokio::test]
async fn order_validation() {
    let (mut t, m, tr) = sol_market_with_traders(1).await;
    let a = &tr[0];
    for lots in [0, -1] {
        t.place(a, m, limit(Bid, 990_000, lots)).await.assert_error(KeelError::OrderTooSmall);
    }
    for (kind, price) in [(OrderType::Limit, 0), (OrderType::Limit, -5), (PostOnly, 0), (Ioc, 0)] {
        t.place(a, m, order(kind, Bid, price, 1)).await.assert_error(KeelError::InvalidOrderPrice);
    }
    for max_touched in [0, 17] {
        t.place(a, m, PlaceOrderArgs { max_touched, ..limit(Bid, 990_000, 1) }).await.assert_error(KeelError::InvalidFillLimit);
    }
    assert!(t.margin_account(&a.account).await.perp(m).is_none());
    for max_touched in [1, 16] {
        t.place(a, m, PlaceOrderArgs { max_touched, ..limit(Bid, 990_000, 1) }).await.assert_ok();
    }
    // A market order ignores its price.
    t.place(a, m, order(OrderType::Market, Bid, 0, 1)).await.assert_ok();

    t.update_market(m, with_params(PerpMarketParams { min_order_base_lots: 10, ..perp_params() })).await.assert_ok();
    t.place(a, m, limit(Bid, 990_000, 9)).await.assert_error(KeelError::OrderTooSmall);
    t.place(a, m, limit(Bid, 990_000, 10)).await.assert_ok();
    let book = t.book(m).await;
    assert_eq!((book.bid_count, book.bids[0].base_lots), (3, 10));
}
