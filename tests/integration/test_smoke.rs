use keel_tests::context::{volatile_params, TestContext};
use keel_tests::oracles::PriceSpec;

#[tokio::test]
async fn deposit_then_withdraw_round_trips() {
    let mut t = TestContext::new().await;
    let sol = t.add_pull_asset(9, volatile_params(), PriceSpec::new(150_00, 10, -2, keel_tests::context::START_TIME)).await;
    let trader = t.trader(&[1_000_000_000, 5_000_000_000]).await;
    t.deposit(&trader, 0, 400_000_000).await.assert_ok();
    t.deposit(&trader, sol, 2_000_000_000).await.assert_ok();
    t.assert_conserved().await;
    let report = t.health_view(&trader.account).await;
    report.assert_ok();
    println!("{:#?}", report.returned::<keel::instructions::risk::HealthReport>());
    t.withdraw(&trader, sol, 1_000_000_000).await.assert_ok();
    t.assert_conserved().await;
}
