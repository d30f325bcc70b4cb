//! `withdraw`: moves tokens out of the account's balance to a token account of the owner's
//! choice. Only the owner may withdraw, never beyond the balance, and the account must keep
//! Init health ≥ 0 afterwards (a refusal logs the health numbers), and the asset's utilisation
//! must stay within its cap (`UtilizationCapReached`: the claim stays, earning the deposit
//! rate, and becomes withdrawable as borrows are repaid or liquidated).

use crate::error::KeelError;
use crate::events::{emit_event, CollateralMoved};
use crate::instructions::risk::{load_health_cache, require_init_health};
use crate::instructions::vault::bank_flow::{accrue_bank, require_withdrawable};
use crate::instructions::vault::token_flow::transfer_out;
use crate::math::Rounding;
use crate::state::{CollateralAsset, Exchange, MarginAccount};
use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

/// Accounts of `withdraw`; the health accounts follow as remaining accounts.
#[derive(Accounts)]
pub struct Withdraw<'info> {
    /// The account's owner.
    pub owner: Signer<'info>,
    /// The exchange (signs for the vault).
    pub exchange: AccountLoader<'info, Exchange>,
    /// The margin account debited.
    #[account(mut, has_one = exchange @ KeelError::ExchangeMismatch)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The asset withdrawn.
    #[account(mut, has_one = exchange @ KeelError::ExchangeMismatch, has_one = vault @ KeelError::WrongVault)]
    pub asset: AccountLoader<'info, CollateralAsset>,
    /// The asset's vault.
    #[account(mut)]
    pub vault: Account<'info, TokenAccount>,
    /// Where the tokens go.
    #[account(mut)]
    pub destination: Account<'info, TokenAccount>,
    /// SPL Token.
    pub token_program: Program<'info, Token>,
}

impl<'info> Withdraw<'info> {
    /// Checks the pause flag, the signer and the destination's mint.
    pub fn validate(&self, amount: u64) -> Result<()> {
        crate::check!(amount > 0, KeelError::ZeroAmount);
        crate::check!(!self.exchange.load()?.is_paused(), KeelError::ExchangePaused);
        let account = self.margin_account.load()?;
        let signer = self.owner.key();
        crate::check!(
            signer == account.owner,
            if account.delegate == signer { KeelError::WithdrawRequiresOwner } else { KeelError::NotOwner }
        );
        crate::check!(self.destination.mint == self.asset.load()?.mint, KeelError::WrongMint);
        Ok(())
    }

    /// Debits, checks Init health on the result, then transfers.
    pub fn handler(ctx: Context<'info, Self>, amount: u64) -> Result<()> {
        let accounts = ctx.accounts;
        let signed_amount = i64::try_from(amount).map_err(|_| KeelError::InsufficientBalance)?;
        let now = Clock::get()?.unix_timestamp;
        accrue_bank(&accounts.asset, now)?;
        let (balance_after, mint, asset_index, asset_seq) = {
            let mut account = accounts.margin_account.load_mut()?;
            let mut asset = accounts.asset.load_mut()?;
            let slot = account.collateral_mut(asset.index).ok_or(KeelError::NoSuchBalance)?;
            let old = asset.native(slot.units)?;
            crate::check!(
                old >= signed_amount,
                KeelError::InsufficientBalance,
                "withdraw: balance {old}, requested {amount}"
            );
            require_withdrawable(&asset, accounts.vault.amount, amount, "withdraw")?;
            let after = asset.change_balance(slot, -signed_amount)?.native_after;
            (after, asset.mint, asset.index, asset.next_seq())
        };

        let init_health = {
            let exchange = accounts.exchange.load()?;
            let account = accounts.margin_account.load()?;
            let cache = load_health_cache(&accounts.exchange.key(), &exchange, &account, ctx.remaining_accounts, now)?;
            require_init_health(&cache, "withdraw")?.health()?
        };

        let vault_after = transfer_out(&accounts.token_program, &mut accounts.vault, &accounts.destination, &accounts.exchange, amount)?;

        let mut account = accounts.margin_account.load_mut()?;
        account.being_liquidated = crate::state::LIQUIDATION_NONE;
        account.release_empty_collaterals();
        emit_event(&CollateralMoved {
            account: accounts.margin_account.key(),
            authority: accounts.owner.key(),
            asset_index,
            mint,
            amount: -signed_amount,
            balance_after,
            vault_balance_after: vault_after,
            init_health_after: init_health.to_i64(Rounding::Down)?,
            account_seq: account.next_seq(),
            asset_seq,
        });
        Ok(())
    }
}
