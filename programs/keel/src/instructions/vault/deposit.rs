//! `deposit`: moves tokens of a listed asset from the signer into the account's balance.
//!
//! A deposit can only raise health, so it reads no oracle: it works while any oracle is stale
//! and while the exchange is paused. It repays a negative quote balance first.

use crate::error::KeelError;
use crate::events::{emit_event, CollateralMoved};
use crate::instructions::vault::token_flow::transfer_in;
use crate::state::{CollateralAsset, Exchange, MarginAccount, LIQUIDATION_IN_PROGRESS, LIQUIDATION_NONE};
use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

/// Accounts of `deposit`.
#[derive(Accounts)]
pub struct Deposit<'info> {
    /// The account's owner or delegate, and the authority of `source`.
    pub authority: Signer<'info>,
    /// The exchange.
    pub exchange: AccountLoader<'info, Exchange>,
    /// The margin account credited.
    #[account(mut, has_one = exchange @ KeelError::ExchangeMismatch)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The asset deposited.
    #[account(mut, has_one = exchange @ KeelError::ExchangeMismatch, has_one = vault @ KeelError::WrongVault)]
    pub asset: AccountLoader<'info, CollateralAsset>,
    /// The asset's vault.
    #[account(mut)]
    pub vault: Account<'info, TokenAccount>,
    /// The signer's token account the tokens come from.
    #[account(mut)]
    pub source: Account<'info, TokenAccount>,
    /// SPL Token.
    pub token_program: Program<'info, Token>,
}

impl Deposit<'_> {
    /// Checks the signer, the source account, the pause flag and the deposit cap.
    pub fn validate(&self, amount: u64) -> Result<()> {
        crate::check!(amount > 0, KeelError::ZeroAmount);
        let account = self.margin_account.load()?;
        crate::check!(account.is_owner_or_delegate(self.authority.key), KeelError::NotOwnerOrDelegate);
        let asset = self.asset.load()?;
        crate::check!(self.source.mint == asset.mint, KeelError::WrongMint);
        crate::check!(self.source.owner == self.authority.key(), KeelError::TokenAccountNotOwnedBySigner);
        crate::check!(asset.deposits_paused == 0, KeelError::AssetPaused);
        let old = account.balance(asset.index);
        let new = old.checked_add(i64::try_from(amount).map_err(|_| KeelError::MathOverflow)?).ok_or(KeelError::MathOverflow)?;
        let deposits_after = asset.total_deposits as i128 - old.max(0) as i128 + new.max(0) as i128;
        crate::check!(
            deposits_after <= asset.deposit_cap as i128,
            KeelError::DepositCapExceeded,
            "deposit cap {}: total deposits would be {deposits_after}",
            asset.deposit_cap
        );
        Ok(())
    }

    /// Transfers, then credits the balance.
    pub fn handler(ctx: Context<Self>, amount: u64) -> Result<()> {
        let accounts = ctx.accounts;
        let vault_after = transfer_in(&accounts.token_program, &accounts.source, &mut accounts.vault, &accounts.authority, amount)?;
        let mut account = accounts.margin_account.load_mut()?;
        let mut asset = accounts.asset.load_mut()?;
        let slot = account.collateral_or_open(asset.index)?;
        let old = slot.balance;
        slot.balance = old.checked_add(amount as i64).ok_or(KeelError::MathOverflow)?;
        let new = slot.balance;
        asset.record_balance_change(old, new)?;
        account.release_empty_collaterals();
        // New margin ends a liquidation in progress: the account is judged afresh (Maint < 0
        // starts a new one), as an identical account that was never liquidated would be.
        if account.being_liquidated == LIQUIDATION_IN_PROGRESS {
            account.being_liquidated = LIQUIDATION_NONE;
        }
        emit_event(&CollateralMoved {
            account: accounts.margin_account.key(),
            authority: accounts.authority.key(),
            asset_index: asset.index,
            mint: asset.mint,
            amount: amount as i64,
            balance_after: new,
            vault_balance_after: vault_after,
            init_health_after: 0,
            account_seq: account.next_seq(),
            asset_seq: asset.next_seq(),
        });
        Ok(())
    }
}
