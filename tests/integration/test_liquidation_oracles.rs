//! Oracle failures never block a liquidation: on the liquidation path a feed that fails a guard
//! is valued against the liquidated account (collateral at zero, a perp position at the adverse
//! edge of the band around its market's last valid price); only what is taken needs a valid
//! price, and the liquidator's own account still needs every price valid. Deposits that open a
//! balance need that asset's price; a position cannot be reduced while its own market's price
//! is invalid.
//!
//! Scenario (`LongScenario`): SOL-PERP at 100, the liqee long 1 000 lots (10 SOL) with 119.5
//! USDC; at 92 its Maint health is −6.5 and its LiquidationEnd health −29.5 USDC. A step of
//! one lot (0.92 USDC) raises LiquidationEnd by 0.92 · (7.5% − 1.5% − 1%) = 0.046.

use keel::error::KeelError;
use keel::instructions::markets::OrderType;
use keel::state::Side;
use keel_client::instructions as kix;
use keel_tests::context::{volatile_params, START_TIME};
use keel_tests::liquidation::{step_of, LongScenario, LOTS_PER_USD};
use keel_tests::markets::{limit, order, usd, OrderArgsExt};
use keel_tests::oracles::PriceSpec;
use keel_tests::traders::Trader;
use pyth_solana_receiver_sdk::price_update::VerificationLevel;
use solana_signer::Signer;

/// ETH at 2 000.00 with a 0.10 confidence (expo −2), published at `time`.
fn eth_at(time: i64) -> PriceSpec {
    PriceSpec::new(200_000, 10, -2, time)
}

/// ETH at 2 000.00 with a confidence of 10% of the price: beyond the 2% guard.
fn eth_blown(time: i64) -> PriceSpec {
    PriceSpec::new(200_000, 20_000, -2, time)
}

/// Lists ETH, deposits `amount` native units into the liqee's account (the liquidator's with
/// `by_liqor`), moves SOL to 92 and blows ETH's confidence; returns ETH's index.
async fn failing_eth_held(s: &mut LongScenario, by_liqor: bool, amount: u64) -> u16 {
    let holder = if by_liqor { &s.liqor } else { &s.liqee };
    let trader = Trader {
        owner: holder.owner.insecure_clone(),
        account: holder.account,
        wallets: holder.wallets.clone(),
    };
    let now = s.t.now().await;
    let eth = s.t.deposit_new_pull_asset(&trader, eth_at(now), amount).await;
    s.set_price(92).await;
    let now = s.t.now().await;
    s.t.set_pull_price(eth, eth_blown(now), VerificationLevel::Full);
    eth
}

/// The attack: the liqee parks 1 native unit of ETH, whose feed then blows its confidence.
/// Before, every liquidation of the account failed with OracleConfidenceTooWide while its loss
/// grew (the insurance fund and the quote depositors would have paid it). Now ETH counts zero:
/// the step is the one without ETH — 642 lots, LiquidationEnd −29.5 → 0.032 USDC — the fund
/// gets the 5.9064 USDC penalty and pays the 2.9532 bounty. ETH itself cannot be taken while
/// its price fails.
#[tokio::test]
async fn one_unit_of_a_failing_collateral_does_not_block_liquidation() {
    let mut s = LongScenario::new().await;
    let (liqee, market) = (s.liqee.account, s.market);
    let eth = failing_eth_held(&mut s, false, 1).await;
    s.t.health_view(&liqee)
        .await
        .assert_error(KeelError::OracleConfidenceTooWide);

    let fund_before = s.t.fund_total().await;
    let step = step_of(&s.t.liquidate_perp(&s.liqor, &liqee, market, 1_000).await);
    assert_eq!(
        (
            step.base_lots,
            step.oracle_notional,
            step.penalty,
            step.bounty
        ),
        (642, 590_640_000, 5_906_400, 2_953_200)
    );
    assert_eq!(
        (step.health.liq_end_before, step.health.liq_end_after),
        (-29_500_000, 32_000)
    );
    assert_eq!(
        s.t.fund_total().await,
        fund_before + 5_906_400 - 2_953_200
    );
    assert_eq!(s.t.position_lots(&s.liqor.account, market).await, 642);
    assert_eq!(s.t.balance(&liqee, eth).await, 1, "ETH is not taken");
    s.t.liquidate_collateral(&s.liqor, &liqee, eth, 1)
        .await
        .assert_error(KeelError::OracleConfidenceTooWide);
}

/// The conservative choice cuts both ways: 0.01 ETH (20 USD, Maint weight 0.9) keeps the liqee
/// healthy at 92 (Maint −6.5 + 18 = 11.5, LiquidationEnd −29.5 + 17 = −12.5); once ETH's feed
/// fails, ETH counts zero and the same account is liquidated, 642 lots as without ETH.
#[tokio::test]
async fn an_account_whose_own_collateral_feed_fails_becomes_liquidatable() {
    let mut s = LongScenario::new().await;
    let (liqee, market) = (s.liqee.account, s.market);
    let trader = Trader {
        owner: s.liqee.owner.insecure_clone(),
        account: liqee,
        wallets: s.liqee.wallets.clone(),
    };
    let now = s.t.now().await;
    let eth = s.t.deposit_new_pull_asset(&trader, eth_at(now), 10_000_000).await;
    s.set_price(92).await;
    let outcome = s.t.liquidate_perp(&s.liqor, &liqee, market, 1_000).await;
    outcome.assert_error(KeelError::NotLiquidatable);
    assert!(
        outcome.logged("maint health 11500000, liquidation-end health -12500000"),
        "{:#?}",
        outcome.logs
    );
    let now = s.t.now().await;
    s.t.set_pull_price(eth, eth_blown(now), VerificationLevel::Full);
    let step = step_of(&s.t.liquidate_perp(&s.liqor, &liqee, market, 1_000).await);
    assert_eq!(
        (
            step.base_lots,
            step.health.maint_before,
            step.health.liq_end_before
        ),
        (642, -6_500_000, -29_500_000)
    );
    assert_eq!(s.t.balance(&liqee, eth).await, 10_000_000);
}

/// The liqee also holds 5 lots of ETH-PERP bought at 200 (10 USDC), last read valid at 200;
/// ETH's feed then blows its confidence. The position is valued at the adverse band edge,
/// 200 · (1 − 5%) = 190: PnL −0.5 and requirement 9.5 · 7.5% = 0.7125, so LiquidationEnd is
/// 119.495 − 80 − 69 − 1.2125 = −30.7175 (a stale ETH at its last price made −30.255). The SOL
/// step takes ⌈30.7175 / 0.046⌉ = 668 lots; the ETH position cannot be taken while it fails.
#[tokio::test]
async fn a_perp_in_a_failing_market_counts_at_the_adverse_band_edge() {
    let mut s = LongScenario::new().await;
    let (liqee, market) = (s.liqee.account, s.market);
    let eth =
        s.t.add_market("ETH", 9, 10_000_000, 1, usd(200, START_TIME))
            .await;
    s.t.place(&s.maker, eth, limit(Side::Ask, 200 * LOTS_PER_USD, 5))
        .await
        .assert_ok();
    s.t.place(&s.liqee, eth, limit(Side::Bid, 200 * LOTS_PER_USD, 5))
        .await
        .assert_ok();
    s.t.crank(eth).await;
    let last = s.t.market(eth).await.last_oracle_price();
    assert_eq!(
        last.raw(),
        200 * keel::math::FIXED_SCALE / 1_000,
        "200 USD per ETH: 0.2 quote native per base native"
    );
    s.set_price(92).await;
    let now = s.t.now().await;
    s.t.set_market_price(
        eth,
        PriceSpec::new(200 * 100_000_000, 20 * 100_000_000, -8, now),
    );

    let step = step_of(&s.t.liquidate_perp(&s.liqor, &liqee, market, 1_000).await);
    assert_eq!(
        (
            step.base_lots,
            step.health.liq_end_before,
            step.health.liq_end_after
        ),
        (668, -30_717_500, 10_500)
    );
    assert_eq!(s.t.position_lots(&liqee, eth).await, 5);
    s.t.liquidate_perp(&s.liqor, &liqee, eth, 5)
        .await
        .assert_error(KeelError::OracleConfidenceTooWide);
}

/// With ETH's feed failing, `liquidation_cancel_orders` still takes the liqee's resting ask
/// off the book, and the step follows.
#[tokio::test]
async fn liquidation_cancel_orders_works_while_a_collateral_feed_fails() {
    let mut s = LongScenario::new().await;
    let (liqee, market) = (s.liqee.account, s.market);
    s.t.place(&s.liqee, market, limit(Side::Ask, 104 * LOTS_PER_USD, 100))
        .await
        .assert_ok();
    failing_eth_held(&mut s, false, 1).await;
    s.t.liquidation_cancel(&liqee, market).await.assert_ok();
    assert_eq!(s.t.open_order_count(&liqee).await, 0);
    let step = step_of(&s.t.liquidate_perp(&s.liqor, &liqee, market, 1_000).await);
    assert_eq!(step.base_lots, 642);
}

/// The liquidator's own account must pass Init with every price valid: a liquidator holding
/// ETH whose feed fails is refused with the guard's error, and nothing moves.
#[tokio::test]
async fn a_liquidator_with_a_failing_feed_of_its_own_is_refused() {
    let mut s = LongScenario::new().await;
    let (liqee, market) = (s.liqee.account, s.market);
    failing_eth_held(&mut s, true, 1_000_000).await;
    s.t.liquidate_perp(&s.liqor, &liqee, market, 1_000)
        .await
        .assert_error(KeelError::OracleConfidenceTooWide);
    assert_eq!(s.t.position_lots(&liqee, market).await, 1_000);
}

/// A deposit that opens a balance needs that asset's price: refused while ETH's confidence is
/// blown (and without the oracle account), accepted once the price is valid; a deposit into
/// the open balance needs no price. Quote deposits never read one.
#[tokio::test]
async fn a_deposit_opening_a_balance_needs_the_assets_price() {
    let mut s = LongScenario::new().await;
    let now = s.t.now().await;
    let eth =
        s.t.add_pull_asset(9, volatile_params(), eth_blown(now))
            .await;
    let trader = s.t.trader(&[1_000_000_000, 5_000_000_000]).await;
    s.t.deposit(&trader, eth, 1)
        .await
        .assert_error(KeelError::OracleConfidenceTooWide);
    let asset = s.t.asset(eth);
    let ix = kix::deposit(
        &trader.owner.pubkey(),
        &s.t.exchange,
        &trader.account,
        &asset.mint,
        None,
        &trader.wallets[eth as usize],
        1,
    );
    s.t.send(&[ix], &[&trader.owner])
        .await
        .assert_error(KeelError::OracleAccountMismatch);
    s.t.deposit(&trader, 0, 10_000_000).await.assert_ok();
    assert_eq!(s.t.balance(&trader.account, eth).await, 0);

    s.t.set_pull_price(eth, eth_at(now), VerificationLevel::Full);
    s.t.deposit(&trader, eth, 1_000).await.assert_ok();
    s.t.set_pull_price(eth, eth_blown(now), VerificationLevel::Full);
    s.t.deposit(&trader, eth, 2_000).await.assert_ok();
    assert_eq!(s.t.balance(&trader.account, eth).await, 3_000);
}

/// Decision: a position cannot be reduced while its own market's price is invalid — a fill
/// needs the band, and a stale price would let a trader close at an off-market price against a
/// maker. Cancels still work; the admin's remedy for a dead feed is `replace_market_oracle`.
#[tokio::test]
async fn a_position_cannot_be_reduced_while_its_own_market_price_is_stale() {
    let mut s = LongScenario::new().await;
    let market = s.market;
    s.t.place(&s.maker, market, limit(Side::Bid, 99 * LOTS_PER_USD, 100))
        .await
        .assert_ok();
    s.t.place(&s.liqee, market, limit(Side::Ask, 104 * LOTS_PER_USD, 10))
        .await
        .assert_ok();
    s.t.set_time(START_TIME + 61).await;
    let reduce = order(
        OrderType::ImmediateOrCancel,
        Side::Ask,
        99 * LOTS_PER_USD,
        100,
    )
    .reduce_only();
    s.t.place(&s.liqee, market, reduce)
        .await
        .assert_error(KeelError::OracleStale);
    s.t.cancel(
        &s.liqee,
        market,
        keel::instructions::markets::CancelTarget::All,
    )
    .await
    .assert_ok();
    assert_eq!(
        (
            s.t.position_lots(&s.liqee.account, market).await,
            s.t.open_order_count(&s.liqee.account).await
        ),
        (1_000, 0)
    );
}
