//! `sweep_insurance_fees` (permissionless crank): books a market's insurance share of trading
//! fees as the insurance fund's claim in the quote bank. No tokens move (the claim reaches the
//! fund's vault through `settle_insurance_claim` when liquidity allows).

use crate::error::KeelError;
use crate::events::{emit_event, InsuranceClaimChanged, INSURANCE_FEES};
use crate::state::{CollateralAsset, Exchange, InsuranceFund, PerpMarket, QUOTE_ASSET_INDEX};
use anchor_lang::prelude::*;

/// Accounts of `sweep_insurance_fees`.
#[derive(Accounts)]
pub struct SweepInsuranceFees<'info> {
    /// The exchange.
    pub exchange: AccountLoader<'info, Exchange>,
    /// The market whose insurance share is swept.
    #[account(mut, has_one = exchange @ KeelError::ExchangeMismatch)]
    pub market: AccountLoader<'info, PerpMarket>,
    /// The quote asset, whose bank holds the fund's claim.
    #[account(mut, has_one = exchange @ KeelError::ExchangeMismatch,
        constraint = quote_asset.load()?.index == QUOTE_ASSET_INDEX @ KeelError::HealthAccountMismatch)]
    pub quote_asset: AccountLoader<'info, CollateralAsset>,
    /// The insurance fund.
    #[account(mut, has_one = exchange @ KeelError::ExchangeMismatch)]
    pub insurance_fund: AccountLoader<'info, InsuranceFund>,
}

impl SweepInsuranceFees<'_> {
    /// Moves the market's accrued insurance share into the fund's claim and zeroes it.
    pub fn handler(ctx: Context<Self>) -> Result<()> {
        let a = ctx.accounts;
        let amount = {
            let mut market = a.market.load_mut()?;
            let amount =
                u64::try_from(market.insurance_accrued).map_err(|_| KeelError::MathOverflow)?;
            crate::check!(amount > 0, KeelError::NothingToSweep);
            market.insurance_accrued = 0;
            amount
        };
        let mut quote = a.quote_asset.load_mut()?;
        quote.bank.insurance_claim = quote
            .bank
            .insurance_claim
            .checked_add(amount)
            .ok_or(KeelError::MathOverflow)?;
        let mut fund = a.insurance_fund.load_mut()?;
        fund.total_fees_swept = fund
            .total_fees_swept
            .checked_add(amount)
            .ok_or(KeelError::MathOverflow)?;
        emit_event(&InsuranceClaimChanged {
            exchange: fund.exchange,
            kind: INSURANCE_FEES,
            counterparty: a.market.key(),
            amount: amount as i64,
            claim_after: quote.bank.insurance_claim,
            fund_seq: fund.next_seq(),
        });
        Ok(())
    }
}
