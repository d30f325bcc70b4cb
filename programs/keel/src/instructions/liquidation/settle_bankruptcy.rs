//! `settle_bankruptcy` (permissionless): an account with nothing left — no positions, no
//! orders, no collateral but a negative quote balance — is settled to zero. The insurance fund
//! covers the deficit as far as it can, from its claim in the quote bank first and then from
//! its vault (tokens move *into* the quote vault, so no shortage of quote liquidity can block
//! it); the rest is socialised over every quote depositor pro rata by lowering the deposit
//! index. Nobody chooses who pays, and there is always someone to settle against: when
//! deposits are exhausted, the remainder is booked as the bank's unsocialised loss.

use super::shared::credit_recorded;
use crate::error::KeelError;
use crate::events::{
    emit_event, BankruptcySettled, InsuranceClaimChanged, InsuranceFlow, LossSocialized,
    INSURANCE_DEFICIT,
};
use crate::instructions::vault::bank_flow::accrue_bank;
use crate::instructions::vault::token_flow::transfer_out;
use crate::state::{CollateralAsset, Exchange, InsuranceFund, MarginAccount, QUOTE_ASSET_INDEX};
use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use keel_risk::bank::socialize;

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
    /// The quote vault (receives what the fund's vault covers).
    #[account(mut)]
    pub vault: Account<'info, TokenAccount>,
    /// The insurance fund.
    #[account(mut, has_one = exchange @ KeelError::ExchangeMismatch,
        constraint = insurance_fund.load()?.vault == insurance_vault.key() @ KeelError::WrongVault)]
    pub insurance_fund: AccountLoader<'info, InsuranceFund>,
    /// The insurance fund's vault.
    #[account(mut)]
    pub insurance_vault: Account<'info, TokenAccount>,
    /// SPL Token.
    pub token_program: Program<'info, Token>,
}

impl SettleBankruptcy<'_> {
    /// Settles the account's deficit: the fund's claim, the fund's vault, then the depositors.
    pub fn handler(ctx: Context<Self>) -> Result<()> {
        let a = ctx.accounts;
        let account_key = a.margin_account.key();
        accrue_bank(&a.quote_asset, Clock::get()?.unix_timestamp)?;
        let deficit = {
            let account = a.margin_account.load()?;
            let quote = a
                .quote_asset
                .load()?
                .native(account.units(QUOTE_ASSET_INDEX))?;
            let holds_other = account
                .active_collaterals()
                .any(|c| c.asset_index != QUOTE_ASSET_INDEX && c.units != 0);
            let open = account.holds_perps() || account.orders.iter().any(|o| o.is_in_use());
            crate::check!(
                quote < 0 && !holds_other && !open,
                KeelError::NotBankrupt,
                "bankruptcy: quote balance {quote}, other collateral {holds_other}, positions or orders {open}"
            );
            quote.unsigned_abs()
        };
        let from_claim = cover_from_claim(a, account_key, deficit)?;
        let from_vault = cover_from_vault(a, account_key, deficit - from_claim)?;
        let remainder = deficit - from_claim - from_vault;

        let mut quote = a.quote_asset.load_mut()?;
        let mut account = a.margin_account.load_mut()?;
        let deficit_native = i64::try_from(deficit).map_err(|_| KeelError::MathOverflow)?;
        credit_recorded(&mut account, &mut quote, deficit_native)?;
        if remainder > 0 {
            let before = quote.indices();
            let s = socialize(&quote.totals(), remainder)?;
            quote.bank.deposit_index = s.indices.deposit.raw().to_le_bytes();
            quote.bank.add_dust(s.dust)?;
            quote.bank.unsocialized_loss = quote
                .bank
                .unsocialized_loss
                .checked_add(s.unsocialized)
                .ok_or(KeelError::MathOverflow)?;
            emit_event(&LossSocialized {
                account: account_key,
                amount: remainder,
                deposit_index_before: before.deposit.raw(),
                deposit_index_after: s.indices.deposit.raw(),
                unsocialized: s.unsocialized,
                asset_seq: quote.next_seq(),
            });
        }
        account.being_liquidated = crate::state::LIQUIDATION_NONE;
        account.release_empty_collaterals();
        emit_event(&BankruptcySettled {
            account: account_key,
            deficit,
            covered_by_insurance: from_claim + from_vault,
            socialized: remainder,
            account_seq: account.next_seq(),
        });
        Ok(())
    }
}

/// Covers up to `deficit` from the fund's claim in the quote bank (a ledger move). Returns it.
fn cover_from_claim(a: &SettleBankruptcy, account_key: Pubkey, deficit: u64) -> Result<u64> {
    let mut quote = a.quote_asset.load_mut()?;
    let covered = deficit.min(quote.bank.insurance_claim);
    if covered == 0 {
        return Ok(0);
    }
    quote.bank.insurance_claim -= covered;
    let mut fund = a.insurance_fund.load_mut()?;
    fund.total_deficits_covered = fund
        .total_deficits_covered
        .checked_add(covered)
        .ok_or(KeelError::MathOverflow)?;
    emit_event(&InsuranceClaimChanged {
        exchange: fund.exchange,
        kind: INSURANCE_DEFICIT,
        counterparty: account_key,
        amount: -(covered as i64),
        claim_after: quote.bank.insurance_claim,
        fund_seq: fund.next_seq(),
    });
    Ok(covered)
}

/// Covers up to `deficit` with tokens of the fund's vault, moved into the quote vault.
/// Returns it.
fn cover_from_vault(a: &mut SettleBankruptcy, account_key: Pubkey, deficit: u64) -> Result<u64> {
    if deficit == 0 {
        return Ok(0);
    }
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
    Ok(covered)
}
