//! `replace_asset_oracle` (admin): replaces a collateral asset's oracle — kind, account, feed
//! id and guards — for a feed that died or moved. The new account must be a valid oracle of the
//! declared kind carrying the feed id, with a price that passes the new guards now. The quote
//! asset's fixed price cannot be replaced. The shared validation is used by
//! `replace_market_oracle` too.

use crate::error::KeelError;
use crate::events::{emit_event, OracleReplaced, ORACLE_TARGET_ASSET, ORACLE_TARGET_MARKET};
use crate::instructions::risk::bind_oracle;
use crate::oracle::{read_price_published, OracleBinding, OracleConfig, OracleKind, PublishedPrice};
use crate::state::{CollateralAsset, Exchange, PerpMarket, PriceCache};
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
) -> Result<(OracleBinding, PublishedPrice)> {
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
    let price = read_price_published(oracle, &binding, quote_decimals, now)?;
    Ok((binding, price))
}

/// An account whose oracle the admin may replace: a collateral asset or a perp market.
pub trait OracleHolder {
    /// [`ORACLE_TARGET_ASSET`] or [`ORACLE_TARGET_MARKET`].
    const TARGET: u8;
    /// Its index on the exchange.
    fn holder_index(&self) -> u16;
    /// Decimals of the priced (base) mint.
    fn priced_decimals(&self) -> u8;
    /// Its oracle fields: kind byte, account, feed id, max age, max confidence, k.
    fn oracle_fields(
        &mut self,
    ) -> (
        &mut u8,
        &mut Pubkey,
        &mut [u8; 32],
        &mut u32,
        &mut u16,
        &mut u16,
    );
    /// Its cached price, forgotten with the oracle it was read from.
    fn price_cache(&mut self) -> &mut PriceCache;
}

/// Implements [`OracleHolder`] for a listed account whose oracle fields carry the same names.
macro_rules! oracle_holder {
    ($holder:ty, $target:expr, $decimals:ident) => {
        impl OracleHolder for $holder {
            const TARGET: u8 = $target;
            fn holder_index(&self) -> u16 {
                self.index
            }
            fn priced_decimals(&self) -> u8 {
                self.$decimals
            }
            fn oracle_fields(
                &mut self,
            ) -> (
                &mut u8,
                &mut Pubkey,
                &mut [u8; 32],
                &mut u32,
                &mut u16,
                &mut u16,
            ) {
                (
                    &mut self.oracle_kind,
                    &mut self.oracle,
                    &mut self.feed_id,
                    &mut self.oracle_max_age_secs,
                    &mut self.oracle_max_conf_bps,
                    &mut self.oracle_conf_multiplier_bps,
                )
            }
            fn price_cache(&mut self) -> &mut PriceCache {
                &mut self.price_cache
            }
        }
    };
}

oracle_holder!(CollateralAsset, ORACLE_TARGET_ASSET, decimals);
oracle_holder!(PerpMarket, ORACLE_TARGET_MARKET, base_decimals);

/// Replaces `holder`'s oracle (at `address`) by `new_oracle` as `args` describe, after
/// [`bind_replacement`], and emits [`OracleReplaced`]. Returns the new oracle's price.
pub fn replace_oracle<H: OracleHolder>(
    holder: &mut H,
    address: Pubkey,
    new_oracle: &UncheckedAccount,
    args: &ReplaceOracleArgs,
    exchange: &mut Exchange,
    now: i64,
) -> Result<PublishedPrice> {
    let (binding, price) = bind_replacement(
        new_oracle,
        args,
        holder.priced_decimals(),
        exchange.quote_decimals,
        now,
    )?;
    let index = holder.holder_index();
    holder.price_cache().clear();
    let (kind, oracle, feed_id, max_age, max_conf, multiplier) = holder.oracle_fields();
    let (old_kind, old_oracle, old_feed_id) = (*kind, *oracle, *feed_id);
    *kind = binding.kind as u8;
    *oracle = binding.oracle;
    *feed_id = binding.feed_id;
    *max_age = args.max_age_secs;
    *max_conf = args.max_conf_bps;
    *multiplier = args.conf_multiplier_bps;
    emit_event(&OracleReplaced {
        target: H::TARGET,
        address,
        index,
        old_kind,
        old_oracle,
        old_feed_id,
        new_kind: binding.kind as u8,
        new_oracle: binding.oracle,
        new_feed_id: binding.feed_id,
        max_age_secs: args.max_age_secs,
        max_conf_bps: args.max_conf_bps,
        conf_multiplier_bps: args.conf_multiplier_bps,
        price: price.quote.oracle.raw(),
        admin_seq: exchange.next_admin_seq(),
    });
    Ok(price)
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
        replace_oracle(
            &mut *asset,
            ctx.accounts.asset.key(),
            &ctx.accounts.new_oracle,
            &args,
            &mut exchange,
            now,
        )?;
        Ok(())
    }
}
