//! Adversarial review of commit 2ea7ec8 (the crank divides `Σ premium · depth · seconds` by
//! `max(Σ depth · seconds, elapsed · depth now)`; the keeper cranks on a grid fixed in Unix
//! time), by a helper with no stake in it. Each test asserts the property that should hold (the
//! two found open failed on the program as reviewed and pass with the fixes); the doc comment
//! says who gained, who paid and how much.
//!
//! Market: SOL-PERP at 100 USD, 1 lot = 1 USDC at the oracle (1 000 000 price lots), 5% band,
//! funding at most 100 bps per 3 600 s, `funding_impact_lots` 10, taker fee 5 bp, oracle max
//! age 60 s, every trader 1 000 USDC; the keeper replayed with `funding_due` at its default 5 s
//! cadence, ticking every second (its `update_funding` may fail while the oracle is stale).
//!
//! Tried: (1) segments priced against a price older than the oracle's maximum age — a cancel
//! without the oracle counts the seconds within `oracle_max_age_secs` of the last *read*, and a
//! read accepts a price published up to that age before it (FIXED: the market records the
//! price's publish time). (2) Overflow of the new
//! `Σ depth · seconds` after a long keeper outage at the largest depth the test market can have
//! (defended: 1.7e20 lot-seconds of headroom) and a `funding_impact_lots` the listing bounds
//! accept at which the premium itself overflows (FIXED: `update_funding` then counts a zero
//! premium instead of failing). (3) Two cranks in one second and samples in the crank's own second (defended: they
//! add nothing to either accumulator). Also weighed, no test: wash open interest opened before
//! a crank and closed after it in one transaction weighs zero seconds in `Σ depth · seconds` but
//! dilutes through `elapsed · depth now` like a wash held for the whole window — the accepted
//! wash limit, at no holding cost; depth removed without a sample (`consume_fills` of a
//! closing maker fill, `liquidate_perp` against an opposite liquidator) reprices the open
//! segment at the depth left, at most the premium the book shows over that depth.

use anchor_lang::prelude::Pubkey;
use keel::error::KeelError;
use keel::instructions::markets::{CancelTarget, PerpMarketParams};
use keel::math::Fixed;
use keel::state::Side;
use keel_client::cranks::{funding_due, DEFAULT_FUNDING_SAMPLE_SECS};
use keel_tests::context::TestContext;
use keel_tests::funding_attacks::{advance_to, index_per_lot, keeper_tick, open, post_only, PLUS_1PCT};
use keel_tests::markets::{perp_params, sol_market_with_traders, with_params, T0};

/// Settles `account`'s funding in market `m` and returns the funding it has paid in total
/// (positive: paid, negative: received), quote native.
async fn funding_paid(t: &mut TestContext, m: u16, account: &Pubkey) -> i64 {
    t.settle_pnl(m, account).await.assert_ok();
    t.margin_account(account).await.perp(m).expect("position").cumulative_funding_native
}

/// The keeper's funding crank at the current time when due, as `app/keeper` sends it: the
/// transaction may fail (a stale oracle). Returns whether an update landed.
async fn keeper_try(t: &mut TestContext, m: u16) -> bool {
    let now = t.now().await;
    if !funding_due(&t.market(m).await, now, DEFAULT_FUNDING_SAMPLE_SECS) {
        return false;
    }
    t.update_funding(m).await.result.is_ok()
}

/// One oracle outage. `p` (honest) is long 100 against the receiver `r`; an honest maker's
/// 10-lot bid at +1% stands (worth 9 495 a lot to a seller at 100.00: premium 10 · 9 495 /
/// (100 · 1 000 000) = 9.495 bp, the index moving 0.26375 per lot a second). The oracle
/// publishes 100.00 every second up to +100 s, then nothing until +300 s, then 100.95 every
/// second to +360 s (the bid is worth nothing there). With `cancel_at`, `r` cancels (nothing)
/// without passing the oracle at that time. Returns (index moved per lot, funding `p` paid,
/// last update before the outage ended, keeper updates landed).
async fn outage(cancel_at: Option<i64>) -> (f64, i64, i64, i32) {
    let (mut t, m, traders) = sol_market_with_traders(3).await;
    let (p, r, maker) = (&traders[0], &traders[1], &traders[2]);
    open(&mut t, m, p, r, 100).await;
    t.place(maker, m, post_only(Side::Bid, PLUS_1PCT, 10)).await.assert_ok();
    let (mut landed, mut last_before_recovery) = (0, 0);
    for time in T0 + 1..=T0 + 360 {
        match time - T0 {
            ..=100 => advance_to(&mut t, m, time, 10_000).await,
            101..=300 => t.set_time(time).await,
            _ => advance_to(&mut t, m, time, 10_095).await,
        }
        if cancel_at == Some(time - T0) {
            t.cancel_without_price(r, m, CancelTarget::All).await.assert_ok();
        }
        landed += keeper_try(&mut t, m).await as i32;
        if time - T0 == 300 {
            last_before_recovery = t.market(m).await.last_funding_ts - T0;
        }
    }
    let moved = index_per_lot(&mut t, m).await;
    let p_paid = funding_paid(&mut t, m, &p.account).await;
    t.assert_conserved().await;
    (moved, p_paid, last_before_recovery, landed)
}

/// FIXED (a receiver priced the book against a price older than the oracle's maximum age: one
/// cancel without the oracle during an outage). See [`outage`]. The last price, 100.00, is
/// published at +100 s; `update_funding` accepts it until it is 60 s old, so the keeper's last
/// update lands at +160 s, and that update records +160 s as the market's last price *read*.
/// A cancel without the oracle counts the seconds within the oracle's maximum age of that read
/// — to +220 s, when the price is 120 s old — at 100.00 at both ends of its segment, so the
/// both-ends rule (which zeroes the outage at the recovery, the bid being worth nothing at
/// 100.95) never applies to them. Keeper alone: the index moves 42.20 per lot (the 160 s the
/// price was valid) and `p` pays 4 220 native. With `r`'s one cancel at +299 s (any time after
/// +220 s does the same): 58.18 per lot, `p` pays 5 818 — 15.98 per lot more, 60 s of the
/// premium (at the recovery price, 1.0095 × 60 × 0.26375), 12 keeper cadences from one price
/// change (the accepted bound is one cadence per price change), and the gain is the
/// oracle's maximum age whatever it is (up to 3 600 s by the listing bounds). `r` gains what
/// `p` pays. The same with `liquidation_cancel_orders`, which never reads a price. The window
/// counted from the read, not from the price's `publish_time`; the market now records the
/// publish time as `last_oracle_ts`, and the cancel counts nothing past +160 s: 42.20 per lot,
/// `p` pays 4 220 as with the keeper alone. Property: one cancel without the oracle during an
/// outage moves the index at most one keeper cadence of the premium more than the keeper alone.
#[tokio::test]
async fn a_cancel_without_the_oracle_never_prices_the_book_against_a_price_older_than_its_maximum_age() {
    let (honest, honest_paid, honest_last, honest_landed) = outage(None).await;
    let (attacked, attacked_paid, attacked_last, attacked_landed) = outage(Some(299)).await;
    println!(
        "outage +100…+300 s: keeper alone ({honest_landed} updates, last before recovery at +{honest_last} s) index {honest:.2} per lot, \
         p paid {honest_paid}; with r's cancel without the oracle at +299 s ({attacked_landed} updates, last at +{attacked_last} s) \
         index {attacked:.2} per lot, p paid {attacked_paid}"
    );
    let per_second = 949.5 / 3_600.0;
    let one_cadence = DEFAULT_FUNDING_SAMPLE_SECS as f64 * per_second;
    assert!((honest - 160.0 * per_second).abs() < 0.05, "the keeper alone moved {honest:.2} per lot, expected the 160 s the price was valid");
    assert!(
        attacked <= honest + one_cadence + 0.01,
        "one cancel without the oracle moved the index {attacked:.2} per lot, {:.2} more than the keeper alone ({:.1} s of premium, one cadence is {} s)",
        attacked - honest,
        (attacked - honest) / per_second,
        DEFAULT_FUNDING_SAMPLE_SECS
    );
}

/// DEFENDED (overflow of `Σ depth · seconds`: could anyone make a cancel or the crank fail?).
/// Every sample adds `depth · seconds` as a `Fixed` (10^18 raw per lot-second, i128), and only
/// `update_funding` clears it, so it overflows at 1.7·10^20 lot-seconds without an update —
/// after which every sample (orders, cancels, liquidation cancels and the crank itself) would
/// fail for good. Depth is at most the open-interest cap: here `funding_impact_lots` is raised
/// to the cap (1 000 000 lots, the deepest this market can be read), the keeper stops for 30
/// days (the oracle stale throughout, so `update_funding` could not have run), the book is
/// sampled by a cancel without the oracle, then the oracle returns: the cancel and the crank
/// succeed, the accumulator at 2.6·10^12 lot-seconds (10^8 times below the limit). Reaching it
/// takes depth × outage ≥ 1.7·10^20, e.g. 10^15 lots for two days: no listing in this repository
/// is near (the localnet SOL market's lot is 0.01 SOL). Property: a month without an update at
/// the deepest book leaves cancels and the crank working.
#[tokio::test]
async fn a_month_without_update_funding_at_the_deepest_book_leaves_cancels_and_the_crank_working() {
    let (mut t, m, traders) = sol_market_with_traders(2).await;
    let (p, r) = (&traders[0], &traders[1]);
    let cap = perp_params().open_interest_cap_lots;
    t.update_market(m, with_params(PerpMarketParams { funding_impact_lots: cap, ..perp_params() })).await.assert_ok();
    open(&mut t, m, p, r, 100).await;
    t.place(r, m, post_only(Side::Bid, PLUS_1PCT, 10)).await.assert_ok();
    let month = 30 * 86_400;
    t.set_time(T0 + month).await;
    t.update_funding(m).await.assert_error(KeelError::OracleStale);
    t.cancel_without_price(r, m, CancelTarget::All).await.assert_ok();
    let depth_seconds = t.market(m).await.depth_accumulator();
    advance_to(&mut t, m, T0 + month + 1, 10_000).await;
    t.update_funding(m).await.assert_ok();
    println!("after {month} s without an update at depth {cap}: Σ depth · seconds {:.3e} lot-seconds (limit 1.7e20)", depth_seconds.raw() as f64 / 1e18);
    assert_eq!(depth_seconds, Fixed::from_i64(cap).mul_int(month).unwrap());
    t.place(p, m, post_only(Side::Bid, 990_000, 10)).await.assert_ok();
    t.cancel(p, m, CancelTarget::All).await.assert_ok();
}

/// FIXED (admin configuration, low severity; the premium's arithmetic, not the new accumulator).
/// The listing bounds take any `funding_impact_lots` up to the open-interest cap, and any cap.
/// The premium divides by `oracle lots · depth · 10 000` as a `Fixed` (10^18 raw), which
/// overflows i128 once `price lots · depth` exceeds 1.7·10^16 — here at 1.7·10^10 lots (a notional
/// of 17 billion USDC at 1 USDC a lot). With cap = impact = 2·10^10 (accepted), every
/// `update_funding` fails with `MathOverflow`: the funding index never moves again while
/// cancels keep working (their samples count the failing premium as zero). The same happens to
/// any market whose open interest reaches that depth. Now a premium whose arithmetic overflows
/// counts zero at the crank as in a sample (the market creates no funding at that depth, like a
/// market without an impact size) and the crank succeeds. Property: every market the bounds
/// accept can be cranked.
#[tokio::test]
async fn every_funding_depth_the_listing_bounds_accept_can_be_cranked() {
    let (mut t, m, traders) = sol_market_with_traders(2).await;
    let (p, r) = (&traders[0], &traders[1]);
    let depth = 20_000_000_000;
    let params = PerpMarketParams { funding_impact_lots: depth, open_interest_cap_lots: depth, ..perp_params() };
    t.update_market(m, with_params(params)).await.assert_ok();
    open(&mut t, m, p, r, 100).await;
    advance_to(&mut t, m, T0 + 5, 10_000).await;
    t.cancel(r, m, CancelTarget::All).await.assert_ok();
    let crank = t.update_funding(m).await;
    println!("funding_impact_lots {depth} (accepted): update_funding error code {:?}", crank.error_code());
    crank.assert_ok();
}

/// DEFENDED (two cranks in one second; samples in the crank's own second). A second
/// `update_funding` in the second of the first is refused (`FundingNotDue`), and an order
/// placed and cancelled in that second, before or after the crank, stands 0 s: both
/// accumulators stay at zero and the keeper's next point is unchanged, so neither a second crank
/// nor a quote flashed around one moves the index. Property: after a crank, nothing in the same
/// second adds to `Σ premium · depth · seconds` or `Σ depth · seconds`.
#[tokio::test]
async fn nothing_sent_in_the_cranks_own_second_adds_to_either_accumulator() {
    let (mut t, m, traders) = sol_market_with_traders(3).await;
    let (p, r, maker) = (&traders[0], &traders[1], &traders[2]);
    open(&mut t, m, p, r, 100).await;
    for time in T0 + 1..=T0 + 5 {
        advance_to(&mut t, m, time, 10_000).await;
        keeper_tick(&mut t, m).await;
    }
    assert_eq!(t.market(m).await.last_funding_ts, T0 + 5);
    t.place(maker, m, post_only(Side::Bid, PLUS_1PCT, 10)).await.assert_ok();
    t.update_funding(m).await.assert_error(KeelError::FundingNotDue);
    t.cancel_without_price(maker, m, CancelTarget::All).await.assert_ok();
    t.place(maker, m, post_only(Side::Bid, PLUS_1PCT, 10)).await.assert_ok();
    t.cancel(maker, m, CancelTarget::All).await.assert_ok();
    let market = t.market(m).await;
    assert_eq!(market.premium_accumulator(), Fixed::ZERO, "a quote flashed in the crank's second weighed");
    assert_eq!(market.depth_accumulator(), Fixed::ZERO, "a sample in the crank's second added depth-seconds");
    let before = index_per_lot(&mut t, m).await;
    for time in T0 + 6..=T0 + 10 {
        advance_to(&mut t, m, time, 10_000).await;
        keeper_tick(&mut t, m).await;
    }
    let moved = index_per_lot(&mut t, m).await - before;
    println!("the quote flashed in the crank's second moved the index {moved} per lot over the next 5 s");
    assert_eq!(moved, 0.0);
}
