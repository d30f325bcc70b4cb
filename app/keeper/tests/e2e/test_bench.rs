//! The benchmark (ignored by default; see app/keeper/README.md): N copies of a margin account
//! near the edge written straight into the node, a price shock through keel_setPrice, and the
//! time until the keeper has found every one liquidatable — and, with liquidation on, until
//! none is left — and the node's `place_order` / `cancel_order` throughput over RPC.
//!
//! ```sh
//! KEEL_BENCH_N=10000 cargo test -p keel-keeper --test e2e -- --ignored --nocapture bench_detection
//! KEEL_BENCH_N=1000 cargo test -p keel-keeper --test e2e -- --ignored --nocapture bench_liquidation
//! KEEL_BENCH_N=1000 KEEL_BENCH_IN_FLIGHT=1 cargo test -p keel-keeper --test e2e -- --ignored --nocapture bench_liquidation
//! cargo test -p keel-keeper --test e2e -- --ignored --nocapture bench_order_throughput
//! ```

use crate::setup::{limit, Net, USDC};
use anchor_lang::prelude::Pubkey;
use keel::state::{CollateralAsset, PerpMarket, Side};
use keel_client::{accounts as decode, pda};
use solana_account::AccountSharedData;
use std::time::{Duration, Instant};

fn bench_n() -> usize {
    std::env::var("KEEL_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000)
}

/// `max_rounds_in_flight` of the liquidation benchmark (`KEEL_BENCH_IN_FLIGHT`; default: the
/// keeper's).
fn bench_in_flight() -> Option<usize> {
    std::env::var("KEEL_BENCH_IN_FLIGHT")
        .ok()
        .and_then(|v| v.parse().ok())
}

/// Rewrites the zero-copy body of `data` (after the discriminator) with `value`.
fn rewrite<T: bytemuck::Pod>(data: &mut [u8], value: &T) {
    data[8..8 + core::mem::size_of::<T>()].copy_from_slice(bytemuck::bytes_of(value));
}

/// A net with one trader long 10 SOL at 100 on 120 USDC and `n` copies of its account; the
/// quote asset's and the market's totals and the vaults raised to match, so that the copies can
/// be liquidated and settled like the original.
async fn copies(n: usize) -> (Net, Vec<Pubkey>) {
    let net = Net::start().await;
    let maker = net.trader(5_000 * USDC).await;
    let trader = net.trader(120 * USDC).await;
    net.place(&maker, limit(Side::Ask, 100, 1_000)).await;
    net.place(&trader, limit(Side::Bid, 100, 1_000)).await;
    net.crank().await;
    let original = net.rpc.get_account(&trader.account).await.expect("account");
    // No borrows yet: both indices are one, units are native.
    let balance = net.margin(&trader.account).await.units(0) as u64;
    let keys: Vec<Pubkey> = (0..n).map(|_| Pubkey::new_unique()).collect();
    let asset_key = pda::asset(&net.exchange, &net.quote_mint);
    let mut asset_account = net.rpc.get_account(&asset_key).await.expect("asset");
    let mut asset: CollateralAsset = decode::collateral_asset(&asset_account.data).expect("asset");
    asset.deposit_units += balance * n as u64;
    rewrite(&mut asset_account.data, &asset);
    let market_key = net.keys.market;
    let mut market_account = net.rpc.get_account(&market_key).await.expect("market");
    let mut market: PerpMarket = decode::perp_market(&market_account.data).expect("market");
    market.long_lots += 1_000 * n as i64;
    market.short_lots += 1_000 * n as i64;
    rewrite(&mut market_account.data, &market);
    let mut writes: Vec<(Pubkey, AccountSharedData)> = keys
        .iter()
        .map(|k| (*k, AccountSharedData::from(original.clone())))
        .collect();
    writes.push((asset_key, AccountSharedData::from(asset_account)));
    writes.push((market_key, AccountSharedData::from(market_account)));
    net.node
        .executor()
        .run(move |chain| chain.write_accounts(writes))
        .await
        .expect("written");
    // The vault holds what the copies deposited.
    let vault = pda::vault(&net.exchange, &net.quote_mint);
    let mint = anchor_spl::token::spl_token::instruction::mint_to(
        &anchor_spl::token::ID,
        &net.quote_mint,
        &vault,
        &solana_signer::Signer::pubkey(&net.payer),
        &[],
        balance * n as u64,
    )
    .expect("mint_to");
    net.send(&[mint], &[]).await;
    let mut all = keys;
    all.push(trader.account);
    (net, all)
}

/// Waits until the keeper's liquidatable gauge satisfies `done`; the time it took.
async fn until(
    metrics: &keel_keeper::Metrics,
    limit: Duration,
    done: impl Fn(i64) -> bool,
) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if done(metrics.liquidatable.get()) {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    None
}

/// Each RPC method's calls per liquidated account and mean latency, from the keeper's
/// `rpc_latency_seconds` histograms.
fn rpc_breakdown(metrics: &keel_keeper::Metrics, accounts: usize) -> String {
    let text = metrics.encode();
    let value = |line: &str| {
        line.rsplit(' ')
            .next()
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let mut out = Vec::new();
    for line in text
        .lines()
        .filter(|l| l.starts_with("keel_keeper_rpc_latency_seconds_count{"))
    {
        let method = line.split('"').nth(1).unwrap_or("?");
        let count = value(line);
        let sum_prefix = format!("keel_keeper_rpc_latency_seconds_sum{{kind=\"{method}\"}}");
        let sum = text
            .lines()
            .find(|l| l.starts_with(&sum_prefix))
            .map_or(0.0, value);
        out.push(format!(
            "{method} {:.2} ({:.1} ms)",
            count / accounts as f64,
            1_000.0 * sum / count.max(1.0)
        ));
    }
    out.join(", ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark"]
async fn bench_detection() {
    let n = bench_n();
    let (net, accounts) = copies(n).await;
    let keeper_owner = net.keeper_account(1_000 * USDC).await;
    let mut config = net.keeper_config();
    config.duties.liquidate = false;
    config.snapshot_every = Duration::from_secs(600);
    let started = Instant::now();
    let keeper = net.run_keeper(&keeper_owner.owner, config).await;
    println!(
        "{n} copies: keeper started (snapshot of {} accounts) in {:?}",
        accounts.len() + 2,
        started.elapsed()
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    for _ in 0..3 {
        net.set_price(100.0).await;
        until(&keeper.metrics, Duration::from_secs(30), |l| l == 0)
            .await
            .expect("healthy again");
        let shock = Instant::now();
        net.set_price(90.0).await;
        let rpc = shock.elapsed();
        let detected = until(&keeper.metrics, Duration::from_secs(60), |l| {
            l as usize >= accounts.len()
        })
        .await
        .expect("every copy detected");
        println!(
            "N={n}: price update → all {} liquidatable detected: {:?} (keel_setPrice call {rpc:?})",
            accounts.len(),
            detected + rpc
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    keeper.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark"]
async fn bench_liquidation() {
    let n = bench_n();
    let (net, accounts) = copies(n).await;
    let keeper_owner = net.keeper_account(200 * n as u64 * USDC).await;
    let mut config = net.keeper_config();
    config.snapshot_every = Duration::from_secs(600);
    config.max_rounds_in_flight = bench_in_flight().unwrap_or(config.max_rounds_in_flight);
    let in_flight = config.max_rounds_in_flight;
    let keeper = net.run_keeper(&keeper_owner.owner, config).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let shock = Instant::now();
    net.set_price(90.0).await;
    let detected = until(&keeper.metrics, Duration::from_secs(60), |l| {
        l as usize >= accounts.len()
    })
    .await;
    let cleared = until(&keeper.metrics, Duration::from_secs(3_600), |l| l == 0)
        .await
        .expect("every account cleared within an hour");
    let total = shock.elapsed();
    let m = keeper.metrics.clone();
    keeper.stop().await;
    let landed = keel_keeper::Metrics::get(&m.steps_landed, "perp");
    let settled = keel_keeper::Metrics::get(&m.steps_landed, "bankruptcy");
    let paired = m.settlements_paired.get();
    let failed = keel_keeper::Metrics::sum(
        &m.steps_failed,
        &["other", "transport", "expired", "stale", "own_risk", "dust"],
    );
    println!("N={n}, {in_flight} rounds in flight: detected {detected:?}; every account at LiquidationEnd or settled after {total:?} (gauge {cleared:?}); perp steps {landed}, settlements {settled} ({paired} paired with their step), lost {}, failed {failed}", m.steps_lost.get());
    println!("per account: {:?}", total / accounts.len() as u32);
    println!(
        "RPC calls per account (mean latency): {}",
        rpc_breakdown(&m, accounts.len())
    );
    assert_eq!(
        (landed, settled),
        (accounts.len() as u64, accounts.len() as u64),
        "one step and one settlement per account"
    );
    assert_eq!(failed, 0);
}

/// `sendTransaction` throughput of `place_order` and `cancel_order` over RPC: one trader rests
/// a one-lot bid under the oracle and cancels it by client id, alternately, each transaction
/// sent (with preflight) only after the previous one returned — the node executes a
/// transaction when it is sent, so each place finds the book as the last cancel left it.
/// `KEEL_BENCH_N` pairs (default 1 000).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark"]
async fn bench_order_throughput() {
    use keel::instructions::markets::CancelTarget;
    use keel_client::health::trade_health_accounts;
    use keel_client::markets as mix;
    use solana_signer::Signer;
    use solana_transaction::Transaction;
    let n = bench_n();
    let net = Net::start().await;
    let trader = net.trader(1_000 * USDC).await;
    let margin = net.margin(&trader.account).await;
    let metas = trade_health_accounts(
        &margin,
        &net.known_assets().await,
        &net.known_markets().await,
        0,
    )
    .expect("known listings");
    let owner = trader.owner.pubkey();
    let payer = net.payer.pubkey();
    // The test node's 20 ms slots expire a blockhash in 3 s: a fresh one every 20 pairs, signed
    // outside the timed sends.
    let mut blockhash = net.rpc.get_latest_blockhash().await.expect("blockhash");
    let (mut place_time, mut cancel_time) = (Duration::ZERO, Duration::ZERO);
    for id in 1..=n as u64 {
        if id % 20 == 0 {
            blockhash = net.rpc.get_latest_blockhash().await.expect("blockhash");
        }
        let sign = |ix| {
            Transaction::new_signed_with_payer(
                &[ix],
                Some(&payer),
                &[&net.payer, &trader.owner],
                blockhash,
            )
        };
        let mut bid = limit(Side::Bid, 99, 1);
        bid.client_order_id = id;
        let place = sign(mix::place_order(
            &owner,
            &trader.account,
            &net.keys,
            bid,
            metas.clone(),
        ));
        let cancel = sign(mix::cancel_order(
            &owner,
            &trader.account,
            &net.keys,
            CancelTarget::ClientOrderId(id),
        ));
        place_time += timed_send(&net, &place, "place_order").await;
        cancel_time += timed_send(&net, &cancel, "cancel_order").await;
    }
    let rate = |time: Duration| n as f64 / time.as_secs_f64();
    println!(
        "sendTransaction with preflight, one at a time, {n} each: place_order {:.0} tx/s, cancel_order {:.0} tx/s, alternating {:.0} tx/s",
        rate(place_time),
        rate(cancel_time),
        2.0 * n as f64 / (place_time + cancel_time).as_secs_f64()
    );
    assert_eq!(
        net.margin(&trader.account)
            .await
            .orders
            .iter()
            .filter(|o| o.is_in_use())
            .count(),
        0,
        "every order cancelled"
    );
}

/// Sends `tx` (with preflight) and returns how long sendTransaction took; panics when `what`
/// does not land.
async fn timed_send(net: &Net, tx: &solana_transaction::Transaction, what: &str) -> Duration {
    let started = Instant::now();
    if let Err(err) = net.rpc.send_transaction(tx).await {
        panic!("{what} did not land: {err}");
    }
    started.elapsed()
}
