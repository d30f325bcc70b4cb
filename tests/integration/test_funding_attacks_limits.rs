//! The funding attacks' limits (from `test_funding_attacks`, same market and numbers): a
//! delegate's loss limit against a colluder's impact bid, a market listed before
//! `funding_impact_lots`, the open-interest cap against the depth that charges the payers, and
//! the compute budget of `update_funding` over stale fill-band orders.

use keel::error::KeelError;
use keel::instructions::markets::price_band::PriceBand;
use keel::instructions::markets::PerpMarketParams;
use keel::math::{Fixed, FIXED_SCALE};
use keel::state::{OrderBook, PerpMarket, Side};
use keel_tests::context::TestContext;
use keel_tests::funding_attacks::{advance_to, as_listed_before_the_parameter, equity, ioc, open, post_only, set_delegate, PLUS_1PCT};
use keel_tests::markets::{perp_params, sol_market_with_traders, with_params, T0};
use keel_tests::traders::Trader;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// 1 000 USDC, every trader's deposit.
const DEPOSIT: i64 = 1_000_000_000;

/// The market's funding index, `Fixed` raw (quote native per lot · 10^18).
async fn index(t: &mut TestContext, m: u16) -> i128 {
    t.market(m).await.funding_index().raw()
}

fn per_lot(raw: i128) -> f64 {
    raw as f64 / FIXED_SCALE as f64
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
    advance_to(t, m, T0 + 3_600, 10_000).await;
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
    advance_to(&mut t, m, T0 + 3_600, 10_000).await;
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
    advance_to(&mut t, m, T0 + 3_600, 10_000).await;
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
    advance_to(&mut t, m, T0 + 10, 10_003).await;
    t.update_funding(m).await.assert_ok();
    let market = t.market(m).await;
    let at_up = market.last_oracle_price();
    let first = walk(&market, &book, at_100, T0 + 10) + walk(&market, &book, at_up, T0 + 10);
    advance_to(&mut t, m, T0 + 20, 9_997).await;
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
