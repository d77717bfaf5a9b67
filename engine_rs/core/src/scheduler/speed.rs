//! Learned station speed: each bump of a started ticket compares the time it took with its
//! standard work, and the station's speed (parts per thousand of standard) moves toward that
//! ratio by an exponentially weighted average, in integer arithmetic so replays agree bit for
//! bit. Quotes, plans and pacing use the learned speed, so they follow a kitchen that slows
//! down or speeds up within a few tickets.

use crate::scheduler::plan::SPEED_ONE;

/// One observation is clamped to this band (a ticket bumped late by mistake, or started
/// after the work was done, must not swing the estimate).
const OBSERVED_MIN: i64 = SPEED_ONE / 4;
const OBSERVED_MAX: i64 = SPEED_ONE * 4;

/// The speed after one ticket that took `took_ms` for `work_ms` of standard work.
pub fn learn(speed: i64, took_ms: i64, work_ms: i64, alpha_percent: i64) -> i64 {
    if work_ms <= 0 || took_ms < 0 {
        return speed;
    }
    let observed = (i128::from(took_ms) * i128::from(SPEED_ONE) / i128::from(work_ms))
        .clamp(i128::from(OBSERVED_MIN), i128::from(OBSERVED_MAX)) as i64;
    speed + (observed - speed) * alpha_percent / 100
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_toward_the_observation_and_is_clamped() {
        assert_eq!(learn(1000, 60_000, 60_000, 20), 1000);
        assert_eq!(learn(1000, 90_000, 60_000, 20), 1100);
        assert_eq!(learn(1000, 1_000_000, 60_000, 20), 1600);
        assert_eq!(learn(1000, 0, 60_000, 100), 250);
        assert_eq!(learn(1000, 10, 0, 20), 1000);
        let mut s = SPEED_ONE;
        for _ in 0..30 {
            s = learn(s, 78_000, 60_000, 20);
        }
        assert!((1295..=1300).contains(&s), "{s}");
    }
}
