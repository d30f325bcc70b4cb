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

/// Sets `delegate` on `owner`'s account with `slippage_bps` and `loss_limit` per day.
pub async fn set_delegate(t: &mut TestContext, owner: &Trader, delegate: &Pubkey, slippage_bps: u16, loss_limit: u64) {
    use solana_signer::Signer;
    let args = keel::SetDelegateArgs { delegate: *delegate, max_slippage_bps: slippage_bps, loss_limit, period_secs: 86_400 };
    let ix = keel_client::instructions::set_delegate(&owner.owner.pubkey(), &owner.account, args);
    t.send(&[ix], &[&owner.owner]).await.assert_ok();
}

/// Zeroes the market's `funding_impact_lots`, as a market listed before the field existed
/// reads it: the field took 8 of the `reserved` bytes (zero) and `PERP_MARKET_VERSION` stayed 1,
/// so nothing tells such an account apart or migrates it.
pub async fn as_listed_before_the_parameter(t: &mut TestContext, m: u16) {
    let key = t.markets[m as usize].keys.market;
    let mut account = t.ctx.banks_client.get_account(key).await.expect("get_account").expect("market exists");
    let at = 8 + core::mem::offset_of!(keel::state::PerpMarket, funding_impact_lots);
    account.data[at..at + 8].copy_from_slice(&0i64.to_le_bytes());
    t.set_account(&key, account);
    let market = t.market(m).await;
    assert_eq!((market.funding_impact_lots, market.version), (0, 1));
}
