//! `nth_unit` (第二杯半价): its units sorted by `unit_price` (descending for `cheaper`,
//! ascending for `dearer`, ties in canonical order) and cut into groups of `n`; the last unit of
//! each full group gets `percent` off its current price.

use super::cart::CartLine;
use super::rule::{
    by_price, ceil_div, claimed_lines, percent_of, prices_desc, ItemCx, ItemRule, PriceOrder, Unit,
    CLAIM_LINES,
};
use super::selector::{lines_of, LineMask};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NthUnit {
    pub n: i64,
    pub percent: i64,
    /// `discount_on: "cheaper"`: the cheapest unit of each group is discounted.
    pub cheaper: bool,
}

impl ItemRule for NthUnit {
    fn discounts(&self, _cx: ItemCx<'_>, units: &[Unit], out: &mut [i64]) {
        let mut order: Vec<usize> = (0..units.len()).collect();
        by_price(units, &mut order, self.cheaper);
        let n = self.n as usize;
        for group in order.chunks_exact(n) {
            let last = group[n - 1];
            out[last] = percent_of(units[last].current, self.percent);
        }
    }

    /// The units in the order of `discounts` are each line's in turn: the line's units at
    /// positions `at..at + c` are the last of a group `(at + c) / n - at / n` times.
    fn claim_by_line(
        &self,
        _cx: ItemCx<'_>,
        lines: &[CartLine],
        by_price: &PriceOrder,
        counts: &[u32],
        mut per_line: Option<&mut [i64]>,
    ) -> Option<i64> {
        let mut order = [0u8; CLAIM_LINES];
        let walk = if self.cheaper { &by_price.dearest } else { &by_price.cheapest };
        let len = claimed_lines(walk, counts, LineMask::MAX, &mut order)?;
        let n = self.n as u64;
        let (mut at, mut total) = (0u64, 0);
        for &l in &order[..len] {
            let l = usize::from(l);
            let c = u64::from(counts[l]);
            let groups = ((at + c) / n - at / n) as i64;
            at += c;
            if groups > 0 {
                let amount = groups * percent_of(lines[l].unit_price(), self.percent);
                total += amount;
                if let Some(per_line) = per_line.as_deref_mut() {
                    per_line[l] += amount;
                }
            }
        }
        Some(total)
    }

    fn unit_bound(&self, _cx: ItemCx<'_>, lines: &[CartLine], eligible: LineMask, line: usize) -> i64 {
        // No full group at all: nothing.
        if lines_of(eligible).map(|l| lines[l].quantity).sum::<i64>() < self.n {
            return 0;
        }
        // A group's discount is at most `percent` of its last unit's price: for `cheaper` that is
        // at most the group's average, for `dearer` at most the dearest eligible price.
        let price = if self.cheaper {
            lines[line].unit_price()
        } else {
            lines_of(eligible).map(|l| lines[l].unit_price()).max().unwrap_or(0)
        };
        ceil_div(i128::from(price) * i128::from(self.percent), 100 * i128::from(self.n))
    }

    /// At most `floor(E / n)` units are discounted, each at most `percent` of one of the
    /// dearest prices.
    fn total_bound(&self, _cx: ItemCx<'_>, lines: &[CartLine], eligible: LineMask) -> i64 {
        let prices = prices_desc(lines, eligible);
        let groups = prices.len() / self.n as usize;
        prices.iter().take(groups).map(|&p| percent_of(p, self.percent)).sum()
    }

    fn instance_size(&self) -> Option<i64> {
        Some(self.n)
    }

    fn describe(&self) -> String {
        let which = if self.cheaper { "cheaper" } else { "dearer" };
        format!("{}% off every {}th unit (the {which})", self.percent, self.n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::promo::rule::testing::{run, units};

    #[test]
    fn second_cup_half_price_on_the_cheaper() {
        let rule = NthUnit { n: 2, percent: 50, cheaper: true };
        // Sorted dearest first: 1800 (u1), 1500 (u0), 1500 (u2), 900 (u3); groups (u1, u0),
        // (u2, u3): u0 gets 750 off, u3 gets 450 off.
        let u = units(&[(0, 1500), (1, 1800), (2, 1500), (3, 900)]);
        assert_eq!(run(&rule, &[], &[], &u), vec![750, 0, 0, 450]);
    }

    #[test]
    fn dearer_and_incomplete_groups() {
        let rule = NthUnit { n: 2, percent: 50, cheaper: false };
        // Cheapest first: 900 (u2), 1500 (u0), 1800 (u1): group (u2, u0): u0 gets 750 off; u1
        // is an incomplete group.
        let u = units(&[(0, 1500), (1, 1800), (2, 900)]);
        assert_eq!(run(&rule, &[], &[], &u), vec![750, 0, 0]);
        let third = NthUnit { n: 3, percent: 100, cheaper: true };
        assert_eq!(run(&third, &[], &[], &u), vec![0, 0, 900]);
    }

    #[test]
    fn discount_uses_the_current_price() {
        let rule = NthUnit { n: 2, percent: 50, cheaper: true };
        let mut u = units(&[(0, 1000), (0, 1000)]);
        u[1].current = 601;
        assert_eq!(run(&rule, &[], &[], &u), vec![0, 300]);
    }
}
