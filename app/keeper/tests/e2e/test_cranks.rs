//! The cranks: a keeper applies queued fills, updates funding when the interval has passed and
//! sweeps the markets' insurance share into the fund.

use crate::setup::{eventually, limit, Net, USDC};
use keel::state::Side;
use keel_client::accounts as decode;
use keel_keeper::Metrics;
use serde_json::json;
use solana_rpc_client_api::request::RpcRequest;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keeper_cranks_fills_funding_and_insurance_fees() {
    let net = Net::start().await;
    let maker = net.trader(1_000 * USDC).await;
    let taker = net.trader(1_000 * USDC).await;
    let keeper_owner = net.keeper_account(100 * USDC).await;
    let mut config = net.keeper_config();
    config.sweep_every = Duration::from_millis(500);
    let keeper = net.run_keeper(&keeper_owner.owner, config).await;
    let m = keeper.metrics.clone();
    let funding_before = net.market().await.last_funding_ts;

    net.place(&maker, limit(Side::Ask, 100, 100)).await;
    net.place(&taker, limit(Side::Bid, 100, 100)).await;
    let queue_empty = eventually(20, || async {
        let data = net.rpc.get_account_data(&net.keys.fill_queue).await.expect("queue");
        decode::fill_queue(&data).expect("a fill queue").count == 0
    })
    .await;
    assert!(queue_empty, "the keeper applied the queued fill");
    assert_eq!(net.margin(&maker.account).await.perp(0).map(|p| p.base_lots), Some(-100), "the maker's fill was applied");

    // The fill booked the fund's fee share as its claim; the keeper settles it into the vault.
    assert!(eventually(20, || async { net.fund().await.balance > 0 }).await, "the fund's claim was settled into its vault");

    let _: serde_json::Value = net.rpc.send(RpcRequest::Custom { method: "keel_warpTime" }, json!([3_600])).await.expect("keel_warpTime");
    assert!(eventually(20, || async { net.market().await.last_funding_ts > funding_before }).await, "funding was updated after its interval");
    // Counted once the transaction is confirmed and its logs read, after the state changed: wait
    // for the counts before stopping, so a crank still reading its logs is not cut off.
    let counted = eventually(20, || async {
        ["consume_fills", "settle_insurance_claim", "update_funding"].iter().all(|c| Metrics::get(&m.cranks, c) >= 1)
    })
    .await;
    keeper.stop().await;
    assert!(counted, "every crank counted");
    assert!(Metrics::get(&m.cranks, "consume_fills") >= 1);
    assert!(Metrics::get(&m.cranks, "settle_insurance_claim") >= 1);
    assert!(Metrics::get(&m.cranks, "update_funding") >= 1);
    assert_eq!(Metrics::sum(&m.steps_failed, &["other", "transport", "expired", "stale"]), 0);
    net.assert_fund_reconciles().await;
}
