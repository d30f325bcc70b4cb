//! Liquidation guards with real numbers: who may not be liquidated (healthy, own accounts,
//! liquidation already ended, resting orders), who may not liquidate (an under-margined
//! liquidator), dust steps, pauses and stale oracles, argument checks, the bounty rule's admin
//! instruction and the fee bounds of market and asset parameters. Every refusal leaves the
//! accounts as they were.

use keel::error::KeelError;
use keel::events::OrderCancelled;
use keel::instructions::markets::PerpMarketParams;
use keel::instructions::risk::UpdateAssetArgs;
use keel::state::{BountyParams, Side};
use keel_client::events::events_of;
use keel_client::{accounts as decode, insurance as iix, instructions as kix, pda};
use keel_tests::context::{volatile_params, START_TIME};
use keel_tests::liquidation::{step_of, Healths, LongScenario, LOTS_PER_USD};
use keel_tests::markets::{limit, paused, perp_params, sol_market_with_traders, usd, with_params, OrderArgsExt};
use keel_tests::traders::Trader;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// Raw bytes of SOL-PERP, its book and queue, the quote asset, both parties and the fund's
/// balance: equal snapshots mean a refused step moved nothing.
async fn snapshot(s: &mut LongScenario) -> (Vec<Option<Vec<u8>>>, u64) {
    let accounts = [s.liqee.account, s.liqor.account];
    let bytes = s.t.market_snapshot(s.market, &accounts).await;
    (bytes, s.t.fund_total().await)
}

/// At 100 the long is healthy: Maint = 119.5 − 50 = 69.5 USDC, LiquidationEnd = 119.5 − 75 =
/// 44.5. Refused with NotLiquidatable, the log states both numbers, nothing moves.
#[tokio::test]
async fn healthy_account_is_refused_and_the_log_states_its_health() {
    let mut s = LongScenario::new().await;
    let (liqee, market) = (s.liqee.account, s.market);
    let before = snapshot(&mut s).await;
    let outcome = s.t.liquidate_perp(&s.liqor, &liqee, market, 1_000).await;
    outcome.assert_error(KeelError::NotLiquidatable);
    assert!(outcome.logged("maint health 69500000, liquidation-end health 44500000"), "{:#?}", outcome.logs);
    assert_eq!(snapshot(&mut s).await, before);
    assert_eq!(s.t.position_lots(&liqee, market).await, 1_000);
}

/// At 92 (Maint −6.5 USDC) the liqee's owner may not take its own position, neither with the
/// same margin account nor with its second account (index 1, 500 USDC); a third party may
/// (642 lots).
#[tokio::test]
async fn liquidating_an_account_of_the_same_owner_is_refused() {
    let mut s = LongScenario::new().await;
    let (liqee, market) = (s.liqee.account, s.market);
    let owner = s.liqee.owner.insecure_clone();
    let payer = s.t.payer();
    let ix = kix::create_margin_account(&payer, &owner.pubkey(), &s.t.exchange, 1);
    s.t.send(&[ix], &[&owner]).await.assert_ok();
    let account = pda::margin_account(&s.t.exchange, &owner.pubkey(), 1);
    s.t.margin_accounts.push(account);
    let second = Trader { owner, account, wallets: s.liqee.wallets.clone() };
    s.t.deposit(&second, 0, 500_000_000).await.assert_ok();
    s.set_price(92).await;
    let before = snapshot(&mut s).await;
    let second_before = s.t.account_data(&second.account).await;

    s.t.liquidate_perp(&s.liqee, &liqee, market, 1_000).await.assert_error(KeelError::SelfLiquidation);
    s.t.liquidate_perp(&second, &liqee, market, 1_000).await.assert_error(KeelError::SelfLiquidation);
    assert_eq!(snapshot(&mut s).await, before);
    assert_eq!(s.t.account_data(&second.account).await, second_before);
    assert_eq!(s.t.balance(&second.account, 0).await, 500_000_000);

    let outcome = s.t.liquidate_perp(&s.liqor, &liqee, market, 1_000).await;
    assert_eq!(step_of(&outcome).base_lots, 642);
}

/// A liquidator with 5 USDC taking 642 lots would hold 590.64 USDC long: Init = 5 + 2.9532
/// bounty + 0.8 · 8.8596 PnL − 59.064 margin < 0 → LiquidatorInitHealthNegative, nothing moves.
/// 50 lots (46 USDC, margin 4.6, bounty 0.23) fit.
#[tokio::test]
async fn liquidator_that_would_end_below_init_health_is_refused() {
    let mut s = LongScenario::new().await;
    let (liqee, market) = (s.liqee.account, s.market);
    let weak = s.t.trader(&[5_000_000]).await;
    s.t.deposit(&weak, 0, 5_000_000).await.assert_ok();
    s.set_price(92).await;
    let before = snapshot(&mut s).await;
    let weak_before = s.t.account_data(&weak.account).await;

    s.t.liquidate_perp(&weak, &liqee, market, 1_000).await.assert_error(KeelError::LiquidatorInitHealthNegative);
    s.t.liquidate_perp(&weak, &liqee, market, 100).await.assert_error(KeelError::LiquidatorInitHealthNegative);
    assert_eq!(snapshot(&mut s).await, before);
    assert_eq!(s.t.account_data(&weak.account).await, weak_before);

    let step = step_of(&s.t.liquidate_perp(&weak, &liqee, market, 50).await);
    assert_eq!((step.base_lots, step.oracle_notional, step.penalty, step.bounty), (50, 46_000_000, 460_000, 230_000));
    assert_eq!(s.t.position_lots(&weak.account, market).await, 50);
    assert_eq!(s.t.balance(&weak.account, 0).await, 5_230_000);
    assert!(s.t.healths(&weak.account).await.init >= 0);
}

/// Steps of 300 lots (276 USDC: Maint −6.5 → 0.4, LiquidationEnd −29.5 → −15.7) and then
/// the 342 more that are needed (LiquidationEnd 0.032); the flag keeps the account open to
/// the second step though Maint ≥ 0. A third step and an order cancel are then refused with
/// LiquidationEndReached.
#[tokio::test]
async fn steps_continue_while_liquidation_end_is_negative_then_stop() {
    let mut s = LongScenario::new().await;
    let (liqee, market) = (s.liqee.account, s.market);
    s.set_price(92).await;

    let first = step_of(&s.t.liquidate_perp(&s.liqor, &liqee, market, 300).await);
    assert_eq!((first.base_lots, first.oracle_notional, first.transfer_notional), (300, 276_000_000, 271_860_000));
    assert_eq!((first.penalty, first.bounty), (2_760_000, 1_380_000));
    assert_eq!((first.health.maint_after, first.health.liq_end_after), (400_000, -15_700_000));
    assert_eq!(s.t.healths(&liqee).await, Healths { init: -31_800_000, maint: 400_000, liq_end: -15_700_000 });

    let second = step_of(&s.t.liquidate_perp(&s.liqor, &liqee, market, 1_000).await);
    assert_eq!((second.base_lots, second.health.liq_end_before, second.health.liq_end_after), (342, -15_700_000, 32_000));
    assert_eq!(second.liqee_position_after, 358);

    let before = snapshot(&mut s).await;
    s.t.liquidate_perp(&s.liqor, &liqee, market, 1).await.assert_error(KeelError::LiquidationEndReached);
    s.t.liquidation_cancel(&liqee, market).await.assert_error(KeelError::LiquidationEndReached);
    assert_eq!(snapshot(&mut s).await, before);
    assert_eq!(s.t.position_lots(&s.liqor.account, market).await, 642);
}

/// At 92 a step limited by the caller to 5 lots (4.6 USDC < 10 USDC dust threshold) while 642
/// are needed is refused with LiquidationDust. A second liqee long only 10 lots with 1.01 USDC
/// (Maint 1.01 − 0.8 − 0.46 < 0) may lose all 10 (9.2 USDC): penalty 0.092, bounty 0.
#[tokio::test]
async fn dust_step_is_refused_unless_it_takes_the_whole_position() {
    let mut s = LongScenario::new().await;
    let (liqee, market) = (s.liqee.account, s.market);
    let small = s.t.trader(&[1_015_000]).await;
    s.t.deposit(&small, 0, 1_015_000).await.assert_ok();
    s.t.place(&s.maker, market, limit(Side::Ask, 100 * LOTS_PER_USD, 10)).await.assert_ok();
    s.t.place(&small, market, limit(Side::Bid, 100 * LOTS_PER_USD, 10)).await.assert_ok();
    s.t.crank(market).await;
    assert_eq!(s.t.balance(&small.account, 0).await, 1_010_000, "5 bp taker fee on 10 USDC");
    s.set_price(92).await;
    assert!(s.t.healths(&small.account).await.maint < 0);

    let before = snapshot(&mut s).await;
    let outcome = s.t.liquidate_perp(&s.liqor, &liqee, market, 5).await;
    outcome.assert_error(KeelError::LiquidationDust);
    assert!(outcome.logged("step worth 4600000 (quote native) is below the minimum 10000000"));
    s.t.liquidate_perp(&s.liqor, &small.account, market, 5).await.assert_error(KeelError::LiquidationDust);
    assert_eq!(snapshot(&mut s).await, before);
    assert_eq!(s.t.position_lots(&small.account, market).await, 10);

    let fund_before = s.t.fund_total().await;
    let step = step_of(&s.t.liquidate_perp(&s.liqor, &small.account, market, 10).await);
    assert_eq!((step.base_lots, step.oracle_notional, step.transfer_notional), (10, 9_200_000, 9_062_000));
    assert_eq!((step.penalty, step.bounty, step.liqee_position_after), (92_000, 0, 0));
    assert_eq!(s.t.fund_total().await, fund_before + 92_000);
    assert_eq!(s.t.position_lots(&small.account, market).await, 0);
    // 1.01 − (10 − 9.062) realised − 0.092 penalty
    assert_eq!(s.t.balance(&small.account, 0).await, -20_000);
}

/// A resting ask of 100 lots at 104 blocks liquidate_perp (LiquidateeHasOpenOrders); cancelling
/// it is refused while healthy (NotLiquidatable at 100), done at 92 (reason 4 = Liquidation),
/// after which the 642-lot step goes through.
#[tokio::test]
async fn resting_orders_must_be_cancelled_before_a_perp_liquidation() {
    let mut s = LongScenario::new().await;
    let (liqee, market) = (s.liqee.account, s.market);
    s.t.place(&s.liqee, market, limit(Side::Ask, 104 * LOTS_PER_USD, 100)).await.assert_ok();
    s.t.liquidation_cancel(&liqee, market).await.assert_error(KeelError::NotLiquidatable);
    assert_eq!(s.t.open_order_count(&liqee).await, 1);

    s.set_price(92).await;
    let before = snapshot(&mut s).await;
    let outcome = s.t.liquidate_perp(&s.liqor, &liqee, market, 1_000).await;
    outcome.assert_error(KeelError::LiquidateeHasOpenOrders);
    assert!(outcome.logged("the account has an order in market 0"));
    assert_eq!(snapshot(&mut s).await, before);

    let outcome = s.t.liquidation_cancel(&liqee, market).await;
    outcome.assert_ok();
    let cancelled = events_of::<OrderCancelled>(&outcome.logs);
    assert_eq!(cancelled.len(), 1);
    assert_eq!((cancelled[0].account, cancelled[0].side, cancelled[0].base_lots, cancelled[0].reason), (liqee, 1, 100, 4));
    assert_eq!(s.t.open_order_count(&liqee).await, 0);
    assert_eq!(s.t.book(market).await.ask_count, 0);
    // The cancel does not mark the liquidation: only a step does.
    assert_eq!(s.t.margin_account(&liqee).await.being_liquidated, keel::state::LIQUIDATION_NONE);

    let step = step_of(&s.t.liquidate_perp(&s.liqor, &liqee, market, 1_000).await);
    assert_eq!((step.base_lots, step.liqee_position_after), (642, 358));
}

/// At 92 a 300-lot step goes through with the market paused (orders refused), and the
/// remaining 342 lots with the market resumed but the exchange paused.
#[tokio::test]
async fn liquidation_works_while_market_or_exchange_is_paused() {
    let mut s = LongScenario::new().await;
    let (liqee, market) = (s.liqee.account, s.market);
    s.set_price(92).await;
    s.t.update_market(market, paused(true)).await.assert_ok();
    s.t.place(&s.maker, market, limit(Side::Bid, 92 * LOTS_PER_USD, 1)).await.assert_error(KeelError::MarketPaused);
    let step = step_of(&s.t.liquidate_perp(&s.liqor, &liqee, market, 300).await);
    assert_eq!((step.base_lots, step.liqee_position_after), (300, 700));

    s.t.update_market(market, paused(false)).await.assert_ok();
    let admin = s.t.admin.insecure_clone();
    let ix = kix::set_exchange_pause(&admin.pubkey(), &s.t.exchange, true);
    s.t.send(&[ix], &[&admin]).await.assert_ok();
    s.t.place(&s.maker, market, limit(Side::Bid, 92 * LOTS_PER_USD, 1)).await.assert_error(KeelError::ExchangePaused);
    let step = step_of(&s.t.liquidate_perp(&s.liqor, &liqee, market, 1_000).await);
    assert_eq!((step.base_lots, step.liqee_position_after, step.health.liq_end_after), (342, 358, 32_000));
    assert_eq!(s.t.position_lots(&s.liqor.account, market).await, 642);
}

/// The liqee also holds 5 lots of ETH-PERP (10 USDC at 200) whose oracle was last published at
/// the start. 120 s later (max age 60 s) SOL at 92 published at the start is stale too:
/// OracleStale. With SOL re-published at 92, the SOL step goes through despite ETH's stale price.
#[tokio::test]
async fn only_the_liquidated_markets_own_oracle_must_be_fresh() {
    let mut s = LongScenario::new().await;
    let (liqee, market) = (s.liqee.account, s.market);
    let eth = s.t.add_market("ETH", 9, 10_000_000, 1, usd(200, START_TIME)).await;
    s.t.place(&s.maker, eth, limit(Side::Ask, 200 * LOTS_PER_USD, 5)).await.assert_ok();
    s.t.place(&s.liqee, eth, limit(Side::Bid, 200 * LOTS_PER_USD, 5)).await.assert_ok();
    s.t.crank(eth).await;
    s.set_price(92).await;

    s.t.set_time(START_TIME + 120).await;
    let before = snapshot(&mut s).await;
    let outcome = s.t.liquidate_perp(&s.liqor, &liqee, market, 1_000).await;
    outcome.assert_error(KeelError::OracleStale);
    assert_eq!(snapshot(&mut s).await, before);

    s.set_price(92).await;
    let step = step_of(&s.t.liquidate_perp(&s.liqor, &liqee, market, 1_000).await);
    // LiquidationEnd 119.495 − 80 − 69 − 0.75 (ETH at its last price) = −30.255: 658 lots.
    assert_eq!((step.base_lots, step.health.liq_end_before, step.health.liq_end_after), (658, -30_255_000, 13_000));
    assert_eq!(s.t.position_lots(&liqee, market).await, 342);
    assert_eq!(s.t.position_lots(&liqee, eth).await, 5, "ETH is left alone");
}

/// At 92: liquidate_collateral of the quote asset → QuoteNotLiquidatable; liquidate_perp in a
/// freshly listed ETH-PERP where the liqee has no position → NothingToLiquidate; 0 lots or 0
/// amount → ZeroAmount. Nothing moves.
#[tokio::test]
async fn argument_guards() {
    let mut s = LongScenario::new().await;
    let (liqee, market) = (s.liqee.account, s.market);
    let now = s.t.now().await;
    let eth = s.t.add_market("ETH", 9, 10_000_000, 1, usd(200, now)).await;
    s.set_price(92).await;
    let before = snapshot(&mut s).await;

    s.t.liquidate_collateral(&s.liqor, &liqee, 0, 1_000_000).await.assert_error(KeelError::QuoteNotLiquidatable);
    s.t.liquidate_collateral(&s.liqor, &liqee, 0, 0).await.assert_error(KeelError::ZeroAmount);
    s.t.liquidate_perp(&s.liqor, &liqee, eth, 1_000).await.assert_error(KeelError::NothingToLiquidate);
    s.t.liquidate_perp(&s.liqor, &liqee, market, 0).await.assert_error(KeelError::ZeroAmount);
    s.t.liquidate_perp(&s.liqor, &liqee, market, -5).await.assert_error(KeelError::ZeroAmount);
    assert_eq!(snapshot(&mut s).await, before);
    assert_eq!((s.t.position_lots(&liqee, market).await, s.t.balance(&liqee, 0).await), (1_000, 119_500_000));
}

/// The admin sets floor 0.05, cap 1, dust below 1 USDC, share 25%; a stranger is refused
/// (NotAdmin), floor 2 > cap 1 is refused (InvalidBountyParams). Under the new rule a 5-lot
/// step (4.6 USDC, penalty 0.046) is no longer dust and pays 0.046 (the floor, limited to
/// the penalty); the next 637 lots (penalty 5.8604, 25% = 1.4651) pay the cap, 1.
#[tokio::test]
async fn set_bounty_params_changes_the_rule_for_the_admin_only() {
    let mut s = LongScenario::new().await;
    let (liqee, market) = (s.liqee.account, s.market);
    let exchange = s.t.exchange;
    let recommended = BountyParams::recommended(6);
    assert_eq!(s.t.insurance_fund().await.expect("fund").bounty, recommended);
    let rule = BountyParams { floor: 50_000, cap: 1_000_000, min_liquidation_notional: 1_000_000, penalty_share_bps: 2_500, ..recommended };

    let stranger = Keypair::new();
    s.t.airdrop(&stranger.pubkey(), 1_000_000_000).await;
    let ix = iix::set_bounty_params(&stranger.pubkey(), &exchange, rule);
    s.t.send(&[ix], &[&stranger]).await.assert_error(KeelError::NotAdmin);
    let admin = s.t.admin.insecure_clone();
    for bad in [
        BountyParams { floor: 2_000_000, ..rule },
        BountyParams { penalty_share_bps: 10_001, ..rule },
        BountyParams { min_liquidation_notional: 0, ..rule },
    ] {
        let ix = iix::set_bounty_params(&admin.pubkey(), &exchange, bad);
        s.t.send(&[ix], &[&admin]).await.assert_error(KeelError::InvalidBountyParams);
    }
    assert_eq!(s.t.insurance_fund().await.expect("fund").bounty, recommended);

    let ix = iix::set_bounty_params(&admin.pubkey(), &exchange, rule);
    s.t.send(&[ix], &[&admin]).await.assert_ok();
    assert_eq!(s.t.insurance_fund().await.expect("fund").bounty, rule);

    s.set_price(92).await;
    let small = step_of(&s.t.liquidate_perp(&s.liqor, &liqee, market, 5).await);
    assert_eq!((small.base_lots, small.oracle_notional, small.penalty, small.bounty), (5, 4_600_000, 46_000, 46_000));
    let rest = step_of(&s.t.liquidate_perp(&s.liqor, &liqee, market, 1_000).await);
    assert_eq!((rest.base_lots, rest.penalty, rest.bounty), (637, 5_860_400, 1_000_000));
    assert_eq!(s.t.position_lots(&liqee, market).await, 358);
}

/// Market: discount 300 + penalty 200 bps ≥ maint margin 500 → InvalidLiquidationFees (150 /
/// 100 kept); 299 + 200 passes. Asset (maint weight 90%): 600 + 400 ≥ 10 000 − 9 000 is
/// refused (200 / 100 kept); 599 + 400 passes.
#[tokio::test]
async fn liquidation_fees_must_stay_below_the_maint_cushion() {
    let (mut t, m, _) = sol_market_with_traders(0).await;
    let params = |fee, penalty| with_params(PerpMarketParams { liquidation_fee_bps: fee, liquidation_penalty_bps: penalty, ..perp_params() });
    let outcome = t.update_market(m, params(300, 200)).await;
    outcome.assert_error(KeelError::InvalidLiquidationFees);
    assert!(outcome.logged("fee 300 + penalty 200 must stay below maint margin 500"));
    let market = t.market(m).await;
    assert_eq!((market.liquidation_fee_bps, market.liquidation_penalty_bps), (150, 100));
    t.update_market(m, params(299, 200)).await.assert_ok();
    let market = t.market(m).await;
    assert_eq!((market.liquidation_fee_bps, market.liquidation_penalty_bps), (299, 200));

    let sol = t.add_pull_asset(9, volatile_params(), usd(100, START_TIME)).await;
    let admin = t.admin.insecure_clone();
    let mint = t.asset(sol).mint;
    for (fee, penalty, expected) in [(600, 400, Some(KeelError::InvalidLiquidationFees)), (599, 400, None)] {
        let args = UpdateAssetArgs { params: Some(keel::instructions::risk::AssetParams { liquidation_fee_bps: fee, liquidation_penalty_bps: penalty, ..volatile_params() }), deposits_paused: None };
        let outcome = t.send(&[kix::update_asset(&admin.pubkey(), &t.exchange, &mint, args)], &[&admin]).await;
        match expected {
            Some(error) => outcome.assert_error(error),
            None => outcome.assert_ok(),
        };
        let address = t.asset(sol).address;
        let asset = decode::collateral_asset(&t.account_data(&address).await.expect("asset")).expect("decodes");
        let kept = if expected.is_some() { (200, 100) } else { (fee, penalty) };
        assert_eq!((asset.liquidation_fee_bps, asset.liquidation_penalty_bps), kept);
    }
}

/// While a liquidation is in progress (a 300-lot step at 92 leaves LiquidationEnd −15.7) the
/// account may only cancel and deposit: no order of any type, reduce-only IOC included
/// (`AccountBeingLiquidated`), until it has recovered (LiquidationEnd ≥ 0, here by deposits of
/// 16 USDC in all); at Init < 0 it may then reduce with an IOC within the liquidation discount.
#[tokio::test]
async fn an_account_being_liquidated_may_not_place_orders_until_it_recovers() {
    let mut s = LongScenario::new().await;
    s.set_price(92).await;
    let (liqee, market) = (s.liqee.account, s.market);
    s.t.liquidate_perp(&s.liqor, &liqee, market, 300).await.assert_ok();
    assert_eq!(s.t.margin_account(&liqee).await.being_liquidated, keel::state::LIQUIDATION_IN_PROGRESS);
    let ask = limit(Side::Ask, 93 * LOTS_PER_USD, 10);
    let ioc = keel_tests::markets::order(keel::instructions::markets::OrderType::ImmediateOrCancel, Side::Ask, 92 * LOTS_PER_USD, 10);
    for args in [ask, ask.reduce_only(), ioc.reduce_only()] {
        s.t.place(&s.liqee, market, args).await.assert_error(KeelError::AccountBeingLiquidated);
    }
    // A deposit that leaves LiquidationEnd below zero changes nothing; one that lifts it ends
    // the liquidation at the account's next order.
    s.t.deposit(&s.liqee, 0, 1_000_000).await.assert_ok();
    s.t.place(&s.liqee, market, ioc.reduce_only()).await.assert_error(KeelError::AccountBeingLiquidated);
    s.t.deposit(&s.liqee, 0, 15_000_000).await.assert_ok();
    s.t.place(&s.liqee, market, ioc.reduce_only()).await.assert_ok();
    assert_eq!(s.t.margin_account(&liqee).await.being_liquidated, keel::state::LIQUIDATION_NONE);
    assert_eq!(s.t.open_order_count(&liqee).await, 0);
}

/// A liquidation that reached LiquidationEnd ≥ 0 (+0.032 USDC at 92) has ended: a dip that puts
/// LiquidationEnd below zero again while Maint stays ≥ 0 (91.9) is refused with
/// `LiquidationEndReached`; only Maint < 0 (at 85) starts a new liquidation.
#[tokio::test]
async fn an_ended_liquidation_restarts_only_below_maint() {
    let mut s = LongScenario::new().await;
    s.set_price(92).await;
    let (liqee, market) = (s.liqee.account, s.market);
    s.t.liquidate_perp(&s.liqor, &liqee, market, 1_000).await.assert_ok();
    assert_eq!(s.t.margin_account(&liqee).await.being_liquidated, keel::state::LIQUIDATION_ENDED);
    let now = s.t.now().await;
    s.t.set_market_price(market, keel_tests::oracles::PriceSpec::new(91_900_000_00, 0, -8, now));
    let healths = s.t.healths(&liqee).await;
    assert!(healths.liq_end < 0 && healths.maint >= 0, "{healths:?}");
    s.t.liquidate_perp(&s.liqor, &liqee, market, 1_000).await.assert_error(KeelError::LiquidationEndReached);
    s.set_price(85).await;
    assert!(s.t.healths(&liqee).await.maint < 0);
    s.t.liquidate_perp(&s.liqor, &liqee, market, 1_000).await.assert_ok();
}
