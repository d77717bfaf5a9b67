//! `every_x_off_y` (每满30减5): `min(floor(base / X) * Y, cap)`.

use super::rule::{money, OrderRule, MAX_STEPS};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EveryXOffY {
    pub every: i64,
    pub amount: i64,
    pub cap: Option<i64>,
}

impl OrderRule for EveryXOffY {
    fn discount(&self, base: i64) -> i64 {
        let d = i128::from(base / self.every) * i128::from(self.amount);
        let d = i64::try_from(d).unwrap_or(i64::MAX);
        self.cap.map_or(d, |cap| d.min(cap))
    }

    /// Only below the first step: add up to `every` for `min(amount, cap)`.
    fn near_miss(&self, base: i64) -> Option<(i64, i64)> {
        (base < self.every).then(|| (self.every - base, self.cap.map_or(self.amount, |c| c.min(self.amount))))
    }

    fn below_threshold(&self, base: i64) -> bool {
        base < self.every
    }

    /// Every multiple of `every` up to `up_to`, until the cap is reached.
    fn steps(&self, up_to: i64, out: &mut Vec<i64>) -> bool {
        let start = out.len();
        let mut base = self.every;
        while base <= up_to && self.discount(base) > self.discount(base - 1) {
            if out.len() - start == MAX_STEPS {
                out.truncate(start);
                return false;
            }
            out.push(base);
            base += self.every;
        }
        true
    }

    fn describe(&self) -> String {
        let cap = self.cap.map(|c| format!(", at most {}", money(c))).unwrap_or_default();
        format!("{} off every {}{cap}", money(self.amount), money(self.every))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_thirty_five_off_with_a_cap() {
        let r = EveryXOffY { every: 3000, amount: 500, cap: Some(1500) };
        // 89.99 -> floor(8999 / 3000) = 2 steps -> 10.00; 120.00 -> 4 steps = 20.00, capped 15.00.
        assert_eq!(r.discount(8999), 1000);
        assert_eq!(r.discount(12_000), 1500);
        assert_eq!(r.discount(2999), 0);
        assert_eq!(r.near_miss(2000), Some((1000, 500)));
        assert_eq!(r.near_miss(3000), None);
        // Steps at 30.00, 60.00, 90.00; the cap is reached there.
        let mut steps = vec![7];
        assert!(r.steps(100_000, &mut steps));
        assert_eq!(steps, [7, 3000, 6000, 9000]);
        assert!(!EveryXOffY { every: 1, amount: 1, cap: None }.steps(1000, &mut steps));
        assert_eq!(steps, [7, 3000, 6000, 9000]);
        let uncapped = EveryXOffY { every: 3000, amount: 500, cap: None };
        assert_eq!(uncapped.discount(12_000), 2000);
    }
}
