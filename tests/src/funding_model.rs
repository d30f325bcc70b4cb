//! The time-weighted funding premium as the program keeps it, for tests that predict funding:
//! a premium per book state (against the oracle at both ends of its segment), `Σ premium ·
//! depth · seconds` and `Σ depth · seconds` sampled before every book change and at every crank,
//! and the crank's depth-weighted average.

use keel::math::FIXED_SCALE;

/// The largest premium of the tests' markets (100 bps per interval), `Fixed` raw.
pub const MAX_PREMIUM_RAW: i128 = FIXED_SCALE / 100;

/// A segment's premium from its premiums against the oracle at its start and at its end, as
/// `funding_premium::conservative` takes it: the smaller magnitude on the same sign, zero on
/// opposite signs, the one known when only one is.
pub fn conservative_raw(start: Option<i128>, end: Option<i128>) -> i128 {
    match (start, end) {
        (Some(a), Some(b)) if (a < 0) == (b < 0) => if a.abs() <= b.abs() { a } else { b },
        (Some(_), Some(_)) => 0,
        (Some(p), None) | (None, Some(p)) => p,
        (None, None) => 0,
    }
}

/// One market's premium accumulator.
#[derive(Clone, Copy, Debug)]
pub struct PremiumModel {
    /// `Σ premium · depth · seconds` since the last update, `Fixed` raw.
    pub accumulated: i128,
    /// `Σ depth · seconds` since the last update, lots · seconds.
    pub depth_seconds: i128,
    /// Time of the last sample.
    pub last_sample: i64,
    /// Time of the last funding update.
    pub last_update: i64,
}

impl PremiumModel {
    /// A market listed at `now`.
    pub fn new(now: i64) -> Self {
        Self { accumulated: 0, depth_seconds: 0, last_sample: now, last_update: now }
    }

    /// A sample at `now` of `premium`, the premium that held since the previous sample, read
    /// over `depth` lots.
    pub fn sample(&mut self, now: i64, premium: i128, depth: i64) {
        let seconds = now - self.last_sample.max(self.last_update);
        if seconds > 0 {
            self.accumulated += premium * depth as i128 * seconds as i128;
            self.depth_seconds += depth as i128 * seconds as i128;
            self.last_sample = now;
        }
    }

    /// `update_funding` at `now` with the book's current `premium` over `depth` lots (the
    /// depth now): the rate it must report (`Σ premium · depth · seconds` over the larger of
    /// `Σ depth · seconds` and `depth · elapsed`, bps, rounded down) and the seconds since the
    /// last update; the accumulators restart.
    pub fn update(&mut self, now: i64, premium: i128, depth: i64) -> (i64, i64) {
        self.sample(now, premium, depth);
        let elapsed = now - self.last_update;
        let depth_seconds = self.depth_seconds.max(elapsed as i128 * depth as i128);
        let rate = self.accumulated.div_euclid(depth_seconds).clamp(-MAX_PREMIUM_RAW, MAX_PREMIUM_RAW);
        self.accumulated = 0;
        self.depth_seconds = 0;
        self.last_update = now;
        (rate.div_euclid(FIXED_SCALE / 10_000) as i64, elapsed)
    }
}
