//! `place_order`: an owner or delegate places an order. It matches at once against the book
//! within the price band (the taker is settled here, makers by `consume_fills`), the remainder
//! rests when the type allows, and the account must end with Init health ≥ 0 — or, for a
//! trade that only reduces risk, with Init health no worse than before.

use crate::error::KeelError;
use crate::events::{emit_event, OrderPlaced};
use crate::instructions::markets::delegate_trade;
use crate::instructions::markets::funding_premium::sample_premium;
use crate::instructions::markets::matching::{execute, MarketState, TakerAccount, TakerOrder};
use crate::instructions::markets::order_flow::settle_position;
use crate::instructions::markets::price_band::PriceBand;
use crate::instructions::markets::trade_health::{check_trade_health, TradeRisk};
use crate::instructions::risk::load_health_cache_lenient;
use crate::instructions::vault::bank_flow::accrue_bank;
use crate::math::Fixed;
use crate::risk::{HealthCache, HealthKind};
use crate::oracle::read_price_published;
use crate::state::{CollateralAsset, Exchange, FillQueue, MarginAccount, OrderBook, PerpMarket, Side, LIQUIDATION_IN_PROGRESS, LIQUIDATION_NONE, QUOTE_ASSET_INDEX};
use anchor_lang::prelude::*;

/// Most book orders one order may touch.
pub const MAX_TOUCHED_PER_ORDER: u8 = 16;

/// How an order meets the book.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderType {
    /// Takes what crosses its price, rests the remainder.
    Limit,
    /// Rests only; refused if it would cross.
    PostOnly,
    /// Takes what crosses its price, drops the remainder.
    ImmediateOrCancel,
    /// Takes at any price within the band, drops the remainder.
    Market,
}

/// What a taker does on meeting its own resting order.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelfTradeBehavior {
    /// Cancel the resting order and keep matching.
    CancelResting,
    /// Fail the whole instruction.
    AbortTransaction,
}

/// Arguments of `place_order`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug)]
pub struct PlaceOrderArgs {
    /// Bid (buy) or ask (sell).
    pub side: Side,
    /// Order type.
    pub order_type: OrderType,
    /// Limit price, quote lots per base lot (ignored for `Market`).
    pub price_lots: i64,
    /// Size, base lots.
    pub base_lots: i64,
    /// The trader's id, echoed in events and usable to cancel.
    pub client_order_id: u64,
    /// Only reduce the position (clamped to what can be reduced).
    pub reduce_only: bool,
    /// Self-trade prevention.
    pub self_trade: SelfTradeBehavior,
    /// Unix time from which a resting part is void (0 = never).
    pub expiry_ts: i64,
    /// Most book orders to touch, 1..=16.
    pub max_touched: u8,
}

/// Accounts of `place_order`; the health accounts follow as remaining accounts, describing the
/// account with its quote slot and this market's slot open.
#[derive(Accounts)]
pub struct PlaceOrder<'info> {
    /// The owner or delegate.
    pub signer: Signer<'info>,
    /// The exchange.
    pub exchange: AccountLoader<'info, Exchange>,
    /// The trading margin account.
    #[account(mut, has_one = exchange @ KeelError::ExchangeMismatch)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The market.
    #[account(mut, has_one = exchange @ KeelError::ExchangeMismatch,
        has_one = order_book @ KeelError::WrongMarketAccount, has_one = fill_queue @ KeelError::WrongMarketAccount)]
    pub market: AccountLoader<'info, PerpMarket>,
    /// The market's book.
    #[account(mut)]
    pub order_book: AccountLoader<'info, OrderBook>,
    /// The market's fill queue.
    #[account(mut)]
    pub fill_queue: AccountLoader<'info, FillQueue>,
    /// The market's oracle.
    /// CHECK: checked against the market's configured oracle by `read_price`.
    pub oracle: UncheckedAccount<'info>,
    /// The quote asset (its ledger follows the account's quote balance).
    #[account(mut, has_one = exchange @ KeelError::ExchangeMismatch,
        constraint = quote_asset.load()?.index == QUOTE_ASSET_INDEX @ KeelError::HealthAccountMismatch)]
    pub quote_asset: AccountLoader<'info, CollateralAsset>,
}

impl<'info> PlaceOrder<'info> {
    /// Places the order; see the module documentation.
    pub fn handler(ctx: Context<'info, Self>, args: PlaceOrderArgs) -> Result<()> {
        let a = &ctx.accounts;
        let now = Clock::get()?.unix_timestamp;
        let exchange_key = a.exchange.key();
        let account_key = a.margin_account.key();
        let exchange = a.exchange.load()?;
        crate::check!(args.reduce_only || !exchange.is_paused(), KeelError::ExchangePaused);
        let (mut order, market_index, oracle) = {
            let market = a.market.load()?;
            crate::check!(args.reduce_only || !market.is_paused(), KeelError::MarketPaused);
            let prices = read_price_published(&a.oracle, &market.oracle_binding()?, exchange.quote_decimals, now)?;
            (validate(&args, &market, prices.quote.oracle, now)?, market.index, prices)
        };

        accrue_bank(&a.quote_asset, now)?;
        {
            let mut account = a.margin_account.load_mut()?;
            crate::check!(account.is_owner_or_delegate(&a.signer.key()), KeelError::NotOwnerOrDelegate);
            let mut quote = a.quote_asset.load_mut()?;
            account.collateral_or_open(QUOTE_ASSET_INDEX)?;
            let mut market = a.market.load_mut()?;
            account.perp_or_open(market_index, market.indices())?;
            settle_position(&mut account, &account_key, &mut market, &mut quote)?;
            if args.reduce_only {
                order.base_lots = reducible_lots(&account, market_index, args.side, order.base_lots)?;
            }
        }

        let (mut cache, price_error) = {
            let account = a.margin_account.load()?;
            load_health_cache_lenient(&exchange_key, &exchange, &account, ctx.remaining_accounts, now)?
        };
        end_recovered_liquidation(&cache, price_error, &mut *a.margin_account.load_mut()?)?;
        let risk = TradeRisk::before(&cache, price_error, &*a.margin_account.load()?, market_index)?;
        order.match_limit = risk.taker_limit(args.order_type, args.side, order.match_limit, &*a.market.load()?, oracle.quote.oracle)?;
        let delegate_limits = {
            let account = a.margin_account.load()?;
            account.is_delegate(&a.signer.key()).then_some(account.delegate_limits)
        };
        if let Some(limits) = &delegate_limits {
            delegate_trade::restrict(limits, &mut order, &*a.market.load()?)?;
        }

        let outcome = {
            let mut account = a.margin_account.load_mut()?;
            let mut market = a.market.load_mut()?;
            let mut book = a.order_book.load_mut()?;
            let mut queue = a.fill_queue.load_mut()?;
            let mut quote = a.quote_asset.load_mut()?;
            sample_premium(&mut market, &book, now, Some(oracle))?;
            let mut state = MarketState { market: &mut market, book: &mut book, queue: &mut queue };
            let mut taker = TakerAccount { account: &mut account, key: account_key, quote: &mut quote };
            execute(&order, &mut state, &mut taker, now)?
        };

        let mut account = a.margin_account.load_mut()?;
        let market = a.market.load()?;
        if let Some(limits) = delegate_limits {
            let cost = delegate_trade::order_cost(&order, &outcome, &market, limits.max_slippage_bps)?;
            account.delegate_limits.charge(cost, now)?;
        }
        let quote = a.quote_asset.load()?;
        let quote_after = quote.native(account.units(QUOTE_ASSET_INDEX))?;
        if check_trade_health(&mut cache, &risk, &account, &market, quote_after, args.reduce_only, outcome.rested_lots)? {
            account.being_liquidated = LIQUIDATION_NONE;
        }
        account.release_flat_perps();
        account.release_empty_collaterals();
        emit_event(&OrderPlaced {
            account: account_key,
            market_index,
            side: args.side.as_u8(),
            order_type: args.order_type as u8,
            reduce_only: args.reduce_only,
            client_order_id: args.client_order_id,
            order_id: outcome.order_id,
            price_lots: order.rest_price,
            base_lots: order.base_lots,
            filled_lots: outcome.filled_lots,
            rested_lots: outcome.rested_lots,
            account_seq: account.next_seq(),
        });
        Ok(())
    }
}

/// While a liquidation is in progress the account may only cancel and deposit — no trade can
/// hand a counterparty what the liquidation would take — until it has recovered by any means
/// (a deposit, the price): once LiquidationEnd health is ≥ 0 with every price valid, the
/// liquidation is over and the mark is cleared.
fn end_recovered_liquidation(cache: &HealthCache, price_error: Option<KeelError>, account: &mut MarginAccount) -> Result<()> {
    if account.being_liquidated != LIQUIDATION_IN_PROGRESS {
        return Ok(());
    }
    let liq_end = cache.health(HealthKind::LiquidationEnd)?;
    crate::check!(
        price_error.is_none() && !liq_end.is_negative(),
        KeelError::AccountBeingLiquidated,
        "place_order: liquidation-end health {} (quote native), every price valid: {}",
        liq_end,
        price_error.is_none()
    );
    account.being_liquidated = LIQUIDATION_NONE;
    Ok(())
}

/// Checks the order against the market and turns it into a [`TakerOrder`].
fn validate(args: &PlaceOrderArgs, market: &PerpMarket, oracle: Fixed, now: i64) -> Result<TakerOrder> {
    let band = PriceBand::new(market, oracle)?;
    crate::check!(
        args.base_lots > 0 && args.base_lots >= market.min_order_base_lots,
        KeelError::OrderTooSmall,
        "order: {} lots, minimum {}",
        args.base_lots,
        market.min_order_base_lots
    );
    crate::check!((1..=MAX_TOUCHED_PER_ORDER).contains(&args.max_touched), KeelError::InvalidFillLimit);
    let rests = matches!(args.order_type, OrderType::Limit | OrderType::PostOnly);
    crate::check!(!rests || args.expiry_ts == 0 || args.expiry_ts > now, KeelError::OrderExpired);
    let (match_limit, rest_price) = if args.order_type == OrderType::Market {
        (band.edge(args.side), 0)
    } else {
        crate::check!(args.price_lots > 0, KeelError::InvalidOrderPrice);
        crate::check!(
            !rests || band.contains(args.price_lots),
            KeelError::PriceOutsideBand,
            "order price {} lots, band {}..={} lots",
            args.price_lots,
            band.low,
            band.high
        );
        (band.clamp(args.side, args.price_lots), args.price_lots)
    };
    Ok(TakerOrder {
        side: args.side,
        order_type: args.order_type,
        match_limit,
        rest_price,
        base_lots: args.base_lots,
        client_order_id: args.client_order_id,
        self_trade: args.self_trade,
        expiry_ts: if rests { args.expiry_ts } else { 0 },
        max_touched: args.max_touched,
        band,
        oracle,
        fill_band_bps: 0,
    })
}

/// The most a reduce-only order on `side` may trade: the position on the other side, less
/// every order already resting on `side` (any of them could reduce it first), so that no fill
/// sequence turns a reduce-only order into a position increase.
fn reducible_lots(account: &MarginAccount, market_index: u16, side: Side, wanted: i64) -> Result<i64> {
    let position = account.perp(market_index).ok_or(KeelError::ReduceOnlyNothingToReduce)?;
    let against = -position.base_lots * side.sign();
    let reducible = against.saturating_sub(position.resting_lots(side)).max(0);
    crate::check!(reducible > 0, KeelError::ReduceOnlyNothingToReduce);
    Ok(wanted.min(reducible))
}
