//! Transaction limits at full capacity (issue 14, point 4): `withdraw`, `place_order` and
//! `liquidate_perp` of margin accounts holding 8 collateral balances and 16 perp positions,
//! assembled by the client's builders with the client's health-account lists, measured as v0
//! transactions with the exchange's address lookup table — at most 1 232 bytes and 64 account
//! locks — and then sent as those v0 transactions (the table created and extended on the bank
//! by the client's builders), so the lists are the ones the program accepts.
//!
//! The test bank enforces neither limit (it runs with `increase_tx_account_lock_limit`, 128
//! locks, and takes any size), so the figures are computed by
//! `keel_client::lookup_table::v0_transaction_size` and printed (`-- --nocapture`).
//! Every transaction starts with a compute budget (unit limit and price), as a real client's.
//!
//! The exchange lists exactly 8 assets and 16 markets, so two full accounts use the same ones.
//! On a larger exchange two full accounts may hold different assets and markets:
//! `test_tx_limits_large` measures that case from the client alone — 98 locks reading every
//! oracle, 54 with the lists priced by cached prices (`cache_prices`, `keel_client::price_cache`).

use anchor_lang::prelude::Clock;
use anchor_lang::solana_program::instruction::Instruction;
use keel::instructions::markets::PlaceOrderArgs;
use keel::state::{Side, MAX_COLLATERALS, MAX_PERP_POSITIONS};
use keel_client::lookup_table::{
    self as alt, AddressLookupTableAccount, TxStats, MAX_ACCOUNT_LOCKS, MAX_TRANSACTION_BYTES,
};
use keel_client::markets as mix;
use keel_client::instructions as kix;
use keel_tests::context::{volatile_params, TestContext};
use keel_tests::insurance::{LIMIT_BPS, PERIOD_SECS};
use keel_tests::markets::{limit, usd, T0};
use keel_tests::outcome::Outcome;
use keel_tests::traders::Trader;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;

/// Price lots per USD (lots of 0.01 base, quote lot 1 native).
const LOTS_PER_USD: i64 = 10_000;
/// Health accounts of a full account: 8 assets, 7 of them with an oracle, 16 markets and
/// their oracles.
pub(crate) const FULL_HEALTH_ACCOUNTS: usize = 2 * MAX_COLLATERALS - 1 + 2 * MAX_PERP_POSITIONS;

/// 7 assets besides the quote (6 decimals, 1 USD) and 16 markets at 100 USD, an insurance
/// fund, the exchange's lookup table, active, and the two full accounts. Their orders go as v0
/// transactions: a legacy transaction naming more than 38 keys (what fits a packet) before
/// its program id panics the bank (`MAX_STATIC_ACCOUNTS_PER_PACKET` in Agave's
/// signature-details filter), which an account trading its ninth market reaches.
///
/// Returns the context, the liquidator-to-be (long 10 SOL in market 0 and 1 lot in every
/// other market; 1 000 USDC and 10 of each other asset), its counterparty and liquidatee
/// (short the same; 120 USDC and 0.1 of each other asset) and the table as the bank holds it.
async fn full_exchange() -> (TestContext, Trader, Trader, AddressLookupTableAccount) {
    let mut t = TestContext::new().await;
    for _ in 1..MAX_COLLATERALS {
        t.add_pull_asset(6, volatile_params(), usd(1, T0)).await;
    }
    for m in 0..MAX_PERP_POSITIONS {
        t.add_market(&format!("PERP{m}"), 9, 10_000_000, 1, usd(100, T0))
            .await;
    }
    t.create_insurance_fund(LIMIT_BPS, PERIOD_SECS)
        .await
        .assert_ok();
    t.seed_insurance(1_000_000_000).await.assert_ok();
    let table = exchange_table(&mut t).await;
    let liqor = collateralised(&mut t, 1_000_000_000, 10_000_000).await;
    let liqee = collateralised(&mut t, 120_000_000, 100_000).await;
    for m in 0..MAX_PERP_POSITIONS as u16 {
        let lots = if m == 0 { 1_000 } else { 1 };
        let (bid, ask) = (
            limit(Side::Bid, 100 * LOTS_PER_USD, lots),
            limit(Side::Ask, 100 * LOTS_PER_USD, lots),
        );
        place_v0(&mut t, &liqor, m, bid, &table).await;
        place_v0(&mut t, &liqee, m, ask, &table).await;
        t.crank(m).await;
    }
    for trader in [&liqor, &liqee] {
        let account = t.margin_account(&trader.account).await;
        assert_eq!(account.active_collaterals().count(), MAX_COLLATERALS);
        assert_eq!(
            account.active_perps().filter(|p| p.base_lots != 0).count(),
            MAX_PERP_POSITIONS
        );
        assert_eq!(
            t.health_metas(&trader.account).await.len(),
            FULL_HEALTH_ACCOUNTS
        );
    }
    (t, liqor, liqee, table)
}

/// A trader with `quote` USDC and `other` native units of every other asset deposited.
async fn collateralised(t: &mut TestContext, quote: u64, other: u64) -> Trader {
    let mut funding = vec![other; MAX_COLLATERALS];
    funding[0] = quote;
    let trader = t.trader(&funding).await;
    for index in 0..MAX_COLLATERALS as u16 {
        t.deposit(&trader, index, funding[index as usize])
            .await
            .assert_ok();
    }
    trader
}

/// Moves the bank `slots` slots ahead, keeping the unix time (oracles stay fresh); returns
/// the new slot.
async fn warp(t: &mut TestContext, slots: u64) -> u64 {
    let clock: Clock = t.ctx.banks_client.get_sysvar().await.expect("clock");
    t.ctx.warp_to_slot(clock.slot + slots).expect("warp");
    t.set_time(clock.unix_timestamp).await;
    clock.slot + slots
}

/// Creates and extends the exchange's table with the client's builders (the admin is its
/// authority and pays), then moves a slot on so that every address can be looked up.
async fn exchange_table(t: &mut TestContext) -> AddressLookupTableAccount {
    let (assets, markets) = (t.known_assets().await, t.known_markets().await);
    let addresses = alt::exchange_addresses(&t.exchange, &assets, &markets);
    assert_eq!(
        addresses.len(),
        5 + 4 * MAX_COLLATERALS - 1 + 4 * MAX_PERP_POSITIONS
    );
    let admin = t.admin.insecure_clone();
    let recent_slot = warp(t, 2).await - 1;
    let (create, table) = alt::create(&admin.pubkey(), &admin.pubkey(), recent_slot);
    t.send(&[create], &[&admin]).await.assert_ok();
    let extends = alt::extend(&table, &admin.pubkey(), &admin.pubkey(), &addresses);
    assert_eq!(
        extends.len(),
        addresses.len().div_ceil(alt::MAX_ADDRESSES_PER_EXTEND)
    );
    for ix in extends {
        let own = alt::v0_transaction_size(&admin.pubkey(), std::slice::from_ref(&ix), &[])
            .expect("compiles");
        println!(
            "tx-limits: extend {:>2} addresses: legacy {} B",
            (ix.data.len() - 12) / 32,
            own.legacy_bytes
        );
        assert!(own.legacy_bytes <= MAX_TRANSACTION_BYTES, "{own:?}");
        t.send(&[ix], &[&admin]).await.assert_ok();
    }
    warp(t, 1).await;
    let data = t.account_data(&table).await.expect("the table exists");
    let decoded = alt::decode(&table, &data).expect("a lookup table");
    assert_eq!(decoded.addresses, addresses);
    decoded
}

/// A compute budget as a real client sends it, then `ix`.
pub(crate) fn budgeted(ix: Instruction) -> Vec<Instruction> {
    vec![
        ComputeBudgetInstruction::set_compute_unit_limit(1_400_000),
        ComputeBudgetInstruction::set_compute_unit_price(50_000),
        ix,
    ]
}

/// `place_order` for `trader` in market `index` with the client's trade health accounts, as a
/// v0 transaction; it must succeed, then conservation is checked.
async fn place_v0(
    t: &mut TestContext,
    trader: &Trader,
    index: u16,
    args: PlaceOrderArgs,
    table: &AddressLookupTableAccount,
) {
    let metas = t.trade_metas(&trader.account, index).await;
    let keys = t.markets[index as usize].keys;
    let ix = mix::place_order(&trader.owner.pubkey(), &trader.account, &keys, args, metas);
    let (stats, outcome) = send_v0(t, &trader.owner, &budgeted(ix), table).await;
    outcome.assert_ok();
    assert!(stats.fits(), "{stats:?}");
    t.assert_conserved().await;
}

/// Measures `ixs` paid and signed by `signer` against the limits, prints the figures under
/// `name`, asserts they fit, then sends them as that v0 transaction.
async fn measure_and_send(
    t: &mut TestContext,
    name: &str,
    signer: &Keypair,
    ixs: &[Instruction],
    table: &AddressLookupTableAccount,
) -> (TxStats, Outcome) {
    let (stats, outcome) = send_v0(t, signer, ixs, table).await;
    report(name, &stats);
    assert!(stats.fits(), "{name}: {stats:?}");
    (stats, outcome)
}

/// Sends `ixs` paid and signed by `signer` as a v0 transaction looking up `table`, after
/// checking that the signed transaction has the measured size; returns the measure and what
/// the transaction did.
async fn send_v0(
    t: &mut TestContext,
    signer: &Keypair,
    ixs: &[Instruction],
    table: &AddressLookupTableAccount,
) -> (TxStats, Outcome) {
    let tables = std::slice::from_ref(table);
    let stats = alt::v0_transaction_size(&signer.pubkey(), ixs, tables).expect("compiles");
    let bank = &mut t.ctx.banks_client;
    let blockhash = bank.get_latest_blockhash().await.expect("blockhash");
    let message = alt::v0_message(&signer.pubkey(), ixs, tables, blockhash).expect("compiles");
    let tx = VersionedTransaction::try_new(message, &[signer]).expect("signs");
    assert_eq!(
        alt::transaction_bytes(&tx),
        stats.serialized_bytes,
        "the signed transaction is the measured one"
    );
    let processed = bank
        .process_transaction_with_metadata(tx)
        .await
        .expect("banks client");
    let (logs, return_data) = processed
        .metadata
        .map(|m| (m.log_messages, m.return_data.map(|r| r.data)))
        .unwrap_or_default();
    (
        stats,
        Outcome {
            result: processed.result,
            logs,
            return_data,
        },
    )
}

/// Prints one line of the figures.
pub(crate) fn report(name: &str, s: &TxStats) {
    println!(
        "tx-limits: {name}: legacy {} B, v0 {} B (limit {MAX_TRANSACTION_BYTES}), {} locks (limit {MAX_ACCOUNT_LOCKS}), {} static keys",
        s.legacy_bytes, s.serialized_bytes, s.account_locks, s.static_keys
    );
}

#[tokio::test]
async fn withdraw_from_a_full_account_fits_a_v0_transaction() {
    let (mut t, liqor, _, table) = full_exchange().await;
    let asset = t.asset(3);
    let metas = t.health_metas(&liqor.account).await;
    let (owner, wallet) = (liqor.owner.pubkey(), liqor.wallets[3]);
    let ix = kix::withdraw(
        &owner,
        &t.exchange,
        &liqor.account,
        &asset.mint,
        &wallet,
        1_000_000,
        metas,
    );
    assert_eq!(ix.accounts.len(), 7 + FULL_HEALTH_ACCOUNTS);
    let before = t.balance(&liqor.account, 3).await;
    let (stats, outcome) =
        measure_and_send(&mut t, "withdraw", &liqor.owner, &budgeted(ix), &table).await;
    outcome.assert_ok();
    t.assert_conserved().await;
    assert_eq!(t.balance(&liqor.account, 3).await, before - 1_000_000);
    // Owner, margin account, destination, Keel, Compute Budget; exchange, vault, SPL Token and
    // the health list (the asset among them) from the table.
    assert_eq!(
        (stats.static_keys, stats.account_locks),
        (5, 5 + 3 + FULL_HEALTH_ACCOUNTS)
    );
    assert!(
        stats.legacy_bytes > MAX_TRANSACTION_BYTES,
        "a legacy transaction could not carry it"
    );
}

#[tokio::test]
async fn place_order_from_a_full_account_fits_a_v0_transaction() {
    let (mut t, liqor, _, table) = full_exchange().await;
    let market = 5;
    let metas = t.trade_metas(&liqor.account, market).await;
    assert_eq!(
        metas.len(),
        FULL_HEALTH_ACCOUNTS,
        "a resting order opens no slot a full account lacks"
    );
    let keys = t.markets[market as usize].keys;
    let order = limit(Side::Bid, 99 * LOTS_PER_USD, 1);
    let ix = mix::place_order(&liqor.owner.pubkey(), &liqor.account, &keys, order, metas);
    let (stats, outcome) =
        measure_and_send(&mut t, "place_order", &liqor.owner, &budgeted(ix), &table).await;
    outcome.assert_ok();
    t.assert_conserved().await;
    assert_eq!(t.open_order_count(&liqor.account).await, 1, "the bid rests");
    // Signer, margin account, Keel, Compute Budget; book, queue and the rest from the table.
    assert_eq!(
        (stats.static_keys, stats.account_locks),
        (4, 4 + 3 + FULL_HEALTH_ACCOUNTS)
    );
    // A resting order changes no list: the same order again measures the same.
    let metas = t.trade_metas(&liqor.account, market).await;
    let again = mix::place_order(&liqor.owner.pubkey(), &liqor.account, &keys, order, metas);
    assert_eq!(
        alt::v0_transaction_size(&liqor.owner.pubkey(), &budgeted(again), &[table]).unwrap(),
        stats
    );
}

/// At 108 USD the short liquidatee (10 SOL from 100, 120 USDC) is below Maint: −80 PnL and a
/// 54 USDC maintenance margin.
#[tokio::test]
async fn liquidate_perp_between_two_full_accounts_fits_a_v0_transaction() {
    let (mut t, liqor, liqee, table) = full_exchange().await;
    t.set_market_price(0, usd(108, T0));
    assert!(t.healths(&liqee.account).await.maint < 0, "liquidatable");
    let ix = t.liquidate_perp_ix(&liqor, &liqee.account, 0, 1_000).await;
    assert_eq!(
        ix.accounts.len(),
        8 + 2 * FULL_HEALTH_ACCOUNTS,
        "both full lists"
    );
    let (stats, outcome) = measure_and_send(
        &mut t,
        "liquidate_perp",
        &liqor.owner,
        &budgeted(ix),
        &table,
    )
    .await;
    outcome.assert_ok();
    t.assert_conserved().await;
    let left = t.position_lots(&liqee.account, 0).await;
    assert!((-1_000 + 1..0).contains(&left), "a step was taken: {left}");
    // Liquidator, both margin accounts, Keel, Compute Budget; exchange, insurance fund and the
    // one shared list from the table.
    assert_eq!(
        (stats.static_keys, stats.account_locks),
        (5, 5 + 2 + FULL_HEALTH_ACCOUNTS)
    );
    assert!(stats.legacy_bytes > MAX_TRANSACTION_BYTES);
}
