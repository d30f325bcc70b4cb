//! Oracle adapters and guards.
//!
//! Two Pyth formats are read: the pull oracle's `PriceUpdateV2` (the current mainnet format,
//! [`pyth_pull`]) and legacy price accounts ([`pyth_legacy`]). Both are reduced to a
//! [`RawPrice`], which [`guard::validate`] checks (Trading status, positive price, exponent
//! range, publish time not ahead of the clock, age, confidence ratio) and normalises into the risk engine's [`PriceQuote`] in quote native units
//! per base native unit. A failed guard is an error of its own, never a silent fallback.

pub mod guard;
pub mod pyth_legacy;
pub mod pyth_pull;

use crate::error::KeelError;
use crate::risk::PriceQuote;
use anchor_lang::prelude::*;

pub use guard::{validate, OracleConfig, RawPrice};

/// Where an asset's price comes from (stored as its position: 0, 1, 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, AnchorSerialize, AnchorDeserialize)]
pub enum OracleKind {
    /// Exactly 1 quote unit per quote unit: the quote asset only, no oracle account.
    Fixed,
    /// A Pyth pull-oracle `PriceUpdateV2` account, owned by the Pyth receiver program.
    PythPull,
    /// A legacy Pyth price account, owned by the Pyth oracle program.
    PythLegacy,
}

impl TryFrom<u8> for OracleKind {
    type Error = anchor_lang::error::Error;
    fn try_from(value: u8) -> Result<Self> {
        match value {
            0 => Ok(OracleKind::Fixed),
            1 => Ok(OracleKind::PythPull),
            2 => Ok(OracleKind::PythLegacy),
            _ => err!(KeelError::OracleInvalidData),
        }
    }
}

/// What an asset or market says about its oracle.
#[derive(Clone, Copy, Debug)]
pub struct OracleBinding {
    /// The kind of oracle.
    pub kind: OracleKind,
    /// The configured oracle account.
    pub oracle: Pubkey,
    /// The feed id the oracle must carry (legacy: the oracle account key).
    pub feed_id: [u8; 32],
    /// The guards.
    pub config: OracleConfig,
    /// Decimals of the priced (base) mint.
    pub base_decimals: u8,
}

/// Reads, verifies and normalises the price of `binding` from `account`.
/// `now` is the cluster's unix timestamp; `quote_decimals` the quote mint's decimals.
pub fn read_price(
    account: &AccountInfo,
    binding: &OracleBinding,
    quote_decimals: u8,
    now: i64,
) -> Result<PriceQuote> {
    read_price_lenient(account, binding, quote_decimals, now)?.map_err(Into::into)
}

/// A valid price and when it was published.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublishedPrice {
    /// The price as the risk engine takes it.
    pub quote: PriceQuote,
    /// Its publish time, never after the clock (the fixed quote price: now).
    pub published: i64,
}

/// Like [`read_price`], with the price's publish time: what a market records as its last
/// valid price, so that the price's age — not the time it was read — bounds how long it may
/// stand for the oracle.
pub fn read_price_published(
    account: &AccountInfo,
    binding: &OracleBinding,
    quote_decimals: u8,
    now: i64,
) -> Result<PublishedPrice> {
    let Some(raw) = read_raw(account, binding)? else { return Ok(PublishedPrice { quote: PriceQuote::ONE, published: now }) };
    let quote = validated(account, &raw, binding, quote_decimals, now)?;
    Ok(PublishedPrice { quote, published: raw.publish_time.min(now) })
}

/// [`validate`]d, a failed guard logged with its numbers.
fn validated(
    account: &AccountInfo,
    raw: &RawPrice,
    binding: &OracleBinding,
    quote_decimals: u8,
    now: i64,
) -> core::result::Result<PriceQuote, KeelError> {
    validate(raw, &binding.config, binding.base_decimals, quote_decimals, now).inspect_err(|e| {
        crate::keel_log!("oracle {}: {:?} (price {} conf {} expo {} published {} now {})",
            account.key, e, raw.price, raw.conf, raw.exponent, raw.publish_time, now);
    })
}

/// Like [`read_price`], but separates the two ways to fail: the outer error is a wrong account
/// (key, owner, layout, feed id, verification); the inner one a price that fails its guards
/// (not Trading, non-positive, exponent out of range, from the future, stale, too uncertain),
/// logged with its numbers.
pub fn read_price_lenient(
    account: &AccountInfo,
    binding: &OracleBinding,
    quote_decimals: u8,
    now: i64,
) -> Result<core::result::Result<PriceQuote, KeelError>> {
    let Some(raw) = read_raw(account, binding)? else { return Ok(Ok(PriceQuote::ONE)) };
    Ok(validated(account, &raw, binding, quote_decimals, now))
}

/// How much older than its `max_age` a price may be and still count, at its last published
/// value, in a liquidation's decision (15 minutes): long enough for a short feed outage not to
/// block liquidations, short enough that nobody can value an account at an old price.
pub const STALE_GRACE_SECS: i64 = 900;

/// Like [`read_price_lenient`], but a price that is only too old — by at most
/// [`STALE_GRACE_SECS`] beyond its max age — is taken as last published (every other guard
/// still applies), and the configured oracle account itself gone bad (closed, another owner,
/// not a price account, another feed) is a failing price (`OracleInvalidData`), not an error:
/// for deciding on a liquidation while an unrelated oracle fails, the account is valued at the
/// last prices the oracle published or conservatively against it. Any other account than the
/// configured one is still refused.
pub fn read_price_last_published(
    account: &AccountInfo,
    binding: &OracleBinding,
    quote_decimals: u8,
    now: i64,
) -> Result<core::result::Result<PriceQuote, KeelError>> {
    let read = match read_price_lenient(account, binding, quote_decimals, now) {
        Err(e) if *account.key == binding.oracle => {
            crate::keel_log!("oracle {}: the configured account fails its checks ({:?}): counted as a failing price", account.key, e);
            return Ok(Err(KeelError::OracleInvalidData));
        }
        read => read?,
    };
    match read {
        Err(KeelError::OracleStale) => {
            let Some(raw) = read_raw(account, binding)? else { return Ok(Ok(PriceQuote::ONE)) };
            let within_grace = now.saturating_sub(raw.publish_time) <= binding.config.max_age_secs as i64 + STALE_GRACE_SECS;
            if !within_grace {
                return Ok(Err(KeelError::OracleStale));
            }
            Ok(validate(&raw, &binding.config, binding.base_decimals, quote_decimals, raw.publish_time))
        }
        read => Ok(read),
    }
}

/// The raw price of `binding` from `account` (`None` for the fixed quote price), the account
/// checked as the configured oracle.
fn read_raw(account: &AccountInfo, binding: &OracleBinding) -> Result<Option<RawPrice>> {
    Ok(Some(match binding.kind {
        OracleKind::Fixed => return Ok(None),
        OracleKind::PythPull => pyth_pull::read(configured(account, binding)?, &binding.feed_id)?,
        OracleKind::PythLegacy => pyth_legacy::read(configured(account, binding)?)?,
    }))
}

/// `account`, when it is the oracle configured in `binding`.
fn configured<'a, 'info>(account: &'a AccountInfo<'info>, binding: &OracleBinding) -> Result<&'a AccountInfo<'info>> {
    crate::check!(
        *account.key == binding.oracle,
        KeelError::OracleAccountMismatch,
        "oracle: expected {}, got {}",
        binding.oracle,
        account.key
    );
    Ok(account)
}
