//! Matching a taker order against the book: price-time priority within the price band,
//! self-trade prevention, expired orders swept, fills queued for makers, and the remainder
//! posted when the order type rests.

use crate::error::KeelError;
use crate::events::{emit_event, OrderFilled};
use crate::instructions::markets::order_flow::{realise, release_order, Release};
use crate::instructions::markets::price_band::PriceBand;
use crate::instructions::markets::{OrderType, SelfTradeBehavior};
use crate::math::{Fixed, BPS_PER_UNIT};
use crate::state::{
    BookOrder, CollateralAsset, FillEvent, FillEventKind, FillQueue, MarginAccount, OpenOrder, OrderBook, OutReason, PerpMarket, Side,
};
use anchor_lang::prelude::*;

/// A validated taker order.
#[derive(Clone, Copy, Debug)]
pub struct TakerOrder {
    /// Side.
    pub side: Side,
    /// Type.
    pub order_type: OrderType,
    /// Worst price the order trades at (already clamped into the band), quote lots per base lot.
    pub match_limit: i64,
    /// Price the remainder rests at.
    pub rest_price: i64,
    /// Size, base lots.
    pub base_lots: i64,
    /// The trader's id.
    pub client_order_id: u64,
    /// What to do on meeting one's own resting order.
    pub self_trade: SelfTradeBehavior,
    /// Expiry of the resting part (0 = none).
    pub expiry_ts: i64,
    /// Most book orders the order may touch (fills, expired or out-of-band orders swept, own
    /// orders cancelled).
    pub max_touched: u8,
    /// The price band around the oracle now: every fill's price lies inside it.
    pub band: PriceBand,
    /// The oracle price now, quote native per base native.
    pub oracle: Fixed,
    /// The resting part's own fill band, bps (a delegate's slippage; 0 = the market's band).
    pub fill_band_bps: u16,
}

/// What matching did.
#[derive(Clone, Copy, Debug, Default)]
pub struct MatchOutcome {
    /// Base lots filled.
    pub filled_lots: i64,
    /// Base lots posted to the book.
    pub rested_lots: i64,
    /// Book id of the posted part.
    pub order_id: u64,
    /// Quote native paid (bids) or received (asks) for the filled lots, before fees.
    pub filled_notional: i64,
    /// Taker fees paid, quote native.
    pub taker_fees: i64,
}

/// The market's mutable state during matching.
pub struct MarketState<'a> {
    /// The market.
    pub market: &'a mut PerpMarket,
    /// Its book.
    pub book: &'a mut OrderBook,
    /// Its fill queue.
    pub queue: &'a mut FillQueue,
}

/// The taker during matching.
pub struct TakerAccount<'a> {
    /// The taker's margin account.
    pub account: &'a mut MarginAccount,
    /// Its address.
    pub key: Pubkey,
    /// The quote asset, whose bank its realised PnL and fees settle through.
    pub quote: &'a mut CollateralAsset,
}

/// `notional · bps / 10_000`, rounded towards positive infinity (fees up, rebates down).
pub fn fee(notional: i64, bps: i64) -> Result<i64> {
    let scaled = (notional as i128).checked_mul(bps as i128).ok_or(KeelError::MathOverflow)?;
    let d = BPS_PER_UNIT as i128;
    let q = scaled.div_euclid(d) + i128::from(scaled.rem_euclid(d) != 0);
    i64::try_from(q).map_err(|_| KeelError::MathOverflow.into())
}

/// Matches `order` for the taker, then posts the remainder if the type rests.
pub fn execute(order: &TakerOrder, m: &mut MarketState, taker: &mut TakerAccount, now: i64) -> Result<MatchOutcome> {
    let mut outcome = MatchOutcome::default();
    let mut remaining = order.base_lots;
    let opposite = order.side.opposite();
    let mut touched = 0u8;
    while remaining > 0 && touched < order.max_touched {
        let Some(best) = m.book.best(opposite).copied() else { break };
        if best.is_expired(now) {
            m.book.pop_best(opposite);
            touched += 1;
            remove_from_book(&best, opposite, OutReason::Expired, m, taker)?;
            continue;
        }
        if !order.side.accepts(best.price_lots, order.match_limit) {
            break;
        }
        // A resting order the oracle has left behind is removed, never filled: its owner
        // would trade at a price the band (or its own fill band) no longer allows.
        if !order.band.fills(&best)? {
            m.book.pop_best(opposite);
            touched += 1;
            remove_from_book(&best, opposite, OutReason::OutsideBand, m, taker)?;
            continue;
        }
        crate::check!(order.order_type != OrderType::PostOnly, KeelError::PostOnlyWouldCross);
        touched += 1;
        if best.owner == taker.key {
            crate::check!(order.self_trade == SelfTradeBehavior::CancelResting, KeelError::SelfTradeRefused);
            m.book.pop_best(opposite);
            remove_from_book(&best, opposite, OutReason::SelfTrade, m, taker)?;
            continue;
        }
        let lots = remaining.min(best.base_lots);
        let (notional, taker_fee) = fill(order.side, &best, lots, m, taker, now)?;
        outcome.filled_notional = outcome.filled_notional.checked_add(notional).ok_or(KeelError::MathOverflow)?;
        outcome.taker_fees = outcome.taker_fees.checked_add(taker_fee).ok_or(KeelError::MathOverflow)?;
        if lots == best.base_lots {
            m.book.pop_best(opposite);
        } else if let Some(resting) = m.book.best_mut(opposite) {
            resting.base_lots -= lots;
        }
        remaining -= lots;
        outcome.filled_lots += lots;
    }
    // A remainder left by the touch limit while the book still crosses it is dropped: resting
    // it would cross the book.
    let crosses = m.book.best(opposite).is_some_and(|best| order.side.accepts(best.price_lots, order.rest_price));
    crate::check!(!(crosses && order.order_type == OrderType::PostOnly), KeelError::PostOnlyWouldCross);
    if remaining > 0 && !crosses && matches!(order.order_type, OrderType::Limit | OrderType::PostOnly) {
        outcome.order_id = post(order, remaining, m, taker)?;
        outcome.rested_lots = remaining;
    }
    Ok(outcome)
}

/// Trades `lots` of the taker's order with the resting `maker` order: settles the taker,
/// books fees and open interest, and queues the maker's side. Returns the fill's notional
/// and the taker fee, quote native.
fn fill(side: Side, maker: &BookOrder, lots: i64, m: &mut MarketState, taker: &mut TakerAccount, now: i64) -> Result<(i64, i64)> {
    let market = &mut *m.market;
    let notional = market.notional(lots, maker.price_lots)?;
    let taker_fee = fee(notional, market.taker_fee_bps as i64)?;
    let maker_fee = fee(notional, market.maker_fee_bps as i64)?;
    let net_fees = taker_fee.checked_add(maker_fee).ok_or(KeelError::MathOverflow)?;
    let insurance_share = (net_fees as i128 * market.insurance_fee_share_bps as i128 / BPS_PER_UNIT as i128) as i64;

    let open_interest_before = market.worst_open_interest();
    let position = taker.account.perp_mut(market.index).ok_or(KeelError::FillAccountMismatch)?;
    let old_base = position.base_lots;
    let realized = position.apply_fill(side, lots, notional)?;
    let new_base = position.base_lots;
    market.record_position_change(old_base, new_base)?;
    let pending = match side {
        Side::Bid => &mut market.pending_ask_lots,
        Side::Ask => &mut market.pending_bid_lots,
    };
    *pending = pending.checked_add(lots).ok_or(KeelError::MathOverflow)?;
    let open_interest_after = market.worst_open_interest();
    crate::check!(
        open_interest_after <= market.open_interest_cap_lots || open_interest_after <= open_interest_before,
        KeelError::OpenInterestCapExceeded,
        "open interest would be {} lots (cap {})",
        open_interest_after,
        market.open_interest_cap_lots
    );

    let taker_fee_debit = taker_fee.checked_neg().ok_or(KeelError::MathOverflow)?;
    let quote_after = realise(taker.account, &taker.key, market, taker.quote, realized, taker_fee_debit)?;
    market.fees_accrued = market
        .fees_accrued
        .checked_add(taker_fee - insurance_share)
        .ok_or(KeelError::MathOverflow)?;
    // The fund's share goes straight into its claim, so a bankruptcy never socialises a loss
    // while the fund's money still sits in a market.
    let share = u64::try_from(insurance_share).map_err(|_| KeelError::MathOverflow)?;
    taker.quote.bank.insurance_claim = taker.quote.bank.insurance_claim.checked_add(share).ok_or(KeelError::MathOverflow)?;
    market.insurance_fees_booked = market.insurance_fees_booked.checked_add(insurance_share).ok_or(KeelError::MathOverflow)?;

    let fill_seq = m
        .queue
        .push(FillEvent {
            kind: FillEventKind::Fill as u8,
            maker_side: side.opposite().as_u8(),
            maker_slot: maker.owner_slot,
            maker_out: u8::from(lots == maker.base_lots),
            maker: maker.owner,
            taker: taker.key,
            maker_order_id: maker.order_id,
            maker_client_order_id: maker.client_order_id,
            price_lots: maker.price_lots,
            base_lots: lots,
            maker_fee_native: maker_fee,
            timestamp: now,
            funding_index: market.funding_index().raw().to_le_bytes(),
            ..FillEvent::default()
        })
        .map_err(|_| KeelError::FillQueueFull)?;
    emit_event(&OrderFilled {
        market_index: market.index,
        taker: taker.key,
        maker: maker.owner,
        taker_side: side.as_u8(),
        maker_order_id: maker.order_id,
        price_lots: maker.price_lots,
        base_lots: lots,
        notional,
        taker_fee,
        maker_fee,
        insurance_share,
        taker_realized_pnl: realized,
        taker_position_after: new_base,
        taker_quote_balance_after: quote_after,
        fill_seq,
        market_seq: market.next_seq(),
    });
    Ok((notional, taker_fee))
}

/// An order taken off the book without trading: released at once when it is the taker's own,
/// otherwise queued as an `Out` event for its owner.
fn remove_from_book(order: &BookOrder, side: Side, reason: OutReason, m: &mut MarketState, taker: &mut TakerAccount) -> Result<()> {
    if order.owner == taker.key {
        let release = Release { slot: order.owner_slot, order_id: order.order_id, side, price_lots: order.price_lots, base_lots: order.base_lots };
        return release_order(taker.account, &taker.key, m.market, &release, Some(reason));
    }
    m.queue
        .push(FillEvent {
            kind: FillEventKind::Out as u8,
            maker_side: side.as_u8(),
            maker_slot: order.owner_slot,
            maker_out: 1,
            out_reason: reason as u8,
            maker: order.owner,
            maker_order_id: order.order_id,
            maker_client_order_id: order.client_order_id,
            price_lots: order.price_lots,
            base_lots: order.base_lots,
            ..FillEvent::default()
        })
        .map(|_| ())
        .map_err(|_| KeelError::FillQueueFull.into())
}

/// Posts `lots` of `order` to the book, reserving its margin on the taker's position.
fn post(order: &TakerOrder, lots: i64, m: &mut MarketState, taker: &mut TakerAccount) -> Result<u64> {
    let slot = taker.account.free_order_slot()?;
    let order_id = m.book.take_order_id();
    let resting = BookOrder {
        owner: taker.key,
        order_id,
        client_order_id: order.client_order_id,
        price_lots: order.rest_price,
        base_lots: lots,
        expiry_ts: order.expiry_ts,
        owner_slot: slot as u8,
        padding: [0; 1],
        fill_band_bps: order.fill_band_bps,
        padding2: [0; 4],
    };
    let evicted = m.book.insert(order.side, resting).map_err(|_| KeelError::OrderBookFull)?;
    let market_index = m.market.index;
    let notional = m.market.notional(lots, order.rest_price)?;
    taker
        .account
        .perp_mut(market_index)
        .ok_or(KeelError::FillAccountMismatch)?
        .reserve(order.side, lots, notional)?;
    taker.account.orders[slot] = OpenOrder {
        market_index,
        in_use: 1,
        side: order.side.as_u8(),
        padding: [0; 4],
        order_id: (order_id as u128).to_le_bytes(),
        client_order_id: order.client_order_id,
        price_lots: order.rest_price,
        base_lots: lots,
        expiry_ts: order.expiry_ts,
        reserved: [0; 8],
    };
    if let Some(evicted) = evicted {
        remove_from_book(&evicted, order.side, OutReason::Evicted, m, taker)?;
    }
    Ok(order_id)
}
