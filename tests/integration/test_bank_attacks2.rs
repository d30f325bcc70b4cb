//! Second round of attacks on the quote bank (commit ab5eb8e), each written as the property
//! that should hold; its doc comment gives the numbers. All three succeeded while the quote
//! paid out ahead of its loss was read *net* from the vault (tokens − booked claims): any
//! unbooked positive quote — a gain queued for a maker, a payer's funding settled before its
//! receiver's, tokens sent to the vault — hid the same amount of it from the utilisation cap
//! and the net-borrow limit. Fixed at the root: every market pays gains only out of its PnL
//! pool (`state::pnl_pool`), so no quote is ever paid ahead and liquidity counts booked
//! balances only.
//!
//! SOL-PERP at 100 USD, crashing to 80: lots of 0.01 SOL, one lot at 100 is worth 1 USDC; the
//! band is 5%.
//! Taker fee 5 bp, maker rebate 1 bp, 20% of net fees to the insurance fund. The quote bank's
//! net-borrow limit is 100 USDC per day, utilisation cap 95%.

use keel_tests::bank::{market_with_sol_collateral, trader_with};
use keel::error::KeelError;
use keel::instructions::markets::{CancelTarget, OrderType};
use keel::state::Side;
use keel_tests::context::TestContext;
use keel_tests::liquidation::LOTS_PER_USD;
use keel_tests::markets::{limit, order, usd};
use keel_tests::traders::Trader;
use anchor_spl::token::spl_token;
use solana_signer::Signer;

/// A frozen pool — new borrowing beyond the net-borrow limit withholds every depositor's
/// withdrawal — and an attacker ready to exploit it.
struct Frozen {
    t: TestContext,
    m: u16,
    /// The attacker's taker: 100 SOL, 600 USDC deposited, long 5 000 lots at 83.9.
    e: Trader,
    /// The attacker's maker: 100 SOL, short 5 000 lots at 83.9.
    f: Trader,
    /// The attacker's account holding a stuck 1 000 USDC deposit.
    w: Trader,
    /// With the funding pair: the attacker's G (100 SOL, 1 000 USDC) long 2 500 lots at 80
    /// and H (100 SOL) short, with 20 hours of funding unsettled (G owes H 400 USDC).
    gh: Option<(Trader, Trader)>,
}

/// A (100 SOL) buys 10 000 lots at 100 from B (2 000 USDC); SOL crashes to 80. B buys back
/// from C at 80: its +2 000 is owed by the PnL pool. `settle_pnl` on A books A's −2 000 as a
/// borrow — new lending 1 900 beyond the 100 USDC limit, withheld — and on B pays B. The
/// attacker's E (100 SOL, 600 USDC) buys 5 000 lots at 83.9 from its own F (100 SOL), cranked;
/// W deposits 1 000 USDC; passive P (10 000), D and D2 (8 000 each) and B then withdraw all the
/// pool lets out, so `quote_withdrawable()` is 0 and W is frozen by the net-borrow limit.
async fn frozen_pool(with_funding_pair: bool) -> Frozen {
    let (mut t, m, sol) = market_with_sol_collateral().await;
    let passive = trader_with(&mut t, sol, 0, 10_000_000_000).await;
    let a = trader_with(&mut t, sol, 100, 0).await;
    let b = trader_with(&mut t, sol, 0, 2_000_000_000).await;
    let c = trader_with(&mut t, sol, 0, 1_000_000_000).await;
    let e = trader_with(&mut t, sol, 100, 600_000_000).await;
    let f = trader_with(&mut t, sol, 100, 0).await;
    let w = trader_with(&mut t, sol, 0, 1_000_000_000).await;
    let d = trader_with(&mut t, sol, 0, 8_000_000_000).await;
    let d2 = trader_with(&mut t, sol, 0, 8_000_000_000).await;
    t.place(&a, m, limit(Side::Bid, 100 * LOTS_PER_USD, 10_000)).await.assert_ok();
    t.place(&b, m, order(OrderType::Market, Side::Ask, 0, 10_000)).await.assert_ok();
    t.crank(m).await;
    let mut now = t.now().await;
    set_prices(&mut t, m, sol, 80, now).await;
    t.place(&c, m, limit(Side::Ask, 80 * LOTS_PER_USD, 10_000)).await.assert_ok();
    t.place(&b, m, order(OrderType::Market, Side::Bid, 0, 10_000)).await.assert_ok();
    t.crank(m).await;
    assert_eq!(t.margin_account(&b.account).await.perp(m).unwrap().pnl_owed_native, 2_000_000_000);
    t.settle_pnl(m, &a.account).await.assert_ok();
    t.settle_pnl(m, &b.account).await.assert_ok();
    assert_eq!(t.balance(&a.account, 0).await, -1_999_000_000, "A's loss is a borrow (less its 1 USDC maker rebate)");

    let gh = if with_funding_pair {
        let g = trader_with(&mut t, sol, 100, 1_000_000_000).await;
        let h = trader_with(&mut t, sol, 100, 0).await;
        let q = trader_with(&mut t, sol, 0, 1_000_000_000).await;
        t.place(&h, m, limit(Side::Ask, 80 * LOTS_PER_USD, 2_500)).await.assert_ok();
        t.place(&g, m, order(OrderType::Market, Side::Bid, 0, 2_500)).await.assert_ok();
        t.crank(m).await;
        // 3 200 lots bid at 83.2, each worth 832 000 · 0.9995 − 800 000 = 31 584 to a seller
        // after the fee: 1.01 · 10^8 over the 12 500 lots of open interest, +1.01%, clamped to
        // 1% an hour; 10 asked at 84.
        t.place(&q, m, order(OrderType::PostOnly, Side::Bid, 832_000, 3_200)).await.assert_ok();
        t.place(&q, m, order(OrderType::PostOnly, Side::Ask, 840_000, 10)).await.assert_ok();
        for _ in 0..20 {
            now += 3_600;
            set_prices(&mut t, m, sol, 80, now).await;
            t.update_funding(m).await.assert_ok();
        }
        t.cancel(&q, m, CancelTarget::All).await.assert_ok();
        Some((g, h))
    } else {
        None
    };

    // The attacker's E opens a long against its own F; cranked, nothing realised yet.
    t.place(&f, m, limit(Side::Ask, 839_000, 5_000)).await.assert_ok();
    t.place(&e, m, order(OrderType::Market, Side::Bid, 0, 5_000)).await.assert_ok();
    t.crank(m).await;

    for drainer in [&passive, &d, &d2, &b, &c] {
        let left = t.quote_withdrawable().await;
        let own = t.balance(&drainer.account, 0).await.max(0) as u64;
        if left.min(own) > 0 {
            t.withdraw(drainer, 0, left.min(own)).await.assert_ok();
        }
    }
    show(&mut t, "drained").await;
    assert_eq!(t.quote_withdrawable().await, 0);
    assert!(t.balance(&w.account, 0).await >= 1_000_000_000, "W's deposit is all there");
    t.withdraw(&w, 0, 1_000_000).await.assert_error(KeelError::NetBorrowLimitExceeded);
    Frozen { t, m, e, f, w, gh }
}

/// Moves the clock to `now` and the market's oracle and SOL's to `dollars`.
async fn set_prices(t: &mut TestContext, m: u16, sol: u16, dollars: i64, now: i64) {
    t.set_time(now).await;
    t.set_market_price(m, usd(dollars, now));
    t.set_pull_price(sol, usd(dollars, now), pyth_solana_receiver_sdk::price_update::VerificationLevel::Full);
}

/// Prints the quote bank's liquidity numbers.
async fn show(t: &mut TestContext, label: &str) -> keel::state::bank::Liquidity {
    let quote = t.quote_asset().await;
    let vault = t.token_balance(&quote.vault).await;
    let l = quote.liquidity().unwrap();
    println!("{label}: vault {vault} unbooked {} {l:?}", quote.unbooked(vault).unwrap());
    l
}

/// ATTACK (fixed): a taker's loss paid out of its deposit while its maker's gain is still
/// queued used to hide the same amount of quote paid ahead elsewhere from the cap and the limit.
/// Now no quote is paid ahead — the maker's gain waits in the PnL pool — so the own-account
/// trade leaves the frozen pool frozen.
/// - [`frozen_pool`]: withdrawable 0; W's 1 000 USDC is stuck (`NetBorrowLimitExceeded`).
/// - The attacker's F bids 5 000 lots at 76.1 and its E sells into them: E realises −390 (and
///   a fee) out of its 600 USDC deposit into the pool; F's +390 waits for the crank.
/// - Nothing became withdrawable: W still cannot take 1 USDC. The crank pays F out of the pool;
///   the withheld excess is unchanged and still in the vault.
#[tokio::test]
async fn an_own_account_trade_with_a_queued_maker_gain_leaves_a_frozen_pool_frozen() {
    let Frozen { mut t, m, e, f, w, .. } = frozen_pool(false).await;
    let before = show(&mut t, "frozen").await;
    let e_before = t.balance(&e.account, 0).await;
    t.place(&f, m, limit(Side::Bid, 761_000, 5_000)).await.assert_ok();
    t.place(&e, m, order(OrderType::Market, Side::Ask, 0, 5_000)).await.assert_ok();
    let during = show(&mut t, "after own-account trade, fill queued").await;
    assert_eq!(e_before - t.balance(&e.account, 0).await, 390_000_000 + 1_902_500, "E's loss and taker fee (5 bp of 3 805)");
    assert_eq!(t.market(m).await.pnl_pool, 390_000_000, "the loss waits in the pool for F");
    assert_eq!(during.withdrawable, 0, "a trade between the attacker's own accounts unfroze the pool: {during:?}");
    t.withdraw(&w, 0, 1_000_000).await.assert_error(KeelError::NetBorrowLimitExceeded);
    t.crank(m).await;
    let after = show(&mut t, "after crank").await;
    assert_eq!(t.market(m).await.pnl_pool, 0, "F was paid out of the pool");
    let vault_key = t.quote_asset().await.vault;
    let vault = t.token_balance(&vault_key).await;
    assert!(after.withheld + 2_000_000 >= before.withheld, "{before:?} {after:?}");
    assert!(vault - after.withdrawable >= after.withheld, "the excess no longer stays in the vault: vault {vault}, {after:?}");
}

/// ATTACK (fixed): anyone may SPL-transfer tokens straight into the quote vault. They used to
/// count as the perp side's quote and be netted against quote paid ahead, so a donation of D
/// raised the pool's withdrawable by ≈ 2.05 D. Now only booked balances count: a donation of
/// 100 USDC into the frozen pool ([`frozen_pool`]) unlocks nothing (the property: at most D),
/// and `settle_insurance_claim` does not take it either.
#[tokio::test]
async fn direct_transfer_into_the_vault_unlocks_nothing() {
    let Frozen { mut t, w, .. } = frozen_pool(false).await;
    let donation = 100_000_000u64;
    let vault = t.quote_asset().await.vault;
    let ix = spl_token::instruction::transfer(&spl_token::ID, &w.wallets[0], &vault, &w.owner.pubkey(), &[], donation).unwrap();
    t.send(&[ix], &[&w.owner]).await.assert_ok();
    t.quote_donated += donation;
    let l = show(&mut t, "after donation").await;
    assert_eq!(l.withdrawable, 0, "a donation of {donation} unlocked {} of withdrawals: {l:?}", l.withdrawable);
    t.withdraw(&w, 0, 1_000_000).await.assert_error(KeelError::NetBorrowLimitExceeded);
}

/// ATTACK (fixed): the same netting through the permissionless crank and no trade: funding
/// owed by a payer with USDC, settled before its receiver, used to make the vault's unbooked
/// quote positive and hide quote paid ahead elsewhere. Now the payer's 400 USDC go into the PnL
/// pool, owed to H, and the pool stays frozen whichever order anyone cranks them in.
/// - [`frozen_pool`] with the attacker's funding pair: G (1 000 USDC) long 2 500 lots owes its
///   own H 20 h × 1% × 2 500 lots × 0.80 = 400 USDC, neither settled.
/// - `settle_pnl` on G: G pays 400 out of its deposit into the pool; nothing is withdrawable.
/// - `settle_pnl` on H: H is paid the 400 out of the pool; the withheld excess is still in the
///   vault.
#[tokio::test]
async fn settling_a_funding_payer_before_its_receiver_leaves_a_frozen_pool_frozen() {
    let Frozen { mut t, m, w, gh, .. } = frozen_pool(true).await;
    let (g, h) = gh.unwrap();
    let before = show(&mut t, "frozen").await;
    let g_before = t.balance(&g.account, 0).await;
    t.settle_pnl(m, &g.account).await.assert_ok();
    assert_eq!(g_before - t.balance(&g.account, 0).await, 400_000_000, "G paid its funding");
    let during = show(&mut t, "after cranking the payer G").await;
    assert_eq!(during.withdrawable, 0, "cranking one side of the funding unfroze the pool: {during:?}");
    t.withdraw(&w, 0, 1_000_000).await.assert_error(KeelError::NetBorrowLimitExceeded);
    let h_before = t.balance(&h.account, 0).await;
    t.settle_pnl(m, &h.account).await.assert_ok();
    assert_eq!(t.balance(&h.account, 0).await - h_before, 399_999_999, "H is paid out of G's payment (a receiver's funding rounds down)");
    let after = show(&mut t, "after cranking the receiver H").await;
    let vault_key = t.quote_asset().await.vault;
    let vault = t.token_balance(&vault_key).await;
    assert!(after.withheld + 2_000_000 >= before.withheld, "{before:?} {after:?}");
    assert!(vault - after.withdrawable >= after.withheld, "the excess no longer stays in the vault: vault {vault}, {after:?}");
}
