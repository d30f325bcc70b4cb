//! The oracle guards and the normalisation into quote native units, as pure functions.

use crate::error::KeelError;
use crate::math::{Fixed, Rounding, BPS_PER_UNIT};
use crate::risk::PriceQuote;

/// Upper bound of `max_age_secs`.
pub const MAX_ORACLE_AGE_SECS: u32 = 3_600;
/// Upper bound of `max_conf_bps` (20%).
pub const MAX_ORACLE_CONF_BPS: u16 = 2_000;
/// Upper bound of `conf_multiplier_bps` (k = 5).
pub const MAX_CONF_MULTIPLIER_BPS: u16 = 50_000;
/// How far ahead of the cluster clock a publish time may be (10 s). The cluster's
/// `unix_timestamp` is the stake-weighted median of validator clocks and trails wall time by a
/// few seconds at most; Pyth publishers stamp prices with their own clocks. 10 s covers that
/// honest skew (about 25 slots), while a price stamped further ahead would otherwise stay
/// "fresh" until its own publish time plus the max age.
pub const MAX_CLOCK_SKEW_SECS: i64 = 10;

/// Guards configured per asset or market.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OracleConfig {
    /// A price older than this many seconds is stale.
    pub max_age_secs: u32,
    /// A price whose confidence exceeds this share of the price (bps) is refused.
    pub max_conf_bps: u16,
    /// k in bps: Init values assets at price − k·conf and liabilities at price + k·conf.
    pub conf_multiplier_bps: u16,
}

impl OracleConfig {
    /// True when every guard is within its documented bounds.
    pub fn is_valid(&self) -> bool {
        (1..=MAX_ORACLE_AGE_SECS).contains(&self.max_age_secs)
            && (1..=MAX_ORACLE_CONF_BPS).contains(&self.max_conf_bps)
            && self.conf_multiplier_bps <= MAX_CONF_MULTIPLIER_BPS
    }
}

/// A price as an oracle publishes it: `(price ± conf) · 10^exponent` USD per whole token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawPrice {
    /// Aggregate price mantissa.
    pub price: i64,
    /// Confidence interval mantissa.
    pub conf: u64,
    /// EMA price mantissa.
    pub ema_price: i64,
    /// EMA confidence mantissa.
    pub ema_conf: u64,
    /// Decimal exponent shared by all mantissas.
    pub exponent: i32,
    /// Unix time of publication.
    pub publish_time: i64,
    /// False when the publisher says the price is not tradable (a legacy account whose status
    /// is not Trading); pull updates are always true.
    pub trading: bool,
}

/// Checks `raw` against the guards and normalises it into quote native per base native.
///
/// Order of the guards: Trading status, positive price, exponent range, publish time at most
/// [`MAX_CLOCK_SKEW_SECS`] ahead of `now`, age, confidence ratio. The Init
/// prices are conservative: assets at `min(price − k·conf, ema − k·ema_conf)` (never below 0),
/// liabilities at `max(price + k·conf, ema + k·ema_conf)`.
pub fn validate(
    raw: &RawPrice,
    config: &OracleConfig,
    base_decimals: u8,
    quote_decimals: u8,
    now: i64,
) -> Result<PriceQuote, KeelError> {
    if !raw.trading {
        return Err(KeelError::OracleNotTrading);
    }
    if raw.price <= 0 || raw.ema_price <= 0 {
        return Err(KeelError::OracleNonPositivePrice);
    }
    let shift = raw.exponent as i64 + quote_decimals as i64 - base_decimals as i64;
    if !(-36..=18).contains(&shift) || !(-20..=10).contains(&raw.exponent) {
        return Err(KeelError::OracleExponentOutOfRange);
    }
    if raw.publish_time.saturating_sub(now) > MAX_CLOCK_SKEW_SECS {
        return Err(KeelError::OracleFromTheFuture);
    }
    let age = now.saturating_sub(raw.publish_time);
    if age > config.max_age_secs as i64 {
        return Err(KeelError::OracleStale);
    }
    let conf_limit = (raw.price as u128) * (config.max_conf_bps as u128);
    if (raw.conf as u128) * (BPS_PER_UNIT as u128) > conf_limit {
        return Err(KeelError::OracleConfidenceTooWide);
    }
    let shift = shift as i32;
    let scale = |mantissa: i64, rounding| {
        Fixed::from_scientific(mantissa, shift, rounding).map_err(KeelError::from)
    };
    let scale_conf = |conf: u64| -> Result<Fixed, KeelError> {
        let mantissa = i64::try_from(conf).map_err(|_| KeelError::OracleInvalidData)?;
        scale(mantissa, Rounding::Up)
    };
    let k = Fixed::from_bps(config.conf_multiplier_bps as u32);
    let price = scale(raw.price, Rounding::Down)?;
    let ema = scale(raw.ema_price, Rounding::Down)?;
    let k_conf = k.mul_up(scale_conf(raw.conf)?)?;
    let k_ema_conf = k.mul_up(scale_conf(raw.ema_conf)?)?;
    let init_asset = price.sub(k_conf)?.min(ema.sub(k_ema_conf)?).max(Fixed::ZERO);
    let price_up = scale(raw.price, Rounding::Up)?;
    let ema_up = scale(raw.ema_price, Rounding::Up)?;
    let init_liab = price_up.add(k_conf)?.max(ema_up.add(k_ema_conf)?);
    Ok(PriceQuote { oracle: price, init_asset, init_liab })
}

#[cfg(test)]
mod tests;
