//! The listing a liquidation takes is always judged at its live price, also when the health
//! lists omit oracles. Before, a cached list priced the liquidated market (or asset) at the
//! value `cache_prices` stored while the step was sized at the price the instruction read: a
//! liquidator caching a dip could take a position that, at the live price in the same slot,
//! was not liquidatable — with the discount and the penalty. Now `liquidate_perp` and
//! `liquidate_collateral` write the live price into the listing's cache before the lists are
//! read, so the decision and the sizing use one price.
//!
//! Scenario (`LongScenario`): at 100 the liqee's Maint health is +69.5 USDC, at 92 −6.5.

use keel::error::KeelError;
use keel_tests::liquidation::{eth, LongScenario};
use pyth_solana_receiver_sdk::price_update::VerificationLevel;

/// SOL cached at 92, then back at 100 in the same slot: the account is healthy at the price
/// `liquidate_perp` reads, and the step is refused on both paths (before: the cached path
/// took a lot at 92's discount).
#[tokio::test]
async fn the_liquidated_market_counts_at_its_live_price_even_in_cached_lists() {
    let mut s = LongScenario::new().await;
    let (liqee, market) = (s.liqee.account, s.market);
    s.set_price(92).await;
    s.t.cache_all_prices().await.assert_ok();
    s.set_price(100).await;
    assert_eq!(s.t.healths(&liqee).await.maint, 69_500_000);
    s.t.liquidate_perp(&s.liqor, &liqee, market, 1_000)
        .await
        .assert_error(KeelError::NotLiquidatable);
    s.t.liquidate_perp_cached(&s.liqor, &liqee, market, 1_000)
        .await
        .assert_error(KeelError::NotLiquidatable);
    assert_eq!(s.t.position_lots(&liqee, market).await, 1_000);
    assert_eq!(s.t.position_lots(&s.liqor.account, market).await, 0);
}

/// The liqee holds 0.005 ETH (Maint weight 0.9) and SOL is at 92: at ETH 2 000 its Maint
/// health is −6.5 + 9 = +2.5 USDC, at 1 000 it is −2.0. ETH cached at 1 000, then back at
/// 2 000 in the same slot: `liquidate_collateral` of ETH is refused on both paths (before: the
/// cached path bought ETH at 2 000 less the discount from an account that was not
/// liquidatable).
#[tokio::test]
async fn the_liquidated_collateral_counts_at_its_live_price_even_in_cached_lists() {
    let mut s = LongScenario::new().await;
    let liqee = s.liqee.account;
    let now = s.t.now().await;
    let eth_index =
        s.t.deposit_new_pull_asset(&s.liqee.handle(), eth(2_000, now), 5_000_000)
            .await;
    s.set_price(92).await;
    assert_eq!(s.t.healths(&liqee).await.maint, 2_500_000);
    s.t.set_pull_price(eth_index, eth(1_000, now), VerificationLevel::Full);
    assert_eq!(s.t.healths(&liqee).await.maint, -2_000_000);
    s.t.cache_all_prices().await.assert_ok();
    s.t.set_pull_price(eth_index, eth(2_000, now), VerificationLevel::Full);
    s.t.liquidate_collateral(&s.liqor, &liqee, eth_index, u64::MAX)
        .await
        .assert_error(KeelError::NotLiquidatable);
    s.t.liquidate_collateral_cached(&s.liqor, &liqee, eth_index, u64::MAX)
        .await
        .assert_error(KeelError::NotLiquidatable);
    assert_eq!(s.t.balance(&liqee, eth_index).await, 5_000_000);
}
