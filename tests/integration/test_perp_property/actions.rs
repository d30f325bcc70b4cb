//! The perp simulation's moves: random orders, cancels, cranks, settlements, oracle moves and
//! funding, with the funding expected from the book.

use super::*;

impl Sim {
    /// A random trader places a random order (type, side, price around the oracle, size) in a
    /// random market; any refusal must be one of `EXPECTED_PLACE`.
    pub(super) async fn place_random(&mut self) {
        let r = &mut self.rng;
        let (i, m) = (r.below(4) as usize, r.below(2) as usize);
        let side = if r.chance(50) { Side::Bid } else { Side::Ask };
        let order_type = match r.below(100) {
            0..=34 => OrderType::Limit,
            35..=54 => OrderType::ImmediateOrCancel,
            55..=69 => OrderType::Market,
            _ => OrderType::PostOnly,
        };
        let offset_bps = if r.chance(5) { r.between(-700, 700) } else { r.between(-100, 100) };
        let base_lots = r.between(1, 60);
        let reduce_only = r.chance(10);
        let self_trade = if r.chance(50) { SelfTradeBehavior::CancelResting } else { SelfTradeBehavior::AbortTransaction };
        let expiry_ts = if r.chance(15) { self.now + r.between(30, 1_800) } else { 0 };
        let max_touched = if r.chance(20) { r.between(1, 16) as u8 } else { 16 };
        let price_lots = (self.oracle_lots(m) * (10_000 + offset_bps) / 10_000).max(1);
        let args = PlaceOrderArgs {
            side, order_type, price_lots, base_lots, client_order_id: self.trace.len() as u64,
            reduce_only, self_trade, expiry_ts, max_touched,
        };
        self.trace.push(format!("trader {i} m{m} {side:?} {order_type:?} {base_lots}@{price_lots} ro={reduce_only} {self_trade:?} exp={expiry_ts} max={max_touched}"));
        let premium = self.segment_premium(m, Some(self.bps[m])).await;
        let depth = self.depth(m).await;
        let outcome = self.t.place(&self.traders[i], m as u16, args).await;
        match outcome.error_code() {
            None if outcome.result.is_ok() => {
                self.reference_bps[m] = Some(self.bps[m]);
                self.start_bps[m] = Some(self.bps[m]);
                self.premiums[m].sample(self.now, premium, depth);
                self.premium_samples += usize::from(premium != 0);
                self.places_ok += 1;
                self.settle_calls += 1;
                self.record_settlements(&outcome);
            }
            Some(code) if EXPECTED_PLACE.iter().any(|e| u32::from(*e) == code) => {
                self.refused += 1;
                self.outside_band += usize::from(code == u32::from(KeelError::PriceOutsideBand));
            }
            _ => self.fail("unexpected place_order failure", Some(&outcome)),
        }
    }

    /// The premium of market `m`'s book now against the oracle at `bps`, `Fixed` raw: each
    /// side's arbitrage value — what taking each live order inside the band nets after the 5 bp
    /// taker fee, `bid · 0.9995 − oracle` and `oracle − ask · 1.0005`, best first, over the first
    /// `max(10, open interest)` lots, stopping at the first order worth nothing — bids less asks,
    /// over depth · oracle, clamped to ±1%.
    pub(super) async fn book_premium(&mut self, m: usize, bps: i64) -> i128 {
        let lots = mantissa_at(m, bps) / SPECS[m].lots_divisor;
        let (low, high) = (((lots * 9_500 + 9_999) / 10_000).max(1), lots * 10_500 / 10_000);
        let book = self.t.book(m as u16).await;
        let depth = self.depth(m).await;
        // The oracle in quote lots per base lot, `Fixed` raw, times 10 000.
        let oracle = oracle_per_lot_raw(m, bps) / SPECS[m].quote_lot as i128 * 10_000;
        let value = |side: Side, net: fn(i128, i128) -> i128| {
            let (mut left, mut sum) = (depth, 0i128);
            for o in book.side(side).iter().rev().filter(|o| !o.is_expired(self.now) && (low..=high).contains(&o.price_lots)) {
                let excess = net(o.price_lots as i128 * FIXED_SCALE, oracle);
                if excess <= 0 || left == 0 {
                    break;
                }
                let counted = o.base_lots.min(left);
                sum += excess * counted as i128;
                left -= counted;
            }
            sum
        };
        let bids = value(Side::Bid, |price, oracle| price * 9_995 - oracle);
        let asks = value(Side::Ask, |price, oracle| oracle - price * 10_005);
        let scale = Fixed::from_raw(oracle).mul_int(depth).expect("scale");
        let premium = Fixed::from_raw(bids - asks).div(scale, Rounding::Down).expect("premium").raw();
        premium.clamp(-MAX_PREMIUM_RAW, MAX_PREMIUM_RAW)
    }

    /// The depth market `m`'s premium is read over now: its worst-case open interest, at least
    /// the markets' `funding_impact_lots` (10).
    pub(super) async fn depth(&mut self, m: usize) -> i64 {
        self.t.market(m as u16).await.worst_open_interest().max(10)
    }

    /// The premium of the segment since the last sample, as the program counts it: the book
    /// against the oracle at the segment's start and at `end_bps` (the last valid price now).
    pub(super) async fn segment_premium(&mut self, m: usize, end_bps: Option<i64>) -> i128 {
        let start = match self.start_bps[m] {
            Some(bps) => Some(self.book_premium(m, bps).await),
            None => None,
        };
        let end = match end_bps {
            Some(bps) => Some(self.book_premium(m, bps).await),
            None => None,
        };
        conservative_raw(start, end)
    }

    /// A random trader cancels one of its orders in a random market, or all of them.
    pub(super) async fn cancel_random(&mut self) {
        let (i, m) = (self.rng.below(4) as usize, self.rng.below(2) as u16);
        let account = self.t.margin_account(&self.traders[i].account).await;
        let ids: Vec<u64> = account.orders.iter().filter(|o| o.is_in_use() && o.market_index == m).map(|o| o.id()).collect();
        let target = if ids.is_empty() || self.rng.chance(40) {
            CancelTarget::All
        } else {
            CancelTarget::OrderId(ids[self.rng.below(ids.len() as u64) as usize])
        };
        self.trace.push(format!("cancel trader {i} m{m} {target:?}"));
        // The client passes the exchange and oracle: a cancel samples against the price now
        // (always valid here: every advance republishes).
        let premium = self.segment_premium(m as usize, Some(self.bps[m as usize])).await;
        let depth = self.depth(m as usize).await;
        let outcome = self.t.cancel(&self.traders[i], m, target).await;
        if outcome.result.is_ok() {
            if self.t.market(m).await.last_oracle_ts != self.now {
                self.fail("a cancel passing the oracle did not read it", Some(&outcome));
            }
            self.reference_bps[m as usize] = Some(self.bps[m as usize]);
            self.start_bps[m as usize] = Some(self.bps[m as usize]);
            self.premiums[m as usize].sample(self.now, premium, depth);
            self.premium_samples += usize::from(premium != 0);
        }
        // An order whose last lots traded is off the book while its fill is queued.
        if outcome.result.is_err() && outcome.error_code() != Some(KeelError::OrderNotFound.into()) {
            self.fail("unexpected cancel_order failure", Some(&outcome));
        }
    }

    /// Applies every queued event of market `m`, recording the funding settled on the way.
    pub(super) async fn crank(&mut self, m: usize) {
        let keys = self.t.markets[m].keys;
        loop {
            let queue = self.t.fill_queue(m as u16).await;
            if queue.count == 0 {
                break;
            }
            let makers = mix::queued_accounts(&queue, 8);
            let outcome = self.t.send(&[mix::consume_fills(&keys, &makers, 8)], &[]).await;
            if outcome.result.is_err() {
                self.fail("unexpected consume_fills failure", Some(&outcome));
            }
            let applied = events_of::<MakerFillApplied>(&outcome.logs).len();
            self.fills_applied += applied;
            // Each applied fill rounds twice: the maker's position before it, and its own lots
            // since the match.
            self.settle_calls += 2 * applied;
            self.record_settlements(&outcome);
            assert!(self.t.fill_queue(m as u16).await.count < queue.count, "seed {}: consume_fills made no progress", self.seed);
        }
        self.t.assert_conserved().await;
    }

    /// `settle_pnl` of a random trader in a random market: refused only when the trader holds
    /// no slot there or the market's oracle is stale while a loss would be booked.
    pub(super) async fn settle_random(&mut self) {
        let (i, m) = (self.rng.below(4) as usize, self.rng.below(2) as usize);
        self.trace.push(format!("settle_pnl t{i} m{m}"));
        let account = self.traders[i].account;
        let recorded_before = self.t.market(m as u16).await.last_oracle_ts;
        let outcome = self.t.settle_pnl(m as u16, &account).await;
        if self.t.market(m as u16).await.last_oracle_ts != recorded_before {
            // Booking a loss read the oracle: the market's last valid price is now's.
            self.reference_bps[m] = Some(self.bps[m]);
        }
        match outcome.error_code() {
            None if outcome.result.is_ok() => {
                self.settle_calls += 1;
                self.record_settlements(&outcome);
            }
            Some(code) if [KeelError::NoPositionInMarket, KeelError::OracleStale].iter().any(|e| u32::from(*e) == code) => {}
            _ => self.fail("unexpected settle_pnl failure", Some(&outcome)),
        }
    }

    /// A random market's oracle moves by up to 1.2 %, kept within ±3 % of 100.
    pub(super) async fn move_oracle(&mut self) {
        let m = self.rng.below(2) as usize;
        self.bps[m] = (self.bps[m] + self.rng.between(-120, 120)).clamp(-300, 300);
        self.trace.push(format!("oracle m{m} → {} bps", self.bps[m]));
        self.publish(m);
    }

    /// Time passes (prices republished), then funding is updated in both markets — with fills
    /// possibly still queued: their makers owe the funding from the match on, which the crank
    /// settles from the index each fill event carries.
    pub(super) async fn advance_and_fund(&mut self) {
        self.advance(3_600).await;
        self.trace.push("update_funding".to_string());
        for m in 0..2 {
            let expected = self.expected_funding(m).await;
            let outcome = self.t.update_funding(m as u16).await;
            if outcome.result.is_err() {
                self.fail("unexpected update_funding failure", Some(&outcome));
            }
            let events = events_of::<FundingUpdated>(&outcome.logs);
            let got = events.first().map(|e| (e.book_price, e.oracle_price, e.rate_bps, e.elapsed_secs));
            if got != Some(expected) {
                self.fail(&format!("market {m}: FundingUpdated (book, oracle, rate bps, secs) {got:?}, expected {expected:?}"), Some(&outcome));
            }
        }
        self.t.assert_conserved().await;
    }

    /// Time passes by up to `max_secs` (prices republished).
    pub(super) async fn advance(&mut self, max_secs: i64) {
        let dt = self.rng.between(30, max_secs);
        self.now += dt;
        self.trace.push(format!("advance {dt} s"));
        self.t.set_time(self.now).await;
        for m in 0..2 {
            self.publish(m);
        }
    }

    /// What `update_funding` of market `m` must report now, as `(book_price, oracle_price,
    /// rate_bps, elapsed_secs)`: the band around the oracle `L` lots is ⌈0.95·L⌉..=⌊1.05·L⌋ (L is
    /// a whole number of lots here); the book price is `oracle · (1 + premium)` of the book
    /// now; the rate is the time-weighted premium since the last update, in bps rounded down,
    /// within ±100.
    pub(super) async fn expected_funding(&mut self, m: usize) -> (i128, i128, i64, i64) {
        let now_premium = self.book_premium(m, self.bps[m]).await;
        let oracle = oracle_per_lot_raw(m, self.bps[m]);
        match now_premium {
            0 => self.flat_updates += 1,
            _ => self.premium_updates += 1,
        }
        let book_price = oracle + Fixed::from_raw(oracle).mul_down(Fixed::from_raw(now_premium)).expect("book price").raw();
        let segment = self.segment_premium(m, Some(self.bps[m])).await;
        self.reference_bps[m] = Some(self.bps[m]);
        self.start_bps[m] = Some(self.bps[m]);
        let depth = self.depth(m).await;
        let (rate_bps, elapsed) = self.premiums[m].update(self.now, segment, depth);
        (book_price, oracle, rate_bps, elapsed.min(3_600))
    }

    /// One random move, then conservation and the open-interest check.
    pub(super) async fn step(&mut self) {
        match self.rng.below(100) {
            0..=64 => self.place_random().await,
            65..=71 => self.cancel_random().await,
            72..=79 => {
                let m = self.rng.below(2) as usize;
                self.trace.push(format!("crank m{m}"));
                self.crank(m).await;
            }
            80..=88 => self.move_oracle().await,
            89..=92 => self.advance(900).await,
            93..=96 => self.settle_random().await,
            _ => self.advance_and_fund().await,
        }
        self.t.assert_conserved().await;
        self.check_open_interest().await;
        for m in 0..2u16 {
            if self.t.market(m).await.pnl_owed > 0 {
                self.owed_steps += 1;
                break;
            }
        }
    }
}
