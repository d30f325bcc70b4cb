//! Bankruptcy: a crash that leaves a liquidated account with a negative quote balance and
//! nothing else; the insurance fund covers the deficit (its claim in the quote bank first, then
//! its vault), or — when it cannot — the rest is socialised over every quote depositor by
//! lowering the deposit index. Also the refusals of `settle_bankruptcy`, a collateral
//! liquidation sized to the unit, and a perp liquidation in capped steps. Every step is followed
//! by the helpers' conservation check; the tests also compare the protocol's total quote (Σ
//! margin-account quote balances + perp ledger + insurance fund) before and after.

use keel::error::KeelError;
use keel::events::{
    BankruptcySettled, CollateralLiquidated, InsuranceClaimChanged, InsuranceFlow, LossSocialized, PerpLiquidated,
    INSURANCE_BOUNTY, INSURANCE_DEFICIT, INSURANCE_PENALTY,
};
use keel::state::Side;
use keel_client::events::events_of;
use keel_tests::context::{volatile_params, TestContext};
use keel_tests::insurance::{LIMIT_BPS, PERIOD_SECS};
use keel_tests::liquidation::{Healths, LongScenario, LOTS_PER_USD};
use keel_tests::markets::{limit, sol_market_with_traders, usd};
use pyth_solana_receiver_sdk::price_update::VerificationLevel;

/// One whole `Fixed` (18 decimals), raw.
const FIXED_ONE: i128 = 1_000_000_000_000_000_000;

/// Σ quote the protocol accounts for: every margin account's quote balance, the perp ledger
/// (positions, fees, funding), the insurance fund's vault and its claim in the quote bank.
/// Liquidations, bankruptcies the fund covers and trades only move quote between these.
async fn quote_total(t: &mut TestContext) -> i128 {
    let mut total = t.perp_quote_ledger().await + t.insurance_fund().await.expect("fund").balance as i128 + t.insurance_claim().await as i128;
    for account in t.margin_accounts.clone() {
        total += t.balance(&account, 0).await as i128;
    }
    total
}

/// The fund's bounty rule (`BountyParams::recommended(6)`): nothing below 10 USDC of notional,
/// else min(100 USDC cap, max(0.1 USDC floor, penalty / 2), penalty).
fn bounty_rule(notional: i64, penalty: u64) -> u64 {
    if notional < 10_000_000 {
        return 0;
    }
    (penalty / 2).max(100_000).min(100_000_000).min(penalty)
}

/// `LongScenario` with an insurance fund of only 5.000001 USDC.
async fn small_fund_scenario() -> LongScenario {
    let (mut t, market, mut traders) = sol_market_with_traders(2).await;
    let liqor = traders.pop().expect("two traders");
    let maker = traders.pop().expect("two traders");
    t.create_insurance_fund(LIMIT_BPS, PERIOD_SECS).await.assert_ok();
    t.seed_insurance(5_000_001).await.assert_ok();
    let liqee = t.trader(&[1_000_000_000]).await;
    t.deposit(&liqee, 0, 120_000_000).await.assert_ok();
    t.place(&maker, market, limit(Side::Ask, 100 * LOTS_PER_USD, 1_000)).await.assert_ok();
    t.place(&liqee, market, limit(Side::Bid, 100 * LOTS_PER_USD, 1_000)).await.assert_ok();
    t.crank(market).await;
    LongScenario { t, market, liqee, maker, liqor }
}

/// Crash from 100 to 85 with the 1 000 USDC fund. Liqee: quote 119.5, long 1 000 lots at cost
/// 1 000 USDC, PnL −150. Maint = 119.5 − 150 − 42.5 = −73; LiquidationEnd = 119.5 − 150 − 63.75
/// = −94.25; Init = 119.5 − 150 − 85 = −115.5 (USDC). Each lot (0.85 USDC) taken sells for
/// 0.85 · 0.985 = 0.83725 and costs 1 of the position's cost and 0.0085 penalty: quote −0.17125
/// per lot. LiquidationEnd never reaches 0, so every step takes all it may:
/// - step 1 (max 800): notional 680, transfer 669.8, penalty 6.8, bounty 3.4; quote 119.5 −
///   137 = −17.5, 200 lots left (PnL −30): Maint = −17.5 − 30 − 8.5 = −56, LiquidationEnd =
///   −17.5 − 30 − 12.75 = −60.25 (the quote's weights are 1).
/// - step 2 (max 1 000, 200 left): notional 170, transfer 167.45, penalty 1.7, bounty 0.85;
///   quote −17.5 − 34.25 = −51.75: Maint = LiquidationEnd = −51.75.
///
/// Penalties, bounties and fee shares are ledger entries: the fund's claim in the quote bank is
/// 0.08 (the opening fill's fee share) + 8.5 − 4.25 = 4.33 and its vault still 1 000. The
/// bankruptcy takes the claim's 4.33 and 47.42 of the vault's tokens (moved into the quote
/// vault): the fund ends at 952.58.
#[tokio::test]
async fn crash_deficit_is_covered_by_the_insurance_fund() {
    let mut s = LongScenario::new().await;
    let (liqee, market) = (s.liqee.account, s.market);
    s.set_price(85).await;
    assert_eq!(s.t.healths(&liqee).await, Healths { init: -115_500_000, maint: -73_000_000, liq_end: -94_250_000 });
    let total = quote_total(&mut s.t).await;

    let expected = [
        // (max, lots, notional, transfer, penalty, maint before/after, liq_end before/after, position after)
        (800, 800, 680_000_000, 669_800_000, 6_800_000, -73_000_000, -56_000_000, -94_250_000, -60_250_000, 200),
        (1_000, 200, 170_000_000, 167_450_000, 1_700_000, -56_000_000, -51_750_000, -60_250_000, -51_750_000, 0),
    ];
    for (max, lots, notional, transfer, penalty, maint0, maint1, end0, end1, left) in expected {
        let outcome = s.t.liquidate_perp(&s.liqor, &liqee, market, max).await;
        outcome.assert_ok();
        let step = &events_of::<PerpLiquidated>(&outcome.logs)[0];
        assert_eq!((step.base_lots, step.oracle_notional, step.transfer_notional, step.penalty), (lots, notional, transfer, penalty));
        assert_eq!(step.bounty, penalty / 2, "bounty: half the penalty");
        let h = step.health;
        assert_eq!((h.maint_before, h.maint_after, h.liq_end_before, h.liq_end_after), (maint0, maint1, end0, end1));
        assert_eq!(step.liqee_position_after, left);
        assert!(events_of::<InsuranceFlow>(&outcome.logs).is_empty(), "no token moves in a liquidation step");
    }
    let account = s.t.margin_account(&liqee).await;
    assert!(!account.has_perps(), "the flat position's slot is released");
    assert_eq!(s.t.balance(&liqee, 0).await, -51_750_000, "119.5 − 1 000 · 0.17125");
    assert_eq!(s.t.insurance_fund().await.expect("fund").balance, 1_000_000_000, "the fund's vault is untouched");
    assert_eq!(s.t.insurance_claim().await, 4_330_000, "8.5 penalties − 4.25 bounties + 0.08 fee share of the opening fill, booked in the quote bank");
    assert_eq!(quote_total(&mut s.t).await, total);

    let outcome = s.t.settle_bankruptcy(&liqee).await;
    outcome.assert_ok();
    let settled = &events_of::<BankruptcySettled>(&outcome.logs)[0];
    assert_eq!((settled.deficit, settled.covered_by_insurance, settled.socialized), (51_750_000, 51_750_000, 0));
    let claim = events_of::<InsuranceClaimChanged>(&outcome.logs);
    assert_eq!(claim.iter().map(|f| (f.kind, f.amount, f.claim_after)).collect::<Vec<_>>(), vec![(INSURANCE_DEFICIT, -4_330_000, 0)]);
    let flows = events_of::<InsuranceFlow>(&outcome.logs);
    assert_eq!(flows.iter().map(|f| (f.kind, f.amount, f.balance_after)).collect::<Vec<_>>(), vec![(INSURANCE_DEFICIT, -47_420_000, 952_580_000)]);
    assert!(events_of::<LossSocialized>(&outcome.logs).is_empty());
    assert_eq!(s.t.insurance_fund().await.expect("fund").balance, 952_580_000, "1 000 + 0.08 + 8.5 − 4.25 − 51.75");
    assert_eq!(s.t.balance(&liqee, 0).await, 0);
    assert_eq!(s.t.margin_account(&liqee).await.being_liquidated, 0);
    assert_eq!(quote_total(&mut s.t).await, total, "the fund's tokens moved into the bankrupt account");
    s.t.settle_bankruptcy(&liqee).await.assert_error(KeelError::NotBankrupt);
}

/// The same crash to 85 with a fund of 5.000001 USDC. One step takes all 1 000 lots: penalty
/// 8.5, bounty 4.25 → the fund's claim is 4.33 (with the opening fill's 0.08 fee share); liqee
/// quote 119.5 − 171.25 = −51.75. The fund covers 4.33 + 5.000001 = 9.330001; the remaining
/// 42.419999 USDC is socialised over every quote deposit unit: the deposit index falls by
/// ceil(42 419 999 · 10^18 / D) raw, so depositors lose
/// at least the remainder and at most one raw unit per deposit unit more (the dust). Every
/// depositor's native balance falls pro rata; no market or account is chosen by the caller.
#[tokio::test]
async fn remainder_beyond_the_fund_lowers_the_deposit_index_by_exactly_the_remainder() {
    let mut s = small_fund_scenario().await;
    let liqee = s.liqee.account;
    s.set_price(85).await;
    s.t.liquidate_perp(&s.liqor, &liqee, s.market, 1_000).await.assert_ok();
    assert_eq!(s.t.balance(&liqee, 0).await, -51_750_000);
    assert_eq!((s.t.insurance_fund().await.expect("fund").balance, s.t.insurance_claim().await), (5_000_001, 4_330_000));

    let quote = s.t.quote_asset().await;
    let units = quote.deposit_units as i128;
    let depositors = [s.maker.account, s.liqor.account];
    let mut before = Vec::new();
    for d in depositors {
        before.push(s.t.balance(&d, 0).await);
    }
    let outcome = s.t.settle_bankruptcy(&liqee).await;
    outcome.assert_ok();
    let settled = &events_of::<BankruptcySettled>(&outcome.logs)[0];
    assert_eq!((settled.deficit, settled.covered_by_insurance, settled.socialized), (51_750_000, 9_330_001, 42_419_999));
    let loss = &events_of::<LossSocialized>(&outcome.logs)[0];
    let per_unit = (42_419_999 * FIXED_ONE + units - 1) / units;
    assert_eq!((loss.amount, loss.deposit_index_before, loss.deposit_index_after, loss.unsocialized), (42_419_999, FIXED_ONE, FIXED_ONE - per_unit, 0));
    let after = s.t.quote_asset().await;
    assert_eq!(after.indices().deposit.raw(), FIXED_ONE - per_unit);
    assert!(per_unit * units >= 42_419_999 * FIXED_ONE && per_unit * units - 42_419_999 * FIXED_ONE < units, "at least the remainder, at most a raw unit per deposit unit more");
    assert_eq!((s.t.insurance_fund().await.expect("fund").balance, s.t.insurance_claim().await), (0, 0));
    assert_eq!(s.t.balance(&liqee, 0).await, 0);
    let mut lost = 0i64;
    for (d, was) in depositors.iter().zip(before) {
        let now = s.t.balance(d, 0).await;
        let units = s.t.margin_account(d).await.units(0) as i128;
        assert_eq!(now as i128, units * (FIXED_ONE - per_unit) / FIXED_ONE, "pro rata: units × the lower index, rounded down");
        lost += was - now;
    }
    assert!((42_419_999..=42_419_999 + depositors.len() as i64 + 1).contains(&lost), "depositors lose the remainder, to the unit: {lost}");
}

/// `settle_bankruptcy` is refused (NotBankrupt) for an account that (a) still holds a position
/// — liqee after an 800-lot step at 85: quote −17.5 USDC, 200 lots left —, (b) still holds
/// non-quote collateral — 1 SOL and a quote liability of 10 USDC —, (c) has quote ≥ 0 — 1 000
/// USDC deposited — or (d) has no quote at all.
#[tokio::test]
async fn not_bankrupt_while_anything_is_left() {
    let mut s = LongScenario::new().await;
    let (liqee, market) = (s.liqee.account, s.market);
    s.set_price(85).await;
    s.t.liquidate_perp(&s.liqor, &liqee, market, 800).await.assert_ok();
    assert_eq!((s.t.balance(&liqee, 0).await, s.t.position_lots(&liqee, market).await), (-17_500_000, 200));
    s.t.settle_bankruptcy(&liqee).await.assert_error(KeelError::NotBankrupt);

    let now = s.t.now().await;
    let sol = s.t.add_pull_asset(9, volatile_params(), usd(100, now)).await;
    let holder = s.t.trader(&[0, 1_000_000_000]).await;
    s.t.deposit(&holder, sol, 1_000_000_000).await.assert_ok();
    s.t.book_settled_pnl(&holder.account, &s.maker.account, 10_000_000).await;
    assert_eq!((s.t.balance(&holder.account, 0).await, s.t.balance(&holder.account, sol).await), (-10_000_000, 1_000_000_000));
    s.t.settle_bankruptcy(&holder.account).await.assert_error(KeelError::NotBankrupt);

    let solvent = s.t.funded_trader().await;
    assert_eq!(s.t.balance(&solvent.account, 0).await, 1_000_000_000);
    s.t.settle_bankruptcy(&solvent.account).await.assert_error(KeelError::NotBankrupt);
    let empty = s.t.trader(&[]).await;
    s.t.settle_bankruptcy(&empty.account).await.assert_error(KeelError::NotBankrupt);
}

/// 1 SOL (init 0.8, maint 0.9, LiquidationEnd weight 0.85; discount 2%, penalty 1%) and a quote
/// liability of 84 USDC (weight 1). At 100: Maint = 90 − 84 = 6, not liquidatable. At 90:
/// Maint = 81 − 84 = −3, LiquidationEnd = 76.5 − 84 = −7.5. Buying `a` native units (value
/// v = 0.09·a quote native) pays ceil(0.98·v), charges ceil(0.01·v), and leaves the quote
/// negative, so LiquidationEnd(a) = 0.0765·(10⁹ − a) − 84·10⁶ + ceil(0.0882·a) − ceil(0.0009·a),
/// which rises by ≈ 0.0108 per unit: the smallest a with LiquidationEnd ≥ 0 is 694 444 479
/// (0.3565 there; −0.567 at a − 1): v = 62 500 003.11, paid 61 250 004, penalty 625 001,
/// bounty 312 500; Maint after = 0.081·305 555 521 − 84·10⁶ + 61 250 004 − 625 001 = 1 375 000.2.
#[tokio::test]
async fn collateral_liquidation_buys_just_enough_sol() {
    let mut t = TestContext::new().await;
    t.create_insurance_fund(LIMIT_BPS, PERIOD_SECS).await.assert_ok();
    t.seed_insurance(1_000_000_000).await.assert_ok();
    let now = t.now().await;
    let sol = t.add_pull_asset(9, volatile_params(), usd(100, now)).await;
    let liqee = t.trader(&[0, 1_000_000_000]).await;
    t.deposit(&liqee, sol, 1_000_000_000).await.assert_ok();
    let liqor = t.funded_trader().await;
    t.book_settled_pnl(&liqee.account, &liqor.account, 84_000_000).await;
    assert_eq!(t.healths(&liqee.account).await, Healths { init: -4_000_000, maint: 6_000_000, liq_end: 1_000_000 });
    t.liquidate_collateral(&liqor, &liqee.account, sol, u64::MAX).await.assert_error(KeelError::NotLiquidatable);

    let now = t.now().await;
    t.set_pull_price(sol, usd(90, now), VerificationLevel::Full);
    assert_eq!(t.healths(&liqee.account).await.maint, -3_000_000);
    let total = quote_total(&mut t).await;
    let outcome = t.liquidate_collateral(&liqor, &liqee.account, sol, u64::MAX).await;
    outcome.assert_ok();
    let step = &events_of::<CollateralLiquidated>(&outcome.logs)[0];

    let ceil = |x: i128, d: i128| (x + d - 1) / d;
    // LiquidationEnd(a) · 10 000, exact.
    let liq_end = |a: i128| 765 * (1_000_000_000 - a) + 10_000 * (-84_000_000 + ceil(882 * a, 10_000) - ceil(9 * a, 10_000));
    let a = step.asset_amount as i128;
    assert_eq!(a, 694_444_479);
    assert!(liq_end(a) >= 0 && liq_end(a - 1) < 0, "the smallest sufficient amount: {} / {}", liq_end(a), liq_end(a - 1));
    assert_eq!((step.asset_index, step.oracle_value, step.quote_paid, step.penalty), (sol, 62_500_003, 61_250_004, 625_001));
    assert_eq!((step.quote_paid as i128, step.penalty as i128), (ceil(a * 882, 10_000), ceil(a * 9, 10_000)));
    assert_eq!(step.bounty, bounty_rule(step.oracle_value, step.penalty));
    assert_eq!(step.bounty, 312_500);
    let h = step.health;
    assert_eq!((h.maint_before, h.maint_after, h.liq_end_before, h.liq_end_after), (-3_000_000, 1_375_000, -7_500_000, 0));

    assert_eq!(t.balance(&liqee.account, sol).await, 1_000_000_000 - 694_444_479);
    assert_eq!(t.balance(&liqor.account, sol).await, 694_444_479, "the SOL moved to the liquidator");
    assert_eq!(t.balance(&liqee.account, 0).await, -84_000_000 + 61_250_004 - 625_001);
    assert_eq!(t.balance(&liqor.account, 0).await, 1_084_000_000 - 61_250_004 + 312_500);
    assert_eq!(t.fund_total().await, 1_000_000_000 + 625_001 - 312_500);
    assert_eq!(t.healths(&liqee.account).await.liq_end, 0);
    assert_eq!(quote_total(&mut t).await, total);
    t.liquidate_collateral(&liqor, &liqee.account, sol, u64::MAX).await.assert_error(KeelError::LiquidationEndReached);
}

/// LongScenario at 92 (Maint −6.5, LiquidationEnd −29.5 USDC), at most 200 lots a call. Each
/// lot (0.92 USDC) raises Maint by 0.92·(5% − 1.5% − 1%) = 0.023 and LiquidationEnd by
/// 0.92·(7.5% − 1.5% − 1%) = 0.046: 200 lots add 4.6 and 9.2. Steps of 200, 200, 200 bring
/// LiquidationEnd to −1.9; the fourth takes only the 42 lots needed (+1.932 → 0.032), 642 in
/// all. Penalties 1.84 per 200 lots and 0.3864 for 42; each step's bounty is half its penalty.
#[tokio::test]
async fn capped_steps_stop_at_liquidation_end() {
    let mut s = LongScenario::new().await;
    let (liqee, market) = (s.liqee.account, s.market);
    s.set_price(92).await;
    let fund_before = s.t.fund_total().await;
    let total = quote_total(&mut s.t).await;
    let expected = [
        // (lots, transfer, maint before/after, liq_end before/after, position after)
        (200, 181_240_000, -6_500_000, -1_900_000, -29_500_000, -20_300_000, 800),
        (200, 181_240_000, -1_900_000, 2_700_000, -20_300_000, -11_100_000, 600),
        (200, 181_240_000, 2_700_000, 7_300_000, -11_100_000, -1_900_000, 400),
        (42, 38_060_400, 7_300_000, 8_266_000, -1_900_000, 32_000, 358),
    ];
    let (mut taken, mut penalties, mut bounties) = (0, 0, 0);
    for (lots, transfer, maint0, maint1, end0, end1, left) in expected {
        let outcome = s.t.liquidate_perp(&s.liqor, &liqee, market, 200).await;
        outcome.assert_ok();
        let step = &events_of::<PerpLiquidated>(&outcome.logs)[0];
        let notional = lots * 920_000;
        let penalty = (notional / 100) as u64;
        assert_eq!((step.base_lots, step.oracle_notional, step.transfer_notional, step.penalty), (lots, notional, transfer, penalty));
        let h = step.health;
        assert_eq!((h.maint_before, h.maint_after, h.liq_end_before, h.liq_end_after), (maint0, maint1, end0, end1));
        assert!(h.maint_after > h.maint_before && h.liq_end_after > h.liq_end_before);
        assert_eq!(step.bounty, bounty_rule(notional, penalty));
        assert_eq!(step.bounty, penalty / 2);
        let flows = events_of::<InsuranceClaimChanged>(&outcome.logs);
        assert_eq!(flows.iter().map(|f| (f.kind, f.amount)).collect::<Vec<_>>(), vec![(INSURANCE_PENALTY, penalty as i64), (INSURANCE_BOUNTY, -(step.bounty as i64))]);
        assert_eq!(step.liqee_position_after, left);
        taken += step.base_lots;
        penalties += penalty;
        bounties += step.bounty;
    }
    assert_eq!((taken, penalties, bounties), (642, 5_906_400, 2_953_200), "as one uncapped step");
    assert_eq!(s.t.position_lots(&s.liqor.account, market).await, 642);
    assert_eq!(s.t.fund_total().await, fund_before + 5_906_400 - 2_953_200);
    assert_eq!(s.t.balance(&liqee, 0).await, 53_374_000, "the same as one uncapped step");
    assert_eq!(quote_total(&mut s.t).await, total);
    s.t.liquidate_perp(&s.liqor, &liqee, market, 200).await.assert_error(KeelError::LiquidationEndReached);
}
