//! The time-weighted funding premium: quotes count for the time they stood in the book, so
//! quoting around a crank costs nothing and earns nothing, a premium that held for part of the
//! interval pays that part, and a steady premium pays what the single-price rule paid.
//!
//! Market: SOL-PERP at 100 USD, lots of 0.01 SOL, quote lot 1 native: one lot is worth
//! 1 000 000 quote native and a price of 1 000 000 lots is the oracle. Funding: at most 100 bps
//! per 3 600 s interval; band 500 bps. A long of 100 lots pays 100 × the index change.

use keel::events::FundingUpdated;
use keel::instructions::markets::{CancelTarget, OrderType, PlaceOrderArgs};
use keel::instructions::risk::HealthReport;
use keel::math::FIXED_SCALE;
use keel::state::Side;
use keel_client::events::events_of;
use keel_client::markets as mix;
use keel_tests::context::TestContext;
use keel_tests::markets::{limit, order, sol_market_with_traders, usd, T0};
use keel_tests::traders::Trader;
use solana_signer::Signer;

/// Moves the clock to `time` and republishes the oracle at 100 USD there.
async fn advance(t: &mut TestContext, m: u16, time: i64) {
    t.set_time(time).await;
    t.set_market_price(m, usd(100, time));
}

fn post_only(side: Side, price_lots: i64, base_lots: i64) -> PlaceOrderArgs {
    order(OrderType::PostOnly, side, price_lots, base_lots)
}

/// `trader` quotes a post-only bid and ask of `lots` each.
async fn quote(t: &mut TestContext, trader: &Trader, m: u16, bid: i64, ask: i64, lots: i64) {
    t.place(trader, m, post_only(Side::Bid, bid, lots))
        .await
        .assert_ok();
    t.place(trader, m, post_only(Side::Ask, ask, lots))
        .await
        .assert_ok();
}

/// `trader` cancels its quotes and quotes a bid and ask of `lots` each, in one transaction.
async fn requote(t: &mut TestContext, trader: &Trader, m: u16, bid: i64, ask: i64, lots: i64) {
    let keys = t.markets[m as usize].keys;
    let metas = t.trade_metas(&trader.account, m).await;
    let signer = trader.owner.pubkey();
    let ixs = [
        mix::cancel_order(&signer, &trader.account, &keys, CancelTarget::All),
        mix::place_order(&signer, &trader.account, &keys, post_only(Side::Bid, bid, lots), metas.clone()),
        mix::place_order(&signer, &trader.account, &keys, post_only(Side::Ask, ask, lots), metas),
    ];
    t.send(&ixs, &[&trader.owner]).await.assert_ok();
}

/// The victim goes long 100 lots against the attacker's short at 1 000 000 (fills applied);
/// the book is then empty.
async fn long_against_attacker() -> (TestContext, u16, Trader, Trader) {
    let (mut t, m, mut traders) = sol_market_with_traders(2).await;
    let attacker = traders.pop().expect("two traders");
    let victim = traders.pop().expect("two traders");
    t.place(&attacker, m, limit(Side::Ask, 1_000_000, 100))
        .await
        .assert_ok();
    t.place(&victim, m, limit(Side::Bid, 1_000_000, 100))
        .await
        .assert_ok();
    t.crank(m).await;
    (t, m, victim, attacker)
}

/// The victim's unrealised PnL (funding not yet settled counts in it), quote native.
async fn victim_pnl(t: &mut TestContext, victim: &Trader) -> i64 {
    let report: HealthReport = t.health_view(&victim.account).await.assert_ok().returned();
    report.perps[0].unrealized_pnl
}

/// The `FundingUpdated` of an outcome.
fn funding_event(outcome: &keel_tests::outcome::Outcome) -> FundingUpdated {
    outcome.assert_ok();
    let mut events = events_of::<FundingUpdated>(&outcome.logs);
    assert_eq!(events.len(), 1, "one FundingUpdated");
    events.remove(0)
}

/// After 1 800 s of an empty book, the short quotes 100 lots (the open interest) bid at
/// 1 040 000 and asked at 1 050 000 (+3.948% after the taker fee, capped at 1%), cranks and
/// cancels in one transaction. Under the single-price
/// rule the index would have moved 1% · 1 000 000 · 1 800 / 3 600 = 5 000 per lot and the
/// victim's 100-lot long would have paid the attacker 500 000 (0.50 USDC) for nothing. The
/// quotes stood 0 s: the index does not move, nobody pays.
#[tokio::test]
async fn quotes_placed_and_cancelled_around_a_crank_in_one_transaction_move_nothing() {
    let (mut t, m, victim, attacker) = long_against_attacker().await;
    let pnl_before = victim_pnl(&mut t, &victim).await;
    advance(&mut t, m, T0 + 1_800).await;
    let keys = t.markets[m as usize].keys;
    let metas = t.trade_metas(&attacker.account, m).await;
    let signer = attacker.owner.pubkey();
    let ixs = [
        mix::place_order(
            &signer,
            &attacker.account,
            &keys,
            post_only(Side::Bid, 1_040_000, 100),
            metas.clone(),
        ),
        mix::place_order(
            &signer,
            &attacker.account,
            &keys,
            post_only(Side::Ask, 1_050_000, 100),
            metas,
        ),
        mix::update_funding(&keys),
        mix::cancel_order(&signer, &attacker.account, &keys, CancelTarget::All),
    ];
    let event = funding_event(&t.send(&ixs, &[&attacker.owner]).await);
    assert_eq!(
        event.book_price,
        1_010_000 * FIXED_SCALE,
        "the quotes were in the book at the crank"
    );
    assert_eq!(
        (event.rate_bps, event.elapsed_secs, event.funding_index),
        (0, 1_800, 0)
    );
    assert_eq!(t.market(m).await.funding_index().raw(), 0);
    assert_eq!(
        victim_pnl(&mut t, &victim).await,
        pnl_before,
        "the victim owes no funding"
    );
    assert_eq!(t.open_order_count(&attacker.account).await, 0);
    t.assert_conserved().await;
}

/// The same quotes placed 10 s before the crank count for 10 of the 1 800 s: the average
/// premium is 1% · 10 / 1 800 and the index moves 27.777… per lot (raw
/// 27 777 777 777 777 500 000, rounded down) — at most the quotes' 10 s share of the 5 000 the
/// single-price rule charged. The victim owes 100 × 27.777… = 2 777.77…, i.e. 2 778 rounded up,
/// instead of 500 000.
#[tokio::test]
async fn quotes_resting_ten_seconds_weigh_ten_seconds() {
    let (mut t, m, victim, attacker) = long_against_attacker().await;
    let pnl_before = victim_pnl(&mut t, &victim).await;
    advance(&mut t, m, T0 + 1_790).await;
    quote(&mut t, &attacker, m, 1_040_000, 1_050_000, 100).await;
    advance(&mut t, m, T0 + 1_800).await;
    let event = funding_event(&t.update_funding(m).await);
    t.cancel(&attacker, m, CancelTarget::All).await.assert_ok();
    // avg = ⌊10^16 · 10 / 1 800⌋ = 55 555 555 555 555 raw; × 1 000 000 × 1 800 / 3 600.
    let index: i128 = 27_777_777_777_777_500_000;
    assert_eq!(
        (event.rate_bps, event.elapsed_secs, event.funding_index),
        (0, 1_800, index)
    );
    assert!(
        index <= 5_000 * FIXED_SCALE * 10 / 1_800,
        "no more than the 10 s share"
    );
    assert_eq!(victim_pnl(&mut t, &victim).await, pnl_before - 2_778);
}

/// A premium of +0.44975% (10 lots bid at 1 005 000, each worth 4 497.5 to a seller after the
/// taker fee, asked at 1 007 000) held for the whole interval — the maker re-quoting the same
/// prices (12 lots, of which the impact size's 10 count) in one transaction 20 minutes in —
/// pays 0.44975% · 1 000 000 = 4 497.5 per lot, exactly what the single-price rule paid.
#[tokio::test]
async fn a_steady_premium_over_an_interval_pays_the_single_price_rule() {
    let (mut t, m, traders) = sol_market_with_traders(1).await;
    let mm = &traders[0];
    quote(&mut t, mm, m, 1_005_000, 1_007_000, 10).await;
    advance(&mut t, m, T0 + 1_200).await;
    requote(&mut t, mm, m, 1_005_000, 1_007_000, 12).await;
    advance(&mut t, m, T0 + 3_600).await;
    let event = funding_event(&t.update_funding(m).await);
    assert_eq!(
        (event.book_price, event.rate_bps, event.elapsed_secs),
        (1_004_497_500_000_000_000_000_000, 44, 3_600)
    );
    assert_eq!(event.funding_index, 4_497_500_000_000_000_000_000);
    let market = t.market(m).await;
    assert_eq!(
        (
            market.premium_accumulator().raw(),
            market.last_premium_sample_ts
        ),
        (0, T0 + 3_600),
        "reset by the crank"
    );
}

/// The same +0.44975% quotes pulled half-way through the interval by a cancel that reads the
/// price (the client passes the exchange and oracle): the crank sees an empty book (the
/// single-price rule paid nothing), but the premium held 1 800 of 3 600 s and pays half:
/// 2 248.75 per lot. Pulling quotes before a crank no longer erases the
/// premium they made.
#[tokio::test]
async fn a_premium_that_held_half_the_interval_pays_half() {
    let (mut t, m, traders) = sol_market_with_traders(1).await;
    let mm = &traders[0];
    quote(&mut t, mm, m, 1_005_000, 1_007_000, 10).await;
    advance(&mut t, m, T0 + 1_800).await;
    t.cancel(mm, m, CancelTarget::All).await.assert_ok();
    let market = t.market(m).await;
    // 0.0044975 · 10 lots of depth · 1 800 s, sampled by the cancel.
    assert_eq!(
        (
            market.premium_accumulator().raw(),
            market.last_premium_sample_ts
        ),
        (80_955_000_000_000_000_000, T0 + 1_800)
    );
    advance(&mut t, m, T0 + 3_600).await;
    let event = funding_event(&t.update_funding(m).await);
    assert_eq!(
        (event.book_price, event.oracle_price),
        (1_000_000 * FIXED_SCALE, 1_000_000 * FIXED_SCALE)
    );
    assert_eq!(
        (event.rate_bps, event.funding_index),
        (22, 2_248_750_000_000_000_000_000)
    );
}

/// The same quotes pulled half-way by a cancel that passes no oracle, with no price read since
/// they were placed:
/// the cancel counts only the oracle's maximum age (60 s) after the last price read — the
/// oracle of the other 1 740 s is unknown, and a book it may have left behind is never priced
/// against a stale price. 0.0044975 · 10 lots · 60 s = 2.6985 premium-lot-seconds: over the
/// 10 lots and 3 600 s at the crank, 74.958… per lot (instead of 2 248.75 for the half hour).
#[tokio::test]
async fn a_cancel_long_after_the_last_price_read_counts_only_the_oracle_max_age() {
    let (mut t, m, traders) = sol_market_with_traders(1).await;
    let mm = &traders[0];
    quote(&mut t, mm, m, 1_005_000, 1_007_000, 10).await;
    advance(&mut t, m, T0 + 1_800).await;
    t.cancel_without_price(mm, m, CancelTarget::All).await.assert_ok();
    let market = t.market(m).await;
    assert_eq!((market.premium_accumulator().raw(), market.last_premium_sample_ts), (2_698_500_000_000_000_000, T0 + 1_800));
    advance(&mut t, m, T0 + 3_600).await;
    let event = funding_event(&t.update_funding(m).await);
    // ⌊0.26985 · 10^18 / 3 600⌋ raw = 74 958 333 333 333 per unit, × 1 000 000.
    assert_eq!((event.rate_bps, event.funding_index), (0, 74_958_333_333_333_000_000));
}
