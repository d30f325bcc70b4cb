//! One keeper, a price shock: every underwater account reaches LiquidationEnd (the bankrupt ones
//! settled in the transaction of their last step), bounties arrive, the fund and open interest reconcile, the healthy account is left
//! alone, and the metrics say so.

use crate::scenario::{Scenario, EDGE, SHOCK};
use crate::setup::{eventually, limit, USDC};
use keel::state::Side;
use keel_keeper::Metrics;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keeper_liquidates_every_underwater_account_to_liquidation_end() {
    let s = Scenario::new().await;
    let keeper_owner = s.net.keeper_account(2_000 * USDC).await;
    let keeper = s
        .net
        .run_keeper(&keeper_owner.owner, s.net.keeper_config())
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let shocked = Instant::now();
    s.net.set_price(SHOCK).await;
    assert!(
        eventually(60, || s.all_done()).await,
        "every underwater account reaches LiquidationEnd"
    );
    let elapsed = shocked.elapsed();
    let m = keeper.metrics.clone();
    let own_account = keeper.account;

    // The keeper unwinds what it took over as soon as the book can take it.
    let taken = s
        .net
        .margin(&own_account)
        .await
        .perp(0)
        .map_or(0, |p| p.base_lots);
    assert!(taken > 0, "the keeper holds the longs it took over");
    s.net
        .place(&s.maker, limit(Side::Bid, SHOCK as i64, taken))
        .await;
    let flat = eventually(30, || async {
        s.net
            .margin(&own_account)
            .await
            .perp(0)
            .map_or(0, |p| p.base_lots)
            == 0
    })
    .await;
    assert!(
        flat,
        "the keeper sold its {taken} lots with reduce-only IOC orders"
    );
    // The node shows the sale before the keeper's own confirmation poll returns and counts it.
    let counted = eventually(10, || async { Metrics::get(&m.cranks, "unwind") >= 1 }).await;
    assert!(counted, "the unwind order was counted");
    keeper.stop().await;

    let fund = s.net.fund().await;
    assert!(fund.total_bounties > 0, "bounties were paid");
    assert_eq!(
        m.bounties_earned.get(),
        fund.total_bounties,
        "every bounty paid went to the keeper, and it counted them"
    );
    assert_eq!(
        Metrics::get(&m.steps_landed, "perp"),
        EDGE.len() as u64,
        "one full step per account: the program sizes it"
    );
    assert_eq!(
        Metrics::get(&m.steps_landed, "cancel"),
        1,
        "the resting order was cancelled first"
    );
    assert_eq!(
        s.net
            .margin(&s.edge[0].account)
            .await
            .orders
            .iter()
            .filter(|o| o.is_in_use())
            .count(),
        0
    );
    assert_eq!(
        s.settled().await,
        2,
        "the two bankrupt accounts were settled"
    );
    assert_eq!(
        s.partially_liquidated().await,
        2,
        "the other two reached LiquidationEnd keeping part of their position"
    );
    assert_eq!(
        Metrics::get(&m.steps_landed, "bankruptcy"),
        s.settled().await as u64
    );
    assert_eq!(
        m.settlements_paired.get(),
        2,
        "each bankrupt account settled in the transaction of the step that left it bankrupt"
    );
    assert_eq!(
        Metrics::get(&m.steps_sent, "bankruptcy"),
        2,
        "no separate settlement was sent"
    );
    assert_eq!(
        Metrics::sum(&m.steps_failed, &["other", "transport", "expired", "stale"]),
        0
    );
    assert_eq!(m.health_disagreements.get(), 0);
    assert!(
        fund.total_deficits_covered > 0,
        "the fund covered the bankrupt account's deficit"
    );
    s.assert_healthy_untouched().await;
    s.net.assert_fund_reconciles().await;
    s.net
        .assert_positions_balance(&s.accounts(&[own_account]))
        .await;
    let own = s.net.health_view(&own_account).await;
    assert!(own.init.health >= 0, "the keeper stays above Init: {own:?}");
    println!("shock to every account at LiquidationEnd: {elapsed:?}");
}
