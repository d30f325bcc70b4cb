//! Adversarial review of the funding rules after the keeper cadence change (commit bbf1df8: the
//! keeper cranks `update_funding` `--funding-sample-secs` after the market's last *update*), by
//! a helper with no stake in it. Each test asserts the property that SHOULD hold, so a
//! successful attack makes it fail (marked `#[ignore = "open: …"]`); the doc comment says who
//! gains, who pays and how much.
//!
//! Market: SOL-PERP at 100 USD, 1 lot = 1 USDC at the oracle (a price of 1 000 000 lots = the
//! oracle), 5% band, funding at most 100 bps per 3 600 s, `funding_impact_lots` 10, taker fee
//! 5 bp, maker rebate 1 bp, oracle max age 60 s, every trader 1 000 USDC. The keeper is
//! replayed with `keel_client::cranks::funding_due` at its default 5 s cadence, ticking every
//! second.
//!
//! Found, and fixed: (1) `update_funding` is permissionless and was the event the keeper's
//! cadence counted from, so whoever sent it chose the keeper's phase (a payer sending it just
//! before the stretches where the book charged it pushed the keeper's samples into them); the
//! keeper now cranks on a grid fixed in Unix time (`keel_client::cranks::funding_due`), which an
//! update by anyone else only refines. (2) The crank divided the premium · depth accumulated at
//! a large (washed) depth by the small depth left at the crank, so open interest closed just
//! before each crank concentrated the interval's funding on the positions left; the crank now
//! divides by the larger of Σ depth · seconds and the depth at the crank times the elapsed time.
//! What stays is the keeper's resolution: a segment across a price change counts the smaller
//! premium of its two ends, so a trader sampling (any order, cancel or update) just before the
//! changes that hurt it makes those segments shorter than the keeper's cadence; it gains at
//! most one cadence of the premium per price change, and nothing at a 1 s cadence.

use anchor_lang::prelude::Pubkey;
use keel::instructions::markets::PerpMarketParams;
use keel::state::Side;
use keel_client::cranks::DEFAULT_FUNDING_SAMPLE_SECS;
use keel_tests::context::TestContext;
use keel_tests::funding_attacks::{advance_to, equity, index_per_lot, ioc, keeper_tick, keeper_tick_every, open, post_only, PLUS_1PCT};
use keel_tests::markets::{perp_params, sol_market_with_traders, with_params, T0};


/// Settles `account`'s funding in market `m` and returns the funding it has paid in total
/// (positive: paid, negative: received), quote native.
async fn funding_paid(t: &mut TestContext, m: u16, account: &Pubkey) -> i64 {
    t.settle_pnl(m, account).await.assert_ok();
    t.margin_account(account).await.perp(m).expect("position").cumulative_funding_native
}

/// The payer's own `update_funding` (permissionless) when at least a second has passed since
/// the last update; returns whether it was sent.
async fn payer_update(t: &mut TestContext, m: u16) -> bool {
    let now = t.now().await;
    let sendable = now > t.market(m).await.last_funding_ts;
    if sendable {
        t.update_funding(m).await.assert_ok();
    }
    sendable
}

/// FIXED (the payer set the keeper's phase with its own `update_funding`). The same scenario
/// as `test_funding_attacks3::a_payer_choosing_the_sample_times_cannot_erase_a_standing_premium`:
/// the payer `p` is long 100 against the honest short `h`; an honest maker's 10-lot bid at +1%
/// stands; the oracle repeats 100.00 for 20 s (the bid worth 9 495 a lot to a seller) and 100.95
/// for 10 s (worth nothing). Honest value 633 per lot an hour, 105.5 in the 600 s run; the
/// keeper alone counts 15 of each 20 s stretch, the floor 79.125 per lot. The payer sends
/// `update_funding` itself at +15 s and +29 s of each cycle. When the keeper's cadence counted
/// from the last update, the update at +29 put the keeper's first sample of the next stretch
/// at +4 and the one at +15 its next crank at +20 (the price change, zeroing +15…+20): each
/// stretch counted 11 s, the index moved 59.08 per lot and `h` received 5 908 native instead of
/// ≥ 7 912. On the keeper's fixed grid the payer's updates are two more samples (+15 is a grid
/// point, +29 splits a worthless segment): the index moves the floor, 79.12 per lot. Property:
/// the index moves at least the honest value less one keeper cadence per favourable stretch,
/// whoever sends `update_funding`.
#[tokio::test]
async fn a_payer_sending_update_funding_itself_cannot_erase_more_than_the_keepers_cadence() {
    let (mut t, m, traders) = sol_market_with_traders(3).await;
    let (p, h, maker) = (&traders[0], &traders[1], &traders[2]);
    open(&mut t, m, p, h, 100).await;
    t.place(maker, m, post_only(Side::Bid, PLUS_1PCT, 10)).await.assert_ok();
    let (mut cranks, mut payer_updates) = (0, 0);
    for time in T0 + 1..=T0 + 600 {
        let phase = (time - T0) % 30;
        let cents = if phase < 20 { 10_000 } else { 10_095 };
        advance_to(&mut t, m, time, cents).await;
        if matches!(phase, 15 | 29) {
            payer_updates += payer_update(&mut t, m).await as i32;
        }
        cranks += keeper_tick(&mut t, m).await as i32;
    }
    let moved = index_per_lot(&mut t, m).await;
    let cadence = DEFAULT_FUNDING_SAMPLE_SECS as f64;
    let floor = 949.5 * (20.0 - cadence) / 30.0 / 6.0;
    let h_got = -funding_paid(&mut t, m, &h.account).await;
    println!(
        "payer's own updates at +15/+29 ({payer_updates}), keeper every {cadence} s ({cranks} cranks): index {moved:.2} per lot in 600 s \
         (honest 105.5, floor {floor:.2}); h received {h_got}, floor {:.0}",
        floor * 100.0
    );
    assert!(moved >= floor - 0.01, "the payer's own update_funding cut 600 s to {moved:.2} per lot (honest 105.5, floor {floor:.2})");
}

/// One run of the alternating book: the oracle repeats 99.50 for 20 s and 100.50 for 20 s
/// against an honest maker's 1 000-lot bid at 999 900 and 1 000-lot ask at 1 000 100. At 99.50
/// the bid is worth 999 900 · 0.9995 − 995 000 = 4 400 a lot to a seller (longs pay); at 100.50
/// the ask is worth 1 005 000 − 1 000 100 · 1.0005 = 4 400 a lot to a buyer (shorts pay). `p`
/// is long 1 000 against the honest short `h`. With `attack`, `p` sends `update_funding` at
/// +15 s and +39 s of each 40 s cycle. Returns (index moved per lot, funding `h` paid, funding
/// `p` paid, payer updates, keeper cranks); the keeper runs `--funding-sample-secs
/// sample_secs`.
async fn alternating_book(attack: bool, sample_secs: u64) -> (f64, i64, i64, i32, i32) {
    let (mut t, m, traders) = sol_market_with_traders(3).await;
    let (p, h, maker) = (&traders[0], &traders[1], &traders[2]);
    open(&mut t, m, p, h, 1_000).await;
    t.place(maker, m, post_only(Side::Bid, 999_900, 1_000)).await.assert_ok();
    t.place(maker, m, post_only(Side::Ask, 1_000_100, 1_000)).await.assert_ok();
    let (mut cranks, mut payer_updates) = (0, 0);
    for time in T0 + 1..=T0 + 600 {
        let phase = (time - T0) % 40;
        let cents = if phase < 20 { 9_950 } else { 10_050 };
        advance_to(&mut t, m, time, cents).await;
        if attack && matches!(phase, 15 | 39) {
            payer_updates += payer_update(&mut t, m).await as i32;
        }
        cranks += keeper_tick_every(&mut t, m, sample_secs).await as i32;
    }
    let moved = index_per_lot(&mut t, m).await;
    let h_paid = funding_paid(&mut t, m, &h.account).await;
    let p_paid = funding_paid(&mut t, m, &p.account).await;
    t.assert_conserved().await;
    (moved, h_paid, p_paid, payer_updates, cranks)
}

/// BOUNDED BY THE KEEPER'S RESOLUTION (a payer timing its samples on a book whose premium
/// alternates sign). Book and path as in [`alternating_book`]: half of the time the bid is worth
/// 4 400 a lot to a seller (premium 1 000 · 4 400 / (1 000 · 995 000) = 44.2 bp an hour, longs
/// pay), half of the time the ask is worth the same to a buyer (shorts pay); each stretch of
/// either sign moves 1.222 per lot a second. Keeper alone (600 s, 120 cranks): the index moves
/// −6.10 per lot (the first stretch starts at the 100.00 listing price), `h` (short 1 000) pays
/// 6 105 native. The attacker `p` (long 1 000) sends `update_funding` at +15 s and +39 s of each
/// 40 s cycle. Before the fixed grid its +15 update moved the keeper's phase too and `h` paid
/// 147 883. Now +15 is a grid point and changes nothing; +39, the last second of the stretch
/// where `p` receives, splits the keeper's +35…+40 segment (which crosses the price change and
/// counts zero) so that 4 of its 5 s count: `h` pays 79 438, 73 333 more than with the keeper
/// alone — 15 price changes against `h`, each at most one cadence (5 s · 1.222 per lot · 1 000
/// lots = 6 110) — and the same with any order or cancel instead of an update. No rule over the
/// two prices a segment is read at can tell when inside it the oracle moved: the keeper's cadence
/// is the resolution, and the bound is one cadence of the premium per price change. Run at a
/// 1 s cadence (`--funding-sample-secs 1`), no segment can be split and the payer's timing gains
/// nothing. Properties: at the default cadence `h` pays at most the keeper-alone figure plus one
/// cadence of the premium per price change; at a 1 s cadence no more than the keeper alone.
#[tokio::test]
async fn a_payer_timing_its_samples_on_a_balanced_book_gains_at_most_one_keeper_cadence_per_price_change() {
    let (honest_moved, honest_h_paid, _, _, honest_cranks) = alternating_book(false, DEFAULT_FUNDING_SAMPLE_SECS).await;
    let (moved, h_paid, p_paid, payer_updates, cranks) = alternating_book(true, DEFAULT_FUNDING_SAMPLE_SECS).await;
    println!(
        "alternating book, 600 s: keeper alone ({honest_cranks} cranks) index {honest_moved:.2} per lot, h paid {honest_h_paid}; \
         with the payer's {payer_updates} updates ({cranks} keeper cranks) index {moved:.2} per lot, h paid {h_paid}, p paid {p_paid}"
    );
    let price_changes = 15;
    let one_cadence = DEFAULT_FUNDING_SAMPLE_SECS as i64 * 1_000 * 4_400 / 3_600;
    assert!(h_paid > honest_h_paid, "the payer's timing gained nothing: h paid {h_paid}");
    assert!(
        h_paid <= honest_h_paid + price_changes * one_cadence,
        "the payer's timing made the honest short pay {h_paid}, more than one cadence ({one_cadence}) per price change over {honest_h_paid}"
    );
    let (_, fine_honest, _, _, _) = alternating_book(false, 1).await;
    let (_, fine_attacked, _, _, fine_cranks) = alternating_book(true, 1).await;
    println!("at a 1 s cadence: keeper alone h paid {fine_honest}, with the payer's updates {fine_attacked} ({fine_cranks} keeper cranks)");
    assert!(
        fine_attacked <= fine_honest + fine_cranks as i64,
        "at a 1 s cadence the payer's timing still made the honest short pay {fine_attacked}, keeper alone {fine_honest}"
    );
}

/// One minute of wash open interest closed before each keeper crank: the honest `h` is long
/// 1 000 against the coalition's `f`; an honest maker's 9 000-lot bid at +0.1% (1 001 000, worth
/// 499.5 a lot to a seller: premium 0.04995% over any depth it covers) stands; the coalition's
/// `w1`/`w2` wash 8 000 lots at 1 001 100 (above the bid, so the honest bid is never hit) right
/// after each keeper crank and unwind them 4 s later, fills consumed each time. The market's
/// maker fee is set to `maker_fee_bps` first. Returns (funding `h` paid, the coalition's equity
/// change, the last rate in bp, keeper cranks).
async fn wash_closed_before_each_crank(maker_fee_bps: i16) -> (i64, i64, i64, i32) {
    let (mut t, m, traders) = sol_market_with_traders(5).await;
    let (h, f, w1, w2, maker) = (&traders[0], &traders[1], &traders[2], &traders[3], &traders[4]);
    t.update_market(m, with_params(PerpMarketParams { maker_fee_bps, ..perp_params() })).await.assert_ok();
    open(&mut t, m, h, f, 1_000).await;
    t.place(maker, m, post_only(Side::Bid, 1_001_000, 9_000)).await.assert_ok();
    let coalition = [f.account, w1.account, w2.account];
    let mut coalition_before = 0;
    for account in &coalition {
        coalition_before += equity(&mut t, account).await;
    }
    let (wash, wash_price) = (8_000, 1_001_100);
    // Open the wash at T0 (the market's last update is its listing, at T0).
    t.place(w2, m, post_only(Side::Ask, wash_price, wash)).await.assert_ok();
    t.place(w1, m, ioc(Side::Bid, wash_price, wash)).await.assert_ok();
    t.crank(m).await;
    let mut cranks = 0;
    for time in T0 + 1..=T0 + 60 {
        advance_to(&mut t, m, time, 10_000).await;
        let phase = (time - T0) % 5;
        if phase == 4 {
            t.place(w1, m, post_only(Side::Ask, wash_price, wash)).await.assert_ok();
            t.place(w2, m, ioc(Side::Bid, wash_price, wash)).await.assert_ok();
            t.crank(m).await;
        }
        cranks += keeper_tick(&mut t, m).await as i32;
        if phase == 0 && time < T0 + 60 {
            t.place(w2, m, post_only(Side::Ask, wash_price, wash)).await.assert_ok();
            t.place(w1, m, ioc(Side::Bid, wash_price, wash)).await.assert_ok();
            t.crank(m).await;
        }
    }
    assert_eq!(t.position_lots(&w1.account, m).await, 0);
    assert_eq!(t.position_lots(&w2.account, m).await, 0);
    let rate_bps = t.market(m).await.last_funding_rate_bps;
    let h_paid = funding_paid(&mut t, m, &h.account).await;
    let f_paid = funding_paid(&mut t, m, &f.account).await;
    let mut coalition_after = 0;
    for account in &coalition {
        coalition_after += equity(&mut t, account).await;
    }
    println!(
        "wash closed before each crank, maker fee {maker_fee_bps} bp: {cranks} cranks, last rate {rate_bps} bp (book premium 4.995 bp), \
         index {:.2} per lot; h paid {h_paid} (honest {HONEST_MINUTE}), f paid {f_paid}, coalition equity {:+}",
        index_per_lot(&mut t, m).await,
        coalition_after - coalition_before
    );
    t.assert_conserved().await;
    (h_paid, coalition_after - coalition_before, rate_bps, cranks)
}

/// What `h` pays in [`wash_closed_before_each_crank`]'s minute without the wash: depth 1 000,
/// the walk counts 1 000 lots of the bid, 499.5 · 1 000 · 60 / 3 600 quote native.
const HONEST_MINUTE: i64 = 8_325;

/// FIXED (griefing, and profitable on a market whose maker rebate equals its taker fee: open
/// interest closed just before each crank concentrated the crank's funding on the positions
/// left — the mirror image of `test_funding_attacks3`'s late-open-interest fix). See
/// [`wash_closed_before_each_crank`] at a 5 bp maker rebate (= the taker fee, allowed by the
/// listing bounds). Each 4 s segment with the wash is read over 9 000 lots of depth (premium
/// 0.04995% · 9 000 in the accumulator). When the crank 1 s later divided by the 1 000 lots
/// left, the rate came out (9 000 · 4 + 1 000 · 1) / (5 · 1 000) = 7.4× the premium, 36 bp an
/// hour where no book state ever showed more than 4.995 bp: `h` paid 61 605 native in the
/// minute instead of 8 325 and `f` received it all, the wash costing no fee. The crank now
/// divides by Σ depth · seconds = 37 000 lot-seconds (more than 1 000 · 5): the rate is the
/// depth-weighted average premium, 4 bp, and `h` pays 8 325. Property: `h` pays no more than the
/// book's premium over its own depth charges it (8 325 native, one rounding unit per crank of
/// slack), and no crank reports a rate above every premium the book showed.
#[tokio::test]
async fn open_interest_closed_before_the_crank_cannot_amplify_the_funding_of_the_positions_left() {
    let (h_paid, _, rate_bps, cranks) = wash_closed_before_each_crank(-5).await;
    assert!(
        h_paid <= HONEST_MINUTE + cranks as i64,
        "open interest closed before each crank made the honest long pay {h_paid} of funding, honest {HONEST_MINUTE}"
    );
    assert!(rate_bps <= 4, "the crank's rate {rate_bps} bp exceeds every premium the book showed (4.995 bp)");
}

/// The same wash at the tests' default fees (maker rebate 1 bp, taker fee 5 bp): before the fix
/// `h` still paid 61 605 native instead of 8 325 in the minute, the coalition losing ≈ 77 USDC
/// of fees for it. Now the wash moves nothing and only costs the coalition its fees (each cycle
/// 2 · 8 000 lots · 1.0011 USDC · 4 bp net ≈ 6.4 USDC). Property: `h` pays the honest figure
/// and the coalition's equity falls.
#[tokio::test]
async fn open_interest_closed_before_the_crank_moves_nothing_and_costs_the_coalition_its_fees_at_default_fees() {
    let (h_paid, coalition, _, cranks) = wash_closed_before_each_crank(-1).await;
    assert!(h_paid <= HONEST_MINUTE + cranks as i64, "the wash made the honest long pay {h_paid}, honest {HONEST_MINUTE}");
    assert!(coalition < 0, "the coalition's equity changed by {coalition}");
}
