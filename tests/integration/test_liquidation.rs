//! Liquidation scenarios with real numbers: a price move makes an account liquidatable, a
//! third party liquidates it in steps to LiquidationEnd, the bounty arrives from the insurance
//! fund, and every ledger reconciles.

use keel::error::KeelError;
use keel::events::{InsuranceClaimChanged, PerpLiquidated, INSURANCE_BOUNTY, INSURANCE_PENALTY};
use keel_client::events::events_of;
use keel_tests::liquidation::{Healths, LongScenario};

/// Long 10 SOL from 100 with 120 USDC; at 92: Maint = 119.5 − 80 − 46 = −6.5 USDC,
/// LiquidationEnd = 119.5 − 80 − 69 = −29.5. Each lot (0.01 SOL, 0.92 USDC) taken raises
/// LiquidationEnd by 0.92 · (7.5% − 1.5% discount − 1% penalty) = 0.046, so 642 lots are the
/// fewest that end the liquidation.
#[tokio::test]
async fn price_drop_makes_long_liquidatable_and_one_step_stops_at_liquidation_end() {
    let mut s = LongScenario::new().await;
    let (liqee, liqor, market) = (s.liqee.account, s.liqor.account, s.market);
    assert_eq!(s.t.healths(&liqee).await.maint, 69_500_000, "at 100: 119.5 − 50 maint margin");
    s.t.liquidate_perp(&s.liqor, &liqee, market, 1_000).await.assert_error(KeelError::NotLiquidatable);

    s.set_price(92).await;
    assert_eq!(s.t.healths(&liqee).await, Healths { init: -52_500_000, maint: -6_500_000, liq_end: -29_500_000 });
    let fund_before = s.t.fund_total().await;
    let liqor_quote_before = s.t.balance(&liqor, 0).await;

    let outcome = s.t.liquidate_perp(&s.liqor, &liqee, market, 1_000).await;
    outcome.assert_ok();
    let step = &events_of::<PerpLiquidated>(&outcome.logs)[0];
    assert_eq!((step.base_lots, step.oracle_notional, step.transfer_notional), (642, 590_640_000, 581_780_400));
    assert_eq!((step.penalty, step.bounty), (5_906_400, 2_953_200), "penalty 1%, bounty half of it");
    assert_eq!((step.health.maint_before, step.health.liq_end_before), (-6_500_000, -29_500_000));
    assert_eq!((step.health.maint_after, step.health.liq_end_after), (8_266_000, 32_000));
    assert_eq!(step.liqee_position_after, 358);

    let flows = events_of::<InsuranceClaimChanged>(&outcome.logs);
    assert_eq!(flows.iter().map(|f| (f.kind, f.amount)).collect::<Vec<_>>(), vec![(INSURANCE_PENALTY, 5_906_400), (INSURANCE_BOUNTY, -2_953_200)]);
    assert_eq!(s.t.fund_total().await, fund_before + 5_906_400 - 2_953_200);
    assert_eq!(s.t.healths(&liqee).await.liq_end, 32_000);
    assert_eq!(s.t.position_lots(&liqee, market).await, 358);
    assert_eq!(s.t.position_lots(&liqor, market).await, 642);
    // 119.5 − (642 − 581.7804) realised − 5.9064 penalty
    assert_eq!(s.t.balance(&liqee, 0).await, 53_374_000);
    assert_eq!(s.t.balance(&liqor, 0).await, liqor_quote_before + 2_953_200, "the bounty lands in the liquidator's quote balance");

    s.t.liquidate_perp(&s.liqor, &liqee, market, 1_000).await.assert_error(KeelError::LiquidationEndReached);
}
