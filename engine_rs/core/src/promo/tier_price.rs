//! `tier_price` (会员价): each unit of a listed sku gets `max(0, item_price - tier_price)` off,
//! capped at its current price. Usually limited by `conditions.member_tiers`.

use std::collections::BTreeMap;

use super::cart::CartLine;
use super::rule::{ItemCx, ItemRule, Unit};
use super::selector::{LineMask, SelectorId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierPrice {
    /// The selector of the listed skus.
    pub listed: SelectorId,
    pub prices: BTreeMap<String, i64>,
}

impl ItemRule for TierPrice {
    fn kind_mask(&self, masks: &[LineMask], _all: LineMask) -> LineMask {
        masks[self.listed]
    }

    /// Per line: what one unit gets off at full price (0 for an unlisted sku).
    fn line_values(&self, lines: &[CartLine]) -> Vec<i64> {
        lines
            .iter()
            .map(|line| self.prices.get(&line.sku).map_or(0, |&tier| (line.item_price - tier).max(0)))
            .collect()
    }

    fn discounts(&self, cx: ItemCx<'_>, units: &[Unit], out: &mut [i64]) {
        for (unit, d) in units.iter().zip(out) {
            *d = cx.line_values[unit.line].min(unit.current);
        }
    }

    fn unit_bound(&self, cx: ItemCx<'_>, lines: &[CartLine], _eligible: LineMask, line: usize) -> i64 {
        cx.line_values[line].min(lines[line].unit_price())
    }

    fn additive(&self, cx: ItemCx<'_>, lines: &[CartLine], line: usize) -> Option<i64> {
        Some(cx.line_values[line].min(lines[line].unit_price()))
    }

    fn describe(&self) -> String {
        "member price".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::promo::rule::testing::{line, run, units};

    #[test]
    fn item_price_minus_tier_price_capped_at_current() {
        let rule = TierPrice { listed: 0, prices: BTreeMap::from([("a".into(), 1200), ("b".into(), 2000)]) };
        let lines = [line("a", "t", 1500, 1), line("b", "t", 1800, 1), line("c", "t", 900, 1)];
        let values = rule.line_values(&lines);
        // a: 1500 - 1200 = 300; b: tier above the price -> 0; c: not listed.
        assert_eq!(values, vec![300, 0, 0]);
        let mut u = units(&[(0, 1700), (0, 1700)]);
        u[1].current = 250;
        assert_eq!(run(&rule, &[], &values, &u), vec![300, 250]);
    }
}
