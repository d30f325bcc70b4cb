//! Oracle replacement by the admin: an asset's or a market's dead feed is replaced by a valid
//! one (kind, account, feed id, guards) with an `OracleReplaced` event, and the account then
//! values and trades on the new feed; every invalid replacement is refused with its own error
//! and changes nothing.

use anchor_lang::prelude::Pubkey;
use keel::error::KeelError;
use keel::events::{OracleReplaced, ORACLE_TARGET_ASSET, ORACLE_TARGET_MARKET};
use keel::instructions::risk::HealthReport;
use keel::math::FIXED_SCALE;
use keel::oracle::OracleKind;
use keel::state::Side;
use keel_client::events::events_of;
use keel_client::oracles as oix;
use keel_tests::context::{volatile_params, TestContext, START_TIME};
use keel_tests::markets::{limit, sol_market_with_traders, usd, T0};
use keel_tests::oracles::{account, legacy_price_account, pull_price_account, PriceSpec};
use keel_tests::replacement::replacement;
use keel_tests::traders::Trader;
use pyth_sdk_solana::state::PriceStatus;
use pyth_solana_receiver_sdk::price_update::VerificationLevel;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// SOL at 150.00 (expo −2), published at `time`.
fn sol_at(time: i64) -> PriceSpec {
    PriceSpec::new(15_000, 10, -2, time)
}

/// A fresh pull account for a new feed id at `spec`: (account, feed id).
fn new_pull(t: &mut TestContext, spec: PriceSpec) -> (Pubkey, [u8; 32]) {
    let (oracle, feed_id) = (Pubkey::new_unique(), Pubkey::new_unique().to_bytes());
    t.set_account(
        &oracle,
        pull_price_account(feed_id, spec, VerificationLevel::Full),
    );
    (oracle, feed_id)
}

/// An exchange with SOL (pull) and a trader holding 100 USDC and 2 SOL.
async fn setup() -> (TestContext, Trader, u16) {
    let mut t = TestContext::new().await;
    let sol = t
        .add_pull_asset(9, volatile_params(), sol_at(START_TIME))
        .await;
    let trader = t.trader(&[1_000_000_000, 5_000_000_000]).await;
    t.deposit(&trader, 0, 100_000_000).await.assert_ok();
    t.deposit(&trader, sol, 2_000_000_000).await.assert_ok();
    (t, trader, sol)
}

/// SOL's feed publishes a 5% confidence (the guard allows 2%): the withdrawal is refused. The
/// admin binds a legacy account at 160.00 with max age 120 s: an `OracleReplaced` event with
/// both bindings and the next admin sequence; the account is valued at 160 (100 + 2 · 160 =
/// 420 USDC) and may withdraw again.
#[tokio::test]
async fn replacing_a_dead_asset_feed_restores_withdrawals() {
    let (mut t, trader, sol) = setup().await;
    let old = t.asset(sol);
    t.set_pull_price(
        sol,
        PriceSpec::new(15_000, 750, -2, START_TIME),
        VerificationLevel::Full,
    );
    t.withdraw(&trader, sol, 1)
        .await
        .assert_error(KeelError::OracleConfidenceTooWide);

    let legacy = Pubkey::new_unique();
    t.set_account(
        &legacy,
        legacy_price_account(
            PriceSpec::new(16_000, 10, -2, START_TIME),
            PriceStatus::Trading,
        ),
    );
    let args = keel::instructions::risk::ReplaceOracleArgs {
        max_age_secs: 120,
        ..replacement(OracleKind::PythLegacy, [0; 32])
    };
    let admin_seq = t.exchange_state().await.admin_event_seq;
    let outcome = t.replace_asset_oracle(sol, &legacy, args).await;
    outcome.assert_ok();
    let events = events_of::<OracleReplaced>(&outcome.logs);
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(
        (e.target, e.address, e.index),
        (ORACLE_TARGET_ASSET, old.address, sol)
    );
    assert_eq!(
        (e.old_kind, e.old_oracle, e.old_feed_id),
        (OracleKind::PythPull as u8, old.oracle, old.feed_id)
    );
    assert_eq!(
        (e.new_kind, e.new_oracle, e.new_feed_id),
        (OracleKind::PythLegacy as u8, legacy, legacy.to_bytes())
    );
    assert_eq!(
        (e.max_age_secs, e.max_conf_bps, e.conf_multiplier_bps),
        (120, 200, 20_000)
    );
    // 160 USD per SOL = 0.16 USDC native per lamport.
    assert_eq!(e.price, 16 * FIXED_SCALE / 100);
    assert_eq!(e.admin_seq, admin_seq + 1);
    let asset = t.collateral_asset(sol).await;
    assert_eq!(
        (asset.oracle, asset.oracle_kind, asset.oracle_max_age_secs),
        (legacy, OracleKind::PythLegacy as u8, 120)
    );

    let report: HealthReport = t.health_view(&trader.account).await.assert_ok().returned();
    assert_eq!(report.collateral_value, 420_000_000);
    // The new max age holds: 120 s later the legacy price is still fresh.
    t.set_time(START_TIME + 120).await;
    t.withdraw(&trader, sol, 500_000_000).await.assert_ok();
    assert_eq!(t.balance(&trader.account, sol).await, 1_500_000_000);
}

/// SOL-PERP's feed goes stale; the admin binds a new pull feed at 101 USD. Orders trade on the
/// new price and band (a bid at 1 010 000 lots fills), and the market records it as its last
/// valid price.
#[tokio::test]
async fn replacing_a_market_feed_lets_trading_resume_at_the_new_price() {
    let (mut t, m, traders) = sol_market_with_traders(2).await;
    let (maker, taker) = (&traders[0], &traders[1]);
    t.set_time(T0 + 120).await;
    t.place(maker, m, limit(Side::Ask, 1_010_000, 10))
        .await
        .assert_error(KeelError::OracleStale);

    let old = t.markets[m as usize];
    let (oracle, feed_id) = new_pull(&mut t, usd(101, T0 + 120));
    let outcome = t
        .replace_market_oracle(m, &oracle, replacement(OracleKind::PythPull, feed_id))
        .await;
    outcome.assert_ok();
    let e = &events_of::<OracleReplaced>(&outcome.logs)[0];
    assert_eq!(
        (e.target, e.address, e.index),
        (ORACLE_TARGET_MARKET, old.keys.market, m)
    );
    assert_eq!(
        (e.old_oracle, e.old_feed_id, e.new_oracle, e.new_feed_id),
        (old.keys.oracle, old.feed_id, oracle, feed_id)
    );
    let market = t.market(m).await;
    assert_eq!((market.oracle, market.feed_id), (oracle, feed_id));
    // 101 USD per SOL: 0.101 USDC native per lamport.
    assert_eq!(
        (market.last_oracle_price().raw(), market.last_oracle_ts),
        (101 * FIXED_SCALE / 1_000, T0 + 120)
    );

    t.place(maker, m, limit(Side::Ask, 1_010_000, 10))
        .await
        .assert_ok();
    t.place(taker, m, limit(Side::Bid, 1_010_000, 10))
        .await
        .assert_ok();
    assert_eq!(t.position_lots(&taker.account, m).await, 10);
}

/// Refusals, each with its own error, none changing the asset: a non-admin signer; the quote
/// asset; `Fixed` as the new kind; a new account owned by another program; a pull update for
/// another feed id, partially verified, stale, from the future, too uncertain; a legacy account
/// not Trading; guards out of bounds.
#[tokio::test]
async fn invalid_asset_oracle_replacements_are_refused() {
    let (mut t, _trader, sol) = setup().await;
    let address = t.asset(sol).address;
    let before = t.account_data(&address).await;
    let (good, feed_id) = new_pull(&mut t, sol_at(START_TIME));
    let args = replacement(OracleKind::PythPull, feed_id);

    let stranger = Keypair::new();
    t.airdrop(&stranger.pubkey(), 1_000_000_000).await;
    let ix = oix::replace_asset_oracle(
        &stranger.pubkey(),
        &t.exchange,
        &t.asset(sol).mint,
        &good,
        args,
    );
    t.send(&[ix], &[&stranger])
        .await
        .assert_error(KeelError::NotAdmin);
    t.replace_asset_oracle(0, &good, args)
        .await
        .assert_error(KeelError::OracleNotReplaceable);
    t.replace_asset_oracle(sol, &good, replacement(OracleKind::Fixed, feed_id))
        .await
        .assert_error(KeelError::OracleNotReplaceable);
    t.replace_asset_oracle(sol, &good, replacement(OracleKind::PythPull, [9; 32]))
        .await
        .assert_error(KeelError::OracleFeedMismatch);
    t.replace_asset_oracle(sol, &good, replacement(OracleKind::PythLegacy, [0; 32]))
        .await
        .assert_error(KeelError::OracleWrongOwner);
    for bad_guards in [
        keel::instructions::risk::ReplaceOracleArgs {
            max_age_secs: 0,
            ..args
        },
        keel::instructions::risk::ReplaceOracleArgs {
            max_conf_bps: 2_001,
            ..args
        },
        keel::instructions::risk::ReplaceOracleArgs {
            conf_multiplier_bps: 50_001,
            ..args
        },
    ] {
        t.replace_asset_oracle(sol, &good, bad_guards)
            .await
            .assert_error(KeelError::InvalidOracleConfig);
    }

    let foreign = Pubkey::new_unique();
    let genuine = pull_price_account(feed_id, sol_at(START_TIME), VerificationLevel::Full);
    t.set_account(&foreign, account(genuine.data, Pubkey::new_unique()));
    t.replace_asset_oracle(sol, &foreign, args)
        .await
        .assert_error(KeelError::OracleWrongOwner);
    let cases = [
        (
            sol_at(START_TIME),
            VerificationLevel::Partial { num_signatures: 3 },
            KeelError::OracleNotFullyVerified,
        ),
        (
            sol_at(START_TIME - 61),
            VerificationLevel::Full,
            KeelError::OracleStale,
        ),
        (
            sol_at(START_TIME + 11),
            VerificationLevel::Full,
            KeelError::OracleFromTheFuture,
        ),
        (
            PriceSpec::new(15_000, 301, -2, START_TIME),
            VerificationLevel::Full,
            KeelError::OracleConfidenceTooWide,
        ),
        (
            PriceSpec::new(0, 0, -2, START_TIME),
            VerificationLevel::Full,
            KeelError::OracleNonPositivePrice,
        ),
    ];
    for (spec, verification, error) in cases {
        let candidate = Pubkey::new_unique();
        t.set_account(&candidate, pull_price_account(feed_id, spec, verification));
        t.replace_asset_oracle(sol, &candidate, args)
            .await
            .assert_error(error);
    }
    let halted = Pubkey::new_unique();
    t.set_account(
        &halted,
        legacy_price_account(sol_at(START_TIME), PriceStatus::Halted),
    );
    t.replace_asset_oracle(sol, &halted, replacement(OracleKind::PythLegacy, [0; 32]))
        .await
        .assert_error(KeelError::OracleNotTrading);
    assert_eq!(
        t.account_data(&address).await,
        before,
        "no refusal changed the asset"
    );
}

/// A market's replacement is refused for a non-admin, for `Fixed` and for an invalid price;
/// the market is unchanged.
#[tokio::test]
async fn invalid_market_oracle_replacements_are_refused() {
    let (mut t, m, _) = sol_market_with_traders(0).await;
    let market = t.markets[m as usize].keys.market;
    let before = t.account_data(&market).await;
    let (stale, feed_id) = new_pull(&mut t, usd(100, T0 - 61));
    let args = replacement(OracleKind::PythPull, feed_id);
    t.replace_market_oracle(m, &stale, args)
        .await
        .assert_error(KeelError::OracleStale);
    t.replace_market_oracle(m, &stale, replacement(OracleKind::Fixed, feed_id))
        .await
        .assert_error(KeelError::OracleNotReplaceable);
    let stranger = Keypair::new();
    t.airdrop(&stranger.pubkey(), 1_000_000_000).await;
    let (fresh, fresh_feed) = new_pull(&mut t, usd(100, T0));
    let ix = oix::replace_market_oracle(
        &stranger.pubkey(),
        &t.exchange,
        &market,
        &fresh,
        replacement(OracleKind::PythPull, fresh_feed),
    );
    t.send(&[ix], &[&stranger])
        .await
        .assert_error(KeelError::NotAdmin);
    assert_eq!(t.account_data(&market).await, before);
}

/// A price `cache_prices` read from the old feed is forgotten with it: after replacing an
/// asset's and a market's oracle neither holds a cached price until cached again.
#[tokio::test]
async fn replacing_an_oracle_forgets_the_price_cached_from_the_old_one() {
    let (mut t, m, _) = sol_market_with_traders(1).await;
    let sol = t.add_pull_asset(9, volatile_params(), sol_at(T0)).await;
    t.cache_all_prices().await.assert_ok();
    let slot = t.slot().await;
    assert!(t.market(m).await.price_cache.fresh(slot, T0, 60).is_some());
    assert!(t.collateral_asset(sol).await.price_cache.fresh(slot, T0, 60).is_some());
    let (oracle, feed_id) = new_pull(&mut t, usd(101, T0));
    t.replace_market_oracle(m, &oracle, replacement(OracleKind::PythPull, feed_id)).await.assert_ok();
    let (oracle, feed_id) = new_pull(&mut t, sol_at(T0));
    t.replace_asset_oracle(sol, &oracle, replacement(OracleKind::PythPull, feed_id)).await.assert_ok();
    assert_eq!(t.market(m).await.price_cache.fresh(slot, T0, 60), None);
    assert_eq!(t.collateral_asset(sol).await.price_cache.fresh(slot, T0, 60), None);
}
