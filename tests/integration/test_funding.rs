//! Funding with hand-computed numbers: the index moves by the clamped premium of the book over
//! the oracle, pro rata over at most one interval; positions settle it lazily (counted in
//! health meanwhile), the payer rounding up and the receiver down, and the vault reconciles.
//! The premium is the book's arbitrage value per lot of depth: what selling into each live bid
//! nets after the 5 bp taker fee, `b · 0.9995 − oracle`, less what buying each live ask nets,
//! `oracle − a · 1.0005`, over the first `max(funding_impact_lots = 10, open interest)` lots of
//! each side, divided by that depth and the oracle. A quote within the fee of the oracle is
//! worth nothing; missing depth counts as none.
//!
//! Market: SOL-PERP, lots of 0.01 SOL, quote lot 1 native; at 100 USD one lot is worth
//! 1 000 000 quote native (1 USDC) and a price of 1 000 000 lots is the oracle price.
//! Funding params (tests' `perp_params`): max 100 bps per interval, interval 3 600 s; price band
//! 500 bps, so at 100 USD orders rest only within 950 000..=1 050 000 lots.

use keel::error::KeelError;
use keel::events::{FundingSettled, FundingUpdated, MakerFillApplied};
use keel::instructions::markets::{CancelTarget, OrderType};
use keel::instructions::risk::HealthReport;
use keel::math::FIXED_SCALE;
use keel::state::Side;
use keel_client::events::events_of;
use keel_client::markets as mix;
use keel_tests::context::TestContext;
use keel_tests::markets::{limit, order, sol_market_with_traders, usd, T0};

/// 1 000 USDC.
const DEPOSIT: u64 = 1_000_000_000;

/// Moves the clock to `time` and republishes the oracle at 100 USD there (max age 60 s).
async fn advance(t: &mut TestContext, m: u16, time: i64) {
    t.set_time(time).await;
    t.set_market_price(m, usd(100, time));
}

fn post_only(side: Side, price_lots: i64, base_lots: i64) -> keel::instructions::markets::PlaceOrderArgs {
    order(OrderType::PostOnly, side, price_lots, base_lots)
}

/// The single `FundingUpdated` of a successful `update_funding`.
async fn update(t: &mut TestContext, m: u16) -> FundingUpdated {
    let outcome = t.update_funding(m).await;
    outcome.assert_ok();
    let mut events = events_of::<FundingUpdated>(&outcome.logs);
    assert_eq!(events.len(), 1, "one FundingUpdated per update");
    events.remove(0)
}

#[tokio::test]
async fn book_premium_moves_the_index_pro_rata() {
    let (mut t, m, traders) = sol_market_with_traders(1).await;
    let mm = &traders[0];
    // 10 lots bid at 1 005 000, worth 1 005 000 · 0.9995 − 1 000 000 = 4 497.5 each to a
    // seller: a premium of 10 · 4 497.5 / (10 · 1 000 000) = 0.44975% (the event's rate rounds
    // down to 44 bps), under the 1% cap.
    t.place(mm, m, post_only(Side::Bid, 1_005_000, 10)).await.assert_ok();
    t.place(mm, m, post_only(Side::Ask, 1_007_000, 10)).await.assert_ok();

    let t1 = T0 + 1_800;
    advance(&mut t, m, t1).await;
    let event = update(&mut t, m).await;
    // 0.44975% · 1 000 000 per lot · 1 800 / 3 600 = 2 248.75 quote native per lot, exactly.
    assert_eq!(event.market_index, m);
    assert_eq!(event.book_price, 1_004_497_500_000_000_000_000_000);
    assert_eq!(event.oracle_price, 1_000_000 * FIXED_SCALE);
    assert_eq!(event.rate_bps, 44);
    assert_eq!(event.elapsed_secs, 1_800);
    let index: i128 = 2_248_750_000_000_000_000_000;
    assert_eq!(event.funding_index, index);

    let market = t.market(m).await;
    assert_eq!(market.funding_index().raw(), index);
    assert_eq!((market.last_funding_ts, market.last_funding_rate_bps), (t1, 44));
    assert_eq!(event.market_seq, market.event_seq);
    assert_eq!(market.funding_settled_net, 0, "nobody holds a position: nothing settles");
    t.assert_conserved().await;
}

#[tokio::test]
async fn premium_is_clamped_and_at_most_one_interval_accrues() {
    let (mut t, m, traders) = sol_market_with_traders(1).await;
    let mm = &traders[0];
    // Resting orders stay in the band, so the largest reachable premium is ≈ 4.95%: the bid at
    // 1 040 000, 10 lots deep, is a 3.948% premium, clamped at 1% (the event's book price is the
    // clamped one, 1 010 000).
    t.place(mm, m, post_only(Side::Ask, 1_060_000, 10)).await.assert_error(KeelError::PriceOutsideBand);
    t.place(mm, m, post_only(Side::Bid, 1_040_000, 10)).await.assert_ok();
    t.place(mm, m, post_only(Side::Ask, 1_050_000, 10)).await.assert_ok();

    // Two hours elapsed, one interval accrues: 1% · 1 000 000 = 10 000 per lot.
    let t1 = T0 + 7_200;
    advance(&mut t, m, t1).await;
    let event = update(&mut t, m).await;
    assert_eq!(event.book_price, 1_010_000 * FIXED_SCALE);
    assert_eq!((event.rate_bps, event.elapsed_secs), (100, 3_600));
    assert_eq!(event.funding_index, 10_000 * FIXED_SCALE);

    // Below the oracle: a bid at the band's low edge 950 000 and an ask at 960 000, worth
    // 1 000 000 − 960 000 · 1.0005 = 39 520 to a buyer: −3.952%, clamped at −1%. Over 600 s the index moves by
    // −10 000 · 600 / 3 600 = −1 666.666…, rounded down (away from zero) at the 18th digit.
    t.cancel(mm, m, CancelTarget::All).await.assert_ok();
    t.place(mm, m, post_only(Side::Bid, 949_999, 10)).await.assert_error(KeelError::PriceOutsideBand);
    t.place(mm, m, post_only(Side::Bid, 950_000, 10)).await.assert_ok();
    t.place(mm, m, post_only(Side::Ask, 960_000, 10)).await.assert_ok();
    let t2 = t1 + 600;
    advance(&mut t, m, t2).await;
    let event = update(&mut t, m).await;
    assert_eq!(event.book_price, 990_000 * FIXED_SCALE);
    assert_eq!((event.rate_bps, event.elapsed_secs), (-100, 600));
    let change: i128 = -1_666_666_666_666_666_666_667;
    assert_eq!(event.funding_index, 10_000 * FIXED_SCALE + change);
    assert_eq!(event.funding_index, 8_333_333_333_333_333_333_333);
    let market = t.market(m).await;
    assert_eq!(market.funding_index().raw(), event.funding_index);
    assert_eq!((market.last_funding_ts, market.last_funding_rate_bps), (t2, -100));
}

#[tokio::test]
async fn funding_is_not_due_twice_at_the_same_time() {
    let (mut t, m, _) = sol_market_with_traders(0).await;
    // Listed at T0: nothing has elapsed yet.
    t.update_funding(m).await.assert_error(KeelError::FundingNotDue);
    advance(&mut t, m, T0 + 10).await;
    let event = update(&mut t, m).await;
    // Empty book: no premium (the book price is the oracle).
    assert_eq!((event.rate_bps, event.elapsed_secs, event.funding_index), (0, 10, 0));
    let seq = t.market(m).await.event_seq;
    t.update_funding(m).await.assert_error(KeelError::FundingNotDue);
    let market = t.market(m).await;
    assert_eq!((market.last_funding_ts, market.event_seq), (T0 + 10, seq), "a refused update changes nothing");
}

#[tokio::test]
async fn stale_oracle_refuses_update_funding() {
    let (mut t, m, traders) = sol_market_with_traders(1).await;
    t.place(&traders[0], m, post_only(Side::Bid, 1_002_000, 10)).await.assert_ok();
    t.place(&traders[0], m, post_only(Side::Ask, 1_004_000, 10)).await.assert_ok();
    // 120 s later with the price still published at T0 (max age 60 s).
    t.set_time(T0 + 120).await;
    t.update_funding(m).await.assert_error(KeelError::OracleStale);
    let market = t.market(m).await;
    assert_eq!((market.last_funding_ts, market.funding_index().raw()), (T0, 0));
    // Republished: the update goes through and accrues the whole 120 s since the listing.
    // The bid at 1 002 000 is worth 1 499 to a seller: 14.99 bps (14 in the event);
    // 1 499 · 120 / 3 600 = 49.966… per lot (rounded down at 10^-18).
    t.set_market_price(m, usd(100, T0 + 120));
    let event = update(&mut t, m).await;
    assert_eq!(event.book_price, 1_001_499 * FIXED_SCALE);
    assert_eq!((event.rate_bps, event.elapsed_secs), (14, 120));
    assert_eq!(event.funding_index, 1_499 * 120 * FIXED_SCALE / 3_600);
    assert_eq!(event.funding_index, 49_966_666_666_666_666_666);
}

#[tokio::test]
async fn funding_settles_lazily_payer_rounding_up_receiver_down() {
    let (mut t, m, traders) = sol_market_with_traders(3).await;
    let (long, short, mm) = (&traders[0], &traders[1], &traders[2]);
    // A long and a short of 100 lots at 1 000 000 (taker fee 50 000, maker rebate 10 000).
    t.place(short, m, limit(Side::Ask, 1_000_000, 100)).await.assert_ok();
    t.place(long, m, limit(Side::Bid, 1_000_000, 100)).await.assert_ok();
    t.crank(m).await;
    let long_balance = DEPOSIT as i64 - 50_000;
    let short_balance = DEPOSIT as i64 + 10_000;
    assert_eq!(t.balance(&long.account, 0).await, long_balance);
    assert_eq!(t.balance(&short.account, 0).await, short_balance);
    // The book: the short's ask at 1 007 000, the market maker's 100 lots bid at 1 005 500, worth
    // 4 997.25 each to a seller, as deep as the open interest: a 0.499725% premium.
    t.place(short, m, post_only(Side::Ask, 1_007_000, 10)).await.assert_ok();
    t.place(mm, m, post_only(Side::Bid, 1_005_500, 100)).await.assert_ok();
    let before: HealthReport = t.health_view(&long.account).await.assert_ok().returned();
    assert_eq!(before.perps[0].unrealized_pnl, 0);

    // 1 000 s: 4 997.25 · 1 000 / 3 600 = 1 388.125 per lot, exactly.
    let t1 = T0 + 1_000;
    advance(&mut t, m, t1).await;
    let event = update(&mut t, m).await;
    let index: i128 = 1_388_125_000_000_000_000_000;
    assert_eq!(event.funding_index, index);
    assert_eq!(event.funding_index, 4_997_250 * FIXED_SCALE / 3_600);
    // The long owes 100 · 1 388.125 = 138 812.5: it pays 138 813 (rounded up); the short is
    // owed the same and receives 138 812 (rounded down). The protocol keeps the 1 unit.
    let (paid, received) = (138_813i64, 138_812i64);

    // Pending funding counts in health at once, but no balance moves yet.
    let after: HealthReport = t.health_view(&long.account).await.assert_ok().returned();
    assert_eq!(after.perps[0].unrealized_pnl, -paid);
    assert_eq!(before.maint.health - after.maint.health, paid);
    assert_eq!(before.init.health - after.init.health, paid);
    assert_eq!(t.balance(&long.account, 0).await, long_balance);
    assert_eq!(t.balance(&short.account, 0).await, short_balance);
    assert_eq!(t.market(m).await.funding_settled_net, 0);
    let short_report: HealthReport = t.health_view(&short.account).await.assert_ok().returned();
    assert_eq!(short_report.perps[0].unrealized_pnl, received);

    // The long touches its position (a post-only bid that rests, no fee): funding settles first.
    let outcome = t.place(long, m, post_only(Side::Bid, 990_000, 1)).await;
    outcome.assert_ok();
    let settled = events_of::<FundingSettled>(&outcome.logs);
    assert_eq!(settled.len(), 1);
    assert_eq!((settled[0].account, settled[0].market_index), (long.account, m));
    assert_eq!((settled[0].amount, settled[0].base_lots), (-paid, 100));
    assert_eq!(t.balance(&long.account, 0).await, long_balance - paid);
    let position = *t.margin_account(&long.account).await.perp(m).unwrap();
    assert_eq!(position.funding_snapshot().raw(), index);
    assert_eq!(position.cumulative_funding_native, paid);
    assert_eq!(t.market(m).await.funding_settled_net, -paid);
    let settled_report: HealthReport = t.health_view(&long.account).await.assert_ok().returned();
    assert_eq!(settled_report.perps[0].unrealized_pnl, 0, "settled: the debt left the position for the balance");

    // The market maker lifts 1 lot of the short's ask; the short settles when the crank applies
    // its fill: funding first (at its old position of −100), then the fill with its rebate of
    // fee(1 007 000, −1 bp) = −100.7 → −100 (rounded up: the maker gets 100).
    t.place(mm, m, order(OrderType::ImmediateOrCancel, Side::Bid, 1_007_000, 1)).await.assert_ok();
    let keys = t.markets[m as usize].keys;
    let outcome = t.send(&[mix::consume_fills(&keys, &[short.account], 8)], &[]).await;
    outcome.assert_ok();
    let settled = events_of::<FundingSettled>(&outcome.logs);
    assert_eq!(settled.len(), 1);
    assert_eq!((settled[0].account, settled[0].amount, settled[0].base_lots), (short.account, received, -100));
    let applied = events_of::<MakerFillApplied>(&outcome.logs);
    assert_eq!((applied[0].maker_fee, applied[0].realized_pnl, applied[0].position_after), (-100, 0, -101));
    assert_eq!(t.balance(&short.account, 0).await, short_balance + received + 100);
    assert_eq!(applied[0].quote_balance_after, short_balance + received + 100);
    let position = *t.margin_account(&short.account).await.perp(m).unwrap();
    assert_eq!((position.funding_snapshot().raw(), position.cumulative_funding_native), (index, -received));

    // Same magnitude up to one unit, in the protocol's favour; the market keeps the difference
    // and the vault still reconciles (the perp ledger counts −funding_settled_net).
    assert!(paid - received >= 0 && paid - received <= 1);
    assert_eq!(t.market(m).await.funding_settled_net, received - paid);
    assert_eq!(t.market(m).await.funding_settled_net, -1);
    t.assert_conserved().await;
}

/// A maker's fill still queued when the index moves: economically the maker has held the new
/// position since the fill, so it owes (or is owed) that funding, and funding stays zero-sum
/// between longs and shorts. The fill event carries the index at the match, and `consume_fills`
/// settles the fill's lots from there (a `FundingSettled` event in the crank). The short is
/// owed before the long has paid, so its funding waits in the market's PnL pool's debt until
/// the long pays, and `settle_pnl` then pays it.
#[tokio::test]
async fn funding_is_zero_sum_across_a_queued_maker_fill() {
    let (mut t, m, traders) = sol_market_with_traders(3).await;
    let (long, short, mm) = (&traders[0], &traders[1], &traders[2]);
    // The long takes 100 lots from the short's ask; the short's side stays queued (no crank).
    t.place(short, m, limit(Side::Ask, 1_000_000, 100)).await.assert_ok();
    t.place(long, m, limit(Side::Bid, 1_000_000, 100)).await.assert_ok();
    // 100 lots (the open interest) bid at 1 020 000, worth 19 490 each to a seller: +1.949%,
    // clamped at +1%: 10 000 per lot per hour.
    t.place(mm, m, post_only(Side::Bid, 1_020_000, 100)).await.assert_ok();
    t.place(mm, m, post_only(Side::Ask, 1_030_000, 10)).await.assert_ok();
    advance(&mut t, m, T0 + 3_600).await;
    let event = update(&mut t, m).await;
    assert_eq!((event.book_price, event.rate_bps), (1_010_000 * FIXED_SCALE, 100));
    assert_eq!(event.funding_index, 10_000 * FIXED_SCALE);
    let short_before = t.balance(&short.account, 0).await;
    t.crank(m).await;
    // The crank settles the short's fill for the hour since the match: 100 lots · 10 000 — owed,
    // since the long has not paid yet — and credits the 1 bp rebate on 100 USDC.
    assert_eq!(t.balance(&short.account, 0).await - short_before, 10_000);
    assert_eq!(t.margin_account(&short.account).await.perp(m).unwrap().pnl_owed_native, 1_000_000);
    // The long touches its position (a resting order far from the book): its funding settles.
    let long_outcome = t.place(long, m, post_only(Side::Bid, 990_000, 1)).await;
    long_outcome.assert_ok();
    let long_paid = -events_of::<FundingSettled>(&long_outcome.logs).iter().map(|e| e.amount).sum::<i64>();
    assert_eq!(long_paid, 1_000_000);
    assert_eq!(t.market(m).await.funding_settled_net, 0, "the market is nobody's funding counterparty");
    assert_eq!((t.market(m).await.pnl_pool, t.market(m).await.pnl_owed), (1_000_000, 1_000_000));
    t.settle_pnl(m, &short.account).await.assert_ok();
    assert_eq!(t.balance(&short.account, 0).await - short_before, 1_000_000 + 10_000);
    assert_eq!((t.market(m).await.pnl_pool, t.market(m).await.pnl_owed), (0, 0));
    t.assert_conserved().await;
}

/// A side counts for the lots it offers: depth short of `funding_impact_lots` (10) counts pro
/// rata (missing lots are worth nothing), deeper orders beyond it not at all, and an expired
/// order is no depth.
#[tokio::test]
async fn live_depth_across_the_oracle_pays_funding_for_the_lots_it_offers() {
    let (mut t, m, traders) = sol_market_with_traders(1).await;
    let mm = &traders[0];
    // 1 lot bid at the band's high edge, no asks: worth 1 050 000 · 0.9995 − 1 000 000 =
    // 49 475 to a seller, one lot of the 10: 49 475 / (10 · 1 000 000) = 0.49475% (the event's
    // rate rounds down to 49 bps); 4 947.5 per lot over the hour.
    t.place(mm, m, post_only(Side::Bid, 1_050_000, 1)).await.assert_ok();
    advance(&mut t, m, T0 + 3_600).await;
    let event = update(&mut t, m).await;
    assert_eq!(event.oracle_price, 1_000_000 * FIXED_SCALE);
    assert_eq!((event.book_price, event.rate_bps, event.elapsed_secs), (1_004_947_500_000_000_000_000_000, 49, 3_600));
    let first: i128 = 4_947_500_000_000_000_000_000;
    assert_eq!(event.funding_index, first);
    let market = t.market(m).await;
    assert_eq!((market.funding_index().raw(), market.last_funding_rate_bps, market.last_funding_ts), (first, 49, T0 + 3_600));

    // 9 more lots at 1 040 000 complete the depth: (49 475 + 9 · 39 480) / 10^7 = 4.04795%, paid
    // at the 1% cap — 10 000 per lot over the hour. The tenth lot beyond (at 1 030 000) adds
    // nothing: the depth is full.
    t.place(mm, m, post_only(Side::Bid, 1_040_000, 9)).await.assert_ok();
    t.place(mm, m, post_only(Side::Bid, 1_030_000, 5)).await.assert_ok();
    advance(&mut t, m, T0 + 7_200).await;
    let event = update(&mut t, m).await;
    assert_eq!((event.book_price, event.rate_bps, event.elapsed_secs), (1_010_000 * FIXED_SCALE, 100, 3_600));
    let index: i128 = first + 10_000 * FIXED_SCALE;
    assert_eq!(event.funding_index, index);

    // 10 lots asked at 960 000, live until T0 + 7 300: −3.952%, clamped at −1%; over 50 s the
    // index moves by −10 000 · 50 / 3 600 = −138.888…, rounded down (away from zero) at the
    // 18th digit.
    t.cancel(mm, m, CancelTarget::All).await.assert_ok();
    let mut ask = post_only(Side::Ask, 960_000, 10);
    ask.expiry_ts = T0 + 7_300;
    t.place(mm, m, ask).await.assert_ok();
    advance(&mut t, m, T0 + 7_250).await;
    let event = update(&mut t, m).await;
    assert_eq!((event.book_price, event.rate_bps, event.elapsed_secs), (990_000 * FIXED_SCALE, -100, 50));
    let index = index - 138_888_888_888_888_888_889;
    assert_eq!(event.funding_index, index);
    // Expired, the ask still sits in the book but is no depth: no premium again.
    advance(&mut t, m, T0 + 7_300).await;
    assert_eq!(t.book(m).await.best(Side::Ask).map(|o| o.price_lots), Some(960_000));
    let event = update(&mut t, m).await;
    assert_eq!((event.book_price, event.rate_bps, event.elapsed_secs, event.funding_index), (1_000_000 * FIXED_SCALE, 0, 50, index));
    assert_eq!(t.market(m).await.funding_index().raw(), index);
    t.assert_conserved().await;
}

#[tokio::test]
async fn orders_beyond_the_band_are_no_depth() {
    let (mut t, m, traders) = sol_market_with_traders(2).await;
    let (far, near) = (&traders[0], &traders[1]);
    // At 110 USD the band is 1 045 000..=1 155 000 lots: a bid at 1 100 000 rests.
    t.set_market_price(m, usd(110, T0));
    t.place(far, m, post_only(Side::Bid, 1_100_000, 10)).await.assert_ok();
    // Back at 100 USD (band 950 000..=1 050 000) that bid lies beyond the band's high edge (it
    // could no longer fill); a bid at 1 005 000 rests inside it.
    t.set_market_price(m, usd(100, T0));
    t.place(near, m, post_only(Side::Bid, 1_005_000, 10)).await.assert_ok();
    let best_bid = t.book(m).await.best(Side::Bid).expect("the far bid still rests").price_lots;
    assert_eq!(best_bid, 1_100_000);

    // Only the bid inside the band counts, 1 005 000: +0.44975% after the taker fee, under the
    // 1% cap (the far bid, +10%, would have paid the 100 bps cap). Over 1 800 s: 0.44975% ·
    // 1 000 000 · 1 800 / 3 600 = 2 248.75 per lot, exactly.
    advance(&mut t, m, T0 + 1_800).await;
    let event = update(&mut t, m).await;
    assert_eq!(event.book_price, 1_004_497_500_000_000_000_000_000);
    assert_eq!((event.rate_bps, event.elapsed_secs), (44, 1_800));
    assert_eq!(event.funding_index, 2_248_750_000_000_000_000_000);
    assert_eq!(t.market(m).await.last_funding_rate_bps, 44);
}
