//! The cranks: a keeper applies queued fills, updates funding when the interval has passed,
//! settles the fund's claim into its vault and settles the markets' PnL pools.

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

/// A winner closing while its loser stays open is owed by the market's PnL pool; the keeper
/// settles the loser's unrealised loss into the pool and then pays the winner.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keeper_settles_the_pnl_pool_so_a_winner_is_paid() {
    let net = Net::start().await;
    let (winner, loser, buyer) = (net.trader(1_000 * USDC).await, net.trader(1_000 * USDC).await, net.trader(1_000 * USDC).await);
    net.place(&loser, limit(Side::Ask, 100, 100)).await;
    net.place(&winner, limit(Side::Bid, 100, 100)).await;
    net.crank().await;
    net.set_price(110.0).await;
    net.place(&buyer, limit(Side::Bid, 110, 100)).await;
    net.place(&winner, limit(Side::Ask, 110, 100)).await;
    net.crank().await;
    assert_eq!(net.margin(&winner.account).await.perp(0).map(|p| p.pnl_owed_native), Some(10 * USDC as i64), "owed: the loser has not lost in the bank yet");

    let keeper_owner = net.keeper_account(100 * USDC).await;
    let keeper = net.run_keeper(&keeper_owner.owner, net.keeper_config()).await;
    let paid = eventually(20, || async { net.margin(&winner.account).await.perp(0).is_none_or(|p| p.is_flat()) }).await;
    let m = keeper.metrics.clone();
    let counted = eventually(20, || async { Metrics::get(&m.cranks, "settle_pnl") >= 2 }).await;
    keeper.stop().await;
    assert!(paid, "the winner was paid: its slot is flat");
    assert!(counted, "settle_pnl on the loser, then the winner");
    let market = net.market().await;
    assert_eq!((market.pnl_pool, market.pnl_owed), (0, 0));
    assert!(net.margin(&loser.account).await.perp(0).is_some_and(|p| p.quote_native == 110 * USDC as i64), "the loser's cost basis took its booked loss");
}
