//! `amount_off`: a fixed amount off each unit (`level: "item"`, never more than the unit's
//! current price) or off the order (`level: "order"`, capped by the eligible lines later).

use super::cart::CartLine;
use super::rule::{money, ItemCx, ItemRule, OrderRule, Unit};
use super::selector::LineMask;

/// Item level: each unit gets `min(amount, current)` off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmountOffItem {
    pub amount: i64,
}

impl ItemRule for AmountOffItem {
    fn discounts(&self, _cx: ItemCx<'_>, units: &[Unit], out: &mut [i64]) {
        for (unit, d) in units.iter().zip(out) {
            *d = self.amount.min(unit.current);
        }
    }

    fn unit_bound(&self, _cx: ItemCx<'_>, lines: &[CartLine], _eligible: LineMask, line: usize) -> i64 {
        self.amount.min(lines[line].unit_price())
    }

    fn additive(&self, _cx: ItemCx<'_>, lines: &[CartLine], line: usize) -> Option<i64> {
        Some(self.amount.min(lines[line].unit_price()))
    }

    fn describe(&self) -> String {
        format!("{} off each", money(self.amount))
    }
}

/// Order level: `amount` off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmountOffOrder {
    pub amount: i64,
}

impl OrderRule for AmountOffOrder {
    fn discount(&self, _base: i64) -> i64 {
        self.amount
    }

    fn steps(&self, _up_to: i64, _out: &mut Vec<i64>) -> bool {
        true
    }

    fn describe(&self) -> String {
        format!("{} off the order", money(self.amount))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::promo::rule::testing::{run, units};

    #[test]
    fn item_never_takes_more_than_the_current_price() {
        let rule = AmountOffItem { amount: 300 };
        let mut u = units(&[(0, 1500), (1, 200)]);
        u[0].current = 250;
        assert_eq!(run(&rule, &[], &[], &u), vec![250, 200]);
    }

    #[test]
    fn order_is_the_amount() {
        assert_eq!(AmountOffOrder { amount: 500 }.discount(0), 500);
    }
}
