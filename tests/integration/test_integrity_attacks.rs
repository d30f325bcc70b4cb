//! Adversarial review of the market-integrity rules (by a helper with no stake in them): each
//! test asserts the property that SHOULD hold; a successful attack makes it fail. The last-second
//! oracle move is fixed (a segment's premium is taken against the oracle at both its ends), so
//! is the closed oracle account (a failing price in a liquidation's decision), and so are the
//! thin-book funding pins (the premium is read from impact prices 10 lots deep, a side counting
//! only across the oracle). Market: SOL-PERP at 100 USD, lots of
//! 0.01 SOL (1 lot = 1 USDC at the oracle, price 1 000 000 lots = the oracle), 5% band, funding
//! at most 100 bps per 3 600 s, taker fee 5 bp, liquidation discount 1.5%.

use keel::error::KeelError;
use keel::events::OrderPlaced;
use keel::instructions::markets::{CancelTarget, OrderType, PlaceOrderArgs};
use keel::math::FIXED_SCALE;
use keel::state::Side;
use keel_client::events::events_of;
use keel_client::instructions as kix;
use keel_tests::context::TestContext;
use keel_tests::liquidation::{LongScenario, LOTS_PER_USD};
use keel_tests::markets::{limit, order, sol_market_with_traders, sol_market_with_two_traders, usd, T0};
use keel_tests::traders::Trader;
use anchor_lang::prelude::Pubkey;
use solana_signer::Signer;
use keel_tests::context::volatile_params;
use keel_tests::oracles::PriceSpec;

const START: i64 = 1_000_000_000;

fn post_only(side: Side, price_lots: i64, base_lots: i64) -> PlaceOrderArgs {
    order(OrderType::PostOnly, side, price_lots, base_lots)
}

/// Moves the clock to `time` and republishes the oracle at `dollars` there.
async fn advance(t: &mut TestContext, m: u16, time: i64, dollars: i64) {
    t.set_time(time).await;
    t.set_market_price(m, usd(dollars, time));
}

/// (filled, rested) of the one `OrderPlaced` event of `logs`.
fn took(logs: &[String]) -> (i64, i64) {
    let events = events_of::<OrderPlaced>(logs);
    assert_eq!(events.len(), 1);
    (events[0].filled_lots, events[0].rested_lots)
}

/// Rule (3): "per period a delegate can cost the account at most `loss_limit`, whoever is on
/// the other side". Attack: the owner sets the colluder as delegate with a 5 USDC/day loss limit
/// (0.5% slippage). The delegate buys 4 000 lots (4 000 USDC notional) for the owner at the
/// oracle from the colluder's own ask — charged only the 2 USDC taker fee. The colluder then
/// quotes 1 lot bid 1 040 000 / ask 1 050 000 from its own account (mid +4.5%, clamped to the
/// 1% funding cap) and leaves them for an hour; nobody trades against them. `update_funding`
/// moves the index by 1% · 1 000 000 = 10 000 per lot: the owner's long pays the colluder's
/// short 4 000 × 10 000 = 40 USDC in one hour (960 USDC a day), plus the 2 USDC fee — 42 USDC
/// lost against a 5 USDC limit. The loss limit counts slippage and fees only, not funding the
/// delegate's position pays to the delegate's own account. Fixed where it was open: one-lot
/// quotes are no impact depth, so they create no premium; moving funding now takes a bid above
/// the oracle `funding_impact_lots` deep, which anyone may sell into at a profit.
#[tokio::test]
async fn delegate_cannot_cost_the_owner_more_than_its_loss_limit_through_funding() {
    let loss_limit: u64 = 5_000_000;
    let (mut t, m, owner, colluder) = sol_market_with_two_traders().await;
    let ix = kix::set_delegate(
        &owner.owner.pubkey(),
        &owner.account,
        kix::tight_delegate(&colluder.owner.pubkey(), loss_limit),
    );
    t.send(&[ix], &[&owner.owner]).await.assert_ok();
    let delegate = colluder.owner.insecure_clone();

    t.place(&colluder, m, limit(Side::Ask, 1_000_000, 4_000)).await.assert_ok();
    let outcome = t
        .place_signed(&owner, m, order(OrderType::ImmediateOrCancel, Side::Bid, 1_000_000, 4_000), &delegate)
        .await;
    assert_eq!(took(&outcome.assert_ok().logs), (4_000, 0));
    t.crank(m).await;

    // The colluder's own quotes push the premium to the cap.
    t.place(&colluder, m, post_only(Side::Bid, 1_040_000, 1)).await.assert_ok();
    t.place(&colluder, m, post_only(Side::Ask, 1_050_000, 1)).await.assert_ok();
    advance(&mut t, m, T0 + 3_600, 100).await;
    t.update_funding(m).await.assert_ok();
    t.cancel(&colluder, m, CancelTarget::All).await.assert_ok();

    let now = t.now().await;
    let equity = t.equity(&owner.account, now).await;
    let lost = START - equity;
    println!("owner lost {lost} quote native, loss limit {loss_limit}; index {:?}", t.market(m).await.funding_index());
    assert!(
        lost <= loss_limit as i64,
        "the delegate cost the owner {lost} (quote native), beyond its loss limit {loss_limit}"
    );
}

/// Rule (5): the premium is time-weighted against the oracle, so a book that sat exactly on
/// the oracle for 3 599 of 3 600 s owes (almost) nothing. Attack: a market maker quotes bid
/// 999 000 / ask 1 001 000 around 100 at T0 (premium 0) and leaves the quotes; the victim is
/// long 100 lots against the attacker's short. At T0 + 3 600 the oracle drops to 96 and the
/// attacker cranks at once. The sample for [T0, T0 + 3 600) is priced against the price the
/// crank has just read (96), not the one the book stood against (100): premium
/// (100 − 96) / 96 = 4.2%, clamped to 1%, for all 3 600 s — the index moves
/// 1% · 960 000 = 9 600 per lot and the victim pays 100 × 9 600 = 0.96 USDC, though the book
/// was off the oracle for 0 s (the true time-weighted premium is 0). Allowed: at most the
/// 1-second share, 9 600 / 3 600 ≈ 2.7 per lot (we allow 10).
#[tokio::test]
async fn a_last_second_oracle_move_does_not_reprice_an_hour_of_quotes() {
    let (mut t, m, mut traders) = sol_market_with_traders(3).await;
    let mm = traders.pop().expect("three traders");
    let attacker = traders.pop().expect("three traders");
    let victim = traders.pop().expect("three traders");
    t.place(&attacker, m, limit(Side::Ask, 1_000_000, 100)).await.assert_ok();
    t.place(&victim, m, limit(Side::Bid, 1_000_000, 100)).await.assert_ok();
    t.crank(m).await;
    t.place(&mm, m, post_only(Side::Bid, 999_000, 10)).await.assert_ok();
    t.place(&mm, m, post_only(Side::Ask, 1_001_000, 10)).await.assert_ok();
    // The oracle keeps publishing 100 (nobody reads it) until the last second.
    advance(&mut t, m, T0 + 3_599, 100).await;
    advance(&mut t, m, T0 + 3_600, 96).await;
    t.update_funding(m).await.assert_ok();
    let index = t.market(m).await.funding_index().raw();
    println!("funding index after the crank: {} per lot (raw {index})", index / FIXED_SCALE);
    assert!(
        index.abs() <= 10 * FIXED_SCALE,
        "a 1-second premium moved the index by {} per lot (the whole hour repriced at the new oracle)",
        index / FIXED_SCALE
    );
}

/// Rule (2): a distressed account (Init < 0 ≤ Maint) trades only within the liquidation
/// discount. Liqee long 1 000 lots at 100 with 120 USDC; at 97 its Init health is ≈ −7.5 USDC,
/// Maint ≈ +41. The colluder (its counterparty) bids 500 lots at the band edge 921 500
/// (97 · 0.95); the liqee's market sell is clamped to 97 · 0.985 = 955 450 and must not fill —
/// otherwise 500 × (970 000 − 921 500) = 24.25 USDC moves to the colluder.
#[tokio::test]
async fn distressed_account_cannot_sell_at_the_band_edge_to_a_colluder() {
    let mut s = LongScenario::new().await;
    s.set_price(97).await;
    let h = s.t.healths(&s.liqee.account).await;
    assert!(h.init < 0 && h.maint > 0, "{h:?}");
    let m = s.market;
    s.t.place(&s.maker, m, limit(Side::Bid, 921_500, 500)).await.assert_ok();
    let before = s.t.balance(&s.liqee.account, 0).await;
    let outcome = s.t.place(&s.liqee, m, order(OrderType::Market, Side::Ask, 0, 500)).await;
    if outcome.error_code().is_none() {
        assert_eq!(took(&outcome.logs).0, 0, "a distressed account sold at the band edge");
    }
    assert_eq!(s.t.position_lots(&s.liqee.account, m).await, 1_000);
    assert_eq!(s.t.balance(&s.liqee.account, 0).await, before);
}

/// Rule (2): while a liquidation is in progress only cancel and deposit — also for the
/// delegate. The liqee (in progress at 92 after a 200-lot step) names a colluder as delegate
/// (set_delegate is not a trade) and the delegate tries to sell 100 lots at 1.5% under the
/// oracle to the colluder's bid: refused (`AccountBeingLiquidated`), the position unchanged.
#[tokio::test]
async fn delegate_cannot_trade_for_an_account_being_liquidated() {
    let mut s = LongScenario::in_progress_at_92().await;
    let m = s.market;
    let colluder: Trader = s.t.funded_trader().await;
    let ix = kix::set_delegate(
        &s.liqee.owner.pubkey(),
        &s.liqee.account,
        kix::tight_delegate(&colluder.owner.pubkey(), 1_000_000_000),
    );
    let _ = s.t.send(&[ix], &[&s.liqee.owner]).await;
    let bid = 92 * LOTS_PER_USD * 985 / 1000;
    s.t.place(&colluder, m, limit(Side::Bid, bid, 100)).await.assert_ok();
    let lots = s.t.position_lots(&s.liqee.account, m).await;
    let delegate = colluder.owner.insecure_clone();
    let liqee = s.liqee.handle();
    s.t.place_signed(&liqee, m, order(OrderType::ImmediateOrCancel, Side::Ask, bid, 100), &delegate)
        .await
        .assert_error(KeelError::AccountBeingLiquidated);
    assert_eq!(s.t.position_lots(&s.liqee.account, m).await, lots);
}

/// Rules (1)/(5): resting orders must lie in the band "so that resting orders are liquidity
/// near the oracle (not free far-away quotes that move the funding book price)". But the band
/// (5%) is five times the funding cap (1%): on a book with no other quotes, the attacker (long
/// 100 lots against the victim's short) rests 1 lot bid at 950 000 (5% under the oracle) and
/// 1 lot ask at 1 030 000 (3% over) — quotes nobody would trade against, so they cost nothing —
/// mid 990 000, premium −1% (the cap). After an hour the index moves −1% · 1 000 000 =
/// −10 000 per lot: the victim's short pays 100 × 10 000 = 1 USDC (24 USDC a day on 100 USDC
/// of notional) for quotes at zero risk. Asserted: quotes wider than the funding cap on each
/// side do not move the index. Fixed: the premium counts an impact bid only above the oracle
/// and an impact ask only below it, so quotes on their own side of the oracle — however deep
/// (10 lots here, the impact depth) — create none.
#[tokio::test]
async fn free_far_quotes_on_a_thin_book_do_not_pin_funding_at_the_cap() {
    let (mut t, m, mut traders) = sol_market_with_traders(2).await;
    let attacker = traders.pop().expect("two traders");
    let victim = traders.pop().expect("two traders");
    t.place(&attacker, m, limit(Side::Bid, 1_000_000, 100)).await.assert_ok();
    t.place(&victim, m, order(OrderType::ImmediateOrCancel, Side::Ask, 1_000_000, 100)).await.assert_ok();
    t.crank(m).await;
    // Deep enough to be impact prices, but neither across the oracle: no premium.
    t.place(&attacker, m, post_only(Side::Bid, 950_000, 10)).await.assert_ok();
    t.place(&attacker, m, post_only(Side::Ask, 1_030_000, 10)).await.assert_ok();
    advance(&mut t, m, T0 + 3_600, 100).await;
    t.update_funding(m).await.assert_ok();
    let index = t.market(m).await.funding_index().raw();
    println!("funding index after an hour of far quotes: {} per lot", index / FIXED_SCALE);
    assert_eq!(index, 0, "far quotes moved the index by {} per lot", index / FIXED_SCALE);
}

/// Rule (4), "an oracle failure never blocks a liquidation", for an oracle account that is
/// closed (reclaimed: system-owned, no data) rather than stale. The liqee (`LongScenario`, long
/// 1 000 lots of SOL with 119.5 USDC) also holds 1 native unit of ETH (worth 0.000002 USDC);
/// SOL falls to 92 (Maint −6.5 USDC, liquidatable); ETH's oracle account is then closed.
/// Expected by the rule: the step goes through with ETH at zero. It was refused
/// (`OracleWrongOwner`) until the liquidation path counted the configured oracle account gone
/// bad as a failing price (fixed). Only matters where the oracle account can be closed by
/// someone (e.g. a user-posted Pyth `PriceUpdateV2`, whose write authority may reclaim it).
#[tokio::test]
async fn a_closed_collateral_oracle_account_does_not_block_a_liquidation() {
    let mut s = LongScenario::new().await;
    let now = s.t.now().await;
    let eth = s.t.add_pull_asset(9, volatile_params(), PriceSpec::new(200_000, 10, -2, now)).await;
    let asset = s.t.asset(eth);
    let wallet = s.t.create_token_account(&asset.mint, &s.liqee.owner.pubkey()).await;
    s.t.mint_to(&asset.mint, &wallet, 1).await;
    let ix = kix::deposit(&s.liqee.owner.pubkey(), &s.t.exchange, &s.liqee.account, &asset.mint, asset.oracle_key(), &wallet, 1);
    s.t.send(&[ix], &[&s.liqee.owner]).await.assert_ok();
    s.set_price(92).await;
    let h = s.t.healths(&s.liqee.account).await;
    assert!(h.maint < 0, "{h:?}");
    let oracle = asset.oracle_key().expect("ETH has an oracle");
    s.t.set_account(
        &oracle,
        solana_account::Account { lamports: 1_000_000, data: vec![], owner: Pubkey::default(), executable: false, rent_epoch: 0 },
    );
    let (m, liqee) = (s.market, s.liqee.account);
    let outcome = s.t.liquidate_perp(&s.liqor, &liqee, m, 1_000).await;
    println!("liquidation with ETH's oracle closed: error {:?}", outcome.error_code());
    outcome.assert_ok();
}
