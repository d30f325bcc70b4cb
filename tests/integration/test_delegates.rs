//! Delegates that cannot steal: a delegate's fills lie within the slippage its owner allows
//! (taker limits clamped, resting prices refused outside it, resting orders removed once the
//! oracle leaves them behind) and the cost of its orders stays within a loss limit per period.
//! The attack each test stops: the delegate round-trips band-edge trades between the owner's
//! account and its own.

use keel::error::KeelError;
use keel::events::OrderPlaced;
use keel::instructions::markets::OrderType;
use keel::state::{OutReason, Side};
use keel::SetDelegateArgs;
use keel_client::events::events_of;
use keel_client::instructions as kix;
use keel_tests::context::TestContext;
use keel_tests::markets::{limit, order, sol_market_with_two_traders, usd, T0};
use keel_tests::traders::Trader;
use solana_signer::Signer;

const START: i64 = 1_000_000_000;

/// The owner's account with the colluder's owner key as its delegate (0.5% slippage,
/// `loss_limit` per day); returns (context, market, owner, colluder).
async fn delegated(loss_limit: u64) -> (TestContext, u16, Trader, Trader) {
    let (mut t, m, owner, colluder) = sol_market_with_two_traders().await;
    let ix = kix::set_delegate(
        &owner.owner.pubkey(),
        &owner.account,
        kix::tight_delegate(&colluder.owner.pubkey(), loss_limit),
    );
    t.send(&[ix], &[&owner.owner]).await.assert_ok();
    (t, m, owner, colluder)
}

/// (filled, rested) of the one `OrderPlaced` event of `logs`.
fn took(logs: &[String]) -> (i64, i64) {
    let events = events_of::<OrderPlaced>(logs);
    (events[0].filled_lots, events[0].rested_lots)
}

#[tokio::test]
async fn delegate_market_order_is_clamped_to_its_slippage() {
    // Before: the delegate bought 1 SOL for the owner at the band edge, 105, from its own
    // account — 5 USDC moved from the owner to the delegate per round.
    let (mut t, m, owner, colluder) = delegated(1_000_000_000).await;
    t.place(&colluder, m, limit(Side::Ask, 1_050_000, 100))
        .await
        .assert_ok();
    let delegate = colluder.owner.insecure_clone();
    let outcome = t
        .place_signed(
            &owner,
            m,
            order(OrderType::Market, Side::Bid, 0, 100),
            &delegate,
        )
        .await;
    assert_eq!(took(&outcome.assert_ok().logs), (0, 0));
    assert_eq!(t.position_lots(&owner.account, m).await, 0);
    assert_eq!(t.balance(&owner.account, 0).await, START);
}

#[tokio::test]
async fn delegate_resting_order_outside_its_slippage_is_refused() {
    let (mut t, m, owner, colluder) = delegated(1_000_000_000).await;
    let delegate = colluder.owner.insecure_clone();
    // 0.5% of 100 is 1 005 000 lots; 1 010 000 is inside the market's band but not the delegate's.
    t.place_signed(&owner, m, limit(Side::Bid, 1_010_000, 10), &delegate)
        .await
        .assert_error(KeelError::DelegateSlippageExceeded);
    t.place_signed(&owner, m, limit(Side::Bid, 1_005_000, 10), &delegate)
        .await
        .assert_ok();
    // The owner itself is held to the market's band only.
    t.place(&owner, m, limit(Side::Bid, 1_010_000, 10))
        .await
        .assert_ok();
}

#[tokio::test]
async fn delegate_losses_are_capped_per_period_and_the_cap_renews() {
    let (mut t, m, owner, colluder) = delegated(100_000).await;
    t.place(&colluder, m, limit(Side::Ask, 1_004_000, 40))
        .await
        .assert_ok();
    let delegate = colluder.owner.insecure_clone();
    let buy = order(OrderType::ImmediateOrCancel, Side::Bid, 1_004_000, 10);
    // Each buy: 10 lots 0.4% over the oracle = 40 000, taker fee 5 bp of 10 040 000 = 5 020.
    for used in [45_020u64, 90_040] {
        t.place_signed(&owner, m, buy, &delegate).await.assert_ok();
        assert_eq!(
            t.margin_account(&owner.account)
                .await
                .delegate_limits
                .period_loss,
            used
        );
    }
    t.place_signed(&owner, m, buy, &delegate)
        .await
        .assert_error(KeelError::DelegateLossLimitExceeded);
    assert_eq!(t.position_lots(&owner.account, m).await, 20);

    t.set_time(T0 + 86_400).await;
    t.set_market_price(m, usd(100, T0 + 86_400));
    t.place_signed(&owner, m, buy, &delegate).await.assert_ok();
    let limits = t.margin_account(&owner.account).await.delegate_limits;
    assert_eq!(
        (limits.period_start_ts, limits.period_loss),
        (T0 + 86_400, 45_020)
    );
    assert_eq!(t.position_lots(&owner.account, m).await, 30);
}

#[tokio::test]
async fn delegate_resting_order_is_charged_its_worst_fill_and_removed_once_the_oracle_leaves_it() {
    let (mut t, m, owner, colluder) = delegated(1_000_000_000).await;
    let delegate = colluder.owner.insecure_clone();
    t.place_signed(&owner, m, limit(Side::Ask, 1_004_000, 10), &delegate)
        .await
        .assert_ok();
    // 10 040 000 · 0.005 / 0.995, rounded up.
    assert_eq!(
        t.margin_account(&owner.account)
            .await
            .delegate_limits
            .period_loss,
        50_453
    );

    // At 101 the delegate's ask at 100.40 lies 0.6% below the oracle: outside its 0.5%.
    t.set_market_price(m, usd(101, T0));
    let outcome = t
        .place(&colluder, m, order(OrderType::Market, Side::Bid, 0, 10))
        .await;
    assert_eq!(took(&outcome.assert_ok().logs), (0, 0));
    let queue = t.fill_queue(m).await;
    assert_eq!(
        queue
            .iter()
            .map(|e| (e.kind, e.out_reason))
            .collect::<Vec<_>>(),
        vec![(2, OutReason::OutsideBand as u8)]
    );
    t.crank(m).await;
    assert_eq!(t.open_order_count(&owner.account).await, 0);
    assert_eq!(t.balance(&owner.account, 0).await, START);
    assert_eq!(t.position_lots(&colluder.account, m).await, 0);
}

#[tokio::test]
async fn set_delegate_with_limits_out_of_bounds_fails_invalid_delegate_limits() {
    let (mut t, _, owner, colluder) = sol_market_with_two_traders().await;
    let delegate = colluder.owner.pubkey();
    let good = kix::tight_delegate(&delegate, 1);
    for args in [
        SetDelegateArgs {
            max_slippage_bps: 0,
            ..good
        },
        SetDelegateArgs {
            max_slippage_bps: 1_001,
            ..good
        },
        SetDelegateArgs {
            period_secs: 59,
            ..good
        },
        SetDelegateArgs {
            period_secs: 2_678_401,
            ..good
        },
    ] {
        let ix = kix::set_delegate(&owner.owner.pubkey(), &owner.account, args);
        t.send(&[ix], &[&owner.owner])
            .await
            .assert_error(KeelError::InvalidDelegateLimits);
    }
    t.send(
        &[kix::set_delegate(
            &owner.owner.pubkey(),
            &owner.account,
            good,
        )],
        &[&owner.owner],
    )
    .await
    .assert_ok();
    t.send(
        &[kix::clear_delegate(&owner.owner.pubkey(), &owner.account)],
        &[&owner.owner],
    )
    .await
    .assert_ok();
    let account = t.margin_account(&owner.account).await;
    assert_eq!(
        (account.delegate, account.delegate_limits.loss_limit),
        (Default::default(), 0)
    );
}
