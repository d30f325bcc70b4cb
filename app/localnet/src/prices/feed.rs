//! One simulated Pyth feed: its configuration, where its `PriceUpdateV2` account lives, and its
//! state (price, EMA, confidence, publish time, pause).

use anchor_lang::prelude::Pubkey;
use keel_tests::oracles::{pull_price_account, PriceSpec};
use pyth_solana_receiver_sdk::price_update::VerificationLevel;
use pyth_solana_receiver_sdk::PYTH_PUSH_ORACLE_ID;
use solana_account::AccountSharedData;

/// Pyth's EMA window, in seconds (about one hour).
pub const EMA_WINDOW_SECS: f64 = 3_600.0;

/// A feed as configured.
#[derive(Clone, Debug, PartialEq)]
pub struct FeedConfig {
    /// A name for humans (`SOL/USD`).
    pub symbol: String,
    /// The Pyth feed id.
    pub feed_id: [u8; 32],
    /// Starting price in USD per whole token.
    pub price: f64,
    /// Pyth exponent of the published mantissas (e.g. −8).
    pub expo: i32,
    /// Confidence as a fraction of the price, in bps.
    pub conf_bps: f64,
    /// Annualised volatility of the random walk (0.8 = 80 %).
    pub volatility: f64,
}

impl FeedConfig {
    /// The account the feed is written to: the Pyth push-oracle address of shard 0 (the
    /// address the feed has on mainnet).
    pub fn address(&self) -> Pubkey {
        push_oracle_address(&self.feed_id, 0)
    }
}

/// The Pyth push-oracle account of `feed_id` on `shard`.
pub fn push_oracle_address(feed_id: &[u8; 32], shard: u16) -> Pubkey {
    Pubkey::find_program_address(&[&shard.to_le_bytes(), feed_id], &PYTH_PUSH_ORACLE_ID).0
}

/// A feed id from 64 hex digits, with or without `0x`.
pub fn feed_id_from_hex(hex: &str) -> Option<[u8; 32]> {
    let hex = hex.strip_prefix("0x").unwrap_or(hex);
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    let mut id = [0u8; 32];
    for (i, byte) in id.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(id)
}

/// A feed's moving state.
#[derive(Clone, Debug)]
pub struct Feed {
    /// Its configuration.
    pub config: FeedConfig,
    /// Current price, USD per whole token.
    pub price: f64,
    /// Exponential moving average of the price.
    pub ema: f64,
    /// Current confidence, bps of the price.
    pub conf_bps: f64,
    /// Unix time of the last published update.
    pub publish_time: i64,
    /// When paused the feed publishes nothing and goes stale.
    pub paused: bool,
}

impl Feed {
    /// A feed at its configured price.
    pub fn new(config: FeedConfig, now: i64) -> Self {
        Self {
            price: config.price,
            ema: config.price,
            conf_bps: config.conf_bps,
            publish_time: now,
            paused: false,
            config,
        }
    }

    /// Moves the EMA `dt` seconds towards the price.
    pub fn update_ema(&mut self, dt: f64) {
        let alpha = (dt / EMA_WINDOW_SECS).clamp(0.0, 1.0);
        self.ema += alpha * (self.price - self.ema);
    }

    /// The published numbers: mantissas at the feed's exponent (price at least 1).
    pub fn spec(&self) -> PriceSpec {
        let scale = 10f64.powi(-self.config.expo);
        let mantissa = |usd: f64| (usd * scale).round().clamp(1.0, i64::MAX as f64) as i64;
        let conf = |m: i64| ((m as f64) * self.conf_bps / 10_000.0).round().max(0.0) as u64;
        let (price, ema_price) = (mantissa(self.price), mantissa(self.ema));
        PriceSpec {
            price,
            conf: conf(price),
            expo: self.config.expo,
            ema_price,
            ema_conf: conf(ema_price),
            publish_time: self.publish_time,
        }
    }

    /// The feed's `PriceUpdateV2` account (fully verified, owned by the Pyth receiver).
    pub fn account(&self) -> (Pubkey, AccountSharedData) {
        let account = pull_price_account(self.config.feed_id, self.spec(), VerificationLevel::Full);
        (self.config.address(), AccountSharedData::from(account))
    }
}

/// SOL/USD and BTC/USD with their mainnet feed ids (as in `migrations/config/localnet.json`).
pub fn default_feeds() -> Vec<FeedConfig> {
    let feed = |symbol: &str, hex: &str, price: f64, volatility: f64| FeedConfig {
        symbol: symbol.into(),
        feed_id: feed_id_from_hex(hex).unwrap_or_default(),
        price,
        expo: -8,
        conf_bps: 5.0,
        volatility,
    };
    vec![
        feed(
            "SOL/USD",
            "ef0d8b6fda2ceba41da15d4095d1da392a0d2f8ed0c6c7bc0f4cfac8c280b56d",
            150.0,
            0.8,
        ),
        feed(
            "BTC/USD",
            "e62df6c8b4a85fe1a67db44dc12de5db330f7ac66b72dc658afedf0f4a415b43",
            60_000.0,
            0.5,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn default_feeds_live_at_their_mainnet_push_oracle_addresses() {
        let feeds = default_feeds();
        assert_eq!(
            feeds[0].address(),
            Pubkey::from_str("7UVimffxr9ow1uXYxsr4LHAcV58mLzhmwaeKvJ1pjLiE").unwrap()
        );
        assert_eq!(
            feeds[1].address(),
            Pubkey::from_str("4cSM2e6rvbGQUFiJbqytoVMi5GgghSMr8LwVrT9VPSPo").unwrap()
        );
    }

    #[test]
    fn feed_id_hex_parses_with_and_without_prefix() {
        let id =
            feed_id_from_hex("0x00000000000000000000000000000000000000000000000000000000000000ff")
                .unwrap();
        assert_eq!(id[31], 0xff);
        assert_eq!(feed_id_from_hex("zz"), None);
        assert_eq!(feed_id_from_hex(&"g".repeat(64)), None);
    }

    #[test]
    fn spec_publishes_mantissas_at_the_exponent() {
        let mut feed = Feed::new(default_feeds().remove(0), 1_000);
        feed.price = 123.456_789_01;
        feed.conf_bps = 10.0;
        let spec = feed.spec();
        assert_eq!(
            (spec.price, spec.expo, spec.publish_time),
            (12_345_678_901, -8, 1_000)
        );
        assert_eq!(spec.conf, 12_345_679);
        assert_eq!(spec.ema_price, 15_000_000_000);
    }
}
