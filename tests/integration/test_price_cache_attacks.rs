//! Attacks on cached prices (`cache_prices`), each stated with what it may and may not win.
//!
//! - `liquidation_cancel_orders` reads every oracle: before, a list priced by a price cached in
//!   a dip took the orders of an account that had recovered.
//! - What a cached step concedes, bounded: for every entry but the one it takes, a liquidation
//!   may use a price cached within `PRICE_CACHE_MAX_SLOTS`. A cached step is then exactly the
//!   step a liquidator reading the oracles would have taken at that cached price, no more:
//!   tested for the liquidated account's collateral and the liquidator's own.
//! - A cached price also ages by its oracle's publish time, not only by slots: a price cached
//!   before a cluster halt is stale after the restart.
//!
//! Scenario (`LongScenario`): SOL-PERP at 92, where the liqee's Maint health is −6.5 USDC.

use anchor_lang::prelude::{AccountMeta, Pubkey};
use keel::error::KeelError;
use keel::events::PerpLiquidated;
use keel::state::{Side, PRICE_CACHE_MAX_SLOTS};
use keel_client::health::{KnownAsset, KnownMarket};
use keel_client::liquidation as lix;
use keel_client::price_cache::without_oracles;
use keel_tests::context::TestContext;
use keel_tests::liquidation::{eth, step_of, LongScenario, LOTS_PER_USD};
use keel_tests::markets::{limit, OrderArgsExt};
use keel_tests::traders::Trader;
use pyth_solana_receiver_sdk::price_update::VerificationLevel;

/// Caches every price, then moves ETH (asset `index`) to `dollars`, published now.
async fn cache_then_move_eth(t: &mut TestContext, index: u16, dollars: i64) {
    t.cache_all_prices().await.assert_ok();
    let now = t.now().await;
    t.set_pull_price(index, eth(dollars, now), VerificationLevel::Full);
}

/// The figures of a step that a liquidator can influence.
fn terms(step: &PerpLiquidated) -> (i64, i64, u64, u64) {
    (
        step.base_lots,
        step.transfer_notional,
        step.penalty,
        step.bounty,
    )
}

/// The liqee rests a reduce-only ask; SOL is cached at 92 and back at 100 (Maint +69.5 USDC).
/// Before, `liquidation_cancel_orders` with the cached list took the order of the recovered
/// account; now it reads every oracle: the list without SOL's oracle is refused as missing an
/// account, with the oracle it is `NotLiquidatable`, and the order rests.
#[tokio::test]
async fn liquidation_cancel_orders_refuses_a_price_cached_in_a_dip() {
    let mut s = LongScenario::new().await;
    let (liqee, market) = (s.liqee.account, s.market);
    s.t.place(
        &s.liqee,
        market,
        limit(Side::Ask, 104 * LOTS_PER_USD, 100).reduce_only(),
    )
    .await
    .assert_ok();
    s.set_price(92).await;
    s.t.cache_all_prices().await.assert_ok();
    s.set_price(100).await;
    assert!(s.t.healths(&liqee).await.maint > 0);

    let (assets, markets) = (s.t.known_assets().await, s.t.known_markets().await);
    let cached = without_oracles(&s.t.health_metas(&liqee).await, &assets, &markets);
    let keys = s.t.markets[market as usize].keys;
    let ix = lix::liquidation_cancel_orders(&s.t.payer(), &liqee, &keys, cached);
    s.t.send(&[ix], &[])
        .await
        .assert_error(KeelError::HealthAccountMissing);
    s.t.liquidation_cancel(&liqee, market)
        .await
        .assert_error(KeelError::NotLiquidatable);
    assert_eq!(s.t.open_order_count(&liqee).await, 1);
}

/// The liqee also holds 0.005 ETH (Maint weight 0.9): at SOL 92 its Maint health is
/// −6.5 + 0.0045 × ETH, zero at ETH ≈ 1 444. Returns the scenario and ETH's index.
async fn liqee_with_eth(dollars: i64) -> (LongScenario, u16) {
    let mut s = LongScenario::new().await;
    let now = s.t.now().await;
    let handle = s.liqee.handle();
    let index =
        s.t.deposit_new_pull_asset(&handle, eth(dollars, now), 5_000_000)
            .await;
    s.set_price(92).await;
    (s, index)
}

/// ETH dips to 1 400 (Maint −0.2 USDC) and is cached, then recovers to 1 500 (Maint +0.25):
/// reading the oracles the account is not liquidatable, and within the window a cached step
/// takes it anyway — the concession. It takes exactly what a liquidator reading the oracles
/// took at the dip (its twin): 512 lots (to LiquidationEnd ≥ 0) for 463.97 USDC, a 4.7104 USDC
/// penalty to the fund, half of it the bounty — what the liqee pays for the 10-slot window.
/// After the window the cached list is refused.
#[tokio::test]
async fn a_collateral_price_cached_in_a_dip_takes_the_step_of_the_dip_and_no_more() {
    let (mut dip, _) = liqee_with_eth(1_400).await;
    let liqee = dip.liqee.account;
    assert_eq!(dip.t.healths(&liqee).await.maint, -200_000);
    let at_the_dip = step_of(
        &dip.t
            .liquidate_perp(&dip.liqor, &liqee, dip.market, 1_000)
            .await,
    );

    let (mut s, eth_index) = liqee_with_eth(1_400).await;
    let liqee = s.liqee.account;
    cache_then_move_eth(&mut s.t, eth_index, 1_500).await;
    assert_eq!(s.t.healths(&liqee).await.maint, 250_000);
    s.t.liquidate_perp(&s.liqor, &liqee, s.market, 1_000)
        .await
        .assert_error(KeelError::NotLiquidatable);
    let cached = step_of(
        &s.t.liquidate_perp_cached(&s.liqor, &liqee, s.market, 1_000)
            .await,
    );
    assert_eq!(terms(&cached), terms(&at_the_dip));
    assert_eq!(
        terms(&cached),
        (512, 463_974_400, 4_710_400, 2_355_200),
        "measured"
    );

    let (mut late, eth_index) = liqee_with_eth(1_400).await;
    cache_then_move_eth(&mut late.t, eth_index, 1_500).await;
    late.t.advance_slots(PRICE_CACHE_MAX_SLOTS + 1).await;
    late.t
        .liquidate_perp_cached(&late.liqor, &late.liqee.account, late.market, 1_000)
        .await
        .assert_error(KeelError::PriceCacheStale);
}

/// A liquidator whose account holds only 0.02 ETH (Init weight 0.8): 32 USDC of Init health
/// at ETH 2 000, 28.8 at 1 800. Returns it and ETH's index.
async fn eth_liquidator(s: &mut LongScenario) -> (Trader, u16) {
    let liqor = s.t.trader(&[0]).await;
    let now = s.t.now().await;
    let index =
        s.t.deposit_new_pull_asset(&liqor.handle(), eth(2_000, now), 20_000_000)
            .await;
    s.set_price(92).await;
    (liqor, index)
}

/// The liquidator's own check may use its cached prices too: ETH cached at 2 000 then down to
/// 1 800, the 400-lot step that a liquidator reading its oracle is refused
/// (`LiquidatorInitHealthNegative`) lands cached — exactly the step its twin took reading ETH
/// at 2 000, leaving it where that twin is after the same fall: Init below zero (it can only
/// reduce risk), Maint well above (not liquidatable). After the window it is refused.
#[tokio::test]
async fn a_liquidators_own_cached_price_takes_the_step_it_allowed_and_no_more() {
    let mut before = LongScenario::new().await;
    let liqee = before.liqee.account;
    let (twin, twin_eth) = eth_liquidator(&mut before).await;
    let reading = step_of(
        &before
            .t
            .liquidate_perp(&twin, &liqee, before.market, 400)
            .await,
    );
    let now = before.t.now().await;
    before
        .t
        .set_pull_price(twin_eth, eth(1_800, now), VerificationLevel::Full);
    let twin_after = before.t.healths(&twin.account).await;

    let mut s = LongScenario::new().await;
    let liqee = s.liqee.account;
    let (liqor, eth_index) = eth_liquidator(&mut s).await;
    cache_then_move_eth(&mut s.t, eth_index, 1_800).await;
    s.t.liquidate_perp(&liqor, &liqee, s.market, 400)
        .await
        .assert_error(KeelError::LiquidatorInitHealthNegative);
    let cached = step_of(
        &s.t.liquidate_perp_cached(&liqor, &liqee, s.market, 400)
            .await,
    );
    assert_eq!(terms(&cached), terms(&reading));
    let after = s.t.healths(&liqor.account).await;
    assert_eq!(after, twin_after);
    assert!(after.init < 0 && after.maint > 0, "{after:?}");

    let mut late = LongScenario::new().await;
    let (liqor, eth_index) = eth_liquidator(&mut late).await;
    cache_then_move_eth(&mut late.t, eth_index, 1_800).await;
    late.t.advance_slots(PRICE_CACHE_MAX_SLOTS + 1).await;
    late.t
        .liquidate_perp_cached(&liqor, &late.liqee.account, late.market, 400)
        .await
        .assert_error(KeelError::PriceCacheStale);
}

/// A cluster halt: prices cached in the last slots before it stay within 10 slots after the
/// restart although hours old. ETH cached at 1 400 (the liqee's Maint −0.2 USDC), then the
/// clock jumps two hours and one slot, ETH and SOL publish again (1 500 and 92: Maint +0.25).
/// Before, the cached step took the account at the pre-halt ETH; now a cached price must also
/// be within its oracle's max age (60 s), like the oracle it stands for: `PriceCacheStale`.
#[tokio::test]
async fn a_price_cached_before_a_cluster_halt_is_stale_after_the_restart() {
    let (mut s, eth_index) = liqee_with_eth(1_400).await;
    let liqee = s.liqee.account;
    s.t.cache_all_prices().await.assert_ok();
    let restart = s.t.now().await + 2 * 3_600;
    s.t.set_time(restart).await;
    s.t.advance_slots(1).await;
    s.t.set_pull_price(eth_index, eth(1_500, restart), VerificationLevel::Full);
    s.set_price(92).await;
    assert_eq!(s.t.healths(&liqee).await.maint, 250_000);
    s.t.liquidate_perp_cached(&s.liqor, &liqee, s.market, 1_000)
        .await
        .assert_error(KeelError::PriceCacheStale);
    s.t.liquidate_perp(&s.liqor, &liqee, s.market, 1_000)
        .await
        .assert_error(KeelError::NotLiquidatable);
    assert_eq!(s.t.position_lots(&liqee, s.market).await, 1_000);
}

/// The liqee also holds 0.1 SOL as collateral, listed on SOL-PERP's own oracle (Maint weight
/// 0.9): at one SOL price P its Maint health is that of the long plus 0.09 × P — at 92,
/// −6.5 + 8.28 = +1.78 USDC. SOL is at `dollars`. Returns the scenario and the asset's index.
async fn liqee_with_sol_on_the_markets_oracle(dollars: i64) -> (LongScenario, u16) {
    let mut s = LongScenario::new().await;
    let sol = s.t.add_asset_on_market_oracle(s.market).await;
    let handle = s.liqee.handle();
    s.t.deposit_from_new_wallet(&handle, sol, 100_000_000).await;
    s.set_price(dollars).await;
    (s, sol)
}

/// One feed, two listings, two caches: SOL cached at 70, then back at 92. Before, a cached
/// step of SOL-PERP took the market at 92 and the SOL collateral at its cache of 70 — Maint
/// −6.5 + 6.3 = −0.2, a state that never existed — and liquidated an account at +1.78, with a
/// list omitting every oracle. Now an entry bound to the oracle the step reads is priced by
/// it, cached or not.
#[tokio::test]
async fn an_entry_on_the_taken_markets_oracle_is_priced_by_it_not_by_its_cache() {
    let (mut s, _) = liqee_with_sol_on_the_markets_oracle(70).await;
    let liqee = s.liqee.account;
    s.t.cache_all_prices().await.assert_ok();
    s.set_price(92).await;
    assert_eq!(s.t.healths(&liqee).await.maint, 1_780_000);
    s.t.liquidate_perp_listed(&s.liqor, &liqee, s.market, 1_000, every_oracle_omitted)
        .await
        .assert_error(KeelError::NotLiquidatable);
    assert_eq!(s.t.position_lots(&liqee, s.market).await, 1_000);
}

/// `list` with every oracle of a listing left out, a shared one too (what the client's
/// `without_oracles` keeps once).
fn every_oracle_omitted(
    list: &[AccountMeta],
    assets: &[KnownAsset],
    markets: &[KnownMarket],
) -> Vec<AccountMeta> {
    let oracles: Vec<Pubkey> = assets
        .iter()
        .map(|a| a.asset.oracle)
        .chain(markets.iter().map(|m| m.market.oracle))
        .collect();
    list.iter()
        .filter(|meta| !oracles.contains(&meta.pubkey))
        .cloned()
        .collect()
}

/// One feed, two caches of different observations, neither listing taken: SOL cached at 70
/// with everything, then, a slot later at 92, SOL-PERP alone (anyone may). Before, a
/// `liquidate_collateral` of the liqee's ETH dust whose list omits every oracle took SOL at 70
/// and SOL-PERP at 92 (Maint −0.2) and bought the ETH; now the two caches are refused as two
/// observations of one oracle. The client's list names the shared oracle once, so the lone
/// re-cache cannot block a keeper: SOL is read at 92 and the account is not liquidatable.
#[tokio::test]
async fn two_caches_of_one_oracle_from_different_reads_are_refused() {
    let (mut s, _) = liqee_with_sol_on_the_markets_oracle(70).await;
    let liqee = s.liqee.account;
    let now = s.t.now().await;
    let handle = s.liqee.handle();
    let eth_index =
        s.t.deposit_new_pull_asset(&handle, eth(2_000, now), 1)
            .await;
    s.t.cache_all_prices().await.assert_ok();
    s.t.advance_slots(1).await;
    s.set_price(92).await;
    let market = &s.t.markets[s.market as usize].keys;
    let pair = vec![
        AccountMeta::new(market.market, false),
        AccountMeta::new_readonly(market.oracle, false),
    ];
    s.t.cache_prices_with(pair).await.assert_ok();
    s.t.liquidate_collateral_listed(&s.liqor, &liqee, eth_index, u64::MAX, every_oracle_omitted)
        .await
        .assert_error(KeelError::PriceObservationsDiffer);
    s.t.liquidate_collateral_cached(&s.liqor, &liqee, eth_index, u64::MAX)
        .await
        .assert_error(KeelError::NotLiquidatable);
    assert_eq!(s.t.balance(&liqee, eth_index).await, 1);
}
