//! A step too wide for one transaction: the liquidated account is at full capacity (8
//! collaterals, 16 markets), the keeper's own account holds one lot in each of 8 other markets,
//! so the step's two health lists with their oracles lock more than 64 accounts. The keeper sends
//! `cache_prices` for both lists and prices the step by the cached prices: the step lands within
//! the lock limit, the account ends at LiquidationEnd ≥ 0, the bounty arrives, the fund and open
//! interest reconcile.

use crate::full::{Full, FULL_HEALTH_ACCOUNTS};
use crate::full_checks::instructions_of;
use crate::setup::{eventually, limit, USDC};
use anchor_lang::Discriminator;
use keel::events::PerpLiquidated;
use keel::state::{Side, MAX_COLLATERALS, MAX_PERP_POSITIONS};
use keel_client::events::events_of;
use keel_client::health::health_accounts_opening;
use keel_client::liquidation::{self as lix, LiquidationParties};
use keel_client::lookup_table::{self as alt, MAX_ACCOUNT_LOCKS};
use keel_keeper::fit_locks::exceeds_locks;
use keel_keeper::Metrics;
use solana_signer::Signer;

/// Markets the keeper's own account holds a lot in, beyond the liquidated account's 16.
const KEEPER_MARKETS: u16 = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keeper_prices_a_step_over_the_lock_limit_by_cached_prices() {
    let markets = MAX_PERP_POSITIONS as u16 + KEEPER_MARKETS;
    let full = Full::with_markets(markets, markets).await;
    let net = &full.net;
    // Two makers: an account holds at most 16 markets.
    let (maker, other_maker) = (
        net.trader(20_000 * USDC).await,
        net.trader(1_000 * USDC).await,
    );
    let trader = net.trader(140 * USDC).await;
    for index in 1..MAX_COLLATERALS {
        full.deposit(&trader, index, 100_000).await;
    }
    let keeper_owner = net.keeper_account(2_000 * USDC).await;
    for m in 0..markets {
        let (seller, holder, lots) = match m {
            0 => (&maker, &trader, 1_000),
            m if m < MAX_PERP_POSITIONS as u16 => (&maker, &trader, 1),
            _ => (&other_maker, &keeper_owner, 1),
        };
        full.place(seller, m, limit(Side::Ask, 100, lots)).await;
        full.place(holder, m, limit(Side::Bid, 100, lots)).await;
        full.crank(m).await;
    }
    assert_eq!(
        full.health_metas(&trader.account).await.len(),
        FULL_HEALTH_ACCOUNTS
    );
    net.set_price(90.0).await;
    let before = full.health_view(&trader.account).await;
    assert!(before.liquidation_end.health < 0, "{before:?}");

    // With every oracle in both lists the step locks more than a transaction may.
    let liqor_margin = net.margin(&keeper_owner.account).await;
    let parties = LiquidationParties {
        liquidator: keeper_owner.owner.pubkey(),
        liqor_account: keeper_owner.account,
        liqee_account: trader.account,
        liqee_health: full.health_metas(&trader.account).await,
        liqor_health: health_accounts_opening(
            &liqor_margin,
            &full.assets,
            &full.markets,
            None,
            Some(0),
        )
        .expect("known listings"),
    };
    let read = lix::liquidate_perp(&parties, &full.keys(0), &net.quote_mint, 1_000);
    let read_locks =
        alt::v0_transaction_size(&parties.liquidator, std::slice::from_ref(&read), &[])
            .expect("compiles")
            .account_locks;
    assert!(
        exceeds_locks(&parties.liquidator, &read),
        "{read_locks} locks"
    );

    let keeper = net
        .run_keeper(&keeper_owner.owner, net.keeper_config())
        .await;
    let ended = eventually(60, || full.liquidated_to_end(&trader.account)).await;
    assert!(ended, "the account reaches LiquidationEnd");
    let m = keeper.metrics.clone();
    let (own, table_key) = (keeper.account, keeper.lookup_table.expect("a table"));
    keeper.stop().await;
    assert_eq!(own, keeper_owner.account);
    assert!(m.prices_cached.get() >= 1, "the keeper cached prices");
    assert_eq!(Metrics::get(&m.steps_landed, "perp"), 1);
    assert_eq!(
        Metrics::sum(
            &m.steps_failed,
            &["other", "transport", "expired", "stale", "own_risk"]
        ),
        0
    );
    let fund = net.fund().await;
    assert!(fund.total_bounties > 0);
    assert_eq!(m.bounties_earned.get(), fund.total_bounties);
    full.assert_fund_reconciles().await;
    full.assert_positions_balance(&[maker.account, other_maker.account, trader.account, own])
        .await;
    assert!(full.health_view(&own).await.init.health >= 0);

    // The landed transactions: `cache_prices` before the step, the step within the lock limit
    // and naming fewer accounts than its oracle form.
    let table = alt::decode(
        &table_key,
        &net.rpc.get_account_data(&table_key).await.expect("table"),
    )
    .expect("a table");
    let signer = keeper_owner.owner.pubkey();
    let txs = full.paid_by(&signer).await;
    let is_keel = |ix: &anchor_lang::solana_program::instruction::Instruction, d: &[u8]| {
        ix.program_id == keel::ID && ix.data.starts_with(d)
    };
    let position = |d: &[u8]| {
        txs.iter()
            .position(|(tx, _)| instructions_of(tx, &table).iter().any(|ix| is_keel(ix, d)))
    };
    let cached_at = position(keel::instruction::CachePrices::DISCRIMINATOR).expect("cache_prices");
    let step_at =
        position(keel::instruction::LiquidatePerp::DISCRIMINATOR).expect("liquidate_perp");
    assert!(cached_at < step_at, "the prices are cached before the step");
    let (step, meta) = &txs[step_at];
    let logs: Vec<String> = Option::from(meta.log_messages.clone()).unwrap_or_default();
    assert_eq!(
        events_of::<PerpLiquidated>(&logs)[0].bounty,
        fund.total_bounties
    );
    let ixs = instructions_of(step, &table);
    let stats =
        alt::v0_transaction_size(&signer, &ixs, std::slice::from_ref(&table)).expect("compiles");
    assert!(stats.account_locks <= MAX_ACCOUNT_LOCKS, "{stats:?}");
    let liquidate = ixs.last().expect("the step");
    assert!(liquidate.accounts.len() < read.accounts.len());
    println!(
        "cached liquidate_perp: {} locks (with oracles {read_locks}, limit {MAX_ACCOUNT_LOCKS}), {} accounts in the instruction (with oracles {}), v0 {} B; Maint {} → LiquidationEnd ≥ 0, bounty {}",
        stats.account_locks,
        liquidate.accounts.len(),
        read.accounts.len(),
        stats.serialized_bytes,
        before.maint.health,
        fund.total_bounties
    );
}
