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
//! after. A market listed before `funding_impact_lots` (zero) creates no premium.

use anchor_lang::prelude::Pubkey;
use keel::error::KeelError;
use keel::instructions::markets::price_band::PriceBand;
use keel::instructions::markets::{CancelTarget, PerpMarketParams, UpdatePerpMarketArgs};
use keel::math::{Fixed, FIXED_SCALE};
use keel::state::{OrderBook, PerpMarket, Side};
use keel_client::instructions as kix;
use keel_client::markets as mix;
use keel_tests::context::TestContext;
use keel_tests::funding_attacks::{ioc, open, post_only, PLUS_1PCT};
use keel_tests::markets::{perp_params, sol_market_with_traders, with_params, T0};
use keel_tests::oracles::PriceSpec;
use keel_tests::traders::Trader;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// 1 000 USDC, every trader's deposit.
const DEPOSIT: i64 = 1_000_000_000;

/// A price of `cents` US cents published at `time`.
fn cents(cents: i64, time: i64) -> PriceSpec {
    PriceSpec::new(cents * 1_000_000, 0, -8, time)
}

/// Moves the clock to `time` and republishes the oracle at `c` cents there.
async fn advance(t: &mut TestContext, m: u16, time: i64, c: i64) {
    t.set_time(time).await;
    t.set_market_price(m, cents(c, time));
}

/// The market's funding index, `Fixed` raw (quote native per lot · 10^18).
async fn index(t: &mut TestContext, m: u16) -> i128 {
    t.market(m).await.funding_index().raw()
}

fn per_lot(raw: i128) -> f64 {
    raw as f64 / FIXED_SCALE as f64
}

async fn equity(t: &mut TestContext, account: &Pubkey) -> i64 {
    let now = t.now().await;
    t.equity(account, now).await
}

/// Sets `delegate` on `owner`'s account with `slippage_bps` and `loss_limit` per day.
async fn set_delegate(t: &mut TestContext, owner: &Trader, delegate: &Pubkey, slippage_bps: u16, loss_limit: u64) {
    let args = keel::SetDelegateArgs { delegate: *delegate, max_slippage_bps: slippage_bps, loss_limit, period_secs: 86_400 };
    let ix = kix::set_delegate(&owner.owner.pubkey(), &owner.account, args);
    t.send(&[ix], &[&owner.owner]).await.assert_ok();
}

/// Zeroes the market's `funding_impact_lots`, as a market listed before the field existed
/// reads it: the field took 8 of the `reserved` bytes (zero) and `PERP_MARKET_VERSION` stayed 1,
/// so nothing tells such an account apart or migrates it.
async fn as_listed_before_the_parameter(t: &mut TestContext, m: u16) {
    let key = t.markets[m as usize].keys.market;
    let mut account = t.ctx.banks_client.get_account(key).await.expect("get_account").expect("market exists");
    let at = 8 + core::mem::offset_of!(PerpMarket, funding_impact_lots);
    account.data[at..at + 8].copy_from_slice(&0i64.to_le_bytes());
    t.set_account(&key, account);
    let market = t.market(m).await;
    assert_eq!((market.funding_impact_lots, market.version), (0, 1));
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
    advance(&mut t, m, T0 + 600, 10_000).await;
    t.place(stranger, m, post_only(Side::Ask, 1_040_000, 1)).await.assert_ok();
    advance(&mut t, m, T0 + 3_600, 10_000).await;
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
    advance(&mut t, m, T0 + 1, 9_950).await;
    advance(&mut t, m, T0 + 2, 9_950).await;
    t.place(stranger, m, post_only(Side::Ask, 1_040_000, 1)).await.assert_ok();
    advance(&mut t, m, T0 + 3_600, 9_950).await;
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
    advance(&mut t, m, T0 + 3_600, 10_000).await;
    t.update_funding(m).await.assert_ok();
    assert_eq!(index(&mut t, m).await, 0, "a bid at the oracle moved the index");
    t.cancel(attacker, m, CancelTarget::All).await.assert_ok();
    t.place(attacker, m, post_only(Side::Bid, 1_000_001, 10)).await.assert_ok();
    advance(&mut t, m, T0 + 7_200, 10_000).await;
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
    advance(&mut t, m, T0 + 3_600, 10_000).await;
    t.update_funding(m).await.assert_ok();
    assert_eq!(index(&mut t, m).await, 85_455 * FIXED_SCALE / 100, "9 lots of depth at +1%");
    t.place(attacker, m, post_only(Side::Bid, PLUS_1PCT, 1)).await.assert_ok();
    advance(&mut t, m, T0 + 7_200, 10_000).await;
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
    advance(&mut t, m, T0 + 100, 10_000).await;
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
    advance(&mut t, m, T0 + 200, 10_000).await;
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
    advance(&mut t, m, T0 + 3_600, 10_200).await;
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
    advance(&mut t, m, T0 + 1, 10_200).await;
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
    advance(&mut t, m, T0 + 3_599, 10_200).await;
    t.cancel_without_price(&attacker, m, CancelTarget::All).await.assert_ok();
    advance(&mut t, m, T0 + 3_600, 10_200).await;
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
    advance(&mut t, m, T0 + 1_800, 10_200).await;
    advance(&mut t, m, T0 + 3_598, 10_200).await;
    advance(&mut t, m, T0 + 3_599, 10_000).await;
    advance(&mut t, m, T0 + 3_600, 10_000).await;
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
        advance(&mut t, m, T0 + 600 * round, 10_000).await;
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
    advance(&mut t, m, T0 + 3_600, 10_000).await;
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

/// The delegate's loss limit in the two delegate findings: 5 USDC a day.
const DELEGATE_LOSS_LIMIT: u64 = 5_000_000;

/// The owner sets the colluder's key as delegate (50 bps slippage, [`DELEGATE_LOSS_LIMIT`]),
/// which buys 9 000 lots for the owner at the oracle from the colluder's ask (4.5 USDC fee);
/// cranked. Returns the delegate's key.
async fn delegate_buys_for_the_owner(t: &mut TestContext, m: u16, owner: &Trader, colluder: &Trader) -> Keypair {
    let delegate = colluder.owner.insecure_clone();
    set_delegate(t, owner, &delegate.pubkey(), 50, DELEGATE_LOSS_LIMIT).await;
    t.place(colluder, m, post_only(Side::Ask, 1_000_000, 9_000)).await.assert_ok();
    t.place_signed(owner, m, ioc(Side::Bid, 1_000_000, 9_000), &delegate).await.assert_ok();
    t.crank(m).await;
    delegate
}

/// An hour on, funding updated: the owner lost at most the delegate's loss limit.
async fn assert_owner_lost_within_the_limit_after_an_hour(t: &mut TestContext, m: u16, owner: &Trader, case: &str) {
    advance(t, m, T0 + 3_600, 10_000).await;
    t.update_funding(m).await.assert_ok();
    let lost = DEPOSIT - equity(t, &owner.account).await;
    println!("{case}: owner lost {lost} in an hour, loss limit {DELEGATE_LOSS_LIMIT} a day; index {:.0} per lot", per_lot(index(t, m).await));
    assert!(lost <= DELEGATE_LOSS_LIMIT as i64, "the delegate cost the owner {lost} (quote native) in an hour, beyond its loss limit {DELEGATE_LOSS_LIMIT}");
}

/// FINDING, FIXED (delegate + colluder's deep bid). README, Delegates: per period a delegate's trades
/// cost the account at most `loss_limit`; funding "a colluder cannot push with quotes nobody can
/// trade against ..., only with a bid above the oracle `funding_impact_lots` deep that anyone
/// may sell into". The owner gives the colluder a delegate with a 5 USDC/day limit (0.5%
/// slippage). The delegate buys 9 000 lots for the owner at the oracle from the colluder's ask
/// (charged the 4.5 USDC taker fee, within the limit); the colluder bids 10 lots at +1% — 0.1
/// USDC at risk should someone sell into it, nobody does — for an hour. The owner's long pays
/// 9 000 · 10 000 = 90 USDC to the colluder's short under the impact-price rule: 94.5 USDC lost
/// in the first hour against a 5 USDC/day limit. FIXED, BOUNDED: the bid is worth 10 · 9 495 =
/// 0.095 USDC to any seller, and that is what the hour moves — 4.595 USDC lost. The loss limit
/// bounds the delegate's trades; the funding of the positions they leave is market risk, at
/// most one sweep of the colluder's depth an hour (which that depth offers the owner, or anyone,
/// at every moment).
#[tokio::test]
async fn a_delegate_cannot_cost_its_owner_more_than_the_loss_limit_through_a_colluders_deep_bid() {
    let (mut t, m, traders) = sol_market_with_traders(2).await;
    let (owner, colluder) = (&traders[0], &traders[1]);
    delegate_buys_for_the_owner(&mut t, m, owner, colluder).await;
    t.place(colluder, m, post_only(Side::Bid, PLUS_1PCT, 10)).await.assert_ok();
    assert_owner_lost_within_the_limit_after_an_hour(&mut t, m, owner, "colluder's deep bid").await;
}

/// FINDING, FIXED (delegate quotes the owner's own impact bid). As above, but the colluder risks
/// nothing at all: after buying the 9 000 lots (4.5 USDC fee), the delegate rests a 10-lot bid
/// at +0.5% (1 005 000, the edge of its slippage) *for the owner* — charged its worst fill cost,
/// 10 050 000 · 0.5/99.5 ≈ 0.05 USDC, still within the limit. The owner's own bid is the impact
/// depth that charges the owner: +0.5% for an hour, 5 000 per lot, 45 USDC to the colluder (and
/// selling into that bid is the colluder's arbitrage, not its cost). 49.5 USDC lost in an hour
/// against a 5 USDC/day limit under the impact-price rule. FIXED, BOUNDED: the owner's bid is
/// worth 10 · (1 005 000 · 0.9995 − 1 000 000) = 0.045 USDC to a seller, what the hour now moves.
#[tokio::test]
async fn a_delegate_cannot_make_its_owner_quote_the_impact_bid_that_charges_it() {
    let (mut t, m, traders) = sol_market_with_traders(2).await;
    let (owner, colluder) = (&traders[0], &traders[1]);
    let delegate = delegate_buys_for_the_owner(&mut t, m, owner, colluder).await;
    t.place_signed(owner, m, post_only(Side::Bid, 1_005_000, 10), &delegate).await.assert_ok();
    assert_owner_lost_within_the_limit_after_an_hour(&mut t, m, owner, "owner's own bid by the delegate").await;
}

/// FIXED (old markets). A market listed before `funding_impact_lots` existed reads it as 0
/// (reserved bytes, same layout version, no migration), and `impact_price` takes
/// `max(1)`: one lot is the impact depth — the thin-book pin this commit closes, in a sharper
/// form (no ask needed). The attacker (short 100 against the victim) rests 1 lot bid at +4%
/// (1 040 000, 0.04 USDC at risk); an hour later the victim has paid 100 · 10 000 = 1 USDC (24 a
/// day on 100 USDC of notional). Expected: a one-lot quote moves nothing.
#[tokio::test]
async fn a_market_listed_before_the_parameter_is_not_pinned_by_one_lot() {
    let (mut t, m, traders) = sol_market_with_traders(2).await;
    let (victim, attacker) = (&traders[0], &traders[1]);
    as_listed_before_the_parameter(&mut t, m).await;
    open(&mut t, m, victim, attacker, 100).await;
    t.place(attacker, m, post_only(Side::Bid, 1_040_000, 1)).await.assert_ok();
    advance(&mut t, m, T0 + 3_600, 10_000).await;
    t.update_funding(m).await.assert_ok();
    let moved = index(&mut t, m).await;
    println!("old market, one-lot bid at +4%: index {:.0} per lot (victim pays {:.0} native)", per_lot(moved), per_lot(moved) * 100.0);
    assert_eq!(moved, 0, "a one-lot bid moved the index by {:.0} per lot on a market with funding_impact_lots 0", per_lot(moved));
}

/// FINDING (OI cap), BOUNDED. The market's cap is 4 000 lots; the victim is long 4 000 against
/// the attacker (at the cap). The attacker's second account bids 10 lots at +1% for an hour; a
/// flat arbitrageur selling into it would open 10 lots on each side (the maker's queued fill
/// counts as opening): `OpenInterestCapExceeded` — the cap holds for everyone. Under the
/// impact-price rule the victim paid 40 USDC for the hour. Now the hour moves one sweep of the
/// bid, 10 · 9 495 = 0.095 USDC, and the payers themselves can take exactly that: the victim
/// sells 10 lots into the bid (closing, never blocked by the cap) and earns 10 · 10 000 less
/// the 5 bp fee. Expected: funding paid ≤ what the payer can take from the depth, and it can.
#[tokio::test]
async fn at_the_open_interest_cap_the_payers_can_take_the_depth_that_charges_them() {
    let (mut t, m, traders) = sol_market_with_traders(4).await;
    let (victim, a, b, c) = (&traders[0], &traders[1], &traders[2], &traders[3]);
    t.update_market(m, with_params(PerpMarketParams { open_interest_cap_lots: 4_000, ..perp_params() })).await.assert_ok();
    open(&mut t, m, victim, a, 4_000).await;
    t.place(b, m, post_only(Side::Bid, PLUS_1PCT, 10)).await.assert_ok();
    advance(&mut t, m, T0 + 3_600, 10_000).await;
    t.update_funding(m).await.assert_ok();
    let moved = index(&mut t, m).await;
    let flat = t.place(c, m, ioc(Side::Ask, PLUS_1PCT, 10)).await;
    flat.assert_error(KeelError::OpenInterestCapExceeded);
    let paid = (moved * 4_000 / FIXED_SCALE) as i64;
    let victim_before = equity(&mut t, &victim.account).await;
    t.place(victim, m, ioc(Side::Ask, PLUS_1PCT, 10)).await.assert_ok();
    t.crank(m).await;
    let taken = equity(&mut t, &victim.account).await - victim_before;
    println!("at the OI cap: index {:.0} per lot, the victim paid {paid} native; selling into the bid earned it {taken}", per_lot(moved));
    assert!(paid <= 10 * 9_495, "the hour moved {paid} from the victim, beyond one sweep of the bid");
    assert!(taken >= paid, "the payer took {taken} from the depth that charged it {paid}");
}

/// sBPF compute of one own-fill-band check of a resting order: `PriceBand::fills` is now
/// `Fixed::within_bps` (two integer multiplies), metered by the project's harness
/// (`scripts/sbpf-meter.sh`, `bench/sbpf-meter/CU.md`, row `op/within-bps-per-call`: 426 CU a
/// check, its input decoding included, results equal to native). Before, `PriceBand::around`
/// (3 `Fixed` multiplications, 1 division, 2 roundings) cost 2 460 CU a check, measured outside
/// the repository. The program itself cannot be built for sBPF here, so the instruction's
/// total is this times the walk's evaluations, plus its other work (not counted).
const CU_PER_FILL_BAND: u64 = 426;
/// The transaction budget.
const CU_BUDGET: u64 = 1_400_000;

/// How many own-fill-band evaluations one premium walk of `side` makes at `oracle`, replaying
/// the program's walk (best first, expired skipped, the market band first, ended by the first
/// fillable order worth nothing to its taker or by a full depth).
fn fill_band_evaluations(market: &PerpMarket, book: &OrderBook, side: Side, oracle: Fixed, now: i64) -> u64 {
    let band = PriceBand::new(market, oracle).expect("band");
    let mut left = market.funding_impact_lots.max(market.long_lots).max(market.short_lots);
    let fee = market.taker_fee_bps as i128;
    let per_lot = band.per_lot.raw() * 10_000;
    let mut evaluations = 0;
    for o in book.side(side).iter().rev() {
        if o.is_expired(now) || !band.contains(o.price_lots) {
            continue;
        }
        if o.fill_band_bps > 0 {
            evaluations += 1;
        }
        if !band.fills(o).expect("fills") {
            continue;
        }
        let price = o.price_lots as i128 * FIXED_SCALE;
        let excess = match side {
            Side::Bid => price * (10_000 - fee) - per_lot,
            Side::Ask => per_lot - price * (10_000 + fee),
        };
        if excess <= 0 {
            break;
        }
        left -= o.base_lots.min(left);
        if left == 0 {
            break;
        }
    }
    evaluations
}

/// Both sides' walks at `oracle`.
fn walk(market: &PerpMarket, book: &OrderBook, oracle: Fixed, now: i64) -> u64 {
    fill_band_evaluations(market, book, Side::Bid, oracle, now) + fill_band_evaluations(market, book, Side::Ask, oracle, now)
}

/// FIXED (compute; a measured per-check cost times a replayed walk). Eight accounts of the
/// attacker, each with its own second key as delegate at 1 bp slippage, fill both book sides
/// (128 + 128 one-lot orders at 999 990 and 1 000 010, within 1 bp of 100; ≈ 26 USDC of Init
/// margin, all refundable). The oracle moves 3 bp up (100.03, a crank samples there), then 6 bp
/// down (99.97): every order is outside its own fill band but inside the market's at both
/// prices, so each walk of a side evaluates all 128 fill bands and finds no depth.
/// `update_funding` walks both sides at the segment's start price and at its end price (the
/// end walk also gives the event its premium): 512 evaluations · 426 CU ≈ 218k CU, within the
/// 1.4M budget (was 768 · 2 460 ≈ 1.89M: three walks at the old cost). A `place_order`'s
/// sample makes the same two walks. Expected: one update_funding's premium walks stay within
/// the budget.
#[tokio::test]
async fn stale_fill_band_orders_cannot_push_update_funding_past_the_compute_budget() {
    let (mut t, m, traders) = sol_market_with_traders(8).await;
    for trader in &traders {
        let delegate = Keypair::new();
        set_delegate(&mut t, trader, &delegate.pubkey(), 1, 1_000_000_000).await;
        for _ in 0..16 {
            t.place_signed(trader, m, post_only(Side::Bid, 999_990, 1), &delegate).await.assert_ok();
            t.place_signed(trader, m, post_only(Side::Ask, 1_000_010, 1), &delegate).await.assert_ok();
        }
    }
    let book = t.book(m).await;
    assert_eq!((book.side(Side::Bid).len(), book.side(Side::Ask).len()), (128, 128));
    let at_100 = t.market(m).await.last_oracle_price();
    advance(&mut t, m, T0 + 10, 10_003).await;
    t.update_funding(m).await.assert_ok();
    let market = t.market(m).await;
    let at_up = market.last_oracle_price();
    let first = walk(&market, &book, at_100, T0 + 10) + walk(&market, &book, at_up, T0 + 10);
    advance(&mut t, m, T0 + 20, 9_997).await;
    t.update_funding(m).await.assert_ok();
    let at_down = t.market(m).await.last_oracle_price();
    let second = walk(&market, &book, at_up, T0 + 20) + walk(&market, &book, at_down, T0 + 20);
    assert_eq!(second, 512, "every walk at 100.03 and 99.97 evaluates every order's fill band");
    let place_sample = second;
    println!(
        "update_funding at 100.03: {first} fill-band evaluations ≈ {} CU; at 99.97: {second} ≈ {} CU; a place_order's sample there: {place_sample} ≈ {} CU (budget {CU_BUDGET})",
        first * CU_PER_FILL_BAND,
        second * CU_PER_FILL_BAND,
        place_sample * CU_PER_FILL_BAND
    );
    assert!(
        second * CU_PER_FILL_BAND <= CU_BUDGET,
        "update_funding's premium walks alone take ≈ {} CU ({second} fill-band evaluations at {CU_PER_FILL_BAND} CU)",
        second * CU_PER_FILL_BAND
    );
}
