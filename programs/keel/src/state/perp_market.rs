//! A perp market: its oracle, sizes, risk and fee parameters, open interest, funding and the
//! ledgers of the quote it holds for the protocol.

use crate::error::KeelError;
use crate::math::Fixed;
use crate::oracle::{OracleBinding, OracleConfig, OracleKind};
use crate::risk::MarginRatios;
use crate::state::price_cache::PriceCache;
use anchor_lang::prelude::*;

/// Seed prefix of perp market PDAs: `["perp_market", exchange, index (u16 LE)]`.
pub const PERP_MARKET_SEED: &[u8] = b"perp_market";
/// Current layout version of [`PerpMarket`].
pub const PERP_MARKET_VERSION: u8 = 1;

/// One linear perpetual future quoted in the quote asset. PDA `["perp_market", exchange, index]`.
///
/// Units: a position is counted in base lots (`base_lot_size` base native each); prices on the
/// book are quote lots per base lot (`quote_lot_size` quote native each, i.e. the tick).
#[account(zero_copy)]
#[derive(Debug)]
pub struct PerpMarket {
    /// Layout version, [`PERP_MARKET_VERSION`].
    pub version: u8,
    /// Bump of the PDA.
    pub bump: u8,
    /// [`OracleKind`] as a byte (never `Fixed`).
    pub oracle_kind: u8,
    /// Non-zero while paused: only cancels, reduce-only trades, cranks and liquidations.
    pub paused: u8,
    /// Decimals of the base asset (for oracle normalisation).
    pub base_decimals: u8,
    /// Explicit padding.
    pub padding0: u8,
    /// Index of the market in the exchange.
    pub index: u16,
    /// The exchange.
    pub exchange: Pubkey,
    /// The market's order book account.
    pub order_book: Pubkey,
    /// The market's fill queue account.
    pub fill_queue: Pubkey,
    /// The oracle account.
    pub oracle: Pubkey,
    /// The Pyth feed id the oracle must carry (legacy: the oracle key).
    pub feed_id: [u8; 32],
    /// Base symbol, UTF-8, zero padded (e.g. `SOL`).
    pub symbol: [u8; 16],
    /// Base native units per base lot.
    pub base_lot_size: i64,
    /// Quote native units per quote lot (the tick of a price in quote lots per base lot).
    pub quote_lot_size: i64,
    /// Smallest order, base lots.
    pub min_order_base_lots: i64,
    /// Open-interest cap, base lots per side.
    pub open_interest_cap_lots: i64,
    /// Init margin ratio, bps.
    pub init_margin_bps: u16,
    /// Maint margin ratio, bps (< init).
    pub maint_margin_bps: u16,
    /// Init weight of positive unrealised PnL, bps.
    pub pnl_init_weight_bps: u16,
    /// Maker fee, bps of the notional: zero or a negative rebate (never larger than the taker fee).
    pub maker_fee_bps: i16,
    /// Taker fee, bps of the notional.
    pub taker_fee_bps: u16,
    /// Taker fills must be within this distance of the oracle price, bps.
    pub price_band_bps: u16,
    /// Share of the net fees owed to the insurance fund, bps.
    pub insurance_fee_share_bps: u16,
    /// Largest funding per interval, bps of the oracle price.
    pub max_funding_bps: u16,
    /// Funding interval, seconds (the rate applies per interval, pro rata).
    pub funding_interval_secs: u32,
    /// Oracle guard: maximum age, seconds.
    pub oracle_max_age_secs: u32,
    /// Oracle guard: maximum confidence / price, bps.
    pub oracle_max_conf_bps: u16,
    /// Init pricing k, bps.
    pub oracle_conf_multiplier_bps: u16,
    /// Explicit padding.
    pub padding1: [u8; 4],
    /// Σ positive positions of applied fills, base lots.
    pub long_lots: i64,
    /// Σ |negative positions| of applied fills, base lots.
    pub short_lots: i64,
    /// Base lots of fills queued for resting bids (their makers' side is not applied yet).
    pub pending_bid_lots: i64,
    /// Base lots of fills queued for resting asks.
    pub pending_ask_lots: i64,
    /// Cumulative funding per base lot, quote native, `Fixed` raw little-endian: a long of one
    /// lot has paid the increase since its snapshot.
    pub funding_index: [u8; 16],
    /// Unix time of the last funding update.
    pub last_funding_ts: i64,
    /// Funding rate of the last update, bps per interval (signed; statistics).
    pub last_funding_rate_bps: i64,
    /// Fees collected for the protocol, quote native.
    pub fees_accrued: i64,
    /// Σ insurance shares of this market's fees, booked into the insurance fund's claim in the
    /// quote bank at each fill, quote native (statistics).
    pub insurance_fees_booked: i64,
    /// Σ funding credited (positive) or debited (negative) to quote balances, quote native.
    pub funding_settled_net: i64,
    /// Monotonic sequence of this market's events.
    pub event_seq: u64,
    /// Liquidator discount, bps of the oracle notional: a liquidator takes a position over this
    /// far from the oracle price, in its favour.
    pub liquidation_fee_bps: u16,
    /// Liquidation penalty, bps of the oracle notional: charged to the liquidated account and
    /// paid into the insurance fund.
    pub liquidation_penalty_bps: u16,
    /// Explicit padding.
    pub padding2: [u8; 4],
    /// Σ premium · depth · seconds since the last funding update (premium-lot-seconds), `Fixed`
    /// raw little-endian: each sample adds the premium of the book as it stood since the previous
    /// sample, times the depth it was read over, times the seconds it stood; the crank divides
    /// by the depth then (see `instructions::markets::funding_premium`).
    pub premium_accumulator: [u8; 16],
    /// Unix time of the last premium sample (the accumulator covers up to here).
    pub last_premium_sample_ts: i64,
    /// The last valid oracle price read for this market, quote native per base native, `Fixed`
    /// raw little-endian (zero until one is read): the premium's reference between cranks and
    /// the anchor of a failing feed's conservative valuation in a liquidation.
    pub last_oracle_price: [u8; 16],
    /// Unix time at which `last_oracle_price` was published (as the oracle says, never after
    /// the clock when it was read).
    pub last_oracle_ts: i64,
    /// The PnL pool, quote native (≥ 0): realised losses and funding paid into the market,
    /// less the gains paid out of it. A gain is paid only out of the pool, so the market never
    /// pays a winner ahead of the loss that pays it (see `state::pnl_pool`).
    pub pnl_pool: i64,
    /// Σ positions' `pnl_owed_native`: gains waiting for the pool, quote native.
    pub pnl_owed: i64,
    /// The oracle price the current premium segment started at (the last valid price when
    /// the previous sample was taken), quote native per base native, `Fixed` raw little-endian
    /// (zero before the first sample).
    pub premium_reference: [u8; 16],
    /// Least depth of the funding premium, base lots: the premium is the book's arbitrage value
    /// over `max(this, open interest)` lots per lot of that depth (see
    /// `instructions::markets::funding_premium`).
    pub funding_impact_lots: i64,
    /// Σ depth · seconds since the last funding update (lot-seconds), `Fixed` raw
    /// little-endian: every sample adds the depth the book was read over times all the seconds
    /// since the previous sample; the crank divides the premium accumulator by the larger of this
    /// and its own depth times the elapsed time (see `instructions::markets::funding_premium`).
    pub depth_accumulator: [u8; 16],
    /// The last guarded price `cache_prices` read (see `state::price_cache`).
    pub price_cache: PriceCache,
    /// Reserved for later versions.
    pub reserved: [u8; 80],
}

const _: () = assert!(core::mem::size_of::<PerpMarket>() == 8 + 32 * 5 + 16 + 32 + 16 + 8 + 8 + 32 + 16 + 24 + 32 + 48 + 16 + 16 + 8 + 16 + 64 + 80);
const _: () = assert!(core::mem::align_of::<PerpMarket>() == 8);

impl PerpMarket {
    /// Size of the account including the 8-byte discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<PerpMarket>();

    /// True while paused.
    pub fn is_paused(&self) -> bool {
        self.paused != 0
    }

    /// The cumulative funding index, quote native per base lot.
    pub fn funding_index(&self) -> Fixed {
        Fixed::from_raw(i128::from_le_bytes(self.funding_index))
    }

    /// Stores the cumulative funding index.
    pub fn set_funding_index(&mut self, index: Fixed) {
        self.funding_index = index.raw().to_le_bytes();
    }


    /// Σ premium · depth · seconds since the last funding update.
    pub fn premium_accumulator(&self) -> Fixed {
        Fixed::from_raw(i128::from_le_bytes(self.premium_accumulator))
    }

    /// Stores Σ premium · depth · seconds.
    pub fn set_premium_accumulator(&mut self, value: Fixed) {
        self.premium_accumulator = value.raw().to_le_bytes();
    }

    /// Σ depth · seconds since the last funding update.
    pub fn depth_accumulator(&self) -> Fixed {
        Fixed::from_raw(i128::from_le_bytes(self.depth_accumulator))
    }

    /// Stores Σ depth · seconds.
    pub fn set_depth_accumulator(&mut self, value: Fixed) {
        self.depth_accumulator = value.raw().to_le_bytes();
    }

    /// The last valid oracle price read, quote native per base native (zero when none yet).
    pub fn last_oracle_price(&self) -> Fixed {
        Fixed::from_raw(i128::from_le_bytes(self.last_oracle_price))
    }

    /// The oracle price the current premium segment started at (zero before the first sample).
    pub fn premium_reference(&self) -> Fixed {
        Fixed::from_raw(i128::from_le_bytes(self.premium_reference))
    }

    /// Records a valid oracle price published at `published`.
    pub fn record_oracle_price(&mut self, price: Fixed, published: i64) {
        self.last_oracle_price = price.raw().to_le_bytes();
        self.last_oracle_ts = published;
    }

    /// The indices positions settle against.
    pub fn indices(&self) -> crate::state::MarketIndices {
        crate::state::MarketIndices { funding: self.funding_index() }
    }

    /// The market's oracle binding.
    pub fn oracle_binding(&self) -> Result<OracleBinding> {
        Ok(OracleBinding {
            kind: OracleKind::try_from(self.oracle_kind)?,
            oracle: self.oracle,
            feed_id: self.feed_id,
            config: OracleConfig {
                max_age_secs: self.oracle_max_age_secs,
                max_conf_bps: self.oracle_max_conf_bps,
                conf_multiplier_bps: self.oracle_conf_multiplier_bps,
            },
            base_decimals: self.base_decimals,
        })
    }

    /// Margin ratios as the risk engine takes them.
    pub fn margin_ratios(&self) -> MarginRatios {
        MarginRatios {
            init: Fixed::from_bps(self.init_margin_bps as u32),
            maint: Fixed::from_bps(self.maint_margin_bps as u32),
        }
    }

    /// Quote native of `base_lots` at `price_lots` (quote lots per base lot).
    pub fn notional(&self, base_lots: i64, price_lots: i64) -> Result<i64> {
        let value = (base_lots as i128)
            .checked_mul(price_lots as i128)
            .and_then(|v| v.checked_mul(self.quote_lot_size as i128))
            .ok_or(KeelError::MathOverflow)?;
        i64::try_from(value).map_err(|_| KeelError::MathOverflow.into())
    }

    /// Worst-case open interest, base lots: the larger side, counting queued maker fills as
    /// if each one opened a position.
    pub fn worst_open_interest(&self) -> i64 {
        self.long_lots
            .saturating_add(self.pending_bid_lots)
            .max(self.short_lots.saturating_add(self.pending_ask_lots))
    }

    /// Records that a position moved from `old` to `new` base lots.
    pub fn record_position_change(&mut self, old: i64, new: i64) -> Result<()> {
        let long = (self.long_lots as i128) - (old.max(0) as i128) + (new.max(0) as i128);
        let short = (self.short_lots as i128) - ((-(old as i128)).max(0)) + ((-(new as i128)).max(0));
        self.long_lots = i64::try_from(long).map_err(|_| KeelError::MathOverflow)?;
        self.short_lots = i64::try_from(short).map_err(|_| KeelError::MathOverflow)?;
        Ok(())
    }

    /// Takes the next event sequence number of this market.
    pub fn next_seq(&mut self) -> u64 {
        self.event_seq = self.event_seq.wrapping_add(1);
        self.event_seq
    }
}
