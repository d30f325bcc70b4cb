//! A keeper whose own account is near its limit: it takes only steps that keep its Init health
//! above its floor, declines the rest instead of sending them, and never fails a step.

use crate::scenario::{Scenario, SHOCK};
use crate::setup::{eventually, USDC};
use keel_keeper::Metrics;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keeper_near_its_own_limit_declines_instead_of_failing() {
    let s = Scenario::new().await;
    let keeper_owner = s.net.keeper_account(3 * USDC).await;
    let mut config = s.net.keeper_config();
    config.min_own_init_health = USDC as i64;
    let keeper = s.net.run_keeper(&keeper_owner.owner, config).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    s.net.set_price(SHOCK).await;
    let m = keeper.metrics.clone();
    let declined = eventually(30, || async { Metrics::sum(&m.steps_declined, &["own_health", "own_account_below_floor"]) > 0 }).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let own_account = keeper.account;
    keeper.stop().await;

    assert!(declined, "the keeper declined steps it cannot afford");
    assert_eq!(Metrics::sum(&m.steps_failed, &["other", "own_risk", "transport", "expired", "dust", "stale"]), 0, "no step was sent to fail");
    let own = s.net.health_view(&own_account).await;
    assert!(own.init.health >= USDC as i64, "the keeper's Init health stays above its floor: {}", own.init.health);
    assert!(!s.all_done().await, "a 3 USDC keeper cannot take over all of it");
}
