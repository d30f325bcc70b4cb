//! Trading basics with hand-computed numbers: a resting ask, a taker's fill settled at once,
//! the maker's side applied by the crank, fees split between protocol and insurance, realised
//! PnL settled into the quote balance, and the health view's perp lines.

use keel::instructions::risk::HealthReport;
use keel::state::Side;
use keel_tests::markets::{limit, sol_market_with_two_traders, usd, T0};

#[tokio::test]
async fn taker_fill_settles_at_once_and_crank_applies_maker_side() {
    let (mut t, m, maker, taker) = sol_market_with_two_traders().await;
    t.place(&maker, m, limit(Side::Ask, 1_000_000, 100)).await.assert_ok();
    t.place(&taker, m, limit(Side::Bid, 1_000_000, 100)).await.assert_ok();

    // notional 100 lots · 1 000 000 = 100 USDC; taker fee 5 bp = 0.05; maker rebate 1 bp = 0.01;
    // insurance 20% of the net 0.04 = 0.008.
    let taker_account = t.margin_account(&taker.account).await;
    let position = taker_account.perp(m).unwrap();
    assert_eq!((position.base_lots, position.quote_native), (100, -100_000_000));
    assert_eq!(taker_account.units(0), 1_000_000_000 - 50_000, "no borrows: units are native");
    let market = t.market(m).await;
    assert_eq!((market.fees_accrued, market.insurance_fees_booked), (42_000, 8_000));
    assert_eq!((market.long_lots, market.pending_ask_lots), (100, 100));

    assert_eq!(t.crank(m).await, 1);
    let maker_account = t.margin_account(&maker.account).await;
    let position = maker_account.perp(m).unwrap();
    assert_eq!((position.base_lots, position.quote_native, position.asks_base_lots), (-100, 100_000_000, 0));
    assert_eq!(maker_account.units(0), 1_000_000_000 + 10_000);
    assert!(maker_account.orders.iter().all(|o| !o.is_in_use()));
    let market = t.market(m).await;
    assert_eq!((market.fees_accrued, market.insurance_fees_booked), (32_000, 8_000));
    assert_eq!((market.long_lots, market.short_lots, market.pending_ask_lots), (100, 100, 0));
}

#[tokio::test]
async fn closing_at_a_higher_price_realises_the_gain_into_the_quote_balance() {
    let (mut t, m, maker, taker) = sol_market_with_two_traders().await;
    t.place(&maker, m, limit(Side::Ask, 1_000_000, 100)).await.assert_ok();
    t.place(&taker, m, limit(Side::Bid, 1_000_000, 100)).await.assert_ok();
    t.crank(m).await;
    t.set_market_price(m, usd(104, T0));
    // The maker buys back at 1.04 per lot: the taker sells 100 lots into the bid.
    t.place(&maker, m, limit(Side::Bid, 1_040_000, 100)).await.assert_ok();
    t.place(&taker, m, limit(Side::Ask, 1_040_000, 100)).await.assert_ok();
    t.crank(m).await;
    // Taker: +4 USDC realised, fees 0.05 + 0.052; maker: −4 USDC, rebates 0.01 + 0.0104.
    assert_eq!(t.balance(&taker.account, 0).await, 1_000_000_000 + 4_000_000 - 50_000 - 52_000);
    assert_eq!(t.balance(&maker.account, 0).await, 1_000_000_000 - 4_000_000 + 10_000 + 10_400);
    assert!(t.margin_account(&taker.account).await.perp(m).is_none_or(|p| p.is_flat()), "paid by the crank: the slot is flat (freed by the taker's next instruction)");
    assert!(t.margin_account(&maker.account).await.perp(m).is_none());
}

#[tokio::test]
async fn health_view_reports_the_position_its_pnl_and_liquidation_price() {
    let (mut t, m, maker, taker) = sol_market_with_two_traders().await;
    t.place(&maker, m, limit(Side::Ask, 1_000_000, 100)).await.assert_ok();
    t.place(&taker, m, limit(Side::Bid, 1_000_000, 100)).await.assert_ok();
    t.crank(m).await;
    t.set_market_price(m, usd(110, T0));
    let report: HealthReport = t.health_view(&taker.account).await.assert_ok().returned();
    assert_eq!(report.perps.len(), 1);
    let line = report.perps[0];
    assert_eq!((line.market_index, line.base_lots), (m, 100));
    assert_eq!(line.unrealized_pnl, 10_000_000);
    assert_eq!(line.oracle_price_per_lot, 1_100_000);
    // Maint health: 999.95 + 10 − 1 SOL · 110 · 5% = 1 004.45 USDC. It reaches zero when the
    // price falls by 1 004.45 / (1 · (1 − 0.05)) = 1 057.315…, to below zero: no liquidation price.
    assert_eq!(report.maint.health, 1_004_450_000);
    assert_eq!(line.liquidation_price_per_lot, 0);
    // Init: positive PnL at 80% (8 USDC), requirement 10% of 110 = 11 USDC.
    assert_eq!((report.init.perp_pnl, report.init.perp_requirements), (8_000_000, 11_000_000));
    assert_eq!(report.init.health, 999_950_000 + 8_000_000 - 11_000_000);
    let client = t.client_health_report(&taker.account, T0).await;
    assert_eq!(client, report);
}
