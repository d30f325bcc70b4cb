//! `cache_prices` and health lists priced by cached prices (issue 14, point 4: a liquidation
//! between two full accounts on different assets and markets names 96 asset, market and oracle
//! accounts; with cached prices the lists drop their oracles and fit 64 locks, see
//! `test_tx_limits`). Here: what is cached, that a liquidation at cached prices takes exactly
//! the step the oracles give, and every way a cached price is refused.

use anchor_lang::error::ErrorCode as AnchorError;
use anchor_lang::prelude::{AccountMeta, Pubkey};
use keel::error::KeelError;
use keel::events::PerpLiquidated;
use keel::instructions::risk::{HealthReport, UpdateAssetArgs};
use keel::math::FIXED_SCALE;
use keel::state::PRICE_CACHE_MAX_SLOTS;
use keel_client::events::events_of;
use keel_client::instructions as kix;
use keel_client::price_cache::{cache_prices_ix, without_oracles};
use keel_tests::context::volatile_params;
use keel_tests::liquidation::LongScenario;
use keel_tests::markets::{perp_params, sol_market_with_traders, usd, with_params, T0};
use solana_keypair::Keypair;
use solana_signer::Signer;

/// SOL-PERP at 100 USD and a pulled asset at 150: `cache_prices` writes each guarded price,
/// in quote native per base native (9 decimals), with the slot it was read in and the time its
/// oracle published it.
#[tokio::test]
async fn cache_prices_keeps_each_guarded_price_on_its_market_and_asset() {
    let (mut t, m, _) = sol_market_with_traders(1).await;
    let a = t.add_pull_asset(9, volatile_params(), usd(150, T0)).await;
    assert_eq!(
        t.market(m).await.price_cache.fresh(t.slot().await, T0, 60),
        None,
        "nothing before cache_prices"
    );
    t.cache_all_prices().await.assert_ok();
    let slot = t.slot().await;
    let market = t.market(m).await;
    let quote = market.price_cache.fresh(slot, T0, 60).expect("cached");
    assert_eq!(
        quote.oracle.raw(),
        100 * FIXED_SCALE / 1_000,
        "100 USD per SOL = 0.1 quote native per lamport"
    );
    assert!(quote.init_asset <= quote.oracle && quote.oracle <= quote.init_liab);
    assert_eq!(
        (market.price_cache.slot, market.price_cache.published),
        (slot, T0)
    );
    let asset = t.collateral_asset(a).await;
    assert_eq!(
        asset.price_cache.fresh(slot, T0, 60).expect("cached").oracle.raw(),
        150 * FIXED_SCALE / 1_000
    );
    assert_eq!(
        asset.price_cache.fresh(slot + PRICE_CACHE_MAX_SLOTS + 1, T0, 60),
        None,
        "gone after the window"
    );
}

/// `test_liquidation`'s long at 92 (642 lots end the liquidation): with both lists priced by
/// prices cached at 92 the step is the same — lots, transfer, penalty, bounty, healths — and
/// the instruction names 2 accounts fewer (each list drops SOL-PERP's oracle).
#[tokio::test]
async fn a_liquidation_priced_by_cached_prices_takes_the_step_the_oracles_give() {
    let mut reading = LongScenario::new().await;
    reading.set_price(92).await;
    let (liqee, market) = (reading.liqee.account, reading.market);
    let read_ix = reading
        .t
        .liquidate_perp_ix(&reading.liqor, &liqee, market, 1_000)
        .await;
    let read = reading
        .t
        .liquidate_perp(&reading.liqor, &liqee, market, 1_000)
        .await;
    read.assert_ok();

    let mut cached = LongScenario::new().await;
    cached.set_price(92).await;
    cached.t.cache_all_prices().await.assert_ok();
    let (liqee, market) = (cached.liqee.account, cached.market);
    let cached_ix = cached
        .t
        .liquidate_perp_cached_ix(&cached.liqor, &liqee, market, 1_000)
        .await;
    assert_eq!(cached_ix.accounts.len(), read_ix.accounts.len() - 2);
    let outcome = cached
        .t
        .liquidate_perp_cached(&cached.liqor, &liqee, market, 1_000)
        .await;
    outcome.assert_ok();

    let (a, b) = (
        &events_of::<PerpLiquidated>(&read.logs)[0],
        &events_of::<PerpLiquidated>(&outcome.logs)[0],
    );
    assert_eq!(
        (b.base_lots, b.transfer_notional, b.penalty, b.bounty),
        (642, 581_780_400, 5_906_400, 2_953_200)
    );
    assert_eq!(
        (a.base_lots, a.transfer_notional, a.penalty, a.bounty),
        (b.base_lots, b.transfer_notional, b.penalty, b.bounty)
    );
    assert_eq!(
        (a.health.maint_after, a.health.liq_end_after),
        (b.health.maint_after, b.health.liq_end_after)
    );
    assert_eq!(cached.t.position_lots(&liqee, market).await, 358);
}

/// `LongScenario` with a dust balance (1 000 native, 9 decimals) of a pulled asset at 150 USD
/// in the liquidated account, then SOL at 92: besides SOL-PERP — which `liquidate_perp` always
/// prices live — the liquidated list has one entry a cached price can stand in for.
async fn long_at_92_with_a_pulled_asset() -> (LongScenario, u16) {
    let mut s = LongScenario::new().await;
    let now = s.t.now().await;
    let asset = s
        .t
        .deposit_new_pull_asset(&s.liqee.handle(), usd(150, now), 1_000)
        .await;
    s.set_price(92).await;
    (s, asset)
}

/// Omitting an oracle never counts as a failing price (which a liquidation values against the
/// account): with no cached price the step is refused.
#[tokio::test]
async fn omitting_an_oracle_without_a_cached_price_is_refused() {
    let (mut s, _) = long_at_92_with_a_pulled_asset().await;
    let (liqee, market) = (s.liqee.account, s.market);
    s.t.liquidate_perp_cached(&s.liqor, &liqee, market, 1_000)
        .await
        .assert_error(KeelError::PriceCacheStale);
    assert_eq!(s.t.position_lots(&liqee, market).await, 1_000);
}

/// A cached price is good for `PRICE_CACHE_MAX_SLOTS` (10) slots after its read, then refused
/// until cached again.
#[tokio::test]
async fn a_cached_price_older_than_ten_slots_is_refused() {
    let (mut s, _) = long_at_92_with_a_pulled_asset().await;
    let (liqee, market) = (s.liqee.account, s.market);
    s.t.cache_all_prices().await.assert_ok();
    s.t.advance_slots(PRICE_CACHE_MAX_SLOTS).await;
    let ix =
        s.t.liquidate_perp_cached_ix(&s.liqor, &liqee, market, 1_000)
            .await;
    let owner = s.liqor.owner.insecure_clone();
    s.t.simulate(&[ix], &[&owner]).await.assert_ok();
    s.t.advance_slots(1).await;
    s.t.liquidate_perp_cached(&s.liqor, &liqee, market, 1_000)
        .await
        .assert_error(KeelError::PriceCacheStale);
    s.t.cache_all_prices().await.assert_ok();
    s.t.liquidate_perp_cached(&s.liqor, &liqee, market, 1_000)
        .await
        .assert_ok();
}

/// A price cached under a listing's old parameters (its guards, weights, k) is forgotten when
/// the admin updates them: the market's by `update_perp_market`, the asset's by
/// `update_asset`, after which a list omitting the asset's oracle is refused.
#[tokio::test]
async fn updating_a_listings_parameters_forgets_its_cached_price() {
    let (mut s, asset) = long_at_92_with_a_pulled_asset().await;
    let (liqee, market) = (s.liqee.account, s.market);
    s.t.cache_all_prices().await.assert_ok();
    s.t.update_market(market, with_params(perp_params()))
        .await
        .assert_ok();
    let (slot, now) = (s.t.slot().await, s.t.now().await);
    assert_eq!(s.t.market(market).await.price_cache.fresh(slot, now, 60), None);
    assert!(s.t.collateral_asset(asset).await.price_cache.fresh(slot, now, 60).is_some());
    let admin = s.t.admin.insecure_clone();
    let args = UpdateAssetArgs {
        params: Some(volatile_params()),
        deposits_paused: None,
    };
    let mint = s.t.asset(asset).mint;
    let ix = kix::update_asset(&admin.pubkey(), &s.t.exchange, &mint, args);
    s.t.send(&[ix], &[&admin]).await.assert_ok();
    assert_eq!(s.t.collateral_asset(asset).await.price_cache.fresh(slot, now, 60), None);
    s.t.liquidate_perp_cached(&s.liqor, &liqee, market, 1_000)
        .await
        .assert_error(KeelError::PriceCacheStale);
}

/// Only liquidations and the read-only health view may omit oracles: a withdrawal reads every
/// oracle, cached price or not; the view at cached prices reports what it reports reading them.
#[tokio::test]
async fn a_withdrawal_reads_every_oracle_and_the_health_view_may_use_cached_prices() {
    let mut s = LongScenario::new().await;
    s.t.cache_all_prices().await.assert_ok();
    let trader = s.liqee.handle();
    let metas = s.t.health_metas(&trader.account).await;
    let assets = s.t.known_assets().await;
    let markets = s.t.known_markets().await;
    let cached = without_oracles(&metas, &assets, &markets);
    assert_eq!(cached.len(), metas.len() - 1);
    let mint = s.t.asset(0).mint;
    let withdraw = kix::withdraw(
        &trader.owner.pubkey(),
        &s.t.exchange,
        &trader.account,
        &mint,
        &trader.wallets[0],
        1,
        cached.clone(),
    );
    s.t.send(&[withdraw], &[&trader.owner])
        .await
        .assert_error(KeelError::HealthAccountMissing);
    let read =
        s.t.simulate(&[kix::health(&s.t.exchange, &trader.account, metas)], &[])
            .await
            .returned::<HealthReport>();
    let view =
        s.t.simulate(&[kix::health(&s.t.exchange, &trader.account, cached)], &[])
            .await
            .returned::<HealthReport>();
    assert_eq!(view, read);
    assert_eq!(view.maint.health, 69_500_000);
}

/// `cache_prices` refuses every list it cannot price, each with its own error: none or an odd
/// count, the quote asset (fixed price, no oracle), an account that is no Keel listing, a
/// listing twice (a free write lock on it), a listing paired with another oracle, a listing
/// passed read-only, a stale oracle, and a listing of another exchange.
#[tokio::test]
async fn cache_prices_refuses_what_it_cannot_price() {
    let (mut t, m, _) = sol_market_with_traders(1).await;
    let a = t.add_pull_asset(9, volatile_params(), usd(150, T0)).await;
    let market = t.markets[m as usize].keys;
    let asset_oracle = t.asset(a).oracle_key().expect("pulled");
    let w = |key: Pubkey| AccountMeta::new(key, false);
    let ro = |key: Pubkey| AccountMeta::new_readonly(key, false);
    t.cache_prices_with(vec![])
        .await
        .assert_error(KeelError::PriceNotCacheable);
    t.cache_prices_with(vec![w(market.market)])
        .await
        .assert_error(KeelError::PriceNotCacheable);
    let quote_asset = t.known_assets().await[0].address;
    t.cache_prices_with(vec![w(quote_asset), ro(market.oracle)])
        .await
        .assert_error(KeelError::PriceNotCacheable);
    t.cache_prices_with(vec![w(market.oracle), ro(market.oracle)])
        .await
        .assert_error(KeelError::PriceNotCacheable);
    let twice = vec![w(market.market), ro(market.oracle), w(market.market), ro(market.oracle)];
    t.cache_prices_with(twice)
        .await
        .assert_error(KeelError::PriceNotCacheable);
    t.cache_prices_with(vec![w(market.market), ro(asset_oracle)])
        .await
        .assert_error(KeelError::OracleAccountMismatch);
    t.cache_prices_with(vec![ro(market.market), ro(market.oracle)])
        .await
        .assert_anchor_error(AnchorError::AccountNotMutable);
    t.set_time(T0 + 120).await;
    t.cache_prices_with(vec![w(market.market), ro(market.oracle)])
        .await
        .assert_error(KeelError::OracleStale);
    t.set_market_price(m, usd(100, T0 + 120));
    t.cache_prices_with(vec![w(market.market), ro(market.oracle)])
        .await
        .assert_ok();

    let other_admin = Keypair::new();
    t.airdrop(&other_admin.pubkey(), 1_000_000_000).await;
    let other_quote = t.create_mint(6).await;
    let init = kix::initialize_exchange(&other_admin.pubkey(), &other_admin.pubkey(), &other_quote);
    t.send(&[init], &[&other_admin]).await.assert_ok();
    let other_exchange = keel_client::pda::exchange(&other_admin.pubkey());
    let foreign = cache_prices_ix(&other_exchange, vec![w(market.market), ro(market.oracle)]);
    t.send(&[foreign], &[])
        .await
        .assert_error(KeelError::ExchangeMismatch);
}
