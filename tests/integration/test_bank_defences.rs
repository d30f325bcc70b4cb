//! Defences of the quote bank that hold (from `test_bank_attacks`, same market and numbers): a
//! liquidation with a drained vault and a full net-borrow window, dust collateral against
//! `settle_bankruptcy`, deposit–withdraw cycles at a non-unit index, and
//! `settle_insurance_claim` against depositors' liquidity.

use keel::error::KeelError;
use keel::instructions::markets::OrderType;
use keel::state::Side;
use keel_tests::bank::{market_with_sol_collateral, set_net_borrow_limit, trader_with};
use keel_tests::insurance::{LIMIT_BPS, PERIOD_SECS};
use keel_tests::markets::{limit, order, usd};


/// DEFENCE (holds): a liquidation never needs vault tokens and the net-borrow limit never blocks
/// it. After the winner of a wash trade has withdrawn up to the utilisation cap (the vault holds
/// only the cap's reserve) and the window is full, the loser's SOL crashes and a liquidation of
/// its collateral still goes through; a further withdrawal beyond the cap is refused with
/// UtilizationCapReached.
#[tokio::test]
async fn liquidation_goes_through_with_a_drained_vault_and_a_full_window() {
    let (mut t, m, sol) = market_with_sol_collateral().await;
    let passive = trader_with(&mut t, sol, 0, 1_000_000_000).await;
    let a = trader_with(&mut t, sol, 30, 0).await;
    let b = trader_with(&mut t, sol, 0, 2_000_000_000).await;
    let liqor = trader_with(&mut t, sol, 0, 1_000_000_000).await;
    t.create_insurance_fund(LIMIT_BPS, PERIOD_SECS)
        .await
        .assert_ok();
    set_net_borrow_limit(&mut t, 1_000_000_000_000).await;

    // A loses 9.8 · 100 = 980 USDC to B through maker fills (no limit applies to them).
    t.place(&a, m, limit(Side::Bid, 1_049_000, 10_000))
        .await
        .assert_ok();
    t.place(&b, m, order(OrderType::Market, Side::Ask, 0, 10_000))
        .await
        .assert_ok();
    t.crank(m).await;
    t.place(&a, m, limit(Side::Ask, 951_000, 10_000))
        .await
        .assert_ok();
    t.place(&b, m, order(OrderType::Market, Side::Bid, 0, 10_000))
        .await
        .assert_ok();
    t.crank(m).await;
    let quote = t.quote_asset().await;
    let vault = t.token_balance(&quote.vault).await;
    let withdrawable = quote.withdrawable().unwrap();
    let b_quote = t.balance(&b.account, 0).await as u64;
    assert_eq!(
        (t.balance(&a.account, 0).await, b_quote, vault, withdrawable),
        (-978_000_000, 2_970_000_000, 4_000_000_000, 3_940_526_315)
    );
    t.withdraw(&b, 0, b_quote).await.assert_ok();
    t.withdraw(&passive, 0, withdrawable - b_quote)
        .await
        .assert_ok();
    t.withdraw(&passive, 0, 1)
        .await
        .assert_error(KeelError::UtilizationCapReached);
    let vault = t.token_balance(&quote.vault).await;
    assert_eq!(
        vault,
        4_000_000_000 - 3_940_526_315,
        "only the cap's reserve is left: 978 / 0.95 − 978"
    );

    // SOL falls to 30: A (30 SOL, −978 USDC) is liquidatable: Maint = 30 · 30 · 0.9 − 978 < 0.
    let now = t.now().await;
    t.set_pull_price(
        sol,
        usd(30, now),
        pyth_solana_receiver_sdk::price_update::VerificationLevel::Full,
    );
    t.set_market_price(m, usd(30, now));
    let h = t.healths(&a.account).await;
    assert!(h.maint < 0, "{h:?}");
    t.liquidate_collateral(&liqor, &a.account, sol, u64::MAX)
        .await
        .assert_ok();
}

/// DEFENCE (holds): a bankrupt account's owner cannot keep `settle_bankruptcy` away (and the
/// loss unsocialised while it front-runs) by depositing a dust unit of SOL: a keeper
/// liquidates the one unit (a step that takes all there is is never refused as dust) and
/// settles.
#[tokio::test]
async fn dust_collateral_does_not_block_settle_bankruptcy() {
    let (mut t, _m, sol) = market_with_sol_collateral().await;
    let winner = trader_with(&mut t, sol, 0, 1_000_000_000).await;
    let liqor = trader_with(&mut t, sol, 0, 1_000_000_000).await;
    t.create_insurance_fund(LIMIT_BPS, PERIOD_SECS)
        .await
        .assert_ok();
    let bankrupt = t.trader(&[0, 10]).await;
    t.book_settled_pnl(&bankrupt.account, &winner.account, 50_000_000)
        .await;
    t.deposit(&bankrupt, sol, 1).await.assert_ok();
    t.settle_bankruptcy(&bankrupt.account)
        .await
        .assert_error(KeelError::NotBankrupt);
    t.liquidate_collateral(&liqor, &bankrupt.account, sol, u64::MAX)
        .await
        .assert_ok();
    t.settle_bankruptcy(&bankrupt.account).await.assert_ok();
    assert_eq!(t.balance(&bankrupt.account, 0).await, 0);
}

/// DEFENCE (holds): at a non-unit deposit index (interest accrued for 30 days at 33%
/// utilisation), twenty cycles of tiny deposits and withdrawals (1–3 native units) never leave
/// the trader with more than it started with (wallet + balance): every conversion rounds into
/// the bank's dust.
#[tokio::test]
async fn tiny_deposit_withdraw_cycles_at_non_unit_index_never_gain() {
    let (mut t, _m, sol) = market_with_sol_collateral().await;
    let _passive = trader_with(&mut t, sol, 0, 1_000_000_000).await;
    let borrower = trader_with(&mut t, sol, 100, 0).await;
    let winner = trader_with(&mut t, sol, 0, 0).await;
    t.book_settled_pnl(&borrower.account, &winner.account, 500_000_000)
        .await;
    let now = t.now().await;
    t.set_time(now + 30 * 86_400).await;
    let ix = keel_client::insurance::accrue_interest(&t.exchange, &t.asset(0).mint);
    t.send(&[ix], &[]).await.assert_ok();
    let index = t.quote_asset().await.indices();
    println!("indices after 30 days: {index:?}");
    assert!(
        index.deposit.raw() > keel::math::FIXED_SCALE
            && index.deposit.raw() % keel::math::FIXED_SCALE != 0
    );

    let r = t.trader(&[1_000]).await;
    let wealth = |wallet: u64, balance: i64| wallet as i64 + balance;
    let start = wealth(t.token_balance(&r.wallets[0]).await, 0);
    for i in 0..20u64 {
        let _ = t.deposit(&r, 0, 1 + i % 3).await;
        let balance = t.balance(&r.account, 0).await;
        if balance > 0 {
            t.withdraw(&r, 0, balance as u64).await.assert_ok();
        }
        let now = wealth(
            t.token_balance(&r.wallets[0]).await,
            t.balance(&r.account, 0).await,
        );
        assert!(now <= start, "cycle {i}: wealth {now} > {start}");
    }
}

/// DEFENCE (holds): `settle_insurance_claim` never takes liquidity a depositor could withdraw,
/// even when the fund's claim is interest borrowers have not paid yet. P deposits 1 000 USDC; A
/// (100 SOL) owes W 900; W withdraws its 900 (utilisation 90%, vault 100); a year at 55%/yr
/// later the fund's claim holds its 10% share of ~495 USDC of interest. Settling moves only
/// what the vault holds beyond what depositors may withdraw (here nothing is withdrawable:
/// utilisation is above the cap), and what depositors may withdraw is the same after.
#[tokio::test]
async fn settle_insurance_claim_leaves_depositors_withdrawable_intact() {
    let (mut t, _m, sol) = market_with_sol_collateral().await;
    let _passive = trader_with(&mut t, sol, 0, 1_000_000_000).await;
    let a = trader_with(&mut t, sol, 100, 0).await;
    let w = trader_with(&mut t, sol, 0, 0).await;
    t.create_insurance_fund(LIMIT_BPS, PERIOD_SECS)
        .await
        .assert_ok();
    set_net_borrow_limit(&mut t, 1_000_000_000_000).await;
    t.book_settled_pnl(&a.account, &w.account, 900_000_000)
        .await;
    t.withdraw(&w, 0, 900_000_000).await.assert_ok();
    let now = t.now().await;
    t.set_time(now + 365 * 86_400).await;
    let mint = t.asset(0).mint;
    t.send(
        &[keel_client::insurance::accrue_interest(&t.exchange, &mint)],
        &[],
    )
    .await
    .assert_ok();
    let before = t.quote_asset().await;
    let vault = t.token_balance(&before.vault).await;
    let withdrawable_before = before.withdrawable().unwrap();
    let claim = before.bank.insurance_claim;
    println!(
        "claim {claim}, vault {vault}, withdrawable {withdrawable_before}, utilisation {} bps",
        before.utilization_bps().unwrap()
    );
    assert!(claim > 40_000_000);
    let outcome = t
        .send(
            &[keel_client::insurance::settle_insurance_claim(
                &t.exchange,
                &mint,
            )],
            &[],
        )
        .await;
    t.assert_conserved().await;
    let after = t.quote_asset().await;
    let vault_after = t.token_balance(&after.vault).await;
    println!(
        "settle: {:?}; claim after {}, vault after {vault_after}",
        outcome.result, after.bank.insurance_claim
    );
    assert_eq!(
        after.withdrawable().unwrap(),
        withdrawable_before
    );
    assert!(vault_after >= withdrawable_before);
}
