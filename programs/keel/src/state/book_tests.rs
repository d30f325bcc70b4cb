//! Tests of the market state mechanics: the order book's price-time order and eviction, the
//! fill queue ring, and a position's fills (conservation of value to the unit, rounding in the
//! protocol's favour) and lazy funding.

use super::{BookOrder, FillEvent, FillQueue, FillQueueFull, OrderBook, MarketIndices, PerpPosition, Side, BOOK_SIDE_CAPACITY, FILL_QUEUE_CAPACITY};
use crate::math::{Fixed, FIXED_SCALE};
use bytemuck::Zeroable;
use proptest::prelude::*;
use std::collections::VecDeque;

fn book() -> Box<OrderBook> {
    Box::new(OrderBook::zeroed())
}

fn order(book: &mut OrderBook, price_lots: i64, base_lots: i64) -> BookOrder {
    BookOrder { order_id: book.take_order_id(), price_lots, base_lots, ..BookOrder::default() }
}

/// Sort key that puts the best order last: the model of a side.
fn rank_key(side: Side, o: &BookOrder) -> (i64, std::cmp::Reverse<u64>) {
    let price = if side == Side::Bid { o.price_lots } else { -o.price_lots };
    (price, std::cmp::Reverse(o.order_id))
}

/// The side is the model (sorted worst first), the count is right, unused slots are empty.
fn assert_side(book: &OrderBook, side: Side, model: &[BookOrder]) {
    let mut sorted = model.to_vec();
    sorted.sort_by_key(|o| rank_key(side, o));
    assert_eq!(book.side(side), &sorted[..]);
    let (all, count) = match side {
        Side::Bid => (&book.bids, book.bid_count),
        Side::Ask => (&book.asks, book.ask_count),
    };
    assert_eq!(count as usize, model.len());
    assert!(all[model.len()..].iter().all(|o| *o == BookOrder::default()));
    assert_eq!(book.best(side), sorted.last());
}

#[test]
fn best_is_last_price_then_time() {
    let mut b = book();
    for (price, lots) in [(100, 1), (102, 2), (101, 3), (102, 4)] {
        let o = order(&mut b, price, lots);
        assert_eq!(b.insert(Side::Bid, o), Ok(None));
        let o = order(&mut b, price, lots);
        assert_eq!(b.insert(Side::Ask, o), Ok(None));
    }
    let prices = |side| b.side(side).iter().map(|o| (o.price_lots, o.base_lots)).collect::<Vec<_>>();
    // Bids: highest price best, earlier first among equals; asks: lowest price best.
    assert_eq!(prices(Side::Bid), [(100, 1), (101, 3), (102, 4), (102, 2)]);
    assert_eq!(prices(Side::Ask), [(102, 4), (102, 2), (101, 3), (100, 1)]);
    assert_eq!(b.pop_best(Side::Bid).map(|o| (o.price_lots, o.base_lots)), Some((102, 2)));
    assert_eq!(b.pop_best(Side::Ask).map(|o| (o.price_lots, o.base_lots)), Some((100, 1)));
    assert_eq!((b.bid_count, b.ask_count), (3, 3));
}

#[test]
fn full_side_evicts_the_worst_only_for_a_better_order() {
    let mut b = book();
    for i in 0..BOOK_SIDE_CAPACITY as i64 {
        let o = order(&mut b, 1_000 + i, 1);
        assert_eq!(b.insert(Side::Bid, o), Ok(None));
    }
    let before: Vec<BookOrder> = b.side(Side::Bid).to_vec();
    // Below the worst, and at the worst's price but later: rejected, side unchanged.
    for price in [999, 1_000] {
        let o = order(&mut b, price, 7);
        assert_eq!(b.insert(Side::Bid, o), Err(super::BookSideFull));
        assert_eq!(b.side(Side::Bid), &before[..]);
    }
    // Better than the worst: the worst (1000, placed first) is evicted.
    let o = order(&mut b, 1_000 + 50, 9);
    assert_eq!(b.insert(Side::Bid, o), Ok(Some(before[0])));
    assert_eq!(b.bid_count as usize, BOOK_SIDE_CAPACITY);
    assert_eq!(b.side(Side::Bid)[0], before[1]);
    assert!(b.side(Side::Bid).contains(&o));
    assert_eq!(b.ask_count, 0);
}

#[test]
fn remove_returns_the_order_and_keeps_the_rest_in_order() {
    let mut b = book();
    let orders: Vec<BookOrder> = (0..5).map(|i| order(&mut b, 10 + i % 3, i + 1)).collect();
    orders.iter().for_each(|o| assert_eq!(b.insert(Side::Ask, *o), Ok(None)));
    assert_eq!(b.remove(Side::Ask, orders[2].order_id), Some(orders[2]));
    assert_eq!(b.remove(Side::Ask, orders[2].order_id), None);
    assert_eq!(b.remove(Side::Bid, orders[0].order_id), None);
    let model: Vec<BookOrder> = orders.iter().copied().filter(|o| o.order_id != orders[2].order_id).collect();
    assert_side(&b, Side::Ask, &model);
}

#[derive(Clone, Debug)]
enum BookOp {
    Insert(Side, i64),
    Remove(Side, prop::sample::Index),
    PopBest(Side),
}

fn side() -> impl Strategy<Value = Side> {
    prop_oneof![Just(Side::Bid), Just(Side::Ask)]
}

fn book_op() -> impl Strategy<Value = BookOp> {
    prop_oneof![
        8 => (side(), 1i64..=40).prop_map(|(s, p)| BookOp::Insert(s, p)),
        1 => (side(), any::<prop::sample::Index>()).prop_map(|(s, i)| BookOp::Remove(s, i)),
        1 => side().prop_map(BookOp::PopBest),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Against a model: prices in a narrow range (many ties) and enough inserts to fill a side.
    #[test]
    fn book_matches_a_sorted_model(ops in proptest::collection::vec(book_op(), 1..=700)) {
        let mut b = book();
        let mut models: [Vec<BookOrder>; 2] = [Vec::new(), Vec::new()];
        for op in ops {
            match op {
                BookOp::Insert(s, price) => {
                    let o = order(&mut b, price, 1);
                    let model = &mut models[s as usize];
                    let worst = model.iter().min_by_key(|x| rank_key(s, x)).copied();
                    let result = b.insert(s, o);
                    if model.len() < BOOK_SIDE_CAPACITY {
                        prop_assert_eq!(result, Ok(None));
                        model.push(o);
                    } else if rank_key(s, &o) > rank_key(s, &worst.unwrap()) {
                        prop_assert_eq!(result, Ok(worst));
                        model.retain(|x| Some(*x) != worst);
                        model.push(o);
                    } else {
                        prop_assert_eq!(result, Err(super::BookSideFull));
                    }
                }
                BookOp::Remove(s, pick) => {
                    let model = &mut models[s as usize];
                    if model.is_empty() {
                        prop_assert_eq!(b.remove(s, 0), None);
                    } else {
                        let o = model.remove(pick.index(model.len()));
                        prop_assert_eq!(b.remove(s, o.order_id), Some(o));
                    }
                }
                BookOp::PopBest(s) => {
                    let model = &mut models[s as usize];
                    let best = model.iter().max_by_key(|x| rank_key(s, x)).copied();
                    prop_assert_eq!(b.pop_best(s), best);
                    model.retain(|x| Some(*x) != best);
                }
            }
            assert_side(&b, Side::Bid, &models[0]);
            assert_side(&b, Side::Ask, &models[1]);
        }
    }
}

// --- fill queue ----------------------------------------------------------------------------

fn fill(base_lots: i64) -> FillEvent {
    FillEvent { kind: 1, base_lots, ..FillEvent::default() }
}

#[test]
fn fill_queue_wraps_around_and_rejects_when_full() {
    let mut queue: Box<FillQueue> = Box::new(FillQueue::zeroed());
    for i in 0..FILL_QUEUE_CAPACITY as i64 {
        assert_eq!(queue.push(fill(i)), Ok(i as u64));
    }
    assert_eq!(queue.push(fill(-1)), Err(FillQueueFull));
    assert_eq!((queue.count, queue.free()), (FILL_QUEUE_CAPACITY as u64, 0));
    for _ in 0..3 {
        queue.pop_front();
    }
    // The next three land in slots 0..3, after the oldest at slot 3.
    for i in 0..3 {
        assert_eq!(queue.push(fill(1_000 + i)), Ok(FILL_QUEUE_CAPACITY as u64 + i as u64));
    }
    assert_eq!(queue.push(fill(-1)), Err(FillQueueFull));
    assert_eq!((queue.head, queue.events[0].base_lots), (3, 1_000));
    assert_eq!(queue.front().map(|e| (e.base_lots, e.seq)), Some((3, 3)));
    let lots: Vec<i64> = queue.iter().map(|e| e.base_lots).collect();
    let expected: Vec<i64> = (3..FILL_QUEUE_CAPACITY as i64).chain(1_000..1_003).collect();
    assert_eq!(lots, expected);
    while queue.count > 0 {
        queue.pop_front();
    }
    assert_eq!((queue.front(), queue.head), (None, 3));
    queue.pop_front(); // popping an empty queue is a no-op
    assert_eq!((queue.count, queue.head), (0, 3));
}

proptest! {
    #[test]
    fn fill_queue_matches_a_deque(ops in proptest::collection::vec(prop_oneof![3 => Just(true), 2 => Just(false)], 1..=600)) {
        let mut queue: Box<FillQueue> = Box::new(FillQueue::zeroed());
        let mut model = VecDeque::new();
        let mut seq = 0u64;
        for (i, push) in ops.into_iter().enumerate() {
            if push {
                let result = queue.push(fill(i as i64));
                if model.len() == FILL_QUEUE_CAPACITY {
                    prop_assert_eq!(result, Err(FillQueueFull));
                } else {
                    prop_assert_eq!(result, Ok(seq));
                    model.push_back((i as i64, seq));
                    seq += 1;
                }
            } else {
                queue.pop_front();
                model.pop_front();
            }
            prop_assert!((queue.head as usize) < FILL_QUEUE_CAPACITY);
            prop_assert_eq!(queue.free(), FILL_QUEUE_CAPACITY - model.len());
            prop_assert_eq!(queue.front().map(|e| (e.base_lots, e.seq)), model.front().copied());
            prop_assert!(queue.iter().map(|e| (e.base_lots, e.seq)).eq(model.iter().copied()));
        }
    }
}

// --- positions -----------------------------------------------------------------------------

/// An exact rational `n / d`, `d > 0`, for the reference cost basis.
#[derive(Clone, Copy, Debug)]
struct Ratio(i128, i128);

impl Ratio {
    fn int(n: i64) -> Ratio {
        Ratio(n as i128, 1)
    }
    fn reduced(n: i128, d: i128) -> Ratio {
        let (mut a, mut b) = (n.unsigned_abs(), d.unsigned_abs());
        while b != 0 {
            (a, b) = (b, a % b);
        }
        let g = a.max(1) as i128 * d.signum();
        Ratio(n / g, d / g)
    }
    /// `self · num / den`, `None` on overflow.
    fn scale(self, num: i64, den: i64) -> Option<Ratio> {
        Some(Ratio::reduced(self.0.checked_mul(num as i128)?, self.1.checked_mul(den as i128)?))
    }
    fn add_int(self, n: i64) -> Option<Ratio> {
        Some(Ratio(self.0.checked_add((n as i128).checked_mul(self.1)?)?, self.1))
    }
    /// `self ≤ n`.
    fn le_int(self, n: i64) -> bool {
        self.0 <= n as i128 * self.1
    }
}

fn fills() -> impl Strategy<Value = Vec<(bool, i64, i64)>> {
    // (buy, lots, notional): notional = lots · price per lot, up to 10^7 quote native per lot
    let one = (any::<bool>(), 1i64..=60, 1i64..=10_000_000).prop_map(|(b, lots, price)| (b, lots, lots * price));
    proptest::collection::vec(one, 1..=30)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// Σ realised + the quote left in the position = Σ cash flows, exactly; a flat position
    /// keeps nothing; the cost basis kept never falls below the exact (rational) one, so PnL
    /// is never realised early — neither per fill nor in total.
    #[test]
    fn fills_conserve_value_and_never_over_realise(fills in fills()) {
        let mut position = PerpPosition::open(2, MarketIndices::default());
        let (mut cash, mut realised) = (0i64, 0i64);
        let mut exact = Some(Ratio::int(0)); // the exact quote of the open position
        for (buy, lots, notional) in fills {
            let (side, flow) = if buy { (Side::Bid, -notional) } else { (Side::Ask, notional) };
            let (old_base, old_quote) = (position.base_lots, position.quote_native);
            let new_base = old_base + if buy { lots } else { -lots };
            let step = position.apply_fill(side, lots, notional).unwrap();
            cash += flow;
            realised += step;
            prop_assert_eq!(realised + position.quote_native, cash);
            prop_assert_eq!(position.realized_pnl_native, realised);
            prop_assert_eq!(position.base_lots, new_base);
            if new_base == 0 {
                prop_assert_eq!(position.quote_native, 0);
            }
            let reduces = old_base != 0 && (old_base > 0) != buy;
            let flipped = reduces && new_base != 0 && (new_base > 0) != (old_base > 0);
            // Per fill, given the state: the exact quote to keep.
            let keep = if !reduces {
                Ratio::int(old_quote + flow)
            } else if new_base == 0 || flipped {
                Ratio::int(flow).scale(new_base.abs(), lots).unwrap()
            } else {
                Ratio::int(old_quote).scale(new_base, old_base).unwrap()
            };
            // Kept exactly ⌈keep⌉: this fill realises its exact PnL less under one unit.
            prop_assert!(keep.le_int(position.quote_native), "kept {} < {:?}", position.quote_native, keep);
            prop_assert!(!keep.le_int(position.quote_native - 1), "kept {} > ⌈{:?}⌉", position.quote_native, keep);
            // In total, against an exact cost basis tracked alongside.
            exact = exact.and_then(|e| {
                if !reduces { e.add_int(flow) } else if new_base == 0 || flipped { Some(keep) } else { e.scale(new_base, old_base) }
            });
            if let Some(e) = exact {
                prop_assert!(e.le_int(position.quote_native), "kept {} < exact {:?}", position.quote_native, e);
            }
        }
    }

    /// Funding credit = ⌊−base · Δindex⌋: a payer pays the rounding, a receiver never gets more.
    #[test]
    fn funding_rounds_against_the_position(base_lots in -1_000_000_000i64..=1_000_000_000, start in -FIXED_SCALE * 1_000_000..=FIXED_SCALE * 1_000_000, change in -FIXED_SCALE * 1_000..=FIXED_SCALE * 1_000) {
        let mut position = PerpPosition { base_lots, ..PerpPosition::open(0, MarketIndices { funding: Fixed::from_raw(start) }) };
        let index = Fixed::from_raw(start + change);
        let exact = -(base_lots as i128) * change; // raw
        let credit = position.pending_funding(index).unwrap();
        prop_assert_eq!(credit as i128, exact.div_euclid(FIXED_SCALE));
        prop_assert!((credit as i128) * FIXED_SCALE <= exact && exact - (credit as i128) * FIXED_SCALE < FIXED_SCALE);
        // The opposite position together with this one never nets a credit.
        let other = PerpPosition { base_lots: -base_lots, ..position };
        prop_assert!(credit + other.pending_funding(index).unwrap() <= 0);
        prop_assert_eq!(position.settle_funding(index).unwrap(), credit);
        prop_assert_eq!((position.funding_snapshot(), position.cumulative_funding_native), (index, -credit));
        prop_assert_eq!(position.pending_funding(index).unwrap(), 0);
    }
}

#[test]
fn funding_payer_rounds_up_receiver_down() {
    // Index +0.5 quote native per lot: a long of 3 owes 1.5 → pays 2; a short of 3 gets 1.
    let long = PerpPosition { base_lots: 3, ..PerpPosition::open(0, MarketIndices::default()) };
    let short = PerpPosition { base_lots: -3, ..long };
    let half = Fixed::from_raw(FIXED_SCALE / 2);
    assert_eq!((long.pending_funding(half).unwrap(), short.pending_funding(half).unwrap()), (-2, 1));
    let back = half.neg().unwrap();
    assert_eq!((long.pending_funding(back).unwrap(), short.pending_funding(back).unwrap()), (1, -2));
    assert_eq!(long.pending_funding(Fixed::ZERO).unwrap(), 0);
}

#[test]
fn fill_that_flips_keeps_the_new_side_cost_rounded_up() {
    let mut p = PerpPosition::open(0, MarketIndices::default());
    assert_eq!(p.apply_fill(Side::Bid, 3, 100).unwrap(), 0); // long 3 for 100
    // Sell 1 for 40: keep ⌈−100 · 2 / 3⌉ = −66, realise −100 + 40 + 66 = 6 (exact 6.67).
    assert_eq!(p.apply_fill(Side::Ask, 1, 40).unwrap(), 6);
    assert_eq!((p.base_lots, p.quote_native), (2, -66));
    // Sell 5 for 175: flips to short 3 keeping ⌈175 · 3 / 5⌉ = 105, realise −66 + 175 − 105 = 4.
    assert_eq!(p.apply_fill(Side::Ask, 5, 175).unwrap(), 4);
    assert_eq!((p.base_lots, p.quote_native, p.realized_pnl_native), (-3, 105, 10));
    // Buy 3 for 99: flat, realise 6.
    assert_eq!(p.apply_fill(Side::Bid, 3, 99).unwrap(), 6);
    assert_eq!((p.base_lots, p.quote_native, p.realized_pnl_native), (0, 0, 16));
}
