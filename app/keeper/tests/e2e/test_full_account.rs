//! A margin account at full capacity — 8 collaterals, 16 perp positions, 47 health accounts —
//! liquidated by a keeper whose transactions are v0, compiled against the address lookup table
//! it created at start-up: the step fits a packet (its legacy form would not, and the node
//! refuses that form), the account ends at LiquidationEnd ≥ 0, the bounty arrives, the fund and
//! open interest reconcile. The keeper's account is a dedicated one (quote only, then the
//! market it takes over), so its health list adds nothing to the liquidated account's.

use crate::full::{known_market, late_feed, list_market, Full, FULL_HEALTH_ACCOUNTS};
use crate::full_checks::instructions_of;
use crate::setup::{eventually, limit, USDC};
use keel::events::PerpLiquidated;
use keel::state::{Side, MAX_COLLATERALS, MAX_PERP_POSITIONS};
use keel_client::events::events_of;
use keel_client::lookup_table::{
    self as alt, AddressLookupTableAccount, MAX_ACCOUNT_LOCKS, MAX_TRANSACTION_BYTES,
};
use keel_keeper::Metrics;
use solana_signer::Signer;
use solana_transaction::versioned::TransactionVersion;
use solana_transaction_status_client_types::option_serializer::OptionSerializer;

/// The liquidated trader's quote deposit, USDC.
const DEPOSIT: u64 = 140;
/// Its long in SOL-PERP, lots of 0.01 SOL at 100 USD (one lot in every other market).
const BIG: i64 = 1_000;
/// Native units of each other asset it deposits (0.1 at 1 USD).
const DUST: u64 = 100_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keeper_liquidates_a_full_account_with_v0_transactions() {
    let full = Full::start().await;
    let net = &full.net;
    let maker = net.trader(20_000 * USDC).await;
    let trader = net.trader(DEPOSIT * USDC).await;
    for index in 1..MAX_COLLATERALS {
        full.deposit(&trader, index, DUST).await;
    }
    for m in 0..MAX_PERP_POSITIONS as u16 {
        let lots = if m == 0 { BIG } else { 1 };
        full.place(&maker, m, limit(Side::Ask, 100, lots)).await;
        full.place(&trader, m, limit(Side::Bid, 100, lots)).await;
        full.crank(m).await;
    }
    let margin = net.margin(&trader.account).await;
    assert_eq!(margin.active_collaterals().count(), MAX_COLLATERALS);
    assert_eq!(
        margin.active_perps().filter(|p| p.base_lots != 0).count(),
        MAX_PERP_POSITIONS
    );
    assert_eq!(
        full.health_metas(&trader.account).await.len(),
        FULL_HEALTH_ACCOUNTS
    );
    let at_100 = full.health_view(&trader.account).await;
    assert!(
        at_100.maint.health > 0,
        "healthy before the shock: {at_100:?}"
    );

    // The shock comes before the keeper starts, so that the program's numbers are read first.
    net.set_price(90.0).await;
    let before = full.health_view(&trader.account).await;
    assert!(
        before.maint.health < 0 && before.liquidation_end.health < 0,
        "{before:?}"
    );
    let keeper_owner = net.keeper_account(2_000 * USDC).await;
    let signer = keeper_owner.owner.pubkey();
    let keeper = net
        .run_keeper(&keeper_owner.owner, net.keeper_config())
        .await;
    let ended = eventually(60, || full.liquidated_to_end(&trader.account)).await;
    assert!(ended, "the full account reaches LiquidationEnd");
    let (m, own) = (keeper.metrics.clone(), keeper.account);
    let table_key = keeper
        .lookup_table
        .expect("the keeper opened a lookup table");
    let table_len = || async {
        let data = net.rpc.get_account_data(&table_key).await.expect("table");
        alt::decode(&table_key, &data)
            .expect("a table")
            .addresses
            .len()
    };
    let shared = alt::exchange_addresses(&net.exchange, &full.assets, &full.markets);
    assert_eq!(table_len().await, shared.len());
    // A market listed while it runs: the next snapshot appends its four addresses.
    list_market(net, MAX_PERP_POSITIONS as u16, &late_feed()).await;
    let grown = eventually(20, || async { table_len().await == shared.len() + 4 }).await;
    assert!(
        grown,
        "the table was extended with the new market's addresses"
    );
    keeper.stop().await;
    let mut markets = full.markets.clone();
    markets.push(known_market(net, MAX_PERP_POSITIONS as u16).await);

    // The program's numbers: Maint and LiquidationEnd before and after, the position taken.
    let after = full.health_view(&trader.account).await;
    assert!(
        after.liquidation_end.health >= 0 && after.maint.health > before.maint.health,
        "{after:?}"
    );
    let taken = net.margin(&own).await.perp(0).map_or(0, |p| p.base_lots);
    let left = net
        .margin(&trader.account)
        .await
        .perp(0)
        .map_or(0, |p| p.base_lots);
    assert!(
        taken > 0 && left == BIG - taken,
        "a partial step: {taken} taken, {left} left"
    );
    let keeper_margin = net.margin(&own).await;
    assert_eq!(
        (
            keeper_margin.active_collaterals().count(),
            keeper_margin.active_perps().count()
        ),
        (1, 1),
        "dedicated: quote and the market taken"
    );
    let fund = net.fund().await;
    assert!(fund.total_bounties > 0);
    assert_eq!(
        m.bounties_earned.get(),
        fund.total_bounties,
        "the keeper earned every bounty paid"
    );
    assert_eq!(
        Metrics::get(&m.steps_landed, "perp"),
        1,
        "one step: the program sized it"
    );
    assert_eq!(
        Metrics::sum(
            &m.steps_failed,
            &["other", "transport", "expired", "stale", "own_risk"]
        ),
        0
    );
    assert_eq!(m.health_disagreements.get(), 0);
    full.assert_fund_reconciles().await;
    full.assert_positions_balance(&[maker.account, trader.account, own])
        .await;
    assert!(
        full.health_view(&own).await.init.health >= 0,
        "the keeper stays above Init"
    );

    // The keeper's table: the exchange's shared addresses, its own (not the operator's).
    let table = alt::decode(
        &table_key,
        &net.rpc.get_account_data(&table_key).await.expect("table"),
    )
    .expect("a table");
    assert_eq!(
        table.addresses,
        alt::exchange_addresses(&net.exchange, &full.assets, &markets)
    );
    assert_eq!(
        table.addresses[..shared.len()],
        shared[..],
        "appended, the rest unmoved"
    );
    assert_ne!(table.key, full.table.key);

    // Its transactions: the table's own (create and extensions) legacy, every other one v0
    // and within a packet and the lock limit.
    let txs = full.paid_by(&signer).await;
    let is_table_tx = |tx: &solana_transaction::versioned::VersionedTransaction| {
        tx.message
            .static_account_keys()
            .contains(&solana_sdk_ids::address_lookup_table::ID)
    };
    let (table_txs, sent): (Vec<_>, Vec<_>) = txs.iter().partition(|(tx, _)| is_table_tx(tx));
    let extensions = shared.len().div_ceil(keel_keeper::lookup::EXTEND_CHUNK) + 1;
    assert_eq!(
        table_txs.len(),
        1 + extensions,
        "a create, the start-up extensions, the listing's"
    );
    assert!(table_txs.iter().all(|(tx, _)| tx.version()
        == TransactionVersion::Legacy(solana_transaction::versioned::Legacy::Legacy)));
    assert!(!sent.is_empty());
    for (tx, _) in &sent {
        assert_eq!(
            tx.version(),
            TransactionVersion::Number(0),
            "every keeper transaction is v0"
        );
        assert!(alt::transaction_bytes(tx) <= MAX_TRANSACTION_BYTES);
        // Recompiled from its instructions against the table as it stood when it was sent
        // (before or after the listing's extension), it is the same transaction.
        let ixs = instructions_of(tx, &table);
        let before_listing = AddressLookupTableAccount {
            key: table.key,
            addresses: shared.clone(),
        };
        let measure = |t: &AddressLookupTableAccount| {
            alt::v0_transaction_size(&signer, &ixs, std::slice::from_ref(t)).expect("compiles")
        };
        let (old, new) = (measure(&before_listing), measure(&table));
        let bytes = alt::transaction_bytes(tx);
        assert!(
            old.serialized_bytes == bytes || new.serialized_bytes == bytes,
            "recompiled, the same transaction: {bytes} vs {old:?} / {new:?}"
        );
        let stats = if new.serialized_bytes == bytes {
            new
        } else {
            old
        };
        assert!(stats.account_locks <= MAX_ACCOUNT_LOCKS, "{stats:?}");
    }
    assert_eq!(
        Metrics::get(&m.transactions_sent, "legacy"),
        table_txs.len() as u64
    );
    assert_eq!(Metrics::get(&m.transactions_sent, "v0"), sent.len() as u64);

    // The liquidation step: v0 within the limits, its legacy form over a packet.
    let steps: Vec<_> = sent
        .iter()
        .filter(|(_, meta)| {
            let logs: Vec<String> = Option::from(meta.log_messages.clone()).unwrap_or_default();
            !events_of::<PerpLiquidated>(&logs).is_empty()
        })
        .collect();
    assert_eq!(steps.len(), 1, "one liquidation transaction");
    let (step, meta) = steps[0];
    let logs: Vec<String> = Option::from(meta.log_messages.clone()).unwrap_or_default();
    assert_eq!(
        events_of::<PerpLiquidated>(&logs)[0].bounty,
        fund.total_bounties,
        "its event's bounty is what the fund paid"
    );
    let ixs = instructions_of(step, &table);
    let liquidate = ixs.last().expect("the step");
    assert!(
        liquidate.accounts.len() >= 8 + FULL_HEALTH_ACCOUNTS,
        "both health lists: {}",
        liquidate.accounts.len()
    );
    let stats =
        alt::v0_transaction_size(&signer, &ixs, std::slice::from_ref(&table)).expect("compiles");
    let OptionSerializer::Some(loaded) = &meta.loaded_addresses else {
        panic!("no loadedAddresses")
    };
    assert_eq!(
        loaded.writable.len() + loaded.readonly.len(),
        stats.account_locks - stats.static_keys,
        "the node resolved the lookups"
    );
    assert!(
        stats.legacy_bytes > MAX_TRANSACTION_BYTES,
        "the legacy form would not fit: {stats:?}"
    );
    let units: Option<u64> = Option::from(meta.compute_units_consumed.clone());
    println!(
        "full-account liquidate_perp: v0 {} B (legacy {} B, limit {MAX_TRANSACTION_BYTES}), {} locks (limit {MAX_ACCOUNT_LOCKS}), {} static keys, {} accounts in the instruction, {} CU on the node; Maint {} → {}, LiquidationEnd {} → {}, {taken} lots taken, bounty {}; keeper transactions: {} v0, {} legacy (the table's)",
        stats.serialized_bytes, stats.legacy_bytes, stats.account_locks, stats.static_keys, liquidate.accounts.len(), units.unwrap_or(0),
        before.maint.health, after.maint.health, before.liquidation_end.health, after.liquidation_end.health, fund.total_bounties, sent.len(), table_txs.len()
    );
    // The node refuses the legacy form of that step outright.
    let legacy = solana_transaction::Transaction::new_signed_with_payer(
        &ixs,
        Some(&signer),
        &[&keeper_owner.owner],
        net.rpc.get_latest_blockhash().await.expect("blockhash"),
    );
    let refused = net
        .rpc
        .simulate_transaction(&legacy)
        .await
        .expect_err("too large for the node");
    assert!(refused.to_string().contains("too large"), "{refused}");

    // Another keeper given that table (`--lookup-table`, not its authority) creates none and
    // compiles against it from its first transaction (its margin account's creation).
    let second = solana_keypair::Keypair::new();
    let sig = net
        .rpc
        .request_airdrop(&second.pubkey(), 10_000_000_000)
        .await
        .expect("airdrop");
    crate::setup::wait_confirmed(&net.rpc, &sig).await;
    let mut config = net.keeper_config();
    config.lookup_table = Some(table_key);
    let reuse = net.run_keeper(&second, config).await;
    assert_eq!(reuse.lookup_table, Some(table_key));
    reuse.stop().await;
    let txs = full.paid_by(&second.pubkey()).await;
    assert!(
        !txs.is_empty() && txs.iter().all(|(tx, _)| !is_table_tx(tx)),
        "no table created or extended"
    );
    for (tx, _) in &txs {
        let lookups = tx.message.address_table_lookups().unwrap_or_default();
        assert!(
            lookups.iter().all(|l| l.account_key == table_key) && !lookups.is_empty(),
            "v0 on the given table"
        );
    }
}
