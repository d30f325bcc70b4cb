//! `consume_fills` (permissionless crank): applies queued fills and outs to makers' accounts,
//! oldest first. The maker accounts come as writable remaining accounts; the crank stops at
//! the first event whose maker was not passed. A fill's taker passed as well is paid what the
//! market's PnL pool now holds of its owed gains — the usual case of a taker closing at a gain
//! against a maker closing at a loss, whose loss reaches the pool only here.

use crate::error::KeelError;
use crate::events::{emit_event, FundingSettled, MakerFillApplied};
use crate::math::Fixed;
use crate::instructions::markets::order_flow::{realise, release_order, settle_position, Release};
use crate::state::{
    funding_credit, CollateralAsset, FillEvent, FillEventKind, FillQueue, MarginAccount, OutReason, PerpMarket, Side, QUOTE_ASSET_INDEX,
};
use crate::instructions::vault::bank_flow::accrue_bank;
use anchor_lang::prelude::*;

/// Accounts of `consume_fills`; maker margin accounts follow as writable remaining accounts.
#[derive(Accounts)]
pub struct ConsumeFills<'info> {
    /// The market.
    #[account(mut, has_one = fill_queue @ KeelError::WrongMarketAccount)]
    pub market: AccountLoader<'info, PerpMarket>,
    /// The market's fill queue.
    #[account(mut)]
    pub fill_queue: AccountLoader<'info, FillQueue>,
    /// The quote asset of the market's exchange (its ledger follows makers' quote balances).
    #[account(mut,
        constraint = quote_asset.load()?.exchange == market.load()?.exchange @ KeelError::ExchangeMismatch,
        constraint = quote_asset.load()?.index == QUOTE_ASSET_INDEX @ KeelError::HealthAccountMismatch)]
    pub quote_asset: AccountLoader<'info, CollateralAsset>,
}

impl<'info> ConsumeFills<'info> {
    /// Applies up to `limit` events.
    pub fn handler(ctx: Context<'info, Self>, limit: u8) -> Result<()> {
        accrue_bank(&ctx.accounts.quote_asset, Clock::get()?.unix_timestamp)?;
        let mut quote = ctx.accounts.quote_asset.load_mut()?;
        let mut market = ctx.accounts.market.load_mut()?;
        let mut queue = ctx.accounts.fill_queue.load_mut()?;
        let mut consumed = 0u8;
        while consumed < limit {
            let Some(event) = queue.front().copied() else { break };
            let Some(info) = ctx.remaining_accounts.iter().find(|i| *i.key == event.maker) else { break };
            let loader = AccountLoader::<MarginAccount>::try_from(info)?;
            let mut maker = loader.load_mut()?;
            crate::check!(maker.exchange == market.exchange, KeelError::ExchangeMismatch);
            apply(&event, &mut maker, info.key, &mut market, &mut quote)?;
            maker.release_flat_perps();
            drop(maker);
            if event.kind == FillEventKind::Fill as u8 && event.taker != event.maker {
                pay_taker(ctx.remaining_accounts, &event.taker, &mut market, &mut quote)?;
            }
            queue.pop_front();
            consumed += 1;
        }
        crate::check!(
            consumed > 0 || queue.count == 0 || limit == 0,
            KeelError::FillMakerMissing,
            "consume_fills: the oldest event needs maker {}",
            queue.front().map(|e| e.maker).unwrap_or_default()
        );
        Ok(())
    }
}

/// Pays what the PnL pool now holds of the taker's owed gains (the maker's loss just went into
/// it), when the taker's account was passed too and still has a slot in the market.
fn pay_taker<'info>(remaining: &'info [AccountInfo<'info>], taker: &Pubkey, market: &mut PerpMarket, quote: &mut CollateralAsset) -> Result<()> {
    // A taker's account closed since its fill (no longer the program's) has nothing owed.
    let Some(info) = remaining.iter().find(|i| i.key == taker && i.owner == &crate::ID) else { return Ok(()) };
    let loader = AccountLoader::<MarginAccount>::try_from(info)?;
    let mut account = loader.load_mut()?;
    crate::check!(account.exchange == market.exchange, KeelError::ExchangeMismatch);
    if account.perp(market.index).is_some_and(|p| p.pnl_owed_native > 0) {
        // The slot stays in use (flat) until the taker's own next instruction: releasing it
        // here would change the account's health list under a transaction it has in flight.
        settle_position(&mut account, taker, market, quote)?;
    }
    Ok(())
}

/// Applies one event to its maker.
fn apply(event: &FillEvent, maker: &mut MarginAccount, maker_key: &Pubkey, market: &mut PerpMarket, quote: &mut CollateralAsset) -> Result<()> {
    let side = Side::from_u8(event.maker_side);
    let release = Release {
        slot: event.maker_slot,
        order_id: event.maker_order_id,
        side,
        price_lots: event.price_lots,
        base_lots: event.base_lots,
    };
    if event.kind != FillEventKind::Fill as u8 {
        return release_order(maker, maker_key, market, &release, Some(OutReason::from_u8(event.out_reason)));
    }
    settle_position(maker, maker_key, market, quote)?;
    release_order(maker, maker_key, market, &release, None)?;
    let notional = market.notional(event.base_lots, event.price_lots)?;
    let position = maker.perp_mut(market.index).ok_or(KeelError::FillAccountMismatch)?;
    let old_base = position.base_lots;
    let realized = position.apply_fill(side, event.base_lots, notional)?;
    let new_base = position.base_lots;
    // Funding up to now was settled on the position before the fill; the fill's lots owe what
    // the index moved since the match.
    let match_index = Fixed::from_raw(i128::from_le_bytes(event.funding_index));
    let late_funding = funding_credit(new_base - old_base, match_index, market.funding_index())?;
    market.record_position_change(old_base, new_base)?;
    let pending = match side {
        Side::Bid => &mut market.pending_bid_lots,
        Side::Ask => &mut market.pending_ask_lots,
    };
    *pending = pending.checked_sub(event.base_lots).ok_or(KeelError::MathOverflow)?;
    market.funding_settled_net = market.funding_settled_net.checked_add(late_funding).ok_or(KeelError::MathOverflow)?;
    if late_funding != 0 {
        emit_event(&FundingSettled {
            account: *maker_key,
            market_index: market.index,
            amount: late_funding,
            base_lots: new_base - old_base,
            account_seq: maker.next_seq(),
        });
    }
    let pnl = realized.checked_add(late_funding).ok_or(KeelError::MathOverflow)?;
    let maker_fee_debit = event.maker_fee_native.checked_neg().ok_or(KeelError::MathOverflow)?;
    let quote_after = realise(maker, maker_key, market, quote, pnl, maker_fee_debit)?;
    market.fees_accrued = market.fees_accrued.checked_add(event.maker_fee_native).ok_or(KeelError::MathOverflow)?;
    emit_event(&MakerFillApplied {
        market_index: market.index,
        maker: *maker_key,
        maker_order_id: event.maker_order_id,
        price_lots: event.price_lots,
        base_lots: event.base_lots,
        maker_fee: event.maker_fee_native,
        realized_pnl: realized,
        funding: late_funding,
        position_after: new_base,
        quote_balance_after: quote_after,
        fill_seq: event.seq,
        account_seq: maker.next_seq(),
    });
    Ok(())
}

