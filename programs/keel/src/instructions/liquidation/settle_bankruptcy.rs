//! `settle_bankruptcy` (permissionless): an account with nothing left — no positions, no
//! orders, no collateral but a negative quote balance — is settled to zero. The insurance fund
//! covers the deficit as far as it can; the rest is socialised over the open interest of the
//! market the account was last liquidated in: every open lot there, long or short, owes an
//! equal share, collected as the positions next settle (like funding).

use crate::error::KeelError;
use crate::events::{
    emit_event, BankruptcySettled, InsuranceFlow, LossSocialized, INSURANCE_DEFICIT,
};
use super::shared::credit_recorded;
use crate::instructions::vault::token_flow::transfer_out;
use crate::math::{Fixed, Rounding};
use crate::state::{
    CollateralAsset, Exchange, InsuranceFund, MarginAccount, PerpMarket, QUOTE_ASSET_INDEX,
};
use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

/// Accounts of `settle_bankruptcy`.
#[derive(Accounts)]
pub struct SettleBankruptcy<'info> {
    /// Anyone.
    pub signer: Signer<'info>,
    /// The exchange (signs for the fund's vault).
    pub exchange: AccountLoader<'info, Exchange>,
    /// The bankrupt account.
    #[account(mut, constraint = margin_account.load()?.exchange == exchange.key() @ KeelError::ExchangeMismatch)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The quote asset.
    #[account(mut, has_one = exchange @ KeelError::ExchangeMismatch, has_one = vault @ KeelError::WrongVault,
        constraint = quote_asset.load()?.index == QUOTE_ASSET_INDEX @ KeelError::HealthAccountMismatch)]
    pub quote_asset: AccountLoader<'info, CollateralAsset>,
    /// The quote vault.
    #[account(mut)]
    pub vault: Account<'info, TokenAccount>,
    /// The insurance fund.
    #[account(mut, has_one = exchange @ KeelError::ExchangeMismatch,
        constraint = insurance_fund.load()?.vault == insurance_vault.key() @ KeelError::WrongVault)]
    pub insurance_fund: AccountLoader<'info, InsuranceFund>,
    /// The insurance fund's vault.
    #[account(mut)]
    pub insurance_vault: Account<'info, TokenAccount>,
    /// The market to socialise a remainder in: the account's last liquidated market (any market
    /// with open interest when the account was never liquidated in one). Needed only when the
    /// fund cannot cover the whole deficit.
    #[account(mut)]
    pub market: Option<AccountLoader<'info, PerpMarket>>,
    /// SPL Token.
    pub token_program: Program<'info, Token>,
}

impl SettleBankruptcy<'_> {
    /// Settles the account's deficit: the fund first, then a loss over open interest.
    pub fn handler(ctx: Context<Self>) -> Result<()> {
        let a = ctx.accounts;
        let account_key = a.margin_account.key();
        let deficit = {
            let account = a.margin_account.load()?;
            let quote = account.balance(QUOTE_ASSET_INDEX);
            let holds_other = account
                .active_collaterals()
                .any(|c| c.asset_index != QUOTE_ASSET_INDEX && c.balance != 0);
            let open = account.has_perps() || account.orders.iter().any(|o| o.is_in_use());
            crate::check!(
                quote < 0 && !holds_other && !open,
                KeelError::NotBankrupt,
                "bankruptcy: quote balance {quote}, other collateral {holds_other}, positions or orders {open}"
            );
            quote.unsigned_abs()
        };
        let (covered, exchange, fund_seq, balance_after) = {
            let mut fund = a.insurance_fund.load_mut()?;
            let covered = fund.book_deficit(deficit)?;
            (covered, fund.exchange, fund.next_seq(), fund.balance)
        };
        if covered > 0 {
            transfer_out(
                &a.token_program,
                &mut a.insurance_vault,
                &a.vault,
                &a.exchange,
                covered,
            )?;
            emit_event(&InsuranceFlow {
                exchange,
                kind: INSURANCE_DEFICIT,
                counterparty: account_key,
                amount: -(covered as i64),
                balance_after,
                vault_balance_after: a.insurance_vault.amount,
                fund_seq,
            });
        }
        let remainder = deficit - covered;
        let market_index = if remainder > 0 {
            socialize(a, remainder)?
        } else {
            0
        };

        let mut account = a.margin_account.load_mut()?;
        let deficit_native = i64::try_from(deficit).map_err(|_| KeelError::MathOverflow)?;
        credit_recorded(&mut account, &mut *a.quote_asset.load_mut()?, deficit_native)?;
        account.being_liquidated = crate::state::LIQUIDATION_NONE;
        account.release_empty_collaterals();
        emit_event(&BankruptcySettled {
            account: account_key,
            deficit,
            covered_by_insurance: covered,
            socialized: remainder,
            market_index,
            account_seq: account.next_seq(),
        });
        Ok(())
    }
}

/// Spreads `loss` over the open lots of the passed market: the loss index rises by
/// `loss / (long lots + short lots)`, rounded up. Returns the market's index.
fn socialize(a: &SettleBankruptcy, loss: u64) -> Result<u16> {
    let loader = a
        .market
        .as_ref()
        .ok_or(KeelError::WrongSocializationMarket)?;
    let mut market = loader.load_mut()?;
    let account = a.margin_account.load()?;
    crate::check!(
        market.exchange == a.exchange.key(),
        KeelError::ExchangeMismatch
    );
    crate::check!(
        account.has_liquidated_market == 0 || account.liquidated_market == market.index,
        KeelError::WrongSocializationMarket,
        "bankruptcy: the account was last liquidated in market {}, got market {}",
        account.liquidated_market,
        market.index
    );
    let open_lots = market
        .long_lots
        .checked_add(market.short_lots)
        .ok_or(KeelError::MathOverflow)?;
    crate::check!(open_lots > 0, KeelError::NoOpenInterest);
    let per_lot = Fixed::from_u64(loss).div(Fixed::from_i64(open_lots), Rounding::Up)?;
    let index = market.loss_index().add(per_lot)?;
    market.set_loss_index(index);
    market.socialized_loss_outstanding = market
        .socialized_loss_outstanding
        .checked_add(loss as i64)
        .ok_or(KeelError::MathOverflow)?;
    emit_event(&LossSocialized {
        market_index: market.index,
        amount: loss,
        open_lots,
        loss_per_lot: per_lot.raw(),
        loss_index: index.raw(),
        market_seq: market.next_seq(),
    });
    Ok(market.index)
}
