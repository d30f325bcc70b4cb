//! `settle_pnl` (permissionless crank): settles an account's position in a market against the
//! market's PnL pool (see `state::pnl_pool`): its pending funding, then the pool's payment of
//! its owed gains, then — while the market owes gains beyond what its pool holds — as much of
//! the position's unrealised loss at the oracle price as that shortfall, which the account pays
//! from its quote balance (a borrow if it must: interest-bearing and in utilisation) and which
//! its cost basis takes back, so health does not change (a loss first cancels the position's own
//! owed gains). This is how a winner is paid when the
//! loser keeps its position open: the keeper cranks the losers, then the winners.

use crate::error::KeelError;
use crate::events::{emit_event, UnrealisedLossBooked};
use crate::instructions::markets::order_flow::{credit_quote, emit_owed, settle_position};
use crate::instructions::vault::bank_flow::accrue_bank;
use crate::oracle::read_price_published;
use crate::state::{CollateralAsset, Exchange, MarginAccount, PerpMarket, QUOTE_ASSET_INDEX};
use anchor_lang::prelude::*;

/// Accounts of `settle_pnl`.
#[derive(Accounts)]
pub struct SettlePnl<'info> {
    /// The exchange.
    pub exchange: AccountLoader<'info, Exchange>,
    /// The market.
    #[account(mut, has_one = exchange @ KeelError::ExchangeMismatch)]
    pub market: AccountLoader<'info, PerpMarket>,
    /// The market's oracle (read only to book an unrealised loss).
    /// CHECK: checked against the market's configured oracle by `read_price`.
    pub oracle: UncheckedAccount<'info>,
    /// The account whose position settles.
    #[account(mut, has_one = exchange @ KeelError::ExchangeMismatch)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The quote asset, whose bank the settlement goes through.
    #[account(mut, has_one = exchange @ KeelError::ExchangeMismatch,
        constraint = quote_asset.load()?.index == QUOTE_ASSET_INDEX @ KeelError::HealthAccountMismatch)]
    pub quote_asset: AccountLoader<'info, CollateralAsset>,
}

impl SettlePnl<'_> {
    /// Settles the position's funding and owed gains, and books its unrealised loss while the
    /// market's pool is short of the gains it owes.
    pub fn handler(ctx: Context<Self>) -> Result<()> {
        let a = ctx.accounts;
        let now = Clock::get()?.unix_timestamp;
        accrue_bank(&a.quote_asset, now)?;
        let mut market = a.market.load_mut()?;
        let mut account = a.margin_account.load_mut()?;
        let mut quote = a.quote_asset.load_mut()?;
        crate::check!(
            account.perp(market.index).is_some(),
            KeelError::NoPositionInMarket,
            "settle_pnl: the account holds no slot in market {}",
            market.index
        );
        let key = a.margin_account.key();
        settle_position(&mut account, &key, &mut market, &mut quote)?;
        if market.pool_shortfall() > 0 {
            let quote_decimals = a.exchange.load()?.quote_decimals;
            book_loss(
                &a.oracle,
                quote_decimals,
                now,
                &mut account,
                &key,
                &mut market,
                &mut quote,
            )?;
        }
        // A flat slot stays in use until the owner's next instruction (see `consume_fills`).
        Ok(())
    }
}

/// Books as much of the position's unrealised loss at the oracle price as the market's pool is
/// short of the gains it owes (nothing when the position is flat or not losing).
fn book_loss(
    oracle: &AccountInfo,
    quote_decimals: u8,
    now: i64,
    account: &mut MarginAccount,
    key: &Pubkey,
    market: &mut PerpMarket,
    quote: &mut CollateralAsset,
) -> Result<()> {
    let position = *account
        .perp(market.index)
        .ok_or(KeelError::NoPositionInMarket)?;
    if position.base_lots == 0 {
        return Ok(());
    }
    let published = read_price_published(oracle, &market.oracle_binding()?, quote_decimals, now)?;
    market.record_oracle_price(published.quote.oracle, published.published);
    let prices = published.quote;
    let pnl = market.unrealised_pnl(&position, prices.oracle)?;
    if pnl >= 0 {
        return Ok(());
    }
    let slot = account
        .perp_mut(market.index)
        .ok_or(KeelError::NoPositionInMarket)?;
    // The loss first cancels the position's own owed gains (its cost basis takes that part, the
    // pool is untouched): booking it from the balance while the position is owed would lower
    // its health (owed gains count at the PnL weight, a borrow in full).
    let unrealised = pnl.checked_neg().ok_or(KeelError::MathOverflow)?;
    let cancelled = market.cancel_owed_against_loss(slot, unrealised)?;
    if cancelled > 0 {
        let owed_after = slot.pnl_owed_native;
        emit_owed(account, key, market, -cancelled, owed_after);
    }
    let loss = (unrealised - cancelled).min(market.pool_shortfall());
    if loss == 0 {
        return Ok(());
    }
    let slot = account
        .perp_mut(market.index)
        .ok_or(KeelError::NoPositionInMarket)?;
    let debit = market.book_unrealised_loss(slot, loss)?;
    let quote_after = credit_quote(account, quote, debit)?;
    emit_event(&UnrealisedLossBooked {
        account: *key,
        market_index: market.index,
        amount: loss,
        oracle_price: prices.oracle.raw(),
        quote_balance_after: quote_after,
        pool_after: market.pnl_pool,
        account_seq: account.next_seq(),
    });
    Ok(())
}
