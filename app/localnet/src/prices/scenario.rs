//! Scripted market events applied to one feed, slot by slot.

use super::feed::Feed;

/// A scripted event on one feed.
#[derive(Clone, Debug, PartialEq)]
pub enum Scenario {
    /// The price falls by `percent` in equal log-steps over `slots` slots (on top of the walk).
    Crash {
        /// The total fall, in percent (40 = −40 %).
        percent: f64,
        /// Slots over which it happens.
        slots: u64,
    },
    /// The confidence jumps to `conf_bps` for `slots` slots, then returns to what it was.
    ConfidenceBlowout {
        /// Confidence during the event, bps of the price.
        conf_bps: f64,
        /// How long it lasts, in slots.
        slots: u64,
        /// The confidence to return to (filled in when the event starts).
        restore_bps: Option<f64>,
    },
    /// The feed stops publishing (until resumed with `keel_pauseFeed`), so it goes stale.
    Outage,
}

impl Scenario {
    /// Applies one slot of the event to `feed`; false once it is over.
    pub fn apply(&mut self, feed: &mut Feed) -> bool {
        match self {
            Scenario::Crash { percent, slots } => {
                if *slots == 0 {
                    return false;
                }
                let remaining = (1.0 - (*percent / 100.0).clamp(0.0, 0.999_999)).ln();
                feed.price *= (remaining / *slots as f64).exp();
                *percent = 100.0 * (1.0 - (remaining - remaining / *slots as f64).exp());
                *slots -= 1;
                *slots > 0
            }
            Scenario::ConfidenceBlowout {
                conf_bps,
                slots,
                restore_bps,
            } => {
                let restore = *restore_bps.get_or_insert(feed.conf_bps);
                if *slots == 0 {
                    feed.conf_bps = restore;
                    return false;
                }
                feed.conf_bps = *conf_bps;
                *slots -= 1;
                true
            }
            Scenario::Outage => {
                feed.paused = true;
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prices::feed::default_feeds;

    #[test]
    fn crash_of_40_percent_over_1500_slots_lands_at_60_percent() {
        let mut feed = Feed::new(default_feeds().remove(0), 0);
        let mut crash = Scenario::Crash {
            percent: 40.0,
            slots: 1_500,
        };
        let mut steps = 0;
        while crash.apply(&mut feed) {
            steps += 1;
            if steps == 750 {
                assert!(
                    (feed.price / 150.0 - 0.6f64.sqrt()).abs() < 1e-9,
                    "halfway in log terms: {}",
                    feed.price
                );
            }
        }
        assert_eq!(steps + 1, 1_500);
        assert!(
            (feed.price - 90.0).abs() < 1e-6,
            "ends at 60 % of 150: {}",
            feed.price
        );
    }

    #[test]
    fn confidence_blowout_restores_afterwards() {
        let mut feed = Feed::new(default_feeds().remove(0), 0);
        let mut blowout = Scenario::ConfidenceBlowout {
            conf_bps: 500.0,
            slots: 2,
            restore_bps: None,
        };
        assert!(blowout.apply(&mut feed));
        assert_eq!(feed.conf_bps, 500.0);
        assert!(blowout.apply(&mut feed));
        assert!(!blowout.apply(&mut feed));
        assert_eq!(feed.conf_bps, 5.0);
    }
}
