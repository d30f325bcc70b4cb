//! A trader whose collateral is SOL, long SOL-PERP: after a crash the keeper takes over the
//! position, then buys the SOL collateral against the quote debt, then settles what is left.

use crate::setup::{eventually, limit, Net, USDC};
use keel::state::{Side, LIQUIDATION_ENDED, QUOTE_ASSET_INDEX};
use keel_keeper::Metrics;
use std::time::Duration;

/// One SOL, native units.
const SOL: u64 = 1_000_000_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keeper_liquidates_perp_then_collateral_then_settles() {
    let mut net = Net::start().await;
    let sol = net.list_sol_collateral().await;
    let maker = net.trader(2_000 * USDC).await;
    let trader = net.trader(0).await;
    net.deposit_sol(&trader, &sol, 3 * SOL / 2).await;
    net.place(&maker, limit(Side::Ask, 100, 1_000)).await;
    net.place(&trader, limit(Side::Bid, 100, 1_000)).await;
    net.crank().await;
    let keeper_owner = net.keeper_account(2_000 * USDC).await;
    let keeper = net.run_keeper(&keeper_owner.owner, net.keeper_config()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    net.set_price(85.0).await;
    let done = eventually(60, || async {
        let margin = net.margin(&trader.account).await;
        let settled = !margin.has_perps() && margin.units(QUOTE_ASSET_INDEX) == 0;
        settled || margin.being_liquidated == LIQUIDATION_ENDED
    })
    .await;
    let m = keeper.metrics.clone();
    let own = keeper.account;
    keeper.stop().await;

    assert!(done, "the account reached LiquidationEnd or was settled");
    assert_eq!(Metrics::get(&m.steps_landed, "perp"), 1);
    assert!(Metrics::get(&m.steps_landed, "collateral") >= 1, "the SOL collateral was bought");
    assert!(net.margin(&own).await.units(1) > 0, "the keeper holds the SOL it bought");
    assert!(m.bounties_earned.get() > 0);
    assert_eq!(m.bounties_earned.get(), net.fund().await.total_bounties);
    assert_eq!(Metrics::sum(&m.steps_failed, &["other", "transport", "expired", "stale", "own_risk"]), 0);
    net.assert_fund_reconciles().await;
    net.assert_positions_balance(&[maker.account, trader.account, own]).await;
}
