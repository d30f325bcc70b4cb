//! The quote asset as a bank, in scenarios with numbers: a wash-trade transfer between two
//! colluding accounts meets the net-borrow limit and the utilisation cap and pays interest; a
//! repayment above the deposit cap goes through; the fund's claim settles only from tokens
//! depositors are not owed; interest counts in health at once; the bank's parameters are
//! bounded. Every instruction is followed by the conservation and liquidity check.

use keel::error::KeelError;
use keel::events::{InsuranceClaimSettled, InterestAccrued};
use keel::instructions::markets::OrderType;
use keel::instructions::risk::UpdateAssetArgs;
use keel::state::{BankParams, Side};
use keel_client::events::events_of;
use keel_client::{instructions as kix, insurance as iix};
use keel_tests::bank::{set_quote_bank, Collusion};
use keel_tests::context::{quote_params, TestContext};
use keel_tests::insurance::{LIMIT_BPS, PERIOD_SECS};
use keel_tests::liquidation::LOTS_PER_USD;
use keel_tests::markets::{limit, order, usd};
use solana_signer::Signer;

/// USDC native units per USDC.
const USDC: i64 = 1_000_000;
/// Seconds in 30 days.
const DAYS_30: i64 = 30 * 86_400;

/// Two colluding accounts move USDC from A (backed by SOL) to B at the band edges, as far as
/// the limits let them:
/// - each round trip realises 505 USDC of A's loss as a borrow and 501 of B's gain as a deposit;
///   trades are never refused for it: four round trips leave A −2 020, B 3 004;
/// - the utilisation cap keeps 2 020 / 0.95 = 2 126.315790 of the 4 004 deposited back, and the
///   net-borrow limit (1 600 USDC a day) withholds the 420 of new lending beyond it: B can take
///   out 1 457.684210 (`UtilizationCapReached` / `NetBorrowLimitExceeded` for more), and the
///   passive depositor's 1 000 stays in the bank, earning interest, withdrawable as A repays;
/// - 30 days at 79.3 % utilisation cost A 9.9 %/yr, a tenth of it to the fund's claim and the
///   rest to the depositors pro rata;
/// - A repays in full and the passive depositor withdraws everything, with interest.
#[tokio::test]
async fn wash_trades_between_colluders_meet_the_borrow_limit_the_cap_and_interest() {
    let mut c = Collusion::new().await;
    let bank = BankParams {
        net_borrow_limit: 1_600 * USDC as u64,
        ..BankParams::recommended(6)
    };
    set_quote_bank(&mut c.t, bank).await.assert_ok();
    for round in 1..=4 {
        c.round_trip().await.assert_ok();
        assert_eq!(c.t.balance(&c.a.account, 0).await, -505 * USDC * round, "round {round}: A's borrow");
        assert_eq!(c.t.balance(&c.b.account, 0).await, 1_000 * USDC + 501 * USDC * round, "round {round}: B's deposit");
    }
    // Deposits 1 000 + 3 004, borrows 2 020: the cap keeps 2 020 / 0.95 = 2 126.315790 back,
    // and 420 of the 2 020 of new lending in the window is beyond the 1 600 limit.
    let borrowed = 2_020 * USDC;
    let deposits = 4_004 * USDC;
    let within_cap = (deposits - (borrowed * 10_000 + 9_499) / 9_500) as u64;
    let withdrawable = within_cap - 420 * USDC as u64;
    assert_eq!((within_cap, c.t.quote_withdrawable().await), (1_877_684_210, withdrawable));
    c.t.withdraw(&c.b, 0, 3_004 * USDC as u64).await.assert_error(KeelError::UtilizationCapReached);
    c.t.withdraw(&c.b, 0, within_cap).await.assert_error(KeelError::NetBorrowLimitExceeded);
    c.t.withdraw(&c.b, 0, withdrawable + 1).await.assert_error(KeelError::NetBorrowLimitExceeded);
    c.t.withdraw(&c.b, 0, withdrawable).await.assert_ok();
    c.t.withdraw(&c.passive, 0, 1).await.assert_error(KeelError::NetBorrowLimitExceeded);
    assert_eq!(c.t.balance(&c.passive.account, 0).await, 1_000 * USDC, "the passive claim stays whole");
    let deposits_after = deposits - withdrawable as i64;

    // 30 days at 2 020 / 2 546.315790 = 79.3 % utilisation: 9.9 %/yr on the curve's first leg.
    let start = c.t.now().await;
    c.t.set_time(start + DAYS_30).await;
    let debt = -c.t.balance(&c.a.account, 0).await;
    let utilization_bps = borrowed * 10_000 / deposits_after;
    let rate_bps = 1_000 * utilization_bps / 8_000;
    let expected = borrowed + borrowed * rate_bps / 10_000 * DAYS_30 / 31_536_000;
    assert!(
        (debt - expected).abs() < USDC / 2,
        "A owes {debt}, ≈ {expected} expected"
    );
    let interest = debt - borrowed;
    let passive = c.t.balance(&c.passive.account, 0).await;
    let earned = passive - 1_000 * USDC;
    // The passive depositor holds 1 000 of what is deposited: its share of 90 % of it.
    let share = interest * 9 / 10 * 1_000 * USDC / deposits_after;
    assert!(
        (earned - share).abs() <= 2,
        "passive earned {earned}, its share is {share}"
    );

    // A repays with new USDC (SOL stays as collateral): the accrual event states the rates.
    let quote_mint = c.t.assets[0].mint;
    c.t.mint_to(&quote_mint, &c.a.wallets[0], debt as u64).await;
    let repay = c.t.deposit(&c.a, 0, debt as u64).await;
    repay.assert_ok();
    let accrued = &events_of::<InterestAccrued>(&repay.logs)[0];
    assert_eq!(accrued.elapsed_secs, DAYS_30);
    assert!(
        (accrued.utilization_bps as i64 - utilization_bps).abs() <= 1,
        "{}",
        accrued.utilization_bps
    );
    assert_eq!(c.t.balance(&c.a.account, 0).await, 0);
    c.t.withdraw(&c.passive, 0, passive as u64)
        .await
        .assert_ok();
    assert_eq!(
        c.t.balance(&c.passive.account, 0).await,
        0,
        "the passive depositor got everything back, with interest"
    );
    assert!(
        c.t.insurance_claim().await > 0,
        "the fund's share of the interest"
    );
}

/// A deposit that repays a borrow is never refused by the deposit cap: with the cap at the
/// deposits' level, A (−505 USDC) repays 505 although the cap is full; one unit more than the
/// debt would add a deposit over the cap and is refused.
#[tokio::test]
async fn a_repayment_above_the_deposit_cap_goes_through() {
    let mut c = Collusion::new().await;
    c.round_trip().await.assert_ok();
    let deposits = c.t.quote_asset().await.deposit_units;
    let admin = c.t.admin.insecure_clone();
    let params = keel::instructions::risk::AssetParams {
        deposit_cap: deposits,
        ..quote_params()
    };
    let ix = kix::update_asset(
        &admin.pubkey(),
        &c.t.exchange,
        &c.t.assets[0].mint,
        UpdateAssetArgs {
            params: Some(params),
            deposits_paused: None,
        },
    );
    c.t.send(&[ix], &[&admin]).await.assert_ok();
    let quote_mint = c.t.assets[0].mint;
    c.t.mint_to(&quote_mint, &c.a.wallets[0], 1_000 * USDC as u64)
        .await;
    c.t.deposit(&c.a, 0, 505 * USDC as u64 + 1)
        .await
        .assert_error(KeelError::DepositCapExceeded);
    c.t.deposit(&c.a, 0, 505 * USDC as u64).await.assert_ok();
    assert_eq!(c.t.balance(&c.a.account, 0).await, 0);
    c.t.deposit(&c.passive, 0, 1)
        .await
        .assert_error(KeelError::DepositCapExceeded);
}

/// The fund's claim (penalty − bounty, fee shares booked at each fill, interest) moves into its vault only from
/// tokens beyond what depositors may withdraw: a fee share of 0.8 settles at low utilisation
/// and again with utilisation at the cap, leaving the depositors' withdrawable share as it was.
#[tokio::test]
async fn the_funds_claim_settles_only_from_tokens_depositors_are_not_owed() {
    let mut c = Collusion::new().await;
    c.t.create_insurance_fund(LIMIT_BPS, PERIOD_SECS)
        .await
        .assert_ok();
    c.round_trip().await.assert_ok();
    // Fees: taker 5.0, maker rebates 1.0 → 4.0 net, a fifth (0.8) booked to the fund's claim
    // at the fills.
    assert_eq!(c.t.insurance_claim().await, 800_000);
    let settle = iix::settle_insurance_claim(&c.t.exchange.clone(), &c.t.assets[0].mint.clone());
    let outcome = c.t.send(&[settle.clone()], &[]).await;
    outcome.assert_ok();
    let settled = &events_of::<InsuranceClaimSettled>(&outcome.logs)[0];
    assert_eq!(
        (
            settled.amount,
            settled.claim_after,
            settled.fund_vault_after
        ),
        (800_000, 0, 800_000)
    );
    c.t.assert_conserved().await;
    c.t.send(&[settle.clone()], &[])
        .await
        .assert_error(KeelError::NothingToSettle);

    // Drain the depositors' liquidity to the cap: the claim still settles in full, because the
    // vault holds deposits − borrows + the claim, and the cap keeps borrows / 0.95 of deposits
    // back: what settles is the fund's own, never a depositor's withdrawable share.
    c.round_trip().await.assert_ok();
    let withdrawable = c.t.quote_withdrawable().await;
    c.t.withdraw(&c.b, 0, withdrawable).await.assert_ok();
    assert_eq!(c.t.quote_withdrawable().await, 0, "utilisation at the cap");
    let claim = c.t.insurance_claim().await;
    assert_eq!(claim, 800_000);
    let outcome = c.t.send(&[settle], &[]).await;
    outcome.assert_ok();
    let settled = &events_of::<InsuranceClaimSettled>(&outcome.logs)[0];
    assert_eq!(
        (
            settled.amount,
            settled.claim_after,
            settled.fund_vault_after
        ),
        (800_000, 0, 1_600_000)
    );
    assert_eq!(
        c.t.quote_withdrawable().await,
        0,
        "depositors' withdrawable share untouched"
    );
    c.t.assert_conserved().await;
}

/// Interest counts in health at once: after 30 days at ≈ 20 % utilisation A's debt has grown
/// and its Init health (simulated by the client with the program's code) has fallen by exactly
/// that much, before any instruction touched the bank.
#[tokio::test]
async fn interest_counts_in_health_before_anyone_accrues_it() {
    let mut c = Collusion::new().await;
    c.round_trip().await.assert_ok();
    let start = c.t.now().await;
    let init_before = c.t.healths(&c.a.account).await.init;
    c.t.set_time(start + DAYS_30).await;
    c.t.set_pull_price(
        1,
        usd(100, start + DAYS_30),
        pyth_solana_receiver_sdk::price_update::VerificationLevel::Full,
    );
    c.t.set_market_price(c.market, usd(100, start + DAYS_30));
    let debt = -c.t.balance(&c.a.account, 0).await;
    assert!(debt > 505 * USDC, "interest accrued: {debt}");
    assert_eq!(
        c.t.healths(&c.a.account).await.init,
        init_before - (debt - 505 * USDC)
    );
    assert_eq!(
        c.t.quote_asset().await.bank.last_accrual_ts,
        start,
        "nobody accrued yet"
    );
}

/// The bank's parameters are bounded: a kink rate below 1 %/yr, a falling curve, a cap below
/// the kink, a zero net-borrow limit and a window outside 1 h – 30 d are each refused.
#[tokio::test]
async fn bank_params_out_of_bounds_are_refused() {
    let mut t = TestContext::new().await;
    let ok = BankParams::recommended(6);
    let rate = [
        BankParams {
            optimal_rate_bps: 99,
            ..ok
        },
        BankParams {
            base_rate_bps: 2_000,
            ..ok
        },
        BankParams {
            max_rate_bps: 999,
            ..ok
        },
        BankParams {
            max_rate_bps: 50_001,
            ..ok
        },
        BankParams {
            optimal_utilization_bps: 999,
            ..ok
        },
        BankParams {
            interest_fee_bps: 5_001,
            ..ok
        },
    ];
    for bank in rate {
        set_quote_bank(&mut t, bank)
            .await
            .assert_error(KeelError::InvalidRateCurve);
    }
    let limits = [
        BankParams {
            max_utilization_bps: 7_999,
            ..ok
        },
        BankParams {
            max_utilization_bps: 9_801,
            ..ok
        },
        BankParams {
            net_borrow_limit: 0,
            ..ok
        },
        BankParams {
            net_borrow_window_secs: 3_599,
            ..ok
        },
        BankParams {
            net_borrow_window_secs: 2_592_001,
            ..ok
        },
    ];
    for bank in limits {
        set_quote_bank(&mut t, bank)
            .await
            .assert_error(KeelError::InvalidBankLimits);
    }
    set_quote_bank(
        &mut t,
        BankParams {
            optimal_rate_bps: 100,
            max_utilization_bps: 8_000,
            ..ok
        },
    )
    .await
    .assert_ok();
}

/// A crash with no attacker: SOL falls from 100 to 85 while the liquidatee (120 USDC, long
/// 1 000 lots from the maker) is underwater. The winner (the maker, short) closes first, buying
/// from the liquidator at 85: its +150 is owed by the market's PnL pool, not paid ahead of the
/// loser's loss. `settle_pnl` on the loser books its unrealised −150 into the pool (a borrow),
/// `settle_pnl` on the winner pays it, and the winner withdraws its whole balance (1 150 USDC
/// less fees). Then every liquidation step succeeds (they move ledgers, not tokens), the
/// bankruptcy is covered by the fund, and the passive depositor and the liquidator withdraw
/// everything they hold.
#[tokio::test]
async fn in_a_crash_winners_withdraw_first_and_every_depositor_is_still_repaid_in_full() {
    let mut s = keel_tests::liquidation::LongScenario::new().await;
    let passive = s.t.funded_trader().await;
    s.set_price(85).await;
    let m = s.market;
    s.t.place(&s.liqor, m, limit(Side::Ask, 85 * LOTS_PER_USD, 1_000))
        .await
        .assert_ok();
    s.t.place(
        &s.maker,
        m,
        order(
            OrderType::ImmediateOrCancel,
            Side::Bid,
            85 * LOTS_PER_USD,
            1_000,
        ),
    )
    .await
    .assert_ok();
    s.t.crank(m).await;
    let maker_position = *s.t.margin_account(&s.maker.account).await.perp(m).unwrap();
    assert_eq!((maker_position.base_lots, maker_position.pnl_owed_native), (0, 150 * USDC));
    let liqee = s.liqee.account;
    s.t.settle_pnl(m, &liqee).await.assert_ok();
    assert_eq!(s.t.balance(&liqee, 0).await, 120 * USDC - 150 * USDC - 500_000, "the loss is a borrow");
    s.t.settle_pnl(m, &s.maker.account).await.assert_ok();
    let winner = s.t.balance(&s.maker.account, 0).await;
    assert_eq!(
        winner,
        1_000 * USDC + 150 * USDC + 100_000 - 425_000,
        "+150 realised, the first fill's rebate, the close's taker fee"
    );
    s.t.withdraw(&s.maker, 0, winner as u64).await.assert_ok();

    loop {
        let outcome = s.t.liquidate_perp(&s.liqor, &liqee, m, 1_000).await;
        if outcome.error_code().is_some() {
            break;
        }
        outcome.assert_ok();
    }
    assert_eq!(
        s.t.position_lots(&liqee, m).await,
        0,
        "every step succeeded until the position was gone"
    );
    s.t.settle_bankruptcy(&liqee).await.assert_ok();
    assert_eq!(
        s.t.position_lots(&s.liqor.account, m).await,
        0,
        "the liquidator's short and the taken long net out"
    );
    for depositor in [&passive, &s.liqor] {
        let balance = s.t.balance(&depositor.account, 0).await;
        assert!(balance >= 1_000 * USDC - USDC, "{balance}");
        s.t.withdraw(depositor, 0, balance as u64).await.assert_ok();
        assert_eq!(s.t.balance(&depositor.account, 0).await, 0);
    }
}
