//! When a keeper cranks `update_funding`: the one schedule the keeper runs and the tests replay.

use keel::state::PerpMarket;

/// Seconds between two `update_funding` cranks a keeper sends on a market unless configured
/// otherwise (`--funding-sample-secs`).
pub const DEFAULT_FUNDING_SAMPLE_SECS: u64 = 5;

/// Whether `update_funding` is due on `market` at `now`: a point of the market's sampling grid
/// — the multiples of the cadence in Unix time, the cadence being `sample_secs`, at most half the
/// oracle's maximum age (so the market's price is never unread long enough for a cancel without
/// a price to lose premium seconds) and at most one funding interval — has passed since its last
/// update.
///
/// The grid is fixed in time: an `update_funding` anyone else sends between two of its points
/// (permissionless, it is one more sample: it only refines the segments) never moves the next
/// point, so no trader sets the keeper's phase — a payer sending updates just before the
/// stretches where the book charges it cannot push the keeper's samples into them. Nor do
/// price reads (any trader's order or cancel): the keeper samples the book at every point,
/// and an oracle stretch longer than two cadences is sampled inside it.
pub fn funding_due(market: &PerpMarket, now: i64, sample_secs: u64) -> bool {
    let interval = (market.funding_interval_secs as i64).max(1);
    let cadence = (sample_secs as i64).min(market.oracle_max_age_secs as i64 / 2).min(interval).max(1);
    now.div_euclid(cadence) > market.last_funding_ts.div_euclid(cadence)
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
    fn due_at_every_point_of_the_grid() {
        let m = market(1_000, 60, 3_600);
        assert!(!funding_due(&m, 1_004, 5));
        assert!(funding_due(&m, 1_005, 5));
    }

    #[test]
    fn an_update_between_two_points_does_not_move_the_next_one() {
        let m = market(1_003, 60, 3_600);
        assert!(!funding_due(&m, 1_004, 5));
        assert!(funding_due(&m, 1_005, 5), "the keeper's point at 1 005 stays due after an update at 1 003");
        assert!(!funding_due(&market(1_005, 60, 3_600), 1_009, 5));
    }

    #[test]
    fn at_most_half_the_oracles_max_age_apart() {
        let m = market(1_000, 20, 3_600);
        assert!(!funding_due(&m, 1_009, 60));
        assert!(funding_due(&m, 1_010, 60));
    }

    #[test]
    fn at_most_one_interval_apart_and_never_twice_a_second() {
        assert!(funding_due(&market(1_020, 600, 30), 1_050, 100));
        assert!(!funding_due(&market(1_000, 1, 3_600), 1_000, 5));
        assert!(funding_due(&market(1_000, 1, 3_600), 1_001, 0));
    }
}
