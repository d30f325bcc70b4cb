//! When a keeper cranks `update_funding`: the one schedule the keeper runs and the tests replay.

use keel::state::PerpMarket;

/// Seconds between two `update_funding` cranks a keeper sends on a market unless configured
/// otherwise (`--funding-sample-secs`).
pub const DEFAULT_FUNDING_SAMPLE_SECS: u64 = 5;

/// Whether `update_funding` is due on `market` at `now`: its funding interval has passed, or
/// `sample_secs` have passed since its last update (whoever sent it), or half the oracle's
/// maximum age has (so the market's price is never unread long enough for a cancel without a
/// price to lose premium seconds).
///
/// The cadence counts from the last *update*, which only `update_funding` moves, not from the
/// last price read, which any trader's order or cancel moves: a payer reading the price only
/// at moments when the book is worth nothing — so every segment it closes counts zero (a
/// segment counts the smaller premium of its two ends) — cannot hold the keeper's samples off,
/// and an oracle stretch longer than two cadences is sampled inside it.
pub fn funding_due(market: &PerpMarket, now: i64, sample_secs: u64) -> bool {
    let cadence = (sample_secs as i64).min(market.oracle_max_age_secs as i64 / 2).max(1);
    let interval = market.funding_interval_secs as i64;
    now >= market.last_funding_ts.saturating_add(cadence.min(interval.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn market(last_funding_ts: i64, oracle_max_age_secs: u32, funding_interval_secs: u32) -> PerpMarket {
        let mut market: PerpMarket = bytemuck::Zeroable::zeroed();
        market.last_funding_ts = last_funding_ts;
        market.oracle_max_age_secs = oracle_max_age_secs;
        market.funding_interval_secs = funding_interval_secs;
        market
    }

    #[test]
    fn due_every_sample_secs_after_the_last_update() {
        let m = market(1_000, 60, 3_600);
        assert!(!funding_due(&m, 1_004, 5));
        assert!(funding_due(&m, 1_005, 5));
    }

    #[test]
    fn at_most_half_the_oracles_max_age_apart() {
        let m = market(1_000, 20, 3_600);
        assert!(!funding_due(&m, 1_009, 60));
        assert!(funding_due(&m, 1_010, 60));
    }

    #[test]
    fn at_most_one_interval_apart_and_never_twice_a_second() {
        assert!(funding_due(&market(1_000, 600, 30), 1_030, 100));
        assert!(!funding_due(&market(1_000, 1, 3_600), 1_000, 5));
        assert!(funding_due(&market(1_000, 1, 3_600), 1_001, 0));
    }
}
