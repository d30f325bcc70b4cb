//! Market integrity at the fill: stale resting orders outside the band are removed, not filled;
//! the band is bounded by the maint margin; a distressed account (below Init health) trades
//! only within the liquidation discount and never rests; an account being liquidated does not
//! trade; the quote asset's weights are exactly 1. Each test states the attack it stops, with
//! the numbers the program as it stood would have produced.

use keel::error::KeelError;
use keel::events::{OrderCancelled, OrderPlaced};
use keel::instructions::markets::OrderType;
use keel::state::{OutReason, Side};
use keel_client::events::events_of;
use keel_tests::context::quote_params;
use keel_tests::liquidation::{LongScenario, LOTS_PER_USD};
use keel_tests::markets::{
    limit, order, perp_params, sol_market_with_two_traders, usd, with_params, OrderArgsExt, T0,
};
use solana_signer::Signer;

const START: i64 = 1_000_000_000;

/// (filled, rested) lots of the one `OrderPlaced` event of `logs`.
fn took(logs: &[String]) -> (i64, i64) {
    let events = events_of::<OrderPlaced>(logs);
    assert_eq!(events.len(), 1);
    (events[0].filled_lots, events[0].rested_lots)
}

#[tokio::test]
async fn stale_bid_left_above_the_band_is_removed_not_filled() {
    // Attack: a bid resting at the band edge (105) is left behind when the oracle drops to 90;
    // a taker selling into it used to fill at 105 — 15 USDC per SOL taken from the bidder.
    let (mut t, m, maker, taker) = sol_market_with_two_traders().await;
    t.place(&maker, m, limit(Side::Bid, 1_050_000, 100))
        .await
        .assert_ok();
    t.set_market_price(m, usd(90, T0));

    let outcome = t
        .place(&taker, m, order(OrderType::Market, Side::Ask, 0, 100))
        .await;
    assert_eq!(took(&outcome.assert_ok().logs), (0, 0));
    let queue = t.fill_queue(m).await;
    let events: Vec<_> = queue
        .iter()
        .map(|e| (e.kind, e.out_reason, e.price_lots, e.base_lots))
        .collect();
    assert_eq!(
        events,
        vec![(2, OutReason::OutsideBand as u8, 1_050_000, 100)]
    );
    assert!(t.book(m).await.side(Side::Bid).is_empty());

    assert_eq!(t.crank(m).await, 1);
    assert_eq!(t.open_order_count(&maker.account).await, 0);
    assert_eq!(t.position_lots(&maker.account, m).await, 0);
    assert_eq!(t.position_lots(&taker.account, m).await, 0);
    assert_eq!(t.balance(&maker.account, 0).await, START);
    assert_eq!(t.balance(&taker.account, 0).await, START);
}

#[tokio::test]
async fn stale_ask_is_swept_and_the_taker_fills_at_the_next_order_inside_the_band() {
    let (mut t, m, maker, taker) = sol_market_with_two_traders().await;
    t.place(&maker, m, limit(Side::Ask, 950_000, 10))
        .await
        .assert_ok();
    t.place(&maker, m, limit(Side::Ask, 1_040_000, 10))
        .await
        .assert_ok();
    t.set_market_price(m, usd(109, T0)); // band 1 035 500..=1 144 500: the ask at 95 is stale

    let outcome = t
        .place(&taker, m, order(OrderType::Market, Side::Bid, 0, 20))
        .await;
    assert_eq!(took(&outcome.assert_ok().logs), (10, 0));
    assert_eq!(t.position_lots(&taker.account, m).await, 10);
    // Long 10 lots for 10.40 USDC (the position's quote), taker fee 5 bp from the balance.
    assert_eq!(
        t.margin_account(&taker.account)
            .await
            .perp(m)
            .map(|p| p.quote_native),
        Some(-10_400_000)
    );
    assert_eq!(t.balance(&taker.account, 0).await, START - 5_200);
    assert_eq!(t.crank(m).await, 2);
    let maker_account = t.margin_account(&maker.account).await;
    assert_eq!(maker_account.perp(m).map(|p| p.base_lots), Some(-10));
    assert_eq!(t.open_order_count(&maker.account).await, 0);
}

#[tokio::test]
async fn price_band_wider_than_the_maint_margin_is_refused() {
    let (mut t, m, _, _) = sol_market_with_two_traders().await;
    let wide = keel::instructions::markets::PerpMarketParams {
        price_band_bps: 501,
        ..perp_params()
    };
    t.update_market(m, with_params(wide))
        .await
        .assert_error(KeelError::InvalidPriceBand);
    let (mut args, oracle, _) = t.market_args(1, "BTC", 8, 100, 1, usd(50_000, T0));
    args.params.price_band_bps = 600;
    t.list_market(args, &oracle)
        .await
        .assert_error(KeelError::InvalidPriceBand);
    let edge = keel::instructions::markets::PerpMarketParams {
        price_band_bps: 500,
        ..perp_params()
    };
    t.update_market(m, with_params(edge)).await.assert_ok();
}

/// LongScenario at 95: the long (120 USDC, 10 SOL from 100) is below Init but above Maint, and
/// `colluder` (the maker) bids for the whole position at the band's low edge, 90.25.
async fn distressed_long_with_a_colluding_bid() -> LongScenario {
    let mut s = LongScenario::new().await;
    s.set_price(95).await;
    let h = s.t.healths(&s.liqee.account).await;
    assert!(
        h.init < 0 && h.maint > 0,
        "distressed, not liquidatable: {h:?}"
    );
    s.t.place(&s.maker, s.market, limit(Side::Bid, 902_500, 1_000))
        .await
        .assert_ok();
    s
}

#[tokio::test]
async fn distressed_account_cannot_sell_at_the_band_edge_to_a_colluder() {
    // Attack: below Init, "Init health no worse" let the long sell 10 SOL at 90.25 to its own
    // second account — 47.50 USDC handed over, twice a liquidator's 1.5% discount of 14.25.
    let mut s = distressed_long_with_a_colluding_bid().await;
    let (liqee_quote, maker_quote) = (
        s.t.balance(&s.liqee.account, 0).await,
        s.t.balance(&s.maker.account, 0).await,
    );
    let sell = order(OrderType::Market, Side::Ask, 0, 1_000).reduce_only();
    let outcome = s.t.place(&s.liqee, s.market, sell).await;
    assert_eq!(took(&outcome.assert_ok().logs), (0, 0));
    assert_eq!(s.t.position_lots(&s.liqee.account, s.market).await, 1_000);
    assert_eq!(s.t.balance(&s.liqee.account, 0).await, liqee_quote);
    assert_eq!(s.t.balance(&s.maker.account, 0).await, maker_quote);

    let resting = limit(Side::Ask, 902_500, 1_000).reduce_only();
    s.t.place(&s.liqee, s.market, resting)
        .await
        .assert_error(KeelError::DistressedOrderMustNotRest);
}

#[tokio::test]
async fn distressed_account_may_sell_within_the_liquidation_discount_and_health_rises() {
    let mut s = distressed_long_with_a_colluding_bid().await;
    // 95 · (1 − 1.5%) = 93.575: the lowest price the distressed long may sell at.
    s.t.place(&s.maker, s.market, limit(Side::Bid, 935_750, 400))
        .await
        .assert_ok();
    let before = s.t.healths(&s.liqee.account).await;
    let liqee_quote = s.t.balance(&s.liqee.account, 0).await;
    let sell = order(OrderType::ImmediateOrCancel, Side::Ask, 900_000, 1_000).reduce_only();
    let outcome = s.t.place(&s.liqee, s.market, sell).await;
    assert_eq!(took(&outcome.assert_ok().logs), (400, 0));
    assert_eq!(s.t.position_lots(&s.liqee.account, s.market).await, 600);
    // Realised: 400 lots sold at 93.575 against 100 paid = −25.70 USDC; taker fee 5 bp of 374.30.
    assert_eq!(
        s.t.balance(&s.liqee.account, 0).await,
        liqee_quote - 25_700_000 - 187_150
    );
    let after = s.t.healths(&s.liqee.account).await;
    assert!(
        after.maint > before.maint && after.liq_end > before.liq_end && after.init > before.init,
        "{before:?} -> {after:?}"
    );
}

#[tokio::test]
async fn account_being_liquidated_may_not_trade_even_reduce_only() {
    let mut s = LongScenario::in_progress_at_92().await;
    s.t.place(&s.maker, s.market, limit(Side::Bid, 92 * LOTS_PER_USD, 800))
        .await
        .assert_ok();
    let sell = order(
        OrderType::ImmediateOrCancel,
        Side::Ask,
        92 * LOTS_PER_USD,
        800,
    )
    .reduce_only();
    s.t.place(&s.liqee, s.market, sell)
        .await
        .assert_error(KeelError::AccountBeingLiquidated);
    assert_eq!(s.t.position_lots(&s.liqee.account, s.market).await, 800);
    let cancelled =
        s.t.cancel(
            &s.maker,
            s.market,
            keel::instructions::markets::CancelTarget::All,
        )
        .await;
    assert_eq!(
        events_of::<OrderCancelled>(&cancelled.assert_ok().logs).len(),
        1
    );
}

#[tokio::test]
async fn quote_asset_weights_other_than_one_are_refused() {
    let mut t = keel_tests::context::TestContext::new().await;
    let quote = t.asset(0);
    for params in [
        keel::instructions::risk::AssetParams {
            maint_liab_weight_bps: 10_500,
            init_liab_weight_bps: 11_000,
            ..quote_params()
        },
        keel::instructions::risk::AssetParams {
            init_asset_weight_bps: 9_900,
            ..quote_params()
        },
    ] {
        let admin = t.admin.insecure_clone();
        let args = keel::instructions::risk::UpdateAssetArgs {
            params: Some(params),
            deposits_paused: None,
        };
        let ix = keel_client::instructions::update_asset(
            &admin.pubkey(),
            &t.exchange,
            &quote.mint,
            args,
        );
        t.send(&[ix], &[&admin])
            .await
            .assert_error(KeelError::InvalidQuoteWeights);
    }
}

#[tokio::test]
async fn failed_price_in_the_health_check_applies_the_distressed_rules() {
    // Attack: with ETH-PERP's oracle stale, the lenient check entered the account's ETH short at
    // price 0 — a windfall — so an account below Init looked healthy and sold 10 SOL at the band
    // edge (90.25 at 95) to a colluder under "Init no worse". Now a failed price makes the
    // account distressed: its sell is clamped to the 1.5% discount and nothing fills.
    let mut t = keel_tests::context::TestContext::new().await;
    let sol = t.add_market("SOL", 9, 10_000_000, 1, usd(100, T0)).await;
    let eth = t.add_market("ETH", 9, 10_000_000, 1, usd(200, T0)).await;
    let maker = t.trader(&[100_000_000_000]).await;
    t.deposit(&maker, 0, 10_000_000_000).await.assert_ok();
    let trader = t.trader(&[1_000_000_000]).await;
    t.deposit(&trader, 0, 150_000_000).await.assert_ok();
    t.place(&maker, sol, limit(Side::Ask, 1_000_000, 1_000))
        .await
        .assert_ok();
    t.place(
        &trader,
        sol,
        order(OrderType::ImmediateOrCancel, Side::Bid, 1_000_000, 1_000),
    )
    .await
    .assert_ok();
    t.place(&maker, eth, limit(Side::Bid, 2_000_000, 100))
        .await
        .assert_ok();
    t.place(
        &trader,
        eth,
        order(OrderType::ImmediateOrCancel, Side::Ask, 2_000_000, 100),
    )
    .await
    .assert_ok();
    t.crank(sol).await;
    t.crank(eth).await;

    // 61 s later ETH's oracle is stale, SOL's is republished at 95: Init < 0 (−15.6 USDC).
    let now = T0 + 61;
    t.set_time(now).await;
    t.set_market_price(sol, usd(95, now));
    let colluder = t.trader(&[10_000_000_000]).await;
    t.deposit(&colluder, 0, 1_000_000_000).await.assert_ok();
    t.place(&colluder, sol, limit(Side::Bid, 902_500, 1_000))
        .await
        .assert_ok();
    let quote = t.balance(&trader.account, 0).await;
    let sell = order(OrderType::Market, Side::Ask, 0, 1_000).reduce_only();
    let outcome = t.place(&trader, sol, sell).await;
    assert_eq!(took(&outcome.assert_ok().logs), (0, 0));
    assert_eq!(t.position_lots(&trader.account, sol).await, 1_000);
    assert_eq!(t.balance(&trader.account, 0).await, quote);
    // A resting order is refused with the failed price itself.
    let rest = limit(Side::Ask, 960_000, 100).reduce_only();
    t.place(&trader, sol, rest)
        .await
        .assert_error(KeelError::OracleStale);
}
