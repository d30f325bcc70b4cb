//! The health check every instruction set calls, and the one remaining-accounts contract.
//!
//! # Health accounts (remaining accounts), in this order
//!
//! For every in-use collateral slot of the margin account, in slot order:
//! 1. the asset's `CollateralAsset` account, then
//! 2. the asset's oracle account — omitted for the quote asset (oracle kind `Fixed`).
//!
//! (The perp markets issue appends, for every in-use perp position in slot order, the
//! `PerpMarket` account followed by its oracle.)
//!
//! Each asset account must be owned by this program, carry the `CollateralAsset`
//! discriminator, belong to the same exchange and have the index of its slot; each oracle must
//! be the asset's configured oracle. A missing, extra, foreign or out-of-order account is
//! refused with its own error and a log line naming the position. The Rust client's
//! `health_accounts` produces exactly this list.
//!
//! Instructions that mutate an asset also passed here must release their borrow of it first.

use crate::error::KeelError;
use crate::oracle::{read_price, OracleBinding};
use crate::risk::{CollateralRisk, HealthCache, HealthComponents, HealthKind};
use crate::state::{read_zero_copy, CollateralAsset, Exchange, MarginAccount};
use anchor_lang::prelude::*;

/// Reads the health accounts of `account` from `remaining` into a cache, checking each one.
pub fn load_health_cache(
    exchange_key: &Pubkey,
    exchange: &Exchange,
    account: &MarginAccount,
    remaining: &[AccountInfo],
    now: i64,
) -> Result<Box<HealthCache>> {
    let mut cache = Box::new(HealthCache::new());
    let mut cursor = HealthAccounts { accounts: remaining, position: 0 };
    for slot in account.active_collaterals() {
        let asset = cursor.next_asset(exchange_key, slot.asset_index)?;
        let binding = asset_oracle_binding(&asset)?;
        let prices = if binding.kind == crate::oracle::OracleKind::Fixed {
            crate::risk::PriceQuote::ONE
        } else {
            let oracle = cursor.next("oracle")?;
            read_price(oracle, &binding, exchange.quote_decimals, now)?
        };
        let pushed = cache.push_collateral(CollateralRisk {
            asset_index: slot.asset_index,
            balance: slot.balance,
            prices,
            asset_weights: asset.asset_weights(),
            liability_weights: asset.liability_weights(),
        });
        crate::check!(pushed, KeelError::HealthAccountUnexpected);
    }
    crate::check!(
        cursor.position == remaining.len(),
        KeelError::HealthAccountUnexpected,
        "health accounts: expected {} remaining accounts, got {}",
        cursor.position,
        remaining.len()
    );
    Ok(cache)
}

/// The oracle binding of a listed asset.
pub fn asset_oracle_binding(asset: &CollateralAsset) -> Result<OracleBinding> {
    Ok(OracleBinding {
        kind: asset.oracle_kind()?,
        oracle: asset.oracle,
        feed_id: asset.feed_id,
        config: asset.oracle_config(),
        base_decimals: asset.decimals,
    })
}

/// Requires `health_Init ≥ 0`, logging the numbers when it is not. Returns the components.
pub fn require_init_health(cache: &HealthCache, action: &str) -> Result<HealthComponents> {
    let components = cache.components(HealthKind::Init)?;
    let health = components.health()?;
    crate::check!(
        !health.is_negative(),
        KeelError::InitHealthNegative,
        "{action}: init health would be {health} (weighted assets {}, weighted liabilities {}, perp pnl {}, perp requirements {}; quote native)",
        components.assets,
        components.liabilities,
        components.perp_pnl,
        components.perp_requirements
    );
    Ok(components)
}

/// A cursor over the remaining accounts.
struct HealthAccounts<'a, 'info> {
    accounts: &'a [AccountInfo<'info>],
    position: usize,
}

impl<'a, 'info> HealthAccounts<'a, 'info> {
    /// The next account, or `HealthAccountMissing` naming what was expected.
    fn next(&mut self, what: &str) -> Result<&'a AccountInfo<'info>> {
        let account = self.accounts.get(self.position);
        crate::check!(
            account.is_some(),
            KeelError::HealthAccountMissing,
            "health accounts: expected {what} at remaining account {}",
            self.position
        );
        self.position += 1;
        account.ok_or_else(|| error!(KeelError::HealthAccountMissing))
    }

    /// The next account as the collateral asset with `asset_index` of this exchange.
    fn next_asset(&mut self, exchange_key: &Pubkey, asset_index: u16) -> Result<CollateralAsset> {
        let position = self.position;
        let info = self.next("collateral asset")?;
        let asset = (*info.owner == crate::ID)
            .then(|| read_zero_copy::<CollateralAsset>(&info.try_borrow_data().ok()?))
            .flatten();
        crate::check!(
            matches!(asset, Some(a) if a.exchange == *exchange_key),
            KeelError::HealthAccountInvalid,
            "health accounts: remaining account {position} ({}) is not a collateral asset of this exchange",
            info.key
        );
        let asset = asset.ok_or(KeelError::HealthAccountInvalid)?;
        crate::check!(
            asset.index == asset_index,
            KeelError::HealthAccountMismatch,
            "health accounts: remaining account {position} is asset {}, expected asset {asset_index}",
            asset.index
        );
        Ok(asset)
    }
}
