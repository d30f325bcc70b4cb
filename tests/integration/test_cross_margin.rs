//! Cross margin with hand-computed numbers: one account long SOL and short ETH against the same
//! trades in two isolated accounts, the Init refusal of a trade (with its log), resting orders
//! reserved at their worst side (every resting lot at its side's worst price, never better than
//! the oracle), risk-reducing trades below Init, the liquidation price of the health view,
//! non-quote collateral backing perps, and the client's report against the view.
//!
//! Market parameters (`perp_params`): Init margin 10%, Maint 5%, positive PnL at 80% for Init,
//! taker fee 5 bp, maker rebate 1 bp. Oracles have no confidence, so Init prices are the oracle.
//! Lots of 0.01 base; a price of 1 000 000 lots is 100 USD per whole SOL (quote native per lot).

use keel::error::KeelError;
use keel::instructions::risk::{HealthLine, HealthReport};
use keel::state::Side;
use keel_tests::context::{volatile_params, TestContext};
use keel::instructions::markets::{CancelTarget, OrderType};
use keel_tests::markets::{limit, order, usd, T0};
use keel_tests::oracles::PriceSpec;
use keel_tests::traders::Trader;

/// A trader holding `usdc` quote native in the margin account.
async fn funded(t: &mut TestContext, usdc: u64) -> Trader {
    let trader = t.trader(&[usdc]).await;
    t.deposit(&trader, 0, usdc).await.assert_ok();
    trader
}

/// The program's health view of `trader`.
async fn report(t: &mut TestContext, trader: &Trader) -> HealthReport {
    t.health_view(&trader.account).await.assert_ok().returned()
}

/// A health line from its components.
fn line(assets: i64, liabilities: i64, perp_pnl: i64, perp_requirements: i64) -> HealthLine {
    HealthLine { assets, liabilities, perp_pnl, perp_requirements, health: assets - liabilities + perp_pnl - perp_requirements }
}

/// `(base_lots, quote_native, bids_base_lots, bids_quote_native)` of `trader` in market `m`.
async fn position(t: &mut TestContext, trader: &Trader, m: u16) -> (i64, i64, i64, i64) {
    let account = t.margin_account(&trader.account).await;
    let p = account.perp(m).expect("position");
    (p.base_lots, p.quote_native, p.bids_base_lots, p.bids_quote_native)
}

/// SOL-PERP at 100 USD and ETH-PERP at 200 USD (2 000 000 lots), and a market maker with
/// 1 000 000 USDC.
async fn two_markets() -> (TestContext, u16, u16, Trader) {
    let mut t = TestContext::new().await;
    let sol = t.add_market("SOL", 9, 10_000_000, 1, usd(100, T0)).await;
    let eth = t.add_market("ETH", 9, 10_000_000, 1, usd(200, T0)).await;
    let mm = funded(&mut t, 1_000_000_000_000).await;
    (t, sol, eth, mm)
}

/// Test 1's accounts, traded and cranked at 100 / 200 USD: `long_only` (15 USDC) long 1 SOL,
/// `short_only` (30 USDC) short 0.5 ETH, `both` (45 USDC, the sum) with both positions.
/// Each leg is 100 USDC of notional: taker fee 0.05 USDC per leg.
struct Hedge {
    t: TestContext,
    sol: u16,
    eth: u16,
    mm: Trader,
    long_only: Trader,
    short_only: Trader,
    both: Trader,
}

async fn hedge() -> Hedge {
    let (mut t, sol, eth, mm) = two_markets().await;
    let long_only = funded(&mut t, 15_000_000).await;
    let short_only = funded(&mut t, 30_000_000).await;
    let both = funded(&mut t, 45_000_000).await;
    t.place(&mm, sol, limit(Side::Ask, 1_000_000, 200)).await.assert_ok();
    t.place(&mm, eth, limit(Side::Bid, 2_000_000, 100)).await.assert_ok();
    for trader in [&long_only, &both] {
        t.place(trader, sol, limit(Side::Bid, 1_000_000, 100)).await.assert_ok();
    }
    for trader in [&short_only, &both] {
        t.place(trader, eth, limit(Side::Ask, 2_000_000, 50)).await.assert_ok();
    }
    assert_eq!((t.crank(sol).await, t.crank(eth).await), (2, 2));
    Hedge { t, sol, eth, mm, long_only, short_only, both }
}

/// Both prices up 20%: SOL 120 USD, ETH 240 USD.
fn move_up_20_percent(h: &mut Hedge) {
    h.t.set_market_price(h.sol, usd(120, T0));
    h.t.set_market_price(h.eth, usd(240, T0));
}

#[tokio::test]
async fn combined_long_short_account_needs_less_collateral_than_two_isolated_accounts() {
    let mut h = hedge().await;
    move_up_20_percent(&mut h);
    let t = &mut h.t;
    // Long 1 SOL bought at 100, now 120: PnL +20, Init-weighted 16; requirement 120·10% = 12
    // (Maint 120·5% = 6). Balance 15 − 0.05 = 14.95.
    // Init 14.95 + 16 − 12 = 18.95 ;  Maint 14.95 + 20 − 6 = 28.95.
    let long = report(t, &h.long_only).await;
    assert_eq!(long.init, line(14_950_000, 0, 16_000_000, 12_000_000));
    assert_eq!(long.maint, line(14_950_000, 0, 20_000_000, 6_000_000));
    assert_eq!((long.init.health, long.maint.health), (18_950_000, 28_950_000));
    // Short 0.5 ETH sold at 200, now 240: PnL −20 (counted in full); requirement 0.5·240·10% = 12
    // (Maint 6). Balance 29.95.  Init 29.95 − 20 − 12 = −2.05 < 0 ;  Maint 29.95 − 20 − 6 = 3.95.
    let short = report(t, &h.short_only).await;
    assert_eq!(short.init, line(29_950_000, 0, -20_000_000, 12_000_000));
    assert_eq!(short.maint, line(29_950_000, 0, -20_000_000, 6_000_000));
    assert_eq!((short.init.health, short.maint.health), (-2_050_000, 3_950_000));
    // The isolated short can withdraw nothing; the long account's 4 USDC surplus cannot help it.
    let refused = t.withdraw(&h.short_only, 0, 1).await;
    refused.assert_error(KeelError::InitHealthNegative);
    assert!(refused.logged("withdraw: init health would be -2050001"), "{:#?}", refused.logs);

    // One account, same 45 USDC: balance 44.9; Init 44.9 + 16 − 20 − 24 = 16.9 ;
    // Maint 44.9 + 20 − 20 − 12 = 32.9. Exactly the sum of the two isolated healths.
    let combined = report(t, &h.both).await;
    assert_eq!(combined.init, line(44_900_000, 0, -4_000_000, 24_000_000));
    assert_eq!(combined.maint, line(44_900_000, 0, 0, 12_000_000));
    assert_eq!(combined.init.health, long.init.health + short.init.health);
    assert_eq!(combined.init.health, 16_900_000);

    // The least balance each isolated account needs for Init ≥ 0 is max(0, requirement − weighted
    // PnL): long max(0, 12 − 16) = 0 (its 4 USDC surplus is stranded), short 12 + 20 = 32.
    let need = |r: &HealthReport| (r.init.perp_requirements - r.init.perp_pnl).max(0);
    let isolated_need = need(&long) + need(&short);
    assert_eq!((need(&long), need(&short), isolated_need), (0, 32_000_000, 32_000_000));

    // The combined account withdraws W = 16.9 USDC and keeps 28 USDC < 32 USDC, at Init exactly 0.
    t.withdraw(&h.both, 0, 16_900_000).await.assert_ok();
    let left = t.balance(&h.both.account, 0).await;
    assert_eq!(left, 28_000_000);
    assert!(left < isolated_need);
    let after = report(t, &h.both).await;
    assert_eq!(after.init, line(28_000_000, 0, -4_000_000, 24_000_000));
    assert_eq!((after.init.health, after.maint.health), (0, 16_000_000));
    // Not one native unit more.
    let refused = t.withdraw(&h.both, 0, 1).await;
    refused.assert_error(KeelError::InitHealthNegative);
    assert!(refused.logged("withdraw: init health would be -1 "), "{:#?}", refused.logs);
}

#[tokio::test]
async fn order_breaking_init_health_is_refused_with_numbers_and_changes_nothing() {
    let mut h = hedge().await;
    move_up_20_percent(&mut h);
    let t = &mut h.t;
    t.withdraw(&h.both, 0, 16_900_000).await.assert_ok(); // Init health now exactly 0 (test 1)
    t.place(&h.mm, h.sol, limit(Side::Ask, 1_200_000, 10)).await.assert_ok();
    let sol_before = position(t, &h.both, h.sol).await;
    let eth_before = position(t, &h.both, h.eth).await;
    let both_bytes = t.account_data(&h.both.account).await;
    let mm_bytes = t.account_data(&h.mm.account).await;
    let (fees_before, insurance_before) = { let m = t.market(h.sol).await; (m.fees_accrued, m.insurance_fees_booked) };

    // Buying 0.1 SOL more at 120: notional 12, fee 0.006 → balance 27.994. SOL leg 1.1 SOL for
    // 112: PnL 132 − 112 = 20 → 16 weighted; ETH PnL −20. Requirements 13.2 + 12 = 25.2.
    // Init 27.994 − 4 − 25.2 = −1.206.
    let refused = t.place(&h.both, h.sol, limit(Side::Bid, 1_200_000, 10)).await;
    refused.assert_error(KeelError::InitHealthNegative);
    assert!(
        refused.logged("place_order: init health would be -1206000 (weighted assets 27994000, weighted liabilities 0, perp pnl -4000000, perp requirements 25200000; quote native)"),
        "{:#?}",
        refused.logs
    );
    assert_eq!(position(t, &h.both, h.sol).await, sol_before);
    assert_eq!(position(t, &h.both, h.eth).await, eth_before);
    assert_eq!(sol_before, (100, -100_000_000, 0, 0));
    assert_eq!(t.balance(&h.both.account, 0).await, 28_000_000);
    assert_eq!(t.account_data(&h.both.account).await, both_bytes, "the account is byte-for-byte unchanged");
    assert_eq!(t.account_data(&h.mm.account).await, mm_bytes);
    let book = t.book(h.sol).await;
    let best = book.best(Side::Ask).expect("the maker's ask still rests");
    assert_eq!((best.price_lots, best.base_lots), (1_200_000, 10));
    assert_eq!(t.fill_queue(h.sol).await.count, 0);
    let market = t.market(h.sol).await;
    assert_eq!((market.fees_accrued, market.insurance_fees_booked), (fees_before, insurance_before));
    assert_eq!(report(t, &h.both).await.init.health, 0);
}

#[tokio::test]
async fn resting_bid_reserves_margin_as_if_filled_and_the_fill_never_undermargins() {
    let (mut t, sol, _, mm) = two_markets().await;
    let trader = funded(&mut t, 10_000_000).await;
    // A bid for 0.6 SOL at 102 (oracle 100) rests: reserved as if filled, 0.6 SOL for 61.2.
    t.place(&trader, sol, limit(Side::Bid, 1_020_000, 60)).await.assert_ok();
    assert_eq!(position(&mut t, &trader, sol).await, (0, 0, 60, 61_200_000));
    // Filled scenario: PnL 60 − 61.2 = −1.2; requirement 0.6·100·10% = 6 (Maint 3).
    // Init 10 − 1.2 − 6 = 2.8 ; Maint 10 − 1.2 − 3 = 5.8.
    let reserved = report(&mut t, &trader).await;
    assert_eq!(reserved.init, line(10_000_000, 0, -1_200_000, 6_000_000));
    assert_eq!(reserved.maint, line(10_000_000, 0, -1_200_000, 3_000_000));
    assert_eq!(reserved.init.health, 2_800_000);
    assert_eq!(reserved.perps[0].base_lots, 0);

    // 0.3 SOL more at 102: 0.9 SOL for 91.8 → PnL −1.8, requirement 9: Init 10 − 1.8 − 9 = −0.8.
    let refused = t.place(&trader, sol, limit(Side::Bid, 1_020_000, 30)).await;
    refused.assert_error(KeelError::InitHealthNegative);
    assert!(
        refused.logged("place_order: init health would be -800000 (weighted assets 10000000, weighted liabilities 0, perp pnl -1800000, perp requirements 9000000; quote native)"),
        "{:#?}",
        refused.logs
    );
    assert_eq!(position(&mut t, &trader, sol).await, (0, 0, 60, 61_200_000));

    // The market maker sells into the bid; the crank applies the maker's side: 60 lots for 61.2
    // and a 1 bp rebate of 61.2 = 0.00612 USDC.
    t.place(&mm, sol, limit(Side::Ask, 1_020_000, 60)).await.assert_ok();
    assert_eq!(t.crank(sol).await, 1);
    assert_eq!(position(&mut t, &trader, sol).await, (60, -61_200_000, 0, 0));
    assert_eq!(t.balance(&trader.account, 0).await, 10_006_120);
    // Same PnL and requirement as reserved; health only gains the rebate: 2.8 + 0.00612.
    let filled = report(&mut t, &trader).await;
    assert_eq!(filled.init, line(10_006_120, 0, -1_200_000, 6_000_000));
    assert_eq!(filled.init.health, reserved.init.health + 6_120);
    assert_eq!(filled.maint.health, reserved.maint.health + 6_120);
}

#[tokio::test]
async fn risk_reducing_trade_is_allowed_while_init_health_is_negative() {
    let (mut t, sol, _, mm) = two_markets().await;
    let trader = funded(&mut t, 15_000_000).await;
    t.place(&mm, sol, limit(Side::Ask, 1_000_000, 100)).await.assert_ok();
    t.place(&trader, sol, limit(Side::Bid, 1_000_000, 100)).await.assert_ok();
    t.crank(sol).await;
    t.set_market_price(sol, usd(92, T0));
    // Long 1 SOL for 100, now 92: PnL −8; requirement 9.2 (Maint 4.6); balance 14.95.
    // Init 14.95 − 8 − 9.2 = −2.25 < 0 ;  Maint 14.95 − 8 − 4.6 = 2.35 > 0.
    let before = report(&mut t, &trader).await;
    assert_eq!(before.init, line(14_950_000, 0, -8_000_000, 9_200_000));
    assert_eq!(before.maint, line(14_950_000, 0, -8_000_000, 4_600_000));
    assert_eq!((before.init.health, before.maint.health), (-2_250_000, 2_350_000));

    // Below Init the account may only take liquidity: a resting bid is refused outright.
    t.place(&trader, sol, limit(Side::Bid, 920_000, 10)).await.assert_error(KeelError::DistressedOrderMustNotRest);
    // Risk-increasing: buying 0.1 SOL at 92 (fee 0.0046) makes 1.1 SOL for 109.2: PnL −8,
    // requirement 10.12 → Init 14.9454 − 8 − 10.12 = −3.1746, worse than before: refused.
    t.place(&mm, sol, limit(Side::Ask, 920_000, 10)).await.assert_ok();
    let refused = t.place(&trader, sol, order(OrderType::ImmediateOrCancel, Side::Bid, 920_000, 10)).await;
    refused.assert_error(KeelError::InitHealthNegative);
    assert!(
        refused.logged("place_order: init health would be -3174600 (weighted assets 14945400, weighted liabilities 0, perp pnl -8000000, perp requirements 10120000; quote native)"),
        "{:#?}",
        refused.logs
    );
    t.cancel(&mm, sol, CancelTarget::All).await.assert_ok();
    assert_eq!(position(&mut t, &trader, sol).await, (100, -100_000_000, 0, 0));

    // Risk-reducing: sell 0.2 SOL at 92 into the maker's bid (immediate-or-cancel, within the
    // liquidation discount of the oracle).
    // Realised (92 − 100)·0.2 = −1.6; fee 5 bp of 18.4 = 0.0092 → balance 13.3408.
    // Left 0.8 SOL for 80: PnL 73.6 − 80 = −6.4; requirement 7.36 (Maint 3.68).
    // Init 13.3408 − 6.4 − 7.36 = −0.4192: still negative, but better than −2.25, so allowed.
    t.place(&mm, sol, limit(Side::Bid, 920_000, 20)).await.assert_ok();
    t.place(&trader, sol, order(OrderType::ImmediateOrCancel, Side::Ask, 920_000, 20)).await.assert_ok();
    assert_eq!(position(&mut t, &trader, sol).await, (80, -80_000_000, 0, 0));
    assert_eq!(t.balance(&trader.account, 0).await, 13_340_800);
    let after = report(&mut t, &trader).await;
    assert_eq!(after.init, line(13_340_800, 0, -6_400_000, 7_360_000));
    assert_eq!(after.maint, line(13_340_800, 0, -6_400_000, 3_680_000));
    assert_eq!((after.init.health, after.maint.health), (-419_200, 3_260_800));
    assert!(after.init.health >= before.init.health && after.init.health < 0);
}

/// Sets SOL-PERP's oracle to `price_lots` quote native per 0.01 SOL (expo −4 USD per SOL) and
/// returns the Maint health of `trader`.
async fn maint_at(t: &mut TestContext, m: u16, trader: &Trader, price_lots: i64) -> i64 {
    t.set_market_price(m, PriceSpec::new(price_lots, 0, -4, T0));
    report(t, trader).await.maint.health
}

#[tokio::test]
async fn health_view_liquidation_price_of_leveraged_long_and_short() {
    let (mut t, sol, _, mm) = two_markets().await;
    let long = funded(&mut t, 15_000_000).await;
    let short = funded(&mut t, 15_000_000).await;
    t.place(&mm, sol, limit(Side::Ask, 1_000_000, 100)).await.assert_ok();
    t.place(&long, sol, limit(Side::Bid, 1_000_000, 100)).await.assert_ok();
    t.place(&mm, sol, limit(Side::Bid, 1_000_000, 100)).await.assert_ok();
    t.place(&short, sol, limit(Side::Ask, 1_000_000, 100)).await.assert_ok();
    t.crank(sol).await;
    // Each: ±1 SOL at 100, balance 14.95, Maint 14.95 − 100·5% = 9.95 USDC.
    // Long:  p* = 100 − 9.95 / (1 · 0.95) = 89.526315… USD → 895 263.15… per lot, rounded up 895 264.
    // Short: p* = 100 + 9.95 / (1 · 1.05) = 109.476190… USD → 1 094 761.90… per lot, down 1 094 761.
    let l = report(&mut t, &long).await;
    let s = report(&mut t, &short).await;
    assert_eq!((l.maint.health, s.maint.health), (9_950_000, 9_950_000));
    assert_eq!((l.perps[0].base_lots, l.perps[0].liquidation_price_per_lot), (100, 895_264));
    assert_eq!((s.perps[0].base_lots, s.perps[0].liquidation_price_per_lot), (-100, 1_094_761));

    // Long at 89.5264: 14.95 + (89.5264 − 100) − 89.5264·5% = 14.95 − 10.4736 − 4.47632 = 0.00008;
    // one unit beyond, 89.5263: 14.95 − 10.4737 − 4.476315 = −0.000015 → liquidatable.
    assert_eq!(maint_at(&mut t, sol, &long, 895_264).await, 80);
    assert_eq!(report(&mut t, &long).await.perps[0].liquidation_price_per_lot, 895_264, "p* does not move with the price");
    assert_eq!(maint_at(&mut t, sol, &long, 895_263).await, -15);
    assert_eq!(maint_at(&mut t, sol, &long, 895_200).await, -6_000); // 89.52 USD
    // Short at 109.4761: 14.95 − 9.4761 − 5.473805 = 0.000095; at 109.4762: −0.00001.
    assert_eq!(maint_at(&mut t, sol, &short, 1_094_761).await, 95);
    assert_eq!(maint_at(&mut t, sol, &short, 1_094_762).await, -10);
    assert_eq!(maint_at(&mut t, sol, &short, 1_094_800).await, -4_000); // 109.48 USD: 14.95 − 9.48 − 5.474
}

#[tokio::test]
async fn sol_collateral_backs_a_perp_position_with_a_negative_quote_balance() {
    let mut t = TestContext::new().await;
    let sol_asset = t.add_pull_asset(9, volatile_params(), PriceSpec::new(100_00, 0, -2, T0)).await;
    let sol = t.add_market("SOL", 9, 10_000_000, 1, usd(100, T0)).await;
    let mm = funded(&mut t, 1_000_000_000_000).await;
    let hedger = t.trader(&[0, 1_000_000_000]).await;
    t.deposit(&hedger, sol_asset, 1_000_000_000).await.assert_ok();
    // Short 0.5 SOL-PERP at 100 with no USDC: the 5 bp fee on 50 USDC (0.025) is owed.
    t.place(&mm, sol, limit(Side::Bid, 1_000_000, 50)).await.assert_ok();
    t.place(&hedger, sol, limit(Side::Ask, 1_000_000, 50)).await.assert_ok();
    t.crank(sol).await;
    assert_eq!(t.balance(&hedger.account, 0).await, -25_000);
    assert_eq!(t.balance(&hedger.account, sol_asset).await, 1_000_000_000);
    assert_eq!(position(&mut t, &hedger, sol).await, (-50, 50_000_000, 0, 0));
    let r = report(&mut t, &hedger).await;
    // Init:   1 SOL·100·0.80 = 80 ; owed 0.025 (the quote's weights are 1) ; requirement
    //         0.5·100·10% = 5 → 80 − 0.025 − 5 = 74.975
    // Maint:  90 − 0.025 − 0.5·100·5% = 87.475
    // LiqEnd: weights 0.85 / 7.5%: 85 − 0.025 − 3.75 = 81.225
    assert_eq!(r.init, line(80_000_000, 25_000, 0, 5_000_000));
    assert_eq!(r.maint, line(90_000_000, 25_000, 0, 2_500_000));
    assert_eq!(r.liquidation_end, line(85_000_000, 25_000, 0, 3_750_000));
    assert_eq!((r.init.health, r.maint.health, r.liquidation_end.health), (74_975_000, 87_475_000, 81_225_000));
    assert_eq!(r.collateral_value, 100_000_000 - 25_000);
    let quote = r.collaterals.iter().find(|c| c.asset_index == 0).expect("quote line");
    assert_eq!((quote.balance, quote.value), (-25_000, -25_000));
    assert_eq!(t.client_health_report(&hedger.account, T0).await, r);
}

#[tokio::test]
async fn health_view_and_client_report_agree_for_two_collaterals_two_perps_and_orders() {
    let mut t = TestContext::new().await;
    let sol_asset = t.add_pull_asset(9, volatile_params(), PriceSpec::new(100_00, 0, -2, T0)).await;
    let sol = t.add_market("SOL", 9, 10_000_000, 1, usd(100, T0)).await;
    let eth = t.add_market("ETH", 9, 10_000_000, 1, usd(200, T0)).await;
    let mm = funded(&mut t, 1_000_000_000_000).await;
    let trader = t.trader(&[100_000_000, 1_000_000_000]).await;
    t.deposit(&trader, 0, 100_000_000).await.assert_ok();
    t.deposit(&trader, sol_asset, 1_000_000_000).await.assert_ok();
    t.place(&mm, sol, limit(Side::Ask, 1_000_000, 100)).await.assert_ok();
    t.place(&mm, eth, limit(Side::Bid, 2_000_000, 25)).await.assert_ok();
    t.place(&trader, sol, limit(Side::Bid, 1_000_000, 100)).await.assert_ok(); // long 1 SOL, fee 0.05
    t.place(&trader, eth, limit(Side::Ask, 2_000_000, 25)).await.assert_ok(); // short 0.25 ETH, fee 0.025
    t.place(&trader, sol, limit(Side::Bid, 990_000, 10)).await.assert_ok(); // rests
    t.place(&trader, eth, limit(Side::Ask, 2_010_000, 10)).await.assert_ok(); // rests
    t.crank(sol).await;
    t.crank(eth).await;
    t.set_market_price(sol, usd(103, T0));
    t.set_market_price(eth, usd(197, T0));

    let view = report(&mut t, &trader).await;
    // Assets: 99.925 USDC + 1 SOL·100·0.8 = 179.925.
    // Resting lots count at their side's worst price: the SOL bid at 99 at no less than the
    // oracle 103, the ETH ask at 201 at no more than the oracle 197 — filled at the oracle, they
    // add no PnL, only requirement.
    // SOL: worst is the bid filled: 1.1 SOL for 100 + 10.3 = 110.3 at 103 → PnL 3 → 2.4;
    //      req 11.33 (current: 2.4 − 10.3 = −7.9 is better than 2.4 − 11.33 = −8.93).
    // ETH: worst is the ask filled: −0.35 ETH for 50 + 19.7 = 69.7 at 197 → PnL 0.75 → 0.6;
    //      req 6.895 (current: 0.6 − 4.925 = −4.325 is better than 0.6 − 6.895 = −6.295).
    // Init 179.925 + 3 − 18.225 = 164.7.
    assert_eq!(view.init, line(179_925_000, 0, 3_000_000, 18_225_000));
    assert_eq!(view.init.health, 164_700_000);
    assert_eq!(view.collaterals.len(), 2);
    let lots: Vec<_> = view.perps.iter().map(|p| (p.market_index, p.base_lots, p.unrealized_pnl)).collect();
    assert_eq!(lots, vec![(sol, 100, 3_000_000), (eth, -25, 750_000)]);
    assert_eq!(t.client_health_report(&trader.account, T0).await, view, "client and program agree");
}

#[tokio::test]
async fn a_far_resting_order_is_not_a_windfall() {
    let (mut t, sol, _, _) = two_markets().await;
    let trader = funded(&mut t, 1_000_000).await;
    // Resting orders must lie in the band (95..=105 USD at 100): nothing rests at 106.
    t.place(&trader, sol, limit(Side::Ask, 1_060_000, 10)).await.assert_error(KeelError::PriceOutsideBand);
    // An ask for 0.1 SOL at 104, no position. The account records the limit (10.4 USDC), but
    // health prices the lots at min(lowest ask 104, oracle 100) = 100: filled, −0.1 SOL for 10
    // is worth exactly 0 at the oracle — the 0.4 above the oracle is not credited (before, it
    // counted 0.4 · 80% = 0.32 of Init PnL). Requirement 0.1·100·10% = 1 (Maint 0.5,
    // LiquidationEnd 7.5%: 0.75). Init 1 + 0 − 1 = 0 exactly.
    t.place(&trader, sol, limit(Side::Ask, 1_040_000, 10)).await.assert_ok();
    let p = *t.margin_account(&trader.account).await.perp(sol).expect("position");
    assert_eq!((p.base_lots, p.asks_base_lots, p.asks_quote_native), (0, 10, 10_400_000));
    let r = report(&mut t, &trader).await;
    assert_eq!(r.init, line(1_000_000, 0, 0, 1_000_000));
    assert_eq!(r.maint, line(1_000_000, 0, 0, 500_000));
    assert_eq!(r.liquidation_end, line(1_000_000, 0, 0, 750_000));
    assert_eq!(r.init.health, 0);
    // No position yet (the line shows the current one, not the scenario): nothing unrealised.
    assert_eq!((r.perps[0].base_lots, r.perps[0].unrealized_pnl, r.perps[0].oracle_price_per_lot), (0, 0, 1_000_000));
    // One lot more, even higher at 105: every ask lot still counts at min(lowest ask 104,
    // oracle 100) = 100, so filled: −0.11 SOL for 11 → PnL 0, requirement 1.1: Init −0.1,
    // refused (before: PnL (10.4 + 1.05 − 11)·80% = 0.36, Init +0.26, allowed).
    let refused = t.place(&trader, sol, limit(Side::Ask, 1_050_000, 1)).await;
    refused.assert_error(KeelError::InitHealthNegative);
    assert!(
        refused.logged("place_order: init health would be -100000 (weighted assets 1000000, weighted liabilities 0, perp pnl 0, perp requirements 1100000; quote native)"),
        "{:#?}",
        refused.logs
    );
    assert_eq!(t.client_health_report(&trader.account, T0).await, r, "client and program agree");
}
