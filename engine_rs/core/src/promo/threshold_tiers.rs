//! `threshold_tiers` (满30减5, 满50减10): the tier with the highest threshold `<= base` gives its
//! amount; below the lowest tier the discount is 0.

use super::rule::{money, OrderRule};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThresholdTiers {
    /// `(threshold, amount)` by ascending threshold (distinct); amounts never decrease.
    pub tiers: Vec<(i64, i64)>,
}

impl ThresholdTiers {
    fn reached(&self, base: i64) -> Option<(i64, i64)> {
        self.tiers.iter().rev().find(|t| t.0 <= base).copied()
    }
}

impl OrderRule for ThresholdTiers {
    fn discount(&self, base: i64) -> i64 {
        self.reached(base).map_or(0, |t| t.1)
    }

    /// The lowest tier above `base`: what to add to reach it and what it adds to the discount.
    fn near_miss(&self, base: i64) -> Option<(i64, i64)> {
        let next = self.tiers.iter().find(|t| t.0 > base)?;
        Some((next.0 - base, next.1 - self.discount(base)))
    }

    fn below_threshold(&self, base: i64) -> bool {
        base < self.tiers[0].0
    }

    fn steps(&self, up_to: i64, out: &mut Vec<i64>) -> bool {
        out.extend(self.tiers.iter().map(|t| t.0).filter(|&t| t <= up_to));
        true
    }

    fn describe(&self) -> String {
        let tiers: Vec<String> =
            self.tiers.iter().map(|&(t, a)| format!("{} off from {}", money(a), money(t))).collect();
        tiers.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> ThresholdTiers {
        ThresholdTiers { tiers: vec![(3000, 500), (5000, 1000), (10000, 2500)] }
    }

    #[test]
    fn highest_reached_tier_applies() {
        let r = rule();
        assert_eq!(r.discount(2999), 0);
        assert_eq!(r.discount(3000), 500);
        assert_eq!(r.discount(9999), 1000);
        assert_eq!(r.discount(100_000), 2500);
    }

    #[test]
    fn near_miss_is_the_next_tier() {
        let r = rule();
        // Base 25.50: add 4.50 for the 5.00 tier.
        assert_eq!(r.near_miss(2550), Some((450, 500)));
        // Base 42.00 (5.00 off now): add 8.00 for 10.00 off, 5.00 more.
        assert_eq!(r.near_miss(4200), Some((800, 500)));
        assert_eq!(r.near_miss(10_000), None);
        assert!(r.below_threshold(2999) && !r.below_threshold(3000));
        let mut steps = Vec::new();
        assert!(r.steps(6000, &mut steps));
        assert_eq!(steps, [3000, 5000]);
    }
}
