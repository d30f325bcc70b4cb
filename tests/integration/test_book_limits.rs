//! Limits of the book and the queue, the price band, the open-interest cap, and the bad-debt
//! attack of a queued fill plus an opposite order — each refused with its own error and
//! nothing changed.

use keel::error::KeelError;
use keel::instructions::markets::{CancelTarget, OrderType, PerpMarketParams, PlaceOrderArgs};
use keel::instructions::risk::HealthReport;
use keel::state::{PerpPosition, Side, BOOK_SIDE_CAPACITY, FILL_QUEUE_CAPACITY};
use keel_client::markets as mix;
use keel_tests::context::TestContext;
use keel_tests::markets::{limit, order, perp_params, sol_market_with_traders, usd, with_params, T0};
use keel_tests::traders::Trader;
use solana_signer::Signer;

use OrderType::{ImmediateOrCancel as Ioc, PostOnly};
use Side::{Ask, Bid};

/// Places `orders` for `trader`, eight `place_order`s per transaction, each batch succeeding.
async fn place_batched(t: &mut TestContext, trader: &Trader, m: u16, orders: &[PlaceOrderArgs]) {
    let metas = t.trade_metas(&trader.account, m).await;
    let keys = t.markets[m as usize].keys;
    for chunk in orders.chunks(8) {
        let ixs: Vec<_> = chunk.iter().map(|a| mix::place_order(&trader.owner.pubkey(), &trader.account, &keys, *a, metas.clone())).collect();
        t.send(&ixs, &[&trader.owner]).await.assert_ok();
    }
    t.assert_conserved().await;
}

/// (bids lots, bids quote, asks lots, asks quote) reserved by resting orders.
fn reserved(p: &PerpPosition) -> (i64, i64, i64, i64) {
    (p.bids_base_lots, p.bids_quote_native, p.asks_base_lots, p.asks_quote_native)
}

#[tokio::test]
async fn full_book() {
    let (mut t, m, traders) = sol_market_with_traders(5).await;
    // Asks at 1 001 000 + i · 100, i = 0..128 (up to 1 013 700, inside the band's 1 050 000):
    // trader k holds i = 32k..32k+32 in slots 0..32.
    let price = |i: i64| 1_001_000 + i * 100;
    for (k, trader) in traders[..4].iter().enumerate() {
        let asks: Vec<_> = (0..32).map(|j| PlaceOrderArgs { client_order_id: j as u64, ..limit(Ask, price(k as i64 * 32 + j), 1) }).collect();
        place_batched(&mut t, trader, m, &asks).await;
    }
    let book = t.book(m).await;
    assert_eq!(book.ask_count as usize, BOOK_SIDE_CAPACITY);
    assert_eq!((book.asks[0].price_lots, book.asks[0].owner, book.asks[0].owner_slot), (1_013_700, traders[3].account, 31));
    assert_eq!(book.asks[127].price_lots, 1_001_000);

    // Worse than the worst, or at its price but later: refused, nothing changes.
    let newcomer = &traders[4];
    let before = t.market_snapshot(m, &[newcomer.account]).await;
    for worse in [1_013_800, 1_013_700] {
        t.place(newcomer, m, limit(Ask, worse, 1)).await.assert_error(KeelError::OrderBookFull);
    }
    assert_eq!(t.market_snapshot(m, &[newcomer.account]).await, before, "book byte-identical");

    // Better: evicts the worst, whose owner gets an Out event.
    t.place(newcomer, m, limit(Ask, 1_000_500, 1)).await.assert_ok();
    let book = t.book(m).await;
    assert_eq!(book.ask_count as usize, BOOK_SIDE_CAPACITY);
    assert_eq!((book.asks[0].price_lots, book.asks[127].price_lots, book.asks[127].owner), (1_013_600, 1_000_500, newcomer.account));
    let queue = t.fill_queue(m).await;
    assert_eq!(queue.count, 1);
    let out = *queue.iter().next().unwrap();
    assert_eq!((out.kind, out.out_reason, out.maker_out, out.maker_side), (2, 2, 1, Ask.as_u8()));
    assert_eq!((out.maker, out.maker_slot, out.price_lots, out.base_lots), (traders[3].account, 31, 1_013_700, 1));
    let evicted = t.margin_account(&traders[3].account).await;
    // Σ i = 96..128 of 1 001 000 + 100 i = 32 · 1 001 000 + 100 · 3 568 = 32 388 800; the 31
    // left after the eviction (i = 96..127) are 31 · 1 001 000 + 100 · 3 441 = 31 375 100.
    let all_asks: i64 = (96..128).map(price).sum();
    assert_eq!(all_asks, 31_375_100 + 1_013_700);
    let p = evicted.perp(m).unwrap();
    assert_eq!((p.asks_base_lots, p.asks_quote_native), (32, all_asks), "reserved until the crank");

    assert_eq!(t.crank(m).await, 1);
    let evicted = t.margin_account(&traders[3].account).await;
    let p = evicted.perp(m).unwrap();
    assert_eq!((p.asks_base_lots, p.asks_quote_native), (31, 31_375_100));
    assert!(!evicted.orders[31].is_in_use());
    assert_eq!(t.open_order_count(&traders[3].account).await, 31);

    // A 33rd resting order of one account.
    t.place(&traders[0], m, limit(Ask, 1_000_600, 1)).await.assert_error(KeelError::OrderSlotsFull);
    assert_eq!(t.open_order_count(&traders[0].account).await, 32);

    // The freed slot takes a new order, which evicts the owner's own worst order (1 013 600 in
    // slot 30): released at once, nothing queued.
    t.place(&traders[3], m, limit(Ask, 1_000_700, 1)).await.assert_ok();
    assert_eq!(t.fill_queue(m).await.count, 0);
    let account = t.margin_account(&traders[3].account).await;
    let p = account.perp(m).unwrap();
    assert_eq!((p.asks_base_lots, p.asks_quote_native), (31, 31_375_100 - 1_013_600 + 1_000_700));
    assert!(!account.orders[30].is_in_use());
    assert_eq!(account.orders[31].price_lots, 1_000_700);
    assert_eq!(t.book(m).await.asks[0].price_lots, 1_013_500);

    // A full account may still take liquidity: only a resting remainder needs a slot.
    t.place(&traders[0], m, limit(Bid, 1_000_500, 1)).await.assert_ok();
    assert_eq!((t.position_lots(&traders[0].account, m).await, t.open_order_count(&traders[0].account).await), (1, 32));
    assert_eq!(t.fill_queue(m).await.count, 1);
}

#[tokio::test]
async fn fill_queue_full() {
    let (mut t, m, tr) = sol_market_with_traders(2).await;
    let (maker, taker) = (&tr[0], &tr[1]);
    t.place(maker, m, limit(Ask, 1_000_000, 200)).await.assert_ok();
    let take = order(Ioc, Bid, 1_000_000, 1);
    let bids: Vec<_> = (0..FILL_QUEUE_CAPACITY as u64).map(|i| PlaceOrderArgs { client_order_id: i, ..take }).collect();
    place_batched(&mut t, taker, m, &bids).await;
    let queue = t.fill_queue(m).await;
    assert_eq!((queue.count as usize, queue.free()), (FILL_QUEUE_CAPACITY, 0));
    assert_eq!(t.position_lots(&taker.account, m).await, 128);
    assert_eq!(t.book(m).await.asks[0].base_lots, 72);
    assert_eq!(t.market(m).await.pending_ask_lots, 128);

    let before = t.market_snapshot(m, &[maker.account, taker.account]).await;
    t.place(taker, m, take).await.assert_error(KeelError::FillQueueFull);
    t.place(taker, m, limit(Bid, 1_000_000, 5)).await.assert_error(KeelError::FillQueueFull);
    assert_eq!(t.market_snapshot(m, &[maker.account, taker.account]).await, before, "nothing changes");
    // An order that does not trade still rests.
    t.place(taker, m, limit(Bid, 990_000, 1)).await.assert_ok();

    assert_eq!(t.crank(m).await, 128);
    assert_eq!(t.position_lots(&maker.account, m).await, -128);
    t.place(taker, m, take).await.assert_ok();
    assert_eq!(t.fill_queue(m).await.count, 1);
    assert_eq!(t.position_lots(&taker.account, m).await, 129);
    assert_eq!(t.book(m).await.asks[0].base_lots, 71);
}

#[tokio::test]
async fn price_band() {
    let (mut t, m, tr) = sol_market_with_traders(2).await;
    let (a, b) = (&tr[0], &tr[1]);
    // At 100 USD the band is 950 000..=1 050 000: an order that may rest (limit, post-only)
    // must lie inside it, on either side — no bid above nor below it, no ask either.
    let before = t.market_snapshot(m, &[a.account]).await;
    for (side, price) in [(Bid, 1_050_001), (Bid, 949_999), (Bid, 500_000), (Ask, 949_999), (Ask, 1_050_001), (Ask, 1_060_000)] {
        for kind in [OrderType::Limit, PostOnly] {
            t.place(a, m, order(kind, side, price, 1)).await.assert_error(KeelError::PriceOutsideBand);
        }
    }
    assert_eq!(t.market_snapshot(m, &[a.account]).await, before, "nothing changes");

    // Orders rest inside the band of their time: the ask at 1 060 000 while the oracle is at
    // 102 USD (band 969 000..=1 071 000), the bid at 940 000 at 98 USD (931 000..=1 029 000).
    // Back at 100 USD the ask lies above the band and the bid below it.
    t.set_market_price(m, usd(102, T0));
    t.place(a, m, limit(Ask, 1_060_000, 1)).await.assert_ok();
    t.set_market_price(m, usd(98, T0));
    t.place(a, m, limit(Bid, 940_000, 1)).await.assert_ok();
    t.set_market_price(m, usd(100, T0));

    // Takers trade only within the band, whatever their limit.
    t.place(b, m, order(Ioc, Bid, 1_200_000, 1)).await.assert_ok();
    t.place(b, m, order(OrderType::Market, Bid, 0, 1)).await.assert_ok();
    t.place(b, m, order(Ioc, Ask, 1, 1)).await.assert_ok();
    assert!(t.margin_account(&b.account).await.perp(m).is_none(), "no fill, no position");
    assert_eq!(t.fill_queue(m).await.count, 0);
    let book = t.book(m).await;
    assert_eq!((book.bid_count, book.ask_count, book.asks[0].base_lots, book.bids[0].base_lots), (1, 1, 1, 1));
    assert_eq!((book.asks[0].price_lots, book.bids[0].price_lots), (1_060_000, 940_000));

    // The band edges themselves are inside.
    t.place(a, m, limit(Bid, 1_050_000, 1)).await.assert_ok();
    t.place(a, m, order(PostOnly, Bid, 950_000, 1)).await.assert_ok();
    assert_eq!(t.book(m).await.bid_count, 3);

    // At 102 USD the band high is 1 071 000 again: the ask at 1 060 000 trades.
    t.set_market_price(m, usd(102, T0));
    t.place(b, m, order(Ioc, Bid, 1_200_000, 1)).await.assert_ok();
    assert_eq!(t.position_lots(&b.account, m).await, 1);
    assert_eq!(t.margin_account(&b.account).await.perp(m).unwrap().quote_native, -1_060_000);
    assert_eq!(t.fill_queue(m).await.count, 1);
}

/// The auditor's attack on the old three-scenario health (nothing / all bids / all asks): a
/// maker's ask is filled (queued, still reserved as resting) and the maker then rests a much
/// higher bid; with a 20% band and 10% Init margin both filled cost more than either side. The
/// both-filled corner costs `(bid − ask) · lots ≤ 2 · band · value` and a single side `(band +
/// init) · value`, so it can only bind for a band wider than the Init margin — which the bound
/// `band ≤ maint < init` now excludes: 20% is refused, and at the widest band allowed (5%) the
/// single corner covers both fills.
#[tokio::test]
async fn filled_ask_plus_higher_bid_cannot_create_bad_debt() {
    let (mut t, m, tr) = sol_market_with_traders(1).await;
    let taker = &tr[0];
    let wide = PerpMarketParams { price_band_bps: 2_000, ..perp_params() };
    t.update_market(m, with_params(wide)).await.assert_error(KeelError::InvalidPriceBand);
    let maker = t.trader(&[10_000_000_000]).await;
    // An ask of 100 lots at the band's low edge, 950 000: short 100 lots worth −100 USDC for
    // +95: PnL −5, Init margin 10: −15 USDC. 15 USDC is just enough; one native unit less is not.
    let ask = limit(Ask, 950_000, 100);
    t.deposit(&maker, 0, 14_999_999).await.assert_ok();
    t.place(&maker, m, ask).await.assert_error(KeelError::InitHealthNegative);
    t.deposit(&maker, 0, 1).await.assert_ok();
    t.place(&maker, m, ask).await.assert_ok();
    t.place(taker, m, order(Ioc, Bid, 950_000, 100)).await.assert_ok();
    assert_eq!((t.fill_queue(m).await.count, t.book(m).await.ask_count), (1, 0));
    // The fill is queued: the maker's 100 lots stay reserved as a resting ask.
    let p = *t.margin_account(&maker.account).await.perp(m).unwrap();
    assert_eq!((p.base_lots, p.quote_native, reserved(&p)), (0, 0, (0, 0, 100, 95_000_000)));

    // The highest bid the band allows, 1 050 000, 100 lots. All bids filled: long 100 worth 100
    // for 105, −5 − 10 = −15; both filled: flat for 95 − 105 = −10. The single corner binds: it
    // rests at Init health exactly 0, and a bid one lot larger is refused.
    t.place(&maker, m, limit(Bid, 1_050_000, 101)).await.assert_error(KeelError::InitHealthNegative);
    t.place(&maker, m, limit(Bid, 1_050_000, 100)).await.assert_ok();
    let report: HealthReport = t.health_view(&maker.account).await.assert_ok().returned();
    assert_eq!(report.init.health, 0);

    // The crank applies the fill (short 100 for +95) and the 1 bp rebate, 9 500: Init is the
    // position's corner, 15.0095 − 5 − 10 = 0.0095 USDC; both filled would be 5.0095.
    assert_eq!(t.crank(m).await, 1);
    assert_eq!(t.balance(&maker.account, 0).await, 15_009_500);
    let report: HealthReport = t.health_view(&maker.account).await.assert_ok().returned();
    let init = &report.init;
    assert_eq!((init.assets, init.perp_pnl, init.perp_requirements, init.health), (15_009_500, -5_000_000, 10_000_000, 9_500));
}

#[tokio::test]
async fn open_interest_cap() {
    let (mut t, m, tr) = sol_market_with_traders(3).await;
    let (a, b, c) = (&tr[0], &tr[1], &tr[2]);
    t.update_market(m, with_params(PerpMarketParams { open_interest_cap_lots: 150, ..perp_params() })).await.assert_ok();
    t.place(a, m, limit(Ask, 1_000_000, 160)).await.assert_ok();
    t.place(b, m, order(Ioc, Bid, 1_000_000, 100)).await.assert_ok();
    t.crank(m).await;

    // 100 + 60 > 150: refused, nothing changes.
    let before = t.market_snapshot(m, &[a.account, c.account]).await;
    t.place(c, m, limit(Bid, 1_000_000, 60)).await.assert_error(KeelError::OpenInterestCapExceeded);
    assert_eq!(t.market_snapshot(m, &[a.account, c.account]).await, before);
    // Exactly to the cap is allowed (queued maker fills count).
    t.place(c, m, order(Ioc, Bid, 1_000_000, 50)).await.assert_ok();
    let market = t.market(m).await;
    assert_eq!((market.long_lots, market.short_lots, market.pending_ask_lots, market.worst_open_interest()), (150, 100, 50, 150));
    t.crank(m).await;
    t.place(c, m, order(Ioc, Bid, 1_000_000, 1)).await.assert_error(KeelError::OpenInterestCapExceeded);

    // Lower the cap below the open interest: a trade that reduces it still goes through.
    t.update_market(m, with_params(PerpMarketParams { open_interest_cap_lots: 120, ..perp_params() })).await.assert_ok();
    t.cancel(a, m, CancelTarget::All).await.assert_ok();
    t.place(a, m, limit(Bid, 1_000_000, 40)).await.assert_ok();
    t.place(b, m, order(Ioc, Ask, 1_000_000, 40)).await.assert_ok();
    t.crank(m).await;
    let market = t.market(m).await;
    assert_eq!((market.long_lots, market.short_lots, market.worst_open_interest()), (110, 110, 110));
    assert_eq!((t.position_lots(&a.account, m).await, t.position_lots(&b.account, m).await, t.position_lots(&c.account, m).await), (-110, 60, 50));
}
