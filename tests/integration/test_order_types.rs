//! Order types and order management with hand-computed numbers: resting limits, partial fills,
//! post-only, immediate-or-cancel, market orders against the price band, price-time priority,
//! reduce-only clamping, cancels by id, self-trade prevention, expiry, delegates, and cancels
//! of partly filled orders whose fills are still queued.

use anchor_lang::prelude::Pubkey;
use keel::error::KeelError;
use keel::events::{OrderCancelled, OrderFilled, OrderPlaced};
use keel::instructions::markets::{CancelTarget, OrderType, PlaceOrderArgs, SelfTradeBehavior};
use keel::state::{PerpPosition, Side};
use keel_client::events::events_of;
use keel_client::instructions as kix;
use keel_tests::context::TestContext;
use keel_tests::markets::{limit, order, sol_market_with_two_traders, usd, T0};
use keel_tests::outcome::Outcome;
use keel_tests::traders::Trader;
use solana_keypair::Keypair;
use solana_signer::Signer;

const START: i64 = 1_000_000_000;

fn with_cid(args: PlaceOrderArgs, client_order_id: u64) -> PlaceOrderArgs {
    PlaceOrderArgs { client_order_id, ..args }
}

/// Places `args` and returns its one `OrderPlaced` event.
async fn placed(t: &mut TestContext, trader: &Trader, m: u16, args: PlaceOrderArgs) -> OrderPlaced {
    let outcome = t.place(trader, m, args).await;
    outcome.assert_ok();
    let mut events = events_of::<OrderPlaced>(&outcome.logs);
    assert_eq!(events.len(), 1);
    events.remove(0)
}

/// (filled, rested) of a placement.
fn took(p: &OrderPlaced) -> (i64, i64) {
    (p.filled_lots, p.rested_lots)
}

/// One side of the book, best first: (owner, order id, client id, price, lots).
async fn book_side(t: &mut TestContext, m: u16, side: Side) -> Vec<(Pubkey, u64, u64, i64, i64)> {
    let book = t.book(m).await;
    book.side(side).iter().rev().map(|o| (o.owner, o.order_id, o.client_order_id, o.price_lots, o.base_lots)).collect()
}

/// The account's in-use open-order slots: (slot, order id, client id, side, price, lots).
async fn open_orders(t: &mut TestContext, account: &Pubkey) -> Vec<(usize, u64, u64, u8, i64, i64)> {
    let margin = t.margin_account(account).await;
    let used = margin.orders.iter().enumerate().filter(|(_, o)| o.is_in_use());
    used.map(|(i, o)| (i, o.id(), o.client_order_id, o.side, o.price_lots, o.base_lots)).collect()
}

async fn position(t: &mut TestContext, account: &Pubkey, m: u16) -> Option<PerpPosition> {
    t.margin_account(account).await.perp(m).copied()
}

/// (bids lots, bids quote, asks lots, asks quote) reserved by resting orders.
fn reserved(p: &PerpPosition) -> (i64, i64, i64, i64) {
    (p.bids_base_lots, p.bids_quote_native, p.asks_base_lots, p.asks_quote_native)
}

/// (order id, client id, side, lots, reason) of each `OrderCancelled` event.
fn cancelled(outcome: &Outcome) -> Vec<(u64, u64, u8, i64, u8)> {
    let events = events_of::<OrderCancelled>(&outcome.logs);
    events.iter().map(|e| (e.order_id, e.client_order_id, e.side, e.base_lots, e.reason)).collect()
}

/// (maker, maker order id, price, lots) of each `OrderFilled` event.
fn fills(outcome: &Outcome) -> Vec<(Pubkey, u64, i64, i64)> {
    let events = events_of::<OrderFilled>(&outcome.logs);
    events.iter().map(|e| (e.maker, e.maker_order_id, e.price_lots, e.base_lots)).collect()
}

#[tokio::test]
async fn limit_order_rests_when_nothing_crosses() {
    let (mut t, m, maker, _) = sol_market_with_two_traders().await;
    let p = placed(&mut t, &maker, m, with_cid(limit(Side::Ask, 1_010_000, 100), 11)).await;
    assert_eq!((p.account, p.side, p.order_type, p.reduce_only), (maker.account, 1, 0, false));
    assert_eq!((p.client_order_id, p.price_lots, p.base_lots, took(&p)), (11, 1_010_000, 100, (0, 100)));
    assert_eq!(book_side(&mut t, m, Side::Ask).await, vec![(maker.account, p.order_id, 11, 1_010_000, 100)]);
    assert!(book_side(&mut t, m, Side::Bid).await.is_empty());
    assert_eq!(t.book(m).await.asks[0].owner_slot, 0);
    assert_eq!(open_orders(&mut t, &maker.account).await, vec![(0, p.order_id, 11, 1, 1_010_000, 100)]);
    let pos = position(&mut t, &maker.account, m).await.unwrap();
    assert_eq!((pos.base_lots, pos.quote_native), (0, 0));
    // 100 lots at 1.01 USDC per lot reserve 101 USDC of asks; nothing traded, nothing charged.
    assert_eq!(reserved(&pos), (0, 0, 100, 101_000_000));
    assert_eq!(t.balance(&maker.account, 0).await, START);
    assert_eq!(t.fill_queue(m).await.count, 0);
}

#[tokio::test]
async fn limit_order_crossing_partially_fills_and_rests_the_remainder() {
    let (mut t, m, maker, taker) = sol_market_with_two_traders().await;
    let ask = placed(&mut t, &maker, m, limit(Side::Ask, 1_000_000, 40)).await;
    let bid = placed(&mut t, &taker, m, with_cid(limit(Side::Bid, 1_010_000, 100), 5)).await;
    assert_eq!((bid.base_lots, took(&bid)), (100, (40, 60)));
    // The fill is at the maker's price: 40 lots · 1 USDC, taker fee 5 bp = 0.02 USDC.
    let pos = position(&mut t, &taker.account, m).await.unwrap();
    assert_eq!((pos.base_lots, pos.quote_native), (40, -40_000_000));
    assert_eq!(reserved(&pos), (60, 60_600_000, 0, 0));
    assert_eq!(t.balance(&taker.account, 0).await, START - 20_000);
    assert!(book_side(&mut t, m, Side::Ask).await.is_empty());
    assert_eq!(book_side(&mut t, m, Side::Bid).await, vec![(taker.account, bid.order_id, 5, 1_010_000, 60)]);
    assert_eq!(open_orders(&mut t, &taker.account).await, vec![(0, bid.order_id, 5, 0, 1_010_000, 60)]);
    // The maker's order is off the book but reserves until the crank applies its fill.
    assert_eq!(open_orders(&mut t, &maker.account).await, vec![(0, ask.order_id, 0, 1, 1_000_000, 40)]);
    assert_eq!(t.crank(m).await, 1);
    assert!(open_orders(&mut t, &maker.account).await.is_empty());
    let pos = position(&mut t, &maker.account, m).await.unwrap();
    assert_eq!((pos.base_lots, pos.quote_native, reserved(&pos)), (-40, 40_000_000, (0, 0, 0, 0)));
}

#[tokio::test]
async fn post_only_rests_and_is_refused_when_it_would_cross() {
    let (mut t, m, maker, taker) = sol_market_with_two_traders().await;
    let ask = placed(&mut t, &maker, m, order(OrderType::PostOnly, Side::Ask, 1_000_000, 50)).await;
    assert_eq!((ask.order_type, took(&ask)), (1, (0, 50)));
    let resting = vec![(maker.account, ask.order_id, 0, 1_000_000, 50)];
    assert_eq!(book_side(&mut t, m, Side::Ask).await, resting);

    t.place(&taker, m, order(OrderType::PostOnly, Side::Bid, 1_000_000, 10)).await.assert_error(KeelError::PostOnlyWouldCross);
    t.place(&taker, m, order(OrderType::PostOnly, Side::Bid, 1_040_000, 10)).await.assert_error(KeelError::PostOnlyWouldCross);
    assert_eq!(book_side(&mut t, m, Side::Ask).await, resting);
    assert!(book_side(&mut t, m, Side::Bid).await.is_empty());
    assert!(position(&mut t, &taker.account, m).await.is_none());
    assert_eq!((t.fill_queue(m).await.count, t.balance(&taker.account, 0).await), (0, START));

    // One tick below the ask does not cross: it rests.
    let bid = placed(&mut t, &taker, m, order(OrderType::PostOnly, Side::Bid, 999_999, 10)).await;
    assert_eq!(took(&bid), (0, 10));
    assert_eq!(book_side(&mut t, m, Side::Bid).await, vec![(taker.account, bid.order_id, 0, 999_999, 10)]);
    assert_eq!(reserved(&position(&mut t, &taker.account, m).await.unwrap()), (10, 9_999_990, 0, 0));
}

#[tokio::test]
async fn immediate_or_cancel_fills_what_crosses_and_drops_the_remainder() {
    let (mut t, m, maker, taker) = sol_market_with_two_traders().await;
    placed(&mut t, &maker, m, limit(Side::Ask, 1_000_000, 40)).await;
    let far = placed(&mut t, &maker, m, limit(Side::Ask, 1_020_000, 30)).await;
    let ioc = placed(&mut t, &taker, m, order(OrderType::ImmediateOrCancel, Side::Bid, 1_010_000, 100)).await;
    assert_eq!((ioc.order_type, ioc.base_lots, took(&ioc)), (2, 100, (40, 0)));
    assert_eq!(book_side(&mut t, m, Side::Ask).await, vec![(maker.account, far.order_id, 0, 1_020_000, 30)]);
    assert!(book_side(&mut t, m, Side::Bid).await.is_empty());
    assert!(open_orders(&mut t, &taker.account).await.is_empty());
    let pos = position(&mut t, &taker.account, m).await.unwrap();
    assert_eq!((pos.base_lots, pos.quote_native, reserved(&pos)), (40, -40_000_000, (0, 0, 0, 0)));
    assert_eq!(t.balance(&taker.account, 0).await, START - 20_000);
}

#[tokio::test]
async fn market_order_fills_up_to_the_band_edge_and_not_beyond() {
    let (mut t, m, maker, taker) = sol_market_with_two_traders().await;
    for price in [1_000_000, 1_030_000, 1_050_000] {
        placed(&mut t, &maker, m, limit(Side::Ask, price, 20)).await;
    }
    // An ask above the band's top may not rest at 100 USD; placed while the oracle was at
    // 101 USD (band 959 500..=1 060 500) it stays when the oracle falls back, but no bid may
    // take it.
    let far = limit(Side::Ask, 1_050_001, 20);
    t.place(&maker, m, far).await.assert_error(KeelError::PriceOutsideBand);
    t.set_market_price(m, usd(101, T0));
    let beyond = placed(&mut t, &maker, m, far).await;
    assert_eq!(took(&beyond), (0, 20));
    t.set_market_price(m, usd(100, T0));

    let outcome = t.place(&taker, m, order(OrderType::Market, Side::Bid, 0, 100)).await;
    outcome.assert_ok();
    let p = &events_of::<OrderPlaced>(&outcome.logs)[0];
    assert_eq!((p.order_type, p.price_lots, p.base_lots, took(p)), (3, 0, 100, (60, 0)));
    let prices: Vec<(i64, i64)> = fills(&outcome).iter().map(|f| (f.2, f.3)).collect();
    assert_eq!(prices, vec![(1_000_000, 20), (1_030_000, 20), (1_050_000, 20)]);
    assert_eq!(book_side(&mut t, m, Side::Ask).await, vec![(maker.account, beyond.order_id, 0, 1_050_001, 20)]);
    assert!(book_side(&mut t, m, Side::Bid).await.is_empty() && open_orders(&mut t, &taker.account).await.is_empty());
    // Cost 20 + 20.6 + 21 = 61.6 USDC; fees 0.01 + 0.0103 + 0.0105.
    let pos = position(&mut t, &taker.account, m).await.unwrap();
    assert_eq!((pos.base_lots, pos.quote_native, reserved(&pos)), (60, -61_600_000, (0, 0, 0, 0)));
    assert_eq!(t.balance(&taker.account, 0).await, START - 30_800);
    assert_eq!(t.crank(m).await, 3);
    let pos = position(&mut t, &maker.account, m).await.unwrap();
    assert_eq!((pos.base_lots, reserved(&pos)), (-60, (0, 0, 20, 21_000_020)));
}

#[tokio::test]
async fn price_time_priority_fills_better_prices_first_then_earlier_orders() {
    let (mut t, m, maker, taker) = sol_market_with_two_traders().await;
    let other = t.funded_trader().await;
    let first = placed(&mut t, &maker, m, limit(Side::Ask, 1_000_000, 10)).await.order_id;
    let second = placed(&mut t, &other, m, limit(Side::Ask, 1_000_000, 10)).await.order_id;
    let better = placed(&mut t, &maker, m, limit(Side::Ask, 990_000, 10)).await.order_id;
    let expected_book = vec![
        (maker.account, better, 0, 990_000, 10),
        (maker.account, first, 0, 1_000_000, 10),
        (other.account, second, 0, 1_000_000, 10),
    ];
    assert_eq!(book_side(&mut t, m, Side::Ask).await, expected_book);

    let outcome = t.place(&taker, m, limit(Side::Bid, 1_000_000, 25)).await;
    outcome.assert_ok();
    let expected_fills = vec![
        (maker.account, better, 990_000, 10),
        (maker.account, first, 1_000_000, 10),
        (other.account, second, 1_000_000, 5),
    ];
    assert_eq!(fills(&outcome), expected_fills);
    let queued: Vec<u64> = t.fill_queue(m).await.iter().map(|e| e.maker_order_id).collect();
    assert_eq!(queued, vec![better, first, second]);
    assert_eq!(book_side(&mut t, m, Side::Ask).await, vec![(other.account, second, 0, 1_000_000, 5)]);
    let pos = position(&mut t, &taker.account, m).await.unwrap();
    assert_eq!((pos.base_lots, pos.quote_native), (25, -24_900_000));

    assert_eq!(t.crank(m).await, 3);
    assert_eq!(position(&mut t, &maker.account, m).await.unwrap().base_lots, -20);
    let pos = position(&mut t, &other.account, m).await.unwrap();
    assert_eq!((pos.base_lots, pos.quote_native, reserved(&pos)), (-5, 5_000_000, (0, 0, 5, 5_000_000)));
    assert_eq!(open_orders(&mut t, &other.account).await, vec![(0, second, 0, 1, 1_000_000, 5)]);
}

#[tokio::test]
async fn reduce_only_clamps_to_the_position_and_refuses_what_cannot_reduce() {
    let (mut t, m, maker, taker) = sol_market_with_two_traders().await;
    placed(&mut t, &maker, m, limit(Side::Ask, 1_000_000, 100)).await;
    placed(&mut t, &taker, m, limit(Side::Bid, 1_000_000, 100)).await;
    t.crank(m).await;
    let reduce = |side, lots| PlaceOrderArgs { reduce_only: true, ..limit(side, 1_000_000, lots) };

    // No position at all, and a bid that would grow the long: nothing to reduce.
    let stranger = t.funded_trader().await;
    t.place(&stranger, m, reduce(Side::Ask, 10)).await.assert_error(KeelError::ReduceOnlyNothingToReduce);
    assert!(position(&mut t, &stranger.account, m).await.is_none());
    t.place(&taker, m, reduce(Side::Bid, 10)).await.assert_error(KeelError::ReduceOnlyNothingToReduce);

    let bid = placed(&mut t, &maker, m, limit(Side::Bid, 1_000_000, 200)).await;
    let p = placed(&mut t, &taker, m, reduce(Side::Ask, 150)).await;
    assert_eq!((p.reduce_only, p.base_lots, took(&p)), (true, 100, (100, 0)));
    assert!(position(&mut t, &taker.account, m).await.is_none(), "closed flat: the slot is freed");
    assert!(open_orders(&mut t, &taker.account).await.is_empty());
    // Opened and closed at 1 USDC per lot: only the two taker fees of 0.05 USDC.
    assert_eq!(t.balance(&taker.account, 0).await, START - 100_000);
    assert_eq!(book_side(&mut t, m, Side::Bid).await, vec![(maker.account, bid.order_id, 0, 1_000_000, 100)]);
    t.place(&taker, m, reduce(Side::Ask, 1)).await.assert_error(KeelError::ReduceOnlyNothingToReduce);
}

#[tokio::test]
async fn client_order_ids_cancel_by_client_id_by_order_id_and_all() {
    let (mut t, m, maker, _) = sol_market_with_two_traders().await;
    let a = placed(&mut t, &maker, m, with_cid(limit(Side::Ask, 1_010_000, 50), 7)).await.order_id;
    let b = placed(&mut t, &maker, m, with_cid(limit(Side::Ask, 1_020_000, 40), 8)).await.order_id;
    let c = placed(&mut t, &maker, m, with_cid(limit(Side::Bid, 990_000, 30), 9)).await.order_id;
    let pos = position(&mut t, &maker.account, m).await.unwrap();
    assert_eq!(reserved(&pos), (30, 29_700_000, 90, 91_300_000));

    let outcome = t.cancel(&maker, m, CancelTarget::ClientOrderId(7)).await;
    assert_eq!(cancelled(outcome.assert_ok()), vec![(a, 7, 1, 50, 0)]);
    assert_eq!(reserved(&position(&mut t, &maker.account, m).await.unwrap()), (30, 29_700_000, 40, 40_800_000));
    let slots = vec![(1, b, 8, 1, 1_020_000, 40), (2, c, 9, 0, 990_000, 30)];
    assert_eq!(open_orders(&mut t, &maker.account).await, slots);

    let outcome = t.cancel(&maker, m, CancelTarget::OrderId(b)).await;
    assert_eq!(cancelled(outcome.assert_ok()), vec![(b, 8, 1, 40, 0)]);
    assert!(book_side(&mut t, m, Side::Ask).await.is_empty());

    t.cancel(&maker, m, CancelTarget::ClientOrderId(7)).await.assert_error(KeelError::OrderNotFound);
    t.cancel(&maker, m, CancelTarget::OrderId(a)).await.assert_error(KeelError::OrderNotFound);
    t.cancel(&maker, m, CancelTarget::OrderId(999)).await.assert_error(KeelError::OrderNotFound);

    let outcome = t.cancel(&maker, m, CancelTarget::All).await;
    assert_eq!(cancelled(outcome.assert_ok()), vec![(c, 9, 0, 30, 0)]);
    assert!(book_side(&mut t, m, Side::Bid).await.is_empty());
    assert!(open_orders(&mut t, &maker.account).await.is_empty());
    assert!(position(&mut t, &maker.account, m).await.is_none(), "nothing reserved: the slot is freed");
    // Cancelling all of nothing is not an error.
    assert!(cancelled(t.cancel(&maker, m, CancelTarget::All).await.assert_ok()).is_empty());
}

#[tokio::test]
async fn self_trade_prevention_aborts_or_cancels_the_resting_order() {
    let (mut t, m, maker, taker) = sol_market_with_two_traders().await;
    let own = placed(&mut t, &maker, m, with_cid(limit(Side::Ask, 1_000_000, 50), 3)).await.order_id;
    t.place(&maker, m, limit(Side::Bid, 1_000_000, 50)).await.assert_error(KeelError::SelfTradeRefused);
    assert_eq!(book_side(&mut t, m, Side::Ask).await, vec![(maker.account, own, 3, 1_000_000, 50)]);
    assert!(book_side(&mut t, m, Side::Bid).await.is_empty());

    let next = placed(&mut t, &taker, m, limit(Side::Ask, 1_010_000, 100)).await.order_id;
    let args = PlaceOrderArgs { self_trade: SelfTradeBehavior::CancelResting, ..limit(Side::Bid, 1_010_000, 100) };
    let outcome = t.place(&maker, m, args).await;
    outcome.assert_ok();
    assert_eq!(cancelled(&outcome), vec![(own, 3, 1, 50, 3)]);
    assert_eq!(fills(&outcome), vec![(taker.account, next, 1_010_000, 100)]);
    assert_eq!(took(&events_of::<OrderPlaced>(&outcome.logs)[0]), (100, 0));
    assert!(book_side(&mut t, m, Side::Ask).await.is_empty() && book_side(&mut t, m, Side::Bid).await.is_empty());
    assert!(open_orders(&mut t, &maker.account).await.is_empty());
    let pos = position(&mut t, &maker.account, m).await.unwrap();
    assert_eq!((pos.base_lots, pos.quote_native, reserved(&pos)), (100, -101_000_000, (0, 0, 0, 0)));
    assert_eq!(t.balance(&maker.account, 0).await, START - 50_500);
    // Only the other maker's fill is queued; the own order was released at once.
    let queue = t.fill_queue(m).await;
    assert_eq!((queue.count, queue.iter().next().unwrap().maker), (1, taker.account));
}

#[tokio::test]
async fn expired_orders_are_refused_and_swept_without_filling() {
    let (mut t, m, maker, taker) = sol_market_with_two_traders().await;
    let expiring = |ts| PlaceOrderArgs { expiry_ts: ts, ..limit(Side::Ask, 1_000_000, 100) };
    t.place(&maker, m, expiring(T0)).await.assert_error(KeelError::OrderExpired);
    t.place(&maker, m, expiring(T0 - 1)).await.assert_error(KeelError::OrderExpired);

    let old = placed(&mut t, &maker, m, expiring(T0 + 10)).await.order_id;
    let live = placed(&mut t, &maker, m, limit(Side::Ask, 1_010_000, 100)).await.order_id;
    assert_eq!(t.book(m).await.asks[1].expiry_ts, T0 + 10);
    t.set_time(T0 + 10).await;
    t.set_market_price(m, usd(100, T0 + 10));

    let outcome = t.place(&taker, m, order(OrderType::ImmediateOrCancel, Side::Bid, 1_010_000, 100)).await;
    outcome.assert_ok();
    assert_eq!(fills(&outcome), vec![(maker.account, live, 1_010_000, 100)]);
    assert!(cancelled(&outcome).is_empty(), "the maker's release is queued, not done by the taker");
    assert!(book_side(&mut t, m, Side::Ask).await.is_empty());
    let queue = t.fill_queue(m).await;
    let events: Vec<_> = queue.iter().map(|e| (e.kind, e.out_reason, e.maker_order_id, e.base_lots)).collect();
    assert_eq!(events, vec![(2, 1, old, 100), (1, 0, live, 100)]);
    let pos = position(&mut t, &maker.account, m).await.unwrap();
    assert_eq!(reserved(&pos), (0, 0, 200, 201_000_000));
    assert_eq!(open_orders(&mut t, &maker.account).await.len(), 2);

    assert_eq!(t.crank(m).await, 2);
    assert!(open_orders(&mut t, &maker.account).await.is_empty());
    let pos = position(&mut t, &maker.account, m).await.unwrap();
    assert_eq!((pos.base_lots, pos.quote_native, reserved(&pos)), (-100, 101_000_000, (0, 0, 0, 0)));
    assert_eq!(t.balance(&maker.account, 0).await, START + 10_100);
}

#[tokio::test]
async fn delegate_may_place_orders_and_a_stranger_may_not() {
    let (mut t, m, maker, _) = sol_market_with_two_traders().await;
    let (delegate, stranger) = (Keypair::new(), Keypair::new());
    let ix = kix::set_delegate(&maker.owner.pubkey(), &maker.account, kix::tight_delegate(&delegate.pubkey(), 1_000_000_000));
    t.send(&[ix], &[&maker.owner]).await.assert_ok();

    let outcome = t.place_signed(&maker, m, limit(Side::Ask, 1_004_000, 10), &delegate).await;
    let p = &events_of::<OrderPlaced>(&outcome.assert_ok().logs)[0];
    assert_eq!((p.account, took(p)), (maker.account, (0, 10)));
    assert_eq!(book_side(&mut t, m, Side::Ask).await, vec![(maker.account, p.order_id, 0, 1_004_000, 10)]);

    let args = limit(Side::Ask, 1_003_000, 10);
    t.place_signed(&maker, m, args, &stranger).await.assert_error(KeelError::NotOwnerOrDelegate);
    let ix = kix::clear_delegate(&maker.owner.pubkey(), &maker.account);
    t.send(&[ix], &[&maker.owner]).await.assert_ok();
    t.place_signed(&maker, m, args, &delegate).await.assert_error(KeelError::NotOwnerOrDelegate);
    assert_eq!(book_side(&mut t, m, Side::Ask).await.len(), 1);
    assert_eq!(reserved(&position(&mut t, &maker.account, m).await.unwrap()), (0, 0, 10, 10_040_000));
}

#[tokio::test]
async fn cancel_after_partial_fills_releases_the_book_part_and_the_crank_the_rest() {
    let (mut t, m, maker, taker) = sol_market_with_two_traders().await;
    let id = placed(&mut t, &maker, m, with_cid(limit(Side::Ask, 1_000_000, 100), 21)).await.order_id;
    placed(&mut t, &taker, m, limit(Side::Bid, 1_000_000, 30)).await;
    placed(&mut t, &taker, m, limit(Side::Bid, 1_000_000, 20)).await;
    assert_eq!(book_side(&mut t, m, Side::Ask).await, vec![(maker.account, id, 21, 1_000_000, 50)]);
    assert_eq!(open_orders(&mut t, &maker.account).await, vec![(0, id, 21, 1, 1_000_000, 100)]);
    assert_eq!(reserved(&position(&mut t, &maker.account, m).await.unwrap()), (0, 0, 100, 100_000_000));

    let outcome = t.cancel(&maker, m, CancelTarget::OrderId(id)).await;
    assert_eq!(cancelled(outcome.assert_ok()), vec![(id, 21, 1, 50, 0)]);
    assert!(book_side(&mut t, m, Side::Ask).await.is_empty());
    // The 50 filled lots still reserve until their queued fills are applied.
    assert_eq!(open_orders(&mut t, &maker.account).await, vec![(0, id, 21, 1, 1_000_000, 50)]);
    let pos = position(&mut t, &maker.account, m).await.unwrap();
    assert_eq!((pos.base_lots, reserved(&pos)), (0, (0, 0, 50, 50_000_000)));
    t.cancel(&maker, m, CancelTarget::OrderId(id)).await.assert_error(KeelError::OrderNotFound);

    assert_eq!(t.crank(m).await, 2);
    assert!(open_orders(&mut t, &maker.account).await.is_empty());
    let pos = position(&mut t, &maker.account, m).await.unwrap();
    assert_eq!((pos.base_lots, pos.quote_native, reserved(&pos)), (-50, 50_000_000, (0, 0, 0, 0)));
    assert_eq!(t.balance(&maker.account, 0).await, START + 3_000 + 2_000);
    let market = t.market(m).await;
    assert_eq!((market.long_lots, market.short_lots, market.pending_ask_lots), (50, 50, 0));
}
