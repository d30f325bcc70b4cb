//! `replace_asset_oracle` (admin): replaces a collateral asset's oracle — kind, account, feed
//! id and guards — for a feed that died or moved. The new account must be a valid oracle of the
//! declared kind carrying the feed id, with a price that passes the new guards now. The quote
//! asset's fixed price cannot be replaced. The shared validation is used by
//! `replace_market_oracle` too.

use crate::error::KeelError;
use crate::events::{emit_event, OracleReplaced, ORACLE_TARGET_ASSET};
use crate::instructions::risk::bind_oracle;
use crate::oracle::{read_price, OracleBinding, OracleConfig, OracleKind};
use crate::risk::PriceQuote;
use crate::state::{CollateralAsset, Exchange};
use anchor_lang::prelude::*;

/// The oracle an asset or market is to use from now on.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplaceOracleArgs {
    /// Pull or legacy Pyth (never `Fixed`).
    pub kind: OracleKind,
    /// The Pyth feed id (pull oracle); ignored for legacy (the account key is its id).
    pub feed_id: [u8; 32],
    /// Guard: maximum age, seconds (1..=3600).
    pub max_age_secs: u32,
    /// Guard: maximum confidence / price, bps (1..=2000).
    pub max_conf_bps: u16,
    /// Init pricing k, bps (0..=50000).
    pub conf_multiplier_bps: u16,
}

impl ReplaceOracleArgs {
    /// The guards.
    pub fn config(&self) -> OracleConfig {
        OracleConfig {
            max_age_secs: self.max_age_secs,
            max_conf_bps: self.max_conf_bps,
            conf_multiplier_bps: self.conf_multiplier_bps,
        }
    }
}

/// The binding `args` describe with `oracle`, checked: not `Fixed` (`OracleNotReplaceable`),
/// guards within bounds, the account a valid oracle of the kind carrying the feed id, and its
/// price valid under the new guards at `now`. Returns the binding and that price.
pub fn bind_replacement(
    oracle: &UncheckedAccount,
    args: &ReplaceOracleArgs,
    base_decimals: u8,
    quote_decimals: u8,
    now: i64,
) -> Result<(OracleBinding, PriceQuote)> {
    crate::check!(
        args.kind != OracleKind::Fixed,
        KeelError::OracleNotReplaceable
    );
    crate::check!(args.config().is_valid(), KeelError::InvalidOracleConfig);
    let (key, feed_id) = bind_oracle(Some(oracle), args.kind, &args.feed_id)?;
    let binding = OracleBinding {
        kind: args.kind,
        oracle: key,
        feed_id,
        config: args.config(),
        base_decimals,
    };
    let price = read_price(oracle, &binding, quote_decimals, now)?;
    Ok((binding, price))
}

/// Accounts of `replace_asset_oracle`.
#[derive(Accounts)]
pub struct ReplaceAssetOracle<'info> {
    /// The exchange admin.
    pub admin: Signer<'info>,
    /// The exchange.
    #[account(mut, has_one = admin @ KeelError::NotAdmin)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The asset (not the quote asset).
    #[account(mut, has_one = exchange @ KeelError::ExchangeMismatch)]
    pub asset: AccountLoader<'info, CollateralAsset>,
    /// The new oracle account.
    /// CHECK: owner, layout, feed id and price are verified by `bind_replacement`.
    pub new_oracle: UncheckedAccount<'info>,
}

impl ReplaceAssetOracle<'_> {
    /// Validates the new oracle and binds it.
    pub fn handler(ctx: Context<Self>, args: ReplaceOracleArgs) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let mut exchange = ctx.accounts.exchange.load_mut()?;
        let mut asset = ctx.accounts.asset.load_mut()?;
        crate::check!(
            asset.oracle_kind()? != OracleKind::Fixed,
            KeelError::OracleNotReplaceable
        );
        let (binding, price) = bind_replacement(
            &ctx.accounts.new_oracle,
            &args,
            asset.decimals,
            exchange.quote_decimals,
            now,
        )?;
        let (old_kind, old_oracle, old_feed_id) = (asset.oracle_kind, asset.oracle, asset.feed_id);
        asset.oracle_kind = binding.kind as u8;
        asset.oracle = binding.oracle;
        asset.feed_id = binding.feed_id;
        asset.oracle_max_age_secs = args.max_age_secs;
        asset.oracle_max_conf_bps = args.max_conf_bps;
        asset.oracle_conf_multiplier_bps = args.conf_multiplier_bps;
        emit_event(&OracleReplaced {
            target: ORACLE_TARGET_ASSET,
            address: ctx.accounts.asset.key(),
            index: asset.index,
            old_kind,
            old_oracle,
            old_feed_id,
            new_kind: asset.oracle_kind,
            new_oracle: asset.oracle,
            new_feed_id: asset.feed_id,
            max_age_secs: args.max_age_secs,
            max_conf_bps: args.max_conf_bps,
            conf_multiplier_bps: args.conf_multiplier_bps,
            price: price.oracle.raw(),
            admin_seq: exchange.next_admin_seq(),
        });
        Ok(())
    }
}
