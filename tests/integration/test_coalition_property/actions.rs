//! The coalition simulation's moves: orders, wash trades, delegate round trips, price moves,
//! time and funding cranks, the keeper and settlement.

use super::*;

impl Sim {
    /// Places `args` for `trader` (signed by `signer`), accepting any program refusal: the
    /// coalition tries everything; the invariants judge what went through.
    pub(super) async fn try_place(&mut self, trader: &Trader, args: PlaceOrderArgs, signer: Option<&Trader>) {
        let signer = signer.unwrap_or(trader).owner.insecure_clone();
        let outcome = self
            .t
            .place_signed(trader, self.market, args, &signer)
            .await;
        if let Err(error) = &outcome.result {
            assert!(
                outcome.error_code().is_some_and(|c| c >= 6000),
                "not a program refusal: {error:?}"
            );
        }
    }

    /// One coalition member rests at a band edge, another takes it with a market order.
    pub(super) async fn wash_at_band_edge(&mut self) {
        let (low, high) = self.band();
        let maker = self.rng.below(3) as usize;
        let taker = (maker + 1 + self.rng.below(2) as usize) % 3;
        let side = if self.rng.chance(50) {
            Side::Bid
        } else {
            Side::Ask
        };
        let price = if side == Side::Bid { high } else { low };
        let lots = self.rng.between(200, 5_000);
        let (m, tk) = (
            self.coalition[maker].handle(),
            self.coalition[taker].handle(),
        );
        self.try_place(&m, limit(side, price, lots), None).await;
        let mut take = order(OrderType::Market, side.opposite(), 0, lots);
        if self.rng.chance(50) {
            take = take.reduce_only();
        }
        self.try_place(&tk, take, None).await;
    }

    /// The delegate trades the victim's account against an order of Y's priced against the
    /// victim: from the oracle (inside the delegate's slippage) out to the band edge.
    pub(super) async fn delegate_round_trip(&mut self) {
        let side = if self.rng.chance(50) {
            Side::Bid
        } else {
            Side::Ask
        };
        let offset = self.price_lots() * self.rng.between(0, 500) / 10_000;
        // Y buys below the oracle or sells above it: the victim pays the offset.
        let price = if side == Side::Bid {
            self.price_lots() - offset
        } else {
            self.price_lots() + offset
        };
        let lots = self.rng.between(10, 200);
        let (y, victim) = (self.coalition[2].handle(), self.victim.handle());
        self.try_place(&y, limit(side, price, lots), None).await;
        let before = self
            .t
            .margin_account(&victim.account)
            .await
            .delegate_limits
            .period_loss;
        let kind = if self.rng.chance(50) {
            OrderType::Market
        } else {
            OrderType::Limit
        };
        self.try_place(&victim, order(kind, side.opposite(), price, lots), Some(&y))
            .await;
        let after = self
            .t
            .margin_account(&victim.account)
            .await
            .delegate_limits
            .period_loss;
        self.delegate_charged += after.saturating_sub(before);
    }

    /// Honest traders quote near the oracle and trade with each other, then cancel the rest.
    pub(super) async fn honest_trade(&mut self) {
        let maker = self.rng.below(self.honest.len() as u64) as usize;
        let taker = (maker + 1) % self.honest.len();
        let side = if self.rng.chance(50) {
            Side::Bid
        } else {
            Side::Ask
        };
        let offset = self.price_lots() * self.rng.between(0, 50) / 10_000;
        let price = if side == Side::Bid {
            self.price_lots() - offset
        } else {
            self.price_lots() + offset
        };
        let lots = self.rng.between(20, 300);
        let (m, tk) = (self.honest[maker].handle(), self.honest[taker].handle());
        self.try_place(&m, limit(side, price, lots), None).await;
        self.try_place(
            &tk,
            order(OrderType::ImmediateOrCancel, side.opposite(), price, lots),
            None,
        )
        .await;
        self.t
            .cancel(
                &m,
                self.market,
                keel::instructions::markets::CancelTarget::All,
            )
            .await;
    }

    /// Moves the oracle up to ±3%, or by ±4% for a `shock` (still less than the 5% maint
    /// margin: an account at Maint ≥ 0 keeps equity ≥ 0).
    pub(super) async fn move_price(&mut self, shock: bool) {
        let net = self.net_coalition_lots().await;
        let bps = match shock {
            true if self.rng.chance(50) => 400,
            true => -400,
            false => self.rng.between(-300, 300),
        };
        let cents = (self.cents * (10_000 + bps) / 10_000).max(1_000);
        // quote native per lot = cents · 100
        self.exposure_pnl += net * (cents - self.cents) * 100;
        self.cents = cents;
        let now = self.t.now().await;
        self.t.set_market_price(
            self.market,
            PriceSpec::new(self.cents * 1_000_000, 0, -8, now),
        );
        self.set_dust_feed(false, now);
    }

    /// Cancels every resting order of the coalition and the victim, leaves X1's funding pin
    /// (see [`Sim::pin_funding`]) on the book, then lets `secs` pass (the oracle republished
    /// at the same price).
    pub(super) async fn pass_time(&mut self, secs: i64) {
        let traders: Vec<_> = self
            .coalition
            .iter()
            .chain(std::iter::once(&self.victim))
            .map(Trader::handle)
            .collect();
        for trader in traders {
            self.t.cancel(&trader, self.market, CancelTarget::All).await;
        }
        self.t.crank(self.market).await;
        self.pin_funding().await;
        let now = self.t.now().await + secs;
        self.t.set_time(now).await;
        self.t.set_market_price(
            self.market,
            PriceSpec::new(self.cents * 1_000_000, 0, -8, now),
        );
        self.set_dust_feed(false, now);
    }

    /// X1's free quotes, in the coalition's favour (a net-long coalition wants the premium
    /// negative, a net-short one positive): 9 lots one tick across the oracle (less than the
    /// impact depth) and 10 lots on their own side at the band edge (nobody trades against
    /// either at a profit). Under the mid-of-best premium they paid the 1% cap for as long as
    /// they stood.
    pub(super) async fn pin_funding(&mut self) {
        let (low, high) = self.band();
        let oracle = self.price_lots();
        let x1 = self.coalition[0].handle();
        let (thin, deep) = if self.net_coalition_lots().await < 0 {
            (order(OrderType::PostOnly, Side::Bid, oracle + 1, 9), order(OrderType::PostOnly, Side::Ask, high, 10))
        } else {
            (order(OrderType::PostOnly, Side::Ask, oracle - 1, 9), order(OrderType::PostOnly, Side::Bid, low, 10))
        };
        self.try_place(&x1, deep, None).await;
        self.try_place(&x1, thin, None).await;
    }

    /// X1 quotes a one-lot bid and ask at the band edge that makes others pay the coalition's
    /// net position, cranks funding and cancels, in one transaction: a premium of ±5% for the
    /// crank, standing zero seconds.
    pub(super) async fn crank_funding_around_own_quotes(&mut self) {
        let (low, high) = self.band();
        let x1 = self.coalition[0].handle();
        let keys = self.t.markets[self.market as usize].keys;
        let metas = self.t.trade_metas(&x1.account, self.market).await;
        let signer = x1.owner.pubkey();
        // The attacker's side: a net-long coalition wants the premium negative (shorts pay
        // longs), a net-short one positive.
        let net = self.net_coalition_lots().await;
        let (bid, ask) = if net < 0 {
            (high - 1, high)
        } else {
            (low, low + 1)
        };
        let ixs = [
            mix::place_order(
                &signer,
                &x1.account,
                &keys,
                order(OrderType::PostOnly, Side::Bid, bid, 1),
                metas.clone(),
            ),
            mix::place_order(
                &signer,
                &x1.account,
                &keys,
                order(OrderType::PostOnly, Side::Ask, ask, 1),
                metas,
            ),
            mix::update_funding(&keys),
            mix::cancel_order(&signer, &x1.account, &keys, CancelTarget::All),
        ];
        let index_before = self.t.market(self.market).await.funding_index();
        let outcome = self.t.send(&ixs, &[&x1.owner]).await;
        self.t.assert_conserved().await;
        match &outcome.result {
            Ok(_) => {
                // Nothing stood on the book while time passed: the honest premium is zero, and
                // quotes that stood zero seconds must not move the index.
                let index_after = self.t.market(self.market).await.funding_index();
                assert_eq!(
                    index_after, index_before,
                    "funding moved by quotes that stood 0 s"
                );
                self.funding_cranks += 1;
            }
            Err(error) => assert!(
                outcome.error_code().is_some_and(|c| c >= 6000),
                "not a program refusal: {error:?}"
            ),
        }
    }

    /// The dust asset's feed: a confidence of 10% (its guard allows 2%) while `failing`.
    pub(super) fn set_dust_feed(&mut self, failing: bool, now: i64) {
        let conf = if failing { 20_000_000_000 } else { 0 };
        let spec = PriceSpec::new(200_000_000_000, conf, -8, now);
        self.t
            .set_pull_price(self.dust, spec, VerificationLevel::Full);
    }

    /// The keeper, while the dust feed fails: a deposit opening a dust balance is refused, and
    /// every account is liquidated to LiquidationEnd — the program decides; only "not
    /// liquidatable" and "liquidation ended" may refuse a step, never the failing feed.
    pub(super) async fn keep(&mut self) {
        let now = self.t.now().await;
        self.set_dust_feed(true, now);
        let x2 = self.coalition[1].handle();
        let refused = self.t.deposit(&x2, self.dust, 1).await;
        assert!(
            refused.result.is_err(),
            "a deposit opened a balance of an asset whose feed fails"
        );
        let keeper = self.keeper.handle();
        for account in self.all_accounts() {
            for _ in 0..20 {
                let margin = self.t.margin_account(&account).await;
                let position = margin.perp(self.market).map_or(0, |p| p.base_lots);
                if position == 0 {
                    break;
                }
                let outcome = if margin.orders.iter().any(|o| o.is_in_use()) {
                    let outcome = self.t.liquidation_cancel(&account, self.market).await;
                    self.t.crank(self.market).await;
                    outcome
                } else {
                    self.t
                        .liquidate_perp(&keeper, &account, self.market, position.abs())
                        .await
                };
                if outcome.result.is_err() {
                    let done = [KeelError::NotLiquidatable, KeelError::LiquidationEndReached]
                        .iter()
                        .any(|e| outcome.error_code() == Some(6000 + *e as u32));
                    assert!(
                        done,
                        "a liquidation was refused: {:?}\n{}",
                        outcome.result,
                        outcome.logs.join("\n")
                    );
                    break;
                }
                self.liquidations += 1;
            }
        }
        self.set_dust_feed(false, now);
    }

    /// The coalition cranks `settle_pnl` on every account, its own first (booking losers'
    /// unrealised losses into the pool while gains are owed, paying winners out of it).
    pub(super) async fn settle_everyone(&mut self) {
        for account in self.all_accounts() {
            let outcome = self.t.settle_pnl(self.market, &account).await;
            if outcome.result.is_err() {
                let expected = [KeelError::NoPositionInMarket, KeelError::OracleStale]
                    .iter()
                    .any(|e| outcome.error_code() == Some(6000 + *e as u32));
                assert!(expected, "settle_pnl was refused: {:?}\n{}", outcome.result, outcome.logs.join("\n"));
            }
        }
    }
}
