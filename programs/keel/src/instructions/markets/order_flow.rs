//! What happens to a margin account when its orders trade or leave the book: quote credits,
//! funding settlement through the PnL pool and the release of an order's reservation. Shared by the taker's
//! instruction, `cancel_order` and `consume_fills`.

use crate::error::KeelError;
use crate::events::{emit_event, FundingSettled, OrderCancelled, PnlOwedChanged};
use crate::state::{CollateralAsset, MarginAccount, OutReason, PerpMarket, Side, QUOTE_ASSET_INDEX};
use anchor_lang::prelude::*;

/// Adds `amount` (signed, quote native) to the account's quote balance through the quote
/// bank (accrued to now by the instruction) and returns the new native balance. The quote slot
/// must be open (trading instructions open it first).
pub fn credit_quote(account: &mut MarginAccount, quote: &mut CollateralAsset, amount: i64) -> Result<i64> {
    let slot = account.collateral_mut(QUOTE_ASSET_INDEX).ok_or(KeelError::NoSuchBalance)?;
    Ok(quote.change_balance(slot, amount)?.native_after)
}

/// Books a realised `amount` (PnL or funding, signed) of the account's position in `market`
/// through the market's PnL pool (see `state::pnl_pool`) and credits what the pool pays, plus
/// `direct` (fees, signed), to the quote balance. Returns the native quote balance after.
pub fn realise(account: &mut MarginAccount, account_key: &Pubkey, market: &mut PerpMarket, quote: &mut CollateralAsset, amount: i64, direct: i64) -> Result<i64> {
    let position = account.perp_mut(market.index).ok_or(KeelError::FillAccountMismatch)?;
    let booking = market.book_pnl(position, amount)?;
    let owed_after = position.pnl_owed_native;
    let quote_after = credit_quote(account, quote, booking.to_balance.checked_add(direct).ok_or(KeelError::MathOverflow)?)?;
    if booking.owed_delta != 0 {
        emit_owed(account, account_key, market, booking.owed_delta, owed_after);
    }
    Ok(quote_after)
}

/// Settles the account's position in `market` before anything else touches it: its pending
/// funding through the PnL pool, then whatever the pool can pay of its owed gains. Every
/// change of a position's size is preceded by this, so the funding index applies to the size
/// the position had while it moved.
pub fn settle_position(account: &mut MarginAccount, account_key: &Pubkey, market: &mut PerpMarket, quote: &mut CollateralAsset) -> Result<()> {
    let indices = market.indices();
    let position = account.perp_mut(market.index).ok_or(KeelError::FillAccountMismatch)?;
    let credit = position.settle_funding(indices.funding)?;
    let base_lots = position.base_lots;
    if credit != 0 {
        realise(account, account_key, market, quote, credit, 0)?;
        market.funding_settled_net = market.funding_settled_net.checked_add(credit).ok_or(KeelError::MathOverflow)?;
        emit_event(&FundingSettled {
            account: *account_key,
            market_index: market.index,
            amount: credit,
            base_lots,
            account_seq: account.next_seq(),
        });
    }
    let position = account.perp_mut(market.index).ok_or(KeelError::FillAccountMismatch)?;
    let paid = market.pay_owed(position)?;
    if paid > 0 {
        let owed_after = position.pnl_owed_native;
        credit_quote(account, quote, paid)?;
        emit_owed(account, account_key, market, -paid, owed_after);
    }
    Ok(())
}

/// Emits `PnlOwedChanged` for a change of `delta` in the position's owed gains.
pub fn emit_owed(account: &mut MarginAccount, account_key: &Pubkey, market: &PerpMarket, delta: i64, owed_after: i64) {
    emit_event(&PnlOwedChanged {
        account: *account_key,
        market_index: market.index,
        delta,
        owed_after,
        pool_after: market.pnl_pool,
        account_seq: account.next_seq(),
    });
}

/// An order's lots leaving the book without trading (or trading, with `reason` `None`): its
/// reservation on the position is released and its open-order slot shrinks, freed at zero.
pub struct Release {
    /// The order's slot in the owner's `orders`.
    pub slot: u8,
    /// The book id.
    pub order_id: u64,
    /// The order's side.
    pub side: Side,
    /// Its limit price, quote lots per base lot.
    pub price_lots: i64,
    /// Base lots released.
    pub base_lots: i64,
}

/// Releases `release` on the owner's account; emits `OrderCancelled` when `reason` is given.
pub fn release_order(
    account: &mut MarginAccount,
    account_key: &Pubkey,
    market: &PerpMarket,
    release: &Release,
    reason: Option<OutReason>,
) -> Result<()> {
    let notional = market.notional(release.base_lots, release.price_lots)?;
    account
        .perp_mut(market.index)
        .ok_or(KeelError::FillAccountMismatch)?
        .release(release.side, release.base_lots, notional)?;
    let order = account.order_at(release.slot, market.index, release.order_id).ok_or(KeelError::FillAccountMismatch)?;
    order.base_lots = order.base_lots.checked_sub(release.base_lots).filter(|v| *v >= 0).ok_or(KeelError::FillAccountMismatch)?;
    let client_order_id = order.client_order_id;
    if order.base_lots == 0 {
        *order = bytemuck::Zeroable::zeroed();
    }
    if let Some(reason) = reason {
        emit_event(&OrderCancelled {
            account: *account_key,
            market_index: market.index,
            order_id: release.order_id,
            client_order_id,
            side: release.side.as_u8(),
            base_lots: release.base_lots,
            reason: reason as u8,
            account_seq: account.next_seq(),
        });
    }
    Ok(())
}
