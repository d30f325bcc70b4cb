//! The liquidation mark follows health: `liquidation_cancel_orders` does not set it (only a
//! step does), and a liquidation in progress ends once the account has recovered by any means
//! (LiquidationEnd ≥ 0 with every price valid), while a dust deposit does not end it.

use keel::error::KeelError;
use keel::instructions::markets::OrderType;
use keel::state::{Side, LIQUIDATION_IN_PROGRESS, LIQUIDATION_NONE};
use keel_tests::liquidation::{LongScenario, LOTS_PER_USD};
use keel_tests::markets::{limit, order, OrderArgsExt};

#[tokio::test]
async fn liquidation_cancel_orders_does_not_mark_and_a_recovered_account_is_not_liquidatable() {
    // Before: the cancel marked the account; after a deposit lifted Maint above zero (with
    // LiquidationEnd still below) it stayed liquidatable where an unmarked account was not.
    let mut s = LongScenario::new().await;
    s.t.place(
        &s.liqee,
        s.market,
        limit(Side::Ask, 104 * LOTS_PER_USD, 100).reduce_only(),
    )
    .await
    .assert_ok();
    s.set_price(92).await;
    assert!(s.t.healths(&s.liqee.account).await.maint < 0);
    s.t.liquidation_cancel(&s.liqee.account, s.market)
        .await
        .assert_ok();
    assert_eq!(
        s.t.margin_account(&s.liqee.account).await.being_liquidated,
        LIQUIDATION_NONE
    );

    s.t.deposit(&s.liqee, 0, 10_000_000).await.assert_ok();
    let h = s.t.healths(&s.liqee.account).await;
    assert!(h.maint >= 0 && h.liq_end < 0, "{h:?}");
    s.t.liquidate_perp(&s.liqor, &s.liqee.account, s.market, 1_000)
        .await
        .assert_error(KeelError::NotLiquidatable);
}

/// A dust deposit does not stop a liquidation half-way (the review's attack: one native unit
/// used to clear the mark at Maint ≥ 0, LiquidationEnd < 0, and the keeper could not go on).
#[tokio::test]
async fn dust_deposit_does_not_halt_a_liquidation_in_progress() {
    let mut s = LongScenario::new().await;
    s.set_price(92).await;
    for _ in 0..3 {
        s.t.liquidate_perp(&s.liqor, &s.liqee.account, s.market, 100)
            .await
            .assert_ok();
    }
    let h = s.t.healths(&s.liqee.account).await;
    assert!(h.maint >= 0 && h.liq_end < 0, "{h:?}");
    s.t.deposit(&s.liqee, 0, 1).await.assert_ok();
    let state = s.t.margin_account(&s.liqee.account).await.being_liquidated;
    assert_eq!(state, LIQUIDATION_IN_PROGRESS);
    s.t.liquidate_perp(&s.liqor, &s.liqee.account, s.market, 100)
        .await
        .assert_ok();
    assert_eq!(s.t.position_lots(&s.liqee.account, s.market).await, 600);
}

/// A liquidation in progress ends once the account has recovered by any means: a deposit that
/// lifts LiquidationEnd to ≥ 0 makes it unliquidatable at once, and its next order clears the
/// mark; a later fall below Maint starts a new liquidation.
#[tokio::test]
async fn recovered_account_ends_its_liquidation_and_a_new_fall_starts_one() {
    let mut s = LongScenario::in_progress_at_92().await;
    // After the 200-lot step LiquidationEnd is below zero: 25 USDC lifts it above.
    s.t.deposit(&s.liqee, 0, 25_000_000).await.assert_ok();
    let h = s.t.healths(&s.liqee.account).await;
    assert!(h.maint >= 0 && h.liq_end >= 0, "{h:?}");
    s.t.liquidate_perp(&s.liqor, &s.liqee.account, s.market, 200)
        .await
        .assert_error(KeelError::NotLiquidatable);
    let ioc = order(
        OrderType::ImmediateOrCancel,
        Side::Ask,
        92 * LOTS_PER_USD,
        10,
    )
    .reduce_only();
    s.t.place(&s.liqee, s.market, ioc).await.assert_ok();
    let state = s.t.margin_account(&s.liqee.account).await.being_liquidated;
    assert_eq!(state, LIQUIDATION_NONE);

    s.set_price(85).await;
    let before = s.t.healths(&s.liqee.account).await;
    assert!(before.maint < 0, "{before:?}");
    s.t.liquidate_perp(&s.liqor, &s.liqee.account, s.market, 100)
        .await
        .assert_ok();
    let after = s.t.healths(&s.liqee.account).await;
    assert!(
        after.maint > before.maint && after.liq_end > before.liq_end,
        "{before:?} -> {after:?}"
    );
    let state = s.t.margin_account(&s.liqee.account).await.being_liquidated;
    assert_eq!(state, LIQUIDATION_IN_PROGRESS);
}
