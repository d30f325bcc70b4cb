//! Attacks on the quote bank through funding paid ahead of its payer (first attack round): a
//! receiver credited before its payer settles is lent liquidity without a borrow. Shared set-up
//! in `test_bank_attacks`.

use crate::test_bank_attacks::{market_with_sol_collateral, trader_with, LIMIT_100_USDC};
use keel::error::KeelError;
use keel::instructions::markets::{CancelTarget, OrderType};
use keel::state::Side;
use keel_tests::context::TestContext;
use keel_tests::liquidation::LOTS_PER_USD;
use keel_tests::markets::{limit, order, usd};
use keel_tests::traders::Trader;

/// The funding scenario: A (100 SOL, no USDC) long 10 000 lots at 100, B (2 000 USDC) short;
/// C rests a bid at 104 and an ask at 105 (mid 104.5, a 4.5% premium clamped to 1% an hour);
/// ten hourly funding updates; B re-touches its position (a post-only order it cancels), is
/// credited 10 × 100 = 1 000 USDC and tries to withdraw it. A never touches. Passive P has 10 000 USDC.
/// Returns (context, market, SOL index, A, the outcome of B's withdrawal of the 1 000 USDC).
async fn funding_paid_ahead_scenario(
) -> (TestContext, u16, u16, Trader, keel_tests::outcome::Outcome) {
    let (mut t, m, sol) = market_with_sol_collateral().await;
    let _passive = trader_with(&mut t, sol, 0, 10_000_000_000).await;
    let a = trader_with(&mut t, sol, 100, 0).await;
    let b = trader_with(&mut t, sol, 0, 2_000_000_000).await;
    let c = trader_with(&mut t, sol, 0, 1_000_000_000).await;
    t.place(&a, m, limit(Side::Bid, 100 * LOTS_PER_USD, 10_000))
        .await
        .assert_ok();
    t.place(&b, m, order(OrderType::Market, Side::Ask, 0, 10_000))
        .await
        .assert_ok();
    t.crank(m).await;
    t.place(&c, m, order(OrderType::PostOnly, Side::Bid, 1_040_000, 1))
        .await
        .assert_ok();
    t.place(&c, m, order(OrderType::PostOnly, Side::Ask, 1_050_000, 1))
        .await
        .assert_ok();
    let mut now = t.now().await;
    for _ in 0..10 {
        now += 3_600;
        t.set_time(now).await;
        t.set_market_price(m, usd(100, now));
        t.set_pull_price(
            sol,
            usd(100, now),
            pyth_solana_receiver_sdk::price_update::VerificationLevel::Full,
        );
        t.update_funding(m).await.assert_ok();
    }
    let b_before = t.balance(&b.account, 0).await;
    t.place(&b, m, order(OrderType::PostOnly, Side::Ask, 1_050_000, 1))
        .await
        .assert_ok();
    t.cancel(&b, m, CancelTarget::All).await.assert_ok();
    let credited = t.balance(&b.account, 0).await - b_before;
    assert_eq!(
        credited, 1_000_000_000,
        "10 hours × 1% × 10 000 lots × 1 USDC"
    );
    let outcome = t.withdraw(&b, 0, credited as u64).await;
    (t, m, sol, a, outcome)
}

/// ATTACK (fixed): funding is another loss that is paid ahead of its payer — the receiver is
/// credited when it touches its position, the payer only when it touches its own
/// ([`funding_paid_ahead_scenario`]). The 996 USDC paid ahead (the rest is fee tokens the vault
/// holds) counts as new lending in every window — the window's baseline is booked borrows only —
/// so whoever withdraws, the vault keeps all of it beyond the 100 USDC limit.
#[tokio::test]
async fn funding_paid_ahead_is_withheld_by_the_net_borrow_limit() {
    let (mut t, _m, _sol, _a, outcome) = funding_paid_ahead_scenario().await;
    outcome.assert_ok();
    let quote = t.quote_asset().await;
    let vault = t.token_balance(&quote.vault).await;
    let liquidity = quote.liquidity(vault).unwrap();
    assert!(
        liquidity.new_lending > 990_000_000 && liquidity.withheld > 890_000_000,
        "{liquidity:?}"
    );
    assert!(
        vault - liquidity.withdrawable >= liquidity.withheld,
        "the excess stays in the vault"
    );
}

/// ATTACK (mitigated, a known gap): the same 996 USDC that funding paid ahead lends out of
/// depositors' liquidity is not a borrow of any account until A touches its position, so it
/// pays no interest; depositors do not earn on it. What the attacker can extract is bounded: it
/// counts as new lending in every window, so at most the net-borrow limit of it ever leaves the
/// vault — 30 days later (with a new window) still no more than that.
#[tokio::test]
async fn funding_paid_ahead_can_leave_the_vault_only_up_to_the_limit() {
    let (mut t, _m, _sol, _a, outcome) = funding_paid_ahead_scenario().await;
    outcome.assert_ok();
    let now = t.now().await;
    t.set_time(now + 30 * 86_400).await;
    let ix = keel_client::insurance::accrue_interest(&t.exchange, &t.asset(0).mint);
    t.send(&[ix], &[]).await.assert_ok();
    let quote = t.quote_asset().await;
    let liquidity = quote
        .liquidity(t.token_balance(&quote.vault).await)
        .unwrap();
    assert!(liquidity.new_lending > 990_000_000, "{liquidity:?}");
    assert!(
        liquidity.withheld >= liquidity.new_lending as u64 - LIMIT_100_USDC,
        "{liquidity:?}"
    );
}

/// DEFENCE: the gap above closes as soon as anyone cranks the payer: `settle_account_funding`
/// (permissionless) settles A's 1 000 USDC of funding into its quote balance — a booked borrow
/// now — so nothing is paid ahead any more, utilisation counts it, and 30 days later A has paid
/// interest on it. A's health is the same before and after the crank (pending funding already
/// counted); the crank refuses an account without a slot in the market.
#[tokio::test]
async fn cranking_the_payers_funding_turns_the_paid_ahead_quote_into_a_borrow_that_pays_interest() {
    let (mut t, m, _sol, a, outcome) = funding_paid_ahead_scenario().await;
    outcome.assert_ok();
    let health_before = t.healths(&a.account).await;
    let keys = t.markets[m as usize].keys;
    t.send(&[keel_client::markets::settle_account_funding(&keys, &a.account)], &[]).await.assert_ok();
    t.assert_conserved().await;
    assert_eq!(t.healths(&a.account).await, health_before, "settling moves pending funding into the balance");
    let borrowed = -t.balance(&a.account, 0).await;
    assert_eq!(borrowed, 999_000_000, "A owes the 1 000 of funding it paid, less its 1 USDC maker rebate");
    let quote = t.quote_asset().await;
    let ahead = quote.unbooked(t.token_balance(&quote.vault).await).unwrap();
    assert!(!ahead.is_negative(), "nothing is paid ahead any more: {ahead}");
    assert!(quote.utilization_bps().unwrap() > 0);

    let now = t.now().await;
    t.set_time(now + 30 * 86_400).await;
    t.send(&[keel_client::insurance::accrue_interest(&t.exchange, &t.asset(0).mint)], &[]).await.assert_ok();
    assert!(t.quote_asset().await.bank.total_interest > 0, "the borrow paid interest");
    assert!(-t.balance(&a.account, 0).await > borrowed);

    let stranger = trader_with(&mut t, 1, 0, 1_000_000).await;
    t.send(&[keel_client::markets::settle_account_funding(&keys, &stranger.account)], &[]).await.assert_error(KeelError::NoPositionInMarket);
}
