//! Two keepers on the same accounts: both run through the shock, neither crashes, every account
//! reaches LiquidationEnd, and no liquidation is paid twice — exactly one landed step per
//! account across both keepers, and the fund's bounties are exactly what the two earned.

use crate::scenario::{Scenario, EDGE, SHOCK};
use crate::setup::{eventually, USDC};
use keel_keeper::config::FeePolicy;
use keel_keeper::Metrics;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_keepers_racing_earn_no_double_bounty_and_neither_crashes() {
    let s = Scenario::new().await;
    let a = s.net.keeper_account(2_000 * USDC).await;
    let b = s.net.keeper_account(2_000 * USDC).await;
    let ka = s.net.run_keeper(&a.owner, s.net.keeper_config()).await;
    // The second keeper prices its transactions from getRecentPrioritizationFees.
    let mut config_b = s.net.keeper_config();
    config_b.fee_policy = FeePolicy::Recent { percentile: 90 };
    let kb = s.net.run_keeper(&b.owner, config_b).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    s.net.set_price(SHOCK).await;
    assert!(
        eventually(60, || s.all_done()).await,
        "every underwater account reaches LiquidationEnd"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (ma, mb) = (ka.metrics.clone(), kb.metrics.clone());
    let accounts = s.accounts(&[ka.account, kb.account]);
    ka.stop().await;
    kb.stop().await;

    let fund = s.net.fund().await;
    let landed = Metrics::get(&ma.steps_landed, "perp") + Metrics::get(&mb.steps_landed, "perp");
    assert_eq!(
        landed,
        EDGE.len() as u64,
        "one landed step per account across both keepers"
    );
    assert_eq!(
        ma.bounties_earned.get() + mb.bounties_earned.get(),
        fund.total_bounties,
        "no bounty unaccounted or paid twice"
    );
    let settled =
        Metrics::get(&ma.steps_landed, "bankruptcy") + Metrics::get(&mb.steps_landed, "bankruptcy");
    assert_eq!(
        settled,
        s.settled().await as u64,
        "each bankruptcy settled once"
    );
    for m in [&ma, &mb] {
        assert_eq!(
            Metrics::sum(&m.steps_failed, &["other", "transport", "expired", "stale"]),
            0,
            "a lost race is not a failure"
        );
    }
    println!(
        "lost races: {} + {}; settlements paired with their step: {} + {}",
        ma.steps_lost.get(),
        mb.steps_lost.get(),
        ma.settlements_paired.get(),
        mb.settlements_paired.get()
    );
    s.net.assert_fund_reconciles().await;
    s.net.assert_positions_balance(&accounts).await;
}
