//! A delegate's orders held to the limits its owner set (see `set_delegate`): every fill
//! within the slippage of the oracle, and the cost of its orders within the loss limit.

use crate::error::KeelError;
use crate::instructions::markets::matching::{MatchOutcome, TakerOrder};
use crate::instructions::markets::price_band::PriceBand;
use crate::instructions::markets::OrderType;
use crate::math::{Fixed, Rounding};
use crate::state::{DelegateLimits, PerpMarket, Side};
use anchor_lang::prelude::*;

/// Narrows a delegate's `order` to its slippage: the taker limit is clamped to
/// `oracle · (1 ± slippage)`, a resting price outside it is refused, and the resting part
/// carries the slippage as its own fill band (it is removed, unfilled, once the oracle has
/// moved away from it).
pub fn restrict(
    limits: &DelegateLimits,
    order: &mut TakerOrder,
    market: &PerpMarket,
) -> Result<()> {
    let slippage = PriceBand::around(market, order.oracle, limits.max_slippage_bps)?;
    order.match_limit = slippage.clamp(order.side, order.match_limit);
    if matches!(order.order_type, OrderType::Limit | OrderType::PostOnly) {
        crate::check!(
            slippage.contains(order.rest_price),
            KeelError::DelegateSlippageExceeded,
            "delegate: order price {} lots, allowed {}..={} lots ({} bps of the oracle)",
            order.rest_price,
            slippage.low,
            slippage.high,
            limits.max_slippage_bps
        );
    }
    order.fill_band_bps = limits.max_slippage_bps;
    Ok(())
}

/// The most a delegate's order can cost the account, quote native (rounded up): what its fills
/// paid beyond the oracle value (bids) or received below it (asks), plus taker fees, plus for
/// a resting part the most its fill can cost — `notional · s / (1 − s)`, since it fills only
/// while the oracle is within `s` of its price. Price improvement lowers the cost, never
/// below zero.
pub fn order_cost(
    order: &TakerOrder,
    outcome: &MatchOutcome,
    market: &PerpMarket,
    slippage_bps: u16,
) -> Result<u64> {
    let filled_base = Fixed::from_i64(
        outcome
            .filled_lots
            .checked_mul(market.base_lot_size)
            .ok_or(KeelError::MathOverflow)?,
    );
    let slip = match order.side {
        Side::Bid => outcome
            .filled_notional
            .checked_sub(order.oracle.mul_down(filled_base)?.to_i64(Rounding::Down)?),
        Side::Ask => order
            .oracle
            .mul_up(filled_base)?
            .to_i64(Rounding::Up)?
            .checked_sub(outcome.filled_notional),
    }
    .ok_or(KeelError::MathOverflow)?;
    let resting = Fixed::from_i64(market.notional(outcome.rested_lots, order.rest_price)?);
    let s = Fixed::from_bps(slippage_bps as u32);
    let resting_cost = resting
        .mul_up(s.div(Fixed::ONE.sub(s)?, Rounding::Up)?)?
        .to_i64(Rounding::Up)?;
    let cost = slip
        .checked_add(outcome.taker_fees)
        .and_then(|c| c.checked_add(resting_cost))
        .ok_or(KeelError::MathOverflow)?;
    Ok(cost.max(0) as u64)
}
