//! A listed collateral asset: its mint, vault, oracle and risk parameters.

use crate::math::Fixed;
use crate::oracle::{OracleConfig, OracleKind};
use crate::risk::{AssetWeights, LiabilityWeights};
use crate::state::bank::BankState;
use crate::state::price_cache::PriceCache;
use anchor_lang::prelude::*;

/// Seed prefix of the asset PDA: `["asset", exchange, mint]`.
pub const ASSET_SEED: &[u8] = b"asset";
/// Seed prefix of the asset's vault token account: `["vault", exchange, mint]`.
pub const VAULT_SEED: &[u8] = b"vault";
/// Current layout version of [`CollateralAsset`].
pub const ASSET_VERSION: u8 = 1;
/// Index of the quote (settlement) asset.
pub const QUOTE_ASSET_INDEX: u16 = 0;

/// One listed collateral asset. PDA `["asset", exchange, mint]`.
#[account(zero_copy)]
#[derive(Debug)]
pub struct CollateralAsset {
    /// Layout version, [`ASSET_VERSION`].
    pub version: u8,
    /// Bump of the asset PDA.
    pub bump: u8,
    /// Bump of the vault PDA.
    pub vault_bump: u8,
    /// Decimals of the mint, copied at listing.
    pub decimals: u8,
    /// [`OracleKind`] as a byte.
    pub oracle_kind: u8,
    /// Non-zero while deposits of this asset are paused.
    pub deposits_paused: u8,
    /// Index of the asset in the exchange (0 is the quote asset).
    pub index: u16,
    /// The exchange the asset belongs to.
    pub exchange: Pubkey,
    /// The SPL Token mint.
    pub mint: Pubkey,
    /// The PDA token account holding every deposit of this asset; its authority is the exchange.
    pub vault: Pubkey,
    /// The oracle account (Pyth `PriceUpdateV2` or legacy price account); default for the quote.
    pub oracle: Pubkey,
    /// The Pyth feed id the oracle must carry (legacy: the price account key).
    pub feed_id: [u8; 32],
    /// Init asset weight, bps (10_000 = 1.0).
    pub init_asset_weight_bps: u16,
    /// Maint asset weight, bps.
    pub maint_asset_weight_bps: u16,
    /// Init liability weight, bps (only the quote asset can be a liability).
    pub init_liab_weight_bps: u16,
    /// Maint liability weight, bps.
    pub maint_liab_weight_bps: u16,
    /// Oracle guard: maximum confidence / price, bps.
    pub oracle_max_conf_bps: u16,
    /// Init pricing: assets at price − k·conf, liabilities at price + k·conf; k in bps.
    pub oracle_conf_multiplier_bps: u16,
    /// Oracle guard: maximum age of the price, seconds.
    pub oracle_max_age_secs: u32,
    /// Maximum of the deposits in native units; repayments of a borrow are never capped.
    pub deposit_cap: u64,
    /// Σ positive balances of margin accounts, deposit index units.
    pub deposit_units: u64,
    /// Σ magnitudes of negative balances (borrows), borrow index units; quote asset only.
    pub borrow_units: u64,
    /// Monotonic sequence of this asset's events (deposits, withdrawals, parameter changes).
    pub event_seq: u64,
    /// Liquidator discount, bps of the oracle value: a liquidator buys this collateral from a
    /// liquidated account this far below the oracle price.
    pub liquidation_fee_bps: u16,
    /// Liquidation penalty, bps of the oracle value: charged to the liquidated account and paid
    /// into the insurance fund.
    pub liquidation_penalty_bps: u16,
    /// Explicit padding.
    pub padding1: [u8; 4],
    /// The bank: indices, interest, the fund's claim, rounding dust, limits.
    pub bank: BankState,
    /// The last guarded price `cache_prices` read (see `state::price_cache`).
    pub price_cache: PriceCache,
    /// Reserved for later versions.
    pub reserved: [u8; 56],
}

const _: () = assert!(core::mem::size_of::<CollateralAsset>() == 8 + 160 + 16 + 32 + 8 + 128 + 64 + 56);
const _: () = assert!(core::mem::align_of::<CollateralAsset>() == 8);

impl CollateralAsset {
    /// Size of the account including the 8-byte discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<CollateralAsset>();

    /// The asset's oracle kind.
    pub fn oracle_kind(&self) -> Result<OracleKind> {
        OracleKind::try_from(self.oracle_kind)
    }

    /// The oracle guards configured for the asset.
    pub fn oracle_config(&self) -> OracleConfig {
        OracleConfig {
            max_age_secs: self.oracle_max_age_secs,
            max_conf_bps: self.oracle_max_conf_bps,
            conf_multiplier_bps: self.oracle_conf_multiplier_bps,
        }
    }

    /// Asset weights as the risk engine takes them.
    pub fn asset_weights(&self) -> AssetWeights {
        AssetWeights {
            init: Fixed::from_bps(self.init_asset_weight_bps as u32),
            maint: Fixed::from_bps(self.maint_asset_weight_bps as u32),
        }
    }

    /// Liability weights as the risk engine takes them.
    pub fn liability_weights(&self) -> LiabilityWeights {
        LiabilityWeights {
            init: Fixed::from_bps(self.init_liab_weight_bps as u32),
            maint: Fixed::from_bps(self.maint_liab_weight_bps as u32),
        }
    }

    /// Takes the next event sequence number of this asset.
    pub fn next_seq(&mut self) -> u64 {
        self.event_seq = self.event_seq.wrapping_add(1);
        self.event_seq
    }
}
