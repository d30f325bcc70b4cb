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
//! Found: `update_funding` is permissionless and *is* the event the keeper's cadence counts
//! from, so whoever sends it chooses the keeper's phase. A payer that sends it twice per oracle
//! stretch — once in the last second before a stretch where the book charges it, once a cadence
//! before that stretch ends — makes the keeper's first sample land a cadence into the stretch
//! and its last sample land on the next price change, which `conservative()` zeroes: it erases
//! about two cadences per stretch where the README promises one, and on a book whose premium
//! alternates sign it keeps the stretches where it receives whole, so an honest counterparty
//! pays net funding where honest cranking moves none. Separately, the crank divides the
//! premium · depth accumulated at a large (washed) depth by a small depth at the crank, so open
//! interest closed just before each crank concentrates the interval's funding on the positions
//! left (the mirror image of the late-open-interest fix); free for the coalition only on a
//! market whose maker rebate equals its taker fee.

use anchor_lang::prelude::Pubkey;
use keel::instructions::markets::PerpMarketParams;
use keel::state::Side;
use keel_client::cranks::DEFAULT_FUNDING_SAMPLE_SECS;
use keel_tests::context::TestContext;
use keel_tests::funding_attacks::{advance_to, equity, index_per_lot, ioc, keeper_tick, open, post_only, PLUS_1PCT};
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

/// OPEN (the payer sets the keeper's phase with its own `update_funding`; README "Funding":
/// "an oracle stretch longer than two cadences is sampled inside it, and extra reads erase at
/// most the segments around each price change", `test_funding_attacks3`'s floor). The same
/// scenario as `a_payer_choosing_the_sample_times_cannot_erase_a_standing_premium`: the payer
/// `p` is long 100 against the honest short `h`; an honest maker's 10-lot bid at +1% stands;
/// the oracle repeats 100.00 for 20 s (the bid worth 9 495 a lot to a seller) and 100.95 for
/// 10 s (worth nothing). Honest value 633 per lot an hour, 105.5 in the 600 s run; the keeper
/// alone gets 15 of each 20 s stretch, the README's floor 79.125 per lot. Instead of price
/// reads the payer sends `update_funding` itself at +15 s and +29 s of each cycle (two
/// transactions per 30 s): the update at +29 (worthless, zero segment) puts the keeper's first
/// sample of the next stretch at +4 — the stretch's first 4 s are zeroed — and the update at +15
/// puts the keeper's next crank at +20, the price change, zeroing +15…+20. Each stretch counts
/// 11 s, not 15: the index moves 59.08 per lot (224 of 600 s) instead of ≥ 79.125 — `h` loses
/// 25% of what the README guarantees it (`h` receives 5 908 native instead of ≥ 7 912 in
/// 600 s; scales with the bid and the open interest), `p` saves it. Property: the index moves
/// at least the honest value less one keeper cadence per favourable stretch, whoever sends
/// `update_funding`.
#[tokio::test]
#[ignore = "open: a payer's own update_funding sets the keeper's phase and erases ~2 cadences per stretch, not 1"]
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
/// `p` paid, payer updates, keeper cranks).
async fn alternating_book(attack: bool) -> (f64, i64, i64, i32, i32) {
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
        cranks += keeper_tick(&mut t, m).await as i32;
    }
    let moved = index_per_lot(&mut t, m).await;
    let h_paid = funding_paid(&mut t, m, &h.account).await;
    let p_paid = funding_paid(&mut t, m, &p.account).await;
    t.assert_conserved().await;
    (moved, h_paid, p_paid, payer_updates, cranks)
}

/// OPEN (an honest trader PAYS: on a book whose premium alternates sign, the payer's own
/// `update_funding` keeps the stretches where it receives and erases most of those where it
/// pays). Book and path as in [`alternating_book`]: half of the time the bid is worth 4 400 a
/// lot to a seller (premium 1 000 · 4 400 / (1 000 · 995 000) = 44.2 bp an hour, longs pay),
/// half of the time the ask is worth the same to a buyer (shorts pay), so honest funding nets
/// out; each stretch of either sign moves 1.222 per lot a second. Keeper alone (600 s, 120
/// cranks): the index moves −6.10 per lot (only because the first stretch starts at the 100.00
/// listing price), `h` (short 1 000) pays 6 105 native. The attacker `p` (long 1 000) sends
/// `update_funding` at +15 s (a cadence before its paying stretch ends, so the keeper's next
/// crank lands on the price change and that segment counts zero) and at +39 s (the last second
/// of its receiving stretch: that stretch counts 19 s, and the keeper's first sample of the
/// next paying stretch lands 4 s in). Paying stretches count 11 s (10 in the first), receiving
/// ones 19 s: the index moves −147.88 per lot and `h` pays 147 883 native in 600 s — 141 778
/// more than with the keeper alone (≈ 0.85 USDC an hour; the quotes' one sweep is 4.4 USDC),
/// all of it to `p`, for 30 `update_funding` transactions (two per 40 s); linear in the quotes'
/// depth and the open interest. Property: whoever sends `update_funding`, the honest short pays
/// no more than the keeper's cranking alone would charge it (one rounding unit per crank of
/// slack).
#[tokio::test]
#[ignore = "open: a payer's own update_funding timing turns a balanced two-sided premium into net funding paid by an honest short"]
async fn a_payer_timing_update_funding_cannot_make_an_honest_short_pay_on_a_balanced_book() {
    let (honest_moved, honest_h_paid, _, _, honest_cranks) = alternating_book(false).await;
    let (moved, h_paid, p_paid, payer_updates, cranks) = alternating_book(true).await;
    println!(
        "alternating book, 600 s: keeper alone ({honest_cranks} cranks) index {honest_moved:.2} per lot, h paid {honest_h_paid}; \
         with the payer's {payer_updates} updates ({cranks} keeper cranks) index {moved:.2} per lot, h paid {h_paid}, p paid {p_paid}"
    );
    let slack = (cranks + payer_updates) as i64;
    assert!(
        h_paid <= honest_h_paid + slack,
        "the payer's update_funding timing made the honest short pay {h_paid} of funding, keeper alone {honest_h_paid}"
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

/// OPEN (griefing, and profitable on a market whose maker rebate equals its taker fee: open
/// interest closed just before each crank concentrates the crank's funding on the positions
/// left — the mirror image of `test_funding_attacks3`'s late-open-interest fix). See
/// [`wash_closed_before_each_crank`] at a 5 bp maker rebate (= the taker fee, allowed by the
/// listing bounds). Each 4 s segment with the wash is read over 9 000 lots of depth (premium
/// 0.04995% · 9 000 in the accumulator); the crank 1 s later divides by the 1 000 lots left —
/// rate (9 000 · 4 + 1 000 · 1) / (5 · 1 000) = 7.4× the premium, 36 bp an hour where no book
/// state ever showed more than 4.995 bp. `h` pays 61 605 native in the minute instead of
/// 8 325 (+53 280, ≈ 3.2 USDC an hour, linear in the wash up to the bid's depth and the 100 bp
/// clamp); `f` receives it all and the coalition's equity rises by exactly 61 605: at rebate =
/// taker fee the wash costs no fee, `w1`/`w2` hold nothing at any crank, so only four
/// transactions per 5 s are spent. (At the tests' default −1/+5 bp the same wash costs the
/// coalition 6.4 USDC per cycle, ~1 400× the damage: see the next test.) The crank's rate is
/// not an average of what the book showed over the interval: dividing by the depth at the
/// crank lets open interest that left amplify it. Property: `h` pays no more than the book's
/// premium over its own depth charges it (8 325 native, one rounding unit per crank of slack).
#[tokio::test]
#[ignore = "open: wash OI closed before each crank amplifies the rate on the OI left (7.4x), free when maker rebate = taker fee"]
async fn open_interest_closed_before_the_crank_cannot_amplify_the_funding_of_the_positions_left() {
    let (h_paid, _, rate_bps, cranks) = wash_closed_before_each_crank(-5).await;
    assert!(
        h_paid <= HONEST_MINUTE + cranks as i64,
        "open interest closed before each crank made the honest long pay {h_paid} of funding, honest {HONEST_MINUTE}"
    );
    assert!(rate_bps <= 4, "the crank's rate {rate_bps} bp exceeds every premium the book showed (4.995 bp)");
}

/// DEFENDED BY FEES (the same attack at the tests' default fees, maker rebate 1 bp, taker fee
/// 5 bp): `h` still pays 61 605 native instead of 8 325 in the minute, but each wash cycle
/// costs the coalition 2 · 8 000 lots · 1.0011 USDC · 4 bp net ≈ 6.4 USDC (insurance and the
/// protocol take it), so the coalition's equity falls by ≈ 77 USDC for 53 280 native of damage.
/// Property asserted: at fees with a net take (taker fee above the maker rebate) the coalition
/// loses more than the honest long overpays.
#[tokio::test]
async fn open_interest_closed_before_the_crank_costs_the_coalition_more_than_it_moves_at_default_fees() {
    let (h_paid, coalition, _, _) = wash_closed_before_each_crank(-1).await;
    let overpaid = h_paid - HONEST_MINUTE;
    assert!(overpaid > 0, "no amplification at default fees: h paid {h_paid}");
    assert!(coalition < -overpaid, "the coalition's equity changed by {coalition} while h overpaid {overpaid}");
}
