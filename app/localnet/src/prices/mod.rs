//! The price simulator: Pyth `PriceUpdateV2` accounts that move every slot. Seeded, with
//! per-feed volatility, moves correlated through one common factor, EMA and confidence, and
//! scripted scenarios (a crash spread over a duration, a confidence blow-out, an outage that
//! leaves a feed stale). Operators and tests drive it through the `keel_*` RPC methods.

pub mod feed;
mod scenario;

pub use feed::{default_feeds, Feed, FeedConfig};
pub use scenario::Scenario;

use anchor_lang::prelude::Pubkey;
use keel_tests::rng::Rng;
use solana_account::AccountSharedData;

/// Seconds in a year, for annualised volatility.
const SECONDS_PER_YEAR: f64 = 365.25 * 24.0 * 3_600.0;

/// How the simulator is set up.
#[derive(Clone, Debug)]
pub struct PriceConfig {
    /// The feeds.
    pub feeds: Vec<FeedConfig>,
    /// Seed of the random walk (same seed, same paths).
    pub seed: u64,
    /// Correlation of every pair of feeds' moves, 0..=1.
    pub correlation: f64,
}

impl Default for PriceConfig {
    fn default() -> Self {
        Self {
            feeds: default_feeds(),
            seed: 7,
            correlation: 0.6,
        }
    }
}

/// Every feed and the scenarios running on them.
pub struct PriceSimulator {
    feeds: Vec<Feed>,
    scenarios: Vec<(usize, Scenario)>,
    rng: Rng,
    correlation: f64,
}

impl PriceSimulator {
    /// Feeds at their starting prices, published at `now`.
    pub fn new(config: &PriceConfig, now: i64) -> Self {
        Self {
            feeds: config
                .feeds
                .iter()
                .cloned()
                .map(|f| Feed::new(f, now))
                .collect(),
            scenarios: vec![],
            rng: Rng::new(config.seed),
            correlation: config.correlation.clamp(0.0, 1.0),
        }
    }

    /// The feeds.
    pub fn feeds(&self) -> &[Feed] {
        &self.feeds
    }

    /// The index of the feed with `feed_id`.
    pub fn index_of(&self, feed_id: &[u8; 32]) -> Option<usize> {
        self.feeds.iter().position(|f| f.config.feed_id == *feed_id)
    }

    /// Every feed's account as it stands (written at start-up).
    pub fn accounts(&self) -> Vec<(Pubkey, AccountSharedData)> {
        self.feeds.iter().map(Feed::account).collect()
    }

    /// Moves every running feed by one step of `dt` seconds ending at `now` and returns the
    /// accounts to write. Paused feeds publish nothing.
    pub fn step(&mut self, now: i64, dt: f64) -> Vec<(Pubkey, AccountSharedData)> {
        let common = self.normal();
        let (rho, scale) = (self.correlation.sqrt(), (1.0 - self.correlation).sqrt());
        for i in 0..self.feeds.len() {
            let own = self.normal();
            let feed = &mut self.feeds[i];
            if feed.paused {
                continue;
            }
            let sigma = feed.config.volatility * (dt / SECONDS_PER_YEAR).sqrt();
            let z = rho * common + scale * own;
            feed.price *= (sigma * z - 0.5 * sigma * sigma).exp();
        }
        self.scenarios
            .retain_mut(|(i, scenario)| scenario.apply(&mut self.feeds[*i]));
        let mut written = vec![];
        for feed in self.feeds.iter_mut().filter(|f| !f.paused) {
            feed.update_ema(dt);
            feed.publish_time = now;
            written.push(feed.account());
        }
        written
    }

    /// Sets feed `index` to `price` (and its EMA to `ema`, the price when `None`), published at
    /// `now`; returns the account to write.
    pub fn set_price(
        &mut self,
        index: usize,
        price: f64,
        ema: Option<f64>,
        conf_bps: Option<f64>,
        now: i64,
    ) -> Option<(Pubkey, AccountSharedData)> {
        let feed = self.feeds.get_mut(index)?;
        feed.price = price;
        feed.ema = ema.unwrap_or(price);
        if let Some(bps) = conf_bps {
            feed.conf_bps = bps;
        }
        feed.publish_time = now;
        Some(feed.account())
    }

    /// Pauses (stale from then on) or resumes feed `index`.
    pub fn set_paused(&mut self, index: usize, paused: bool) -> bool {
        self.feeds
            .get_mut(index)
            .map(|f| f.paused = paused)
            .is_some()
    }

    /// Starts `scenario` on feed `index` (an outage pauses it at once).
    pub fn run(&mut self, index: usize, scenario: Scenario) -> bool {
        if index >= self.feeds.len() {
            return false;
        }
        if scenario == Scenario::Outage {
            self.feeds[index].paused = true;
        } else {
            self.scenarios.push((index, scenario));
        }
        true
    }

    /// A standard normal draw (Box–Muller over the seeded generator).
    fn normal(&mut self) -> f64 {
        let uniform = |r: &mut Rng| ((r.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
        let (u1, u2) = (uniform(&mut self.rng), uniform(&mut self.rng));
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn simulator(seed: u64, correlation: f64) -> PriceSimulator {
        PriceSimulator::new(
            &PriceConfig {
                feeds: default_feeds(),
                seed,
                correlation,
            },
            0,
        )
    }

    #[test]
    fn same_seed_gives_the_same_path() {
        let (mut a, mut b) = (simulator(1, 0.5), simulator(1, 0.5));
        for slot in 1..=100 {
            a.step(slot, 0.4);
            b.step(slot, 0.4);
        }
        assert_eq!(a.feeds()[0].spec(), b.feeds()[0].spec());
        assert_ne!(a.feeds()[0].spec().price, 15_000_000_000, "the price moved");
    }

    #[test]
    fn fully_correlated_feeds_move_together() {
        let mut sim = simulator(3, 1.0);
        for slot in 1..=500 {
            sim.step(slot, 0.4);
        }
        let (sol, btc) = (&sim.feeds()[0], &sim.feeds()[1]);
        let (sol_move, btc_move) = ((sol.price / 150.0).ln(), (btc.price / 60_000.0).ln());
        assert!(
            sol_move * btc_move > 0.0,
            "same direction: {sol_move} vs {btc_move}"
        );
        assert!(
            (sol_move / btc_move - 0.8 / 0.5).abs() < 0.05,
            "moves scale with volatility: {}",
            sol_move / btc_move
        );
    }

    #[test]
    fn paused_feed_stops_publishing() {
        let mut sim = simulator(5, 0.0);
        assert!(sim.set_paused(1, true));
        let written = sim.step(10, 0.4);
        assert_eq!(written.len(), 1);
        assert_eq!(sim.feeds()[1].publish_time, 0);
        assert_eq!(sim.feeds()[0].publish_time, 10);
    }

    #[test]
    fn set_price_publishes_at_once() {
        let mut sim = simulator(5, 0.0);
        let (address, _) = sim
            .set_price(0, 99.5, None, Some(20.0), 42)
            .expect("feed 0");
        assert_eq!(address, sim.feeds()[0].config.address());
        let spec = sim.feeds()[0].spec();
        assert_eq!(
            (spec.price, spec.ema_price, spec.conf, spec.publish_time),
            (9_950_000_000, 9_950_000_000, 19_900_000, 42)
        );
        assert!(sim.set_price(9, 1.0, None, None, 42).is_none());
    }
}
