//! The liquidation mark follows health: `liquidation_cancel_orders` does not set it (only a
//! step does), and a deposit ends a liquidation in progress, so a recovered account is judged
//! exactly as an identical account that was never liquidated.

use keel::error::KeelError;
use keel::state::{Side, LIQUIDATION_IN_PROGRESS, LIQUIDATION_NONE};
use keel_tests::liquidation::{LongScenario, LOTS_PER_USD};
use keel_tests::markets::{limit, OrderArgsExt};

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

#[tokio::test]
async fn deposit_ends_a_liquidation_in_progress_and_a_new_fall_starts_one() {
    let mut s = LongScenario::new().await;
    s.set_price(92).await;
    s.t.liquidate_perp(&s.liqor, &s.liqee.account, s.market, 200)
        .await
        .assert_ok();
    assert_eq!(
        s.t.margin_account(&s.liqee.account).await.being_liquidated,
        LIQUIDATION_IN_PROGRESS
    );

    s.t.deposit(&s.liqee, 0, 5_000_000).await.assert_ok();
    assert_eq!(
        s.t.margin_account(&s.liqee.account).await.being_liquidated,
        LIQUIDATION_NONE
    );
    let h = s.t.healths(&s.liqee.account).await;
    assert!(h.maint >= 0 && h.liq_end < 0, "{h:?}");
    s.t.liquidate_perp(&s.liqor, &s.liqee.account, s.market, 200)
        .await
        .assert_error(KeelError::NotLiquidatable);

    s.set_price(89).await;
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
    assert_eq!(
        s.t.margin_account(&s.liqee.account).await.being_liquidated,
        LIQUIDATION_IN_PROGRESS
    );
}
