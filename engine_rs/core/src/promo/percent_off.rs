//! `percent_off`: `floor(price * percent / 100)` off each unit (`level: "item"`) or off the
//! order's base (`level: "order"`).

use super::cart::CartLine;
use super::rule::{percent_of, ItemCx, ItemRule, OrderRule, Unit};
use super::selector::LineMask;

/// Item level: every unit it discounts gets `floor(current * percent / 100)` off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PercentOffItem {
    pub percent: i64,
}

impl ItemRule for PercentOffItem {
    fn discounts(&self, _cx: ItemCx<'_>, units: &[Unit], out: &mut [i64]) {
        for (unit, d) in units.iter().zip(out) {
            *d = percent_of(unit.current, self.percent);
        }
    }

    fn unit_bound(&self, _cx: ItemCx<'_>, lines: &[CartLine], _eligible: LineMask, line: usize) -> i64 {
        percent_of(lines[line].unit_price(), self.percent)
    }

    fn additive(&self, _cx: ItemCx<'_>, lines: &[CartLine], line: usize) -> Option<i64> {
        Some(percent_of(lines[line].unit_price(), self.percent))
    }

    fn describe(&self) -> String {
        format!("{}% off", self.percent)
    }
}

/// Order level: `floor(base * percent / 100)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PercentOffOrder {
    pub percent: i64,
}

impl OrderRule for PercentOffOrder {
    fn discount(&self, base: i64) -> i64 {
        percent_of(base, self.percent)
    }

    fn percent(&self) -> Option<i64> {
        Some(self.percent)
    }

    fn describe(&self) -> String {
        format!("{}% off the order", self.percent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::promo::rule::testing::{run, units};

    #[test]
    fn item_floors_each_unit_on_its_current_price() {
        let rule = PercentOffItem { percent: 15 };
        let mut u = units(&[(0, 1700), (0, 1700), (1, 999)]);
        u[1].current = 1001;
        // 1700 * 15 / 100 = 255; 1001 * 15 / 100 = 150.15 -> 150; 999 * 0.15 = 149.85 -> 149.
        assert_eq!(run(&rule, &[], &[], &u), vec![255, 150, 149]);
    }

    #[test]
    fn order_floors_the_base() {
        let rule = PercentOffOrder { percent: 12 };
        // 4567 * 12 / 100 = 548.04 -> 548.
        assert_eq!(rule.discount(4567), 548);
        assert_eq!(PercentOffOrder { percent: 100 }.discount(4567), 4567);
    }
}
