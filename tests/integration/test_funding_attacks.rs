//! Adversarial review of the impact-price funding premium (commit f261645, by a helper with no
//! stake in it): each test asserts the property that SHOULD hold, so a successful attack makes
//! it fail; the doc comment of each says who gains, who pays and how much.
//!
//! Market: SOL-PERP at 100 USD, lots of 0.01 SOL (1 lot = 1 USDC at the oracle, a price of
//! 1 000 000 lots = the oracle), 5% band, funding at most 100 bps per 3 600 s read from impact
//! prices 10 lots deep, taker fee 5 bp, maker rebate 1 bp, every trader 1 000 USDC deposited. An
//! index change of `x` per lot costs a long of `n` lots `n · x` quote native (1 USDC = 10^6).
//!
//! The impact-price rule's findings (a cancel priced at a stale oracle, only a segment's end
//! points priced, a premium inside the taker fee charged, 10 lots of depth pricing any open
//! interest, a delegate's positions charged far beyond its loss limit, a flat arbitrageur unable
//! to take the depth at the OI cap, stale fill-band orders past the compute budget) are fixed
//! or bounded by the arbitrage-value premium: each test says which, with the numbers before and
//! after. A market listed before `funding_impact_lots` (zero) creates no premium. The delegate,
//! listing, open-interest-cap and compute-budget cases are in `test_funding_attacks_limits`.

use keel::error::KeelError;
use keel::instructions::markets::{CancelTarget, PerpMarketParams, UpdatePerpMarketArgs};
use keel::math::FIXED_SCALE;
use keel::state::Side;
use keel_client::markets as mix;
use keel_tests::context::TestContext;
use keel_tests::funding_attacks::{advance_to, as_listed_before_the_parameter, equity, ioc, open, post_only, set_delegate, PLUS_1PCT};
use keel_tests::markets::{perp_params, sol_market_with_traders, with_params, T0};
use keel_tests::traders::Trader;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// The market's funding index, `Fixed` raw (quote native per lot · 10^18).
async fn index(t: &mut TestContext, m: u16) -> i128 {
    t.market(m).await.funding_index().raw()
}

fn per_lot(raw: i128) -> f64 {
    raw as f64 / FIXED_SCALE as f64
}

// ---------------------------------------------------------------------------------------------
// Depth that cannot fill is no depth: these hold.
// ---------------------------------------------------------------------------------------------

/// The victim is long 100 lots against the attacker. The attacker bids 10 lots at +1%
/// (1 010 000) expiring at T0 + 60, then nothing but a stranger's far ask at T0 + 600 (a
/// sample) until the crank at T0 + 3 600. The bid was live for 60 s at most: at most
/// 10 000 · 60 / 3 600 = 166.7 per lot (0.017 USDC for the victim). The expired bid is gone for
/// the whole segment it expired in: the index does not move.
#[tokio::test]
async fn expired_orders_are_no_impact_depth() {
    let (mut t, m, traders) = sol_market_with_traders(3).await;
    let (victim, attacker, stranger) = (&traders[0], &traders[1], &traders[2]);
    open(&mut t, m, victim, attacker, 100).await;
    let mut bid = post_only(Side::Bid, PLUS_1PCT, 10);
    bid.expiry_ts = T0 + 60;
    t.place(attacker, m, bid).await.assert_ok();
    advance_to(&mut t, m, T0 + 600, 10_000).await;
    t.place(stranger, m, post_only(Side::Ask, 1_040_000, 1)).await.assert_ok();
    advance_to(&mut t, m, T0 + 3_600, 10_000).await;
    t.update_funding(m).await.assert_ok();
    let moved = index(&mut t, m).await;
    println!("expired bid: index {:.3} per lot", per_lot(moved));
    assert!(moved <= 10_000 * 60 * FIXED_SCALE / 3_600, "an expired bid moved the index by {:.1} per lot", per_lot(moved));
}

/// A delegate (slippage 50 bp) bids 10 lots at 1 005 000 (+0.5%) for the attacker's account;
/// at T0 + 1 the oracle moves to 99.50 (995 000 per lot): the bid is now +1.0% over the oracle,
/// inside the market's band but outside its own fill band (990 025..=999 975), so a taker
/// removes it instead of filling it. A stranger's far ask samples at T0 + 2. Were the bid
/// impact depth, the victim's 100-lot long would pay ≈ 1% · 995 000 · 100 ≈ 1 USDC for the
/// hour. It is not: the index does not move.
#[tokio::test]
async fn delegate_orders_outside_their_own_fill_band_are_no_impact_depth() {
    let (mut t, m, traders) = sol_market_with_traders(3).await;
    let (victim, attacker, stranger) = (&traders[0], &traders[1], &traders[2]);
    open(&mut t, m, victim, attacker, 100).await;
    let delegate = Keypair::new();
    set_delegate(&mut t, attacker, &delegate.pubkey(), 50, 1_000_000_000).await;
    t.place_signed(attacker, m, post_only(Side::Bid, 1_005_000, 10), &delegate).await.assert_ok();
    advance_to(&mut t, m, T0 + 1, 9_950).await;
    advance_to(&mut t, m, T0 + 2, 9_950).await;
    t.place(stranger, m, post_only(Side::Ask, 1_040_000, 1)).await.assert_ok();
    advance_to(&mut t, m, T0 + 3_600, 9_950).await;
    t.update_funding(m).await.assert_ok();
    let moved = index(&mut t, m).await;
    println!("stale delegate bid: index {:.3} per lot", per_lot(moved));
    assert_eq!(moved, 0, "a bid outside its own fill band moved the index by {:.1} per lot", per_lot(moved));
}

/// An hour of 10 lots bid exactly at the oracle (1 000 000) creates no premium; an hour of 10
/// lots bid one tick through it (1 000 001, +1 ppm) moves the index by 1 ppm · 1 000 000 = 1
/// per lot (0.0001 USDC on the victim's 100 lots): the premium is the quote's true distance.
#[tokio::test]
async fn quotes_at_the_oracle_or_one_tick_through_move_funding_by_their_distance_only() {
    let (mut t, m, traders) = sol_market_with_traders(2).await;
    let (victim, attacker) = (&traders[0], &traders[1]);
    open(&mut t, m, victim, attacker, 100).await;
    t.place(attacker, m, post_only(Side::Bid, 1_000_000, 10)).await.assert_ok();
    advance_to(&mut t, m, T0 + 3_600, 10_000).await;
    t.update_funding(m).await.assert_ok();
    assert_eq!(index(&mut t, m).await, 0, "a bid at the oracle moved the index");
    t.cancel(attacker, m, CancelTarget::All).await.assert_ok();
    t.place(attacker, m, post_only(Side::Bid, 1_000_001, 10)).await.assert_ok();
    advance_to(&mut t, m, T0 + 7_200, 10_000).await;
    t.update_funding(m).await.assert_ok();
    let moved = index(&mut t, m).await;
    println!("one tick through for an hour: index {:.6} per lot", per_lot(moved));
    assert!(moved <= FIXED_SCALE, "one tick through moved the index by {:.3} per lot", per_lot(moved));
}

/// Nine one-lot bids at +1% and a tenth lot at 990 000 (−1%, worth nothing to a seller) on an
/// open interest of 100 lots (the depth): each +1% lot nets a seller 1 010 000 · 0.9995 −
/// 1 000 000 = 9 495, so 9 · 9 495 / (100 · 10^6) = 0.085455%, 854.55 per lot for the hour —
/// the depth counts for the lots it offers. A tenth one-lot bid at +1% adds its lot: 949.5 per
/// lot the next hour, exactly what one 10-lot bid at +1% pays — many tiny orders count as one
/// order of their sum.
#[tokio::test]
async fn depth_counts_for_the_lots_it_offers_and_tiny_orders_as_their_sum() {
    let (mut t, m, traders) = sol_market_with_traders(2).await;
    let (victim, attacker) = (&traders[0], &traders[1]);
    open(&mut t, m, victim, attacker, 100).await;
    for _ in 0..9 {
        t.place(attacker, m, post_only(Side::Bid, PLUS_1PCT, 1)).await.assert_ok();
    }
    t.place(attacker, m, post_only(Side::Bid, 990_000, 1)).await.assert_ok();
    advance_to(&mut t, m, T0 + 3_600, 10_000).await;
    t.update_funding(m).await.assert_ok();
    assert_eq!(index(&mut t, m).await, 85_455 * FIXED_SCALE / 100, "9 lots of depth at +1%");
    t.place(attacker, m, post_only(Side::Bid, PLUS_1PCT, 1)).await.assert_ok();
    advance_to(&mut t, m, T0 + 7_200, 10_000).await;
    t.update_funding(m).await.assert_ok();
    assert_eq!(index(&mut t, m).await, (85_455 + 94_950) * FIXED_SCALE / 100, "10 one-lot bids pay as one 10-lot bid");
}

/// Funding parameters change only right after `update_funding`: `funding_impact_lots` 20 at
/// T0 + 100 is `FundingNotCurrent`; 0 and above the OI cap are `InvalidFundingParams`; an
/// `update_funding` and the change in one transaction go through. A market listed before the
/// parameter existed (field zero) refuses any update made from its own parameters
/// (`PerpMarketParams::of`, impact 0 < min order) and is fixed the same way.
#[tokio::test]
async fn funding_impact_lots_changes_only_right_after_update_funding() {
    let (mut t, m, _) = sol_market_with_traders(0).await;
    advance_to(&mut t, m, T0 + 100, 10_000).await;
    let impact = |lots: i64| with_params(PerpMarketParams { funding_impact_lots: lots, ..perp_params() });
    t.update_market(m, impact(20)).await.assert_error(KeelError::FundingNotCurrent);
    t.update_market(m, impact(0)).await.assert_error(KeelError::InvalidFundingParams);
    t.update_market(m, impact(1_000_001)).await.assert_error(KeelError::InvalidFundingParams);
    send_with_crank(&mut t, m, impact(20)).await.assert_ok();
    assert_eq!(t.market(m).await.funding_impact_lots, 20);

    as_listed_before_the_parameter(&mut t, m).await;
    let mut own = PerpMarketParams::of(&t.market(m).await);
    own.taker_fee_bps = 6;
    t.update_market(m, with_params(own)).await.assert_error(KeelError::InvalidFundingParams);
    advance_to(&mut t, m, T0 + 200, 10_000).await;
    send_with_crank(&mut t, m, impact(10)).await.assert_ok();
    assert_eq!(t.market(m).await.funding_impact_lots, 10);
}

/// `update_funding` and `update_perp_market(args)` in one transaction, signed by the admin.
async fn send_with_crank(t: &mut TestContext, m: u16, args: UpdatePerpMarketArgs) -> keel_tests::outcome::Outcome {
    let keys = t.markets[m as usize].keys;
    let admin = t.admin.insecure_clone();
    let exchange = t.exchange;
    let ixs = [mix::update_funding(&keys), mix::update_perp_market(&admin.pubkey(), &exchange, &keys.market, args)];
    t.send(&ixs, &[&admin]).await
}

/// The two-ends rule holds when the segment is closed by a crank: the attacker bids 10 lots at
/// +1% at T0 (oracle 100), the oracle moves to 102 at T0 + 1 (the bid is now 1% *under* it,
/// nobody can sell into it at a profit) and stays there; the crank at T0 + 3 600 reads 102, the
/// segment counts `conservative(+1%, 0) = 0`. The victim (long 1 000) pays nothing.
#[tokio::test]
async fn a_bid_the_oracle_left_behind_is_not_charged_when_a_crank_closes_its_segment() {
    let (mut t, m, _victim, _attacker) = bid_left_behind().await;
    advance_to(&mut t, m, T0 + 3_600, 10_200).await;
    t.update_funding(m).await.assert_ok();
    let moved = index(&mut t, m).await;
    println!("bid left behind, crank at 102: index {:.3} per lot", per_lot(moved));
    assert_eq!(moved, 0);
}

/// Victim long 1 000 against the attacker; the attacker bids 10 lots at +1% at T0 (oracle 100);
/// from T0 + 1 the oracle is 102 (published every second, read by nobody).
async fn bid_left_behind() -> (TestContext, u16, Trader, Trader) {
    let (mut t, m, mut traders) = sol_market_with_traders(2).await;
    let attacker = traders.pop().expect("two traders");
    let victim = traders.pop().expect("two traders");
    open(&mut t, m, &victim, &attacker, 1_000).await;
    t.place(&attacker, m, post_only(Side::Bid, PLUS_1PCT, 10)).await.assert_ok();
    advance_to(&mut t, m, T0 + 1, 10_200).await;
    (t, m, victim, attacker)
}

// ---------------------------------------------------------------------------------------------
// Attacks.
// ---------------------------------------------------------------------------------------------

/// FIXED (stale end price). Same book as the test above, but the attacker cancels its bid at
/// T0 + 3 599 before anyone reads the oracle, passing no oracle to the cancel. Before the fix
/// the segment [T0, T0 + 3 599) was priced at the *last price read* — 100, the price the bid was
/// placed at — at both ends, so it counted +1% for 3 599 s though the bid stood under the oracle
/// (102) for 3 598 of them: ≈ 10 197 per lot, ≈ 10.2 USDC from the victim's 1 000 lots, for a
/// bid that risked an arbitrage for 1 s. Now a cancel without a price counts only the oracle's
/// maximum age (60 s) after the last price read, at the arbitrage value (94.95 per lot an hour):
/// ≈ 1.6 per lot; a cancel that passes the oracle reads 102 and counts nothing. Expected: at
/// most 10 per lot.
#[tokio::test]
async fn a_bid_the_oracle_left_behind_is_not_charged_when_cancelled_before_the_crank() {
    let (mut t, m, victim, attacker) = bid_left_behind().await;
    advance_to(&mut t, m, T0 + 3_599, 10_200).await;
    t.cancel_without_price(&attacker, m, CancelTarget::All).await.assert_ok();
    advance_to(&mut t, m, T0 + 3_600, 10_200).await;
    let before = equity(&mut t, &victim.account).await;
    t.update_funding(m).await.assert_ok();
    let moved = index(&mut t, m).await;
    let paid = before - equity(&mut t, &victim.account).await;
    println!("bid left behind, cancelled before the crank: index {:.3} per lot, victim paid {paid}", per_lot(moved));
    assert!(moved.abs() <= 10 * FIXED_SCALE, "a stale-priced segment moved the index by {:.1} per lot (victim paid {paid})", per_lot(moved));
}

/// KNOWN LIMIT, BOUNDED (endpoints only). The attacker bids 10 lots at +1% at T0 (oracle 100);
/// the oracle is 102 from T0 + 1 to T0 + 3 598 (the bid under it: nobody can sell into it at a
/// profit, the honest premium is 0) and back at 100 for the last 2 s; the crank at T0 + 3 600
/// reads 100. No instruction read the oracle in between, so the segment is priced at 100 at
/// both ends. Under the impact-price rule that was +1% for the hour, 10 000 per lot (10 USDC
/// from the victim's 1 000 lots). Under the arbitrage-value rule the hour moves at most what
/// the bid offered a seller at the price both ends saw, once: 10 · 9 495 =
/// 94 950 native over the 1 000 lots of open interest, 94.95 per lot (0.095 USDC) — and the
/// attacker does not choose the oracle's path (the keeper's crank reads it every half max age).
#[tokio::test]
async fn an_oracle_excursion_inside_a_segment_moves_at_most_one_sweep_of_the_depth() {
    let (mut t, m, _victim, _attacker) = bid_left_behind().await;
    advance_to(&mut t, m, T0 + 1_800, 10_200).await;
    advance_to(&mut t, m, T0 + 3_598, 10_200).await;
    advance_to(&mut t, m, T0 + 3_599, 10_000).await;
    advance_to(&mut t, m, T0 + 3_600, 10_000).await;
    t.update_funding(m).await.assert_ok();
    let moved = index(&mut t, m).await;
    println!("oracle excursion: index {:.3} per lot", per_lot(moved));
    assert!(moved <= 9_495 * FIXED_SCALE / 100, "an hour the bid stood under the oracle moved the index by {:.1} per lot, beyond one sweep of its value", per_lot(moved));
}

/// What an hour of a +1% impact bid costs and yields. The victim is long 4 000 lots against
/// the attacker's short `a`; the attacker's second account `b` bids 10 one-lot orders at +1%.
/// Every 600 s `c` sells 10 lots into them and `b` puts them back in the same second; the crank
/// runs at T0 + 3 600 with the last sale. Returns the equity changes (victim, a, b, c) and the
/// index per lot.
async fn an_hour_of_an_arbitraged_impact_bid() -> (i64, i64, i64, i64, i128) {
    let (mut t, m, traders) = sol_market_with_traders(4).await;
    let (victim, a, b, c) = (&traders[0], &traders[1], &traders[2], &traders[3]);
    open(&mut t, m, victim, a, 4_000).await;
    let accounts = [victim.account, a.account, b.account, c.account];
    let mut before = [0i64; 4];
    for (i, key) in accounts.iter().enumerate() {
        before[i] = equity(&mut t, key).await;
    }
    for _ in 0..10 {
        t.place(b, m, post_only(Side::Bid, PLUS_1PCT, 1)).await.assert_ok();
    }
    for round in 1..=6 {
        advance_to(&mut t, m, T0 + 600 * round, 10_000).await;
        t.place(c, m, ioc(Side::Ask, PLUS_1PCT, 10)).await.assert_ok();
        t.crank(m).await;
        if round < 6 {
            for _ in 0..10 {
                t.place(b, m, post_only(Side::Bid, PLUS_1PCT, 1)).await.assert_ok();
            }
        }
    }
    t.update_funding(m).await.assert_ok();
    let mut change = [0i64; 4];
    for (i, key) in accounts.iter().enumerate() {
        change[i] = equity(&mut t, key).await - before[i];
    }
    t.assert_conserved().await;
    (change[0], change[1], change[2], change[3], index(&mut t, m).await)
}

/// FIXED (impact depth fixed in lots, funding paid on the whole OI). The property: moving
/// funding costs the manipulator at least what it extracts. Under the arbitrage-value rule the
/// 10-lot bid is worth 10 · 9 495 = 94 950 native (what selling into it nets after the fee) over the 4 000 lots of open interest: the
/// victim pays ≈ 0.095 USDC for the hour and `b` loses ≈ 0.59 to the arbitrageur. What it was
/// under the impact-price rule: With an honest arbitrageur `c`
/// taking the 10-lot +1% bid every 10 minutes (6 times), `b` loses per round 10 · 10 000 = 0.1
/// USDC at the fill less 0.001 rebate, and 0.6 USDC of funding on the 60 lots it ends up long:
/// ≈ −1.19 USDC; `c` earns 6 · (0.1 − 0.00505 fee) + 0.6 funding ≈ +1.17. The bid stands every
/// second of the hour (it is re-placed in the second it is taken), so the index moves the cap,
/// 10 000 per lot: the victim pays 4 000 · 10 000 = 40 USDC and `a` receives it. Coalition a + b:
/// ≈ +38.8 USDC an hour (931 a day). Break-even needs ≈ 404 arbitrages an hour on 4 000 lots of
/// victim OI, and proportionally more as the OI grows (10 lots price any OI).
#[tokio::test]
async fn moving_funding_costs_the_manipulator_at_least_what_it_extracts() {
    let (victim, a, b, c, moved) = an_hour_of_an_arbitraged_impact_bid().await;
    println!("honest arbitrageur every 600 s: index {:.0} per lot; victim {victim}, a {a}, b {b}, arbitrageur {c} (quote native)", per_lot(moved));
    assert!(a + b <= 0, "the manipulators a + b gained {} (quote native) in an hour; the victim paid {}", a + b, -victim);
}

/// FIXED, BOUNDED (wash-filling). The same hour, but the "arbitrageur" `c` is the attacker's own
/// third account, selling into its own bid to take it down before an outsider can: the
/// coalition a + b + c pays only the fees between its accounts, 6 rounds · 10 fills · (505
/// taker fee − 101 rebate) = 24 240 native. Under the impact-price rule it kept the victim's
/// 40 USDC (≈ +39.98 USDC an hour). Now the hour moves at most one sweep of the bid's value,
/// 94 950 native, from the victim: the coalition nets ≈ 0.07 USDC an hour while its bid offers
/// every outside seller that same 0.095 USDC at every moment. Expected: neither the victim's
/// loss nor the coalition's gain exceeds one sweep of the bid.
#[tokio::test]
async fn wash_filling_ones_own_impact_bid_gains_at_most_what_the_bid_offers_every_seller() {
    let (victim, a, b, c, moved) = an_hour_of_an_arbitraged_impact_bid().await;
    println!("self-arbitrage every 600 s: index {:.0} per lot; victim {victim}, coalition a + b + c {}", per_lot(moved), a + b + c);
    // One sweep of the bid, net of the taker fee: 10 lots · (1 010 000 · 0.9995 − 1 000 000).
    let one_sweep = 10 * 9_495;
    assert!(a + b + c <= one_sweep, "the coalition a + b + c gained {} (quote native) in an hour, beyond one sweep of its bid ({one_sweep}); the victim paid {}", a + b + c, -victim);
    assert!(-victim <= one_sweep, "the victim paid {} in an hour, beyond one sweep of the bid ({one_sweep})", -victim);
}

/// FIXED (fee dead zone). README: "only a bid above the oracle or an ask below it ... creates
/// funding: quotes that anyone may trade against at a profit". A bid 4.9 bp over the oracle
/// (1 000 490, 10 lots) cannot be sold into at a profit: the seller gets 4 900 over the oracle
/// on 10 lots and pays a taker fee of 5 003 (−103, checked below). It stands untouched for an
/// hour, risk-free, and moves the index by 490 per lot: the victim's 4 000 lots pay 1.96 USDC an
/// hour (47 USDC a day, 4.7% of its deposit) to the attacker's short. Expected: a premium no
/// taker can arbitrage (within the taker fee) charges nothing.
#[tokio::test]
async fn a_premium_inside_the_taker_fee_charges_nothing() {
    let (mut t, m, traders) = sol_market_with_traders(4).await;
    let (victim, a, b, c) = (&traders[0], &traders[1], &traders[2], &traders[3]);
    open(&mut t, m, victim, a, 4_000).await;
    let victim_before = equity(&mut t, &victim.account).await;
    t.place(b, m, post_only(Side::Bid, 1_000_490, 10)).await.assert_ok();
    advance_to(&mut t, m, T0 + 3_600, 10_000).await;
    t.update_funding(m).await.assert_ok();
    let moved = index(&mut t, m).await;
    let victim_paid = victim_before - equity(&mut t, &victim.account).await;
    // Selling into the bid loses money: nobody takes it.
    let c_before = equity(&mut t, &c.account).await;
    t.place(c, m, ioc(Side::Ask, 1_000_490, 10)).await.assert_ok();
    t.crank(m).await;
    let c_gain = equity(&mut t, &c.account).await - c_before;
    println!("bid +4.9 bp for an hour: index {:.0} per lot, victim paid {victim_paid}; selling into it earns {c_gain}", per_lot(moved));
    assert!(c_gain < 0, "an arbitrageur gained {c_gain} selling into a bid within the taker fee");
    assert_eq!(moved, 0, "a bid nobody can profitably sell into moved the index by {:.0} per lot; the victim paid {victim_paid}", per_lot(moved));
}
