//! `liquidate_perp` (permissionless): a liquidator takes over part of a liquidatable account's
//! perp position at the oracle price less a discount — the smallest part that brings the
//! account's LiquidationEnd health to ≥ 0 — and the account pays a penalty into the insurance
//! fund. Works while trading is paused and while unrelated oracles fail (see
//! `load_health_cache_for_liquidation`). Both health lists price every entry bound to the
//! oracle read here by that oracle, cached or not (`price_sources`), so the liquidated market
//! counts at the price the step is sized at; the price is also written to the market's cache.

use super::shared::*;
use super::sizing::*;
use crate::error::KeelError;
use crate::events::{emit_event, PerpLiquidated};
use crate::instructions::markets::order_flow::{realise, settle_position};
use crate::instructions::risk::perp_risk;
use crate::math::Fixed;
use crate::oracle::read_price_published;
use crate::risk::{CollateralRisk, PriceQuote, StepEntries, StepHealth};
use crate::state::{plan_booking, MarginAccount, PerpMarket, PerpPosition, PnlBooking, Side, QUOTE_ASSET_INDEX};
use crate::instructions::vault::bank_flow::accrue_bank;
use anchor_lang::prelude::*;

/// Accounts of `liquidate_perp`.
#[derive(Accounts)]
pub struct LiquidatePerp<'info> {
    /// The shared liquidation accounts.
    pub core: LiquidationCore<'info>,
    /// The market of the position taken over.
    #[account(mut, constraint = market.load()?.exchange == core.exchange.key() @ KeelError::ExchangeMismatch)]
    pub market: AccountLoader<'info, PerpMarket>,
    /// The market's oracle (must be fresh).
    /// CHECK: checked against the market's oracle binding by `read_price`.
    pub oracle: UncheckedAccount<'info>,
}

/// One candidate step of a perp liquidation, evaluated without touching the accounts.
struct PerpStep<'a> {
    /// The position after funding settled.
    position: PerpPosition,
    /// The account (for its open orders: none during a liquidation).
    account: &'a MarginAccount,
    /// The market.
    market: &'a PerpMarket,
    /// The market's fresh prices.
    prices: PriceQuote,
    /// The quote balance's entry as the step starts.
    quote: CollateralRisk,
    /// The rest of the account's health.
    rest: StepHealth,
    /// Discount and penalty.
    terms: StepTerms,
}

/// What a step of some lots does.
struct PerpOutcome {
    /// The position afterwards.
    position: PerpPosition,
    /// Quote the liquidator pays (long taken) or receives (short taken).
    transfer: i64,
    /// PnL the liquidated position realises.
    realized: i64,
    /// Value, penalty and health afterwards.
    common: StepCommon,
}

impl PerpStep<'_> {
    /// The side the liquidated account trades on (it sells a long, buys back a short).
    fn side(&self) -> Side {
        if self.position.base_lots > 0 { Side::Ask } else { Side::Bid }
    }
}

impl Step for PerpStep<'_> {
    type Outcome = PerpOutcome;

    fn evaluate(&self, lots: i64) -> Result<PerpOutcome> {
        let base_native = lots.checked_mul(self.market.base_lot_size).ok_or(KeelError::MathOverflow)?;
        let oracle_value = Fixed::from_i64(base_native).mul_down(self.prices.oracle)?;
        let side = self.side();
        let transfer = match side {
            Side::Ask => self.terms.proceeds(oracle_value)?,
            Side::Bid => self.terms.cost(oracle_value)?,
        };
        let mut position = self.position;
        let realized = position.apply_fill(side, lots, transfer)?;
        let penalty = self.terms.penalty(oracle_value)?;
        let credit = step_credit(self.market, &position, realized, penalty)?;
        let mut booked = position;
        booked.pnl_owed_native = booked.pnl_owed_native.checked_add(credit.owed_delta).ok_or(KeelError::MathOverflow)?;
        let quote = self.quote.shifted(credit.to_balance)?;
        let perp = perp_risk(self.account, &booked, self.market, self.prices)?;
        let health = self.rest.with(&StepEntries { quote, collateral: None, perp: Some(perp) })?;
        Ok(PerpOutcome { position, transfer, realized, common: StepCommon { oracle_value, penalty, health } })
    }

    fn common(outcome: &PerpOutcome) -> &StepCommon {
        &outcome.common
    }
}

impl<'info> LiquidatePerp<'info> {
    /// Takes over at most `max_base_lots` of the liquidated position. `liqee_health_accounts`
    /// is how many remaining accounts belong to the liquidated account.
    pub fn handler(ctx: Context<'info, Self>, max_base_lots: i64, liqee_health_accounts: u8) -> Result<()> {
        crate::check!(max_base_lots > 0, KeelError::ZeroAmount);
        let clock = Clock::get()?;
        let now = clock.unix_timestamp;
        let a = ctx.accounts;
        let (liqee_remaining, liqor_remaining) = a.core.parties(ctx.remaining_accounts, liqee_health_accounts)?;
        let liqee_key = a.core.liqee_account.key();
        let liqor_key = a.core.liqor_account.key();
        let prices = {
            let exchange = a.core.exchange.load()?;
            let mut market = a.market.load_mut()?;
            let published = read_price_published(&a.oracle, &market.oracle_binding()?, exchange.quote_decimals, now)?;
            market.record_oracle_price(published.quote.oracle, published.published);
            market.price_cache.store(&published, clock.slot);
            published.quote
        };
        accrue_bank(&a.core.quote_asset, now)?;
        let (cache, before) = a.core.liquidated_health(liqee_remaining, now, a.oracle.as_ref())?;
        let min_notional = a.core.insurance_fund.load()?.bounty.min_liquidation_notional;

        let (sized, side, old_base, health_after) = {
            let mut market = a.market.load_mut()?;
            let mut liqee = a.core.liqee_account.load_mut()?;
            let mut quote = a.core.quote_asset.load_mut()?;
            crate::check!(liqee.perp(market.index).is_some_and(|p| p.base_lots != 0), KeelError::NothingToLiquidate);
            settle_position(&mut liqee, &liqee_key, &mut market, &mut quote)?;
            let quote_before = quote.native(liqee.units(QUOTE_ASSET_INDEX))?;
            let position = *liqee.perp(market.index).ok_or(KeelError::NothingToLiquidate)?;
            let step = PerpStep {
                position,
                account: &liqee,
                market: &market,
                prices,
                quote: quote_entry(&cache, &quote, quote_before),
                rest: StepHealth::split(&cache, QUOTE_ASSET_INDEX, None, Some(market.index))?,
                terms: StepTerms { fee_bps: market.liquidation_fee_bps, penalty_bps: market.liquidation_penalty_bps },
            };
            let available = position.base_lots.checked_abs().ok_or(KeelError::MathOverflow)?;
            let sized = size_step(&step, max_base_lots, available, min_notional)?;
            let side = step.side();
            let outcome = &sized.outcome;

            *liqee.perp_mut(market.index).ok_or(KeelError::NothingToLiquidate)? = outcome.position;
            market.record_position_change(position.base_lots, outcome.position.base_lots)?;
            let credit = step_credit(&market, &outcome.position, outcome.realized, outcome.common.penalty)?.to_balance;
            let penalty_debit = -(outcome.common.penalty as i64);
            let quote_after = realise(&mut liqee, &liqee_key, &mut market, &mut quote, outcome.realized, penalty_debit)?;
            let health_after = with_bank_rounding(outcome.common.health, quote_before, credit, quote_after)?;
            liqee.being_liquidated = state_after(&health_after);
            liqee.has_liquidated_market = 1;
            liqee.liquidated_market = market.index;
            liqee.release_flat_perps();
            (sized, side, position.base_lots, health_after)
        };
        {
            let mut market = a.market.load_mut()?;
            let mut liqor = a.core.liqor_account.load_mut()?;
            let mut quote = a.core.quote_asset.load_mut()?;
            liqor.collateral_or_open(QUOTE_ASSET_INDEX)?;
            liqor.perp_or_open(market.index, market.indices())?;
            settle_position(&mut liqor, &liqor_key, &mut market, &mut quote)?;
            let taken = liqor.perp_mut(market.index).ok_or(KeelError::FillAccountMismatch)?;
            let liqor_old = taken.base_lots;
            let realized = taken.apply_fill(side.opposite(), sized.amount, sized.outcome.transfer)?;
            let liqor_new = taken.base_lots;
            market.record_position_change(liqor_old, liqor_new)?;
            realise(&mut liqor, &liqor_key, &mut market, &mut quote, realized, 0)?;
        }
        let outcome = &sized.outcome;
        let bounty = a.core.pay_penalty_and_bounty(sized.notional, outcome.common.penalty)?;
        a.core.require_liquidator_health(liqor_remaining, now, a.oracle.as_ref())?;

        let market_index = a.market.load()?.index;
        let mut liqee = a.core.liqee_account.load_mut()?;
        let mut liqor = a.core.liqor_account.load_mut()?;
        emit_event(&PerpLiquidated {
            liqee: liqee_key,
            liqor: liqor_key,
            market_index,
            base_lots: sized.amount * old_base.signum(),
            oracle_notional: sized.notional as i64,
            transfer_notional: outcome.transfer,
            penalty: outcome.common.penalty,
            bounty,
            health: health_numbers(before, health_after)?,
            liqee_position_after: outcome.position.base_lots,
            liqee_seq: liqee.next_seq(),
            liqor_seq: liqor.next_seq(),
        });
        Ok(())
    }
}

/// What a step's realised PnL and penalty do to the liquidated account: the PnL through the
/// market's PnL pool (a gain the pool cannot pay stays owed on the position), the penalty
/// straight from the quote balance.
fn step_credit(market: &PerpMarket, position: &PerpPosition, realized: i64, penalty: u64) -> Result<PnlBooking> {
    let booking = plan_booking(market.pnl_pool, position.pnl_owed_native, realized)?;
    let penalty = i64::try_from(penalty).map_err(|_| KeelError::MathOverflow)?;
    Ok(PnlBooking { to_balance: booking.to_balance.checked_sub(penalty).ok_or(KeelError::MathOverflow)?, ..booking })
}
