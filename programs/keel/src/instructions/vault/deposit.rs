//! `deposit`: moves tokens of a listed asset from the signer into the account's balance.
//!
//! A deposit can only raise health, so it reads no oracle — except when it opens a new balance
//! slot of an asset with an oracle: that asset's price must then be valid, so nobody parks a
//! balance of an asset whose feed is already failing. It works while any other oracle is stale
//! and while the exchange is paused. It repays a negative quote balance first; the deposit cap
//! counts only what adds to deposits, so a repayment is never refused by it.

use crate::error::KeelError;
use crate::events::{emit_event, CollateralMoved};
use crate::instructions::risk::asset_oracle_binding;
use crate::instructions::vault::bank_flow::accrue_bank;
use crate::instructions::vault::token_flow::transfer_in;
use crate::oracle::{read_price, OracleKind};
use crate::state::{CollateralAsset, Exchange, MarginAccount};
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
    /// The asset's oracle: required when the deposit opens a new balance slot of an asset with
    /// an oracle, unused otherwise (the client always passes it for such assets).
    /// CHECK: checked against the asset's oracle binding by `read_price`.
    pub oracle: Option<UncheckedAccount<'info>>,
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
        let opens_slot = account.active_collaterals().all(|c| c.asset_index != asset.index);
        if opens_slot && asset.oracle_kind()? != OracleKind::Fixed {
            let oracle = self.oracle.as_ref();
            crate::check!(
                oracle.is_some(),
                KeelError::OracleAccountMismatch,
                "deposit: opening a balance of asset {} needs its oracle {}",
                asset.index,
                asset.oracle
            );
            let quote_decimals = self.exchange.load()?.quote_decimals;
            let oracle = oracle.ok_or(KeelError::OracleAccountMismatch)?;
            read_price(oracle, &asset_oracle_binding(&asset)?, quote_decimals, Clock::get()?.unix_timestamp)?;
        }
        Ok(())
    }

    /// Accrues the asset's interest, checks the cap, transfers, then credits the balance.
    pub fn handler(ctx: Context<Self>, amount: u64) -> Result<()> {
        let accounts = ctx.accounts;
        accrue_bank(&accounts.asset, Clock::get()?.unix_timestamp)?;
        let signed = i64::try_from(amount).map_err(|_| KeelError::MathOverflow)?;
        {
            let asset = accounts.asset.load()?;
            require_within_cap(&asset, accounts.margin_account.load()?.units(asset.index), signed)?;
        }
        let vault_after = transfer_in(&accounts.token_program, &accounts.source, &mut accounts.vault, &accounts.authority, amount)?;
        let mut account = accounts.margin_account.load_mut()?;
        let mut asset = accounts.asset.load_mut()?;
        let slot = account.collateral_or_open(asset.index)?;
        let new = asset.change_balance(slot, signed)?.native_after;
        account.release_empty_collaterals();
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

/// Requires the deposits of `asset` to stay within its cap after `amount` is added to a
/// balance of `units`; only the part that adds deposit units counts, so repaying a borrow (or
/// the repaying part of a larger deposit) is never refused.
fn require_within_cap(asset: &CollateralAsset, units: i64, amount: i64) -> Result<()> {
    let change = asset.indices().change(units, amount)?;
    let added = change.deposit_units_delta();
    if added <= 0 {
        return Ok(());
    }
    let units_after = i64::try_from(asset.deposit_units as i128 + added).map_err(|_| KeelError::MathOverflow)?;
    let deposits_after = asset.native(units_after)?;
    crate::check!(
        deposits_after as u64 <= asset.deposit_cap,
        KeelError::DepositCapExceeded,
        "deposit cap {}: total deposits would be {deposits_after}",
        asset.deposit_cap
    );
    Ok(())
}
