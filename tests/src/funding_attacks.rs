//! The small steps the funding attack tests share (`test_funding_attacks*`): SOL-PERP at
//! 100 USD, where 1 000 000 price lots is the oracle and one lot is 1 USDC.

use crate::context::TestContext;
use crate::markets::order;
use crate::oracles::PriceSpec;
use crate::traders::Trader;
use anchor_lang::prelude::Pubkey;
use keel::instructions::markets::{OrderType, PlaceOrderArgs};
use keel::math::FIXED_SCALE;
use keel::state::Side;
use keel_client::cranks::{funding_due, DEFAULT_FUNDING_SAMPLE_SECS};

/// 1% over the oracle at 100 USD, price lots.
pub const PLUS_1PCT: i64 = 1_010_000;

/// A post-only order.
pub fn post_only(side: Side, price_lots: i64, base_lots: i64) -> PlaceOrderArgs {
    order(OrderType::PostOnly, side, price_lots, base_lots)
}

/// An immediate-or-cancel order.
pub fn ioc(side: Side, price_lots: i64, base_lots: i64) -> PlaceOrderArgs {
    order(OrderType::ImmediateOrCancel, side, price_lots, base_lots)
}

/// Moves the clock to `time` and republishes market `m`'s oracle at `cents` US cents there.
pub async fn advance_to(t: &mut TestContext, m: u16, time: i64, cents: i64) {
    t.set_time(time).await;
    t.set_market_price(m, PriceSpec::new(cents * 1_000_000, 0, -8, time));
}

/// `long` buys `lots` at the oracle from `short`'s resting ask; fills applied.
pub async fn open(t: &mut TestContext, m: u16, long: &Trader, short: &Trader, lots: i64) {
    t.place(short, m, post_only(Side::Ask, 1_000_000, lots)).await.assert_ok();
    t.place(long, m, ioc(Side::Bid, 1_000_000, lots)).await.assert_ok();
    t.crank(m).await;
}

/// Market `m`'s funding index per lot, quote native (as f64 for printing and bounds).
pub async fn index_per_lot(t: &mut TestContext, m: u16) -> f64 {
    t.market(m).await.funding_index().raw() as f64 / FIXED_SCALE as f64
}

/// `account`'s equity at oracle prices now, quote native.
pub async fn equity(t: &mut TestContext, account: &Pubkey) -> i64 {
    let now = t.now().await;
    t.equity(account, now).await
}

/// Runs the keeper's funding crank (`keel_client::cranks::funding_due` at its default
/// cadence, as `app/keeper/src/cranks.rs` does) at the current time if it is due; returns
/// whether it ran.
pub async fn keeper_tick(t: &mut TestContext, m: u16) -> bool {
    keeper_tick_every(t, m, DEFAULT_FUNDING_SAMPLE_SECS).await
}

/// [`keeper_tick`] for a keeper run with `--funding-sample-secs sample_secs`.
pub async fn keeper_tick_every(t: &mut TestContext, m: u16, sample_secs: u64) -> bool {
    let now = t.now().await;
    let due = funding_due(&t.market(m).await, now, sample_secs);
    if due {
        t.update_funding(m).await.assert_ok();
    }
    due
}
