//! Validation of perp market listings and parameter updates: every bound refused with its own
//! error and nothing changed; the admin alone may list, update or pause; funding parameters
//! change only while the funding index is current.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::system_instruction::create_account;
use keel::error::KeelError;
use keel::instructions::markets::{ListPerpMarketArgs, PerpMarketParams};
use keel::state::{FillQueue, OrderBook};
use keel_client::{accounts as decode, markets as mix};
use keel_tests::context::TestContext;
use keel_tests::markets::{paused, perp_params, usd, with_params, T0};
use keel_tests::outcome::Outcome;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// Parameters that each break one bound, with their error.
fn bad_params() -> Vec<(PerpMarketParams, KeelError)> {
    let p = perp_params();
    use KeelError::*;
    vec![
        (PerpMarketParams { maint_margin_bps: 1_000, ..p }, InvalidMarginRatios),
        (PerpMarketParams { maint_margin_bps: 1_100, ..p }, InvalidMarginRatios),
        (PerpMarketParams { maint_margin_bps: 0, ..p }, InvalidMarginRatios),
        (PerpMarketParams { init_margin_bps: 10_001, ..p }, InvalidMarginRatios),
        (PerpMarketParams { pnl_init_weight_bps: 10_001, ..p }, InvalidPnlWeight),
        (PerpMarketParams { maker_fee_bps: -6, ..p }, InvalidFees),
        (PerpMarketParams { taker_fee_bps: 101, ..p }, InvalidFees),
        (PerpMarketParams { maker_fee_bps: 1, ..p }, InvalidFees),
        (PerpMarketParams { insurance_fee_share_bps: 10_001, ..p }, InvalidFees),
        (PerpMarketParams { price_band_bps: 0, ..p }, InvalidPriceBand),
        (PerpMarketParams { price_band_bps: 5_001, ..p }, InvalidPriceBand),
        (PerpMarketParams { funding_interval_secs: 10, ..p }, InvalidFundingParams),
        (PerpMarketParams { funding_interval_secs: 1_800, ..p }, InvalidFundingParams),
        (PerpMarketParams { funding_interval_secs: 3_599, ..p }, InvalidFundingParams),
        (PerpMarketParams { funding_interval_secs: 86_401, ..p }, InvalidFundingParams),
        (PerpMarketParams { max_funding_bps: 0, ..p }, InvalidFundingParams),
        (PerpMarketParams { max_funding_bps: 1_001, ..p }, InvalidFundingParams),
        (PerpMarketParams { funding_impact_lots: 0, ..p }, InvalidFundingParams),
        (PerpMarketParams { funding_impact_lots: p.open_interest_cap_lots + 1, ..p }, InvalidFundingParams),
        (PerpMarketParams { min_order_base_lots: 0, ..p }, InvalidMarketSizes),
        (PerpMarketParams { min_order_base_lots: 10, open_interest_cap_lots: 9, ..p }, InvalidMarketSizes),
        (PerpMarketParams { oracle_max_age_secs: 0, ..p }, InvalidOracleConfig),
        (PerpMarketParams { oracle_max_conf_bps: 2_001, ..p }, InvalidOracleConfig),
        (PerpMarketParams { oracle_conf_multiplier_bps: 50_001, ..p }, InvalidOracleConfig),
    ]
}

/// Sends `list_perp_market` signed by `admin`, with a book of `book_space` bytes.
async fn list_raw(t: &mut TestContext, admin: &Keypair, args: ListPerpMarketArgs, oracle: &Pubkey, book_space: usize) -> Outcome {
    let (book, queue) = (Keypair::new(), Keypair::new());
    let payer = t.payer();
    let (book_rent, queue_rent) = (t.rent(book_space).await, t.rent(FillQueue::SPACE).await);
    let ixs = vec![
        create_account(&payer, &book.pubkey(), book_rent, book_space as u64, &keel::ID),
        create_account(&payer, &queue.pubkey(), queue_rent, FillQueue::SPACE as u64, &keel::ID),
        mix::list_perp_market(&payer, &admin.pubkey(), &t.exchange, &book.pubkey(), &queue.pubkey(), oracle, args),
    ];
    t.send(&ixs, &[admin, &book, &queue]).await
}

#[tokio::test]
async fn listing_validation() {
    let mut t = TestContext::new().await;
    let args_for = |t: &mut TestContext| t.market_args(0, "SOL", 9, 10_000_000, 1, usd(100, T0));
    for (params, error) in bad_params() {
        let (args, oracle, _) = args_for(&mut t);
        t.list_market(ListPerpMarketArgs { params, ..args }, &oracle).await.assert_error(error);
    }
    let sizes: [fn(&mut ListPerpMarketArgs); 3] = [|a| a.base_lot_size = 0, |a| a.quote_lot_size = 0, |a| a.base_decimals = 19];
    for set in sizes {
        let (mut args, oracle, _) = args_for(&mut t);
        set(&mut args);
        t.list_market(args, &oracle).await.assert_error(KeelError::InvalidMarketSizes);
    }
    let (args, oracle, _) = args_for(&mut t);
    t.list_market(ListPerpMarketArgs { index: 5, ..args }, &oracle).await.assert_error(KeelError::WrongMarketIndex);

    let admin = t.admin.insecure_clone();
    let impostor = Keypair::new();
    t.airdrop(&impostor.pubkey(), 1_000_000_000).await;
    let (args, oracle, _) = args_for(&mut t);
    list_raw(&mut t, &impostor, args, &oracle, OrderBook::SPACE).await.assert_error(KeelError::NotAdmin);
    for space in [OrderBook::SPACE - 80, OrderBook::SPACE + 8] {
        list_raw(&mut t, &admin, args, &oracle, space).await.assert_error(KeelError::InvalidMarketAccount);
    }

    let exchange = t.exchange;
    assert_eq!(decode::exchange(&t.account_data(&exchange).await.unwrap()).unwrap().market_count, 0);
    list_raw(&mut t, &admin, args, &oracle, OrderBook::SPACE).await.assert_ok();
    assert_eq!(decode::exchange(&t.account_data(&exchange).await.unwrap()).unwrap().market_count, 1);
}

#[tokio::test]
async fn update_perp_market_validation() {
    let mut t = TestContext::new().await;
    let m = t.add_market("SOL", 9, 10_000_000, 1, usd(100, T0)).await;
    let new = PerpMarketParams {
        init_margin_bps: 2_000,
        maint_margin_bps: 1_000,
        maker_fee_bps: -10,
        taker_fee_bps: 10,
        price_band_bps: 1_000,
        min_order_base_lots: 5,
        open_interest_cap_lots: 500,
        oracle_max_age_secs: 30,
        ..perp_params()
    };
    t.update_market(m, with_params(new)).await.assert_ok();
    let market = t.market(m).await;
    assert_eq!((PerpMarketParams::of(&market), market.paused), (new, 0));

    for (params, error) in bad_params() {
        t.update_market(m, with_params(params)).await.assert_error(error);
    }
    assert_eq!(PerpMarketParams::of(&t.market(m).await), new, "refused updates change nothing");

    let impostor = Keypair::new();
    t.airdrop(&impostor.pubkey(), 1_000_000_000).await;
    let market_key = t.markets[m as usize].keys.market;
    for args in [with_params(perp_params()), paused(true)] {
        let ix = mix::update_perp_market(&impostor.pubkey(), &t.exchange, &market_key, args);
        t.send(&[ix], &[&impostor]).await.assert_error(KeelError::NotAdmin);
    }
    let market = t.market(m).await;
    assert_eq!((PerpMarketParams::of(&market), market.paused), (new, 0), "the impostor changed nothing");
}


/// A new funding rate cap, interval or impact depth would apply to the time since the last
/// `update_funding`: the change is refused unless the index was updated at the same clock time (before, or in
/// the same transaction).
#[tokio::test]
async fn funding_parameters_change_only_right_after_update_funding() {
    let mut t = TestContext::new().await;
    let m = t.add_market("SOL", 9, 10_000_000, 1, usd(100, T0)).await;
    let now = T0 + 10;
    t.set_time(now).await;
    t.set_market_price(m, usd(100, now));

    // Listed at T0, the index is 10 s old: every funding parameter is refused, nothing changes.
    let wider = PerpMarketParams { price_band_bps: 400, ..perp_params() };
    for params in [
        PerpMarketParams { funding_interval_secs: 7_200, ..wider },
        PerpMarketParams { max_funding_bps: 200, ..wider },
        PerpMarketParams { funding_impact_lots: 50, ..wider },
    ] {
        t.update_market(m, with_params(params)).await.assert_error(KeelError::FundingNotCurrent);
    }
    let market = t.market(m).await;
    assert_eq!((PerpMarketParams::of(&market), market.last_funding_ts), (perp_params(), T0));
    // Other parameters change at any time.
    t.update_market(m, with_params(wider)).await.assert_ok();
    assert_eq!(PerpMarketParams::of(&t.market(m).await), wider);

    // update_funding at the same clock time makes the index current: the change goes through.
    t.update_funding(m).await.assert_ok();
    assert_eq!(t.market(m).await.last_funding_ts, now);
    let new = PerpMarketParams { funding_interval_secs: 7_200, max_funding_bps: 200, ..wider };
    t.update_market(m, with_params(new)).await.assert_ok();
    assert_eq!(PerpMarketParams::of(&t.market(m).await), new);

    // 10 s later: refused alone, accepted with update_funding first in the same transaction.
    let later = now + 10;
    t.set_time(later).await;
    t.set_market_price(m, usd(100, later));
    let day = PerpMarketParams { funding_interval_secs: 86_400, ..wider };
    t.update_market(m, with_params(day)).await.assert_error(KeelError::FundingNotCurrent);
    assert_eq!(PerpMarketParams::of(&t.market(m).await), new);
    let admin = t.admin.insecure_clone();
    let keys = t.markets[m as usize].keys;
    let ixs = [mix::update_funding(&keys), mix::update_perp_market(&admin.pubkey(), &t.exchange, &keys.market, with_params(day))];
    t.send(&ixs, &[&admin]).await.assert_ok();
    let market = t.market(m).await;
    assert_eq!((PerpMarketParams::of(&market), market.last_funding_ts), (day, later));

    // An interval under an hour is out of bounds, even with the index current; an hour is not.
    for secs in [1_800, 3_599] {
        let short = PerpMarketParams { funding_interval_secs: secs, ..day };
        t.update_market(m, with_params(short)).await.assert_error(KeelError::InvalidFundingParams);
    }
    assert_eq!(PerpMarketParams::of(&t.market(m).await), day);
    t.update_market(m, with_params(PerpMarketParams { funding_interval_secs: 3_600, ..day })).await.assert_ok();
    assert_eq!(t.market(m).await.funding_interval_secs, 3_600);
}
