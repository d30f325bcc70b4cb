//! `update_asset` (admin): changes an asset's risk parameters and/or pauses its deposits.

use crate::error::KeelError;
use crate::events::{emit_event, AssetUpdated};
use crate::instructions::risk::AssetParams;
use crate::state::{CollateralAsset, Exchange, QUOTE_ASSET_INDEX};
use anchor_lang::prelude::*;

/// Arguments of `update_asset`; `None` leaves a field as it is.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug)]
pub struct UpdateAssetArgs {
    /// New risk parameters (all bounds are checked again).
    pub params: Option<AssetParams>,
    /// Pause or resume deposits of the asset.
    pub deposits_paused: Option<bool>,
}

/// Accounts of `update_asset`.
#[derive(Accounts)]
pub struct UpdateAsset<'info> {
    /// The exchange admin.
    pub admin: Signer<'info>,
    /// The exchange.
    #[account(mut, has_one = admin @ KeelError::NotAdmin)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The asset to change.
    #[account(mut, has_one = exchange @ KeelError::ExchangeMismatch)]
    pub asset: AccountLoader<'info, CollateralAsset>,
}

impl UpdateAsset<'_> {
    /// Applies the changes after checking every bound.
    pub fn handler(ctx: Context<Self>, args: UpdateAssetArgs) -> Result<()> {
        // Interest up to now accrues at the old rate before any new parameter applies.
        crate::instructions::vault::bank_flow::accrue_bank(&ctx.accounts.asset, Clock::get()?.unix_timestamp)?;
        let mut asset = ctx.accounts.asset.load_mut()?;
        if let Some(params) = args.params {
            params.validate(asset.index == QUOTE_ASSET_INDEX)?;
            params.apply(&mut asset);
        }
        if let Some(paused) = args.deposits_paused {
            asset.deposits_paused = paused as u8;
        }
        let mut exchange = ctx.accounts.exchange.load_mut()?;
        emit_event(&AssetUpdated {
            asset: ctx.accounts.asset.key(),
            index: asset.index,
            params: AssetParams::of(&asset),
            deposits_paused: asset.deposits_paused != 0,
            admin_seq: exchange.next_admin_seq(),
        });
        Ok(())
    }
}
